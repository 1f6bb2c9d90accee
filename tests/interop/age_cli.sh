#!/usr/bin/env bash
# age_cli.sh - our age provider against the real age CLI, both directions,
# for X25519, ssh-ed25519 and ssh-rsa keys (age-keygen / ssh-keygen made).
#
# Drives build/tests/test_age in CLI mode:
#   test_age wrap RECIPIENT < key > enc   and   test_age unwrap < enc > key
# Prints "ok - name", "not ok - name: why" or "skip - name: why" per check.
. "$(dirname "$0")/../lib.sh"

if ! command -v age >/dev/null 2>&1 || ! command -v age-keygen >/dev/null 2>&1; then
	skip age_cli "age / age-keygen not installed"
	exit 0
fi
if [ ! -x build/tests/test_age ] || [ tests/unit/test_age.c -nt build/tests/test_age ]; then
	make -s build/tests/test_age >/dev/null 2>&1 || { fail age_cli_build "make build/tests/test_age failed"; exit 1; }
fi
TOOL=$ROOT/build/tests/test_age

T=$TMP
mkdir -p "$T/home"

# Our tool in a clean identity environment plus the given VAR=value pairs.
ours() {   # ours VAR=value... -- args...
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	env -i PATH="$PATH" HOME="$T/home" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		LSAN_OPTIONS="${LSAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		"${envs[@]}" "$TOOL" "$@"
}

# The armor sops writes: BEGIN line, 64-column base64, END line, final LF.
armor_ok() {
	local f=$1
	[ "$(head -n 1 "$f")" = "-----BEGIN AGE ENCRYPTED FILE-----" ] || return 1
	[ "$(tail -n 1 "$f")" = "-----END AGE ENCRYPTED FILE-----" ] || return 1
	[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || return 1
	awk 'length($0) > 64 { exit 1 }' "$f"
}

# check NAME RECIPIENT AGE_IDENTITY_FILE OUR_ENV... : both directions.
check() {
	local name=$1 rcpt=$2 idfile=$3; shift 3
	local key=$T/key.$name

	head -c 32 /dev/urandom >"$key"
	# ours -> age
	if ! ours -- wrap "$rcpt" <"$key" >"$T/ours.$name" 2>"$T/err"; then
		fail "wrap_$name" "$(head -c 300 "$T/err")"
	elif ! armor_ok "$T/ours.$name"; then
		fail "wrap_$name" "enc is not armored the way sops writes it"
	elif ! age -d -i "$idfile" "$T/ours.$name" 2>"$T/err" | cmp -s - "$key"; then
		fail "wrap_$name" "age -d did not give the key back: $(head -c 300 "$T/err")"
	else
		ok "wrap_$name (age -d decrypts our enc)"
	fi
	# age -> ours
	if [ "${name#x25519}" != "$name" ]; then
		age -e -a -r "$rcpt" -o "$T/theirs.$name" "$key"
	else
		age -e -a -R "$idfile.pub" -o "$T/theirs.$name" "$key"
	fi
	if ! ours "$@" -- unwrap <"$T/theirs.$name" >"$T/back.$name" 2>"$T/err"; then
		fail "unwrap_$name" "$(head -c 300 "$T/err")"
	elif ! cmp -s "$T/back.$name" "$key"; then
		fail "unwrap_$name" "wrong key"
	else
		ok "unwrap_$name (we decrypt age -e -a output)"
	fi
}

# X25519
age-keygen -o "$T/x.txt" 2>/dev/null
X=$(age-keygen -y "$T/x.txt")
check x25519 "$X" "$T/x.txt" SOPS_AGE_KEY_FILE="$T/x.txt"
check x25519_cmd "$X" "$T/x.txt" SOPS_AGE_KEY_CMD="cat $T/x.txt"
check x25519_env "$X" "$T/x.txt" SOPS_AGE_KEY="$(grep AGE-SECRET "$T/x.txt")"
mkdir -p "$T/home/.config/sops/age" && cp "$T/x.txt" "$T/home/.config/sops/age/keys.txt"
check x25519_default_file "$X" "$T/x.txt"
rm -f "$T/home/.config/sops/age/keys.txt"

# SSH keys
if command -v ssh-keygen >/dev/null 2>&1; then
	ssh-keygen -q -t ed25519 -N '' -C test -f "$T/ed" </dev/null >/dev/null
	check ssh_ed25519 "$(cat "$T/ed.pub")" "$T/ed" SOPS_AGE_SSH_PRIVATE_KEY_FILE="$T/ed"
	ssh-keygen -q -t rsa -b 3072 -N '' -C test -f "$T/rsa" </dev/null >/dev/null
	check ssh_rsa "$(cat "$T/rsa.pub")" "$T/rsa" SOPS_AGE_SSH_PRIVATE_KEY_FILE="$T/rsa"
	check ssh_rsa_cmd "$(cat "$T/rsa.pub")" "$T/rsa" SOPS_AGE_SSH_PRIVATE_KEY_CMD="cat $T/rsa"
	mkdir -p "$T/home/.ssh" && cp "$T/ed" "$T/home/.ssh/id_ed25519"
	check ssh_ed25519_home "$(cat "$T/ed.pub")" "$T/ed"
	rm -f "$T/home/.ssh/id_ed25519"
else
	skip ssh_keys "ssh-keygen not installed"
fi

# A wrong identity fails cleanly with sops' words.
age-keygen -o "$T/other.txt" 2>/dev/null
if ours SOPS_AGE_KEY_FILE="$T/other.txt" -- unwrap <"$T/theirs.x25519" >/dev/null 2>"$T/err"; then
	fail wrong_identity "unwrap succeeded with a foreign key"
elif grep -q "failed to create reader for decrypting sops data key with age: identity did not match any of the recipients: incorrect identity for recipient block" "$T/err"; then
	ok wrong_identity
else
	fail wrong_identity "$(head -c 300 "$T/err")"
fi
