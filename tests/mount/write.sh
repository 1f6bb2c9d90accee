#!/usr/bin/env bash
# write.sh - the mount's write side beyond the editor matrix: a new file
# under a three-group Shamir creation rule, a new README written through,
# bad saves refused without losing the draft, conflicts with changes made in
# SRC, POSIX corners editors and git use, .git read-only, and a kill -9 in
# the middle of 200 saves leaving every file old-or-new and valid.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
need_fuse "mount write side" || exit 0
require_shared "mount write side" || exit 0
CLI=$ROOT/build/sopsfs
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
gpg --batch --quiet --import "$V/keys/pgp.asc" 2>/dev/null
FP=$(cat "$V/keys/pgp.fpr")
cd "$TMP" || exit 1
age-keygen -o a1.txt 2>/dev/null; age-keygen -o a2.txt 2>/dev/null
R1=$(age-keygen -y a1.txt); R2=$(age-keygen -y a2.txt)
cat a1.txt a2.txt >both.txt
export SOPS_AGE_KEY_FILE=$TMP/both.txt
mkdir -p gnupg-empty && chmod 700 gnupg-empty
new_gnupghome "$TMP/gnupg-empty"

SRC=$TMP/src
mkdir -p "$SRC/secrets" "$SRC/docs"
cat >"$SRC/.sops.yaml" <<EOF2
creation_rules:
    - path_regex: ^secrets/.*\.yaml$
      shamir_threshold: 2
      key_groups:
          - age: [$R1]
          - age: [$R2]
          - pgp: [$FP]
EOF2
printf 'user: admin\npassword: old-pw-1\n' | (cd "$SRC" && "$CLI" encrypt --filename-override secrets/db.yaml - >secrets/db.yaml)
MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }

# ---- a new file under a three-group creation rule --------------------------------
printf 'api_key: shamir-new-secret\nport: 8443\n' >"$MNT/secrets/x.yaml"
sleep 0.2
if grep -q 'key_groups' "$SRC/secrets/x.yaml" && grep -q 'shamir_threshold: 2' "$SRC/secrets/x.yaml" &&
   ! grep -q 'shamir-new-secret' "$SRC/secrets/x.yaml"; then
	ok "a new secrets/x.yaml is written encrypted with the rule's 3 key groups, threshold 2"
else
	fail "a new secrets/x.yaml under the rule" "$(head -5 "$SRC/secrets/x.yaml" 2>&1)"
fi
for pair in "a1 a2 empty" "a1 - gpg" "a2 - gpg"; do
	set -- $pair
	keys=$TMP/k.txt; : >"$keys"
	for k in $1 $2; do [ "$k" != - ] && cat "$TMP/$k.txt" >>"$keys"; done
	home=$TMP/gnupg; [ "$3" = empty ] && home=$TMP/gnupg-empty
	if SOPS_AGE_KEY_FILE=$keys GNUPGHOME=$home "$CLI" decrypt "$SRC/secrets/x.yaml" 2>err | cmp -s - <(printf 'api_key: shamir-new-secret\nport: 8443\n'); then
		ok "the new file decrypts with two of three groups ($1 $2 $3)"
	else
		fail "the new file decrypts with two of three groups ($1 $2 $3)" "$(head -c 300 err)"
	fi
done
SOPS_AGE_KEY_FILE=$TMP/a1.txt GNUPGHOME=$TMP/gnupg-empty "$CLI" decrypt "$SRC/secrets/x.yaml" >/dev/null 2>err
rc=$?
[ $rc = 128 ] && grep -q 'Shamir threshold of' err && ok "with one group it fails cleanly (exit 128, sops' report)" \
	|| fail "with one group it fails cleanly" "exit $rc $(head -c 200 err)"
printf '# Docs\nplain text\n' >"$MNT/docs/README.md"
sleep 2.2
cmp -s "$SRC/docs/README.md" <(printf '# Docs\nplain text\n') && ok "a new README.md appears in SRC as written" \
	|| fail "a new README.md appears in SRC as written" "$(cat "$SRC/docs/README.md" 2>&1)"

# ---- bad saves -------------------------------------------------------------------
cp "$SRC/secrets/db.yaml" before.yaml
WC="python3 $ROOT/tests/tools/write_close.py"
r=$($WC "$MNT/secrets/db.yaml" 'user: [broken\n')
[ "$r" = EIO ] && ok "invalid YAML is refused at close (EIO)" || fail "invalid YAML is refused at close" "$r"
cmp -s before.yaml "$SRC/secrets/db.yaml" && ok "the backing file is unchanged after the bad save" || fail "bad save changed SRC" ""
grep -q 'broken' "$MNT/secrets/db.yaml" && ok "the draft stays readable after the bad save" || fail "draft readable" "$(cat "$MNT/secrets/db.yaml")"
getfattr --only-values -n user.sopsfs.error "$MNT/secrets/db.yaml" 2>/dev/null | grep -qi 'yaml' \
	&& ok "user.sopsfs.error says why" || fail "user.sopsfs.error says why" "$(getfattr -n user.sopsfs.error "$MNT/secrets/db.yaml" 2>&1)"
printf 'user: admin\npassword: fixed-pw-2\n' >"$MNT/secrets/db.yaml"
"$CLI" decrypt "$SRC/secrets/db.yaml" | grep -q fixed-pw-2 && ok "a corrected save then succeeds" || fail "corrected save" ""
r=$($WC "$MNT/secrets/db.yaml" 'a: 1\nsops: {}\n')
[ "$r" = EIO ] && ok "a top-level sops key is refused (EIO)" || fail "a top-level sops key is refused" "$r"
printf 'user: admin\npassword: fixed-pw-2\n' >"$MNT/secrets/db.yaml"

# ---- conflict with a change in SRC during an edit ----------------------------------
r=$($WC "$MNT/secrets/db.yaml" 'user: admin\npassword: mine\n' \
	"printf 'user: git-pulled\\n' | (cd '$SRC' && '$CLI' encrypt --filename-override secrets/db.yaml - >secrets/db.yaml.new) && mv '$SRC/secrets/db.yaml.new' '$SRC/secrets/db.yaml' && cp '$SRC/secrets/db.yaml' '$TMP/pulled.yaml'" \
	'extra: line\n')
[ "$r" = EIO ] && cmp -s pulled.yaml "$SRC/secrets/db.yaml" \
	&& ok "a commit over a file changed in SRC is refused with EIO (SRC keeps the pulled version)" \
	|| fail "conflict" "close: $r"
getfattr --only-values -n user.sopsfs.error "$MNT/secrets/db.yaml" 2>/dev/null | grep -q conflict \
	&& ok "the conflict is named in user.sopsfs.error" || fail "conflict xattr" "$(getfattr -n user.sopsfs.error "$MNT/secrets/db.yaml" 2>&1)"
setfattr -x user.sopsfs.draft "$MNT/secrets/db.yaml" 2>/dev/null
grep -q git-pulled "$MNT/secrets/db.yaml" && ok "dropping the draft shows the pulled version" || fail "drop draft" "$(cat "$MNT/secrets/db.yaml")"

# ---- POSIX corners -----------------------------------------------------------------
cd "$MNT/docs" || exit 1
if (set -o noclobber; echo x >excl.txt) && ! (set -o noclobber; echo y >excl.txt) 2>/dev/null; then ok "O_EXCL create"; else fail "O_EXCL create" ""; fi
mkdir d1 && rmdir d1 && ok "mkdir/rmdir" || fail "mkdir/rmdir" ""
ln -s does-not-exist dangling && [ "$(readlink dangling)" = does-not-exist ] && ok "symlink with a dangling target" || fail "dangling symlink" ""
sleep 1.2
ln excl.txt hard.txt && [ "$(stat -c %h hard.txt)" = 2 ] && ok "link (nlink 2)" || fail "link" "$(stat -c %h hard.txt 2>&1)"
chmod 640 excl.txt && [ "$(stat -c %a excl.txt)" = 640 ] && ok "chmod" || fail "chmod" ""
chown "$(id -u)" excl.txt && ok "chown to self" || fail "chown to self" ""
touch -d '2001-02-03 04:05:06' excl.txt && [ "$(stat -c %Y excl.txt)" = "$(date -d '2001-02-03 04:05:06' +%s)" ] && ok "utimens" || fail "utimens" ""
python3 "$ROOT/tests/tools/renameat2.py" noreplace excl.txt README.md >e 2>&1; [ "$(cat e)" = EEXIST ] && ok "RENAME_NOREPLACE" || fail "RENAME_NOREPLACE" "$(cat e)"
echo a >xa; echo b >xb; sleep 1.2
python3 "$ROOT/tests/tools/renameat2.py" exchange xa xb >e 2>&1 && [ "$(cat xa)" = b ] && ok "RENAME_EXCHANGE" || fail "RENAME_EXCHANGE" "$(cat e)"
getfattr -n system.posix_acl_access excl.txt >e 2>&1; grep -q 'No such attribute\|Operation not supported' e && ok "ACL xattrs fail cleanly" || fail "ACL xattrs" "$(cat e)"
setfattr -n user.test -v 42 excl.txt && [ "$(getfattr --only-values -n user.test excl.txt)" = 42 ] && ok "user xattrs" || fail "user xattrs" ""
# getxattr answers from SRC in one call relative to a cached directory: the
# same answers as the slow path for every kind of name
mkdir -p "$SRC/docs/deep/er" && echo x >"$SRC/docs/deep/er/f.txt" && ln -s f.txt "$SRC/docs/deep/er/ln"
setfattr -n user.deep -v v1 "$SRC/docs/deep/er/f.txt"; setfattr -n user.dir -v dv "$SRC/docs/deep"
echo t >"$SRC/docs/.sopsfs-tmp.x1" && setfattr -n user.deep -v hidden "$SRC/docs/.sopsfs-tmp.x1"
setfattr -n user.root -v rv "$SRC"; setfattr -n user.sops -v sv "$SRC/secrets/db.yaml"
setfattr -n user.big -v "$(head -c 3000 /dev/zero | tr '\0' b)" "$SRC/docs/deep/er/f.txt"
r=$(python3 - "$MNT" <<'PY'
import errno, os, sys
m = sys.argv[1]
def g(p, n):
    try:
        return os.getxattr(os.path.join(m, p), n, follow_symlinks=False).decode()[:8]
    except OSError as e:
        return errno.errorcode[e.errno]
print(g("docs/deep/er/f.txt", "user.deep"), g("docs/deep", "user.dir"), g("", "user.root"),
      g("secrets/db.yaml", "user.sops"), len(os.getxattr(m + "/docs/deep/er/f.txt", "user.big")),
      g("docs/deep/er/ln", "user.deep"), g("docs/deep/er/nope", "user.deep"),
      g("docs/deep/er/f.txt", "user.none"), g("docs/.sopsfs-tmp.x1", "user.deep"))
PY
)
[ "$r" = "v1 dv rv sv 3000 ENODATA ENOENT ENODATA ENOENT" ] && ok "getxattr through the mount (deep, dir, root, SOPS file, large, symlink, missing)" \
	|| fail "getxattr answers" "$r"
df "$MNT" >/dev/null && ok "statfs" || fail "statfs" ""
python3 -c "import os; fd=os.open('$MNT/docs', os.O_RDONLY); os.fsync(fd)" && ok "fsyncdir" || fail "fsyncdir" ""
mkdir -p "$SRC/.git" && echo ref >"$SRC/.git/HEAD"
r=$($WC "$MNT/.git/HEAD" 'x')
[ "$r" = EROFS ] && ok ".git is read-only in the mount (run git in SRC)" || fail ".git read-only" "$r"
cd "$TMP" || exit 1
unmount_sopsfs "$MNT"

# ---- kill -9 in the middle of 200 saves ----------------------------------------------
CR=$TMP/crash
mkdir -p "$CR"
for i in 1 2 3 4; do
	printf 'n: 0\nsecret: crash-%s-0\n' "$i" | "$CLI" encrypt --age "$R1" --filename-override f$i.yaml - >"$CR/f$i.yaml"
done
MNTC=$(new_mountpoint)
SOPSFS_MOUNT_BIN=$ROOT/build/sopsfs mount_sopsfs "$CR" "$MNTC"
(
	for n in $(seq 1 200); do
		i=$((n % 4 + 1))
		case $((n % 3)) in
		0) printf 'n: %s\nsecret: crash-%s-%s\n' "$n" "$i" "$n" >"$MNTC/f$i.yaml" ;;
		1) sed -i "s/^n: .*/n: $n/" "$MNTC/f$i.yaml" ;;
		2) python3 -c "import os,sys; p=sys.argv[1]; t=p+'.tmp$n'; open(t,'w').write('n: $n\nsecret: crash-$i-$n\n'); os.replace(t,p)" "$MNTC/f$i.yaml" ;;
		esac
	done
) 2>/dev/null &
writer=$!
sleep 1.5
kill -9 "$MOUNT_PID"
wait "$MOUNT_PID" 2>/dev/null
wait "$writer" 2>/dev/null
fusermount3 -u -z "$MNTC" 2>/dev/null
bad=""
for i in 1 2 3 4; do
	"$CLI" decrypt "$CR/f$i.yaml" >out 2>err || bad="$bad f$i(decrypt: $(head -c 80 err))"
	grep -q "^secret: crash-$i-" out || bad="$bad f$i(content)"
done
[ -z "$bad" ] && ok "after kill -9 during saves every file decrypts with a valid MAC, old or new content" \
	|| fail "kill -9 during saves" "$bad"
SOPSFS_MOUNT_BIN=$ROOT/build/sopsfs mount_sopsfs "$CR" "$MNTC"
left=$(ls -A "$MNTC" | grep -v '^f[1-4].yaml$')
[ -z "$left" ] && ok "after remount no temp file is visible in the mount" || fail "temp files visible after kill -9" "$left"
unmount_sopsfs "$MNTC"
