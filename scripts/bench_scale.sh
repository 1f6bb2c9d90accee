#!/usr/bin/env bash
# bench_scale.sh - `make bench` (after bench_single.sh): the scaling and
# stretch targets of the speed issue measured side by side.
#
# bench.sh measures each N minutes apart, so on a shared host its 10,000 /
# 1,000 ratios mix load from different minutes. Here both sizes are mounted
# at once with every system (native = the plaintext twin, bindfs over it,
# sopsfs and sopsfs -o ro over the encrypted tree) and each round times
# every figure on every system back to back, in rotating order; the page
# shows medians over the rounds. Figures: warm `cat` of every file,
# `grep -rlF`, `ls -lR`, `find | xargs stat`, and the cold pass (a fresh
# daemon: mount + first `cat` of every file) against one warm bindfs pass.
# Writes (replaces) the "## Side by side: scaling and -o ro" section of
# docs/benchmarks.md.
#
# env: BENCH_SCALE_SMALL=1000 BENCH_SCALE_LARGE=10000 BENCH_SCALE_ROUNDS=5
#      BENCH_SCALE_COLD_ROUNDS=3 BENCH_OUT=docs/benchmarks.md
set -u
# shellcheck source=scripts/bench_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
cd "$ROOT" || exit 1
SMALL=${BENCH_SCALE_SMALL:-1000} LARGE=${BENCH_SCALE_LARGE:-10000}
ROUNDS=${BENCH_SCALE_ROUNDS:-5} COLD_ROUNDS=${BENCH_SCALE_COLD_ROUNDS:-3}
OUT=${BENCH_OUT:-$ROOT/docs/benchmarks.md}
W=$(mktemp -d "${TMPDIR:-/tmp}/sfsscale.XXXXXX")
declare -A PIDS=()
SYSTEMS=(native bindfs sopsfs sopsfs-ro)
FIGS=(cat grep ls stat)
cleanup() {
	local m
	for m in "${!PIDS[@]}"; do fuse_stop "$m" "${PIDS[$m]}"; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
snapshot_sopsfs "$W"
: > "$W/t.tsv"     # N FIG SYS ms

# start SYS N MNT: mount SYS for N at MNT (native: nothing to mount)
start() {
	local sys=$1 repo=${REPO[$2]} opts=${BENCH_SOPSFS_OPTS:-}
	case $sys in
	bindfs) bindfs_start "$repo/plain" "$3" "$W/$sys.log" || return 1 ;;
	sopsfs) sopsfs_start "$repo/enc" "$3" "$W/$sys.log" || return 1 ;;
	sopsfs-ro) BENCH_SOPSFS_OPTS=ro${opts:+,$opts} sopsfs_start "$repo/enc" "$3" "$W/$sys.log" || return 1 ;;
	esac
	PIDS[$3]=$FUSE_PID
}
stop() { fuse_stop "$1" "${PIDS[$1]}"; unset "PIDS[$1]"; }
dir_of() { [ "$1" = native ] && echo "${REPO[$2]}/plain" || echo "$W/m-$1-$2"; }

# timed N FIG SYS CMD: run CMD in the system's tree once, record ms
timed() {
	local d t0 t1
	d=$(dir_of "$3" "$1")
	t0=$(now_ms)
	(cd "$d" && timeout -k 5 900 bash -c "$4" > /dev/null 2>&1) || { say "N=$1 $2 $3 failed"; return; }
	t1=$(now_ms)
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(elapsed_ms "$t0" "$t1")" >> "$W/t.tsv"
}
cmd_of() {   # FIG N
	case $1 in
	cat) echo "xargs -0 -a ${REPO[$2]}/all.list cat" ;;
	grep) echo "grep -rlF ${PROBE[$2]} ." ;;
	ls) echo "ls -lR ." ;;
	stat) echo "find . -type f -print0 | xargs -0 stat" ;;
	esac
}

declare -A REPO=() PROBE=()
for n in "$SMALL" "$LARGE"; do
	REPO[$n]=$(bash "$ROOT/scripts/bench_gen.sh" "$n") || { say "N=$n: generation failed"; exit 1; }
	PROBE[$n]=$(sed -n 's/.*"probe":"\{0,1\}\([^",}]*\).*/\1/p' "${REPO[$n]}/repo.json")
done

# ---- warm figures: every system of both sizes mounted at once ----------------
for n in "$SMALL" "$LARGE"; do
	for sys in bindfs sopsfs sopsfs-ro; do
		start "$sys" "$n" "$W/m-$sys-$n" || { say "N=$n: $sys does not mount"; exit 1; }
	done
	for sys in "${SYSTEMS[@]}"; do    # warm every cache once
		(cd "$(dir_of "$sys" "$n")" && xargs -0 -a "${REPO[$n]}/all.list" cat > /dev/null && ls -lR . > /dev/null)
	done
done
sum_of() { (cd "$(dir_of "$1" "$2")" && xargs -0 -a "${REPO[$2]}/all.list" cat | sha256sum | cut -c1-16); }
SAME=yes
for n in "$SMALL" "$LARGE"; do
	for sys in sopsfs sopsfs-ro; do
		[ "$(sum_of "$sys" "$n")" = "$(sum_of native "$n")" ] || SAME="no: $sys at N=$n"
	done
done
say "scaling: $ROUNDS warm rounds, N=$SMALL and N=$LARGE side by side"
for r in $(seq 1 "$ROUNDS"); do
	for fig in "${FIGS[@]}"; do
		for n in "$SMALL" "$LARGE"; do
			for i in 0 1 2 3; do          # rotate the order every round
				sys=${SYSTEMS[$(( (i + r) % 4 ))]}
				timed "$n" "$fig" "$sys" "$(cmd_of "$fig" "$n")"
			done
		done
	done
done
for m in "${!PIDS[@]}"; do stop "$m"; done

# ---- cold pass: a fresh daemon, mount + first read of every file --------------
say "scaling: $COLD_ROUNDS cold rounds"
for r in $(seq 1 "$COLD_ROUNDS"); do
	for n in "$SMALL" "$LARGE"; do
		for sys in sopsfs sopsfs-ro bindfs; do
			m=$W/m-$sys-$n
			warm_pages "${REPO[$n]}/$([ "$sys" = bindfs ] && echo plain || echo enc)" "${REPO[$n]}/all.list"
			t0=$(now_ms)
			start "$sys" "$n" "$m" || { say "N=$n: $sys does not mount"; continue; }
			(cd "$m" && xargs -0 -a "${REPO[$n]}/all.list" cat > /dev/null)
			t1=$(now_ms)
			printf '%s\tcold\t%s\t%s\n' "$n" "$sys" "$(elapsed_ms "$t0" "$t1")" >> "$W/t.tsv"
			stop "$m"
		done
	done
done

# ---- the section ------------------------------------------------------------------
med() { awk -F'\t' -v n="$1" -v f="$2" -v s="$3" '$1 == n && $2 == f && $3 == s { print $4 }' "$W/t.tsv" | median; }
ms() { awk -v v="$1" 'BEGIN { if (v == "n/a") print "n/a"; else if (v >= 1000) printf "%.2f s", v / 1000; else if (v >= 100) printf "%.0f ms", v; else printf "%.1f ms", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b <= 0) print "n/a"; else printf "×%.2f", a / b }'; }
verdict() { awk -v r="${1#×}" -v t="$2" 'BEGIN { if (r == "n/a") print "n/a"; else if (r <= t) print "met"; else print "**not met**" }'; }
fmt_n() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<< "$1"; }   # 10000 -> 10,000
S=$(fmt_n "$SMALL") L=$(fmt_n "$LARGE")
{
	echo "## Side by side: scaling and -o ro"
	echo
	echo "\`scripts/bench_scale.sh\`, run by \`make bench\`; $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg) at the end."
	echo "N = $S and N = $L mounted at the same time with every system; each of $ROUNDS rounds times every figure on every system back to back (the order rotates), so the two sizes and the systems share the same minutes; medians of the rounds. The cold pass is a fresh daemon (mount + first \`cat\` of every file) over a warm page cache (its backing files read just before), median of $COLD_ROUNDS, against one warm bindfs pass. Both sopsfs mounts show the plaintext twin byte for byte: $SAME."
	echo
	echo "| figure | N | native | bindfs | sopsfs | sopsfs -o ro | sopsfs / bindfs | -o ro / bindfs | sopsfs / native | -o ro / native |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for fig in cat grep ls stat; do
		for n in "$SMALL" "$LARGE"; do
			a=$(med "$n" "$fig" native) b=$(med "$n" "$fig" bindfs) s=$(med "$n" "$fig" sopsfs) o=$(med "$n" "$fig" sopsfs-ro)
			echo "| warm \`$fig\` | $(fmt_n "$n") | $(ms "$a") | $(ms "$b") | $(ms "$s") | $(ms "$o") | $(ratio "$s" "$b") | $(ratio "$o" "$b") | $(ratio "$s" "$a") | $(ratio "$o" "$a") |"
		done
	done
	for n in "$SMALL" "$LARGE"; do
		b=$(med "$n" cat bindfs) s=$(med "$n" cold sopsfs) o=$(med "$n" cold sopsfs-ro) c=$(med "$n" cold bindfs)
		echo "| cold pass (ratios: to one warm bindfs \`cat\`) | $(fmt_n "$n") | | $(ms "$c") | $(ms "$s") | $(ms "$o") | $(ratio "$s" "$b") | $(ratio "$o" "$b") | | |"
	done
	echo
	echo "| target | sopsfs | sopsfs -o ro | bindfs itself |"
	echo "|---|---|---|---|"
	for fig in cat grep ls stat cold; do
		row="| $L files ≤ ×11 of $S: \`$fig\` |"
		for sys in sopsfs sopsfs-ro bindfs; do
			x=$(ratio "$(med "$LARGE" "$fig" "$sys")" "$(med "$SMALL" "$fig" "$sys")")
			row+=" $x$([ "$sys" = bindfs ] || echo ": $(verdict "$x" 11)") |"
		done
		echo "$row"
	done
	for n in "$SMALL" "$LARGE"; do
		row="| stretch, N = $(fmt_n "$n"): warm \`cat\` ≤ ×2 native |"
		for sys in sopsfs sopsfs-ro; do
			x=$(ratio "$(med "$n" cat "$sys")" "$(med "$n" cat native)")
			row+=" $x: $(verdict "$x" 2) |"
		done
		echo "$row $(ratio "$(med "$n" cat bindfs)" "$(med "$n" cat native)") |"
	done
	echo
	echo "\`-o ro\` lets the kernel open files without asking the daemon (FUSE_NO_OPEN): a warm \`cat\` then sends no FUSE request at all, where a writable mount needs an OPEN and a RELEASE per file (its writers' drafts and the commit at close need them); changes in SRC, SIGUSR1 and key expiry still drop the kernel's copies (tests/mount/readonly.sh)."
} > "$W/section.md"
replace_section "$OUT" "## Side by side: scaling and -o ro" "$W/section.md"
say "scaling: section written to $OUT"
