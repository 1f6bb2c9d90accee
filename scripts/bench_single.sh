#!/usr/bin/env bash
# bench_single.sh - `make bench` (after bench.sh): the two single-file
# targets of the speed issue, against baselines measured in the same run.
#
# 1. A 100 MiB plain (not SOPS) file read with `cat` through a fresh mount
#    of bindfs and of sopsfs, SRC's pages already in the page cache (what
#    the mount adds, not the disk), and a second `cat` in the same mount;
#    native `cat` of SRC for reference. BENCH_SINGLE_ROUNDS (7) alternating
#    rounds, medians; throughput in MB/s.
# 2. `sopsfs decrypt` of one Kubernetes Secret (20 values, age key) as a
#    process against `age -d` of a small age file (hyperfine -N, no shell):
#    BENCH_CLI_ROUNDS (6) alternating rounds of BENCH_CLI_RUNS (60) runs of
#    each; the ratio is the median of the rounds' ratios (each round's two
#    medians are measured seconds apart, so load that comes and goes
#    moves both).
# Writes (replaces) the "## Single files" section of docs/benchmarks.md.
#
# env: BENCH_SINGLE_ROUNDS=7  BENCH_CLI_ROUNDS=6  BENCH_CLI_RUNS=60
#      BENCH_OUT=docs/benchmarks.md
set -u
# shellcheck source=scripts/bench_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
cd "$ROOT" || exit 1
ROUNDS=${BENCH_SINGLE_ROUNDS:-7}
CLI_RUNS=${BENCH_CLI_RUNS:-60}
CLI_ROUNDS=${BENCH_CLI_ROUNDS:-6}
OUT=${BENCH_OUT:-$ROOT/docs/benchmarks.md}
W=$(mktemp -d "${TMPDIR:-/tmp}/sfssingle.XXXXXX")
MNT=$W/m
FUSE_PID=""
cleanup() {
	[ -n "$FUSE_PID" ] && fuse_stop "$MNT" "$FUSE_PID"
	is_mounted "$MNT" && fusermount3 -uz "$MNT" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$W/src" "$MNT" "$W/home"
snapshot_sopsfs "$W"
age-keygen -o "$W/key.txt" 2>/dev/null || { say "age-keygen missing"; exit 1; }
R=$(age-keygen -y "$W/key.txt")
export HOME=$W/home SOPS_AGE_KEY_FILE=$W/key.txt
BENCH_HOME=$W/home KEYFILE=$W/key.txt   # what sopsfs_start passes

# ---- 1. a 100 MiB plain file ------------------------------------------------
say "single files: 100 MiB plain file, $ROUNDS rounds"
head -c $((100 << 20)) /dev/urandom > "$W/src/big.bin"
BIG=$((100 << 20))
cat "$W/src/big.bin" > /dev/null    # SRC's pages in the page cache

# one_round SYS -> "first second" in ms (fresh mount; two cats)
one_round() {
	local t0 t1 t2
	if [ "$1" = bindfs ]; then bindfs_start "$W/src" "$MNT" "$W/$1.log" || return 1
	else sopsfs_start "$W/src" "$MNT" "$W/$1.log" || return 1; fi
	cat "$W/src/big.bin" > /dev/null
	t0=$(now_ms); cat "$MNT/big.bin" > /dev/null; t1=$(now_ms)
	cat "$MNT/big.bin" > /dev/null; t2=$(now_ms)
	cmp -s "$MNT/big.bin" "$W/src/big.bin" || { say "$1 shows other bytes"; echo "$1" >> "$W/differ"; }
	fuse_stop "$MNT" "$FUSE_PID"; FUSE_PID=""
	echo "$(elapsed_ms "$t0" "$t1") $(elapsed_ms "$t1" "$t2")"
}
for sys in native bindfs sopsfs; do : > "$W/$sys.first"; : > "$W/$sys.second"; done
: > "$W/tr"
for _ in $(seq 1 "$ROUNDS"); do
	t0=$(now_ms); cat "$W/src/big.bin" > /dev/null; t1=$(now_ms)
	elapsed_ms "$t0" "$t1" >> "$W/native.first"; echo >> "$W/native.first"
	r=""
	for sys in bindfs sopsfs; do
		if read -r a b <<< "$(one_round "$sys")" && [ -n "$b" ]; then
			echo "$a" >> "$W/$sys.first"; echo "$b" >> "$W/$sys.second"
			r="$r $a"
		fi
	done
	# this round's throughput ratio (sopsfs MB/s over bindfs MB/s)
	read -r a b <<< "$r"
	[ -n "${b:-}" ] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f\n", a / b }' >> "$W/tr"
done
med() { grep -v '^$' "$W/$1" | median | awk '{ v = $1 + 0 == $1 ? sprintf("%.1f", $1) : $1; print v }'; }
NF=$(med native.first) BF=$(med bindfs.first) SF=$(med sopsfs.first)
BS=$(med bindfs.second) SS=$(med sopsfs.second)
mbps() { awk -v ms="$1" -v b="$BIG" 'BEGIN { if (ms + 0 > 0) printf "%.0f", b / 1e6 / (ms / 1000); else print "n/a" }'; }
# throughput ratio: sopsfs MB/s over bindfs MB/s = bindfs time / sopsfs time
tput() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "×%.2f", b / a; else print "n/a" }'; }
SAME=yes
[ -f "$W/differ" ] && SAME="no: $(sort -u "$W/differ" | tr '\n' ' ')"

# ---- 2. the CLI: one decrypt as a process ------------------------------------
say "single files: sopsfs decrypt vs age -d, $CLI_ROUNDS x $CLI_RUNS runs"
{
	printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secret\n  namespace: prod\ntype: Opaque\nstringData:\n'
	od -An -N$((20 * 16)) -tx1 /dev/urandom | tr -d ' \n' | fold -w 32 |
		awk '{ printf "    KEY_%02d: %s\n", NR, $0 }'
} > "$W/secret.plain.yaml"
"$SOPSFS" encrypt --age "$R" --encrypted-regex '^(data|stringData)$' "$W/secret.plain.yaml" \
	> "$W/secret.yaml" || { say "encrypt failed"; exit 1; }
printf 'hello\n' | age -r "$R" -o "$W/small.age" || { say "age failed"; exit 1; }
CLI_OK=yes
"$SOPSFS" decrypt "$W/secret.yaml" | cmp -s - "$W/secret.plain.yaml" || CLI_OK="no: the decrypt differs"
# hf1 NAME CMD -> median ms (hyperfine -N: no shell between the runs)
hf1() {
	local j=$W/$1.json
	if hyperfine -N --style none --warmup 20 --runs "$CLI_RUNS" --export-json "$j" "$2" > /dev/null 2> "$j.err"; then
		sed -n 's/.*"median": *\([-0-9.eE+]*\).*/\1/p' "$j" | head -1 | awk '{ printf "%.2f\n", $1 * 1000 }'
	else
		echo n/a
	fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "×%.2f", a / b; else print "n/a" }'; }
: > "$W/cd"; : > "$W/ad"; : > "$W/cr"
for _ in $(seq 1 "$CLI_ROUNDS"); do
	c=$(hf1 decrypt "$SOPSFS decrypt $W/secret.yaml")
	a=$(hf1 age "age -d -i $W/key.txt $W/small.age")
	[ "$c" = n/a ] || [ "$a" = n/a ] && continue
	echo "$c" >> "$W/cd"; echo "$a" >> "$W/ad"
	awk -v a="$c" -v b="$a" 'BEGIN { printf "%.4f\n", a / b }' >> "$W/cr"
done
CD=$(median < "$W/cd" | awk '{ v = $1 + 0 == $1 ? sprintf("%.2f", $1) : $1; print v }')
AD=$(median < "$W/ad" | awk '{ v = $1 + 0 == $1 ? sprintf("%.2f", $1) : $1; print v }')
CR=$(median < "$W/cr")
RR=$(sort -g "$W/cr" | awk '{ printf "%s×%.2f", (NR > 1 ? ", " : ""), $1 }')

# ---- the section --------------------------------------------------------------
verdict() { awk -v r="${1#×}" -v t="$2" -v dir="$3" 'BEGIN {
	if (r == "n/a" || r == "") { print "n/a"; exit }
	print ((dir == "ge" ? r + 0 >= t : r + 0 <= t) ? "**met**" : "**not met**") }'; }
T1=$(median < "$W/tr" | awk '{ if ($1 + 0 > 0) printf "×%.2f", $1; else print "n/a" }')
T2=$(tput "$SS" "$BS")
TR=$(sort -g "$W/tr" | awk '{ printf "%s×%.2f", (NR > 1 ? ", " : ""), $1 }')
T3=$(awk -v r="$CR" 'BEGIN { if (r + 0 > 0) printf "×%.2f", r; else print "n/a" }')
section=$W/section.md
cat > "$section" << EOF
## Single files

\`scripts/bench_single.sh\`, run by \`make bench\`; $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg).

**A 100 MiB plain file** (random bytes, not a SOPS file) read with \`cat\`
through a fresh mount, SRC's pages already cached (what the mount adds, not
the disk); medians of $ROUNDS alternating rounds. Throughput ratio: sopsfs'
MB/s over bindfs', the median of the rounds' ratios (rounds: $TR; target
≥ ×0.9). Bytes identical through both mounts: $SAME.

| read of 100 MiB | native (page cache) | bindfs | sopsfs | sopsfs / bindfs throughput |
|---|---:|---:|---:|---:|
| first \`cat\` after mounting | $NF ms ($(mbps "$NF") MB/s) | $BF ms ($(mbps "$BF") MB/s) | $SF ms ($(mbps "$SF") MB/s) | $T1: $(verdict "$T1" 0.9 ge) |
| second \`cat\`, same mount | | $BS ms ($(mbps "$BS") MB/s) | $SS ms ($(mbps "$SS") MB/s) | $T2 |

sopsfs hands libfuse the backing file's descriptor and libfuse splices its
pages into \`/dev/fuse\` (no copy through the daemon: fs/fuse/ops_read.c);
bindfs (libfuse 2) copies each 128 KiB through its buffer. The second read of an unchanged
plain file comes from the kernel's page cache (\`keep_cache\`, dropped when
SRC changes).

**\`sopsfs decrypt\` as a process**: one Kubernetes Secret with 20
\`stringData\` values encrypted to an age key (\`--encrypted-regex
'^(data|stringData)\$'\`), against \`age -d\` of a 6-byte age file with the
same key; \`hyperfine -N\`, $CLI_ROUNDS alternating rounds of $CLI_RUNS runs of each
after 20 warm-ups; the ratio is the median of the rounds' ratios (each
round's pair is measured seconds apart; rounds: $RR). Output identical to
the plaintext: $CLI_OK.

| one process | median of the rounds | ratio to \`age -d\` (target ≤ ×1.0) |
|---|---:|---:|
| \`age -d\` (small file) | $AD ms | |
| \`sopsfs decrypt\` (Secret) | $CD ms | $T3: $(verdict "$T3" 1.0 le) |

The per-file loop over every SOPS file of a repository is figure 1's
"script: \`sopsfs decrypt\` per file" row above.
EOF
replace_section "$OUT" "## Single files" "$section"
say "single files: 100 MiB first read bindfs $BF ms, sopsfs $SF ms ($T1); decrypt $CD ms vs age -d $AD ms ($T3)"
