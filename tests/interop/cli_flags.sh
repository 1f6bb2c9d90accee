#!/usr/bin/env bash
# cli_flags.sh - sops' common decrypt flags: --output-type json|dotenv
# (against sops' cross_output vectors), --indent, --extract, --input-type
# with `decrypt -` from stdin, --output FILE, --in-place; --help and unknown
# flags for every subcommand.
. "$(dirname "$0")/../lib.sh"
require_shared flags || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg SOPS_AGE_KEY_FILE=$V/keys/age.txt
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
cd "$TMP" || exit 1

"$SOPSFS" decrypt --output-type json "$V/yaml/cross_output.enc.yaml" >o.json 2>err
same_bytes "decrypt --output-type json: sops' bytes (HTML escapes, floats, null, time)" "$V/yaml/cross_output.dec-as-json.json" o.json
"$SOPSFS" decrypt --output-type dotenv "$V/yaml/cross_output.enc.yaml" >o.env 2>err
same_bytes "decrypt --output-type dotenv: sops' bytes" "$V/yaml/cross_output.dec-as-dotenv.env" o.env
for f in json/numbers.enc.json json/escapes.enc.json json/order_dups.enc.json; do
	"$SOPSFS" decrypt --output-type json "$V/$f" >o2.json 2>err
	same_bytes "decrypt --output-type json of $f equals its plain decrypt" <("$SOPSFS" decrypt "$V/$f") o2.json
done
"$SOPSFS" decrypt --output-type dotenv "$V/yaml/structures.enc.yaml" >/dev/null 2>err; rc=$?
if [ $rc = 4 ] && [ "$(cat err)" = "$(sed 1d "$V/errors/output_dotenv_nested.err.txt")" ]; then
	ok "decrypt --output-type dotenv of a nested tree: sops' error, exit 4"
else
	fail "dotenv nested" "rc=$rc $(head -c 200 err)"
fi
"$SOPSFS" decrypt --indent 2 "$V/json/indent2.enc.json" | cmp -s - "$V/json/indent2.dec-indent2.json" &&
	ok "decrypt --indent 2 (JSON)" || fail "decrypt --indent 2" "differs"
"$SOPSFS" decrypt --indent 0 "$V/json/indent2.enc.json" | cmp -s - "$V/json/indent2.dec-indent0.json" &&
	ok "decrypt --indent 0 (JSON)" || fail "decrypt --indent 0" "differs"
[ "$("$SOPSFS" decrypt --extract '["str_html"]' "$V/yaml/cross_output.enc.yaml")" = "<&>" ] &&
[ "$("$SOPSFS" decrypt --extract '["int"]' "$V/yaml/cross_output.enc.yaml")" = "42" ] &&
	ok "decrypt --extract of a string and an int" || fail "decrypt --extract" "wrong value"
"$SOPSFS" decrypt --extract '["nope"]' "$V/yaml/cross_output.enc.yaml" >/dev/null 2>&1; rc=$?
[ $rc != 0 ] && ok "decrypt --extract of a missing key fails (exit $rc)" || fail "extract missing" "rc=0"
"$SOPSFS" decrypt --input-type json - <"$V/json/escapes.enc.json" | cmp -s - <("$SOPSFS" decrypt "$V/json/escapes.enc.json") &&
	ok "decrypt - from stdin with --input-type" || fail "decrypt -" "differs"
"$SOPSFS" decrypt - <"$V/json/escapes.enc.json" | cmp -s - <("$SOPSFS" decrypt "$V/json/escapes.enc.json") &&
	ok "decrypt - from stdin: the store from the content" || fail "decrypt - content" "differs"
"$SOPSFS" decrypt --output out.yaml "$V/edit/set_string.before.yaml" && cmp -s out.yaml <("$SOPSFS" decrypt "$V/edit/set_string.before.yaml") &&
	ok "decrypt --output FILE" || fail "decrypt --output" "differs"
cp "$V/edit/set_string.before.yaml" ip.yaml; "$SOPSFS" decrypt -i ip.yaml && cmp -s ip.yaml out.yaml &&
	ok "decrypt --in-place" || fail "decrypt -i" "differs"
cp "$V/errors/tampered_mac.enc.yaml" tm.yaml; cp tm.yaml tm.orig
"$SOPSFS" decrypt -i tm.yaml 2>/dev/null; rc=$?
[ $rc = 51 ] && cmp -s tm.yaml tm.orig && ok "decrypt -i of a bad file: exit 51, file untouched" || fail "decrypt -i bad" "rc=$rc"

for cmd in decrypt encrypt updatekeys rotate set unset check filestatus exec-env exec-file exec; do
	"$SOPSFS" $cmd --help >h.txt 2>&1; rc=$?
	if [ $rc = 0 ] && grep -q "usage: sopsfs $cmd" h.txt; then ok "$cmd --help"; else fail "$cmd --help" "rc=$rc $(head -c 100 h.txt)"; fi
	"$SOPSFS" $cmd --no-such-flag x y z >/dev/null 2>&1; rc=$?
	[ $rc = 7 ] && ok "$cmd: an unknown flag is an error (exit 7)" || fail "$cmd unknown flag" "rc=$rc"
done
