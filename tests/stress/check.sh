#!/usr/bin/env bash
# check.sh - the stress tests' short form in `make check`: a seeded fsx run
# (tests/stress/fsx.py) of a few hundred operations on a SOPS file and a
# plain file through a mount of the ASan daemon.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../mount/lib/mount.sh"
. "$(dirname "$0")/lib.sh"
need_fuse "fsx" || exit 0
stress_setup
mount_sopsfs "$SRC" "$MNT" || { fail "fsx mount" "$(cat "$TMP/mount.log")"; exit 0; }
python3 "$ROOT/tests/stress/fsx.py" "$MNT" "$SRC" "$ROOT/build/sopsfs" "${FSX_SEED:-1}" "${FSX_OPS:-300}" \
	|| tail -n 5 "$TMP/mount.log" | sed 's/^/# daemon: /'
unmount_sopsfs "$MNT" || fail "fsx unmount" "the daemon did not exit"
