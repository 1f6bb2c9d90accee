#!/usr/bin/env bash
# control.sh - `sopsfs status` and `sopsfs lock` (docs/control.md): status
# shows the source, cached keys with TTL and master key, views, drafts,
# locked memory and recent log lines; lock wipes keys and views at once
# (the next read unwraps again: user.sopsfs.unwraps) and keeps a dirty
# draft; another uid gets nothing: no socket it can reach, and a peer of
# another uid on a loosened socket is refused (SO_PEERCRED).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
. "$(dirname "$0")/lib/repo.sh"
need_fuse "control socket" || exit 0
REPO_CLI=$ROOT/build/sopsfs
CLI=$ROOT/build/sopsfs-asan
PY=$(command -v /usr/bin/python3 || command -v python3)
export HOME=$TMP/home
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP XDG_RUNTIME_DIR
cd "$TMP" || exit 1
SRC=$TMP/src
repo_plaintexts "$TMP/plain"
repo_build "$SRC" "$TMP/plain" 2>"$TMP/build.err" || { fail "test repository" "$(cat "$TMP/build.err")"; exit 0; }
R=$(age-keygen -y "$REPO_KEY")
export SOPSFS_RUNTIME_DIR=$TMP/run
mkdir -p "$SOPSFS_RUNTIME_DIR"

MNT=$(new_mountpoint)
# ahead=0: the counts below are of the files read (decrypt-ahead: ahead.sh)
mount_sopsfs "$SRC" "$MNT" -o ahead=0 || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/secrets/db.yaml" "$MNT/app.json" >/dev/null
# a dirty draft: a save that cannot be committed (invalid YAML) stays
printf 'broken: [unclosed\n' >"$MNT/secrets/db.yaml" 2>/dev/null
"$CLI" status "$MNT" >status.txt 2>status.err; rc=$?
if [ $rc = 0 ] && grep -qx "source: $SRC" status.txt && grep -qx 'keys: 2' status.txt &&
   grep -q "^key: [0-9a-f]\{16\} ttl=[0-9]*s unwrapped_by=age $R\$" status.txt &&
   grep -q '^views: [1-9]' status.txt && grep -q '^memory_locked: [1-9][0-9]* bytes' status.txt &&
   grep -q '^leak_guard: deny ([1-9][0-9]* values from 2 files' status.txt; then
	ok "status shows the source, each cached key with its TTL and master key, views, locked memory"
else
	fail "status shows what the daemon holds" "rc $rc $(cat status.err) $(tr '\n' '|' <status.txt | head -c 700)"
fi
grep -q '^drafts: [1-9][0-9]* ([1-9][0-9]* dirty)' status.txt && grep -q '^log: .*/secrets/db.yaml' status.txt &&
	ok "status shows the dirty draft and the recent error about it" ||
	fail "status shows dirty drafts and recent errors" "$(grep -E '^(drafts|log):' status.txt | tr '\n' '|')"
if grep -qF -f "$REPO_SECRETS" status.txt; then fail "no secret in status" "a test secret appears"; else ok "no secret in status"; fi

before=$(getfattr --absolute-names --only-values -n user.sopsfs.unwraps "$MNT")
"$CLI" lock "$MNT" >lock.txt 2>&1; rc=$?
"$CLI" status "$MNT" >status2.txt 2>&1
# (the dirty draft keeps its file's view and identity until committed or dropped)
if [ $rc = 0 ] && grep -qx 'keys: 0' status2.txt && grep -q '^views: 1 ' status2.txt &&
   grep -q '^leak_guard: deny (0 values' status2.txt; then
	ok "lock wipes every key, view and guarded value at once ($(head -1 lock.txt | cut -c1-40))"
else
	fail "lock wipes every key and view" "rc $rc $(cat lock.txt) $(grep -E '^(keys|views|leak_guard):' status2.txt | tr '\n' '|')"
fi
grep -q 'broken: \[unclosed' "$MNT/secrets/db.yaml" && grep -q '^drafts: [1-9][0-9]* ([1-9][0-9]* dirty)' status2.txt &&
	ok "a dirty draft stays after lock" || fail "a dirty draft stays after lock" "$(head -c 100 "$MNT/secrets/db.yaml")"
cat "$MNT/app.json" >/dev/null
after=$(getfattr --absolute-names --only-values -n user.sopsfs.unwraps "$MNT")
[ "$after" -eq $((before + 1)) ] && ok "after lock the next read unwraps its key again ($before -> $after)" ||
	fail "after lock the next read unwraps again" "unwraps $before -> $after"

# ---- another uid ------------------------------------------------------------------
SOCK=$(ls "$SOPSFS_RUNTIME_DIR"/sopsfs/*.sock 2>/dev/null | head -1)
[ "$(stat -c %a "$SOCK")" = 600 ] && [ "$(stat -c %a "$SOPSFS_RUNTIME_DIR/sopsfs")" = 700 ] &&
	ok "the control socket is 0600 in a 0700 directory of the mounting user" ||
	fail "control socket permissions" "$(stat -c '%a %U %n' "$SOCK" "$SOPSFS_RUNTIME_DIR/sopsfs")"
if ! command -v setpriv >/dev/null || [ "$(id -u)" != 0 ]; then
	skip "status and lock for another uid" "needs root and setpriv"
else
	chmod 711 "$TMP"; chmod 755 "$SOPSFS_RUNTIME_DIR"
	as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
	as_nobody env SOPSFS_RUNTIME_DIR="$SOPSFS_RUNTIME_DIR" "$ROOT/build/sopsfs" status "$MNT" >n1.out 2>&1; r1=$?
	as_nobody env -u SOPSFS_RUNTIME_DIR "$ROOT/build/sopsfs" lock "$MNT" >n2.out 2>&1; r2=$?
	[ $r1 = 1 ] && [ $r2 = 1 ] && ! grep -q '^source:' n1.out &&
		ok "status and lock fail for another uid ($(head -c 70 n1.out))" ||
		fail "status and lock fail for another uid" "rc $r1 $r2: $(cat n1.out n2.out | tr '\n' '|')"
	cat >peer.py <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect:", e.strerror); sys.exit(0)
try:
    s.sendall(b"lock\n")
except OSError:
    pass
print(s.recv(200).decode().strip())
EOF
	as_nobody "$PY" peer.py "$SOCK" >p1.out 2>&1
	chmod 711 "$SOPSFS_RUNTIME_DIR/sopsfs"; chmod 666 "$SOCK"
	cat "$MNT/secrets/db.yaml" "$MNT/app.json" >/dev/null
	as_nobody "$PY" peer.py "$SOCK" >p2.out 2>&1
	chmod 700 "$SOPSFS_RUNTIME_DIR/sopsfs"; chmod 600 "$SOCK"; chmod 700 "$TMP"
	"$CLI" status "$MNT" >status3.txt 2>&1
	if grep -q 'Permission denied' p1.out && grep -qx 'error: permission denied' p2.out &&
	   ! grep -qx 'keys: 0' status3.txt; then
		ok "another uid cannot connect; on a loosened socket its lock is refused (SO_PEERCRED)"
	else
		fail "another uid is refused" "$(cat p1.out p2.out | tr '\n' '|') $(grep '^keys' status3.txt)"
	fi
fi
unmount_sopsfs "$MNT"
[ -z "$(ls "$SOPSFS_RUNTIME_DIR/sopsfs")" ] && ok "unmount removes the control socket" ||
	fail "unmount removes the control socket" "$(ls "$SOPSFS_RUNTIME_DIR/sopsfs")"
