#!/usr/bin/env bash
# audit.sh - the audit log (-o audit=PATH): a scripted session (cat two
# secrets, save one with vim, a refused leak, SIGUSR1, a read after the
# wipe) gives exactly the expected JSON lines with the right pid, uid, comm,
# exe and path, and no secret value; a log that cannot be written is
# reported once, and with audit_required decrypting opens fail with EACCES
# while plain files still read.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
. "$(dirname "$0")/lib/repo.sh"
need_fuse "audit log" || exit 0
REPO_CLI=$ROOT/build/sopsfs
PY=$(command -v /usr/bin/python3 || command -v python3)
export HOME=$TMP/home
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
cd "$TMP" || exit 1
SRC=$TMP/src
repo_plaintexts "$TMP/plain"
repo_build "$SRC" "$TMP/plain" 2>"$TMP/build.err" || { fail "test repository" "$(cat "$TMP/build.err")"; exit 0; }
PW=$(sed -n 's/^ *password: \(tk[0-9a-f]*\)$/\1/p' "$TMP/plain/secrets/db.yaml" | head -1)
NEW=$(repo_token)
R=$(age-keygen -y "$REPO_KEY")
AUDIT=$TMP/audit.log
export SOPSFS_RUNTIME_DIR=$TMP/run
mkdir -p "$SOPSFS_RUNTIME_DIR"

MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -o "audit=$AUDIT" || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }
# each command runs as a known pid: `exec` keeps the pid the shell printed
run() {   # pidfile cmd...
	local f=$1; shift
	bash -c 'echo $$ >"$0"; exec "$@"' "$f" "$@"
}
run pid.cat1 cat "$MNT/secrets/db.yaml" >/dev/null
run pid.cat2 cat "$MNT/app.json" >/dev/null
timeout 20 bash -c 'echo $$ >"$0"; exec "$@"' pid.vim vim -u NONE -N -i NONE -es --cmd "set backupcopy=auto writebackup nobackup fsync" \
	-c "%s/$PW/$NEW/" -c 'wq' "$MNT/secrets/db.yaml" </dev/null >/dev/null 2>&1
{ echo "$NEW" >>"$MNT/README.md"; } 2>/dev/null
echo "$BASHPID" >pid.shell
kill -USR1 "$MOUNT_PID"
for _ in $(seq 1 100); do grep -q '"key-wipe"' "$AUDIT" && break; sleep 0.05; done
run pid.cat3 cat "$MNT/secrets/db.yaml" >/dev/null
sleep 1.2    # one fsync tick
cp "$AUDIT" audit.mid
unmount_sopsfs "$MNT"

# the events, in order, as "event path comm pid uid [extra]"
"$PY" - "$AUDIT" >events.txt <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    extra = e.get("source") or e.get("reason") or (e.get("key", "").split(" ")[0])
    print(e["event"], e.get("path", "-"), e.get("comm", "-"), e["pid"], e["uid"], extra or "-")
EOF
p() { cat "pid.$1"; }
cat >expected.txt <<EOF
key-unwrap /secrets/db.yaml cat $(p cat1) 0 age
decrypt-open /secrets/db.yaml cat $(p cat1) 0 -
key-unwrap /app.json cat $(p cat2) 0 age
decrypt-open /app.json cat $(p cat2) 0 -
decrypt-open /secrets/db.yaml vim $(p vim) 0 -
decrypt-open /secrets/db.yaml vim $(p vim) 0 -
commit /secrets/db.yaml vim $(p vim) 0 -
leak-refused /README.md bash $(p shell) 0 /secrets/db.yaml
key-wipe - bash $(p shell) 0 SIGUSR1
key-unwrap /secrets/db.yaml cat $(p cat3) 0 age
decrypt-open /secrets/db.yaml cat $(p cat3) 0 -
key-wipe - $(basename "$SOPSFS_MOUNT_BIN" | cut -c1-15) $MOUNT_PID 0 unmount
EOF
# vim may open the file it edits once more than usual (timing): repeated
# identical adjacent events count once, everything else must match exactly
if diff <(uniq expected.txt) <(uniq events.txt) >diff.txt; then
	ok "a scripted session gives exactly the expected audit events (pid, uid, comm, path)"
else
	fail "a scripted session gives exactly the expected audit events" "$(tr '\n' '|' <diff.txt | head -c 900)"
fi
if "$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert e["time"].endswith("Z") and e["exe"].startswith("/") and isinstance(e["cmdline"], list), l
' "$AUDIT" 2>err.txt; then
	ok "every audit line is JSON with time, exe and cmdline"
else
	fail "every audit line is JSON with time, exe and cmdline" "$(tail -2 err.txt)"
fi
grep -q "\"key\":\"age $R\"" "$AUDIT" && ok "key-unwrap names the master key (age recipient)" ||
	fail "key-unwrap names the master key" "$(grep key-unwrap "$AUDIT" | head -1)"
if grep -qF -f "$REPO_SECRETS" "$AUDIT"; then
	fail "no secret value in the audit log" "$(grep -oF -f "$REPO_SECRETS" "$AUDIT" | head -1 | cut -c1-4)..."
else
	ok "no secret value in the audit log (the vim command line with both values is redacted)"
fi
[ "$(stat -c %a "$AUDIT")" = 600 ] && cmp -s audit.mid <(head -c "$(stat -c %s audit.mid)" "$AUDIT") &&
	ok "the audit log is 0600 and only appended to" || fail "the audit log is 0600 and append-only" "$(stat -c %a "$AUDIT")"

# ---- keys expire: a key-wipe event, and the guard forgets their values -------------------
: >"$AUDIT"
mount_sopsfs "$SRC" "$MNT" -o "audit=$AUDIT,key_ttl=1" || { fail "mount (key_ttl=1)" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/app.json" >/dev/null
for _ in $(seq 1 80); do grep -q '"reason":"expired"' "$AUDIT" && break; sleep 0.1; done
"$ROOT/build/sopsfs" status "$MNT" >st.txt 2>&1
unmount_sopsfs "$MNT"
if grep -q '"event":"key-wipe".*"reason":"expired"' "$AUDIT" && grep -q '^leak_guard: deny (0 values' st.txt; then
	ok "an expired key gives a key-wipe event (expired) and its values leave the leak guard"
else
	fail "key expiry is audited and drops guarded values" "$(grep -c key-wipe "$AUDIT") wipes; $(grep leak_guard st.txt)"
fi

# ---- a log that cannot be written -------------------------------------------------
mkdir -p "$TMP/notafile"
mount_sopsfs "$SRC" "$MNT" -o "audit=$TMP/notafile" || { fail "mount (bad audit)" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/secrets/db.yaml" >/dev/null 2>&1; rc1=$?
cat "$MNT/app.json" >/dev/null 2>&1
unmount_sopsfs "$MNT"
n=$(grep -c 'audit log .* cannot be written' "$TMP/mount.log")
[ $rc1 = 0 ] && [ "$n" = 1 ] && ok "an unwritable audit log is reported once; reads go on without audit_required" ||
	fail "an unwritable audit log is reported once" "rc $rc1, $n warnings"
mount_sopsfs "$SRC" "$MNT" -o "audit=$TMP/notafile,audit_required" || { fail "mount (audit_required)" "$(cat "$TMP/mount.log")"; exit 0; }
err=$(cat "$MNT/secrets/db.yaml" 2>&1 >/dev/null)
if [[ $err == *"Permission denied"* ]] && cmp -s "$MNT/README.md" "$SRC/README.md"; then
	ok "with audit_required an unwritable log refuses decrypting opens (EACCES); plain files read"
else
	fail "audit_required refuses decrypting opens" "cat said: $err"
fi
unmount_sopsfs "$MNT"
