#!/usr/bin/env bash
# memcheck.sh - `make memcheck`: the mount suites (tests/mount/*.sh and the
# short fsx run) with the daemon (build/sopsfs) under valgrind memcheck.
# Every daemon writes build/memcheck/vg.<pid>; the summary counts invalid
# accesses (memcheck errors) and definitely/indirectly lost blocks.
# --child-silent-after-fork: gpgme double-forks to start gpg, and the
# intermediate child leaves with _exit; its leak check (one thread left of
# the daemon's, the locked arena zeroed by MADV_WIPEONFORK) would report
# every block that only other threads or the arena pointed to.
# MEMCHECK_SUITES overrides the list of scripts.
set -u
cd "$(dirname "$0")/../.."
out=$PWD/build/memcheck
rm -rf "$out"; mkdir -p "$out"
cat >"$out/sopsfs-vg" <<EOS
#!/bin/sh
exec valgrind --quiet --log-file=$out/vg.%p --child-silent-after-fork=yes \\
	--leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30 \\
	$PWD/build/sopsfs "\$@"
EOS
chmod +x "$out/sopsfs-vg"
suites=${MEMCHECK_SUITES:-"tests/mount/read.sh tests/mount/write.sh tests/mount/editors.sh tests/stress/check.sh"}
for s in $suites; do
	echo "== $s"
	SOPSFS_MOUNT_BIN=$out/sopsfs-vg bash "$s" 2>&1 | grep -E '^(not ok|skip) - ' | head -20
done
n=$(ls "$out"/vg.* 2>/dev/null | wc -l)
errs=$(cat "$out"/vg.* 2>/dev/null | grep -cE 'Invalid (read|write|free)|uninitialised|Mismatched free|overlap')
lost=$(cat "$out"/vg.* 2>/dev/null | grep -cE 'are (definitely|indirectly) lost')
echo "memcheck: $n daemon runs, $errs invalid-access reports, $lost leak reports (build/memcheck/vg.*)"
[ "$n" -gt 0 ] && [ "$errs" -eq 0 ] && [ "$lost" -eq 0 ]
