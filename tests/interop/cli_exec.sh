#!/usr/bin/env bash
# cli_exec.sh - exec-env, exec-file and exec: values reach CMD (environment,
# FIFO, memfd, tmpfs file, a private mount), the temporary file is gone after
# CMD, CMD's exit status is ours (also when CMD is killed), and `sopsfs exec`
# leaves no mount behind: after a normal exit, a SIGKILLed CMD and a SIGTERM
# to sopsfs exec itself, in a mount namespace and without one.
. "$(dirname "$0")/../lib.sh"
require_shared exec || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home SOPS_AGE_KEY_FILE=$V/keys/age.txt
mkdir -p "$HOME"
cd "$TMP" || exit 1
R=$(cat "$V/keys/age.recipient")

printf 'user: admin\n# a comment\npassword: "p@ss word"\nport: 5432\nratio: 2.0\nenabled: true\nHOME: /override\n' >p.yaml
"$SOPSFS" encrypt --age "$R" p.yaml >e.yaml 2>err || { fail "exec setup" "$(head -c 300 err)"; exit 0; }
printf 'A=1\nB=two words\n' >p.env
"$SOPSFS" encrypt --age "$R" p.env >e.env 2>err || { fail "exec setup" "$(head -c 300 err)"; exit 0; }

# exec-env: values as sops' ValToString renders them, secrets win over the environment
out=$(user=old "$SOPSFS" exec-env e.yaml 'printf "%s|%s|%s|%s|%s|%s|%s" "$user" "$password" "$port" "$ratio" "$enabled" "$HOME" "${PATH:+path}"; exit 3' 2>err); rc=$?
if [ "$rc" = 3 ] && [ "$out" = "admin|p@ss word|5432|2.0|true|/override|path" ]; then
	ok "exec-env: top-level values in the environment, CMD's exit status"
else fail "exec-env: top-level values in the environment, CMD's exit status" "rc=$rc out=$out $(head -c 200 err)"; fi
out=$(FOO=bar "$SOPSFS" exec-env --pristine e.env 'env | grep -v "^PWD=\|^SHLVL=\|^_=" | sort | tr "\n" ";"' 2>err); rc=$?
if [ "$rc" = 0 ] && [ "$out" = "A=1;B=two words;" ]; then ok "exec-env --pristine: only the values"
else fail "exec-env --pristine: only the values" "rc=$rc out=$out $(head -c 200 err)"; fi
"$SOPSFS" exec-env "$V/edit/set_string.before.yaml" 'echo ran' >out 2>err; rc=$?
if [ "$rc" = 1 ] && [ ! -s out ] && grep -q "cannot use complex value in environment; offending key list" err; then
	ok "exec-env refuses a nested value like sops"
else fail "exec-env refuses a nested value like sops" "rc=$rc $(head -c 200 err)"; fi
"$SOPSFS" exec-env e.yaml 'kill -9 $$' 2>/dev/null; rc=$?
[ "$rc" = 137 ] && ok "exec-env: CMD killed by SIGKILL exits 137" || fail "exec-env: CMD killed by SIGKILL exits 137" "rc=$rc"
"$SOPSFS" decrypt e.yaml >plain.yaml
printf '{"A": "1", "B": "two words"}\n' >h.json
"$SOPSFS" encrypt --age "$R" h.json >hidden-json   # no extension: binary unless --input-type
out=$("$SOPSFS" exec-env --input-type json hidden-json 'echo "$A|$B"' 2>err); rc=$?
"$SOPSFS" exec-env hidden-json 'echo ran' >out2 2>err2; rc2=$?
if [ "$rc" = 0 ] && [ "$out" = "1|two words" ] && [ "$rc2" = 4 ] && [ ! -s out2 ] &&
   grep -q "no binary data found in tree" err2; then
	ok "exec-env --input-type for a file without extension (binary without it, like sops)"
else fail "exec-env --input-type for a file without extension" "rc=$rc out=$out rc2=$rc2 $(head -c 200 err)"; fi

# exec-file: FIFO by default, memfd with --no-fifo, tmpfs file with --filename
out=$("$SOPSFS" exec-file e.yaml 'cat {} >got1; test -p {} && echo {}; exit 4' 2>err); rc=$?
if [ "$rc" = 4 ] && cmp -s got1 plain.yaml && [ -n "$out" ] && [ ! -e "$out" ] && [ ! -e "$(dirname "$out")" ]; then
	ok "exec-file: plaintext through a FIFO, removed after CMD, CMD's status"
else fail "exec-file: plaintext through a FIFO, removed after CMD, CMD's status" "rc=$rc out=$out $(head -c 200 err)"; fi
out=$("$SOPSFS" exec-file --no-fifo e.yaml 'cat {} >got2; cat {} >>got2; echo {}' 2>err); rc=$?
if [ "$rc" = 0 ] && cmp -s got2 <(cat plain.yaml plain.yaml) && [[ "$out" == /proc/self/fd/* ]]; then
	ok "exec-file --no-fifo: a memfd read twice, never on a filesystem"
else fail "exec-file --no-fifo: a memfd read twice, never on a filesystem" "rc=$rc out=$out $(head -c 200 err)"; fi
out=$("$SOPSFS" exec-file --no-fifo --filename app.yaml e.yaml 'cat {} >got3; stat -c "%a %s" {}; stat -f -c %T {}; echo {}' 2>err); rc=$?
f=$(echo "$out" | tail -1)
if [ "$rc" = 0 ] && cmp -s got3 plain.yaml && [ "$(echo "$out" | head -2 | tr '\n' ' ')" = "600 $(stat -c %s plain.yaml) tmpfs " ] &&
   [[ "$f" == /dev/shm/.sops*/app.yaml ]] && [ ! -e "$f" ] && [ ! -e "$(dirname "$f")" ]; then
	ok "exec-file --filename: 0600 file on tmpfs, removed after CMD"
else fail "exec-file --filename: 0600 file on tmpfs, removed after CMD" "rc=$rc out=$out $(head -c 200 err)"; fi
"$SOPSFS" exec-file --filename ../x e.yaml 'echo ran' >out 2>err; rc=$?
if [ "$rc" = 1 ] && [ ! -s out ] && grep -q "The provided filename is not a local path." err; then
	ok "exec-file refuses a non-local --filename"
else fail "exec-file refuses a non-local --filename" "rc=$rc $(head -c 200 err)"; fi
timeout 10 "$SOPSFS" exec-file e.yaml 'exit 0' 2>err; rc=$?
[ "$rc" = 0 ] && ok "exec-file: CMD that never opens the FIFO" || fail "exec-file: CMD that never opens the FIFO" "rc=$rc"
sed '/^enabled:/d' e.yaml >bad.yaml    # a value removed: the MAC no longer matches
"$SOPSFS" exec-file bad.yaml 'echo ran' >out 2>err; rc=$?
if [ "$rc" = 51 ] && [ ! -s out ]; then ok "exec-file: MAC mismatch fails with sops' code, CMD not run"
else fail "exec-file: MAC mismatch fails with sops' code, CMD not run" "rc=$rc $(head -c 200 err)"; fi

# exec: a private mount for CMD
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null 2>&1; then
	skip "exec" "/dev/fuse or fusermount3 is missing"; exit 0
fi
export ASAN_OPTIONS=detect_leaks=0     # the mount daemon (libfuse one-time allocations)
mkdir -p repo/secrets && cp e.yaml repo/secrets/db.yaml && echo hello >repo/plain.txt
cp -p repo/secrets/db.yaml db.orig
export TMPDIR=$TMP; unset XDG_RUNTIME_DIR   # mount points of this run only: $TMP/sopsfs-exec.*
mounts() { grep -c " $TMP/sopsfs-exec\." /proc/self/mountinfo; }
leftover() { ls -d "$TMP"/sopsfs-exec.* 2>/dev/null | grep -q .; }
for mode in ns nons; do
	if [ $mode = nons ]; then export SOPSFS_EXEC_NO_NAMESPACE=1; fi
	out=$("$SOPSFS" exec repo -- sh -c 'cat secrets/db.yaml; cat plain.txt; grep -c " $PWD " /proc/self/mountinfo; exit 6' 2>err); rc=$?; cat err >>errs
	if [ "$rc" = 6 ] && [ "$out" = "$(cat plain.yaml; echo hello; echo 1)" ] && [ "$(mounts)" = 0 ]; then
		ok "exec ($mode): CMD reads the plaintext in the mount, its status, no mount left"
	else fail "exec ($mode): CMD reads the plaintext in the mount, its status, no mount left" "rc=$rc out=$(echo "$out" | tail -2) $(head -c 300 err)"; fi
	# CMD killed with SIGKILL
	"$SOPSFS" exec repo -- sh -c 'echo $$ >'"$TMP"'/cmd.pid; exec sleep 30' 2>err & epid=$!
	for _ in $(seq 1 100); do [ -s cmd.pid ] && break; sleep 0.05; done
	seen=$(mounts)
	kill -9 "$(cat cmd.pid)"; wait $epid; rc=$?; rm -f cmd.pid; cat err >>errs
	want_seen=0; [ $mode = nons ] && want_seen=1
	if [ "$rc" = 137 ] && [ "$seen" = "$want_seen" ] && [ "$(mounts)" = 0 ] && ! leftover; then
		ok "exec ($mode): CMD killed -9: exit 137, mount gone (visible outside: $seen)"
	else fail "exec ($mode): CMD killed -9: exit 137, mount gone" "rc=$rc seen=$seen now=$(mounts) $(head -c 300 err)"; fi
	# SIGTERM to sopsfs exec is passed on to CMD
	"$SOPSFS" exec repo -- sh -c 'trap "echo got-term >'"$TMP"'/term; exit 9" TERM; echo $$ >'"$TMP"'/cmd.pid; while :; do sleep 0.1; done' 2>err & epid=$!
	for _ in $(seq 1 100); do [ -s cmd.pid ] && break; sleep 0.05; done
	kill -TERM $epid; wait $epid; rc=$?; rm -f cmd.pid; cat err >>errs
	if [ "$rc" = 9 ] && [ "$(cat term 2>/dev/null)" = got-term ] && [ "$(mounts)" = 0 ]; then
		ok "exec ($mode): SIGTERM forwarded to CMD, its status, mount gone"
	else fail "exec ($mode): SIGTERM forwarded to CMD, its status, mount gone" "rc=$rc now=$(mounts) $(head -c 300 err)"; fi
	rm -f term
done
# SIGKILL to sopsfs exec itself: the daemon is told by the kernel (parent
# death signal) and unmounts
"$SOPSFS" exec repo -- sh -c 'echo $$ >'"$TMP"'/cmd.pid; exec sleep 30' 2>>errs & epid=$!
for _ in $(seq 1 100); do [ -s cmd.pid ] && break; sleep 0.05; done
seen=$(mounts); kill -9 $epid; wait $epid 2>/dev/null
for _ in $(seq 1 100); do [ "$(mounts)" = 0 ] && break; sleep 0.05; done
if [ "$seen" = 1 ] && [ "$(mounts)" = 0 ]; then ok "exec (nons): sopsfs exec killed -9: the daemon unmounts"
else fail "exec (nons): sopsfs exec killed -9: the daemon unmounts" "seen=$seen now=$(mounts)"; fi
kill "$(cat cmd.pid)" 2>/dev/null; rm -f cmd.pid; rmdir "$TMP"/sopsfs-exec.* 2>/dev/null
unset SOPSFS_EXEC_NO_NAMESPACE
cmp -s db.orig repo/secrets/db.yaml && ok "exec: the encrypted file is untouched" || fail "exec: the encrypted file is untouched" "changed"
"$SOPSFS" exec "$TMP/missing" -- true 2>err; rc=$?
if [ "$rc" = 1 ] && [ "$(mounts)" = 0 ]; then ok "exec: a missing SRC fails cleanly"
else fail "exec: a missing SRC fails cleanly" "rc=$rc $(head -c 200 err)"; fi
if grep -q -E 'ERROR: AddressSanitizer|runtime error:' errs 2>/dev/null; then
	fail "exec: no sanitizer report from the mount daemon" "$(grep -m1 -E 'ERROR: AddressSanitizer|runtime error:' errs)"
else ok "exec: no sanitizer report from the mount daemon"; fi
