#!/usr/bin/env bash
# vectors_decrypt.sh - `sopsfs decrypt` of every sops-vectors case made by the
# real sops 3.13.2 prints exactly what `sops decrypt` printed (.dec files),
# Shamir files decrypt with any two identities and fail with one, and every
# error case exits with sops' code and message.
. "$(dirname "$0")/../lib.sh"
require_shared vectors || exit 0
V=$SHARED/interop/sops-vectors
export GNUPGHOME=$TMP/gnupg
new_gnupghome "$GNUPGHOME"
gpg --batch --quiet --import "$V/keys/pgp.asc" 2>/dev/null
mkdir -p "$TMP/home" "$TMP/gnupg-empty" && chmod 700 "$TMP/gnupg-empty"
new_gnupghome "$TMP/gnupg-empty"
export HOME=$TMP/home SOPS_AGE_KEY_FILE=$V/keys/age.txt
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE
cat "$V/keys/age.txt" "$V/keys/age2.txt" >"$TMP/agekeys-both.txt"

# Cases whose sops output moves inline comments; compare after doing the same.
inline_case() { grep -q ' #' "$1" 2>/dev/null; }

check_decrypt() {   # name enc expected [env...]
	local name=$1 enc=$2 exp=$3; shift 3
	local out=$TMP/out err=$TMP/err
	if ! env "$@" "$SOPSFS" decrypt "$enc" >"$out" 2>"$err"; then
		fail "$name" "exit $? : $(head -c 300 "$err")"
		return
	fi
	case "$enc" in
	*.yaml) if inline_case "$out"; then
			python3 tests/tools/inline_to_head.py "$enc" <"$out" >"$out.moved"
			mv "$out.moved" "$out"
		fi ;;
	esac
	same_bytes "$name" "$exp" "$out"
}

for enc in "$V"/*/*.enc.*; do
	case "$enc" in */errors/*) continue ;; esac
	base=${enc%.enc.*}; ext=${enc##*.enc.}
	rel=${base#"$V"/}
	# sops re-indents on decrypt; sopsfs keeps the file's own indentation, so
	# a file written with --indent 2 is compared with sops' --indent 2 output.
	if [ -f "$base.dec-indent2.$ext" ]; then
		check_decrypt "decrypt $rel (keeps its 2-space indentation)" "$enc" "$base.dec-indent2.$ext"
	elif [ -f "$base.dec.$ext" ]; then
		check_decrypt "decrypt $rel" "$enc" "$base.dec.$ext"
	fi
	for exp in "$base".dec-*."$ext"; do
		[ -f "$exp" ] || continue
		variant=${exp#"$base".dec-}; variant=${variant%."$ext"}
		case "$variant" in
		age-age2) check_decrypt "decrypt $rel ($variant)" "$enc" "$exp" \
				SOPS_AGE_KEY_FILE="$TMP/agekeys-both.txt" GNUPGHOME="$TMP/gnupg-empty" ;;
		age-pgp)  check_decrypt "decrypt $rel ($variant)" "$enc" "$exp" ;;
		age2-pgp) check_decrypt "decrypt $rel ($variant)" "$enc" "$exp" \
				SOPS_AGE_KEY_FILE="$V/keys/age2.txt" ;;
		age-only) check_decrypt "decrypt $rel ($variant)" "$enc" "$exp" \
				GNUPGHOME="$TMP/gnupg-empty" ;;
		pgp-only) check_decrypt "decrypt $rel ($variant)" "$enc" "$exp" \
				SOPS_AGE_KEY_FILE=/dev/null ;;
		esac
	done
done

# Shamir with one group only: sops' failure (exit 128 and its report).
for fail1 in "$V"/groups/*.fail1.txt; do
	base=${fail1%.fail1.txt}; enc=$(ls "$base".enc.* | head -1)
	name="shamir one group fails: ${base#"$V"/}"
	GNUPGHOME=$TMP/gnupg-empty "$SOPSFS" decrypt "$enc" >/dev/null 2>"$TMP/err"
	rc=$?
	want=$(head -1 "$fail1")
	if [ "$rc" = "$want" ] && diff -q <(tail -5 "$fail1") <(tail -5 "$TMP/err") >/dev/null \
	   && head -1 "$TMP/err" | grep -qx "Failed to get the data key required to decrypt the SOPS file."; then
		ok "$name"
	else
		fail "$name" "exit $rc (want $want): $(head -c 300 "$TMP/err")"
	fi
done

# Edit vectors: the file after set/edit/rotate decrypts to sops' output.
for after in "$V"/edit/*.after.*; do
	case "$after" in *.after.dec.*|*.sops.yaml) continue ;; esac
	ext=${after##*.after.}; base=${after%.after.*}
	[ -f "$base.after.dec.$ext" ] || continue
	check_decrypt "decrypt edit/$(basename "$after")" "$after" "$base.after.dec.$ext" \
		SOPS_AGE_KEY_FILE="$TMP/agekeys-both.txt"
done

# Error cases: exit code and first line of the message.
for errf in "$V"/errors/*.err.txt; do
	case=$(basename "$errf" .err.txt)
	enc=$(ls "$V/errors/$case".enc.* 2>/dev/null | head -1)
	[ -n "$enc" ] || continue
	want_rc=$(head -1 "$errf"); want_msg=$(sed -n 2p "$errf")
	"$SOPSFS" decrypt "$enc" >"$TMP/out" 2>"$TMP/err"; rc=$?
	got_msg=$(head -1 "$TMP/err")
	# sopsfs redacts values and MACs in messages: compare up to the first redaction.
	want_cmp=$(printf '%s' "$want_msg" | sed -E 's/(MAC mismatch\. File has).*/\1/; s/(Input string).*/\1/; s/(strconv\.[A-Za-z]+: parsing).*/\1/')
	if [ "$rc" = "$want_rc" ] && [ "${got_msg#"$want_cmp"}" != "$got_msg" ] && [ ! -s "$TMP/out" ]; then
		ok "error $case (exit $rc)"
	else
		fail "error $case" "exit $rc (want $want_rc), message '$got_msg' (want '$want_msg')"
	fi
done
# no_identity / wrong_identity use base.enc.yaml with other keys.
for case in no_identity wrong_identity; do
	errf=$V/errors/$case.err.txt
	[ -f "$errf" ] || continue
	if [ $case = no_identity ]; then
		env -u SOPS_AGE_KEY_FILE GNUPGHOME="$TMP/gnupg-empty" "$SOPSFS" decrypt "$V/errors/base.enc.yaml" >/dev/null 2>"$TMP/err"
	else
		env GNUPGHOME="$TMP/gnupg-empty" SOPS_AGE_KEY_FILE="$V/keys/age2.txt" "$SOPSFS" decrypt "$V/errors/base.enc.yaml" >/dev/null 2>"$TMP/err"
	fi
	rc=$?
	if [ "$rc" = 128 ] && head -3 "$TMP/err" | diff -q - <(sed -n 2,4p "$errf") >/dev/null; then
		ok "error $case (exit 128, sops report)"
	else
		fail "error $case" "exit $rc: $(head -c 400 "$TMP/err")"
	fi
done
