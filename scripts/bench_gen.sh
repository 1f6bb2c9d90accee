#!/usr/bin/env bash
# bench_gen.sh - make (or reuse) the benchmark repository for N secrets and
# print its directory: plain/ (the plaintext tree, baseline for native and
# bindfs), enc/ (the same tree with every secret SOPS-encrypted to the
# benchmark age key: the sopsfs backing dir), sops.list / plain.list /
# all.list (NUL-separated relative paths) and repo.json (counts, sizes, who
# encrypted what, verification of a sample).
#
# Secrets are encrypted with `sopsfs encrypt` (one process per file, in
# parallel); the formats it cannot encrypt yet, and any file it fails on,
# are encrypted by tests/tools/bench_encrypt.mjs instead (repo.json says how
# many). Repositories are cached under build/bench/ keyed by N, the
# generator scripts and the encryptor used.
#
# usage: bash scripts/bench_gen.sh N   (env: BENCH_ENCRYPTOR=auto|sopsfs|node)
set -u
# shellcheck source=scripts/bench_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${1:?usage: bench_gen.sh N}
ENCRYPTOR=${BENCH_ENCRYPTOR:-auto}
mkdir -p "$BENCH_DIR" "$BENCH_HOME"
[ -s "$KEYFILE" ] || age-keygen -o "$KEYFILE" 2> /dev/null || { say "age-keygen failed"; exit 1; }
RECIPIENT=$(sed -n 's/^# public key: //p' "$KEYFILE")

# encrypt_cli PLAIN ENC FAILED < list: `sopsfs encrypt` each file; the ones
# that fail are appended (NUL-separated) to FAILED.
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
encrypt_node() {   # PLAIN ENC < list
	node "$TOOLS/bench_encrypt.mjs" "$NPMDIR" "$RECIPIENT" "$1" "$2"
}
# verify ROOT LIST: "ok" if sops-age decrypts every file of LIST in ROOT/enc
# to the plaintext twin, else the message
verify_sopsage() {
	node "$TOOLS/bench_sopsage.mjs" "$NPMDIR" "$KEYFILE" "$1/enc" "$2" /dev/null --verify "$1/plain" 2>&1 | tail -1
}

# Which formats `sopsfs encrypt` handles: try one file of each (from a
# 2-app repository) and check the result with sops-age.
probe_cli() {
	local p=$BENCH_DIR/probe ok=()
	rm -rf "$p"
	node "$TOOLS/bench_gen.mjs" 2 "$p" > /dev/null || return
	local f
	for f in clusters/staging/apps/app00001/secret.yaml clusters/staging/apps/app00001/app.env \
		clusters/dev/apps/app00002/config.json; do
		mkdir -p "$p/enc/$(dirname "$f")"
		printf '%s\0' "$f" > "$p/one.list"
		encrypt_cli "$p/plain" "$p/enc" "$p/failed" < "$p/one.list"
		[ -s "$p/failed" ] && continue
		[ "$(verify_sopsage "$p" "$p/one.list")" = "0 of 1 SOPS files differ" ] && ok+=("${f##*.}")
	done
	rm -rf "$p"
	echo "${ok[*]:-}"
}

case $ENCRYPTOR in
node) CLI_FORMATS="" ;;
*) [ -x "$SOPSFS" ] && CLI_FORMATS=$(probe_cli) || CLI_FORMATS="" ;;
esac
if [ "$ENCRYPTOR" = sopsfs ] && [ "$CLI_FORMATS" != "yaml env json" ]; then
	say "BENCH_ENCRYPTOR=sopsfs but sopsfs encrypt only handles: ${CLI_FORMATS:-nothing}"
	exit 1
fi
case $CLI_FORMATS in
"yaml env json") TAG=sopsfs ;;
"") TAG=node ;;
*) TAG="sopsfs-$(tr ' ' '+' <<< "$CLI_FORMATS")" ;;
esac
HASH=$(cat "$TOOLS/bench_gen.mjs" "$TOOLS/bench_encrypt.mjs" "${BASH_SOURCE[0]}" | md5sum | cut -c1-8)
REPO=$BENCH_DIR/repo-n$N-$HASH-$TAG
if [ -f "$REPO/.done" ]; then
	echo "$REPO"
	exit 0
fi

say "generating N=$N into $REPO (sopsfs encrypt for: ${CLI_FORMATS:-none})"
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
n_node=$(tr -cd '\0' < "$node_list" | wc -c)
n_failed=$(tr -cd '\0' < "$REPO/failed" | wc -c)
n_cli=$(( $(tr -cd '\0' < "$cli_list" | wc -c) - n_failed ))
[ "$n_node" -gt 0 ] && { encrypt_node "$REPO/plain" "$REPO/enc" < "$node_list" || { say "bench_encrypt.mjs failed"; exit 1; }; }
(cd "$REPO/plain" && xargs -0 -a "$REPO/plain.list" cp --parents -t "$REPO/enc")
rm -f "$cli_list" "$node_list" "$REPO/failed"

# Check a sample (at most 300 secrets) with sops-age, and with sopsfs decrypt.
total=$(tr -cd '\0' < "$REPO/sops.list" | wc -c)
step=$(( (total + 299) / 300 ))
tr '\0' '\n' < "$REPO/sops.list" | awk -v k="$step" '(NR - 1) % k == 0' | tr '\n' '\0' > "$REPO/sample.list"
n_sample=$(tr -cd '\0' < "$REPO/sample.list" | wc -c)
v_age=$(verify_sopsage "$REPO" "$REPO/sample.list")
same=0
while IFS= read -r -d '' f; do
	env HOME="$BENCH_HOME" SOPS_AGE_KEY_FILE="$KEYFILE" "$SOPSFS" decrypt "$REPO/enc/$f" 2> /dev/null |
		cmp -s - "$REPO/plain/$f" && same=$((same + 1))
done < "$REPO/sample.list"
read -r enc_bytes _ < <(du -sb "$REPO/enc")
read -r plain_bytes _ < <(du -sb "$REPO/plain")
extra=$(printf '"encryptor":"%s","cli_formats":"%s","by_sopsfs":%d,"by_node":%d,"cli_failed":%d,' \
	"$TAG" "$CLI_FORMATS" "$n_cli" "$n_node" "$n_failed")
extra+=$(printf '"sample":%d,"sample_sopsage":"%s","sample_sopsfs_same":%d,"enc_tree_bytes":%d,"plain_tree_bytes":%d,"gen_seconds":%d' \
	"$n_sample" "$v_age" "$same" "$enc_bytes" "$plain_bytes" $((SECONDS - start)))
printf '%s\n' "${summary%\}},$extra}" > "$REPO/repo.json"
say "N=$N ready in $((SECONDS - start)) s: $n_cli by sopsfs encrypt, $n_node by bench_encrypt.mjs; sample: sops-age $v_age, sopsfs decrypt identical $same/$n_sample"
touch "$REPO/.done"
echo "$REPO"
