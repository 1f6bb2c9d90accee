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
# A leak record is ours when one of its frames is a function of sopsfs; a
# record whose every frame is in a library (libfuse's own request state,
# say) is counted apart and does not fail the run.
read -r ours lib < <(python3 - "$out" "$PWD/build/sopsfs" <<'EOP'
import glob, re, subprocess, sys
syms = set(l.split()[-1] for l in subprocess.run(["nm", "--defined-only", sys.argv[2]],
           capture_output=True, text=True).stdout.splitlines() if " T " in l or " t " in l)
ours = lib = 0
for f in glob.glob(sys.argv[1] + "/vg.*"):
    for blk in re.split(r"\n==\d+== \n", open(f, errors="replace").read()):
        if re.search(r"are (definitely|indirectly) lost", blk):
            fns = re.findall(r"(?:at|by) 0x[0-9A-F]+: (\w+)", blk)
            if any(fn in syms for fn in fns):
                ours += 1
            else:
                lib += 1
print(ours, lib)
EOP
)
echo "memcheck: $n daemon runs, $errs invalid-access reports, $ours leak reports of ours, $lib inside libraries only (build/memcheck/vg.*)"
[ "$n" -gt 0 ] && [ "$errs" -eq 0 ] && [ "$ours" -eq 0 ]
