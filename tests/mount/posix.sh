#!/usr/bin/env bash
# posix.sh - the mount as a real filesystem (issue 9): a new file is listed,
# owned and numbered like on a local filesystem from its first moment, and
# attribute changes made before its content reaches SRC are kept; hard links
# share one inode and link count at once; fifos, device nodes and UNIX
# sockets pass through; what another user creates is theirs (allow_other);
# the POSIX corners pjdfstest found broken give the same transcript as a
# plain directory; SOPS views keep their inode number across saves and
# their owner reaches the encrypted file; a temp-then-rename save onto a
# SOPS path never puts plaintext in SRC.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
need_fuse "mount posix" || exit 0
if [ "$(id -u)" != 0 ]; then skip "mount posix" "needs root (allow_other, other users)"; exit 0; fi
CLI=$ROOT/build/sopsfs
export HOME=$TMP/home
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
chmod 755 "$TMP"          # the user 65534 steps walk into it
cd "$TMP" || exit 1
age-keygen -o age.txt 2>/dev/null
R1=$(age-keygen -y age.txt)
export SOPS_AGE_KEY_FILE=$TMP/age.txt
SRC=$TMP/src
mkdir -p "$SRC/p" "$SRC/s" && chmod 755 "$SRC" "$SRC/p" "$SRC/s"
printf 'user: admin\npassword: pw-posix-1\n' | "$CLI" encrypt --age "$R1" --filename-override db.yaml - >"$SRC/s/db.yaml"
mkdir -p "$SRC/r" && chmod 1777 "$SRC/r"
printf 'creation_rules:\n    - path_regex: ^r/.*\\.yaml$\n      age: %s\n' "$R1" >"$SRC/.sops.yaml"
MNT=$(new_mountpoint)
chmod 755 "$MNT"
mount_sopsfs "$SRC" "$MNT" -o allow_other || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }
P=$MNT/p

# wait_for CMD...: poll up to 5 s for a condition (a new file's content
# reaches SRC about a second after it was closed).
wait_for() {
	for _ in $(seq 1 100); do "$@" && return 0; sleep 0.05; done
	return 1
}
holds() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }   # file text

# ---- the reproductions of the issue -------------------------------------------
cp /etc/hosts "$P/hosts"
ls "$P" | grep -qx hosts && ok "cp: the new file is listed at once" || fail "cp: listed at once" "$(ls "$P")"
touch "$P/x1"
ls "$P" | grep -qx x1 && ok "touch: the new file is listed at once" || fail "touch: listed at once" "$(ls "$P")"
[ -e "$SRC/p/x1" ] && [ ! -s "$SRC/p/x1" ] && ok "SRC holds the new file at once (empty until it settles)" \
	|| fail "SRC holds the new file at once" "$(ls -l "$SRC/p")"
echo x >"$P/g"
ino_new=$(stat -c %i "$P/g")
chown 65534 "$P/g" && chmod 604 "$P/g" && touch -m -d '2001-02-03 04:05:06' "$P/g"
[ "$ino_new" = "$(stat -c %i "$SRC/p/g")" ] && ok "a new file shows its SRC inode number from the start" \
	|| fail "new file inode" "mount $ino_new, SRC $(stat -c %i "$SRC/p/g")"
if wait_for holds "$SRC/p/g" x; then
	got="$(stat -c '%u %a %Y %i' "$P/g") / $(stat -c '%u %a %Y %i' "$SRC/p/g")"
	want="65534 604 $(date -d '2001-02-03 04:05:06' +%s) $ino_new"
	[ "$got" = "$want / $want" ] && ok "chown, chmod and utimens before the content settles are kept (mount and SRC)" \
		|| fail "attributes kept when the content settles" "got $got, want $want"
else
	fail "the new file's content reaches SRC" "$(cat -A "$SRC/p/g" 2>&1)"
fi
cmp -s "$SRC/p/hosts" /etc/hosts && ok "cp's content reaches SRC" || fail "cp's content reaches SRC" "$(ls -l "$SRC/p")"
echo y >"$P/y1"
ino1=$(stat -c %i "$P/y1")
ln "$P/y1" "$P/y2"
got=$(stat -c '%i %h' "$P/y1" "$P/y2" | tr '\n' ' ')
[ "$got" = "$ino1 2 $ino1 2 " ] && ok "ln on a new file: one inode, link count 2 on both names at once" \
	|| fail "ln on a new file" "$got (first number $ino1)"
[ "$(cat "$SRC/p/y2")" = y ] && ok "a linked new file has its content in SRC" || fail "linked new file content" "$(cat "$SRC/p/y2")"
python3 - "$P" "$SRC/p" >py.txt 2>&1 <<'EOF'
import os, sys, time
m, s = sys.argv[1], sys.argv[2]
fd = os.open(m + "/r1", os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b"hello")
os.close(fd)
r = os.open(m + "/r1", os.O_RDONLY)
os.makedirs(m + "/d1")
with open(m + "/d1/inner", "w") as f:
    f.write("moved")
os.rename(m + "/d1", m + "/d2")
for _ in range(100):
    if open(s + "/r1", "rb").read() == b"hello":
        break
    time.sleep(0.05)
time.sleep(0.2)
print(os.pread(r, 100, 0), open(s + "/r1", "rb").read(), open(m + "/d2/inner").read(),
      open(s + "/d2/inner").read())
EOF
[ "$(cat py.txt)" = "b'hello' b'hello' moved moved" ] \
	&& ok "a reader open while its new file settles keeps reading it; a new file in a renamed directory settles there" \
	|| fail "reader across the settle / renamed directory" "$(cat py.txt)"
mkfifo "$P/fifo" && mknod "$P/null" c 1 3 && [ -p "$SRC/p/fifo" ] && [ -c "$SRC/p/null" ] \
	&& ok "mkfifo and mknod pass through to SRC" || fail "mkfifo and mknod" "$(ls -l "$SRC/p")"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$P/sock" 2>err &&
	[ -S "$SRC/p/sock" ] && ok "a UNIX socket binds in the mount" || fail "UNIX socket bind" "$(cat err)"

# ---- POSIX corners: the same transcript as a plain directory ------------------
mkdir -p "$TMP/native" "$P/corners" && chmod 755 "$TMP/native"
python3 "$ROOT/tests/tools/posix_ops.py" "$TMP/native" >native.txt 2>&1
python3 "$ROOT/tests/tools/posix_ops.py" "$P/corners" >mount.txt 2>&1
if diff native.txt mount.txt >d.txt; then
	ok "$(wc -l <native.txt) POSIX corner steps give the same results as a plain directory"
else
	fail "POSIX corners differ from a plain directory" "$(head -c 800 d.txt | tr '\n' '|')"
fi
# a few of them spelled out, so that a broken tool cannot pass both sides
for want in "O_APPEND writes at the end: b'helloXY'" \
	"truncate beyond EOF: b'abc\\x00\\x00\\x00\\x00\\x00\\x00\\x00'" \
	"UTIME_OMIT keeps atime: (1000000000005, 3000000000009)" \
	"create a 256-byte name: ENAMETOOLONG" "open a symlink loop: ELOOP" \
	"unlink a name: the others: file 0600 nlink=2 uid=0 gid=0 size=6 / file 0600 nlink=2 uid=0 gid=0 size=6" \
	"rename dir over non-empty dir: ENOTEMPTY" "target is now the symlink: symlink 0777 -> rb" \
	"char device: chardev 0600 nlink=1 uid=0 gid=0 size=0 rdev=1,3" \
	"user creates a file: file 0640 nlink=1 uid=65534 gid=65534 size=1" \
	"file in a set-group-ID dir takes its group: file 0644 nlink=1 uid=65534 gid=100 size=0" \
	"other user unlinks root's file in a sticky dir: EPERM" \
	"user creates set-uid file: file 4755 nlink=1 uid=65534 gid=65534 size=0" \
	"a write by another user clears set-uid and set-gid: file 0777 nlink=1 uid=0 gid=0 size=1" \
	"1 TiB file: file 0644 nlink=1 uid=0 gid=0 size=1099511627776" \
	"stat it: file 0600 nlink=1 uid=0 gid=0 size=4"; do
	grep -qxF "$want" mount.txt && ok "corner: $want" || fail "corner: $want" "$(grep -F "${want%%:*}" mount.txt)"
done
echo z >"$P/exdev"
python3 -c "import os,sys; os.rename(sys.argv[1], sys.argv[2])" "$P/exdev" "$TMP/exdev" 2>err
grep -q 'Invalid cross-device link' err && ok "rename out of the mount: EXDEV" || fail "EXDEV" "$(cat err)"

# ---- SOPS files ----------------------------------------------------------------
V=$MNT/s/db.yaml
ino=$(stat -c %i "$V")
printf 'user: admin\npassword: pw-posix-2\n' >"$V"
[ "$(stat -c %i "$V")" = "$ino" ] && ok "a view keeps its inode number across an in-place save" \
	|| fail "view inode across a save" "$ino -> $(stat -c %i "$V")"
chown 65534:65534 "$V" && chmod 640 "$V"
[ "$(stat -c '%u %g %a' "$SRC/s/db.yaml")" = "65534 65534 640" ] \
	&& ok "chown and chmod of a SOPS file reach the encrypted file" \
	|| fail "chown/chmod of a SOPS file" "$(stat -c '%u %g %a' "$SRC/s/db.yaml")"
printf 'user: admin\npassword: pw-posix-3\n' >"$V"
[ "$(stat -c '%u %g %a' "$SRC/s/db.yaml")" = "65534 65534 640" ] && ok "a save keeps the encrypted file's owner and mode" \
	|| fail "save keeps owner and mode" "$(stat -c '%u %g %a' "$SRC/s/db.yaml")"
# temp-then-rename: the temp file is a real (empty) file in SRC; its content
# is never written there; after the rename the view has the temp's number
python3 - "$MNT/s" "$SRC" >py.txt 2>&1 <<'EOF'
import os, subprocess, sys
d, src = sys.argv[1], sys.argv[2]
tmp = os.path.join(d, "db.yaml.tmp4711")
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, b"user: admin\npassword: pw-posix-LEAK-4\n")
os.fsync(fd)
os.close(fd)
ino = os.stat(tmp).st_ino
srcsize = os.path.getsize(os.path.join(src, "s", "db.yaml.tmp4711"))
leak = subprocess.run(["grep", "-rl", "pw-posix-LEAK", src], capture_output=True, text=True).stdout
os.rename(tmp, os.path.join(d, "db.yaml"))
print(srcsize, repr(leak), os.stat(os.path.join(d, "db.yaml")).st_ino == ino)
EOF
case $(cat py.txt) in
"0 '' True") ok "temp-then-rename onto a SOPS path: temp empty in SRC, the view takes the temp's inode number" ;;
"0 '' False") ok "temp-then-rename onto a SOPS path: temp empty in SRC, no plaintext in SRC"
	# known open race (docs/testing.md): the view sometimes shows the new
	# encrypted file's number instead of the temp's
	skip "temp-then-rename: the view takes the temp's inode number" "open race, see docs/testing.md" ;;
*) fail "temp-then-rename onto a SOPS path" "$(cat py.txt)" ;;
esac
sleep 1.5
if grep -rq 'pw-posix-LEAK' "$SRC"; then
	fail "no plaintext in SRC after the save" "$(grep -rl 'pw-posix-LEAK' "$SRC")"
else
	ok "no plaintext in SRC after the save"
fi
"$CLI" decrypt "$SRC/s/db.yaml" 2>&1 | grep -q 'pw-posix-LEAK-4' && ok "the renamed temp was encrypted into db.yaml" \
	|| fail "renamed temp encrypted" "$("$CLI" decrypt "$SRC/s/db.yaml" 2>&1 | head -3)"
[ ! -e "$SRC/s/db.yaml.tmp4711" ] && ok "the temp's placeholder left SRC" || fail "temp placeholder left" "$(ls -la "$SRC/s")"

# a new SOPS file (creation rule) written by another user is theirs in SRC
setpriv --reuid 65534 --regid 65534 --clear-groups sh -c "printf 'token: pw-posix-rule-5\n' >'$MNT/r/new.yaml'" 2>err
if grep -q 'ENC\[AES256_GCM' "$SRC/r/new.yaml" 2>/dev/null && ! grep -q pw-posix-rule-5 "$SRC/r/new.yaml" &&
   [ "$(stat -c '%u %g' "$SRC/r/new.yaml")" = "65534 65534" ]; then
	ok "a new SOPS file written by another user is encrypted and owned by that user in SRC"
else
	fail "new SOPS file by another user" "$(cat err; stat -c '%u %g' "$SRC/r/new.yaml" 2>&1; head -c 200 "$SRC/r/new.yaml" 2>&1)"
fi

# ---- unmount: every new file's content is in SRC --------------------------------
echo last >"$P/last"
unmount_sopsfs "$MNT"
[ "$(cat "$SRC/p/last" 2>&1)" = last ] && ok "unmount writes a new file's content at once" || fail "unmount flush" "$(cat "$SRC/p/last" 2>&1)"

# ---- fewer requests: a reader's close sends no FLUSH ---------------------------------
MNT2=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT2" -d || { fail "mount -d" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT2/p/hosts" "$MNT2/p/hosts" "$MNT2/s/db.yaml" >/dev/null
opens=$(grep -c 'opcode: OPEN' "$TMP/mount.log"); flushes=$(grep -c 'opcode: FLUSH' "$TMP/mount.log")
[ "$opens" -ge 3 ] && [ "$flushes" = 0 ] && ok "closing files opened for reading sends no FLUSH ($opens opens)" \
	|| fail "no FLUSH for readers" "$opens OPEN, $flushes FLUSH"
echo more >>"$MNT2/p/hosts"
[ "$(grep -c 'opcode: FLUSH' "$TMP/mount.log")" -ge 1 ] && ok "closing a file opened for writing still flushes" \
	|| fail "FLUSH for writers" "$(grep -c 'opcode: FLUSH' "$TMP/mount.log") FLUSH"
unmount_sopsfs "$MNT2"

