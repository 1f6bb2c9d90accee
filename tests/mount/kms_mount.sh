#!/usr/bin/env bash
# kms_mount.sh - the mount with AWS KMS files (local stand-in): reads give
# the plaintext; a cold pass unwraps in parallel (prefetch) instead of one
# round trip after another; prefetch=off stays on demand; a hung service
# fails only its files (EIO after kms_timeout) while age files in the same
# directory keep answering in under a second; new files follow a kms rule;
# no secret in the -d log.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"
. "$ROOT/tests/keyservices/kms1_lib.sh"

need_fuse kms_mount || exit 0
if ! aws_start "$TMP/aws"; then
	fail "kms_mount: stand-in" "did not start: $(head -c 400 "$TMP/aws/server.log")"
	exit 0
fi
aws_env; aws_env_keys
GEN=$ROOT/build/sopsfs          # fast generator (the daemon under test is the ASan one)
[ -x "$GEN" ] || GEN=$SOPSFS
age-keygen -o "$TMP/age.txt" 2>/dev/null
AGE_R=$(age-keygen -y "$TMP/age.txt")
export SOPS_AGE_KEY_FILE=$TMP/age.txt

SRC=$TMP/src
mkdir -p "$SRC/kms" "$SRC/mixed" "$SRC/new" "$SRC/agedir"
N=24
for i in $(seq 1 $N); do
	printf 'id: file-%s\ntoken: secret-%s\n' "$i" "$i" >"$TMP/p.yaml"
	"$GEN" encrypt --kms "$AWS_KEY1" "$TMP/p.yaml" >"$SRC/kms/f$i.yaml" 2>>"$TMP/gen.err" || break
done
for i in 1 2 3; do
	printf 'id: age-%s\n' "$i" >"$TMP/p.yaml"
	"$GEN" encrypt --age "$AGE_R" "$TMP/p.yaml" >"$SRC/mixed/age$i.yaml"
	cp "$SRC/mixed/age$i.yaml" "$SRC/agedir/age$i.yaml"
	printf 'id: kms-%s\n' "$i" >"$TMP/p.yaml"
	"$GEN" encrypt --kms "$AWS_KEY2" "$TMP/p.yaml" >"$SRC/mixed/kms$i.yaml"
done
printf 'user: admin\npass: old-value\n' >"$TMP/p.yaml"
"$GEN" encrypt --kms "$AWS_KEY1" --encryption-context 'Env:prod,Team:core' "$TMP/p.yaml" >"$SRC/new/ctx.yaml"
cat >"$SRC/.sops.yaml" <<EOF2
creation_rules:
  - path_regex: new/.*\.yaml$
    kms: "$AWS_KEY1"
EOF2
if [ "$(ls "$SRC/kms" | wc -l)" -ne $N ]; then
	fail "kms_mount: setup" "$(head -c 300 "$TMP/gen.err")"; exit 0
fi

expected_tree() {
	for i in $(seq 1 $N); do printf 'id: file-%s\ntoken: secret-%s\n' "$i" "$i"; done
}

# ---- cold pass with prefetch: parallel unwraps ----
MNT=$(new_mountpoint)
knobs "$AWS_STATE" '{"latency_ms": 30}'
rm -f "$AWS_STATE/max_inflight"
# (ahead=0: the age files beside kms/ would add their own unwraps to the count)
mount_sopsfs "$SRC" "$MNT" -d -o kms_parallel=8,kms_timeout=3,ahead=0 || { fail "kms_mount: mount" "$(tail -3 "$TMP/mount.log")"; exit 0; }
t0=$(date +%s%N)
( cd "$MNT/kms" && cat $(for i in $(seq 1 $N); do echo "f$i.yaml"; done) ) >"$TMP/got.txt" 2>"$TMP/cat.err"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expected_tree >"$TMP/want.txt"
same_bytes "kms_mount: KMS files read through the mount" "$TMP/want.txt" "$TMP/got.txt"
peak=$(cat "$AWS_STATE/max_inflight" 2>/dev/null || echo 0)
unw=$(getfattr --only-values -n user.sopsfs.unwraps "$MNT" 2>/dev/null)
[ "${peak:-0}" -ge 4 ] && [ "$unw" = "$N" ] &&
	ok "kms_mount: cold pass unwraps in parallel (peak $peak in flight, $unw unwraps, ${ms} ms for $N files at 30 ms)" ||
	fail "kms_mount: parallel cold pass" "peak=$peak unwraps=$unw ms=$ms"
# a change re-encrypts with the same key: the kms entry stays byte-identical
sed -n '/^    kms:/,/^    lastmodified/p' "$SRC/new/ctx.yaml" >"$TMP/kms-before"
sed -i 's/old-value/new-value/' "$MNT/new/ctx.yaml"
sed -n '/^    kms:/,/^    lastmodified/p' "$SRC/new/ctx.yaml" | sed '$d' >"$TMP/kms-after"
sed '$d' "$TMP/kms-before" >"$TMP/kms-before2"
if grep -q '^pass: new-value$' "$MNT/new/ctx.yaml" && ! grep -q new-value "$SRC/new/ctx.yaml" &&
	grep -q '^            Team: core$' "$TMP/kms-after" && cmp -s "$TMP/kms-before2" "$TMP/kms-after"; then
	ok "kms_mount: a save keeps the kms entry (context map included) byte-identical"
else
	fail "kms_mount: save of a KMS file" "$(diff "$TMP/kms-before2" "$TMP/kms-after" | head -5 | tr '\n' '|')"
fi
# a new file under the kms rule is encrypted to the rule's key
printf 'fresh: value-new\n' >"$MNT/new/created.yaml"
sleep 0.3
unmount_sopsfs "$MNT"
grep -q "arn: $AWS_KEY1" "$SRC/new/created.yaml" 2>/dev/null && ! grep -q value-new "$SRC/new/created.yaml" &&
	"$GEN" decrypt "$SRC/new/created.yaml" 2>/dev/null | grep -q 'fresh: value-new' &&
	ok "kms_mount: new file under a kms creation rule is wrapped by KMS" ||
	fail "kms_mount: new file under a kms rule" "$(head -c 300 "$SRC/new/created.yaml" 2>&1 | tr '\n' '|')"
if grep -q TESTSECRET "$TMP/mount.log"; then
	fail "kms_mount: no secret in the -d log" "$(grep -o '.\{30\}TESTSECRET.\{10\}' "$TMP/mount.log" | head -2)"
else
	grep -q "net: POST https://127.0.0.1:$AWS_PORT" "$TMP/mount.log" &&
		ok "kms_mount: -d log shows the requests but no secret, token or key" ||
		fail "kms_mount: -d log" "no request lines"
fi

# ---- prefetch=off: the same pass is one unwrap after another ----
MNT=$(new_mountpoint)
rm -f "$AWS_STATE/max_inflight"
mount_sopsfs "$SRC" "$MNT" -o prefetch=off || { fail "kms_mount: mount prefetch=off" "$(tail -3 "$TMP/mount.log")"; exit 0; }
( cd "$MNT/kms" && cat $(for i in $(seq 1 $N); do echo "f$i.yaml"; done) ) >"$TMP/got2.txt" 2>/dev/null
peak=$(cat "$AWS_STATE/max_inflight" 2>/dev/null || echo 0)
cmp -s "$TMP/want.txt" "$TMP/got2.txt" && [ "$peak" -eq 1 ] &&
	ok "kms_mount: prefetch=off unwraps on demand only (peak 1)" ||
	fail "kms_mount: prefetch=off" "peak=$peak"
unmount_sopsfs "$MNT"

# ---- a hung service fails only its files ----
# Twice: with the loop's hints (a request about to wait hands the reading of
# /dev/fuse on at once), and without them, when the loop's monitor must hand
# it on from the waiting request (fs/fuse/loop.c).
hung_case() {   # label
	local L=$1
	# (The kernel serialises lookups within one directory here - libfuse does not
	# get parallel dirops - so the age files read meanwhile are in another
	# directory; in the same directory they wait at most one kms_timeout.)
	MNT=$(new_mountpoint)
	knobs "$AWS_STATE" '{"hang": true}'
	mount_sopsfs "$SRC" "$MNT" -o kms_timeout=1.5 || { fail "kms_mount$L: mount (hung)" "$(tail -3 "$TMP/mount.log")"; exit 0; }
	ls "$MNT/mixed" >/dev/null
	( t=$(date +%s%N); cat "$MNT/mixed/kms1.yaml" >"$TMP/hung.out" 2>"$TMP/hung.err"; echo "$? $(( ($(date +%s%N) - t) / 1000000 ))" >"$TMP/hung.rc" ) &
	bg=$!
	sleep 0.2
	worst=0; good=1
	for i in 1 2 3; do
		t=$(date +%s%N)
		out=$(cat "$MNT/agedir/age$i.yaml" 2>&1)
		d=$(( ($(date +%s%N) - t) / 1000000 ))
		[ $d -gt $worst ] && worst=$d
		[ "$out" = "id: age-$i" ] || good=0
	done
	wait $bg
	read -r hrc hms <"$TMP/hung.rc"
	[ $good -eq 1 ] && [ $worst -lt 1000 ] &&
		ok "kms_mount$L: age files answer while the key service hangs (slowest ${worst} ms)" ||
		fail "kms_mount$L: age files during a hang" "good=$good worst=${worst} ms"
	[ "$hrc" -ne 0 ] && grep -q "Input/output error" "$TMP/hung.err" && [ "$hms" -ge 1000 ] && [ "$hms" -lt 6000 ] &&
		ok "kms_mount$L: KMS file fails with EIO after kms_timeout (${hms} ms)" ||
		fail "kms_mount$L: KMS file during a hang" "rc=$hrc ms=$hms $(cat "$TMP/hung.err")"
	why=$(getfattr --only-values -n user.sopsfs.error "$MNT/mixed/kms2.yaml" 2>/dev/null)
	t=$(date +%s%N); cat "$MNT/mixed/kms3.yaml" >/dev/null 2>&1; d=$(( ($(date +%s%N) - t) / 1000000 ))
	case "$why" in
	*"timed out"*|*"not retried"*) [ $d -lt 1000 ] &&
		ok "kms_mount$L: other files of the hung service fail fast (${d} ms; $(echo "$why" | head -c 60)...)" ||
		fail "kms_mount$L: breaker" "took ${d} ms" ;;
	*) fail "kms_mount$L: error reason of a hung-service file" "'$(echo "$why" | head -c 300)'" ;;
	esac
	knobs "$AWS_STATE" '{}'
	unmount_sopsfs "$MNT"
}
hung_case ""
export SOPSFS_LOOP_NO_HINTS=1
hung_case " (no hints)"
unset SOPSFS_LOOP_NO_HINTS
