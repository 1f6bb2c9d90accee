#!/usr/bin/env bash
# ahead.sh - decrypt ahead (fs/entries/ahead.c): reading one SOPS file makes
# the workers decrypt the age-only SOPS files of its directory; reading on
# in a second directory of the same parent, those of all the directories
# beside it, so a cold pass uses more than one core. A
# file that needs PGP, one this mount has no key for and one with a bad value
# are left untouched for the reader (no log line, not counted) and fail
# for it as before; every byte read is the same as with ahead=0; each data
# key is still unwrapped once; ahead=0 and audit= decrypt only what is read.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"
require_shared "decrypt ahead" || exit 0
need_fuse "decrypt ahead" || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg SOPS_AGE_KEY_FILE=$V/keys/age.txt
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
gpg --batch --quiet --import "$V/keys/pgp.asc" 2>/dev/null
cd "$TMP" || exit 1
R=$(cat "$V/keys/age.recipient"); R2=$(cat "$V/keys/age2.recipient"); FP=$(cat "$V/keys/pgp.fpr")

mkdir -p src/apps want
for i in $(seq -w 1 12); do
	mkdir -p "src/apps/app$i" "want/apps/app$i"
	printf 'apiVersion: v1\nkind: Secret\nstringData:\n    token: tok-%s-Zq9x7Lw2\n' "$i" \
		>"want/apps/app$i/secret.yaml"
	"$SOPSFS" encrypt --age "$R" --filename-override secret.yaml - \
		<"want/apps/app$i/secret.yaml" >"src/apps/app$i/secret.yaml" || { fail "setup" "encrypt"; exit 0; }
done
printf 'kind: ConfigMap\n' | tee src/apps/app05/plain.yaml >want/apps/app05/plain.yaml
printf 'extra: one-more-Kq2x\n' >want/apps/app01/extra.yaml
"$SOPSFS" encrypt --age "$R" --filename-override extra.yaml - <want/apps/app01/extra.yaml >src/apps/app01/extra.yaml
printf 'pw: pgp-only-Kq2\n' >want/apps/app07/pgp.yaml
"$SOPSFS" encrypt --pgp "$FP" --filename-override pgp.yaml - <want/apps/app07/pgp.yaml >src/apps/app07/pgp.yaml
printf 'pw: other-key-Kq2\n' | "$SOPSFS" encrypt --age "$R2" --filename-override o.yaml - \
	>src/apps/app09/other.yaml
# a value whose ciphertext no longer matches its tag
printf 'pw: bad-value-Kq2\n' | "$SOPSFS" encrypt --age "$R" --filename-override b.yaml - |
	python3 -c 'import re, sys
t = sys.stdin.read()
m = re.search(r"pw: ENC\[AES256_GCM,data:(.)", t)
c = "B" if m.group(1) == "A" else "A"
sys.stdout.write(t[:m.start(1)] + c + t[m.end(1):])' >src/apps/app10/bad.yaml

xattr() { getfattr --only-values -n "user.sopsfs.$2" "$1" 2>/dev/null; }
# wait until the root's decrypts counter reaches $2 (up to 10 s); print it
wait_decrypts() {
	local n
	for _ in $(seq 1 100); do
		n=$(xattr "$1" decrypts); [ "${n:-0}" -ge "$2" ] && break; sleep 0.1
	done
	sleep 0.5; xattr "$1" decrypts
}

MNT=$(new_mountpoint)
mount_sopsfs src "$MNT" -o ahead=2 || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/apps/app01/secret.yaml" >got1 || fail "read one file" ""
n1=$(wait_decrypts "$MNT" 2)
cat "$MNT/apps/app02/secret.yaml" >got2 || fail "read a second file" ""
n=$(wait_decrypts "$MNT" 13)
[ "$n1" = 2 ] && ok "one file read: the other SOPS file of its directory is decrypted, nothing beyond" \
	|| fail "one read stays in its directory" "decrypts=$n1"
[ "$n" = 13 ] && ok "reading on in a second directory decrypts the 13 age-only SOPS files beside them (and no other)" \
	|| fail "decrypt ahead of a pass" "decrypts=$n"
if ! grep -qE 'pgp.yaml|other.yaml|bad.yaml' "$TMP/mount.log"; then
	ok "files ahead could not decrypt (PGP, no key, bad value) are not reported before they are read"
else fail "silent ahead failures" "$(grep -E 'pgp.yaml|other.yaml|bad.yaml' "$TMP/mount.log" | head -3)"; fi
bad=0
for i in $(seq -w 1 12); do
	cmp -s "$MNT/apps/app$i/secret.yaml" "want/apps/app$i/secret.yaml" || bad=$((bad + 1))
	[ "$(stat -c %s "$MNT/apps/app$i/secret.yaml")" = "$(stat -c %s "want/apps/app$i/secret.yaml")" ] \
		|| bad=$((bad + 1))
done
cmp -s "$MNT/apps/app05/plain.yaml" want/apps/app05/plain.yaml || bad=$((bad + 1))
cmp -s "$MNT/apps/app01/extra.yaml" want/apps/app01/extra.yaml || bad=$((bad + 1))
cmp -s "$MNT/apps/app07/pgp.yaml" want/apps/app07/pgp.yaml || bad=$((bad + 1))
[ "$bad" = 0 ] && ok "every file decrypted ahead reads byte for byte, with its size; the PGP file decrypts for its reader" \
	|| fail "bytes after decrypt ahead" "$bad differences"
cat "$MNT/apps/app09/other.yaml" >/dev/null 2>e1; r1=$?
cat "$MNT/apps/app10/bad.yaml" >/dev/null 2>e2; r2=$?
if [ "$r1" != 0 ] && [ "$r2" != 0 ] && grep -q 'other.yaml: Failed to get the data key' "$TMP/mount.log" &&
   grep -q 'bad.yaml: ' "$TMP/mount.log" && grep -q 'Input/output error' e1 e2; then
	ok "the reader gets EIO and the log line for the files ahead left alone"
else fail "reader errors after ahead" "r1=$r1 r2=$r2 $(grep -E 'other|bad' "$TMP/mount.log" | head -2)"; fi
u_ahead=$(xattr "$MNT" unwraps)
unmount_sopsfs "$MNT" || fail "unmount" "daemon did not exit"

# the same reads without workers: the same unwraps; only what is read decrypts
MNT=$(new_mountpoint)
mount_sopsfs src "$MNT" -o ahead=0 || { fail "mount ahead=0" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/apps/app01/secret.yaml" >/dev/null; sleep 1
n=$(xattr "$MNT" decrypts)
cat "$MNT"/apps/app*/*.yaml >/dev/null 2>&1
u_plain=$(xattr "$MNT" unwraps)
unmount_sopsfs "$MNT" || fail "unmount" "daemon did not exit"
[ "$n" = 1 ] && ok "ahead=0: reading one file decrypts that file only" || fail "ahead=0" "decrypts=$n"
[ -n "$u_ahead" ] && [ "$u_ahead" = "$u_plain" ] && ok "each data key unwrapped once either way ($u_ahead unwraps)" \
	|| fail "unwraps with and without ahead" "$u_ahead vs $u_plain"

MNT=$(new_mountpoint)
mount_sopsfs src "$MNT" -o ahead=2,audit="$TMP/audit.jsonl" || { fail "mount audit" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/apps/app01/secret.yaml" >/dev/null; sleep 1
n=$(xattr "$MNT" decrypts)
unmount_sopsfs "$MNT" || fail "unmount" "daemon did not exit"
[ "$n" = 1 ] && ok "with an audit log nothing is decrypted ahead (each decryption has its reader)" \
	|| fail "ahead with audit" "decrypts=$n"
mkdir -p "$TMP/nomnt"
"$SOPSFS_MOUNT_BIN" src "$TMP/nomnt" -f -o ahead=x >/dev/null 2>e3; rc=$?
mountpoint -q "$TMP/nomnt" && fusermount3 -u "$TMP/nomnt"
[ "$rc" != 0 ] && grep -q 'ahead=x' e3 && ok "ahead=x is refused with a message" || fail "ahead=x" "rc=$rc $(cat e3)"

# a pass through more directories than one window (ahead_window=4 files):
# the next window is queued when the reader reaches the middle of the last
MNT=$(new_mountpoint)
mount_sopsfs src "$MNT" -o ahead=1,ahead_window=4 || { fail "mount ahead_window" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/apps/app01/secret.yaml" "$MNT/apps/app02/secret.yaml" >/dev/null
# app01's 2 and app02's, then a window of 4 files: app03, app04, app05 (2)
n1=$(wait_decrypts "$MNT" 6)
cat "$MNT/apps/app03/secret.yaml" >/dev/null; sleep 1
n2=$(xattr "$MNT" decrypts)
# app04 is the window's middle: the next one is app06, app07 (2, the PGP
# file left alone), app08
cat "$MNT/apps/app04/secret.yaml" >/dev/null
n3=$(wait_decrypts "$MNT" 9)
[ "$n1" = 6 ] && [ "$n2" = 6 ] && ok "a window of ahead_window files is queued, and nothing more before the reader is halfway through it" \
	|| fail "first window" "decrypts=$n1 then $n2 (want 6, 6)"
[ "$n3" = 9 ] && ok "the reader reaching the window's middle queues the next window (and only it)" \
	|| fail "next window" "decrypts=$n3 (want 9)"
bad=0
for i in $(seq -w 1 12); do
	cmp -s "$MNT/apps/app$i/secret.yaml" "want/apps/app$i/secret.yaml" || bad=$((bad + 1))
done
n4=$(xattr "$MNT" decrypts)
[ "$bad" = 0 ] && [ "$n4" = 13 ] && ok "a pass window by window reads every file byte for byte; each decrypted once ($n4)" \
	|| fail "pass by windows" "$bad differences, decrypts=$n4 (want 13)"
unmount_sopsfs "$MNT" || fail "unmount" "daemon did not exit"
mkdir -p "$TMP/nomnt"
"$SOPSFS_MOUNT_BIN" src "$TMP/nomnt" -f -o ahead_window=99999999 >/dev/null 2>e4; rc=$?
mountpoint -q "$TMP/nomnt" && fusermount3 -u "$TMP/nomnt"
[ "$rc" != 0 ] && grep -q 'ahead_window must be at most' e4 && ok "an ahead_window beyond the limit is refused with a message" \
	|| fail "ahead_window too big" "rc=$rc $(cat e4)"
