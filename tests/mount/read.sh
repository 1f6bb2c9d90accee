#!/usr/bin/env bash
# read.sh - the mount's read side (acceptance of the read-side issue):
# every file of a mixed repository (five stores, age, PGP, Shamir, plain
# files) reads through the mount exactly like `sopsfs decrypt` prints it with
# the right st_size; find/ls -lR/grep -r/cp -r work; kubectl kustomize over
# the mount equals the same over a decrypted copy; every sops fixture reads
# like the CLI prints it or fails with EIO and a reason in user.sopsfs.error;
# changes underneath are seen; 1,000 files unwrap their keys once; 6,000
# files grow the entry table (a directory renamed among them); a large
# plain file (spliced from SRC) reads byte for byte at any offset; the key
# arena is locked and not dumped; unmount leaves nothing behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
need_fuse "mount read side" || exit 0
CLI=$ROOT/build/sopsfs
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
cd "$TMP" || exit 1

# ---- a mixed repository -------------------------------------------------
age-keygen -o age1.txt 2>/dev/null; age-keygen -o age2.txt 2>/dev/null
R1=$(age-keygen -y age1.txt); R2=$(age-keygen -y age2.txt)
cat age1.txt age2.txt >ages.txt
export SOPS_AGE_KEY_FILE=$TMP/ages.txt
FP=""
if [ -n "$SHARED" ]; then
	gpg --batch --quiet --import "$SHARED/interop/sops-vectors/keys/pgp.asc" 2>/dev/null
	FP=$(cat "$SHARED/interop/sops-vectors/keys/pgp.fpr")
fi
SRC=$TMP/src
mkdir -p "$SRC/k" "$SRC/secrets/deep" "$SRC/plain"
enc() {   # name recipients-args... < plaintext
	local name=$1; shift
	"$CLI" encrypt "$@" --filename-override "$name" - >"$SRC/$name"
}
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\ntype: Opaque\nstringData:\n    password: pw-k8s-1\n    user: app\n' |
	enc k/secret.yaml --age "$R1" --encrypted-regex '^(data|stringData)$'
printf 'resources:\n    - secret.yaml\n    - deploy.yaml\n' >"$SRC/k/kustomization.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n    name: web\nspec:\n    replicas: 2\n' >"$SRC/k/deploy.yaml"
printf '# db\ndb:\n    user: admin\n    password: pw-yaml-2 # inline\n    port: 5432\nlist:\n    - a\n    - b\n' | enc secrets/app.yaml --age "$R1"
printf '{\n\t"token": "pw-json-3",\n\t"n": 1.5\n}\n' | enc secrets/app.json --age "$R1"
printf 'A=pw-env-4\n# c\nB=x\n' | enc secrets/app.env --age "$R1"
printf '[s]\nk = pw-ini-5\n' | enc secrets/app.ini --age "$R1"
head -c 2000 /dev/urandom >bin.plain
enc secrets/blob.bin --age "$R1" <bin.plain
if [ -n "$FP" ]; then
	printf 'pgp: pw-pgp-6\n' | enc secrets/deep/pgp.yaml --pgp "$FP"
	mkdir -p cfg && cat >cfg/.sops.yaml <<EOF2
creation_rules:
    - shamir_threshold: 2
      key_groups:
          - age: [$R1]
          - age: [$R2]
          - pgp: [$FP]
EOF2
	(cd cfg && printf 'shamir: pw-shamir-7\n' | "$CLI" encrypt --filename-override s.yaml - >"$SRC/secrets/deep/shamir.yaml")
fi
printf '# readme\n' >"$SRC/plain/README.md"
printf 'not sops: password: ENC[but not really]\n' >"$SRC/plain/notes.txt"
ln -s ../secrets/app.yaml "$SRC/plain/link.yaml"
ln -s /etc/passwd "$SRC/plain/outside"

MNT=$(new_mountpoint)
if ! mount_sopsfs "$SRC" "$MNT"; then
	fail "mount a mixed repository" "$(cat "$TMP/mount.log")"; exit 0
fi
ok "mount a mixed repository"

# ---- every file: bytes and st_size ---------------------------------------
bad=""
while IFS= read -r -d '' f; do
	rel=${f#"$SRC"/}
	if "$CLI" decrypt "$f" >exp 2>/dev/null; then :; else cp "$f" exp; fi
	if ! cmp -s exp "$MNT/$rel"; then bad="$bad $rel(bytes)"; fi
	if [ "$(stat -c %s "$MNT/$rel")" != "$(stat -c %s exp)" ]; then bad="$bad $rel(size)"; fi
done < <(find "$SRC" -type f -print0)
[ -z "$bad" ] && ok "every file reads like sopsfs decrypt prints it, with that st_size" \
	|| fail "every file reads like sopsfs decrypt prints it, with that st_size" "$bad"
[ "$(stat -c %a "$MNT/secrets/app.yaml")" = 600 ] && ok "decrypted views have mode 0600" \
	|| fail "decrypted views have mode 0600" "$(stat -c %a "$MNT/secrets/app.yaml")"
[ "$(readlink "$MNT/plain/link.yaml")" = ../secrets/app.yaml ] && cmp -s "$MNT/plain/link.yaml" "$MNT/secrets/app.yaml" \
	&& ok "symlinks are returned and resolve inside the mount" || fail "symlinks" "$(readlink "$MNT/plain/link.yaml")"
[ "$(readlink "$MNT/plain/outside")" = /etc/passwd ] && ok "a symlink out of SRC is returned as is (the kernel resolves it)" \
	|| fail "symlink out of SRC" "$(readlink "$MNT/plain/outside")"

# ---- tools ----------------------------------------------------------------
diff <(cd "$SRC" && find . | sort) <(cd "$MNT" && find . | sort) >/dev/null \
	&& ok "find lists the same tree" || fail "find lists the same tree" "$(diff <(cd "$SRC" && find . | sort) <(cd "$MNT" && find . | sort) | head -5)"
ls -lR "$MNT" >lslr 2>lserr && [ ! -s lserr ] && grep -q 'app.yaml' lslr && ok "ls -lR works" || fail "ls -lR works" "$(head -3 lserr)"
grep -rl 'pw-yaml-2' "$MNT" >g 2>/dev/null; grep -rl 'pw-yaml-2' "$SRC" >gs 2>/dev/null
if grep -q 'secrets/app.yaml' g && [ ! -s gs ]; then ok "grep -r finds a secret in the mount (and not in SRC)"; else fail "grep -r" "$(cat g gs)"; fi
cp -r "$MNT" out 2>cperr
bad=""
while IFS= read -r -d '' f; do
	rel=${f#"$SRC"/}
	"$CLI" decrypt "$f" >exp 2>/dev/null || cp "$f" exp
	cmp -s exp "out/$rel" || bad="$bad $rel"
done < <(find "$SRC" -type f -print0)
[ -z "$bad" ] && [ ! -s cperr ] && ok "cp -r MNT out/ copies the decrypted tree" || fail "cp -r MNT out/" "$bad $(head -2 cperr)"
if command -v kubectl >/dev/null 2>&1; then
	if kubectl kustomize "$MNT/k" >kz1 2>kerr && kubectl kustomize out/k >kz2 2>>kerr && cmp -s kz1 kz2 && grep -q pw-k8s-1 kz1; then
		ok "kubectl kustomize of the mount equals the same over a decrypted copy"
	else
		fail "kubectl kustomize of the mount" "$(head -3 kerr)"
	fi
else
	skip "kubectl kustomize of the mount" "kubectl is not installed"
fi

# ---- changes underneath -----------------------------------------------------
(cd "$SRC" && git init -q . && git add -A && git -c user.email=t@t -c user.name=t commit -qm v1)
printf 'db:\n    password: pw-v2-changed\n' | "$CLI" encrypt --age "$R1" --filename-override secrets/app.yaml - >new.yaml
mv new.yaml "$SRC/secrets/app.yaml"
grep -q 'pw-v2-changed' "$MNT/secrets/app.yaml" && ok "a new version renamed over the backing file is read" \
	|| fail "a new version renamed over the backing file is read" "$(head -3 "$MNT/secrets/app.yaml")"
(cd "$SRC" && git checkout -q -- secrets/app.yaml)
grep -q 'pw-yaml-2' "$MNT/secrets/app.yaml" && ! grep -q 'pw-v2-changed' "$MNT/secrets/app.yaml" \
	&& ok "git checkout of the older version in SRC is read" || fail "git checkout in SRC" "$(head -3 "$MNT/secrets/app.yaml")"
[ "$(stat -c %s "$MNT/secrets/app.yaml")" = "$("$CLI" decrypt "$SRC/secrets/app.yaml" | wc -c)" ] \
	&& ok "st_size follows the change" || fail "st_size follows the change" "$(stat -c %s "$MNT/secrets/app.yaml")"
# an ordinary file the mount has seen (then kept as a small record instead of
# an entry, fs/entries/plain.h) that becomes a SOPS file in SRC, and plain
# again, is read as what it is each time; so is an append through the mount
until_has() {   # file text: up to 3 s (a change in SRC reaches the kernel via inotify)
	for _ in $(seq 1 30); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
printf 'note: plain\n' >"$SRC/plain/turns.yaml"
cat "$MNT/plain/turns.yaml" >/dev/null; cat "$MNT/plain/turns.yaml" >/dev/null
printf 'tok: pw-turned-sops-9\n' | "$CLI" encrypt --age "$R1" --filename-override plain/turns.yaml - >turns.enc
mv turns.enc "$SRC/plain/turns.yaml"
until_has "$MNT/plain/turns.yaml" 'tok: pw-turned-sops-9' &&
	[ "$(stat -c %s "$MNT/plain/turns.yaml")" = 22 ] && t1=ok || t1="$(head -c 80 "$MNT/plain/turns.yaml")"
printf 'note: plain again\n' >turns.new && mv turns.new "$SRC/plain/turns.yaml"
until_has "$MNT/plain/turns.yaml" 'note: plain again' && ! grep -q sops "$MNT/plain/turns.yaml" && t2=ok ||
	t2="$(head -c 80 "$MNT/plain/turns.yaml")"
echo 'more: 1' >>"$MNT/plain/turns.yaml"
[ "$(cat "$MNT/plain/turns.yaml")" = "$(printf 'note: plain again\nmore: 1')" ] &&
	[ "$(cat "$SRC/plain/turns.yaml")" = "$(printf 'note: plain again\nmore: 1')" ] && t3=ok || t3="$(cat "$MNT/plain/turns.yaml")"
[ "$t1$t2$t3" = okokok ] && ok "a plain file turned SOPS in SRC and back reads as what it is; an append through the mount shows" \
	|| fail "plain file turned SOPS and back" "$t1 / $t2 / $t3"

# ---- locked key arena ---------------------------------------------------------
if [ -r "/proc/$MOUNT_PID/smaps" ]; then
	awk '/^[0-9a-f]+-[0-9a-f]+ /{m=$0} /^VmFlags:/{ if ($0 ~ / lo/ && $0 ~ / dd/) n++ } END{print n+0}' \
		"/proc/$MOUNT_PID/smaps" >flags
	[ "$(cat flags)" -ge 1 ] && ok "the daemon's key arena is locked (lo) and not dumped (dd)" \
		|| fail "key arena lo/dd" "no mapping with both flags"
else
	skip "key arena lo/dd" "/proc/PID/smaps of the (non-dumpable) daemon is not readable by this user"
fi
[ "$(awk '/^VmLck/{print $2}' "/proc/$MOUNT_PID/status" 2>/dev/null || echo 0)" -gt 0 ] 2>/dev/null \
	&& ok "the daemon has locked memory (VmLck > 0)" || skip "VmLck" "not readable"
grep -q '^0$' <(awk '/^(Uid|State)/' "/proc/$MOUNT_PID/status" >/dev/null; echo 0) # keep shellcheck quiet

# ---- SIGUSR1 wipes keys ------------------------------------------------------
u1=$(getfattr --only-values -n user.sopsfs.unwraps "$MNT" 2>/dev/null)
cat "$MNT/secrets/app.env" >/dev/null; cat "$MNT/secrets/app.env" >/dev/null
pages_before=$(fincore -n -o PAGES "$MNT/secrets/app.env" 2>/dev/null | tr -d ' ')
kill -USR1 "$MOUNT_PID"; sleep 1.5
pages_after=$(fincore -n -o PAGES "$MNT/secrets/app.env" 2>/dev/null | tr -d ' ')
if [ -n "$pages_before" ] && [ "$pages_before" -ge 1 ] && [ "$pages_after" = 0 ]; then
	ok "warm reads use the page cache, and SIGUSR1 drops the kernel's cached plaintext pages"
else
	fail "page cache dropped on SIGUSR1" "pages before $pages_before after $pages_after"
fi
cat "$MNT/secrets/app.json" >/dev/null
u2=$(getfattr --only-values -n user.sopsfs.unwraps "$MNT" 2>/dev/null)
[ -n "$u1" ] && [ "$u2" -gt "$u1" ] && ok "SIGUSR1 wipes the key cache (next read unwraps again)" \
	|| fail "SIGUSR1 wipes the key cache" "unwraps $u1 -> $u2"

# ---- unmount leaves nothing ---------------------------------------------------
pid=$MOUNT_PID
unmount_sopsfs "$MNT"
sleep 0.2
if ! kill -0 "$pid" 2>/dev/null && ! mountpoint -q "$MNT" && [ -z "$(find "$SRC" -name '.sopsfs-tmp.*')" ] && [ -z "$(ls -A "$MNT")" ]; then
	ok "unmount leaves no process, mount or temp file"
else
	fail "unmount leaves no process, mount or temp file" "pid alive or mounted"
fi

# ---- SIGTERM unmounts, MNT inside SRC is refused, no identity -------------------
MNT2=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT2" && kill -TERM "$MOUNT_PID"
for _ in $(seq 1 100); do mountpoint -q "$MNT2" || break; sleep 0.05; done
mountpoint -q "$MNT2" && fail "SIGTERM unmounts" "still mounted" || ok "SIGTERM unmounts cleanly"
if "$CLI" "$SRC" "$SRC/plain" -f >err 2>&1; then fail "MNT inside SRC is refused" "mounted"; else
	grep -q 'must not be inside' err && ok "MNT inside SRC is refused with a clear message" || fail "MNT inside SRC" "$(cat err)"; fi
if "$CLI" "$MNT2" "$MNT2/../$(basename "$MNT2")" -f >err 2>&1; then fail "SRC == MNT is refused" "mounted"; else ok "SRC equal to MNT is refused"; fi
mkdir -p emptyhome
MNT3=$(new_mountpoint)
if env -u SOPS_AGE_KEY_FILE HOME=$TMP/emptyhome GNUPGHOME=$TMP/nogpg bash -c ". '$ROOT/tests/lib.sh' >/dev/null 2>&1; true"; then :; fi
mkdir -p nogpg && chmod 700 nogpg
SOPS_AGE_KEY_FILE=/nonexistent GNUPGHOME=$TMP/nogpg mount_sopsfs "$SRC" "$MNT3"
if cmp -s "$MNT3/plain/README.md" "$SRC/plain/README.md" && ! cat "$MNT3/secrets/app.yaml" >/dev/null 2>err \
   && grep -q 'Input/output error' err \
   && getfattr --only-values -n user.sopsfs.error "$MNT3/secrets/app.yaml" 2>/dev/null | grep -q 'Failed to get the data key'; then
	ok "without identities: plain files work, SOPS files fail with EIO and sops' reason"
else
	fail "without identities" "$(cat err) / $(getfattr -n user.sopsfs.error "$MNT3/secrets/app.yaml" 2>&1 | head -2)"
fi
unmount_sopsfs "$MNT3"

# ---- every sops fixture --------------------------------------------------------
if [ -n "$SHARED" ]; then
	FX=$SHARED/interop/sops
	gpg --batch --quiet --import "$FX/pgp/sops_functional_tests_key.asc" 2>/dev/null
	MNT4=$(new_mountpoint)
	SOPS_AGE_KEY_FILE=$FX/_history/7ebee3dc7/age/keys.txt mount_sopsfs "$FX" "$MNT4"
	good=0; badl=""
	while IFS= read -r -d '' f; do
		rel=${f#"$FX"/}
		if SOPS_AGE_KEY_FILE=$FX/_history/7ebee3dc7/age/keys.txt "$CLI" decrypt "$f" >exp 2>experr; then
			cmp -s exp "$MNT4/$rel" && good=$((good + 1)) || badl="$badl $rel"
		elif cat "$MNT4/$rel" >got 2>/dev/null; then
			# not a sops file: passed through unchanged, no error recorded
			cmp -s "$f" got && ! getfattr -n user.sopsfs.error "$MNT4/$rel" >/dev/null 2>&1 \
				&& good=$((good + 1)) || badl="$badl $rel(plain)"
		else
			if ! cat "$MNT4/$rel" >/dev/null 2>err && grep -q 'Input/output error' err &&
			   [ -n "$(getfattr --only-values -n user.sopsfs.error "$MNT4/$rel" 2>/dev/null)" ]; then
				good=$((good + 1))
			else
				badl="$badl $rel(eio)"
			fi
		fi
	done < <(find "$FX" -type f -print0)
	[ -z "$badl" ] && ok "all $good files of interop/sops read like the CLI prints them (or EIO with a reason)" \
		|| fail "interop/sops through the mount" "$badl"
	getfattr --only-values -n user.sopsfs.error "$MNT4/functional-tests/res/no_mac.yaml" 2>/dev/null | grep -q 'MAC mismatch' \
		&& ok "no_mac.yaml fails with sops' MAC reason in user.sopsfs.error" || fail "no_mac.yaml reason" "missing"
	for f in functional-tests/res/no_mac.yaml config/test_resources/example.yaml stores/ini/test_resources/example.json; do
		if ! cat "$MNT4/$f" >/dev/null 2>err && grep -q 'Input/output error' err; then
			ok "unreadable fixture $f fails with EIO"
		else
			fail "unreadable fixture $f fails with EIO" "$(cat err)"
		fi
	done
	unmount_sopsfs "$MNT4"
else
	skip "interop/sops through the mount" "../shared is missing"
fi

# ---- 1,000 files: each data key unwrapped once ------------------------------------
THOU=$TMP/thousand
mkdir -p "$THOU"
seq -w 1 1000 | xargs -P 4 -I{} sh -c "printf 'k{}: v-{}\n' | '$CLI' encrypt --age '$R1' --filename-override s{}.yaml - > '$THOU/s{}.yaml'"
MNT5=$(new_mountpoint)
SOPSFS_MOUNT_BIN=$ROOT/build/sopsfs mount_sopsfs "$THOU" "$MNT5"
cat "$MNT5"/*.yaml >pass1; cat "$MNT5"/*.yaml >pass2
n=$(getfattr --only-values -n user.sopsfs.unwraps "$MNT5" 2>/dev/null)
if [ "$n" = 1000 ] && cmp -s pass1 pass2 && [ "$(grep -c '^k' pass1)" = 1000 ]; then
	ok "1,000 SOPS files: each data key unwrapped exactly once over two full passes"
else
	fail "1,000 SOPS files unwrap once" "unwraps=$n lines=$(grep -c '^k' pass1)"
fi
unmount_sopsfs "$MNT5"

# ---- 6,000 files: the entry table grows past its first 4,096 buckets ---------------
# (every file read gets an entry; a directory renamed through the mount moves
# its entries to their new names in the grown table)
MANY=$TMP/many
for d in $(seq -w 1 60); do
	mkdir -p "$MANY/d$d"
	(cd "$MANY/d$d" && for i in $(seq -w 1 100); do echo "d$d/f$i" >"f$i"; done)
done
(cd "$MANY" && find . -type f | sort | xargs cat | md5sum) >many.want
MNT6=$(new_mountpoint)
mount_sopsfs "$MANY" "$MNT6"
(cd "$MNT6" && find . -type f | sort | xargs cat | md5sum) >many.got
mv "$MNT6/d07" "$MNT6/e07" && echo changed >>"$MNT6/e07/f050"
got=$(cat "$MNT6/e07/f001" "$MNT6/e07/f050" "$MNT6/d08/f100" 2>&1 | tr '\n' ' ')
if cmp -s many.want many.got && [ "$got" = "d07/f001 d07/f050 changed d08/f100 " ] &&
   [ "$(cat "$MANY/e07/f050" | tr '\n' ' ')" = "d07/f050 changed " ] && [ ! -e "$MNT6/d07/f001" ]; then
	ok "6,000 files read through the mount; a directory renamed among them keeps its files' contents"
else
	fail "6,000 files" "$(cat many.got) / $got"
fi
unmount_sopsfs "$MNT6"

# ---- a large plain file: its pages are spliced from SRC (fs/fuse/ops_read.c) --
BIGD=$TMP/bigplain
mkdir -p "$BIGD"
head -c $((9 * 1048576 + 1234)) /dev/urandom >"$BIGD/big.bin"
MNT7=$(new_mountpoint)
mount_sopsfs "$BIGD" "$MNT7"
cat >preads.py <<'PY'
import os, random, sys
# 300 reads at random offsets and lengths (some past the end) through the
# mount, each compared with the same range of the file in SRC
mnt, src = sys.argv[1], sys.argv[2]
want = open(src, "rb").read()
fd = os.open(mnt, os.O_RDONLY)
rnd = random.Random(7)
bad = 0
for i in range(300):
    off = rnd.randrange(0, len(want) + 5000)
    n = rnd.choice([1, 7, 4096, 65537, 131072, 262144 + 3, 1048576])
    if os.pread(fd, n, off) != want[off:off + n]:
        bad += 1
os.close(fd)
print(bad)
PY
whole=$(cmp "$MNT7/big.bin" "$BIGD/big.bin" 2>&1 && echo same)
badr=$(python3 preads.py "$MNT7/big.bin" "$BIGD/big.bin" 2>&1)
# the same bytes changed in SRC (size kept): the next read shows them
printf 'CHANGED-IN-SRC' | dd of="$BIGD/big.bin" bs=1 seek=5000000 conv=notrunc status=none
touch -d '+2 seconds' "$BIGD/big.bin"
after=$(dd if="$MNT7/big.bin" bs=1 skip=5000000 count=14 status=none 2>&1)
if [ "$whole" = same ] && [ "$badr" = 0 ] && [ "$after" = CHANGED-IN-SRC ] &&
   cmp -s "$MNT7/big.bin" "$BIGD/big.bin"; then
	ok "a 9 MiB plain file reads byte for byte (whole, 300 random ranges, after a change in SRC)"
else
	fail "large plain file" "whole=$whole bad_ranges=$badr after=$after"
fi
unmount_sopsfs "$MNT7"
