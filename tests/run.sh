#!/usr/bin/env bash
# run.sh - run every test and print the closing "N passed, N failed" line.
#
# Unit tests: build/tests/test_* (built with ASan+UBSan).
# Script tests: tests/static/*.sh (layering, man page, install), then
# tests/interop/*.sh, tests/mount/*.sh (they source tests/lib.sh),
# tests/fuzz/check.sh, tests/stress/check.sh and tests/stress/limits.sh.
# Every test prints "ok - name", "not ok - name: why" or "skip - name: why";
# this script counts them. A binary or script that crashes or exits non-zero
# without reporting a failure counts as one failure.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

pass=0; fail=0; skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {   # name, command...
	local name=$1; shift
	local start=$SECONDS
	"$@" >"$log" 2>&1
	local rc=$?
	local p f s
	p=$(grep -c '^ok - ' "$log"); f=$(grep -c '^not ok - ' "$log"); s=$(grep -c '^skip - ' "$log")
	grep -E '^(not ok|skip) - ' "$log" | sed "s|^|  [$name] |"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  [$name] not ok - exited with status $rc:"
		tail -n 30 "$log" | sed 's/^/      /'
		f=$((f + 1))
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	printf '%-40s %4d ok %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((SECONDS - start))
}

for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for dir in tests/static tests/interop tests/mount; do
	for t in "$dir"/*.sh; do
		[ -f "$t" ] || continue
		run_one "${dir#tests/}/$(basename "$t" .sh)" bash "$t"
	done
done
# Hardening (docs/testing.md): short fuzz and random-operation runs.
for t in tests/fuzz/check.sh tests/stress/check.sh tests/stress/limits.sh; do
	[ -f "$t" ] && run_one "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" bash "$t"
done

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
