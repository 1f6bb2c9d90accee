# lib.sh - shared helpers for the script tests (sourced, not run).
#
# Every test prints "ok - name", "not ok - name: why" or "skip - name: why";
# tests/run.sh counts the lines. Tests run from the repository root.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
# The CLI under ASan+UBSan by default (make check builds it).
SOPSFS=${SOPSFS:-$ROOT/build/sopsfs-asan}
SHARED=${SOPSFS_SHARED:-$ROOT/../shared}
[ -d "$SHARED" ] || SHARED=""
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp}

ok()   { echo "ok - $1"; }
fail() { echo "not ok - $1: $2"; }
skip() { echo "skip - $1: $2"; }

# A scratch directory removed at exit (never inside ../shared).
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sopsfs-test.XXXXXX")
cleanup_hooks=()
lib_cleanup() {
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	rm -rf "$TMP"
}
trap lib_cleanup EXIT

# An empty GnuPG home (agent killed at exit).
new_gnupghome() {   # dir
	mkdir -p "$1" && chmod 700 "$1"
	cleanup_hooks+=("gpgconf --homedir '$1' --kill gpg-agent >/dev/null 2>&1")
}

# same_bytes NAME EXPECTED_FILE ACTUAL_FILE: ok if identical, else show a diff.
same_bytes() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		fail "$1" "output differs from $(basename "$2"): $(diff <(cat -A "$2") <(cat -A "$3") | head -c 600 | tr '\n' '|')"
	fi
}

require_shared() {   # name
	if [ -z "$SHARED" ]; then
		skip "$1" "../shared is missing (interop fixtures not available)"
		return 1
	fi
	return 0
}
