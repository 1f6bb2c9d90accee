#!/usr/bin/env bash
# security.sh - the claims of docs/security.md that a test can show: other
# users get EACCES without allow_other, and a view's 0600 holds with
# allow_other; a symlink out of SRC is returned, never followed by the
# daemon; a pathological .sops.yaml regex is bounded; the daemon's memory is
# not readable by a process of the same uid (PR_SET_DUMPABLE 0) and it dumps
# no core; no test secret in the daemon's log at -d over a session of reads,
# saves, failures, refusals and a lock.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
. "$(dirname "$0")/lib/repo.sh"
need_fuse "security claims" || exit 0
REPO_CLI=$ROOT/build/sopsfs
PY=$(command -v /usr/bin/python3 || command -v python3)
export HOME=$TMP/home SOPSFS_RUNTIME_DIR=$TMP/run
mkdir -p "$HOME" "$SOPSFS_RUNTIME_DIR"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
cd "$TMP" || exit 1
SRC=$TMP/src
repo_plaintexts "$TMP/plain"
repo_build "$SRC" "$TMP/plain" 2>"$TMP/build.err" || { fail "test repository" "$(cat "$TMP/build.err")"; exit 0; }
R=$(age-keygen -y "$REPO_KEY")
# a SOPS file outside SRC, and links to it and out of SRC
mkdir -p "$TMP/outside"
printf 'outside: %s\n' "$(repo_token)" >"$TMP/outside.plain"
"$REPO_CLI" encrypt --age "$R" --filename-override o.yaml "$TMP/outside.plain" >"$TMP/outside/o.yaml"
ln -s "$TMP/outside/o.yaml" "$SRC/link-out.yaml"
ln -s "$TMP/outside" "$SRC/dir-out"
ln -s ../outside/o.yaml "$SRC/rel-out.yaml"
# ---- docs/security.md: every test it names exists -----------------------------------
"$PY" - "$ROOT" >claims.out <<'EOF2'
import re, sys, os
root = sys.argv[1]
doc = open(os.path.join(root, "docs/security.md")).read()
missing, n = [], 0
for cell in re.findall(r"\|([^|\n]*\.sh:[^|\n]*)\|\s*$", doc, re.M):
    for part in cell.split(";"):
        m = re.match(r"\s*(?:[\w ,]*?)(\w+\.sh)(?:, [^:]*)?:(.*)", part)
        if not m:
            continue
        path = os.path.join(root, "tests/mount", m.group(1))
        text = re.sub(r"\$\{?\w+\}?", "N", open(path).read()) if os.path.exists(path) else ""
        for name in re.findall(r'"([^"]+)"', m.group(2)):
            n += 1
            if name.replace("EDITOR FORMAT: ", "") not in text:
                missing.append(m.group(1) + ": " + name)
print(n)
print("\n".join(missing))
EOF2
if [ "$(head -1 claims.out)" -ge 20 ] && [ "$(wc -l <claims.out)" = 2 ] && [ -z "$(sed -n 2p claims.out)" ]; then
	ok "docs/security.md: each of the $(head -1 claims.out) tests it names exists in its script"
else
	fail "docs/security.md names existing tests" "$(tail -n +2 claims.out | tr '\n' '|' | head -c 600)"
fi

ROOTLESS=0
command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && ROOTLESS=1
as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
MNT=$(new_mountpoint)

# ---- other users --------------------------------------------------------------------
mount_sopsfs "$SRC" "$MNT" -d || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }
if [ $ROOTLESS = 1 ]; then
	err=$(as_nobody ls "$MNT" 2>&1; as_nobody cat "$MNT/README.md" 2>&1)
	[[ $err == *"Permission denied"*"Permission denied"* ]] &&
		ok "another uid gets EACCES without allow_other" || fail "another uid gets EACCES without allow_other" "$err"
else
	skip "another uid gets EACCES without allow_other" "needs root and setpriv"
fi

# ---- symlinks out of SRC --------------------------------------------------------------
d0=$(getfattr --absolute-names --only-values -n user.sopsfs.decrypts "$MNT")
if [ "$(readlink "$MNT/link-out.yaml")" = "$TMP/outside/o.yaml" ] &&
   [ "$(readlink "$MNT/dir-out")" = "$TMP/outside" ] &&
   grep -q 'ENC\[AES256_GCM' "$MNT/link-out.yaml" && grep -q 'ENC\[AES256_GCM' "$MNT/dir-out/o.yaml" &&
   ! cat "$MNT/rel-out.yaml" >/dev/null 2>&1; then
	d1=$(getfattr --absolute-names --only-values -n user.sopsfs.decrypts "$MNT")
	[ "$d0" = "$d1" ] && ok "a symlink out of SRC is shown as a link; the daemon never follows it (no decrypt)" ||
		fail "a symlink out of SRC is never followed by the daemon" "decrypts $d0 -> $d1"
else
	fail "a symlink out of SRC is shown as a link" "$(readlink "$MNT/link-out.yaml"); $(head -c 80 "$MNT/link-out.yaml")"
fi

# ---- no secret in the daemon's log at -d over a session --------------------------------
for f in secrets/db.yaml app.json .env config.ini; do cat "$MNT/$f" >/dev/null; done
PW=$(sed -n 's/^ *password: \(tk[0-9a-f]*\)$/\1/p' "$TMP/plain/secrets/db.yaml" | head -1)
NEW=$(repo_token)
sed -i "s/$PW/$NEW/" "$MNT/secrets/db.yaml"
"$PY" -c "
import os, sys
p = sys.argv[1]; t = p + '.tmp'
open(t, 'w').write(open(p).read().replace('info', 'debug'))
os.rename(t, p)" "$MNT/.env"
printf 'broken: [%s\n' "$(repo_token)" >"$MNT/secrets/db.yaml" 2>/dev/null   # refused commit
setfattr -x user.sopsfs.draft "$MNT/secrets/db.yaml" 2>/dev/null
printf 'new_key: %s\n' "$(repo_token)" >"$MNT/secrets/new.yaml"              # new file under the rule
{ echo "$NEW" >>"$MNT/README.md"; } 2>/dev/null                                # leak refused
"$ROOT/build/sopsfs" status "$MNT" >/dev/null
"$ROOT/build/sopsfs" lock "$MNT" >/dev/null
cat "$MNT/secrets/db.yaml" "$MNT/secrets/new.yaml" >/dev/null
# a file whose MAC does not verify: EIO with sops' reason
sed 's/^\(    mac: ENC\[AES256_GCM,data:\)./\1A/' "$SRC/app.json" >/dev/null
cp "$SRC/config.ini" "$TMP/ini.bak"
sed -i 's/^\(client_secret = ENC\[AES256_GCM,data:\)\(.\)/\1\2\2/' "$SRC/config.ini"
cat "$MNT/config.ini" >/dev/null 2>&1
cp "$TMP/ini.bak" "$SRC/config.ini"
unmount_sopsfs "$MNT"
lines=$(wc -l <"$TMP/mount.log")
if [ "$lines" -gt 50 ] && ! grep -qF -f "$REPO_SECRETS" "$TMP/mount.log"; then
	ok "no test secret in the daemon's -d log over reads, saves, a refused commit, a leak, lock ($lines lines)"
else
	fail "no test secret in the daemon's -d log" "$lines lines; $(grep -cF -f "$REPO_SECRETS" "$TMP/mount.log") with a secret"
fi

# ---- allow_other + default_permissions ------------------------------------------------------
if [ $ROOTLESS = 1 ]; then
	chmod 755 "$SRC"
	mount_sopsfs "$SRC" "$MNT" -o allow_other || { fail "mount allow_other" "$(cat "$TMP/mount.log")"; exit 0; }
	cat "$MNT/app.json" >/dev/null
	v=$(as_nobody cat "$MNT/app.json" 2>&1)
	p=$(as_nobody cat "$MNT/README.md" 2>&1)
	if [[ $v == *"Permission denied"* ]] && [ "$p" = "$(cat "$SRC/README.md")" ] &&
	   [ "$(stat -c %a "$MNT/app.json")" = 600 ]; then
		ok "with allow_other (default_permissions) a view's 0600 holds: another uid gets EACCES, plain files read"
	else
		fail "with allow_other a view's 0600 holds" "view: $(head -c 80 <<<"$v"); plain: $(head -c 80 <<<"$p")"
	fi
	unmount_sopsfs "$MNT"
else
	skip "with allow_other a view's 0600 holds" "needs root and setpriv"
fi

# ---- a crafted .sops.yaml ---------------------------------------------------------------------
cp "$SRC/.sops.yaml" "$TMP/sops.yaml.bak"
printf 'creation_rules:\n  - path_regex: (((a{100}){100}){100}){100}\n    age: %s\n  - path_regex: (a+)+$\n    age: %s\n' "$R" "$R" >"$SRC/.sops.yaml"
mount_sopsfs "$SRC" "$MNT" || { fail "mount (crafted .sops.yaml)" "$(cat "$TMP/mount.log")"; exit 0; }
name=$(printf 'a%.0s' $(seq 1 60))b.txt
start=$SECONDS
timeout 20 sh -c "printf 'x\n' >'$MNT/$name'"; rc=$?
took=$((SECONDS - start))
unmount_sopsfs "$MNT"
cp "$TMP/sops.yaml.bak" "$SRC/.sops.yaml"
if [ $rc = 0 ] && [ $took -le 3 ] && grep -Eq 'invalid repeat count|expression too large' "$TMP/mount.log"; then
	ok "a crafted .sops.yaml with pathological regexes is bounded (${took}s, Go's 'invalid repeat count' logged)"
else
	fail "a crafted .sops.yaml is bounded" "rc $rc, ${took}s; $(grep -m1 sops.yaml "$TMP/mount.log")"
fi

# ---- the daemon's memory: same uid without privileges, core dumps -------------------------------
if [ $ROOTLESS = 1 ] && command -v mount.fuse3 >/dev/null; then
	# mount.fuse3 drop_privileges: the daemon runs as uid 0 with no capabilities,
	# like an ordinary user's daemon; the reader has the same uid and none either
	mount.fuse3 "$SOPSFS_MOUNT_BIN#$SRC" "$MNT" -o drop_privileges >"$TMP/mount2.log" 2>&1
	for _ in $(seq 1 100); do mountpoint -q "$MNT" && break; sleep 0.05; done
	pid=$(pgrep -f "^$SOPSFS_MOUNT_BIN $SRC" | head -1)
	cat "$MNT/app.json" >/dev/null
	out=$(setpriv --bounding-set=-all --inh-caps=-all sh -c "
		head -c 16 /proc/$pid/mem >/dev/null 2>&1 && echo daemon-mem-readable
		cat /proc/$pid/environ >/dev/null 2>&1 && echo daemon-environ-readable
		sleep 5 & s=\$!; cat /proc/\$s/environ >/dev/null 2>&1 && echo control-readable; kill \$s")
	caps=$(awk '/^CapEff/ { print $2 }' "/proc/$pid/status")
	core=$(awk '/^Max core file size/ { print $5 $6 }' "/proc/$pid/limits")
	fusermount3 -u "$MNT"
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if [ "$out" = control-readable ] && [ "$caps" = 0000000000000000 ]; then
		ok "/proc/PID/mem and environ of the daemon are not readable by the same uid (PR_SET_DUMPABLE 0)"
	else
		fail "the daemon's memory is not readable by the same uid" "caps $caps: $out"
	fi
	[ "$core" = 00 ] && ok "the daemon dumps no core (RLIMIT_CORE 0)" || fail "the daemon dumps no core" "limits: $core"
else
	skip "the daemon's memory is not readable by the same uid" "needs root, setpriv and mount.fuse3"
fi
