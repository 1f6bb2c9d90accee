#!/usr/bin/env bash
# stress.sh - `make stress`: the long forms of the hardening tests.
#   fsx        FSX_RUNS seeds x FSX_OPS operations (default 4 x 2500)
#   concurrency  with the ThreadSanitizer daemon (STRESS_SECONDS, default 60)
#              and with build/sopsfs (RSS bound)
#   limits     including the 100,000-entry directory
# Prints the ok / not ok lines and a closing count; exits non-zero on failure.
set -u
cd "$(dirname "$0")/../.."
log=$(mktemp); trap 'rm -f "$log"' EXIT
run() { echo "== $*"; "$@" 2>&1 | tee -a "$log" | grep -E '^(ok|not ok|skip) - |^# '; }
for seed in $(seq 1 "${FSX_RUNS:-4}"); do
	FSX_SEED=$((seed * 7919)) FSX_OPS=${FSX_OPS:-2500} run nice bash tests/stress/check.sh
done
SOPSFS_MOUNT_BIN=$PWD/build/sopsfs-tsan STRESS_SECONDS=${STRESS_SECONDS:-60} run nice bash tests/stress/concurrency.sh
SOPSFS_MOUNT_BIN=$PWD/build/sopsfs STRESS_SECONDS=$(( ${STRESS_SECONDS:-60} / 2 )) run nice bash tests/stress/concurrency.sh
LIMITS_FULL=1 run nice bash tests/stress/limits.sh
p=$(grep -c '^ok - ' "$log"); f=$(grep -c '^not ok - ' "$log")
echo "stress: $p passed, $f failed"
[ "$f" -eq 0 ]
