#!/usr/bin/env bash
# exec.sh - `sopsfs exec SRC -- CMD`: CMD sees the plaintext in its working
# directory, the exit status is CMD's, no mount and no directory remain
# (also when CMD is killed), the mount is not visible outside (mount
# namespace, as root); `exec-env` and `exec-file` (FIFO and --no-fifo, `{}`).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
need_fuse "sopsfs exec" || exit 0
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg TMPDIR=$TMP/t
mkdir -p "$HOME" "$TMPDIR"; new_gnupghome "$GNUPGHOME"
cd "$TMP" || exit 1
age-keygen -o age.txt 2>/dev/null; R=$(age-keygen -y age.txt); export SOPS_AGE_KEY_FILE=$TMP/age.txt
mkdir -p repo/secrets
printf 'user: admin\npassword: pw-exec-1\n' >db.plain
"$ROOT/build/sopsfs" encrypt --age "$R" --filename-override secrets/db.yaml - <db.plain >repo/secrets/db.yaml
printf 'TOKEN=tok-2\nNAME=n\n' | "$ROOT/build/sopsfs" encrypt --age "$R" --filename-override app.env - >repo/app.env
no_mounts() { ! grep -q "$TMPDIR" /proc/self/mountinfo && [ -z "$(ls -A "$TMPDIR")" ]; }

out=$("$SOPSFS" exec repo -- sh -c 'cat secrets/db.yaml' 2>err); rc=$?
if [ $rc = 0 ] && [ "$out" = "$(cat db.plain)" ] && no_mounts; then
	ok "exec repo -- sh -c 'cat secrets/db.yaml' prints the plaintext, nothing left mounted"
else
	fail "exec cat" "rc=$rc out=$(echo "$out" | head -c 100) $(head -c 200 err)"
fi
"$SOPSFS" exec repo -- sh -c 'exit 7'; rc=$?
[ $rc = 7 ] && no_mounts && ok "exec: exit status is CMD's" || fail "exec exit status" "rc=$rc"
"$SOPSFS" exec repo -- sh -c 'kill -9 $$'; rc=$?
[ $rc = 137 ] && no_mounts && ok "exec: CMD killed (137), no mount remains" || fail "exec killed" "rc=$rc"
"$SOPSFS" exec repo -- sh -c 'touch '"$TMP"'/started; sleep 5' & pid=$!
for i in $(seq 50); do [ -e started ] && break; sleep 0.1; done
if [ "$(id -u)" = 0 ]; then
	if [ -e started ] && ! grep -q "$TMPDIR" /proc/self/mountinfo; then ok "exec: the mount is private (not in our mountinfo while CMD runs)"
	else fail "exec private mount" "visible outside"; fi
fi
kill -TERM $pid; wait $pid; rc=$?
[ $rc = 143 ] && no_mounts && ok "exec: SIGTERM forwarded to CMD (143), cleaned up" || fail "exec SIGTERM" "rc=$rc"
"$SOPSFS" exec nope -- true 2>err; rc=$?
[ $rc != 0 ] && no_mounts && ok "exec of a missing SRC fails cleanly (exit $rc)" || fail "exec missing src" "rc=$rc"

[ "$("$SOPSFS" exec-env repo/app.env 'echo $TOKEN-$NAME')" = "tok-2-n" ] && ok "exec-env puts the values in the environment" || fail "exec-env" "wrong env"
"$SOPSFS" exec-env repo/app.env 'exit 4'; [ $? = 4 ] && ok "exec-env: exit status is CMD's" || fail "exec-env status" "rc"
out=$("$SOPSFS" exec-file repo/secrets/db.yaml 'test -p {} && cat {}')
[ "$out" = "$(cat db.plain)" ] && no_mounts && ok "exec-file: plaintext through a FIFO at {}, removed afterwards" || fail "exec-file fifo" "$out"
"$SOPSFS" exec-file repo/secrets/db.yaml 'true' && no_mounts && ok "exec-file: a CMD that never reads the FIFO ends" || fail "exec-file unread" "hang or leftover"
out=$("$SOPSFS" exec-file --no-fifo --filename db.yaml repo/secrets/db.yaml 'test -f {} && stat -c %a {} && basename {} && cat {}')
[ "$out" = "$(printf '600\ndb.yaml\n'; cat db.plain)" ] && no_mounts && ok "exec-file --no-fifo --filename: a 0600 file, removed afterwards" || fail "exec-file --no-fifo" "$out"
"$SOPSFS" exec-file --filename ../x repo/secrets/db.yaml true 2>/dev/null; [ $? != 0 ] && ok "exec-file refuses a non-local --filename" || fail "exec-file filename" "accepted"

# corrupted inputs: sops' exit code, CMD never runs
V=${SHARED:+$SHARED/interop/sops-vectors}
if [ -n "$V" ]; then
	for cw in tampered_mac:51 no_metadata:1 tampered_value:25; do
		c=${cw%:*}; want=${cw#*:}; rm -f ran
		for cmd in exec-env exec-file; do
			SOPS_AGE_KEY_FILE=$V/keys/age.txt "$SOPSFS" $cmd "$V/errors/$c.enc.yaml" "touch $TMP/ran" 2>err; rc=$?
			if [ $rc = "$want" ] && [ ! -e ran ] && no_mounts && ! grep -q AddressSanitizer err; then
				ok "$cmd on $c: exit $rc, CMD not run"
			else
				fail "$cmd on $c" "rc=$rc"
			fi
		done
	done
fi
