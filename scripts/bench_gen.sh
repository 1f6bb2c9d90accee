#!/usr/bin/env bash
# bench_gen.sh - make (or reuse) the benchmark repository for N secrets and
# print its directory: plain/ (the plaintext tree, baseline for native and
# bindfs), enc/ (the same tree with every secret SOPS-encrypted to the
# benchmark age key: the sopsfs backing dir), sops.list / plain.list /
# all.list (NUL-separated relative paths) and repo.json (counts, sizes, who
# encrypted what, verification of a sample).
#
# Secrets are encrypted with `sopsfs encrypt` (one process per file, in
# parallel). tests/tools/bench_encrypt.mjs (same layout as sops 3.13.2)
# takes over for the formats the CLI cannot encrypt yet, for files it fails
# on, and for the whole repository when the CLI would take longer than
# BENCH_GEN_CLI_MAX seconds (default 120) on this machine; repo.json and
# docs/benchmarks.md say which. Repositories are cached under build/bench/
# keyed by N and the generator version; a cached one is remade only when
# `sopsfs encrypt` can now do the work that node did.
#
# usage: bash scripts/bench_gen.sh N   (env: BENCH_ENCRYPTOR=auto|sopsfs|node)
set -u
# shellcheck source=scripts/bench_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${1:?usage: bench_gen.sh N}
ENCRYPTOR=${BENCH_ENCRYPTOR:-auto}
CLI_MAX=${BENCH_GEN_CLI_MAX:-120}
GEN_VERSION=1   # bump when this script changes what it generates
mkdir -p "$BENCH_DIR" "$BENCH_HOME"
# One generator per N at a time.
exec 9> "$BENCH_DIR/.lock-n$N"
flock 9
mkdir -p "$BENCH_DIR/bin-n$N"
snapshot_sopsfs "$BENCH_DIR/bin-n$N"
[ -s "$KEYFILE" ] || age-keygen -o "$KEYFILE" 2> /dev/null || { say "age-keygen failed"; exit 1; }
RECIPIENT=$(sed -n 's/^# public key: //p' "$KEYFILE")

count() { tr -cd '\0' < "$1" | wc -c; }

# encrypt_cli PLAIN ENC FAILED < list: `sopsfs encrypt` each file; the ones
# that fail are written (NUL-separated) to FAILED.
encrypt_cli() {
	xargs -0 -r -P "$(nproc)" -n 64 bash -c '
		plain=$1 enc=$2 failed=$3 sopsfs=$4 r=$5; shift 5
		for f; do
			rules=()
			case $f in *.yaml|*.yml) rules=(--encrypted-regex "^(data|stringData)$");; esac
			if "$sopsfs" encrypt --age "$r" "${rules[@]}" "$plain/$f" > "$enc/$f.tmp" 2> /dev/null &&
				grep -q "mac" "$enc/$f.tmp"; then
				mv "$enc/$f.tmp" "$enc/$f"
			else
				rm -f "$enc/$f.tmp"
				printf "%s\0" "$f" >> "$failed.$$"
			fi
		done' _ "$1" "$2" "$3" "$SOPSFS" "$RECIPIENT"
	cat "$3".* > "$3" 2> /dev/null
	rm -f "$3".*
	touch "$3"
}
encrypt_node() {   # PLAIN ENC < list (one node process per core)
	xargs -0 -r -P "$(nproc)" -n 1000 node "$TOOLS/bench_encrypt.mjs" "$NPMDIR" "$RECIPIENT" "$1" "$2"
}
# verify ROOT LIST: sops-age decrypts every file of LIST in ROOT/enc; prints
# "K of M SOPS files differ" (K=0: all equal the plaintext twin)
verify_sopsage() {
	node "$TOOLS/bench_sopsage.mjs" "$NPMDIR" "$KEYFILE" "$1/enc" "$2" /dev/null --verify "$1/plain" 2>&1 | tail -1
}

# Which formats `sopsfs encrypt` handles: one file of each (from a 2-app
# repository), checked with sops-age. Sets CLI_FORMATS and CLI_MS (wall
# time per file, one process at a time).
probe_cli() {
	local p=$BENCH_DIR/probe f t0 t1 ok=()
	rm -rf "$p"
	CLI_FORMATS="" CLI_MS=0
	node "$TOOLS/bench_gen.mjs" 2 "$p" > /dev/null || return
	t0=$(now_ms)
	for f in clusters/staging/apps/app00001/secret.yaml clusters/staging/apps/app00001/app.env \
		clusters/dev/apps/app00002/config.json; do
		mkdir -p "$p/enc/$(dirname "$f")"
		printf '%s\0' "$f" > "$p/one.list"
		encrypt_cli "$p/plain" "$p/enc" "$p/failed" < "$p/one.list"
		[ -s "$p/failed" ] && continue
		[ "$(verify_sopsage "$p" "$p/one.list")" = "0 of 1 SOPS files differ" ] && ok+=("${f##*.}")
	done
	t1=$(now_ms)
	# The node checks dominate the probe; time the CLI alone on one file.
	t0=$(now_ms)
	for f in 1 2 3 4 5; do
		"$SOPSFS" encrypt --age "$RECIPIENT" "$p/plain/clusters/staging/apps/app00001/app.env" > /dev/null 2>&1
	done
	t1=$(now_ms)
	CLI_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) / 5 }')
	rm -rf "$p"
	CLI_FORMATS="${ok[*]:-}"
}

CLI_FORMATS="" CLI_MS=0 WHY=""
if [ "$ENCRYPTOR" != node ] && [ -x "$SOPSFS" ]; then
	probe_cli
	[ "$CLI_FORMATS" = "yaml env json" ] || probe_cli   # once more: a build may have been under way
fi
# Estimate: number of secrets x time per process / cores.
est=$(( (N * 12 / 10) * CLI_MS / 1000 / $(nproc) ))
if [ "$ENCRYPTOR" = auto ] && [ -n "$CLI_FORMATS" ] && [ "$est" -gt "$CLI_MAX" ]; then
	WHY="sopsfs encrypt takes ${CLI_MS} ms per process here: ~${est} s for this N (> BENCH_GEN_CLI_MAX=${CLI_MAX})"
	CLI_FORMATS=""
fi
if [ "$ENCRYPTOR" = sopsfs ] && [ "$CLI_FORMATS" != "yaml env json" ]; then
	say "BENCH_ENCRYPTOR=sopsfs but sopsfs encrypt only handles: ${CLI_FORMATS:-nothing}"
	exit 1
fi
case $CLI_FORMATS in
"yaml env json") TAG=sopsfs ;;
"") TAG=node ;;
*) TAG="sopsfs($CLI_FORMATS)+node" ;;
esac
HASH=$( { cat "$TOOLS/bench_gen.mjs" "$TOOLS/bench_encrypt.mjs"; echo "$GEN_VERSION"; } | md5sum | cut -c1-8)
REPO=$BENCH_DIR/repo-n$N-$HASH
if [ -f "$REPO/.done" ]; then
	old=$(sed -n 's/.*"encryptor":"\([^"]*\)".*/\1/p' "$REPO/repo.json")
	# Reuse, unless the CLI can now encrypt what node encrypted then.
	if [ "$old" = sopsfs ] || [ "$TAG" != sopsfs ] || [ "$ENCRYPTOR" = node ]; then
		echo "$REPO"
		exit 0
	fi
fi

say "generating N=$N into $REPO (sopsfs encrypt for: ${CLI_FORMATS:-none}${WHY:+; $WHY})"
rm -rf "$BENCH_DIR"/repo-n"$N"-*
mkdir -p "$REPO"
start=$SECONDS
summary=$(node "$TOOLS/bench_gen.mjs" "$N" "$REPO" "$RECIPIENT") || { say "bench_gen.mjs failed"; exit 1; }

# Directories, then the secrets (CLI where it can, node for the rest).
(cd "$REPO/plain" && find . -type d -print0) | (cd "$REPO" && mkdir -p enc && cd enc && xargs -0 mkdir -p)
cli_list=$REPO/cli.list node_list=$REPO/node.list
: > "$cli_list"; : > "$node_list"
while IFS= read -r -d '' f; do
	if [[ " $CLI_FORMATS " == *" ${f##*.} "* ]]; then printf '%s\0' "$f" >> "$cli_list"
	else printf '%s\0' "$f" >> "$node_list"; fi
done < "$REPO/sops.list"
encrypt_cli "$REPO/plain" "$REPO/enc" "$REPO/failed" < "$cli_list"
cat "$REPO/failed" >> "$node_list"
n_node=$(count "$node_list") n_failed=$(count "$REPO/failed")
n_cli=$(( $(count "$cli_list") - n_failed ))
if [ "$n_node" -gt 0 ]; then
	encrypt_node "$REPO/plain" "$REPO/enc" < "$node_list" || { say "bench_encrypt.mjs failed"; exit 1; }
fi
(cd "$REPO/plain" && xargs -0 -a "$REPO/plain.list" cp --parents -t "$REPO/enc")
rm -f "$cli_list" "$node_list" "$REPO/failed"
enc_s=$((SECONDS - start))

# Check a sample (at most 300 secrets) with sops-age, and with sopsfs decrypt.
total=$(count "$REPO/sops.list")
step=$(( (total + 299) / 300 ))
tr '\0' '\n' < "$REPO/sops.list" | awk -v k="$step" '(NR - 1) % k == 0' | tr '\n' '\0' > "$REPO/sample.list"
n_sample=$(count "$REPO/sample.list")
v_age=$(verify_sopsage "$REPO" "$REPO/sample.list")
same=0
while IFS= read -r -d '' f; do
	env HOME="$BENCH_HOME" SOPS_AGE_KEY_FILE="$KEYFILE" "$SOPSFS" decrypt "$REPO/enc/$f" 2> /dev/null |
		cmp -s - "$REPO/plain/$f" && same=$((same + 1))
done < "$REPO/sample.list"
read -r enc_bytes _ < <(du -sb "$REPO/enc")
read -r plain_bytes _ < <(du -sb "$REPO/plain")
extra=$(printf '"encryptor":"%s","cli_formats":"%s","cli_ms_per_file":%d,"why_node":"%s","by_sopsfs":%d,"by_node":%d,"cli_failed":%d,' \
	"$TAG" "$CLI_FORMATS" "$CLI_MS" "$WHY" "$n_cli" "$n_node" "$n_failed")
extra+=$(printf '"sample":%d,"sample_sopsage":"%s","sample_sopsfs_same":%d,"enc_tree_bytes":%d,"plain_tree_bytes":%d,"encrypt_seconds":%d,"gen_seconds":%d' \
	"$n_sample" "$v_age" "$same" "$enc_bytes" "$plain_bytes" "$enc_s" $((SECONDS - start)))
printf '%s\n' "${summary%\}},$extra}" > "$REPO/repo.json"
say "N=$N ready in $((SECONDS - start)) s: $n_cli by sopsfs encrypt, $n_node by bench_encrypt.mjs; sample: sops-age $v_age, sopsfs decrypt identical $same/$n_sample"
touch "$REPO/.done"
echo "$REPO"
