#!/usr/bin/env bash
# cache.sh - the kernel caches entries, attributes and pages of the mount for
# long (-o cache_timeout, default 3600 s), and every change takes its cached
# copy back at once (fs/cache): a `git checkout` in SRC, a rename of a file
# and of a directory in SRC, a write and a chmod in SRC, a save through the
# mount, SIGUSR1, key expiry and a view evicted for room (cache_mb). Each
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
need_fuse "mount kernel cache" || exit 0
CLI=$ROOT/build/sopsfs
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
cd "$TMP" || exit 1
age-keygen -o age.txt 2>/dev/null; R=$(age-keygen -y age.txt)
export SOPS_AGE_KEY_FILE=$TMP/age.txt
SRC=$TMP/src
mkdir -p "$SRC/d/sub"
enc() {   # path value
	printf 'db:\n    password: %s\n' "$2" | "$CLI" encrypt --age "$R" --filename-override s.yaml - >"$SRC/$1"
}
git() { command git -C "$SRC" -c user.name=t -c user.email=t@t "$@" >/dev/null 2>&1; }
git init -q -b main
enc s.yaml one; enc d/sub/deep.yaml first
printf 'plain one\n' >"$SRC/p.txt"; printf 'x\n' >"$SRC/d/x.txt"
git add -A; git commit -qm c1
enc s.yaml two-is-longer; enc d/sub/deep.yaml second-value-here
printf 'plain two, longer\n' >"$SRC/p.txt"; rm "$SRC/d/x.txt"; printf 'y\n' >"$SRC/d/y.txt"
git add -A; git commit -qm c2
git checkout -q HEAD~1

MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -d || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }

# What the mount must show for path: the CLI's plaintext of a SOPS file, the
# bytes of any other file; "-" when it does not exist.
expect() {
	if [ ! -e "$SRC/$1" ]; then echo -; elif grep -q '^sops:' "$SRC/$1"; then
		"$CLI" decrypt "$SRC/$1"; else cat "$SRC/$1"; fi
}
# Compare size, bytes and existence of each path through the mount with SRC.
same() {   # label paths...
	local p want got bad=""
	for p in "${@:2}"; do
		want=$(expect "$p"; echo .)
		if [ -e "$MNT/$p" ]; then got=$(cat "$MNT/$p" 2>&1; echo .); else got="-
."; fi
		[ "$want" = "$got" ] || bad+=" $p: bytes '${got%.}' want '${want%.}';"
		if [ "$want" != "-
." ]; then
			[ "$(stat -c %s "$MNT/$p")" = "$(( ${#want} - 1 ))" ] || bad+=" $p: size $(stat -c %s "$MNT/$p") want $(( ${#want} - 1 ));"
		fi
	done
	[ -z "$bad" ] && return 0
	echo "$1:$bad"; return 1
}
FILES=(s.yaml p.txt d/x.txt d/y.txt d/sub/deep.yaml)
# Run a check until it passes, for up to 3 s; print its last complaint when
# it never does. Appends to $TMP/lag 0 when the first try passed, else the
# milliseconds until one did.
soon() {   # check args...
	local t0 out n
	t0=$(date +%s%N)
	for n in $(seq 1 150); do
		if out=$("$@"); then
			[ "$n" = 1 ] && echo 0 >>"$TMP/lag" ||
				echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$TMP/lag"
			return 0
		fi
		sleep 0.02
	done
	echo "$out"; return 1
}
mode_is() {    # path mode
	local m; m=$(stat -c %a "$MNT/$1" 2>&1)
	[ "$m" = "$2" ] || { echo "$1 mode '$m' want $2;"; return 1; }
}
nlink_is() {   # path n
	local h; h=$(stat -c %h "$MNT/$1" 2>&1)
	[ "$h" = "$2" ] || { echo "$1 nlink '$h' want $2;"; return 1; }
}
listing_is() { # dir "names "
	local l; l=$(ls "$MNT/$1" 2>&1 | tr '\n' ' ')
	[ "$l" = "$2" ] || { echo "listing of /$1: '$l' want '$2';"; return 1; }
}
absent() {     # path
	[ ! -e "$MNT/$1" ] && ! ls "$MNT/$(dirname "$1")" 2>/dev/null | grep -qxF "$(basename "$1")" \
		|| { echo "$1 still there;"; return 1; }
}
warm() { ls -lR "$MNT" >/dev/null; cat "$MNT"/s.yaml "$MNT"/p.txt "$MNT"/d/sub/deep.yaml >/dev/null 2>&1
	stat "$MNT"/d/x.txt "$MNT"/d/y.txt >/dev/null 2>&1; }

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
cat "$MNT/s.yaml" >/dev/null; cat "$MNT/s.yaml" >/dev/null
pb=$(fincore -n -o PAGES "$MNT/s.yaml" | tr -d ' ')
kill -USR1 "$MOUNT_PID"; sleep 1.5
pa=$(fincore -n -o PAGES "$MNT/s.yaml" | tr -d ' ')
if [ "${pb:-0}" -ge 1 ] && [ "$pa" = 0 ] && r=$(same "after SIGUSR1" s.yaml p.txt); then
	ok "SIGUSR1 drops the kernel's cached pages of views (then reads decrypt again)"
else
	fail "SIGUSR1 pages" "pages $pb -> $pa $r"
fi
unmount_sopsfs "$MNT"

# ---- key expiry -----------------------------------------------------------------
MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" -o key_ttl=1,key_max_ttl=2 || { fail "mount key_ttl" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/s.yaml" >/dev/null; cat "$MNT/s.yaml" >/dev/null
pb=$(fincore -n -o PAGES "$MNT/s.yaml" | tr -d ' ')
sleep 3.5
pa=$(fincore -n -o PAGES "$MNT/s.yaml" | tr -d ' ')
if [ "${pb:-0}" -ge 1 ] && [ "$pa" = 0 ] && r=$(same "after expiry" s.yaml); then
	ok "key expiry drops the kernel's cached pages of views (then reads decrypt again)"
else
	fail "key expiry pages" "pages $pb -> $pa $r"
fi
enc s.yaml after-expiry; r=$(soon same "write after expiry" s.yaml) && ok "a write in SRC after key expiry shows at once" \
	|| fail "write after expiry" "$r"
unmount_sopsfs "$MNT"

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
pb=$(fincore -n -o PAGES "$MNT/big1.yaml" | tr -d ' ')
sleep 1.2
n0=$(grep -c 'NOTIFY: code=2' "$TMP/mount.log")
for i in 2 3 4 5 6; do cat "$MNT/big$i.yaml" >/dev/null; cat "$MNT/big$i.yaml" >/dev/null; done
sleep 1.5
n1=$(grep -c 'NOTIFY: code=2' "$TMP/mount.log")
p6=$(fincore -n -o PAGES "$MNT/big6.yaml" | tr -d ' ')
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
