#!/usr/bin/env bash
# merge_conflict.sh - conflicts of `sopsfs merge-driver` / `sopsfs merge`:
# both branches changing one value differently is a conflict in all five
# stores (exit 1, the key path on stderr, never a value; %A left as ours'
# encrypted bytes; no plaintext in the repository or $TMPDIR); a branch
# that rotated the data key gives its metadata to the merge (said on
# stderr); both rotating differently is a conflict. Files without sops
# metadata fall back to git's line merge.
. "$(dirname "$0")/../lib.sh"
export HOME=$TMP/home
mkdir -p "$HOME" "$TMP/tmpdir"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_PGP_FP
cd "$TMP" || exit 1
age-keygen -o key.txt 2>/dev/null
R=$(age-keygen -y key.txt)
export SOPS_AGE_KEY_FILE=$TMP/key.txt
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org

mkdir plain
printf 'database:\n    user: admin\n    password: pw-base-111\napi:\n    token: tok-base-222\n' >plain/app.yaml
printf '{\n\t"database": {\n\t\t"user": "admin",\n\t\t"password": "pw-base-111"\n\t},\n\t"token": "tok-base-222"\n}\n' >plain/app.json
printf 'DB_USER=admin\nDB_PASSWORD=pw-base-111\nTOKEN=tok-base-222\n' >plain/app.env
printf '[database]\nuser = admin\npassword = pw-base-111\n[api]\ntoken = tok-base-222\n' >plain/app.ini
printf 'pw-base-111\n' >plain/app.bin
# store | conflicting key path
cases=('yaml|["database"]["password"]' 'json|["database"]["password"]' 'env|["DB_PASSWORD"]'
	'ini|["database"]["password"]' 'bin|["data"]')

git init -q repo && cd repo || exit 1
git config merge.sopsfs.driver "$SOPSFS merge-driver %O %A %B %P"
printf '* merge=sopsfs\n' >.gitattributes
for c in "${cases[@]}"; do
	ext=${c%%|*}
	"$SOPSFS" encrypt --age "$R" "../plain/app.$ext" >"app.$ext"
done
printf 'line1\nline2\nline3\nline4\n' >notes.txt
git add -A && git commit -qm base
git checkout -qb theirs
sed -i 's/line1/line1-theirs/' notes.txt
for ext in yaml json env ini bin; do
	"$SOPSFS" decrypt "app.$ext" | sed 's/pw-base-111/pw-theirs-333/; s/tok-base-222/tok-theirs-444/' >../t.plain
	"$SOPSFS" replace "app.$ext" ../t.plain
done
git commit -qam theirs
git checkout -q -
for ext in yaml json env ini bin; do
	"$SOPSFS" decrypt "app.$ext" | sed 's/pw-base-111/pw-ours-555/' >../o.plain
	"$SOPSFS" replace "app.$ext" ../o.plain
done
sed -i 's/line4/line4-ours/' notes.txt
git commit -qam ours
rm -f ../t.plain ../o.plain
if TMPDIR=$TMP/tmpdir git merge --no-edit theirs >../merge.out 2>&1; then
	fail "same value changed on both branches is a conflict" "git merge succeeded"
else
	ok "same value changed on both branches is a conflict (git merge stops)"
fi
for c in "${cases[@]}"; do
	IFS='|' read -r ext path <<<"$c"
	if grep -qF "$path" ../merge.out && [ "$(git ls-files -u "app.$ext" | wc -l)" = 3 ]; then
		ok "$ext conflict reported with its key path $path; index has stages 1/2/3"
	else
		fail "$ext conflict reported with its key path" "$(head -c 400 ../merge.out)"
	fi
	if git show ":2:app.$ext" | cmp -s - "app.$ext"; then
		ok "$ext conflict leaves ours' encrypted bytes in the work tree"
	else
		fail "$ext conflict leaves ours' encrypted bytes" "work tree file differs from stage 2"
	fi
done
if grep -q -e pw-ours-555 -e pw-theirs-333 -e pw-base-111 -e tok-theirs-444 ../merge.out; then
	fail "conflict messages hold no values" "$(head -c 300 ../merge.out)"
else
	ok "conflict messages hold no values"
fi
leak=$(grep -rl -e pw-ours-555 -e pw-theirs-333 -e tok-theirs-444 -e pw-base-111 . "$TMP/tmpdir" 2>/dev/null)
if [ -z "$leak" ] && [ -z "$(ls -A "$TMP/tmpdir")" ]; then
	ok "no plaintext in the repository (work tree, .git) or \$TMPDIR after the conflict"
else
	fail "no plaintext on disk after the conflict" "found in: $leak $(ls -A "$TMP/tmpdir")"
fi
if [ -z "$(git ls-files -u notes.txt)" ] && [ "$(cat notes.txt)" = "$(printf 'line1-theirs\nline2\nline3\nline4-ours')" ]; then
	ok "a file without sops metadata is merged line by line (git merge-file)"
else
	fail "a file without sops metadata is merged line by line" "$(git ls-files -u notes.txt | head -c 200)"
fi
git merge --abort

# The driver alone: exit 1 on a conflict and %A untouched.
git show ":1:app.yaml" >/dev/null 2>&1
git show "$(git merge-base HEAD theirs):app.yaml" >../O; git show theirs:app.yaml >../B; cp app.yaml ../A; cp ../A ../A.orig
"$SOPSFS" merge-driver ../O ../A ../B app.yaml 2>../err; rc=$?
if [ "$rc" = 1 ] && cmp -s ../A ../A.orig && grep -qF '["database"]["password"]' ../err; then
	ok "merge-driver exits 1 on a conflict, leaves %A as ours' bytes"
else
	fail "merge-driver exits 1 on a conflict" "rc=$rc $(head -c 300 ../err)"
fi

# Theirs rotated the data key (a fresh encryption) and changed a value;
# ours changed another: clean merge with theirs' metadata.
cd "$TMP" || exit 1
printf 'a: a-base\nb: b-base\n' >p.yaml
"$SOPSFS" encrypt --age "$R" p.yaml >base.yaml
cp base.yaml ours.yaml; printf 'a: a-ours\nb: b-base\n' >p.o; "$SOPSFS" replace ours.yaml p.o
printf 'a: a-base\nb: b-theirs\n' >p.t; "$SOPSFS" encrypt --age "$R" --filename-override x.yaml p.t >theirs.yaml
cp ours.yaml A.yaml
if "$SOPSFS" merge-driver base.yaml A.yaml theirs.yaml x.yaml 2>err && grep -q "theirs changed the data key" err &&
	[ "$("$SOPSFS" decrypt A.yaml)" = "$(printf 'a: a-ours\nb: b-theirs')" ] &&
	[ "$(sed -n '/enc: |/,/END AGE/p' A.yaml)" = "$(sed -n '/enc: |/,/END AGE/p' theirs.yaml)" ]; then
	ok "theirs rotated the data key: merged with theirs' metadata (said on stderr)"
else
	fail "theirs rotated the data key" "$(head -c 300 err)"
fi
# Both rotated, differently: a conflict on the metadata.
printf 'a: a-ours\nb: b-base\n' >p.o2; "$SOPSFS" encrypt --age "$R" --filename-override x.yaml p.o2 >ours2.yaml
cp ours2.yaml A2.yaml
"$SOPSFS" merge base.yaml A2.yaml theirs.yaml -o out.yaml 2>err; rc=$?
if [ "$rc" = 1 ] && grep -q "sops metadata" err && [ ! -e out.yaml ] && cmp -s A2.yaml ours2.yaml; then
	ok "both rotated the data key differently: a conflict"
else
	fail "both rotated the data key differently" "rc=$rc $(head -c 300 err)"
fi
# Without a key to decrypt with: the driver fails (git records a conflict),
# says why in sops' words and leaves %A untouched.
cp ours.yaml A3.yaml
SOPS_AGE_KEY_FILE=$TMP/nonexistent "$SOPSFS" merge-driver base.yaml A3.yaml theirs.yaml x.yaml 2>err; rc=$?
if [ "$rc" != 0 ] && cmp -s A3.yaml ours.yaml && grep -q "Failed to get the data key" err; then
	ok "merge-driver without keys fails with sops' message and leaves %A untouched"
else
	fail "merge-driver without keys" "rc=$rc $(head -c 300 err)"
fi
