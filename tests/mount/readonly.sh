#!/usr/bin/env bash
# readonly.sh - a read-only mount (-o ro) lets the kernel open files itself
# (FUSE_NO_OPEN, fs/cache/kinval.h): warm reads reach the daemon with no
# request at all, yet every change is refused, reads without a handle give
# the right bytes, a file that cannot be decrypted still fails EIO (at its
# read), and changes in SRC, SIGUSR1 and key expiry still take the kernel's
# copy back. With an audit log every decrypting open is still seen.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
. "$(dirname "$0")/lib/kcache.sh"
need_fuse "read-only mount" || exit 0
kcache_fixture || exit 1
head -c 3000000 /dev/urandom >"$SRC/big.bin"          # many READs, no handle
printf 'db:\n    password: x\n' | "$CLI" encrypt --age "$(age-keygen 2>/dev/null | age-keygen -y)" \
	--filename-override bad.yaml - >"$SRC/bad.yaml"      # nobody here holds its key

MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -d -o ro || { fail "mount -o ro" "$(cat "$TMP/mount.log")"; exit 0; }
requests() { grep -c '^unique: ' "$TMP/mount.log"; }
opcodes() { grep -o 'opcode: [A-Z_]*' "$TMP/mount.log" | sort | uniq -c | tr -s ' \n' ' '; }

# ---- warm reads: nothing reaches the daemon --------------------------------
warm; warm; cat "$MNT"/d/y.txt >/dev/null 2>&1
n0=$(requests); o0=$(grep -c 'opcode: OPEN (' "$TMP/mount.log")
for _ in $(seq 1 20); do cat "$MNT"/s.yaml "$MNT"/p.txt "$MNT"/d/sub/deep.yaml >/dev/null; done
n1=$(requests)
if [ "$n1" = "$n0" ] && [ "$o0" -le 1 ]; then
	ok "-o ro: 60 warm reads send no FUSE request (no OPEN, FLUSH, RELEASE; $o0 OPEN in all)"
else
	fail "-o ro warm reads" "$((n1 - n0)) requests, $o0 OPEN before; $(opcodes)"
fi

# ---- every change is refused, SRC untouched ------------------------------------
sum0=$(cd "$SRC" && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
bad=""
try() {   # label command...
	local err
	if err=$("${@:2}" 2>&1); then bad+="$1 succeeded;"
	elif ! grep -q 'Read-only file system' <<<"$err"; then bad+="$1: $err;"; fi
}
try write sh -c "printf 'db: {password: z}\n' >'$MNT/s.yaml'"
try append sh -c "echo z >>'$MNT/p.txt'"
try create sh -c ": >'$MNT/new.txt'"
try rm rm -f "$MNT/p.txt"
try mkdir mkdir "$MNT/nd"
try mv mv "$MNT/p.txt" "$MNT/q.txt"
try chmod chmod 0600 "$MNT/p.txt"
try truncate truncate -s 0 "$MNT/s.yaml"
sum1=$(cd "$SRC" && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
[ -z "$bad" ] && [ "$sum0" = "$sum1" ] && ok "-o ro: write, append, create, rm, mkdir, mv, chmod and truncate fail EROFS; SRC unchanged" \
	|| fail "-o ro refusals" "$bad $([ "$sum0" = "$sum1" ] || echo 'SRC changed')"

# ---- reads without a handle: bytes, fstat, fsync, a big file ----------------------
bad=""
r=$(same "ro reads" "${FILES[@]}") || bad+="$r "
cmp -s "$SRC/big.bin" "$MNT/big.bin" || bad+="big.bin differs;"
exec 3<"$MNT/s.yaml"
[ "$(stat -L -c %s /proc/self/fd/3)" = "$(stat -c %s "$MNT/s.yaml")" ] || bad+="fstat size;"
[ "$(cat <&3)" = "$("$CLI" decrypt "$SRC/s.yaml")" ] || bad+="read through the fd;"
exec 3<&-
sync "$MNT/s.yaml" 2>/dev/null || bad+="fsync of a reader failed;"
[ -z "$bad" ] && ok "-o ro: reads without a handle give SRC's bytes (SOPS views, 3 MB plain file), fstat and fsync work" \
	|| fail "-o ro reads" "$bad"

# ---- a file that cannot be decrypted fails at its read -------------------------
if cat "$MNT/bad.yaml" >bad.out 2>bad.err; then
	fail "-o ro undecryptable file" "read succeeded: $(head -c 80 bad.out)"
elif grep -q 'Input/output error' bad.err && grep -q 'bad.yaml: Failed to get the data key' "$TMP/mount.log" &&
     [ ! -s bad.out ]; then
	ok "-o ro: a file nobody here can decrypt fails EIO at its read, with sops' words in the log"
else
	fail "-o ro undecryptable file" "$(cat bad.err) $(grep bad.yaml "$TMP/mount.log" | head -2)"
fi

# ---- changes in SRC still take the kernel's copy back ------------------------------
bad=""
for i in 1 2 3; do
	warm; git checkout -q main; r=$(soon same "ro checkout c2 #$i" "${FILES[@]}") || bad+="$r "
	warm; git checkout -q HEAD~1; r=$(soon same "ro checkout c1 #$i" "${FILES[@]}") || bad+="$r "
	warm; enc d/sub/deep.yaml "ro-rewritten-$i-$RANDOM"; r=$(soon same "ro re-encrypted #$i" d/sub/deep.yaml) || bad+="$r "
	warm; mv "$SRC/p.txt" "$SRC/d/moved.txt"; r=$(soon same "ro rename #$i" p.txt d/moved.txt) || bad+="$r "
	mv "$SRC/d/moved.txt" "$SRC/p.txt"; r=$(soon same "ro rename back #$i" p.txt d/moved.txt) || bad+="$r "
done
[ -z "$bad" ] && ok "-o ro: git checkout, re-encryption and rename in SRC show at once (sizes, bytes, names)" \
	|| fail "-o ro changes in SRC" "$bad"

# ---- SIGUSR1 ---------------------------------------------------------------------
if r=$(pages_dropped_by s.yaml usr1 "$MOUNT_PID") && n0=$(requests) &&
   r=$(same "ro after SIGUSR1" s.yaml) && [ "$(requests)" -gt "$n0" ]; then
	ok "-o ro: SIGUSR1 drops the kernel's pages of views; the next read decrypts again"
else
	fail "-o ro SIGUSR1" "${r:-the read after the wipe sent no request}"
fi
unmount_sopsfs "$MNT"

# ---- key expiry ----------------------------------------------------------------------
MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -o ro,key_ttl=1,key_max_ttl=2 || { fail "mount ro,key_ttl" "$(cat "$TMP/mount.log")"; exit 0; }
if r=$(pages_dropped_by s.yaml sleep 3.5) && r=$(same "ro after expiry" s.yaml d/sub/deep.yaml); then
	ok "-o ro: key expiry drops the kernel's pages of views; reads decrypt again"
else
	fail "-o ro key expiry" "$r"
fi
unmount_sopsfs "$MNT"

# ---- with an audit log, every decrypting open is still seen ------------------------------
MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -d -o "ro,audit=$TMP/audit.log" || { fail "mount ro,audit" "$(cat "$TMP/mount.log")"; exit 0; }
for _ in 1 2 3 4 5; do cat "$MNT/s.yaml" >/dev/null; done
n=$(grep -c '"decrypt-open".*s\.yaml' "$TMP/audit.log")
o=$(grep -c 'opcode: OPEN (' "$TMP/mount.log")
[ "$n" = 5 ] && [ "$o" -ge 5 ] && ok "-o ro with audit=: the kernel still asks for each open (5 reads, 5 decrypt-open events)" \
	|| fail "-o ro with audit" "$n decrypt-open events, $o OPEN requests for 5 reads"
unmount_sopsfs "$MNT"
