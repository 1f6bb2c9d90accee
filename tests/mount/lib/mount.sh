# lib/mount.sh - start and stop a sopsfs mount in tests (sourced after
# tests/lib.sh). Mount points live outside /tmp (vim skips backups under
# /tmp): in build/mnt-test/.
#
#   need_fuse NAME          skip the test (and return 1) without /dev/fuse
#   mount_sopsfs SRC MNT [opts...]   mount in the background (-f), wait until ready
#   unmount_sopsfs MNT      unmount and wait for the daemon to exit
#   MOUNT_PID               pid of the last daemon
# The daemon runs under ASan+UBSan by default (leak checks off: libfuse and
# gpgme keep one-time allocations); unmount_sopsfs reports sanitizer errors
# and any test secret of lib/repo.sh found in the daemon's log.
SOPSFS_MOUNT_BIN=${SOPSFS_MOUNT_BIN:-$ROOT/build/sopsfs-asan}
MNT_BASE=$ROOT/build/mnt-test
mkdir -p "$MNT_BASE"

need_fuse() {
	if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null 2>&1; then
		skip "$1" "/dev/fuse or fusermount3 is missing: mount tests skipped"
		return 1
	fi
	return 0
}

# A fresh mount point directory under build/mnt-test.
new_mountpoint() {
	mktemp -d "$MNT_BASE/mnt.XXXXXX"
}

mount_sopsfs() {   # src mnt [extra args...]
	local src=$1 mnt=$2; shift 2
	ASAN_OPTIONS=detect_leaks=0 "$SOPSFS_MOUNT_BIN" "$src" "$mnt" -f "$@" >"$TMP/mount.log" 2>&1 &
	MOUNT_PID=$!
	cleanup_hooks+=("fusermount3 -u -z '$mnt' >/dev/null 2>&1; kill $MOUNT_PID >/dev/null 2>&1; rmdir '$mnt' 2>/dev/null")
	for _ in $(seq 1 100); do
		if mountpoint -q "$mnt"; then return 0; fi
		if ! kill -0 "$MOUNT_PID" 2>/dev/null; then
			echo "mount failed: $(cat "$TMP/mount.log")" >&2
			return 1
		fi
		sleep 0.05
	done
	return 1
}

unmount_sopsfs() {   # mnt
	local gone=1
	fusermount3 -u "$1" 2>/dev/null || fusermount3 -u -z "$1" 2>/dev/null
	for _ in $(seq 1 200); do
		if ! kill -0 "$MOUNT_PID" 2>/dev/null; then gone=0; break; fi
		sleep 0.05
	done
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:' "$TMP/mount.log" 2>/dev/null; then
		echo "not ok - daemon sanitizer report: $(grep -m1 -E 'ERROR: AddressSanitizer|runtime error:' "$TMP/mount.log")"
	fi
	# docs/security.md: no test secret (lib/repo.sh) in the daemon's log, ever
	if [ -s "${REPO_SECRETS:-}" ] && grep -qF -f "$REPO_SECRETS" "$TMP/mount.log" 2>/dev/null; then
		echo "not ok - the daemon's log holds a test secret (mount at $1)"
	fi
	return $gone
}
