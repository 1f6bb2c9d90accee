#!/usr/bin/env bash
# limits.sh - resource limits of the mount: a SOPS file at max_file_mb and a
# draft just over it (EFBIG, backing file unchanged), 4,096-byte paths,
# 10,000 open file handles, a full disk during a save (the save fails, the
# encrypted file is unchanged, a retry after freeing space succeeds), and
# (LIMITS_FULL=1, make stress) a 100,000-entry directory listed in bounded
# time.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../mount/lib/mount.sh"
. "$(dirname "$0")/lib.sh"
need_fuse "limits" || exit 0
CLI=$ROOT/build/sopsfs
stress_setup

# ---- max_file_mb=1 -----------------------------------------------------------
python3 -c "print('big: ' + 'a' * 700000)" >"$TMP/big.yaml"
(cd "$SRC" && "$CLI" encrypt --filename-override big.yaml "$TMP/big.yaml" >big.yaml)
size=$(stat -c %s "$SRC/big.yaml")
cp "$SRC/big.yaml" "$TMP/big.enc"
mount_sopsfs "$SRC" "$MNT" -o max_file_mb=1 || { fail "limits mount" "$(cat "$TMP/mount.log")"; exit 0; }
if [ "$size" -le 1048576 ] && cmp -s "$MNT/big.yaml" "$TMP/big.yaml"; then
	ok "a SOPS file of $size bytes (max_file_mb=1) reads decrypted"
else
	fail "a SOPS file at max_file_mb reads decrypted" "size $size"
fi
out=$(python3 - "$MNT/big.yaml" <<'PY' 2>&1
import errno, sys
try:
    with open(sys.argv[1], "w") as f:
        f.write("big: " + "b" * (1 << 20) + "\n")
    print("written")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
PY
)
if [ "$out" = EFBIG ] && cmp -s "$SRC/big.yaml" "$TMP/big.enc"; then
	ok "a save just over max_file_mb fails with EFBIG, the encrypted file unchanged"
else
	fail "a save over max_file_mb" "got '$out'; backing $(cmp -s "$SRC/big.yaml" "$TMP/big.enc" && echo unchanged || echo changed)"
fi
setfattr -x user.sopsfs.draft "$MNT/big.yaml" 2>/dev/null

# ---- 4,096-byte paths ------------------------------------------------------------
res=$(python3 - "$MNT" "$SRC" <<'PY'
import errno, os, sys
mnt, src = sys.argv[1], sys.argv[2]
# components of 255 bytes; the deepest file's path inside the mount is > 4096
comps = [("d%02d" % i).ljust(255, "x") for i in range(17)]
fd = os.open(src, os.O_RDONLY)
for c in comps:
    os.mkdir(c, dir_fd=fd)
    nfd = os.open(c, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
g = os.open("f.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(g, b"deep\n")
os.close(g)
os.close(fd)
# a path of exactly PATH_MAX-1 bytes through the mount (absolute) works
depth = 0
while len(os.path.join(mnt, *comps[:depth + 1])) <= 4095 - len("/f.txt"):
    depth += 1
p = os.path.join(mnt, *comps[:depth])
pad = 4095 - len(p) - 1
name = "n".ljust(min(pad, 255), "n")
full = os.path.join(p, name)
try:
    with open(full, "w") as f:
        f.write("x")
    with open(full) as f:
        ok1 = f.read() == "x"
except OSError as e:
    ok1 = "error %s" % errno.errorcode.get(e.errno)
# deeper than PATH_MAX inside the file system: walk with directory fds
fd = os.open(mnt, os.O_RDONLY)
for c in comps:
    nfd = os.open(c, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
try:
    g = os.open("f.txt", os.O_RDONLY, dir_fd=fd)
    deep = os.read(g, 100).decode()
    os.close(g)
except OSError as e:
    deep = "error %s" % errno.errorcode.get(e.errno)
os.close(fd)
print("%d %s %r" % (len(full), ok1, deep))
PY
)
if [[ "$res" == "4094 True "* || "$res" == "4095 True "* ]] && [[ "$res" == *"'deep\n'"* || "$res" == *"ENAMETOOLONG"* ]]; then
	ok "a path of PATH_MAX-1 bytes works; a file 4,300 bytes deep: $(echo "$res" | cut -d' ' -f3-)"
else
	fail "4,096-byte paths" "$res"
fi

# ---- 10,000 open file handles ---------------------------------------------------
printf 'k: v\n' >"$TMP/h.yaml"
(cd "$SRC" && "$CLI" encrypt --filename-override h.yaml "$TMP/h.yaml" >h.yaml)
res=$(python3 - "$MNT" <<'PY'
import os, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
fds = []
try:
    for i in range(10000):
        fds.append(os.open(os.path.join(sys.argv[1], "h.yaml" if i % 2 else "big.yaml"), os.O_RDONLY))
    good = sum(1 for i, fd in enumerate(fds) if i % 2 and os.pread(fd, 10, 0) == b"k: v\n")
    print("%d %d" % (len(fds), good))
finally:
    for fd in fds:
        os.close(fd)
PY
)
if [ "$res" = "10000 5000" ] && kill -0 "$MOUNT_PID"; then
	ok "10,000 file handles open at once (5,000 on one SOPS file) read correctly"
else
	fail "10,000 open file handles" "$res"
fi

# ---- 100,000-entry directory (make stress) -------------------------------------
if [ "${LIMITS_FULL:-0}" = 1 ]; then
	python3 -c "
import os, sys
d = sys.argv[1]; os.makedirs(d)
for i in range(100000): open(os.path.join(d, 'f%06d' % i), 'w').close()" "$SRC/many"
	start=$(date +%s.%N)
	n=$(ls -f "$MNT/many" | grep -c '^f')
	t=$(echo "$(date +%s.%N) - $start" | bc)
	if [ "$n" = 100000 ] && [ "$(echo "$t < 60" | bc)" = 1 ]; then
		ok "a 100,000-entry directory lists completely in ${t%??????}s"
	else
		fail "a 100,000-entry directory" "$n entries in ${t}s"
	fi
fi
unmount_sopsfs "$MNT" || fail "limits unmount" "the daemon did not exit"

# ---- a full disk during a save ---------------------------------------------------
FULL=$TMP/full
mkdir -p "$FULL"
if ! mount -t tmpfs -o size=2m tmpfs "$FULL" 2>/dev/null; then
	skip "full disk" "cannot mount a tmpfs"
	exit 0
fi
cleanup_hooks+=("umount -l '$FULL' 2>/dev/null")
cp "$SRC/.sops.yaml" "$FULL/"
printf 'password: old-secret\n' >"$TMP/d.yaml"
(cd "$FULL" && "$CLI" encrypt --filename-override d.yaml "$TMP/d.yaml" >d.yaml)
cp "$FULL/d.yaml" "$TMP/d.enc"
MNT2=$(new_mountpoint)
mount_sopsfs "$FULL" "$MNT2" || { fail "full-disk mount" "$(cat "$TMP/mount.log")"; exit 0; }
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
save() {   # text -> errno name or "saved"
	python3 - "$MNT2/d.yaml" "$1" <<'PY'
import errno, os, sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
    os.write(fd, sys.argv[2].encode())
    os.fsync(fd)
    os.close(fd)
    print("saved")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
PY
}
r=$(save "password: new-secret-$(printf '%0400d' 0)
")
left=$(ls -A "$FULL" | grep -v -E '^(\.sops\.yaml|d\.yaml|filler)$')
if [[ "$r" == ENOSPC || "$r" == EIO ]] && cmp -s "$FULL/d.yaml" "$TMP/d.enc" && [ -z "$left" ]; then
	ok "a save on a full disk fails with $r, the encrypted file unchanged, no temp file left"
else
	fail "a save on a full disk" "got $r; $(cmp -s "$FULL/d.yaml" "$TMP/d.enc" && echo unchanged || echo CHANGED); left: $left"
fi
rm -f "$FULL/filler"
r=$(save "password: retry-secret
")
if [ "$r" = saved ] && [ "$("$CLI" decrypt "$FULL/d.yaml" 2>&1)" = "password: retry-secret" ]; then
	ok "after freeing space a retried save succeeds and decrypts to the new text"
else
	fail "a retried save after freeing space" "got $r: $("$CLI" decrypt "$FULL/d.yaml" 2>&1 | head -c 200)"
fi
unmount_sopsfs "$MNT2" || fail "full-disk unmount" "the daemon did not exit"
umount "$FULL"
