#!/usr/bin/env bash
# cli_check.sh - `sopsfs check` (the pre-commit / CI guard) and
# `sopsfs filestatus`: passes on a clean tree; fails (exit 1, one line per
# problem) on a plaintext file under a rule, a bad MAC, a value the rule's
# regex covers left in clear, master keys that differ from the rule, a
# decrypted twin; --staged sees only the git index.
. "$(dirname "$0")/../lib.sh"
require_shared check || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg SOPS_AGE_KEY_FILE=$V/keys/age.txt
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
A1=$(cat "$V/keys/age.recipient"); A2=$(cat "$V/keys/age2.recipient")
cd "$TMP" || exit 1
git init -q repo && cd repo || exit 1
printf 'creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    encrypted_regex: ^(password|token)$\n    age: %s\n' "$A1" >.sops.yaml
mkdir secrets
printf 'user: u\npassword: p\n' | "$SOPSFS" encrypt --filename-override secrets/db.yaml - >secrets/db.yaml
printf 'token: t\nname: n\n' | "$SOPSFS" encrypt --filename-override secrets/api.yaml - >secrets/api.yaml
echo "# readme" >README.md; printf 'a: 1\n' >config.yaml

expect() {   # name want-rc want-pattern(in stdout) args...
	local name=$1 want=$2 pat=$3; shift 3
	"$SOPSFS" check "$@" >out 2>err; local rc=$?
	local seen=0
	if [ -z "$pat" ]; then [ ! -s out ] && seen=1; else grep -q -- "$pat" out && seen=1; fi
	if [ $rc = "$want" ] && [ $seen = 1 ] && ! grep -q 'AddressSanitizer\|runtime error' err; then
		ok "check $name"
	else
		fail "check $name" "rc=$rc (want $want) $(head -c 300 out | tr '\n' '|') $(head -c 200 err)"
	fi
}
expect "passes on a clean tree" 0 ""
git add -A && git commit -qm init
expect "--staged passes on a clean index" 0 "" --staged

printf 'user: u\npassword: plain\n' >secrets/plain.yaml
expect "fails on a plaintext file under a rule" 1 "secrets/plain.yaml: not encrypted" -r .
rm secrets/plain.yaml
sed 's/^user: .*/user: tampered/' secrets/db.yaml >secrets/badmac.yaml
expect "fails on a bad MAC" 1 "secrets/badmac.yaml: MAC mismatch"
expect "--no-decrypt does not look at the MAC" 0 "" --no-decrypt
rm secrets/badmac.yaml
sed 's/^password: ENC.*/password: leaked/' secrets/db.yaml >secrets/clear.yaml
expect "fails on a value the rule's regex covers left in clear" 1 "secrets/clear.yaml: value at password: is not encrypted" --no-decrypt
grep -q leaked out && fail "check output" "a clear value was printed" || ok "check never prints the value"
rm secrets/clear.yaml
"$SOPSFS" decrypt secrets/db.yaml >secrets/db.dec.yaml
expect "reports a decrypted twin" 1 "secrets/db.dec.yaml: plaintext twin of the SOPS file"
rm secrets/db.dec.yaml
cp .sops.yaml sops.orig
printf 'creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    encrypted_regex: ^(password|token)$\n    age: %s,%s\n' "$A1" "$A2" >.sops.yaml
expect "reports master keys that differ from the rule" 1 "master keys differ from the creation rule.*+++ $A2"
"$SOPSFS" updatekeys -y -r . >/dev/null 2>&1
expect "passes after updatekeys" 0 ""
cp sops.orig .sops.yaml; git checkout -q secrets

# --staged: only the index counts
printf 'user: u\npassword: plain\n' >secrets/new.yaml
expect "--staged ignores an unstaged plaintext file" 0 "" --staged
git add secrets/new.yaml
expect "--staged fails on a staged plaintext file" 1 "secrets/new.yaml: not encrypted" --staged
printf 'user: u\npassword: p\n' | "$SOPSFS" encrypt --filename-override secrets/new.yaml - >secrets/new.yaml
expect "--staged still sees the staged (plaintext) version" 1 "secrets/new.yaml: not encrypted" --staged
git add secrets/new.yaml
expect "--staged passes once the encrypted version is staged" 0 "" --staged
(cd secrets && "$SOPSFS" check --staged . >/dev/null 2>&1) && ok "check --staged from a subdirectory" || fail "check --staged from a subdirectory" "failed"
cd "$TMP" && { "$SOPSFS" check --staged >/dev/null 2>err; rc=$?; }
[ $rc = 1 ] && grep -q 'not in a git work tree' err && ok "check --staged outside git: clean error" || fail "check --staged outside git" "rc=$rc"
cd repo || exit 1
"$SOPSFS" check --bogus 2>/dev/null; [ $? = 7 ] && ok "check: unknown flag exits 7" || fail "check unknown flag" "rc=$?"

# filestatus (sops' JSON)
[ "$("$SOPSFS" filestatus secrets/db.yaml)" = '{"encrypted":true}' ] && [ "$("$SOPSFS" filestatus config.yaml)" = '{"encrypted":false}' ] &&
	ok "filestatus prints sops' JSON" || fail "filestatus" "$("$SOPSFS" filestatus secrets/db.yaml)"
"$SOPSFS" filestatus nope.yaml 2>err; rc=$?
[ $rc != 0 ] && ! grep -q AddressSanitizer err && ok "filestatus of a missing file: exit $rc" || fail "filestatus missing" "rc=$rc"
# The format comes from the name, as sops decides it: a SOPS YAML file
# under a name without a known suffix is read as binary (JSON) and fails
# the way sops' does; --input-type yaml reads it.
cp secrets/db.yaml hidden-yaml
"$SOPSFS" filestatus hidden-yaml > out 2> err; rc=$?
[ $rc = 1 ] && [ ! -s out ] &&
	grep -qx "cannot check file status: cannot load encrypted file: Could not unmarshal input data: invalid character .* looking for beginning of value" err &&
	ok "filestatus: a YAML file named without a suffix is binary, as in sops" ||
	fail "filestatus by name" "rc=$rc out=$(cat out) err=$(cat err)"
[ "$("$SOPSFS" filestatus --input-type yaml hidden-yaml)" = '{"encrypted":true}' ] &&
	ok "filestatus --input-type yaml" || fail "filestatus --input-type" "$("$SOPSFS" filestatus --input-type yaml hidden-yaml 2>&1)"
"$SOPSFS" filestatus --input-type toml hidden-yaml 2>/dev/null; rc=$?
[ $rc = 7 ] && ok "filestatus: unknown --input-type exits 7" || fail "filestatus bad type" "rc=$rc"
rm -f hidden-yaml
