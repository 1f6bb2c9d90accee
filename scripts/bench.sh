#!/usr/bin/env bash
# bench.sh - `make bench`: measure sopsfs against its baselines on generated
# GitOps repositories (scripts/bench_gen.sh) and write docs/benchmarks.md.
#
# Systems: native (the plaintext twin on the local disk), bindfs (the same
# plaintext through a passthrough FUSE filesystem: the cost of FUSE alone),
# sopsfs (the encrypted tree mounted), and two scripts without a mount
# (sops-age per file in one node process; `sopsfs decrypt` per file).
# Figures: 1 cold read, 2 warm read + grep, 3 kubectl kustomize, 4 ls -lR and
# find|stat, 5 save latency (sed -i, 200-value rewrite), 6 daemon memory.
# Every figure is a median of several runs (hyperfine, or timed loops for
# cold mounts). A sopsfs mount that fails or dies gives "n/a" rows; the
# benchmark never aborts because of it.
#
# env: BENCH_SIZES="100 1000 10000"  BENCH_QUICK=1 (N=100, one run each)
#      BENCH_RUNS=5  BENCH_LOOPS_ALL=1 (also run the per-file scripts at
#      N >= 10000)  BENCH_SOPSFS_OPTS=...  (-o options for the mount)
#      BENCH_DROP_CACHES=1 (drop the page cache before cold runs: disk-cold;
#      the default measures a fresh daemon over a warm page cache)
#      BENCH_IDLE_WAIT=S (wait up to S s for a quiet machine before each N)
#      BENCH_KUSTOMIZE_MAX=1000 (no kustomize figure for larger N)
#      BENCH_OUT=docs/benchmarks.md (BENCH_QUICK: build/bench/benchmarks-quick.md)
set -u
# shellcheck source=scripts/bench_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
cd "$ROOT" || exit 1

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SIZES=${BENCH_SIZES:-100}
	RUNS=1 MIN_RUNS=1 WARMUP=0 SAVE_RUNS=1 COLD_RUNS=1
else
	SIZES=${BENCH_SIZES:-100 1000 10000}
	RUNS=${BENCH_RUNS:-5} MIN_RUNS=3 WARMUP=1 SAVE_RUNS=20 COLD_RUNS=${BENCH_RUNS:-5}
	[ "$RUNS" -lt "$MIN_RUNS" ] && MIN_RUNS=$RUNS
fi
# A smoke run does not replace the measured page.
if [ "${BENCH_QUICK:-0}" = 1 ]; then OUT=${BENCH_OUT:-$BENCH_DIR/benchmarks-quick.md}
else OUT=${BENCH_OUT:-$ROOT/docs/benchmarks.md}; fi
RUNDIR=$BENCH_DIR/run
[ "${BENCH_QUICK:-0}" = 1 ] && RUNDIR=$BENCH_DIR/run-quick
RESULTS=$RUNDIR/results.tsv
META=$RUNDIR/meta.tsv
rm -rf "$RUNDIR"
mkdir -p "$RUNDIR/json" "$BENCH_HOME" "$(dirname "$OUT")"
snapshot_sopsfs "$RUNDIR"
export SOPSFS   # bench_gen.sh uses the same binary
: > "$RESULTS"; : > "$META"
MNT=$(mktemp -d "${TMPDIR:-/tmp}/sfsbench.XXXXXX")
FUSE_PID=""
cleanup() {
	[ -n "$FUSE_PID" ] && fuse_stop "$MNT/m" "$FUSE_PID"
	is_mounted "$MNT/m" && fusermount3 -uz "$MNT/m" 2>/dev/null
	rmdir "$MNT/m" "$MNT" 2>/dev/null
	# An interrupted run must not leave the cached repository changed.
	[ -n "${PLAIN_ORIG:-}" ] && [ -d "$PLAIN_ORIG" ] && restore
}
trap cleanup EXIT
trap 'exit 130' INT TERM
meta() { printf '%s\t%s\n' "$1" "$2" >> "$META"; }

for t in hyperfine bindfs node fusermount3 getfattr; do
	command -v "$t" > /dev/null || { say "$t is missing (run scripts/install-deps.sh)"; exit 1; }
done
[ -d "$NPMDIR/node_modules/sops-age" ] || say "sops-age is not installed: its rows will be n/a"
HAVE_KUBECTL=0
command -v kubectl > /dev/null && HAVE_KUBECTL=1

# ---- machine, commit, tools -------------------------------------------------
BENCH_START=$SECONDS
if drop_caches; then DROP=yes; else DROP=no; fi
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$ROOT" --no-optional-locks status --porcelain 2>/dev/null | head -1)" ] && commit+="-dirty"
meta machine "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
meta cores "$(nproc)"
meta ram "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
meta kernel "$(uname -sr)"
meta fs "$(df -T "$BENCH_DIR" | awk 'NR == 2 { print $2 }') ($(df "$BENCH_DIR" | awk 'NR == 2 { print $1 }'))"
meta commit "$commit"
meta binary "build/sopsfs of $(date -u -r "$ROOT/build/sopsfs" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo '?'), sha256 $(sha256sum < "$SOPSFS" 2>/dev/null | cut -c1-12)"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
# CPU time the hypervisor gave to other guests (steal) over the run: on a
# shared VM it slows every FUSE round trip (cross-CPU wake-ups) far more
# than the load average shows
STEAL0=$(awk '/^cpu / { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
meta tools "hyperfine $(hyperfine --version | cut -d' ' -f2), bindfs $(bindfs --version 2>&1 | head -1 | awk '{ print $2 }'), node $(node --version), sops-age $(sed -n 's/.*"version": *"\(.*\)".*/\1/p' "$NPMDIR/node_modules/sops-age/package.json" 2>/dev/null | head -1), $( [ $HAVE_KUBECTL = 1 ] && kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: /kustomize /p' || echo 'no kubectl')"
meta drop_caches "$DROP"
meta runs "$RUNS"
meta min_runs "$MIN_RUNS"
meta warmup "$WARMUP"
meta save_runs "$SAVE_RUNS"
meta cold_runs "$COLD_RUNS"
meta quick "${BENCH_QUICK:-0}"
meta sopsfs_opts "${BENCH_SOPSFS_OPTS:-}"
meta sizes "$SIZES"

# ---- helpers over one repository --------------------------------------------
# limit N: a deadline in seconds for one hyperfine or one cold run
limit_for() { echo $((120 + $1 / 10)); }

# cold_runs N SYS: R times (drop caches, [mount,] cat every file once)
cold_runs() {
	local n=$1 sys=$2 times=() i t0 t1 ok note="" lim
	lim=$(limit_for "$n")
	local runs=$COLD_RUNS
	[ "$n" -ge 10000 ] && [ "$runs" -gt 3 ] && runs=3
	for ((i = 1; i <= runs; i++)); do
		drop_caches || warm_pages "$([ "$sys" = sopsfs ] && echo "$ENC" || echo "$PLAIN")" "$REPO/all.list"
		ok=1
		t0=$(now_ms)
		case $sys in
		native) (cd "$PLAIN" && timeout -k 5 "$lim" xargs -0 -a "$REPO/all.list" cat > /dev/null) || ok=0 ;;
		bindfs | sopsfs)
			if "${sys}_start" "$([ "$sys" = bindfs ] && echo "$PLAIN" || echo "$ENC")" "$MNT/m" "$RUNDIR/$sys-n$n.log"; then
				(cd "$MNT/m" && timeout -k 5 "$lim" xargs -0 -a "$REPO/all.list" cat > /dev/null) || ok=0
			else
				ok=0 note="mount failed: $(tail -1 "$RUNDIR/$sys-n$n.log" 2>/dev/null | cut -c1-120)"
			fi ;;
		esac
		t1=$(now_ms)
		[ "$ok" = 1 ] || [ -n "$note" ] || note="reading every file failed (see $RUNDIR/$sys-n$n.log)"
		if [ "$sys" = sopsfs ] && [ "$ok" = 1 ] && [ "$i" = 1 ]; then
			record "$n" unwraps.cold sopsfs "$(unwraps)"
		fi
		[ -n "$FUSE_PID" ] && { fuse_stop "$MNT/m" "$FUSE_PID"; FUSE_PID=""; }
		[ "$ok" = 1 ] || break
		times+=("$(elapsed_ms "$t0" "$t1")")
	done
	if [ "$ok" = 1 ]; then
		record "$n" cold "$sys" "$(printf '%s\n' "${times[@]}" | median)" "median of ${#times[@]}"
	else
		record "$n" cold "$sys" n/a "$note"
	fi
}

unwraps() {
	getfattr --absolute-names --only-values -n user.sopsfs.unwraps "$MNT/m" 2>/dev/null || echo n/a
}

# measure N FIG SYS DIR CMD: hyperfine CMD run inside DIR
measure() {
	local n=$1 fig=$2 sys=$3 dir=$4 cmd=$5 json v
	json=$RUNDIR/json/n$n-$fig-$sys.json
	if [ "$sys" != native ] && ! { pid_alive "$FUSE_PID" && is_mounted "$MNT/m"; }; then
		record "$n" "$fig" "$sys" n/a "the $sys mount is gone"
		return
	fi
	v=$(hf "$json" "$(limit_for "$n")" "cd $(printf %q "$dir") && $cmd")
	if [ "$v" = n/a ]; then record "$n" "$fig" "$sys" n/a "$(why "$json")"
	else record "$n" "$fig" "$sys" "$v"; fi
}

# The commands (run by hyperfine with bash, inside the tree).
SED_CMD() {   # one value toggled (last character x <-> y)
	printf 'sed -i -e %q -e %q %q' \
		's/^\(    DB_PASSWORD: .*\)x$/\1y/;t' 's/^\(    DB_PASSWORD: .*\)y$/\1x/' "$TOGGLE"
}
BULK_CMD() {  # every one of 200 values toggled, rewritten in place (truncate + write)
	printf 'perl -e %q %q' \
		'open(my $f, "+<", $ARGV[0]) or die "$!"; local $/; my $t = <$f>;
		 $t =~ s/^(    BULK_VALUE_\d+: \S*)([xy])$/$1 . ($2 eq "x" ? "y" : "x")/mge;
		 seek($f, 0, 0); truncate($f, 0); print $f $t; close($f) or die "$!"' "$BULK"
}

# saves N SYS DIR: the two save latencies, then check the file reads back
# as the original plaintext (toggled an even number of times).
saves() {
	local n=$1 sys=$2 dir=$3 f
	local R0=$RUNS M0=$MIN_RUNS
	RUNS=$SAVE_RUNS MIN_RUNS=$SAVE_RUNS
	measure "$n" save.sed "$sys" "$dir" "$(SED_CMD)"
	measure "$n" save.bulk "$sys" "$dir" "$(BULK_CMD)"
	RUNS=$R0 MIN_RUNS=$M0
	[ "$sys" = native ] || { pid_alive "$FUSE_PID" && is_mounted "$MNT/m"; } || return
	(cd "$dir" && grep -q '^    DB_PASSWORD: .*y$' "$TOGGLE" && eval "$(SED_CMD)") 2> /dev/null
	(cd "$dir" && grep -q '^    BULK_VALUE_000: .*y$' "$BULK" && eval "$(BULK_CMD)") 2> /dev/null
	local ok=yes
	for f in "$TOGGLE" "$BULK"; do
		cmp -s "$dir/$f" "$PLAIN_ORIG/$f" || ok="no: $f reads back different"
	done
	record "$n" check.saves "$sys" "$ok"
}

# session N SYS DIR: the warm figures on one tree (mounted already for FUSE)
session() {
	local n=$1 sys=$2 dir=$3
	(cd "$dir" && timeout -k 5 "$(limit_for "$n")" xargs -0 -a "$REPO/all.list" cat > /dev/null)  # pass 1
	measure "$n" warm.cat "$sys" "$dir" "xargs -0 -a $REPO/all.list cat > /dev/null"   # pass 2
	if [ "$sys" != native ]; then
		record "$n" mem.rss "$sys" "$(rss_of "$FUSE_PID" VmRSS)"
		record "$n" mem.hwm "$sys" "$(rss_of "$FUSE_PID" VmHWM)"
		record "$n" mem.lck "$sys" "$(rss_of "$FUSE_PID" VmLck)"
	fi
	if [ "$sys" = sopsfs ]; then
		record "$n" unwraps.warm sopsfs "$(unwraps)"
		local sum
		sum=$(cd "$dir" && timeout 600 xargs -0 -a "$REPO/all.list" cat 2> /dev/null | sha256sum | cut -c1-16)
		record "$n" check.content sopsfs "$([ "$sum" = "$PLAIN_SUM" ] && echo yes || echo "no: the mount shows other bytes than the plaintext twin")"
	fi
	measure "$n" warm.grep "$sys" "$dir" "grep -rlF $PROBE . > /dev/null"
	if [ -n "$KUST_SKIP" ]; then
		record "$n" kustomize "$sys" n/a "$KUST_SKIP"
	else
		local R0=$RUNS M0=$MIN_RUNS W0=$WARMUP
		RUNS=$MIN_RUNS WARMUP=0   # seconds per run; pass 1 warmed the caches
		measure "$n" kustomize "$sys" "$dir" "kubectl kustomize . > /dev/null"
		RUNS=$R0 MIN_RUNS=$M0 WARMUP=$W0
		if [ "$sys" = sopsfs ] && is_mounted "$MNT/m"; then
			local k
			k=$(cd "$dir" && timeout 600 kubectl kustomize . 2> /dev/null | sha256sum | cut -c1-16)
			record "$n" check.kustomize sopsfs "$([ "$k" = "$KUST_SUM" ] && echo yes || echo "no: other output than on the plaintext")"
		fi
	fi
	measure "$n" ls "$sys" "$dir" "ls -lR . > /dev/null"
	measure "$n" stat "$sys" "$dir" "find . -type f -print0 | xargs -0 stat > /dev/null"
	saves "$n" "$sys" "$dir"
	if [ "$sys" = sopsfs ] && pid_alive "$FUSE_PID"; then
		record "$n" mem.rss_end sopsfs "$(rss_of "$FUSE_PID" VmRSS)"
		record "$n" unwraps.end sopsfs "$(unwraps)"
	fi
}

# restore N: put the files the save figures changed back to their bytes.
restore() {
	local f
	for f in "$TOGGLE" "$BULK"; do
		cp -p "$PLAIN_ORIG/$f" "$PLAIN/$f"
		cp -p "$ENC_ORIG/$f" "$ENC/$f"
	done
}

# loops N: the scripts without a mount (cold: caches dropped before each run)
loops() {
	local n=$1 json v prep=":"
	[ "$DROP" = yes ] && prep="sync; echo 3 > /proc/sys/vm/drop_caches"
	if [ "$n" -ge 10000 ] && [ "${BENCH_LOOPS_ALL:-0}" != 1 ]; then
		record "$n" cold loop-sopsage n/a "skipped at N >= 10000 (BENCH_LOOPS_ALL=1 runs it)"
		record "$n" cold loop-sopsfs n/a "skipped at N >= 10000 (BENCH_LOOPS_ALL=1 runs it)"
		return
	fi
	local R0=$RUNS M0=$MIN_RUNS W0=$WARMUP
	[ "$n" -ge 10000 ] && RUNS=1 MIN_RUNS=1
	WARMUP=0
	if [ -d "$NPMDIR/node_modules/sops-age" ]; then
		json=$RUNDIR/json/n$n-cold-loop-sopsage.json
		v=$(PREPARE=$prep hf "$json" "$(limit_for "$((n * 10))")" \
			"cd $ENC && node $TOOLS/bench_sopsage.mjs $NPMDIR $KEYFILE . $REPO/sops.list $REPO/plain.list")
		record "$n" cold loop-sopsage "$v" "$([ "$v" = n/a ] && why "$json")"
	else
		record "$n" cold loop-sopsage n/a "sops-age not installed"
	fi
	json=$RUNDIR/json/n$n-cold-loop-sopsfs.json
	v=$(PREPARE=$prep hf "$json" "$(limit_for "$((n * 10))")" \
		"cd $ENC && export HOME=$BENCH_HOME SOPS_AGE_KEY_FILE=$KEYFILE && xargs -0 -a $REPO/plain.list cat > /dev/null && while IFS= read -r -d '' f; do $SOPSFS decrypt \"\$f\" > /dev/null || exit 1; done < $REPO/sops.list")
	record "$n" cold loop-sopsfs "$v" "$([ "$v" = n/a ] && why "$json")"
	RUNS=$R0 MIN_RUNS=$M0 WARMUP=$W0
}

# wait_idle: with BENCH_IDLE_WAIT=S, wait up to S seconds for the 1-minute
# load average to fall below half the cores (other jobs add noise).
wait_idle() {
	local end=$((SECONDS + ${BENCH_IDLE_WAIT:-0})) half
	half=$(awk -v c="$(nproc)" 'BEGIN { print c / 2 }')
	while [ "$SECONDS" -lt "$end" ] &&
		awk -v h="$half" '{ exit !($1 >= h) }' /proc/loadavg; do
		sleep 5
	done
}

# ---- one size -----------------------------------------------------------------
run_size() {
	local n=$1
	local R0=$RUNS M0=$MIN_RUNS W0=$WARMUP
	if [ "$n" -ge 10000 ] && [ "${BENCH_QUICK:-0}" != 1 ]; then
		RUNS=$MIN_RUNS WARMUP=0   # a pass takes seconds; pass 1 of each session warms
	fi
	run_size_body "$n"
	RUNS=$R0 MIN_RUNS=$M0 WARMUP=$W0
}
run_size_body() {
	local n=$1
	REPO=$(bash "$ROOT/scripts/bench_gen.sh" "$n") || { say "N=$n: generation failed"; return; }
	PLAIN=$REPO/plain ENC=$REPO/enc
	local j=$REPO/repo.json
	field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" "$j"; }
	PROBE=$(field probe) TOGGLE=$(field toggle_file) BULK=$(field bulk_file)
	cp "$j" "$RUNDIR/repo-n$n.json"
	# Pristine copies of the files the save figures change.
	PLAIN_ORIG=$RUNDIR/orig-n$n/plain ENC_ORIG=$RUNDIR/orig-n$n/enc
	local f
	for f in "$TOGGLE" "$BULK"; do
		mkdir -p "$PLAIN_ORIG/$(dirname "$f")" "$ENC_ORIG/$(dirname "$f")"
		cp -p "$PLAIN/$f" "$PLAIN_ORIG/$f"; cp -p "$ENC/$f" "$ENC_ORIG/$f"
	done
	PLAIN_SUM=$(cd "$PLAIN" && xargs -0 -a "$REPO/all.list" cat | sha256sum | cut -c1-16)
	KUST_SUM="" KUST_SKIP=""
	if [ $HAVE_KUBECTL = 0 ]; then
		KUST_SKIP="kubectl is not installed"
	elif [ "$n" -gt "${BENCH_KUSTOMIZE_MAX:-1000}" ]; then
		KUST_SKIP="skipped at N > ${BENCH_KUSTOMIZE_MAX:-1000} (kustomize alone grows faster than N; BENCH_KUSTOMIZE_MAX raises the limit)"
	else
		KUST_SUM=$(cd "$PLAIN" && timeout "$(limit_for "$n")" kubectl kustomize . 2> /dev/null | sha256sum | cut -c1-16)
	fi
	record "$n" fsync native "$(node "$TOOLS/bench_fsync.mjs" "$ENC" 21 2> /dev/null || echo n/a)"

	wait_idle
	record "$n" load - "$(cut -d' ' -f1 /proc/loadavg)"
	say "N=$n: cold reads"
	cold_runs "$n" native
	cold_runs "$n" bindfs
	cold_runs "$n" sopsfs
	loops "$n"

	say "N=$n: native"
	session "$n" native "$PLAIN"
	restore

	say "N=$n: bindfs"
	if bindfs_start "$PLAIN" "$MNT/m" "$RUNDIR/bindfs-n$n.log"; then
		session "$n" bindfs "$MNT/m"
		fuse_stop "$MNT/m" "$FUSE_PID"; FUSE_PID=""
	else
		record "$n" warm.cat bindfs n/a "bindfs mount failed"
	fi
	restore

	say "N=$n: sopsfs"
	if sopsfs_start "$ENC" "$MNT/m" "$RUNDIR/sopsfs-n$n.log"; then
		session "$n" sopsfs "$MNT/m"
		pid_alive "$FUSE_PID" || record "$n" check.daemon sopsfs "no: the daemon died ($(tail -1 "$RUNDIR/sopsfs-n$n.log" | cut -c1-120))"
		fuse_stop "$MNT/m" "$FUSE_PID"; FUSE_PID=""
		# What the saves left in the backing dir must decrypt to the original.
		local ok=yes
		for f in "$TOGGLE" "$BULK"; do
			env HOME="$BENCH_HOME" SOPS_AGE_KEY_FILE="$KEYFILE" "$SOPSFS" decrypt "$ENC/$f" 2> /dev/null |
				cmp -s - "$PLAIN_ORIG/$f" || ok="no: backing $f does not decrypt to the original"
		done
		record "$n" check.backing sopsfs "$ok"
	else
		record "$n" warm.cat sopsfs n/a "mount failed: $(tail -1 "$RUNDIR/sopsfs-n$n.log" 2>/dev/null | cut -c1-120)"
	fi
	restore
}

for n in $SIZES; do
	run_size "$n"
done
meta load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
meta steal "$(awk -v s0="${STEAL0% *}" -v t0="${STEAL0#* }" '/^cpu / {
	t = $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; printf "%.1f %%", (t > t0 ? 100 * ($9 - s0) / (t - t0) : 0) }' /proc/stat)"
meta duration_s "$((SECONDS - BENCH_START))"
node "$TOOLS/bench_report.mjs" "$RUNDIR" "$OUT" || { say "bench_report.mjs failed"; exit 1; }
say "wrote $OUT in $((SECONDS - BENCH_START)) s (raw results: $RUNDIR)"

# The key-service figure (docs/benchmarks-kms.md): N files wrapped by the
# AWS KMS stand-in at 30 ms per request, cold mount vs sequential unwraps.
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	BENCH_KMS_N=${BENCH_KMS_N:-100} BENCH_KMS_OUT=${BENCH_KMS_OUT:-$BENCH_DIR/benchmarks-kms-quick.md} \
		SOPSFS=$SOPSFS bash "$ROOT/scripts/bench_kms.sh" || say "key-service benchmark failed"
else
	SOPSFS=$SOPSFS bash "$ROOT/scripts/bench_kms.sh" || say "key-service benchmark failed"
fi
