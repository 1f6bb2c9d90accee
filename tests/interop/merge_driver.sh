#!/usr/bin/env bash
# merge_driver.sh - `git merge` with `sopsfs merge-driver` configured: two
# branches changing different values of one SOPS file merge cleanly in all
# five stores; the result decrypts (MAC valid) to both sides' changes, with
# YAML comments and JSON key order kept; `git diff ours..merge` shows only
# the values that came from theirs (their exact ciphertext) plus
# lastmodified/mac; the independent decoder sops-age reads the result.
# Also: add/add of a new file, and `sopsfs merge` (same engine) on stdout.
. "$(dirname "$0")/../lib.sh"
NPM=$ROOT/build/npm
export HOME=$TMP/home
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_PGP_FP
cd "$TMP" || exit 1
age-keygen -o key.txt 2>/dev/null
R=$(age-keygen -y key.txt)
export SOPS_AGE_KEY_FILE=$TMP/key.txt
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org

mkdir plain
cat >plain/app.yaml <<'Y'
# database settings
database:
    user: admin
    # the password
    password: pw-base-111
    port: 5432
api:
    token: tok-base-222
    url: https://example.org
Y
printf '{\n\t"zeta": "z-base",\n\t"alpha": {\n\t\t"one": 1,\n\t\t"two": "two-base"\n\t},\n\t"mid": true\n}\n' >plain/app.json
printf '# env\nDB_USER=admin\nDB_PASSWORD=pw-base-111\nAPI_KEY=k-base-222\n' >plain/app.env
printf '[database]\nuser = admin\npassword = pw-base-111\n\n[api]\nkey = k-base-222\n' >plain/app.ini
printf 'binary base\n' >plain/app.bin

# store | ours' sed | theirs' sed | + lines in the diff ours..merge (besides metadata)
cases=(
	'yaml|s/port: 5432/port: 6000/|s/tok-base-222/tok-theirs-333/; $a # added by theirs\nextra: xtra-444|3'
	'json|s/"z-base"/"z-ours"/|s/"two-base"/"two-theirs"/; s/"mid": true/"mid": true,\n\t"new": "n-theirs-555"/|2'
	'env|s/DB_USER=admin/DB_USER=root/|s/API_KEY=k-base-222/API_KEY=k-theirs-333/; $a NEW_VAR=v-theirs-444|2'
	'ini|s/user = admin/user = root/|s/key = k-base-222/key = k-theirs-333\ntimeout = 30/|2'
	'bin|s/x/x/|s/base/theirs/|1'
)
git init -q repo && cd repo || exit 1
git config merge.sopsfs.driver "$SOPSFS merge-driver %O %A %B %P"
printf '*.yaml merge=sopsfs\n*.json merge=sopsfs\n*.env merge=sopsfs\n*.ini merge=sopsfs\n*.bin merge=sopsfs\n' >.gitattributes
for c in "${cases[@]}"; do
	IFS='|' read -r ext _ <<<"$c"
	"$SOPSFS" encrypt --age "$R" "../plain/app.$ext" >"app.$ext" || fail "encrypt $ext" "sopsfs encrypt failed"
done
git add -A && git commit -qm base
git checkout -qb theirs
for c in "${cases[@]}"; do
	IFS='|' read -r ext _ ts _ <<<"$c"
	"$SOPSFS" decrypt "app.$ext" | sed "$ts" >"../t.$ext"
	"$SOPSFS" replace "app.$ext" "../t.$ext"
done
git commit -qam theirs
git checkout -q -
for c in "${cases[@]}"; do
	IFS='|' read -r ext os _ <<<"$c"
	"$SOPSFS" decrypt "app.$ext" | sed "$os" >"../o.$ext"
	[ "$ext" = bin ] || "$SOPSFS" replace "app.$ext" "../o.$ext"
done
git commit -qam ours
OURS=$(git rev-parse HEAD)
if git merge -q --no-edit theirs >../merge.out 2>&1; then
	ok "git merge with sopsfs merge-driver: non-overlapping edits merge cleanly (5 stores)"
else
	fail "git merge with sopsfs merge-driver" "$(head -c 400 ../merge.out)"
fi
meta='^[-+](sops_)?(    )?lastmodified|^[-+](sops_)?(    )?mac[ :=]|^[-+]\s*"(lastmodified|mac)":|^[-+](lastmodified|mac) *='
for c in "${cases[@]}"; do
	IFS='|' read -r ext os ts nplus <<<"$c"
	sed "$os" "../plain/app.$ext" | sed "$ts" >"../exp.$ext"
	if "$SOPSFS" decrypt "app.$ext" >"../got.$ext" 2>../err; then
		same_bytes "merged $ext decrypts (MAC valid) to both sides' changes" "../exp.$ext" "../got.$ext"
	else
		fail "merged $ext decrypts" "$(head -c 300 ../err)"
	fi
	git show "theirs:app.$ext" >../theirs.enc; git show "HEAD^1:app.$ext" >../ours.enc
	git diff HEAD^1 HEAD -- "app.$ext" | grep -E '^[-+]' | grep -v -E '^(\+\+\+|---) ' | grep -v -E "$meta" >../d.txt
	plus=$(grep -c '^+' ../d.txt); bad=""
	while IFS= read -r l; do
		case $l in
		+*) grep -qxF -- "${l:1}" ../theirs.enc || bad="not theirs' ciphertext: ${l:0:60}" ;;
		-*) grep -qxF -- "${l:1}" ../ours.enc || bad="not ours: ${l:0:60}" ;;
		esac
	done <../d.txt
	if [ -z "$bad" ] && [ "$plus" = "$nplus" ]; then
		ok "diff ours..merge of $ext: only theirs' values ($plus lines, their exact ciphertext) + lastmodified/mac"
	else
		fail "diff ours..merge of $ext" "$bad; $plus + lines (want $nplus): $(head -c 300 ../d.txt | tr '\n' '|')"
	fi
	case $ext in
	yaml|json|env)
		if [ ! -d "$NPM/node_modules/sops-age" ]; then
			skip "sops-age decrypts merged $ext" "npm package sops-age is not installed"
		elif node "$ROOT/tests/tools/sops_age_check.mjs" "$NPM" "$ext" "app.$ext" "../exp.$ext" ../key.txt 2>../err; then
			ok "sops-age decrypts merged $ext to the same values"
		else
			fail "sops-age decrypts merged $ext" "$(head -c 300 ../err)"
		fi ;;
	esac
done

# add/add: both branches add the same new file with different keys (each
# with its own data key): keys merge (a key theirs added goes after the key
# before it in theirs), ours' data key is kept.
git checkout -qb add2
printf 'shared: same-val\nfrom_theirs: th-777\n' >../n.t; "$SOPSFS" encrypt --age "$R" ../n.t --filename-override new.yaml >new.yaml
git add new.yaml && git commit -qm add2
git checkout -q -
printf 'shared: same-val\nfrom_ours: ou-888\n' >../n.o; "$SOPSFS" encrypt --age "$R" ../n.o --filename-override new.yaml >new.yaml
cp new.yaml ../new.ours
git add new.yaml && git commit -qm add1
if git merge -q --no-edit add2 >../merge.out 2>&1 && "$SOPSFS" decrypt new.yaml >../got 2>../err &&
	[ "$(cat ../got)" = "$(printf 'shared: same-val\nfrom_theirs: th-777\nfrom_ours: ou-888')" ] &&
	[ "$(grep -c 'enc: |' new.yaml)" = 1 ] && [ "$(grep -A2 'enc: |' new.yaml)" = "$(grep -A2 'enc: |' ../new.ours)" ]; then
	ok "add/add of a new file: keys of both sides, ours' data key"
else
	fail "add/add of a new file" "$(head -c 300 ../merge.out) $(head -c 200 ../err) $(head -c 200 ../got | tr '\n' '|')"
fi

# `sopsfs merge` for scripts: the same engine, result on stdout or -o.
root=$(git rev-list --max-parents=0 HEAD)
git show "$root:app.json" >../b.json; git show theirs:app.json >../t.json; git show "$OURS:app.json" >../o.json
if "$SOPSFS" merge ../b.json ../o.json ../t.json >../m.json 2>../err && "$SOPSFS" decrypt ../m.json >../got.json &&
	cmp -s ../got.json ../exp.json && "$SOPSFS" merge ../b.json ../o.json ../t.json -o ../m2.json &&
	"$SOPSFS" decrypt ../m2.json | cmp -s - ../exp.json; then
	ok "sopsfs merge BASE OURS THEIRS [-o OUT] gives the merged file"
else
	fail "sopsfs merge BASE OURS THEIRS" "$(head -c 300 ../err)"
fi
