# kms2_lib.sh - helpers for the Azure Key Vault, Vault transit and
# HuaweiCloud KMS script tests (tests/interop/kms_azure.sh, kms_vault.sh,
# kms_hckms.sh); sourced after tests/lib.sh.
#
#   stand NAME SCRIPT ARGS...   start a stand-in server (state in $TMP/NAME),
#                               wait for its port; stopped at exit
#   stand_port NAME [FILE]      its port (FILE: port or http_port)
#   knobs NAME JSON             set the server's knobs (see kms2_stand.py)
#   listener NAME               a bare TCP listener that records connections
#   svc ENV... -- ARGS...       run the CLI with a clean environment plus ENV,
#                               stdout to $OUT, stderr to $ERR, status in $RC;
#                               everything is also appended to $TMP/all.log
#   meta_block FILE LIST        the lines of the first entry of sops.LIST
#   check_no_secrets NAME S...  none of the strings appears in any output
KS=$ROOT/tests/keyservices
OUT=$TMP/out
ERR=$TMP/err

stand() {   # name script args...
	local name=$1 script=$2; shift 2
	local st=$TMP/$name
	mkdir -p "$st"
	python3 "$KS/$script" "$st" "$@" >"$st/server.log" 2>&1 &
	local pid=$!
	cleanup_hooks+=("kill $pid >/dev/null 2>&1")
	for _ in $(seq 1 200); do
		[ -s "$st/port" ] && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$st/server.log" >&2; return 1; }
		sleep 0.05
	done
	return 1
}

stand_port() { cat "$TMP/$1/${2:-port}"; }

knobs() { printf '%s\n' "$2" >"$TMP/$1/knobs.json.tmp" && mv "$TMP/$1/knobs.json.tmp" "$TMP/$1/knobs.json"; }

listener() {
	local st=$TMP/$1
	mkdir -p "$st"
	python3 "$KS/kms2_listener.py" "$st" >/dev/null 2>&1 &
	cleanup_hooks+=("kill $! >/dev/null 2>&1")
	for _ in $(seq 1 100); do [ -s "$st/port" ] && return 0; sleep 0.05; done
	return 1
}

svc() {   # ENV... -- args...
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	env -i PATH="$SVC_PATH" HOME="$TMP/home" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		LSAN_OPTIONS="${LSAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		"${envs[@]}" "$SOPSFS" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	{ echo "== $*"; cat "$OUT" "$ERR"; } >>"$TMP/all.log"
	return 0
}
SVC_PATH=/usr/local/bin:/usr/bin:/bin
mkdir -p "$TMP/home"

# Lines of the first entry of list LIST in a YAML sops block (flat layout).
meta_block() {   # file list
	awk -v l="    $2:" '
		$0 == l { on = 1; next }
		on && /^        - / { if (seen) exit; seen = 1; sub(/^        - /, ""); print; next }
		on && /^          / { sub(/^          /, ""); print; next }
		on { exit }' "$1"
}

# The field names of an entry, in order, space separated.
meta_fields() { meta_block "$1" "$2" | sed 's/:.*//' | tr '\n' ' ' | sed 's/ $//'; }

check_no_secrets() {   # name secrets...
	local name=$1; shift
	for s in "$@"; do
		if grep -rqF -- "$s" "$TMP/all.log" "$TMP"/*/server.log "$TMP"/*/requests.log \
			"$TMP"/mount.log 2>/dev/null; then
			fail "$name" "a secret appears in an output or log"
			return
		fi
	done
	ok "$name"
}

# The last command's output with sops' report wrapping undone (one line).
joined() { cat "$OUT" "$ERR" | sed -E 's/^ *(- )?\| ?//' | tr '\n' ' ' | tr -s ' '; }

expect() {   # name want_rc pattern: ok when $RC and the joined output match
	local name=$1 want_rc=$2 pattern=$3
	if [ "$RC" -ne "$want_rc" ]; then
		fail "$name" "exit $RC (want $want_rc): $(head -c 400 "$ERR" | tr '\n' ' ')"
	elif [ -n "$pattern" ] && ! joined | grep -qE -- "$pattern"; then
		fail "$name" "no /$pattern/ in: $(head -c 400 "$ERR" | tr '\n' ' ')"
	else
		ok "$name"
	fi
}
