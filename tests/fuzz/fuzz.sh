#!/usr/bin/env bash
# fuzz.sh - run every libFuzzer harness (build/fuzz/fuzz_*) for FUZZ_SECONDS
# each, one at a time (-jobs=1 equivalent: a single process), under nice.
# New corpus entries go to build/fuzz/work/<target>; crashes, leaks, hangs
# (-timeout) and out-of-memory inputs go to build/fuzz/artifacts/<target>/.
# Executions per target are appended to build/fuzz/stats.txt.
# FUZZ_TARGETS="fuzz_yaml fuzz_json" limits the run to some targets.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-$(cd build/fuzz && ls fuzz_* | grep -v '\.')}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
failed=0
for t in $targets; do
	work=build/fuzz/work/$t; art=build/fuzz/artifacts/$t
	mkdir -p "$work" "$art" build/fuzz/corpus/$t
	dirs=("$work" "build/fuzz/corpus/$t")
	[ -d "tests/fuzz/regress/$t" ] && dirs+=("tests/fuzz/regress/$t")
	log=build/fuzz/$t.log
	nice -n 10 "build/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-8192}" \
		-print_final_stats=1 -artifact_prefix="$art/" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	printf '%s %s runs=%s %s rc=%s %ss\n' "$(date -u +%FT%TZ)" "$t" "${runs:-?}" "${cov:-}" "$rc" "$secs" \
		| tee -a build/fuzz/stats.txt
	if [ "$rc" -ne 0 ]; then
		failed=1
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5
	fi
done
exit $failed
