#!/usr/bin/env bash
# merge_conflict.sh - merge conflicts resolved through the mount: while SRC's
# git repository is merging, a SOPS file with conflict stages shows (in the
# mount) the merge of its decrypted values with <<<<<<< / ======= / >>>>>>>
# around the conflicting value, in its store's syntax; a save that still has
# markers fails with EIO (reason in user.sopsfs.error) and SRC is untouched;
# a vim save without markers writes the resolution encrypted with ours' data
# key; `git add` + `git commit` in SRC give a file that decrypts to it. No
# plaintext reaches SRC (.git included) or $TMPDIR. Also: without the merge
# driver (git's line merge of the ciphertext), the mount shows the clean
# merge of the values and a save writes it.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"
need_fuse "merge conflict view" || exit 0
CLI=$ROOT/build/sopsfs
export HOME=$TMP/home TMPDIR=$TMP/tmpdir
mkdir -p "$HOME" "$TMPDIR"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_PGP_FP VIMINIT EXINIT
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
age-keygen -o "$TMP/key.txt" 2>/dev/null
R=$(age-keygen -y "$TMP/key.txt")
export SOPS_AGE_KEY_FILE=$TMP/key.txt
VALUES='pw-base-111|pw-theirs-333|tok-theirs-444|pw-ours-555|pw-fixed-666|j-ours-777|j-theirs-888'

SRC=$TMP/src
mkdir -p "$SRC" && cd "$SRC" || exit 1
git init -q .
git config merge.sopsfs.driver "$CLI merge-driver %O %A %B %P"
printf '*.yaml merge=sopsfs\n*.ini merge=sopsfs\n*.env merge=sopsfs\n*.bin merge=sopsfs\n' >.gitattributes
printf 'database:\n    user: admin\n    password: pw-base-111\napi:\n    token: tok-base-222\n' >"$TMP/p.yaml"
printf '{\n\t"a": "j-base",\n\t"b": "j-base"\n}\n' >"$TMP/p.json"
printf '[db]\nuser = admin\npassword = pw-base-111\n' >"$TMP/p.ini"
printf 'USER=admin\nPW=pw-base-111\n' >"$TMP/p.env"
printf 'pw-base-111\n' >"$TMP/p.bin"
"$CLI" encrypt --age "$R" "$TMP/p.yaml" >app.yaml
"$CLI" encrypt --age "$R" "$TMP/p.json" >app.json
"$CLI" encrypt --age "$R" "$TMP/p.ini" >app.ini
"$CLI" encrypt --age "$R" "$TMP/p.env" >app.env
"$CLI" encrypt --age "$R" "$TMP/p.bin" >app.bin
rm -f "$TMP"/p.*
git add -A && git commit -qm base
edit() {   # file sed-expression (through `sopsfs replace`, plaintext in a pipe)
	"$CLI" decrypt "$1" | sed "$2" | "$CLI" replace "$1" -
}
git checkout -qb theirs
edit app.yaml 's/pw-base-111/pw-theirs-333/; s/tok-base-222/tok-theirs-444/'
edit app.json 's/"b": "j-base"/"b": "j-theirs-888"/'
edit app.ini 's/pw-base-111/pw-theirs-333/'
edit app.env 's/pw-base-111/pw-theirs-333/'
edit app.bin 's/pw-base-111/pw-theirs-333/'
git commit -qam theirs
git checkout -q -
edit app.yaml 's/pw-base-111/pw-ours-555/'
edit app.json 's/"a": "j-base"/"a": "j-ours-777"/'
edit app.ini 's/pw-base-111/pw-ours-555/'
edit app.env 's/pw-base-111/pw-ours-555/'
edit app.bin 's/pw-base-111/pw-ours-555/'
git commit -qam ours
# mounted before the merge: no merge, no libgit2 in the daemon (it is
# loaded only once a merge, rebase, cherry-pick, revert or bisect state file
# appears); the merge started underneath shows within a second
MNT0=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT0" || { fail "mount before the merge" "$(head -c 300 "$TMP/mount.log")"; exit 0; }
cat "$MNT0/app.yaml" "$MNT0/app.env" >/dev/null
sleep 1.1; cat "$MNT0/app.ini" >/dev/null
before=$(grep -c libgit2 "/proc/$MOUNT_PID/maps")
git merge --no-edit theirs >"$TMP/merge.out" 2>&1
sleep 1.1
marks=$(grep -c '^<<<<<<< ours' "$MNT0/app.yaml")
after=$(grep -c libgit2 "/proc/$MOUNT_PID/maps")
if [ "$before" = 0 ] && [ "$after" -ge 1 ] && [ "$marks" = 1 ]; then
	ok "no libgit2 in the daemon before a merge; a merge started under the mount shows its markers"
else
	fail "libgit2 only for a merge" "libgit2 mappings $before -> $after; $(head -c 120 "$MNT0/app.yaml" | tr '\n' '|')"
fi
unmount_sopsfs "$MNT0"
if [ "$(git ls-files -u | wc -l)" = 15 ]; then
	ok "git merge stops with five files (four with the driver, JSON with git's line merge) in conflict"
else
	fail "git merge stops with three conflicts" "$(git ls-files -u | head -c 300)"
fi
cp app.yaml "$TMP/ours.yaml"

MNT=$(new_mountpoint)
if ! mount_sopsfs "$SRC" "$MNT"; then
	fail "merge conflict view" "mount failed: $(head -c 300 "$TMP/mount.log")"
	exit 0
fi
want=$(printf 'database:\n    user: admin\n<<<<<<< ours\n    password: pw-ours-555\n=======\n    password: pw-theirs-333\n>>>>>>> theirs\napi:\n    token: tok-theirs-444')
if [ "$(cat "$MNT/app.yaml")" = "$want" ]; then
	ok "the mount shows the merge with markers around the conflicting value (YAML)"
else
	fail "the mount shows the merge with markers (YAML)" "$(head -c 400 "$MNT/app.yaml" | tr '\n' '|')"
fi
want_ini=$(printf '[db]\nuser = admin\n<<<<<<< ours\npassword = pw-ours-555\n=======\npassword = pw-theirs-333\n>>>>>>> theirs')
if [ "$(cat "$MNT/app.ini")" = "$want_ini" ]; then
	ok "the mount shows the merge with markers (INI)"
else
	fail "the mount shows the merge with markers (INI)" "$(head -c 400 "$MNT/app.ini" | tr '\n' '|')"
fi
for f in env bin; do
	case $f in
	env) w=$(printf 'USER=admin\n<<<<<<< ours\nPW=pw-ours-555\n=======\nPW=pw-theirs-333\n>>>>>>> theirs') ;;
	bin) w=$(printf '<<<<<<< ours\npw-ours-555\n=======\npw-theirs-333\n>>>>>>> theirs') ;;
	esac
	if [ "$(cat "$MNT/app.$f")" = "$w" ]; then
		ok "the mount shows the merge with markers ($f)"
	else
		fail "the mount shows the merge with markers ($f)" "$(head -c 300 "$MNT/app.$f" | tr '\n' '|')"
	fi
done
if [ "$(cat "$MNT/app.json")" = "$(printf '{\n\t"a": "j-ours-777",\n\t"b": "j-theirs-888"\n}')" ]; then
	ok "without the driver (git's line merge of the ciphertext) the mount shows the merged values"
else
	fail "without the driver the mount shows the merged values" "$(head -c 300 "$MNT/app.json" | tr '\n' '|')"
fi
grep -q "conflicting key(s) shown with markers: \[\"database\"\]\[\"password\"\]" "$TMP/mount.log" &&
	ok "the log names the conflicting key" || fail "the log names the conflicting key" "$(tail -5 "$TMP/mount.log")"

# A save that still has markers: refused, SRC untouched.
vi_ex() { vim -u NONE -N -i NONE -n -Es "$@" >/dev/null 2>&1; }
if vi_ex -c '%s/pw-ours-555/pw-fixed-666/' -c 'wq' "$MNT/app.yaml"; then
	fail "a save with markers is refused" "vim reported success"
else
	ok "a save with markers is refused (vim's write fails)"
fi
why=$(getfattr --only-values -n user.sopsfs.error "$MNT/app.yaml" 2>/dev/null)
if cmp -s app.yaml "$TMP/ours.yaml" && [[ $why == *"conflict markers"* ]]; then
	ok "after a refused save SRC is untouched and user.sopsfs.error says why"
else
	fail "after a refused save SRC is untouched" "xattr: $why"
fi

# Resolve in vim: keep theirs' side.
if vi_ex -c 'g/^<<<<<<< ours$/.,/^=======$/d' -c 'g/^>>>>>>> theirs$/d' -c 'wq' "$MNT/app.yaml"; then
	ok "vim saves the resolution through the mount"
else
	fail "vim saves the resolution" "$(getfattr --only-values -n user.sopsfs.error "$MNT/app.yaml" 2>&1)"
fi
resolved=$(printf 'database:\n    user: admin\n    password: pw-theirs-333\napi:\n    token: tok-theirs-444')
enc_of() { sed -n '/enc: |/,/END AGE/p' "$1"; }
if [ "$("$CLI" decrypt app.yaml 2>&1)" = "$resolved" ] && [ "$(enc_of app.yaml)" = "$(enc_of "$TMP/ours.yaml")" ]; then
	ok "SRC holds the resolution encrypted with ours' data key"
else
	fail "SRC holds the resolution" "$("$CLI" decrypt app.yaml 2>&1 | head -c 300)"
fi
vi_ex -c 'g/^<<<<<<< ours$/.,/^=======$/d' -c 'g/^>>>>>>> theirs$/d' -c 'wq' "$MNT/app.ini"
vi_ex -c 'wq' "$MNT/app.json"
vi_ex -c 'g/^=======$/.,/^>>>>>>> theirs$/d' -c 'g/^<<<<<<< ours$/d' -c 'wq' "$MNT/app.env"
printf 'pw-fixed-666\n' >"$MNT/app.bin"
if "$CLI" decrypt app.json 2>/dev/null | grep -q j-theirs-888 && [ "$("$CLI" decrypt app.ini)" = "$(printf '[db]\nuser = admin\npassword = pw-theirs-333')" ]; then
	ok "INI resolution and the JSON merge (saved unchanged) are written to SRC"
else
	fail "INI and JSON resolutions are written" "$(head -c 300 app.json)"
fi
if [ "$("$CLI" decrypt app.env)" = "$(printf 'USER=admin\nPW=pw-ours-555')" ] && [ "$("$CLI" decrypt app.bin)" = pw-fixed-666 ]; then
	ok "dotenv resolution (vim, ours' side) and binary resolution (shell redirection) are written"
else
	fail "dotenv and binary resolutions are written" "$("$CLI" decrypt app.env 2>&1 | head -c 200)"
fi
leak=$(grep -rlE "$VALUES" "$SRC" "$TMPDIR" 2>/dev/null)
if [ -z "$leak" ]; then
	ok "no plaintext in SRC (.git included) or \$TMPDIR"
else
	fail "no plaintext in SRC or \$TMPDIR" "$leak"
fi
git add app.yaml app.json app.ini app.env app.bin && git commit -q --no-edit
git show HEAD:app.yaml >"$TMP/committed.yaml"
if [ -z "$(git ls-files -u)" ] && [ "$("$CLI" decrypt "$TMP/committed.yaml")" = "$resolved" ]; then
	ok "git add + git commit in SRC: the merge commit decrypts to the resolution"
else
	fail "git add + git commit in SRC" "$(git status --short | head -c 200)"
fi
sleep 1.1
if [ "$(cat "$MNT/app.yaml")" = "$resolved" ]; then
	ok "after the merge the mount shows the committed file"
else
	fail "after the merge the mount shows the committed file" "$(head -c 300 "$MNT/app.yaml" | tr '\n' '|')"
fi

# A cherry-pick conflict shows markers too; --abort brings the file back.
git checkout -qb pick
edit app.env 's/pw-ours-555/pw-theirs-333/'
git commit -qam pick
git checkout -q -
edit app.env 's/pw-ours-555/pw-base-111/'
git commit -qam main
git cherry-pick pick >/dev/null 2>&1
sleep 1.1
if grep -q '^<<<<<<< ours$' "$MNT/app.env"; then
	ok "a cherry-pick conflict is shown with markers"
else
	fail "a cherry-pick conflict is shown with markers" "$(head -c 200 "$MNT/app.env" | tr '\n' '|')"
fi
git cherry-pick --abort
sleep 1.1
if [ "$(cat "$MNT/app.env")" = "$(printf 'USER=admin\nPW=pw-base-111')" ]; then
	ok "after git cherry-pick --abort the mount shows the file again"
else
	fail "after git cherry-pick --abort the mount shows the file again" "$(head -c 200 "$MNT/app.env" | tr '\n' '|')"
fi
unmount_sopsfs "$MNT" || fail "unmount" "daemon did not exit"
if [ -n "${MERGE_SHOW_LOG:-}" ]; then cat "$TMP/mount.log"; fi
