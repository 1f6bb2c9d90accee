#!/usr/bin/env bash
# fixtures_cli.sh - `sopsfs decrypt` of the real sops fixtures
# (../shared/interop/sops) with their own keys: the expected/*.plain outputs
# match byte for byte, no_mac.yaml exits 51 unless --ignore-mac, parse-only
# fixtures without a key exit 128, and the synthetic Shamir file decrypts with
# any two of its three groups and fails cleanly with one.
. "$(dirname "$0")/../lib.sh"
require_shared "sops fixtures" || exit 0
FX=$SHARED/interop/sops
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
gpg --batch --quiet --import "$FX/pgp/sops_functional_tests_key.asc" 2>/dev/null
mkdir -p "$TMP/empty-gnupg" && chmod 700 "$TMP/empty-gnupg"; new_gnupghome "$TMP/empty-gnupg"
KEYS=$FX/_history/7ebee3dc7/age/keys.txt
export SOPS_AGE_KEY_FILE=$KEYS
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE

for exp in "$FX"/expected/*.plain; do
	rel=$(basename "$exp" .plain | sed 's|__|/|g')
	if "$SOPSFS" decrypt "$FX/$rel" >"$TMP/out" 2>"$TMP/err"; then
		same_bytes "decrypt $rel equals expected output" "$exp" "$TMP/out"
	else
		fail "decrypt $rel equals expected output" "$(head -c 300 "$TMP/err")"
	fi
done

n=0; bad=""
for f in example.yaml example.json example.ini example.txt examples/all_in_one/config/secret.enc.json \
	 examples/per_file/config.enc/static_github.json functional-tests/res/comments.enc.yaml \
	 functional-tests/res/comments_unencrypted_comments.yaml functional-tests/res/multiple_keys.yaml \
	 _history/pr1031-0b07dfbc5/example.yaml _history/pr1031-0b07dfbc5/example.json \
	 _history/pr1031-0b07dfbc5/example.ini _history/pr1031-0b07dfbc5/example.txt synthetic/types_age.json; do
	if "$SOPSFS" decrypt "$FX/$f" >/dev/null 2>"$TMP/err"; then n=$((n + 1)); else bad="$bad $f"; fi
done
[ -z "$bad" ] && ok "all $n other decryptable fixtures decrypt with a valid MAC" || fail "fixtures decrypt" "$bad"
# the PGP fixtures with the age key and the age ones with the PGP key must fail
GNUPGHOME=$TMP/empty-gnupg "$SOPSFS" decrypt "$FX/example.yaml" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 128 ] && ok "a PGP fixture without the PGP key exits 128" || fail "PGP fixture without key" "exit $rc"

"$SOPSFS" decrypt "$FX/functional-tests/res/no_mac.yaml" >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 51 ] && grep -q '^MAC mismatch. File has no MAC' "$TMP/err" && [ ! -s "$TMP/out" ] \
	&& ok "no_mac.yaml exits 51 (MAC mismatch. File has no MAC)" || fail "no_mac.yaml" "exit $rc $(cat "$TMP/err")"
"$SOPSFS" decrypt --ignore-mac "$FX/functional-tests/res/no_mac.yaml" >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 0 ] && grep -q 't00m4nys3cr3tzupdated' "$TMP/out" && ok "no_mac.yaml decrypts with --ignore-mac" \
	|| fail "no_mac.yaml --ignore-mac" "exit $rc $(cat "$TMP/err")"
for f in config/test_resources/example.yaml stores/ini/test_resources/example.json; do
	"$SOPSFS" decrypt "$FX/$f" >/dev/null 2>"$TMP/err"; rc=$?
	[ $rc = 128 ] && grep -q 'Failed to get the data key' "$TMP/err" && ok "parse-only fixture $f fails with 128" \
		|| fail "parse-only fixture $f" "exit $rc $(head -c 200 "$TMP/err")"
done

# Shamir: groups = age #1, age #2, PGP; threshold 2
S=$FX/synthetic/shamir_3groups_t2.json
grep '^AGE-SECRET-KEY' "$KEYS" | sed -n 1p >"$TMP/k1"; grep '^AGE-SECRET-KEY' "$KEYS" | sed -n 2p >"$TMP/k2"
cat "$TMP/k1" "$TMP/k2" >"$TMP/k12"
for combo in "k12 empty" "k1 gpg" "k2 gpg"; do
	set -- $combo
	home=$GNUPGHOME; [ "$2" = empty ] && home=$TMP/empty-gnupg
	if SOPS_AGE_KEY_FILE=$TMP/$1 GNUPGHOME=$home "$SOPSFS" decrypt "$S" >"$TMP/out" 2>"$TMP/err" && grep -q 's3cr3t' "$TMP/out"; then
		ok "Shamir fixture decrypts with two of three groups ($1 + $2)"
	else
		fail "Shamir fixture with $1 + $2" "$(head -c 300 "$TMP/err")"
	fi
done
for one in "k1 empty" "k2 empty" "none gpg"; do
	set -- $one
	home=$GNUPGHOME; [ "$2" = empty ] && home=$TMP/empty-gnupg
	keyf=$TMP/$1; [ "$1" = none ] && keyf=/nonexistent
	SOPS_AGE_KEY_FILE=$keyf GNUPGHOME=$home "$SOPSFS" decrypt "$S" >"$TMP/out" 2>"$TMP/err"; rc=$?
	[ $rc = 128 ] && grep -q 'Shamir threshold of 2, but only 1 part' <(tr '\n' ' ' <"$TMP/err") && [ ! -s "$TMP/out" ] \
		&& ok "Shamir fixture fails cleanly with one group ($1 $2)" || fail "Shamir one group ($1 $2)" "exit $rc"
done
