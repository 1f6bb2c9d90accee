#!/usr/bin/env bash
# cli_replace.sh - `sopsfs replace` re-encrypts with the file's own data key:
# changing one value changes exactly that value's line plus lastmodified and
# mac (YAML, JSON, dotenv, INI, on files the real sops wrote); identical
# plaintext leaves the file byte-identical with the same mtime; the result
# decrypts to the new plaintext and keys/enc blobs are untouched.
. "$(dirname "$0")/../lib.sh"
require_shared replace || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg SOPS_AGE_KEY_FILE=$V/keys/age.txt
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
gpg --batch --quiet --import "$V/keys/pgp.asc" 2>/dev/null
cd "$TMP" || exit 1

# file  sed-expression  pattern-of-the-changed-line
cases=(
	"edit/set_string.before.yaml|s/^password: .*/password: changed-secret/|^[-+]password: "
	"edit/set_json.before.json|s/\"password\": \"[^\"]*\"/\"password\": \"changed-secret\"/|^[-+].*\"password\": "
	"edit/set_dotenv.before.env|s/^PASSWORD=.*/PASSWORD=changed-secret/|^[-+]PASSWORD="
	"edit/set_ini.before.ini|s/^password *= .*/password = changed-secret/|^[-+]password"
	"groups/shamir_yaml.enc.yaml|s/^\\( *key: \\)value/\\1changed-secret/|^[-+] *key: "
)
for c in "${cases[@]}"; do
	IFS='|' read -r rel expr pat <<<"$c"
	name=$(basename "$rel"); ext=${name##*.}
	f=work.$name; cp "$V/$rel" "$f"; cp "$f" orig.$name
	if ! "$SOPSFS" decrypt "$f" >plain.$ext 2>err; then fail "replace $rel" "decrypt: $(head -c 200 err)"; continue; fi
	sed "$expr" plain.$ext >new.$ext
	if cmp -s plain.$ext new.$ext; then fail "replace $rel" "test edit did not apply"; continue; fi
	# identical plaintext: nothing written
	touch -d '2001-01-01 00:00:00' "$f"; before=$(stat -c %Y "$f")
	"$SOPSFS" replace "$f" plain.$ext 2>err
	if cmp -s "$f" orig.$name && [ "$(stat -c %Y "$f")" = "$before" ]; then
		ok "replace $rel with identical plaintext writes nothing"
	else
		fail "replace $rel with identical plaintext writes nothing" "file or mtime changed"
	fi
	if ! "$SOPSFS" replace "$f" new.$ext 2>err; then fail "replace $rel" "$(head -c 300 err)"; continue; fi
	diff orig.$name "$f" | grep '^[<>]' | sed 's/^< /-/; s/^> /+/' >d.txt
	# For dotenv the metadata lines are sops_lastmodified / sops_mac; for INI
	# they are "lastmodified" / "mac" in [sops].
	other=$(grep -v -E "$pat" d.txt | grep -v -E '^[-+](sops_)?(    )?lastmodified|^[-+](sops_)?(    )?mac[ :=]|^[-+]\s*"(lastmodified|mac)":|^[-+](lastmodified|mac) *=' )
	nval=$(grep -c -E "$pat" d.txt)
	if [ -z "$other" ] && [ "$nval" = 2 ] && [ "$(wc -l <d.txt)" = 6 ]; then
		ok "replace $rel: diff is the value, lastmodified and mac"
	else
		fail "replace $rel: diff is the value, lastmodified and mac" "$(head -c 500 d.txt | tr '\n' '|')"
	fi
	if "$SOPSFS" decrypt "$f" >after.$ext 2>err && cmp -s after.$ext new.$ext; then
		ok "replace $rel: decrypts to the new plaintext with a valid MAC"
	else
		fail "replace $rel: decrypts to the new plaintext" "$(head -c 300 err)"
	fi
done

# The file's mode is kept by the atomic write and no temp file is left.
cp "$V/edit/set_string.before.yaml" mode.yaml; chmod 640 mode.yaml
"$SOPSFS" decrypt mode.yaml | sed 's/^user: .*/user: root2/' >mode.plain
"$SOPSFS" replace mode.yaml mode.plain 2>err
if [ "$(stat -c %a mode.yaml)" = 640 ] && [ -z "$(ls -A . | grep sopsfs-tmp)" ]; then
	ok "replace keeps the file mode and leaves no temp file"
else
	fail "replace keeps the file mode and leaves no temp file" "mode $(stat -c %a mode.yaml)"
fi
# A plaintext with a top-level sops key is refused and the file is untouched.
cp "$V/edit/set_string.before.yaml" bad.yaml; cp bad.yaml bad.orig
printf 'a: b\nsops: x\n' >bad.plain
if ! "$SOPSFS" replace bad.yaml bad.plain 2>err && cmp -s bad.yaml bad.orig && grep -q "top-level entry called 'sops'" err; then
	ok "replace refuses a plaintext with a top-level sops key"
else
	fail "replace refuses a plaintext with a top-level sops key" "$(head -c 200 err)"
fi
# Invalid YAML is refused and the file is untouched.
printf 'a: [unclosed\n' >bad2.plain
if ! "$SOPSFS" replace bad.yaml bad2.plain 2>err && cmp -s bad.yaml bad.orig; then
	ok "replace refuses invalid YAML and leaves the file untouched"
else
	fail "replace refuses invalid YAML" "$(head -c 200 err)"
fi
