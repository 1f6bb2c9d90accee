#!/usr/bin/env bash
# cli_keys.sh - `sopsfs updatekeys` and `sopsfs rotate` against the sops
# 3.13.2 vectors (edit/updatekeys*, edit/rotate*) and on a 300-file tree:
# updatekeys changes only the sops block (kept keys byte-identical), the new
# identity decrypts, a second run writes nothing; rotate gives a new data
# key, the old identity fails, values are unchanged; corrupted inputs fail
# cleanly and leave the file untouched.
. "$(dirname "$0")/../lib.sh"
require_shared keys || exit 0
V=$SHARED/interop/sops-vectors
NPM=$ROOT/build/npm
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg SOPS_AGE_KEY_FILE=$V/keys/age.txt
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
gpg --batch --quiet --import "$V/keys/pgp.asc" 2>/dev/null
A1=$(cat "$V/keys/age.recipient"); A2=$(cat "$V/keys/age2.recipient"); FP=$(cat "$V/keys/pgp.fpr")
cd "$TMP" || exit 1

# Lines of `diff a b` outside the sops block (YAML: after "^sops:").
body_diff() { diff <(sed '/^sops:/,$d' "$1") <(sed '/^sops:/,$d' "$2"); }
data_key() {   # file identity -> hex data key via age -d of age[0]
	node "$ROOT/tests/tools/extract_enc.mjs" "$NPM" "$1" age 0 2>/dev/null | age -d -i "$2" 2>/dev/null | od -An -tx1 | tr -d ' \n'
}

# --- updatekeys vector: age -> age + age2 + pgp, the existing entry kept.
mkdir uk; cp "$V/edit/updatekeys.before.yaml" uk/f.yaml; cp "$V/edit/updatekeys.after.sops.yaml" uk/.sops.yaml
(cd uk && "$SOPSFS" updatekeys -y f.yaml >out.txt 2>err.txt); rc=$?
if [ $rc = 0 ] && diff <(sed 1d "$V/edit/updatekeys.log.txt" | sed '/^--- stderr/,$d') uk/out.txt >/dev/null; then
	ok "updatekeys prints sops' group diff"
else
	fail "updatekeys prints sops' group diff" "rc=$rc $(head -c 300 uk/out.txt uk/err.txt | tr '\n' '|')"
fi
d=$(diff "$V/edit/updatekeys.before.yaml" uk/f.yaml | grep '^[<]')
if [ -z "$d" ] && [ -z "$(body_diff "$V/edit/updatekeys.before.yaml" uk/f.yaml)" ] &&
   grep -q "recipient: $A2" uk/f.yaml && grep -q "fp: $FP" uk/f.yaml; then
	ok "updatekeys only adds the new master keys (nothing else changes)"
else
	fail "updatekeys only adds the new master keys" "$(echo "$d" | head -c 300)"
fi
for id in age2 pgp; do
	if [ $id = pgp ]; then k=/dev/null; else k=$V/keys/age2.txt; fi
	if SOPS_AGE_KEY_FILE=$k "$SOPSFS" decrypt uk/f.yaml >uk/dec 2>uk/err &&
	   cmp -s uk/dec <("$SOPSFS" decrypt "$V/edit/updatekeys.before.yaml"); then
		ok "updatekeys: the added $id key decrypts the same values"
	else
		fail "updatekeys: the added $id key decrypts" "$(head -c 300 uk/err)"
	fi
done
if [ -d "$NPM/node_modules/yaml" ] && [ "$(data_key uk/f.yaml "$V/keys/age.txt")" = "$(data_key "$V/edit/updatekeys.before.yaml" "$V/keys/age.txt")" ] &&
   [ -n "$(data_key uk/f.yaml "$V/keys/age.txt")" ]; then
	ok "updatekeys keeps the data key (age -d of the enc)"
elif [ ! -d "$NPM/node_modules/yaml" ]; then
	skip "updatekeys keeps the data key" "npm yaml not installed"
else
	fail "updatekeys keeps the data key" "age -d gave another key"
fi
cp uk/f.yaml uk/f.before2; touch -d '2001-01-01' uk/f.yaml
(cd uk && "$SOPSFS" updatekeys -y f.yaml >/dev/null 2>err2.txt)
if cmp -s uk/f.yaml uk/f.before2 && [ "$(stat -c %Y uk/f.yaml)" = "$(date -d 2001-01-01 +%s)" ] &&
   grep -q "already up to date" uk/err2.txt; then
	ok "updatekeys on an up-to-date file writes nothing"
else
	fail "updatekeys on an up-to-date file writes nothing" "$(head -c 200 uk/err2.txt)"
fi

# --- updatekeys_shamir vector: one group -> three, threshold 3 (sops ignores the rule's 2).
mkdir uks; cp "$V/edit/updatekeys_shamir.before.yaml" uks/f.yaml; cp "$V/edit/updatekeys_shamir.after.sops.yaml" uks/.sops.yaml
(cd uks && "$SOPSFS" updatekeys -y f.yaml >out.txt 2>err.txt)
if diff <(sed 1d "$V/edit/updatekeys_shamir.log.txt" | sed '/^--- stderr/,$d') uks/out.txt >/dev/null &&
   grep -q '^    shamir_threshold: 3$' uks/f.yaml && [ "$(grep -c '^        - age:\|^        - pgp:\|^    - age:\|^        -' uks/f.yaml)" -ge 3 ] &&
   [ -z "$(body_diff "$V/edit/updatekeys_shamir.before.yaml" uks/f.yaml)" ] &&
   cat "$V/keys/age.txt" "$V/keys/age2.txt" >both.txt &&
   SOPS_AGE_KEY_FILE=both.txt "$SOPSFS" decrypt uks/f.yaml >/dev/null 2>&1; then
	# age + pgp are two shares of three: not enough (as with sops' file)
	if SOPS_AGE_KEY_FILE=$V/keys/age.txt "$SOPSFS" decrypt uks/f.yaml >/dev/null 2>&1; then
		fail "updatekeys to 3 groups" "two groups decrypted a threshold-3 file"
	else
		ok "updatekeys to 3 key groups: sops' report, threshold 3, shares decrypt together"
	fi
else
	fail "updatekeys to 3 key groups" "$(head -c 300 uks/err.txt)"
fi

# --- from 3 Shamir groups back to one group: the kept key's entry wrapped a
# share, so it must be wrapped anew with the whole data key.
mkdir ukd; cp "$V/groups/shamir_yaml.enc.yaml" ukd/f.yaml; cp "$V/groups/shamir_dotenv.enc.env" ukd/f.env
printf 'creation_rules:\n  - age: %s\n' "$A1" >ukd/.sops.yaml
(cd ukd && SOPS_AGE_KEY_FILE=../both.txt "$SOPSFS" updatekeys -y f.yaml f.env >/dev/null 2>err.txt)
if SOPS_AGE_KEY_FILE=$V/keys/age.txt GNUPGHOME=$TMP/nogpg "$SOPSFS" decrypt ukd/f.yaml >ukd/y.dec 2>/dev/null &&
   SOPS_AGE_KEY_FILE=$V/keys/age.txt GNUPGHOME=$TMP/nogpg "$SOPSFS" decrypt ukd/f.env >ukd/e.dec 2>/dev/null &&
   cmp -s ukd/y.dec <(SOPS_AGE_KEY_FILE=both.txt "$SOPSFS" decrypt "$V/groups/shamir_yaml.enc.yaml") &&
   ! grep -q key_groups ukd/f.yaml; then
	ok "updatekeys from 3 Shamir groups to one group: the one key decrypts (YAML, dotenv)"
else
	fail "updatekeys 3 groups -> 1" "$(head -c 300 ukd/err.txt)"
fi

# --- rotate vector: new data key, same values, IVs kept.
cp "$V/edit/rotate.before.yaml" rot.yaml
if "$SOPSFS" rotate -i rot.yaml 2>err && cmp -s <("$SOPSFS" decrypt rot.yaml) <("$SOPSFS" decrypt "$V/edit/rotate.before.yaml") &&
   ! grep -q "$(grep -o 'data:[^,]*' "$V/edit/rotate.before.yaml" | sed -n 2p)" rot.yaml &&
   [ "$(grep -v '^    mac:' rot.yaml | grep -o 'iv:[^,]*' | sort)" = "$(grep -v '^    mac:' "$V/edit/rotate.before.yaml" | grep -o 'iv:[^,]*' | sort)" ]; then
	ok "rotate -i: same values, new ciphertexts, IVs kept (as sops)"
else
	fail "rotate -i" "$(head -c 300 err)"
fi
if [ -d "$NPM/node_modules/yaml" ]; then
	k1=$(data_key "$V/edit/rotate.before.yaml" "$V/keys/age.txt"); k2=$(data_key rot.yaml "$V/keys/age.txt")
	if [ ${#k2} = 64 ] && [ "$k1" != "$k2" ]; then ok "rotate: age -d gives a new 32-byte data key"
	else fail "rotate: new data key" "k1=$k1 k2=$k2"; fi
fi
# rotate_add_age vector, plus removal of the old key.
cp "$V/edit/rotate_add_age.before.yaml" ra.yaml
"$SOPSFS" rotate -i --add-age "$A2" --rm-age "$A1" ra.yaml 2>err
if SOPS_AGE_KEY_FILE=$V/keys/age2.txt "$SOPSFS" decrypt ra.yaml >ra.dec 2>/dev/null &&
   cmp -s ra.dec <("$SOPSFS" decrypt "$V/edit/rotate_add_age.before.yaml") &&
   ! SOPS_AGE_KEY_FILE=$V/keys/age.txt "$SOPSFS" decrypt ra.yaml >/dev/null 2>&1; then
	ok "rotate --add-age NEW --rm-age OLD: new decrypts, old fails"
else
	fail "rotate --add-age/--rm-age" "$(head -c 300 err)"
fi
if [ -d "$NPM/node_modules/sops-age" ]; then
	cp "$V/keys/age2.txt" k2.txt
	if node "$ROOT/tests/tools/sops_age_check.mjs" "$NPM" yaml ra.yaml ra.dec k2.txt 2>err; then
		ok "sops-age decrypts a rotated file"
	else
		fail "sops-age decrypts a rotated file" "$(head -c 300 err)"
	fi
fi
# Without -i: printed on stdout, file untouched.
cp "$V/edit/rotate.before.yaml" p.yaml
if "$SOPSFS" rotate p.yaml >p.out 2>err && cmp -s p.yaml "$V/edit/rotate.before.yaml" &&
   cp p.out p2.yaml && cmp -s <("$SOPSFS" decrypt p2.yaml) <("$SOPSFS" decrypt p.yaml) && ! cmp -s p2.yaml p.yaml; then
	ok "rotate without -i prints the file and leaves it alone"
else
	fail "rotate without -i" "$(head -c 300 err)"
fi

# --- a 300-file tree in 3 folders (30 distinct files, each copied 10 times:
# encrypting is not what is tested here). Checked in one process with the
# independent decoder sops-age (tests/tools/sops_age_tree.mjs).
tree_check() {   # agekey [files] -> sorted lines "path OK values" / "path FAIL"
	local k=$1; shift
	[ $# = 0 ] && set -- */*.yaml
	node "$ROOT/tests/tools/sops_age_tree.mjs" "$NPM" "$k" "$@" 2>/dev/null | LC_ALL=C sort
}
if [ ! -d "$NPM/node_modules/sops-age" ]; then
	skip "300-file tree" "npm package sops-age is not installed"
else
mkdir tree; cd tree || exit 1
printf 'creation_rules:\n  - path_regex: \\.yaml$\n    age: %s\n' "$A1" >.sops.yaml
for i in $(seq 0 29); do
	printf 'user: u%s\npassword: secret-%s\n' $i $i | "$ROOT/build/sopsfs" encrypt --age "$A1" --filename-override t.yaml - >../t$i.yaml
	tpl[$i]=$(<../t$i.yaml)
done
for d in a b c; do
	mkdir $d
	for i in $(seq 0 99); do
		printf '%s\n' "${tpl[$((i % 30))]}" >$d/s$i.yaml
		printf '%s\tuser=u%s,password=secret-%s\n' $d/s$i.yaml $((i % 30)) $((i % 30)) >>../expect.unsorted
	done
done
LC_ALL=C sort ../expect.unsorted >../expect.txt
echo "not a secret" >README.md; mkdir .git; echo junk >.git/x.yaml
cp -r . ../tree.orig
printf 'creation_rules:\n  - path_regex: \\.yaml$\n    age: %s,%s\n' "$A1" "$A2" >.sops.yaml
t0=$(date +%s%N)
"$SOPSFS" updatekeys -y -r . >../uk.out 2>../uk.err; rc=$?
t1=$(date +%s%N)
# every file: the text before "sops:" unchanged, no line of the file removed
bodies() { awk 'FNR == 1 { skip = 0 } /^sops:/ { skip = 1 } !skip' "$@"; }
bad=$( (diff <(cd ../tree.orig && bodies */*.yaml) <(bodies */*.yaml); diff <(cd ../tree.orig && cat */*.yaml) <(cat */*.yaml) | grep '^<') | wc -l)
tree_check "$V/keys/age2.txt" | sed 's/\tOK//' >../got.txt
if [ $rc = 0 ] && [ $bad = 0 ] && [ "$(wc -l <../expect.txt)" = 300 ] && cmp -s ../expect.txt ../got.txt &&
   cmp -s .git/x.yaml ../tree.orig/.git/x.yaml; then
	ok "updatekeys -y -r on 300 files: sops block only, new identity decrypts all ($(( (t1 - t0) / 1000000 )) ms)"
else
	fail "updatekeys -y -r on 300 files" "rc=$rc other-changed-lines=$bad $(head -c 300 ../uk.err)"
fi
find . -name '*.yaml' -exec touch -d '2001-01-01' {} +
"$SOPSFS" updatekeys -y -r . >/dev/null 2>&1
if [ -z "$(find . -name '*.yaml' -newermt '2001-01-02')" ]; then
	ok "second updatekeys -r writes nothing (mtimes unchanged)"
else
	fail "second updatekeys -r writes nothing" "$(find . -name '*.yaml' -newermt '2001-01-02' | head -3)"
fi
cp a/s7.yaml ../s7.before
t0=$(date +%s%N)
"$SOPSFS" rotate -r -i --add-age "$A2" --rm-age "$A1" . 2>../rot.err; rc=$?
t1=$(date +%s%N)
tree_check "$V/keys/age2.txt" | sed 's/\tOK//' >../got2.txt
nold=$(tree_check "$V/keys/age.txt" a/s1*.yaml c/s9*.yaml | grep -c '	OK')
if [ $rc = 0 ] && [ "$nold" = 0 ] && cmp -s ../expect.txt ../got2.txt && cmp -s README.md ../tree.orig/README.md; then
	ok "rotate -r -i --add-age NEW --rm-age OLD on 300 files: old fails, new decrypts, values unchanged ($(( (t1 - t0) / 1000000 )) ms)"
else
	fail "rotate -r -i on 300 files" "rc=$rc old-still-decrypts=$nold $(head -c 300 ../rot.err)"
fi
k1=$(data_key ../s7.before "$V/keys/age2.txt"); k2=$(data_key a/s7.yaml "$V/keys/age2.txt")
if [ ${#k2} = 64 ] && [ "$k1" != "$k2" ] && [ "$k2" != "$(data_key b/s7.yaml "$V/keys/age2.txt")" ]; then
	ok "rotate -r: a new data key per file (age -d)"
else
	fail "rotate -r: a new data key per file" "k1=$k1 k2=$k2"
fi
cd "$TMP" || exit 1
fi

# --- corrupted inputs: clean error, exit code, file untouched.
printf 'creation_rules:\n  - age: %s,%s\n' "$A1" "$A2" >.sops.yaml
for cw in tampered_mac:51 no_metadata:1 no_keys:1 tampered_value:25 sops_not_mapping:1; do
	c=${cw%:*}; want=${cw#*:}
	cp "$V/errors/$c.enc.yaml" c.yaml; cp c.yaml c.orig
	for cmd in "updatekeys -y" "rotate -i"; do
		"$SOPSFS" $cmd c.yaml >/dev/null 2>err; rc=$?
		if [ $rc = "$want" ] && cmp -s c.yaml c.orig && ! grep -q 'AddressSanitizer\|runtime error' err && [ -s err ]; then
			ok "$cmd on $c: exit $rc, file untouched"
		else
			fail "$cmd on $c" "rc=$rc $(head -c 200 err)"
		fi
	done
done
printf 'not: [valid' >bad.yaml
"$SOPSFS" rotate -i bad.yaml 2>err; rc=$?
[ $rc = 1 ] && grep -q 'mapping values\|could not find\|yaml' err && ! grep -q AddressSanitizer err && ok "rotate on invalid YAML: exit $rc" || fail "rotate on invalid YAML" "rc=$rc"
"$SOPSFS" rotate -i --bogus x 2>/dev/null; rc=$?
[ $rc = 7 ] && ok "rotate: unknown flag is an error (exit 7)" || fail "rotate unknown flag" "rc=$rc"
"$SOPSFS" updatekeys --help >h.txt; rc=$?
[ $rc = 0 ] && grep -q '^usage: sopsfs updatekeys' h.txt && ok "updatekeys --help" || fail "updatekeys --help" "rc=$rc"
