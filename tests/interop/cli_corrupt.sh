#!/usr/bin/env bash
# cli_corrupt.sh - broken input gives a clear error and sops' exit code,
# never a crash, a sanitizer report or a hang: truncated file, flipped
# ciphertext byte, wrong key, broken metadata, invalid UTF-8, a 100 MB file,
# 10,000-deep nesting and a YAML alias bomb. Runs the ASan+UBSan binary.
. "$(dirname "$0")/../lib.sh"
require_shared corrupt || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg SOPS_AGE_KEY_FILE=$V/keys/age.txt
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
cd "$TMP" || exit 1
BASE=$V/errors/base.enc.yaml

# expect NAME WANT_RC PATTERN CMD...: exit code, stderr pattern, no sanitizer
# report, finishes within 120 s.
expect() {
	local name=$1 want=$2 pat=$3; shift 3
	timeout 120 "$@" >out 2>err; local rc=$?
	if [ $rc = 124 ]; then fail "$name" "timed out (hang)"; return; fi
	if grep -q -E 'Sanitizer|runtime error|Segmentation|Aborted' err; then
		fail "$name" "sanitizer/crash: $(grep -m1 -E 'Sanitizer|runtime error' err)"; return
	fi
	if [ "$rc" != "$want" ] || ! grep -q -E "$pat" err; then
		fail "$name" "exit $rc (want $want), stderr: $(head -c 300 err)"; return
	fi
	if [ -s out ] && [ "$want" != 0 ]; then fail "$name" "printed plaintext on failure"; return; fi
	ok "$name"
}

size=$(stat -c %s "$BASE")
head -c $((size / 2)) "$BASE" >truncated.yaml
expect "truncated file" 1 "." "$SOPSFS" decrypt truncated.yaml
head -c 40 "$BASE" >truncated2.yaml
expect "truncated before metadata" 1 "sops metadata not found|yaml" "$SOPSFS" decrypt truncated2.yaml

# flip one base64 character of the first value's data
awk 'BEGIN{d=0} /ENC\[AES256_GCM,data:/ && !d {sub(/data:./, "data:A"); if (index($0,"data:AA")) sub(/data:AA/,"data:BA"); d=1} {print}' "$BASE" >flipped.yaml
expect "flipped ciphertext byte" 25 "message authentication failed" "$SOPSFS" decrypt flipped.yaml

env GNUPGHOME="$TMP/nokeys" SOPS_AGE_KEY_FILE="$V/keys/age2.txt" true
mkdir -p nokeys && chmod 700 nokeys
expect "wrong key" 128 "Failed to get the data key" env GNUPGHOME="$TMP/nokeys" SOPS_AGE_KEY_FILE="$V/keys/age2.txt" "$SOPSFS" decrypt "$BASE"

# A file with many recipients (nix repositories have dozens): the report
# names every key and ends with sops' closing paragraph; past what an error
# holds (16 KiB, about 40 age keys) it is cut after a whole key, and the
# closing paragraph is still there.
many_keys() {   # N: a secret encrypted to N fresh age recipients
	local r="" k
	for _ in $(seq "$1"); do
		k=$(age-keygen 2>/dev/null | sed -n 's/^# public key: //p')
		r=$r${r:+,}$k
	done
	printf 'a: secret-value\n' | "$SOPSFS" encrypt --age "$r" --filename-override many.yaml -
}
if command -v age-keygen >/dev/null 2>&1; then
	many_keys 6 >six.yaml
	expect "6 recipients, no key: exit 128" 128 "Failed to get the data key" "$SOPSFS" decrypt six.yaml
	[ "$(grep -c '^  age1.*: FAILED$' err)" = 6 ] && tail -1 err | grep -qx "but none were." &&
		ok "6 recipients: every key in the report, sops' closing paragraph" ||
		fail "6 recipients report" "$(grep -c FAILED err) keys, $(wc -c <err) bytes, ends: $(tail -c 80 err)"
	many_keys 60 >sixty.yaml
	expect "60 recipients, no key: exit 128" 128 "Failed to get the data key" "$SOPSFS" decrypt sixty.yaml
	n=$(grep -c '^  age1.*: FAILED$' err)
	[ "$n" -ge 30 ] && [ "$n" -lt 60 ] && grep -qx "  (further keys failed too)" err &&
		tail -1 err | grep -qx "but none were." &&
		grep -B2 -x "  (further keys failed too)" err | head -1 | grep -q "^    [ -] | " &&
		ok "60 recipients: $n keys listed, cut after a whole key, closing paragraph kept" ||
		fail "60 recipients report" "$n keys, $(wc -c <err) bytes, ends: $(tail -c 120 err)"
else
	skip "many recipients" "age-keygen not installed"
fi

sed 's/^    version: .*/    version: [broken/' "$BASE" >badmeta.yaml
expect "broken metadata (YAML syntax)" 1 "yaml" "$SOPSFS" decrypt badmeta.yaml
sed 's/^    lastmodified: .*/    lastmodified: "yesterday"/' "$BASE" >badlm.yaml
expect "broken metadata (lastmodified)" 1 "parsing time" "$SOPSFS" decrypt badlm.yaml
sed '/^        - enc: |/,/^          recipient/d' "$BASE" >nokeys.yaml
expect "broken metadata (no keys)" 1 "No keys found|not a mapping|metadata" "$SOPSFS" decrypt nokeys.yaml

printf 'a: "\xff\xfe bad"\nsops: {}\n' >badutf8.yaml
expect "invalid UTF-8 (YAML)" 1 "." "$SOPSFS" decrypt badutf8.yaml
printf '{"a": "\xff\xfe", "sops": {}}\n' >badutf8.json
expect "invalid UTF-8 (JSON) is not a crash" 1 "." "$SOPSFS" decrypt badutf8.json
printf 'key: "\xc3\x28"\n' >plain-bad.yaml
expect "invalid UTF-8 plaintext on encrypt" 2 "." "$SOPSFS" encrypt --age "$(cat "$V/keys/age.recipient")" plain-bad.yaml

# 10,000-deep nesting: block and flow YAML, JSON
python3 - <<'P'
n = 10000
with open("deep-flow.yaml", "w") as f: f.write("a: " + "[" * n + "]" * n + "\n")
with open("deep-block.yaml", "w") as f:
    f.write("".join(" " * i + "k:\n" for i in range(n)) + " " * n + "k: v\n")
with open("deep.json", "w") as f: f.write('{"a": ' + "[" * n + "]" * n + "}\n")
# alias bomb (billion laughs)
lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i in range(1, 10):
    lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]")
with open("bomb.yaml", "w") as f: f.write("\n".join(lines) + "\n")
P
R=$(cat "$V/keys/age.recipient")
expect "10,000-deep flow nesting (YAML)" 2 "depth|nest" "$SOPSFS" encrypt --age "$R" deep-flow.yaml
expect "10,000-deep block nesting (YAML)" 2 "depth|nest" "$SOPSFS" encrypt --age "$R" deep-block.yaml
expect "10,000-deep nesting (JSON)" 2 "depth|nest" "$SOPSFS" encrypt --age "$R" deep.json
expect "10,000-deep nesting on decrypt" 1 "depth|nest" "$SOPSFS" decrypt deep.json
expect "YAML alias bomb" 2 "alias" "$SOPSFS" encrypt --age "$R" bomb.yaml
expect "YAML alias bomb on decrypt" 1 "alias" "$SOPSFS" decrypt bomb.yaml

# 100 MB: a plaintext of 100 MB encrypts and decrypts (binary store), and a
# 100 MB garbage file is rejected quickly without a crash.
head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >big.bin
if timeout 300 "$ROOT/build/sopsfs" encrypt --age "$R" big.bin >big.enc 2>err &&
   timeout 300 "$ROOT/build/sopsfs" decrypt big.enc | cmp -s - big.bin; then
	ok "100 MB file encrypts and decrypts"
else
	fail "100 MB file encrypts and decrypts" "$(head -c 300 err)"
fi
rm -f big.enc
expect "100 MB file without metadata" 1 "." "$SOPSFS" decrypt big.bin
rm -f big.bin
