#!/usr/bin/env bash
# hidden_store.sh - a name that implies no store or the wrong one: the mount
# goes by the content. A JSON SOPS file named `hidden-json` (no extension, so
# sops' name rule says binary) reads as its JSON plaintext and saves back as
# JSON; a real binary SOPS file without extension still reads as its bytes;
# the CLI behaves like sops 3.13.2 (binary store: exit 4 and sops' message).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"
require_shared hidden-json || exit 0
need_fuse hidden-json || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home SOPS_AGE_KEY_FILE=$V/keys/age.txt
mkdir -p "$HOME"
cd "$TMP" || exit 1
mkdir -p src
R=$(cat "$V/keys/age.recipient")

printf '{\n\t"a": "secret",\n\t"b": 7\n}\n' >h.json
"$SOPSFS" encrypt --age "$R" h.json >src/hidden-json 2>err || { fail "hidden-json setup" "$(head -c 200 err)"; exit 0; }
cp src/hidden-json copy.json; "$SOPSFS" decrypt copy.json >want.json
head -c 3000 /dev/urandom >blob
"$SOPSFS" encrypt --age "$R" blob >src/blob-noext 2>err || { fail "hidden-json setup" "$(head -c 200 err)"; exit 0; }

"$SOPSFS" decrypt src/hidden-json >out 2>err; rc=$?
if [ "$rc" = 4 ] && [ ! -s out ] && cmp -s err <(tail -n +2 "$V/errors/output_binary_no_data.err.txt"); then
	ok "CLI decrypt of hidden-json: binary store like sops (exit 4, sops' message)"
else fail "CLI decrypt of hidden-json: binary store like sops (exit 4, sops' message)" "rc=$rc $(head -c 200 err)"; fi

MNT=$(new_mountpoint)
if ! mount_sopsfs src "$MNT"; then fail "hidden-json mount" "mount failed"; exit 0; fi
if cat "$MNT/hidden-json" >got.json 2>err && cmp -s got.json want.json && cmp -s want.json h.json &&
   [ "$(stat -c %s "$MNT/hidden-json")" = "$(stat -c %s want.json)" ]; then
	ok "mount: hidden-json reads as its JSON plaintext"
else fail "mount: hidden-json reads as its JSON plaintext" "$(head -c 200 err) $(head -c 200 got.json) $(tail -2 "$TMP/mount.log")"; fi
cat "$MNT/blob-noext" >got.bin 2>err
cmp -s got.bin blob && ok "mount: a binary SOPS file without extension still reads as its bytes" ||
	fail "mount: a binary SOPS file without extension still reads as its bytes" "$(head -c 200 err)"
sed 's/secret/changed/' h.json >"$MNT/hidden-json"; rc=$?
cp src/hidden-json after.json
if [ "$rc" = 0 ] && "$SOPSFS" decrypt after.json >dec.json 2>err && grep -q '"a": "changed"' dec.json &&
   grep -q '^	"sops": {' src/hidden-json; then
	ok "mount: a save of hidden-json is re-encrypted as JSON"
else fail "mount: a save of hidden-json is re-encrypted as JSON" "rc=$rc $(head -c 200 err)"; fi
unmount_sopsfs "$MNT" || fail "hidden-json unmount" "daemon did not exit"
