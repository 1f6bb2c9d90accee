# bench_lib.sh - helpers shared by scripts/bench.sh and scripts/bench_gen.sh
# (sourced, not run): paths, timing, medians, page-cache drops, result
# records, hyperfine runs, and mounting/unmounting sopsfs and bindfs without
# ever hanging the benchmark (every wait has a deadline).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench}
SOPSFS=${SOPSFS:-$ROOT/build/sopsfs}
NPMDIR=$ROOT/build/npm
TOOLS=$ROOT/tests/tools
KEYFILE=$BENCH_DIR/key.txt
# An empty HOME for sopsfs: only the benchmark key, not ~/.ssh or keys.txt.
BENCH_HOME=$BENCH_DIR/home

say() { printf 'bench: %s\n' "$*" >&2; }

# snapshot_sopsfs DIR: use a private copy of build/sopsfs (the tree is
# rebuilt by others while a benchmark runs; a binary being relinked under a
# running loop fails). Keeps SOPSFS if the copy does not run.
snapshot_sopsfs() {
	[ -x "$SOPSFS" ] || return 0
	local i
	for i in 1 2 3; do
		if cp "$SOPSFS" "$1/sopsfs.$$" 2> /dev/null && "$1/sopsfs.$$" --version > /dev/null 2>&1; then
			mv "$1/sopsfs.$$" "$1/sopsfs"
			SOPSFS=$1/sopsfs
			return 0
		fi
		sleep 2
	done
	rm -f "$1/sopsfs.$$"
}

# Milliseconds since the epoch, with microseconds (no fork).
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo "$((t / 1000)).$(printf '%03d' $((t % 1000)))"
}
# elapsed_ms START END
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# median of the numbers on stdin (one per line)
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a"; exit }
		if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Drop the page, dentry and inode caches (root only, and only with
# BENCH_DROP_CACHES=1). Returns 1 if it does not. By default the cold figure
# is a freshly started daemon (no keys, no views) over a warm page cache:
# the cost the target is about (unwrapping every data key), not disk reads.
drop_caches() {
	sync
	[ "${BENCH_DROP_CACHES:-0}" = 1 ] || return 1
	{ echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null
}

# warm_pages DIR LIST - read the files of LIST (NUL-separated, relative to
# DIR) once, so that a cold run starts over the warm page cache it is
# defined on. Without it, a kernel that pages out what was not touched
# lately (DAMON's pageout scheme does so after a minute on the benchmark
# host) makes a cold run read from disk, and the bindfs pass it is compared
# with, run just before, does not.
warm_pages() {
	(cd "$1" && xargs -0 -a "$2" cat > /dev/null 2>&1) || true
}

# record N FIGURE SYSTEM VALUE [NOTE] - one result line (VALUE: number or n/a)
record() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >> "$RESULTS"
	say "N=$1 $2 $3: $4${5:+ ($5)}"
}

# hf JSONFILE TIMEOUT_S CMD - hyperfine (bash as the shell) with the
# configured RUNS / MIN_RUNS / WARMUP (and PREPARE, a command run before
# each run); prints the median in ms, or n/a (the reason is in JSONFILE.err).
hf() {
	local json=$1 limit=$2 cmd=$3
	if [ "${BENCH_QUICK:-0}" = 1 ]; then
		hf_once "$@"
		return
	fi
	local opts=(--min-runs "$MIN_RUNS" --max-runs "$RUNS")
	[ "$RUNS" -le "$MIN_RUNS" ] && opts=(--runs "$RUNS")
	[ -n "${PREPARE:-}" ] && opts+=(--prepare "$PREPARE")
	if timeout -k 5 "$limit" hyperfine --style none --shell bash --warmup "$WARMUP" "${opts[@]}" \
		--export-json "$json" "$cmd" > "$json.out" 2> "$json.err"; then
		sed -n 's/.*"median": *\([-0-9.eE+]*\).*/\1/p' "$json" | head -1 |
			awk '{ printf "%.3f\n", $1 * 1000 }'
	else
		[ -s "$json.err" ] || echo "timed out after ${limit}s" > "$json.err"
		echo n/a
	fi
}
# hf_once: the smoke-run variant of hf: one timed run, no hyperfine (its
# shell calibration alone costs most of a second per figure).
hf_once() {
	local json=$1 limit=$2 cmd=$3 t0 t1
	[ -n "${PREPARE:-}" ] && bash -c "$PREPARE" 2> /dev/null
	t0=$(now_ms)
	if timeout -k 5 "$limit" bash -c "$cmd" > "$json.out" 2> "$json.err"; then
		t1=$(now_ms)
		elapsed_ms "$t0" "$t1"; echo
	else
		[ -s "$json.err" ] || echo "failed or timed out after ${limit}s" > "$json.err"
		echo n/a
	fi
}
# why JSONFILE - one-line reason of a failed hf run
why() { tr '\n' ' ' < "$1.err" 2>/dev/null | sed 's/  */ /g' | cut -c1-160; }

# wait_for DEADLINE_S CMD... - poll until CMD succeeds; 1 on timeout
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
	done
}
is_mounted() { mountpoint -q "$1"; }
pid_alive() { kill -0 "$1" 2>/dev/null; }

# fuse_stop MNT PID - unmount, wait for the daemon to exit, force if needed.
fuse_stop() {
	local mnt=$1 pid=$2
	if is_mounted "$mnt"; then
		timeout 20 fusermount3 -u "$mnt" 2>/dev/null ||
			{ sleep 1; timeout 20 fusermount3 -u "$mnt" 2>/dev/null; } ||
			timeout 5 fusermount3 -uz "$mnt" 2>/dev/null
	fi
	if [ -n "$pid" ]; then
		local end=$((SECONDS + 10))
		while pid_alive "$pid" && [ "$SECONDS" -lt "$end" ]; do sleep 0.05; done
		if pid_alive "$pid"; then
			say "daemon $pid did not exit after unmount; killing it"
			kill -TERM "$pid" 2>/dev/null; sleep 1
			pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	fi
	is_mounted "$mnt" && timeout 5 fusermount3 -uz "$mnt" 2>/dev/null
	return 0
}

# sopsfs_start SRC MNT LOG - mount in the foreground (background job);
# sets FUSE_PID. 1 if the mount does not appear within 20 s.
sopsfs_start() {
	local src=$1 mnt=$2 log=$3
	mkdir -p "$mnt"
	# shellcheck disable=SC2086
	env HOME="$BENCH_HOME" SOPS_AGE_KEY_FILE="$KEYFILE" \
		"$SOPSFS" "$src" "$mnt" -f ${BENCH_SOPSFS_OPTS:+-o "$BENCH_SOPSFS_OPTS"} >> "$log" 2>&1 &
	FUSE_PID=$!
	fuse_wait "$mnt"
}
# bindfs_start SRC MNT LOG - the same for bindfs (default options).
bindfs_start() {
	local src=$1 mnt=$2 log=$3
	mkdir -p "$mnt"
	bindfs -f "$src" "$mnt" >> "$log" 2>&1 &
	FUSE_PID=$!
	fuse_wait "$mnt"
}
fuse_wait() {
	local end=$((SECONDS + 20))
	until is_mounted "$1"; do
		if ! pid_alive "$FUSE_PID" || [ "$SECONDS" -ge "$end" ]; then
			fuse_stop "$1" "$FUSE_PID"
			FUSE_PID=""
			return 1
		fi
	done
}

# rss_of PID FIELD - a /proc/PID/status field (VmRSS, VmHWM, VmLck) in bytes
rss_of() {
	local st; st=$(cat "/proc/$1/status" 2>/dev/null) || { echo n/a; return; }
	awk -v f="$2:" '$1 == f { print $2 * 1024; found = 1 } END { if (!found) print "n/a" }' <<< "$st"
}

# cat_all DIR LIST - read every file of LIST (NUL-separated, relative)
cat_all() { (cd "$1" && xargs -0 -a "$2" cat > /dev/null); }

# replace_section OUT HEADING FILE - put FILE in place of OUT's section that
# starts with the line HEADING (up to the next "## " heading), or append it.
replace_section() {
	local out=$1 head=$2 file=$3
	if [ -f "$out" ] && grep -qxF "$head" "$out"; then
		awk -v f="$file" -v h="$head" '
			$0 == h { while ((getline l < f) > 0) print l; skip = 1; next }
			skip && /^## / { skip = 0 }
			!skip { print }' "$out" > "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
	else
		{ echo; cat "$file"; } >> "$out"
	fi
}
