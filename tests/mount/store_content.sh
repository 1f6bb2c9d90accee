#!/usr/bin/env bash
# store_content.sh - a SOPS file whose name implies no store (sops' binary
# store) is read with the store its content shows: a JSON SOPS file named
# `hidden-json` reads and saves through the mount (it failed with EIO "no
# binary data found in tree") and decrypts with the CLI; a real binary-store
# file next to it still reads as raw bytes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
need_fuse "store by content" || exit 0
CLI=$ROOT/build/sopsfs
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
cd "$TMP" || exit 1
age-keygen -o age.txt 2>/dev/null; R=$(age-keygen -y age.txt); export SOPS_AGE_KEY_FILE=$TMP/age.txt
mkdir src
printf '{\n\t"a": "secret-1",\n\t"b": 2\n}\n' >plain.json
"$CLI" encrypt --age "$R" plain.json >src/hidden-json
printf 'raw bytes\n' >raw.bin; "$CLI" encrypt --age "$R" raw.bin >src/blob
if "$SOPSFS" decrypt --input-type json src/hidden-json 2>err | cmp -s - plain.json; then
	ok "decrypt --input-type json of a JSON SOPS file without extension"
else
	fail "decrypt of a JSON SOPS file without extension" "$(head -c 200 err)"
fi
MNT=$(new_mountpoint)
mount_sopsfs src "$MNT" || { fail "store by content" "mount failed"; exit 0; }
if cmp -s "$MNT/hidden-json" plain.json && cmp -s "$MNT/blob" raw.bin; then
	ok "the mount reads hidden-json as JSON and blob as binary"
else
	fail "the mount reads hidden-json" "$(head -c 200 "$MNT/hidden-json" 2>&1)"
fi
printf '{\n\t"a": "secret-2",\n\t"b": 2\n}\n' >"$MNT/hidden-json"
unmount_sopsfs "$MNT"
if "$CLI" decrypt --input-type json src/hidden-json | grep -q '"a": "secret-2"' && ! grep -q 'secret-2' src/hidden-json &&
   grep -q '"a": "ENC\[' src/hidden-json; then
	ok "a save through the mount re-encrypts hidden-json as JSON"
else
	fail "save of hidden-json" "$(head -c 300 src/hidden-json)"
fi

# No write when no value changed: saving `<a>` (the view shows \u003ca\u003e)
# or YAML 0x1F (the view shows 31) through the mount leaves SRC untouched.
printf '{\n\t"k": "<a>"\n}\n' >lt.json; printf 'n: 0x1F\ns: x\n' >hex.yaml
"$CLI" encrypt --age "$R" lt.json >src/lt.json; "$CLI" encrypt --age "$R" hex.yaml >src/hex.yaml
cp src/lt.json lt.orig; cp src/hex.yaml hex.orig
touch -d 2001-01-01 src/lt.json src/hex.yaml
MNT=$(new_mountpoint)
mount_sopsfs src "$MNT" || { fail "no-op save" "mount failed"; exit 0; }
if cmp -s "$MNT/lt.json" lt.json || cmp -s "$MNT/hex.yaml" hex.yaml; then
	fail "no-op save through the mount" "the view equals the input: the test does not probe"
fi
cat lt.json >"$MNT/lt.json"; cat hex.yaml >"$MNT/hex.yaml"
unmount_sopsfs "$MNT"
if cmp -s src/lt.json lt.orig && cmp -s src/hex.yaml hex.orig &&
   [ "$(stat -c %Y src/lt.json)" = "$(date -d 2001-01-01 +%s)" ] && [ "$(stat -c %Y src/hex.yaml)" = "$(date -d 2001-01-01 +%s)" ]; then
	ok "saving equal values written differently through the mount writes nothing"
else
	fail "no-op save through the mount" "SRC rewritten"
fi
