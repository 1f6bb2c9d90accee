#!/usr/bin/env bash
# bench_kms.sh - the key-service figure of `make bench`: N SOPS files wrapped
# by the AWS KMS stand-in (tests/keyservices/aws_kms_server.py) answering
# each request after 30 ms. Compares a cold `cat` of the tree through a
# fresh mount (parallel unwraps + directory prefetch) with N sequential
# unwraps (`sopsfs decrypt` of each file, one after another).
#
# env: BENCH_KMS_N=1000  BENCH_KMS_LATENCY_MS=30  BENCH_KMS_OPTS=... (-o)
#      BENCH_KMS_OUT=docs/benchmarks-kms.md
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
N=${BENCH_KMS_N:-1000}
LAT=${BENCH_KMS_LATENCY_MS:-30}
OPTS=${BENCH_KMS_OPTS:-}
OUT=${BENCH_KMS_OUT:-$ROOT/docs/benchmarks-kms.md}
SOPSFS=${SOPSFS:-$ROOT/build/sopsfs}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sfsbench-kms.XXXXXX")
cleanup_hooks=()
cleanup() {
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	rm -rf "$TMP"
}
trap cleanup EXIT
say() { printf 'bench-kms: %s\n' "$*" >&2; }
# a private copy: the tree may be rebuilt while the benchmark runs
cp "$SOPSFS" "$TMP/sopsfs" && SOPSFS=$TMP/sopsfs || { say "no $SOPSFS"; exit 1; }
ms_now() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# shellcheck source=tests/keyservices/kms1_lib.sh
. "$ROOT/tests/keyservices/kms1_lib.sh"
aws_start "$TMP/aws" || { say "stand-in did not start"; exit 1; }
aws_env; aws_env_keys

say "generating $N files wrapped by the stand-in"
mkdir -p "$TMP/src/kms"
for i in $(seq 1 "$N"); do
	printf 'name: app-%d\npassword: pw-%d\napi_key: key-%d\n' "$i" "$i" "$i" >"$TMP/p$((i % 2)).yaml"
	echo "$i"
done | xargs -P 2 -I{} sh -c '"$0" encrypt --kms "$1" "$2/p$(({} % 2)).yaml" > "$2/src/kms/f{}.yaml"' \
	"$SOPSFS" "$AWS_KEY1" "$TMP" 2>/dev/null
# (two writers share two plaintext names; regenerate any file that lost a race)
for i in $(seq 1 "$N"); do
	f=$TMP/src/kms/f$i.yaml
	if ! grep -q "^    kms:" "$f" 2>/dev/null; then
		printf 'name: app-%d\npassword: pw-%d\napi_key: key-%d\n' "$i" "$i" "$i" >"$TMP/p.yaml"
		"$SOPSFS" encrypt --kms "$AWS_KEY1" "$TMP/p.yaml" >"$f"
	fi
done
knobs "$AWS_STATE" "{\"latency_ms\": $LAT}"

say "sequential: $N x sopsfs decrypt"
t0=$(ms_now)
for i in $(seq 1 "$N"); do "$SOPSFS" decrypt "$TMP/src/kms/f$i.yaml" >/dev/null 2>&1 || echo "fail $i"; done >"$TMP/seq.err"
seq_ms=$(( $(ms_now) - t0 ))
if [ -s "$TMP/seq.err" ]; then say "sequential failures: $(wc -l <"$TMP/seq.err")"; exit 1; fi

say "mount: cold cat of the tree"
MNT=$(mktemp -d "$TMP/mnt.XXXXXX")
"$SOPSFS" "$TMP/src" "$MNT" -f ${OPTS:+-o "$OPTS"} >"$TMP/mount.log" 2>&1 &
pid=$!
cleanup_hooks+=("fusermount3 -uz '$MNT' 2>/dev/null; kill $pid 2>/dev/null")
for _ in $(seq 1 100); do mountpoint -q "$MNT" && break; sleep 0.05; done
t0=$(ms_now)
cat "$MNT"/kms/*.yaml >"$TMP/all.txt"
cold_ms=$(( $(ms_now) - t0 ))
peak=$(cat "$AWS_STATE/max_inflight" 2>/dev/null || echo "?")
unwraps=$(getfattr --only-values -n user.sopsfs.unwraps "$MNT" 2>/dev/null || echo "?")
ok=$(grep -c '^password: pw-' "$TMP/all.txt")
fusermount3 -u "$MNT"; wait "$pid" 2>/dev/null

srv_cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' /proc/$(cat "$AWS_STATE/pid")/stat 2>/dev/null)
say "stand-in CPU so far: ${srv_cpu} s, $(cat "$AWS_STATE/connections") connections"
speedup=$(awk -v a="$seq_ms" -v b="$cold_ms" 'BEGIN { printf "%.1f", a / b }')
say "sequential ${seq_ms} ms, mount cold ${cold_ms} ms, ${speedup}x, ${ok}/${N} files, peak ${peak} in flight"
{
	echo "# Key-service benchmark"
	echo
	echo "\`scripts/bench_kms.sh\` (part of \`make bench\`), $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)."
	echo
	echo "$N SOPS files (YAML, 3 values) each wrapped by its own AWS KMS data key,"
	echo "served by the local stand-in (\`tests/keyservices/aws_kms_server.py\`, TLS,"
	echo "SigV4 checked) answering every request after $LAT ms."
	echo
	echo "| pass | time | per file |"
	echo "|---|---|---|"
	echo "| $N x \`sopsfs decrypt\`, one after another | $seq_ms ms | $(awk -v a="$seq_ms" -v n="$N" 'BEGIN{printf "%.1f", a/n}') ms |"
	echo "| cold \`cat\` of the tree through a fresh mount${OPTS:+ (-o $OPTS)} | $cold_ms ms | $(awk -v a="$cold_ms" -v n="$N" 'BEGIN{printf "%.2f", a/n}') ms |"
	echo
	echo "Speed-up: **${speedup}x** ($ok/$N files read correctly; $unwraps unwraps;"
	echo "at most $peak requests in flight at the stand-in). The mount lists the"
	echo "directory (the shell glob), which queues every file's key to the prefetch"
	echo "workers (\`-o kms_parallel\`); \`cat\` then finds the keys cached or in flight."
	echo "Each sequential \`sopsfs decrypt\` also pays a process start and a TLS"
	echo "handshake; the same unwraps one after another in one process (\`-o prefetch=off\`)"
	echo "would cost at least $N x $LAT ms = $((N * LAT)) ms. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$OUT"
say "wrote $OUT"
