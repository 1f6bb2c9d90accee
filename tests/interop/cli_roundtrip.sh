#!/usr/bin/env bash
# cli_roundtrip.sh - `sopsfs encrypt` then `sopsfs decrypt` gives back the
# plaintext byte for byte in all five stores; files encrypted to an age
# recipient decrypt with the independent npm decoder sops-age to the same
# values; their age `enc` blobs decrypt with `age -d` and PGP ones with
# `gpg -d` to the same 32-byte data key.
. "$(dirname "$0")/../lib.sh"
NPM=$ROOT/build/npm
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg
mkdir -p "$HOME"
new_gnupghome "$GNUPGHOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
cd "$TMP" || exit 1
age-keygen -o key.txt 2>/dev/null
R=$(age-keygen -y key.txt)
export SOPS_AGE_KEY_FILE=$TMP/key.txt

mkdir -p plain
cat >plain/app.yaml <<'Y'
# database settings
database:
    user: admin
    password: hunter2
    port: 5432
    ratio: 0.5
    enabled: true
    hosts:
        - db1.example.org
        - db2.example.org
    cert: |
        -----BEGIN CERTIFICATE-----
        MIIBszCCAVmgAwIBAgIU
        -----END CERTIFICATE-----
public_unencrypted: visible
empty: ""
nothing: null
Y
printf '{\n\t"token": "t0k3n",\n\t"nested": {\n\t\t"n": 42,\n\t\t"f": 1.5,\n\t\t"b": false,\n\t\t"list": [\n\t\t\t"a",\n\t\t\t"caf\u00e9 \\u003cb\\u003e"\n\t\t]\n\t},\n\t"empty": ""\n}\n' >plain/app.json
printf '# comment\nDB_PASSWORD=hunter2\nAPI_KEY=abc=def\nMULTI=line1\\nline2\nEMPTY=\n' >plain/app.env
printf '[database]\nuser     = admin\npassword = hunter2\n\n[api]\nkey = k3y\n' >plain/app.ini
head -c 3000 /dev/urandom >plain/app.bin

for f in plain/*; do
	name=$(basename "$f"); ext=${name##*.}
	enc=enc.$name
	if ! "$SOPSFS" encrypt --age "$R" "$f" >"$enc" 2>err; then
		fail "encrypt $ext" "$(head -c 300 err)"; continue
	fi
	if [ "$ext" != bin ]; then
		if grep -q 'hunter2\|t0k3n\|MIIBszCCAVmgAwIBAgIU' "$enc"; then fail "encrypt $ext hides values" "plaintext found"; else ok "encrypt $ext hides values"; fi
	fi
	cp "$enc" "cipher.$name"
	if "$SOPSFS" decrypt "cipher.$name" >"dec.$name" 2>err; then
		same_bytes "encrypt then decrypt $ext round-trips" "$f" "dec.$name"
	else
		fail "encrypt then decrypt $ext round-trips" "$(head -c 300 err)"
	fi
	case $ext in
	yaml|json|env)
		if [ ! -d "$NPM/node_modules/sops-age" ]; then
			skip "sops-age decrypts $ext" "npm package sops-age is not installed"
		elif node "$ROOT/tests/tools/sops_age_check.mjs" "$NPM" "$( [ $ext = env ] && echo env || echo $ext)" \
			"cipher.$name" "dec.$name" key.txt 2>err; then
			ok "sops-age decrypts $ext to the same values"
		else
			fail "sops-age decrypts $ext to the same values" "$(head -c 400 err)"
		fi ;;
	esac
done

# The age stanza of a file we wrote decrypts with the age CLI.
node "$ROOT/tests/tools/extract_enc.mjs" "$NPM" cipher.app.yaml age 0 >stanza.age 2>/dev/null
if age -d -i key.txt stanza.age >dk.bin 2>err && [ "$(stat -c %s dk.bin)" = 32 ]; then
	ok "age -d decrypts the enc of a file sopsfs wrote (32-byte data key)"
else
	fail "age -d decrypts the enc of a file sopsfs wrote" "$(head -c 300 err)"
fi

# PGP: encrypt to a fingerprint; gpg -d of the stanza gives the same key as age.
if [ -n "$SHARED" ]; then
	gpg --batch --quiet --import "$SHARED/interop/sops-vectors/keys/pgp.asc" 2>/dev/null
	FP=$(cat "$SHARED/interop/sops-vectors/keys/pgp.fpr")
	if "$SOPSFS" encrypt --age "$R" --pgp "$FP" plain/app.json >two.json 2>err; then
		node "$ROOT/tests/tools/extract_enc.mjs" "$NPM" two.json pgp 0 >stanza.pgp
		node "$ROOT/tests/tools/extract_enc.mjs" "$NPM" two.json age 0 >stanza2.age
		gpg --batch --quiet -d stanza.pgp >k1 2>/dev/null; age -d -i key.txt stanza2.age >k2
		if [ -s k1 ] && cmp -s k1 k2 && [ "$(tail -c 1 stanza.pgp | od -An -c | tr -d ' ')" = "-" ]; then
			ok "gpg -d decrypts the PGP enc to the same data key (armor without trailing newline)"
		else
			fail "gpg -d decrypts the PGP enc" "keys differ or armor has a trailing newline"
		fi
		if SOPS_AGE_KEY_FILE=/dev/null "$SOPSFS" decrypt two.json >pgp.dec 2>err && cmp -s pgp.dec dec.app.json; then
			ok "a file encrypted to age+pgp decrypts with the PGP key alone"
		else
			fail "a file encrypted to age+pgp decrypts with the PGP key alone" "$(head -c 300 err)"
		fi
	else
		fail "encrypt to age + pgp" "$(head -c 300 err)"
	fi
else
	skip "gpg -d decrypts the PGP enc" "../shared is missing (no test PGP key)"
fi
