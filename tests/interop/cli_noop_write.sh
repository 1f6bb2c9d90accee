#!/usr/bin/env bash
# cli_noop_write.sh - no write when no value changed: a plaintext that
# differs from the view only in how a value is written (JSON "<a>" that the
# view shows as "\u003ca\u003e", YAML 0x1F shown as 31) re-encrypts to the
# file's own bytes apart from lastmodified and mac, so neither `replace` nor
# a save through the mount writes anything (bytes and mtime unchanged). A
# real change next to it is still written.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"
require_shared noop-write || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home SOPS_AGE_KEY_FILE=$V/keys/age.txt
mkdir -p "$HOME"
cd "$TMP" || exit 1
R=$(cat "$V/keys/age.recipient")

printf '{\n  "html": "<a>",\n  "note_unencrypted": "x<b>&",\n  "n": 1\n}\n' >p.json
printf 'count: 0x1F\nplain_unencrypted: 0x1F\nname: x\n' >p.yaml
for ext in json yaml; do
	"$SOPSFS" encrypt --age "$R" p.$ext >e.$ext 2>err || { fail "noop setup $ext" "$(head -c 200 err)"; exit 0; }
	"$SOPSFS" decrypt e.$ext >view.$ext
	if cmp -s view.$ext p.$ext; then fail "noop $ext" "the view equals the plaintext: case not exercised"; continue; fi
	touch -d '2001-01-01 00:00:00' e.$ext; cp -p e.$ext orig.$ext
	"$SOPSFS" replace e.$ext p.$ext 2>err; rc=$?
	if [ "$rc" = 0 ] && cmp -s e.$ext orig.$ext && [ "$(stat -c %Y e.$ext)" = "$(stat -c %Y orig.$ext)" ]; then
		ok "replace with the original $ext plaintext (non-canonical value) writes nothing"
	else fail "replace with the original $ext plaintext (non-canonical value) writes nothing" "rc=$rc $(diff orig.$ext e.$ext | head -c 300)"; fi
	sed 's/x/y/' p.$ext >changed.$ext
	"$SOPSFS" replace e.$ext changed.$ext 2>err; rc=$?
	"$SOPSFS" decrypt e.$ext >after.$ext 2>>err
	if [ "$rc" = 0 ] && ! cmp -s e.$ext orig.$ext && "$SOPSFS" decrypt e.$ext | grep -q y; then
		ok "replace of $ext with a changed value still writes"
	else fail "replace of $ext with a changed value still writes" "rc=$rc $(head -c 200 err)"; fi
	cp -p orig.$ext e.$ext
done

need_fuse "noop write through the mount" || exit 0
mkdir -p src; cp -p orig.json src/s.json; cp -p orig.yaml src/s.yaml
MNT=$(new_mountpoint)
if ! mount_sopsfs src "$MNT"; then fail "noop write through the mount" "mount failed"; exit 0; fi
for ext in json yaml; do
	cat p.$ext >"$MNT/s.$ext"; rc=$?
	if [ "$rc" = 0 ] && cmp -s src/s.$ext orig.$ext && [ "$(stat -c %Y src/s.$ext)" = "$(stat -c %Y orig.$ext)" ] &&
	   cmp -s "$MNT/s.$ext" p.$ext; then
		ok "mount: saving the original $ext plaintext writes nothing to SRC"
	else fail "mount: saving the original $ext plaintext writes nothing to SRC" "rc=$rc $(diff orig.$ext src/s.$ext | head -c 300)"; fi
done
sed 's/x/y/' p.json >"$MNT/s.json"
if ! cmp -s src/s.json orig.json && "$SOPSFS" decrypt src/s.json | grep -q '"y'; then
	ok "mount: a changed value is still written"
else fail "mount: a changed value is still written" "SRC unchanged"; fi
unmount_sopsfs "$MNT" || fail "noop mount unmount" "daemon did not exit"
