#!/usr/bin/env bash
# cache.sh - the kernel caches entries, attributes and pages of the mount for
# long (-o cache_timeout, default 3600 s), and every change takes its cached
# copy back at once (fs/cache): a `git checkout` in SRC, a rename of a file
# and of a directory in SRC, a write and a chmod in SRC, a save through the
# mount, SIGUSR1, key expiry, a change right after mounting (SRC still being
# walked) and a view evicted for room (cache_mb). Each
# check reads through the mount right
# after the change and compares sizes, modes, listings and bytes with what
# SRC holds; each is repeated so that a race would show.
#
# A save through the mount is invalidated before the save returns: checked
# at once. A change made in SRC by another process reaches the daemon as an
# inotify event, queued by the kernel inside that process's system call but
# handled by the daemon's watcher thread a scheduling delay later (usually
# microseconds; milliseconds on a loaded 2-core machine). Those checks are
# therefore retried for up to 3 s - far below the 3600 s the kernel would
# otherwise keep the stale copy, so a missed invalidation still fails - and
# the slowest delay seen is printed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
. "$(dirname "$0")/lib/kcache.sh"
need_fuse "mount kernel cache" || exit 0
kcache_fixture || exit 1

MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -d || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }

# ---- the kernel caches: warm requests do not reach the daemon -------------
warm; warm; sleep 1.3          # longer than the former 1 s timeouts
before=$(grep -c -E 'opcode: (LOOKUP|GETATTR)' "$TMP/mount.log")
for _ in 1 2 3; do stat "$MNT"/s.yaml "$MNT"/p.txt "$MNT"/d/sub/deep.yaml >/dev/null; done
after=$(grep -c -E 'opcode: (LOOKUP|GETATTR)' "$TMP/mount.log")
[ "$after" = "$before" ] && ok "entries and attributes stay in the kernel's cache past 1 s (no LOOKUP/GETATTR)" \
	|| fail "kernel entry/attr cache" "$((after - before)) LOOKUP/GETATTR requests for cached paths"
cat "$MNT/p.txt" >/dev/null; cat "$MNT/p.txt" >/dev/null
reads=$(grep -c 'opcode: READ ' "$TMP/mount.log"); cat "$MNT/p.txt" "$MNT/s.yaml" >/dev/null
[ "$(grep -c 'opcode: READ ' "$TMP/mount.log")" = "$reads" ] && ok "warm reads of unchanged files come from the page cache" \
	|| fail "page cache kept" "READ reached the daemon"
# ACLs: the mount keeps none (ops_xattr.c); on a mount only root can use
# (or one with allow_other) the kernel keeps that answer per inode, so
# `ls -l` (which asks for system.posix_acl_access of every file) sends no
# GETXATTR for it on a warm pass. A user's own mount asks each time.
acl_of() { python3 -c 'import os, sys
for p in sys.argv[1:]:
    try: os.getxattr(p, "system.posix_acl_access"); print(p, "has an ACL")
    except OSError as e: print(p, e.strerror)' "$@"; }
acl_of "$MNT/p.txt" "$MNT/s.yaml" "$MNT/d/x.txt" >/dev/null
xa=$(grep -c 'opcode: GETXATTR' "$TMP/mount.log")
got=$(acl_of "$MNT/p.txt" "$MNT/s.yaml" "$MNT/d/x.txt" | tr '\n' ';')
xb=$(grep -c 'opcode: GETXATTR' "$TMP/mount.log")
want="$MNT/p.txt No data available;$MNT/s.yaml No data available;$MNT/d/x.txt No data available;"
if [ "$(id -u)" = 0 ]; then
	[ "$got" = "$want" ] && [ "$xb" = "$xa" ] && ok "POSIX ACLs: none shown, and a warm ask is answered by the kernel (no GETXATTR)" \
		|| fail "ACL cache" "answers '$got' (want '$want'); $((xb - xa)) GETXATTR requests"
else
	[ "$got" = "$want" ] && ok "POSIX ACLs: none shown (the kernel keeps them only on root's mounts)" \
		|| fail "ACLs" "answers '$got' (want '$want')"
fi

# ---- git checkout in SRC ---------------------------------------------------
bad=""
for i in 1 2 3; do
	warm; git checkout -q main; r=$(soon same "checkout c2 #$i" "${FILES[@]}") || bad+="$r "
	r=$(soon listing_is d "sub y.txt ") || bad+="after c2: $r"
	warm; git checkout -q HEAD~1; r=$(soon same "checkout c1 #$i" "${FILES[@]}") || bad+="$r "
	r=$(soon listing_is d "sub x.txt ") || bad+="after c1: $r"
done
[ -z "$bad" ] && ok "git checkout in SRC: sizes, bytes and directory entries are new at once" \
	|| fail "git checkout in SRC" "$bad"

# ---- rename in SRC (a file, a directory) -----------------------------------
bad=""
for i in 1 2 3; do
	warm; mv "$SRC/p.txt" "$SRC/d/moved.txt"
	r=$(soon same "rename #$i" p.txt d/moved.txt) || bad+="$r "
	r=$(soon absent p.txt) || bad+="$r"
	mv "$SRC/d/moved.txt" "$SRC/p.txt"; r=$(soon same "rename back #$i" p.txt d/moved.txt) || bad+="$r "
	warm; mv "$SRC/d" "$SRC/e"
	r=$(soon same "dir rename #$i" d/sub/deep.yaml e/sub/deep.yaml d/x.txt e/x.txt) || bad+="$r "
	mv "$SRC/e" "$SRC/d"; r=$(soon same "dir rename back #$i" d/sub/deep.yaml e/sub/deep.yaml) || bad+="$r "
done
[ -z "$bad" ] && ok "rename of a file and of a directory in SRC: old names gone, new names read at once" \
	|| fail "rename in SRC" "$bad"

# ---- write and chmod in SRC ---------------------------------------------------
bad=""
for i in 1 2 3 4 5; do
	warm; printf 'appended %s\n' "$i" >>"$SRC/p.txt"; r=$(soon same "append #$i" p.txt) || bad+="$r "
	warm; enc d/sub/deep.yaml "rewritten-$i-$RANDOM"; r=$(soon same "re-encrypted #$i" d/sub/deep.yaml) || bad+="$r "
	warm; chmod 0640 "$SRC/p.txt"; r=$(soon mode_is p.txt 640) || bad+="$r"
	chmod 0644 "$SRC/p.txt"; r=$(soon mode_is p.txt 644) || bad+="back: $r"
done
[ -z "$bad" ] && ok "a write, a re-encryption and a chmod in SRC show at once (size, mode, bytes)" \
	|| fail "write in SRC" "$bad"
bad=""
for i in 1 2 3; do
	warm; stat "$MNT/d/y.txt" >/dev/null 2>&1; ln "$SRC/p.txt" "$SRC/d/hl.txt"
	r=$(soon nlink_is p.txt 2) || bad+="after ln: $r"
	r=$(soon same "hard link #$i" d/hl.txt) || bad+="$r "
	rm "$SRC/d/hl.txt"
	r=$(soon nlink_is p.txt 1) || bad+="after rm: $r"
	r=$(soon absent d/hl.txt) || bad+="removed link: $r"
done
[ -z "$bad" ] && ok "a hard link made and removed in SRC: link counts and names at once" \
	|| fail "hard link in SRC" "$bad"

# ---- save through the mount --------------------------------------------------
bad=""
for i in 1 2 3; do
	warm; v="saved-$i-$RANDOM$RANDOM"
	printf 'db:\n    password: %s\n' "$v" >"$MNT/s.yaml"
	[ "$(cat "$MNT/s.yaml")" = "$(printf 'db:\n    password: %s' "$v")" ] || bad+="read back '$(cat "$MNT/s.yaml")';"
	r=$(same "save #$i" s.yaml) || bad+="$r "
	grep -q "$v" "$SRC/s.yaml" && bad+="plaintext in SRC;"
	enc s.yaml "after-save-$i"; r=$(soon same "SRC write after save #$i" s.yaml) || bad+="$r "
done
[ -z "$bad" ] && ok "a save through the mount, then a write in SRC: the mount shows each at once" \
	|| fail "save through the mount" "$bad"

# ---- SIGUSR1 ------------------------------------------------------------------
if r=$(pages_dropped_by s.yaml usr1 "$MOUNT_PID") && r=$(same "after SIGUSR1" s.yaml p.txt); then
	ok "SIGUSR1 drops the kernel's cached pages of views (then reads decrypt again)"
else
	fail "SIGUSR1 pages" "$r"
fi
unmount_sopsfs "$MNT"

# ---- key expiry -----------------------------------------------------------------
MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -o key_ttl=1,key_max_ttl=2 || { fail "mount key_ttl" "$(cat "$TMP/mount.log")"; exit 0; }
if r=$(pages_dropped_by s.yaml sleep 3.5) && r=$(same "after expiry" s.yaml); then
	ok "key expiry drops the kernel's cached pages of views (then reads decrypt again)"
else
	fail "key expiry pages" "$r"
fi
enc s.yaml after-expiry; r=$(soon same "write after expiry" s.yaml) && ok "a write in SRC after key expiry shows at once" \
	|| fail "write after expiry" "$r"
unmount_sopsfs "$MNT"

# ---- changes while the watcher is still walking SRC -----------------------------
# The mount answers before every directory of SRC is watched (the walk runs
# in the watcher thread; kernel timeouts stay at 1 s until it is done): a
# read right after mounting, then a change in SRC, must still show, and once
# the walk is done the long timeouts hold again.
mkdir -p "$SRC/w"
for i in $(seq 1 40); do mkdir -p "$SRC/w/d$i/$(seq -s / 1 50 | tr -d ' ')"; done
MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -d || { fail "mount (walk)" "$(cat "$TMP/mount.log")"; exit 0; }
bad=""
for i in 1 2 3; do
	warm; enc s.yaml "during-walk-$i-$RANDOM"; printf 'walk %s\n' "$i" >>"$SRC/p.txt"
	r=$(soon same "early change #$i" s.yaml p.txt) || bad+="$r "
done
sleep 1.3; warm; warm; sleep 1.3
before=$(grep -c -E 'opcode: (LOOKUP|GETATTR)' "$TMP/mount.log")
stat "$MNT"/s.yaml "$MNT"/p.txt "$MNT"/d/sub/deep.yaml >/dev/null
after=$(grep -c -E 'opcode: (LOOKUP|GETATTR)' "$TMP/mount.log")
[ "$after" = "$before" ] || bad+="after the walk: $((after - before)) LOOKUP/GETATTR for cached paths;"
[ -z "$bad" ] && ok "changes in SRC right after mounting a tree of 2,000 more directories (watched after the mount is up) show; once they are watched the long timeouts hold" \
	|| fail "changes during the walk" "$bad"
unmount_sopsfs "$MNT"
rm -rf "$SRC/w"

# ---- views over cache_mb: the evicted view's kernel pages go with it ---------------
# (else its plaintext would stay in the page cache, past key expiry and
# SIGUSR1, until the file's next open). Any open of the file resets its
# pages, so what is checked is that the daemon tells the kernel: libfuse's
# debug log shows each invalidation it sends (NOTIFY code=2, an inode).
for i in 1 2 3 4 5 6; do
	enc "big$i.yaml" "$(head -c 240000 /dev/urandom | base64 -w0)"
done
MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -d -o cache_mb=1,ahead=0 || { fail "mount cache_mb" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/big1.yaml" >/dev/null; cat "$MNT/big1.yaml" >/dev/null
pb=$(pages_of "$MNT/big1.yaml")
sleep 1.2
n0=$(grep -c 'NOTIFY: code=2' "$TMP/mount.log")
for i in 2 3 4 5 6; do cat "$MNT/big$i.yaml" >/dev/null; cat "$MNT/big$i.yaml" >/dev/null; done
sleep 1.5
n1=$(grep -c 'NOTIFY: code=2' "$TMP/mount.log")
p6=$(pages_of "$MNT/big6.yaml")
if [ "${pb:-0}" -ge 1 ] && [ "$((n1 - n0))" -ge 1 ] && [ "${p6:-0}" -ge 1 ] && r=$(same "after eviction" big1.yaml big6.yaml); then
	ok "cache_mb: views evicted for room have their kernel pages dropped at once ($((n1 - n0)) invalidations; the newest keeps its pages); they read back the same"
else
	fail "evicted view pages" "big1 pages $pb, invalidations $n0 -> $n1, big6 pages $p6 $r"
fi
unmount_sopsfs "$MNT"
n=$(wc -l <"$TMP/lag" 2>/dev/null || echo 0)
if [ "${n:-0}" -ge 40 ]; then
	sort -n "$TMP/lag" >"$TMP/lag.sorted"
	late=$(grep -vcx 0 "$TMP/lag.sorted")
	ok "$n changes in SRC checked: $((n - late)) showed at the first look, $late later (slowest $(tail -n1 "$TMP/lag.sorted") ms)"
else
	fail "changes in SRC" "only ${n:-0} checks of a change in SRC passed"
fi
