#!/usr/bin/env bash
# check.sh - the fuzz harnesses in `make check`: every regression input
# (tests/fuzz/regress/<target>/) must run clean, then each harness fuzzes
# for FUZZ_CHECK_SECONDS (default 2) starting from its seed corpus
# (build/fuzz/corpus/<target>, made by make fuzz-build).
source "$(dirname "$0")/../lib.sh"
secs=${FUZZ_CHECK_SECONDS:-2}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
found=0
for bin in build/fuzz/fuzz_*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	t=$(basename "$bin"); found=1
	reg=tests/fuzz/regress/$t
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		if "$bin" -timeout=10 -rss_limit_mb=2048 "$reg"/* >"$TMP/$t.reg.log" 2>&1; then
			ok "fuzz/$t: $(ls "$reg" | wc -l) regression inputs"
		else
			fail "fuzz/$t regression" "$(grep -E 'ERROR|SUMMARY' "$TMP/$t.reg.log" | head -3 | tr '\n' '|')"
		fi
	fi
	mkdir -p "$TMP/$t" "$TMP/art-$t"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$TMP/art-$t/" "$TMP/$t" "build/fuzz/corpus/$t" >"$TMP/$t.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$TMP/$t.log" | grep -o '[0-9]*$')
		ok "fuzz/$t: ${runs:-?} executions in ${secs}s"
	else
		mkdir -p "build/fuzz/check-artifacts/$t"
		cp "$TMP/art-$t"/* "build/fuzz/check-artifacts/$t/" 2>/dev/null
		fail "fuzz/$t" "$(grep -E 'ERROR|SUMMARY' "$TMP/$t.log" | head -3 | tr '\n' '|') input kept in build/fuzz/check-artifacts/$t/"
	fi
done
[ "$found" = 1 ] || skip "fuzz" "no harness built (make fuzz-build)"
