#!/usr/bin/env bash
# editors.sh - the editor test matrix of the write side: every way editors and
# tools save a file (vim in five configurations, nvim, nano, nano -B, emacs
# with two saves, sed -i, perl -pi, rsync, cp, >, >>, a Python atomic write,
# a JetBrains safe write, git checkout) changes one value of a YAML, JSON,
# dotenv and INI SOPS file through the mount. After each save:
#   1. the backing file decrypts (MAC verified) to exactly the edited plaintext;
#   2. the independent npm decoder sops-age agrees (YAML, JSON, dotenv);
#   3. recipients, enc blobs and rules are byte-identical, every untouched
#      value keeps its ENC string, and the diff is one line (plus lastmodified/mac);
#   4. reading the file through the mount gives exactly what was written;
#   5. no file under the backing dir (.git included) holds a plaintext secret
#      and no editor side file (swap, backup, lock, temp) reached it.
# Plus: invalid YAML saved from vim fails at fsync (E667), the backing file
# stays byte-identical, and the corrected save succeeds.
#
# Environment:
#   EDITORS_NO_MOUNT=1     edit plaintext files in a plain directory instead
#                          (checks 1 and 4 only): debugs the harness itself
#   EDITORS_NO_MOUNT=replace  the same, and after each save re-encrypt the
#                          backing file with `sopsfs replace` (what the mount
#                          should do), then run every check: debugs the checks
#   EDITORS_FORMATS="..."  a subset of: yaml json dotenv ini
#   EDITORS_ONLY=ERE       run only the methods whose name matches ERE
#   EDITORS_MOUNT_OPTS     extra mount options (default -d: the daemon logs
#                          each request, shown for failing cases)
#   EDITORS_LOG_DIR=DIR    keep the daemon log of every failing case in DIR
#   EDITORS_TIMEOUT=S      timeout of each wait (default 15)
#   EDITORS_BUDGET=S       stop starting new cases after S seconds (default 600)
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"
. "$ROOT/tests/mount/lib/repo.sh"
. "$ROOT/tests/mount/lib/editors.sh"

case ${EDITORS_NO_MOUNT:-} in
"")      MODE=mount ;;
replace) MODE=replace ;;
*)       MODE=plain ;;
esac
[ -n "${EDITORS_FORMATS:-}" ] && read -r -a REPO_FORMATS <<<"$EDITORS_FORMATS"
ONLY=${EDITORS_ONLY:-}
BUDGET=${EDITORS_BUDGET:-600}
NPM=$ROOT/build/npm
TOOLS=$ROOT/tests/tools
# The CLI that encrypts the repo and checks the backing files (the optimised
# build: the ASan one costs a third of a second per call; EDITORS_CLI overrides).
REPO_CLI=${EDITORS_CLI:-$ROOT/build/sopsfs}
read -r -a MOUNT_OPTS <<<"${EDITORS_MOUNT_OPTS--d}"
START=$SECONDS

# Editors must not read the user's configuration or write into it.
export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/home/.config XDG_DATA_HOME=$TMP/home/.local/share \
	XDG_STATE_HOME=$TMP/home/.local/state XDG_CACHE_HOME=$TMP/home/.cache
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
unset VIMINIT EXINIT MYVIMRC TMUX
export LC_ALL=C
[ -z "${TERM:-}" ] || [ "$TERM" = dumb ] && export TERM=xterm-256color

# --- the repository and the view --------------------------------------------

# The names under SRC (.git left out) and the files under SRC (.git
# included) holding a plaintext secret, sorted, one a line.
src_names() { (cd "$SRC" && find . -path ./.git -prune -o -print | sed 's|^\./||' | sort); }
src_leaks() { (cd "$SRC" && grep -rlF -f "$REPO_SECRETS" . 2>/dev/null | sed 's|^\./||' | sort); }

# src_new LIST_AT_START CURRENT...: the lines of CURRENT not in the list, on one line.
src_new() { comm -13 "$1" <(printf '%s\n' "$2" | sed '/^$/d') | tr '\n' ' '; }

build_src() {
	SRC=$TMP/src
	repo_plaintexts "$TMP/plain"
	if ! repo_build "$SRC" "$TMP/plain" 2>"$TMP/build.err"; then
		fail "editors: build the test repo" "$(head -c 400 "$TMP/build.err")"
		exit 0
	fi
	src_names >"$TMP/src.names"
}

SRC=
if [ "$MODE" = plain ]; then
	# Plain directory outside /tmp (vim skips backups under /tmp).
	VIEW=$(new_mountpoint)
	cleanup_hooks+=("rm -rf '$VIEW'")
	repo_plaintexts "$VIEW"
	echo "# EDITORS_NO_MOUNT: editing plaintext in $VIEW (checks 1 and 4 only)"
elif [ "$MODE" = replace ]; then
	build_src
	VIEW=$(new_mountpoint)
	cleanup_hooks+=("rm -rf '$VIEW'")
	cp "$SRC/README.md" "$SRC/.sops.yaml" "$VIEW/" && mkdir -p "$VIEW/secrets"
	for fmt in "${REPO_FORMATS[@]}"; do
		"$REPO_CLI" decrypt "$SRC/${REPO_FILE[$fmt]}" >"$VIEW/${REPO_FILE[$fmt]}" ||
			fail "editors: decrypt ${REPO_FILE[$fmt]}" "sopsfs decrypt failed"
	done
	echo "# EDITORS_NO_MOUNT=replace: plaintext in $VIEW, re-encrypted into $SRC with sopsfs replace"
else
	need_fuse "editors" || exit 0
	build_src
	VIEW=$(new_mountpoint)
	if ! mount_sopsfs "$SRC" "$VIEW" "${MOUNT_OPTS[@]}" 2>"$TMP/mount.err"; then
		if grep -q "unknown command or option" "$TMP/mount.log" 2>/dev/null; then
			skip "editors" "build/sopsfs cannot mount yet (EDITORS_NO_MOUNT=1 tests the harness alone)"
		else
			fail "editors: mount sopsfs" "$(head -c 400 "$TMP/mount.log" "$TMP/mount.err" | tr '\n' '|')"
		fi
		exit 0
	fi
	for fmt in "${REPO_FORMATS[@]}"; do
		rel=${REPO_FILE[$fmt]}
		if "$REPO_CLI" decrypt "$SRC/$rel" >"$TMP/want" 2>/dev/null && timeout 10 cat "$VIEW/$rel" >"$TMP/got" 2>/dev/null &&
			cmp -s "$TMP/want" "$TMP/got"; then
			ok "mount shows $rel decrypted"
		else
			fail "mount shows $rel decrypted" "the view differs from sopsfs decrypt"
		fi
	done
fi
(cd "$VIEW" && find . -path ./.git -prune -o -print | sort) >"$TMP/view.list"
ED_GIT_DIR=$TMP/wt.git
ED_GIT_WT=$VIEW

if [ -n "$SRC" ] && [ ! -d "$NPM/node_modules/sops-age" ]; then
	skip "editors: sops-age cross-checks" "build/npm/node_modules/sops-age is missing (scripts/install-deps.sh)"
fi
if [ -n "$SRC" ] && [[ " ${REPO_FORMATS[*]} " == *" ini "* ]]; then
	skip "editors: sops-age cross-check of INI" "the npm decoder sops-age has no INI store"
fi

# --- one case: baseline, edit, checks -----------------------------------------

CASE_NO=0
C_FAILED=0

c_ok()   { ok "$C_NAME: $1"; }
c_fail() { fail "$C_NAME: $1" "$2"; C_FAILED=1; }

# case_begin METHOD FMT KIND: snapshot the file, choose the value to change
# (C_OLD -> C_NEW; KIND append: C_NEW is the new line) and compute C_EXPECT.
case_begin() {
	C_NAME="$1 $2"; C_FMT=$2; C_KIND=$3; C_FAILED=0; C_PEEKED=0; C_PEEK=
	C_REL=${REPO_FILE[$2]}
	C_VIEW=$VIEW/$C_REL
	C_SRC=${SRC:+$SRC/$C_REL}
	C_DIR=$TMP/case
	rm -rf "$C_DIR"; mkdir -p "$C_DIR"
	C_EXPECT=$C_DIR/expect
	C_LOGPOS=$(stat -c %s "$TMP/mount.log" 2>/dev/null || echo 0)
	if ! timeout 10 cat "$C_VIEW" >"$C_DIR/before.view" 2>"$C_DIR/err"; then
		c_fail "read the file before the edit" "$(head -c 300 "$C_DIR/err")"
		return 1
	fi
	if [ -n "$SRC" ]; then
		cp "$C_SRC" "$C_DIR/before.enc" 2>/dev/null
		src_names >"$C_DIR/src0.names"
		src_leaks >"$C_DIR/src0.leaks"
	fi
	CASE_NO=$((CASE_NO + 1))
	if [ "$C_KIND" = append ]; then
		local tok
		tok=$(repo_token)
		case $C_FMT in
		yaml)   C_NEW="added_$CASE_NO: $tok" ;;
		dotenv) C_NEW="ADDED_$CASE_NO=$tok" ;;
		ini)    C_NEW="added_$CASE_NO = $tok" ;;
		esac
		C_OLD=
		{ cat "$C_DIR/before.view"; printf '%s\n' "$C_NEW"; } >"$C_EXPECT"
		return 0
	fi
	C_NEW=$(repo_token)
	if ! C_OLD=$("$ED_PY" "$TOOLS/edit_plain.py" change "$C_DIR/before.view" "$CASE_NO" "$C_NEW" "$C_EXPECT" 2>"$C_DIR/err"); then
		c_fail "choose the value to change" "$(head -c 300 "$C_DIR/err")"
		return 1
	fi
}

# While an interactive editor is open (ED_PEEK_FN): what reached SRC so far
# in this case.
peek_src() {
	C_PEEKED=1
	[ -n "$SRC" ] || return 0
	local extra leaks
	extra=$(src_new "$C_DIR/src0.names" "$(src_names)")
	leaks=$(src_new "$C_DIR/src0.leaks" "$(src_leaks)")
	[ -n "$extra" ] && C_PEEK+="side files: $extra; "
	[ -n "$leaks" ] && C_PEEK+="plaintext in: $leaks; "
	return 0
}
ED_PEEK_FN=peek_src

case_check() {
	local why extra leaks type
	if [ "$MODE" = replace ] && ! "$REPO_CLI" replace "$C_SRC" "$C_VIEW" 2>"$C_DIR/err"; then
		c_fail "sopsfs replace (standing in for the mount)" "$(head -c 300 "$C_DIR/err")"
	fi
	# 1. The backing file decrypts (MAC verified) to the edited plaintext.
	if [ -z "$SRC" ]; then
		same_file "holds the edited plaintext" "$C_EXPECT" "$C_VIEW"
	elif "$REPO_CLI" decrypt "$C_SRC" >"$C_DIR/dec" 2>"$C_DIR/err"; then
		same_file "backing file decrypts (MAC ok) to the edited plaintext" "$C_EXPECT" "$C_DIR/dec"
	else
		c_fail "backing file decrypts (MAC ok) to the edited plaintext" "sopsfs decrypt: $(head -c 300 "$C_DIR/err")"
	fi
	# 4. Reading through the mount gives what was written.
	if timeout 10 cat "$C_VIEW" >"$C_DIR/after.view" 2>"$C_DIR/err"; then
		same_file "reads back what was written" "$C_EXPECT" "$C_DIR/after.view"
	else
		c_fail "reads back what was written" "read failed: $(head -c 300 "$C_DIR/err")"
	fi
	[ -z "$SRC" ] && return 0
	# 2. The independent decoder agrees (queued: see age_check_all).
	case $C_FMT in yaml|json) type=$C_FMT ;; dotenv) type="env" ;; *) type= ;; esac
	if [ -n "$type" ] && [ -d "$NPM/node_modules/sops-age" ]; then
		mkdir -p "$TMP/age"
		cp "$C_SRC" "$TMP/age/$CASE_NO.enc" 2>/dev/null && cp "$C_EXPECT" "$TMP/age/$CASE_NO.plain" &&
			printf '%s\t%s\t%s\n' "$CASE_NO" "$type" "$C_NAME" >>"$TMP/age/list"
	fi
	# 3. Keys and untouched ciphertext kept; a one-line diff.
	"$ED_PY" "$TOOLS/sops_enc_diff.py" both "$C_FMT" "$C_DIR/before.enc" "$C_SRC" "$C_KIND" >"$C_DIR/diff" 2>&1
	why=$(sed -n 's/^keys: //p' "$C_DIR/diff")
	if [ "$why" = ok ]; then
		c_ok "keys, enc blobs and unchanged values' ciphertext kept"
	else
		c_fail "keys, enc blobs and unchanged values' ciphertext kept" "${why:-$(head -c 300 "$C_DIR/diff")}"
	fi
	why=$(sed -n 's/^lines: //p' "$C_DIR/diff")
	if [ "$why" = ok ]; then
		c_ok "one-line diff besides lastmodified/mac"
	else
		c_fail "one-line diff besides lastmodified/mac" "${why:-$(head -c 300 "$C_DIR/diff")}"
	fi
	# 5. No plaintext and no side file reached the backing dir in this case
	# (what earlier cases left is reported by the final checks).
	local now
	now=$(src_leaks)
	leaks=$(src_new "$C_DIR/src0.leaks" "$now")
	grep -qxF "$C_REL" <<<"$now" && [[ " $leaks" != *" $C_REL "* ]] && leaks+="$C_REL (already before) "
	if [ -z "$leaks" ]; then
		c_ok "no plaintext secret reached the backing dir"
	else
		c_fail "no plaintext secret reached the backing dir" "found in: $leaks"
	fi
	extra=$(src_new "$C_DIR/src0.names" "$(src_names)")
	if [ -z "$extra" ]; then
		c_ok "no side file reached the backing dir"
	else
		c_fail "no side file reached the backing dir" "new names: $extra"
	fi
	if [ "$C_PEEKED" = 1 ]; then
		if [ -z "$C_PEEK" ]; then
			c_ok "no side file or plaintext in the backing dir while the editor was open"
		else
			c_fail "no side file or plaintext in the backing dir while the editor was open" "$C_PEEK"
		fi
	fi
}

# The sops-age cross-checks of all cases, run at the end in parallel (node
# takes about a second to start and load the decoder).
age_check_all() {
	local n type name
	[ -s "$TMP/age/list" ] || return 0
	cut -f1,2 "$TMP/age/list" | xargs -P "$(nproc)" -L 1 bash -c \
		'node "$0" "$1" "$5" "$3/$4.enc" "$3/$4.plain" "$2" >/dev/null 2>"$3/$4.err"; echo $? >"$3/$4.rc"' \
		"$TOOLS/sops_age_check.mjs" "$NPM" "$REPO_KEY" "$TMP/age"
	while IFS=$'\t' read -r n type name; do
		if [ "$(cat "$TMP/age/$n.rc" 2>/dev/null)" = 0 ]; then
			ok "$name: sops-age decrypts it to the same values"
		else
			fail "$name: sops-age decrypts it to the same values" "$(head -c 400 "$TMP/age/$n.err" 2>/dev/null | tr '\n' '|')"
		fi
	done <"$TMP/age/list"
}

same_file() {   # what expected actual
	if cmp -s "$2" "$3"; then
		c_ok "$1"
	else
		c_fail "$1" "differs: $(diff <(cat -A "$2") <(cat -A "$3") | head -c 500 | tr '\n' '|')"
	fi
}

# case_end: show the daemon's requests of a failing case, then report and
# remove the side files left in the view.
case_end() {
	case_log
	local left
	left=$( (cd "$VIEW" && find . -path ./.git -prune -o -print | sort) | comm -13 "$TMP/view.list" - )
	if [ -n "$left" ]; then
		echo "# $C_NAME: left in the view: $(echo "$left" | tr '\n' ' ')"
		(cd "$VIEW" && echo "$left" | sort -r | while read -r f; do rm -rf -- "$f" 2>/dev/null; done)
	fi
}

case_log() {
	if [ "$C_FAILED" = 1 ] && [ -s "$TMP/mount.log" ]; then
		tail -c +"$((C_LOGPOS + 1))" "$TMP/mount.log" >"$C_DIR/mount.log"
		if [ -n "${EDITORS_LOG_DIR:-}" ]; then
			mkdir -p "$EDITORS_LOG_DIR" && cp "$C_DIR/mount.log" "$EDITORS_LOG_DIR/${C_NAME// /_}.log"
		fi
		"$ED_PY" "$TOOLS/fuse_log_ops.py" <"$C_DIR/mount.log" >"$C_DIR/mount.ops" 2>/dev/null
		echo "# $C_NAME: the daemon's requests (last 80 of $(wc -l <"$C_DIR/mount.ops"), noise left out):"
		tail -n 80 "$C_DIR/mount.ops" | sed 's/^/#   /'
	fi
}

# over_budget NAME: true (after a failure line) when case NAME must not run:
# the matrix ran over its time budget, or the daemon died (reported once,
# with the end of its log).
DAEMON_DEAD=0
over_budget() {
	if [ "$MODE" = mount ] && ! kill -0 "$MOUNT_PID" 2>/dev/null; then
		if [ "$DAEMON_DEAD" = 0 ]; then
			DAEMON_DEAD=1
			fail "editors: the daemon is alive before $1" "it exited; the remaining cases are not run"
			echo "# the end of the daemon's log:"
			tail -n 40 "$TMP/mount.log" | sed 's/^/#   /'
		fi
		return 0
	fi
	if [ $((SECONDS - START)) -ge "$BUDGET" ]; then
		fail "editors: $1" "skipped: the matrix ran over its ${BUDGET}s budget"
		return 0
	fi
	return 1
}

# run_case METHOD FMT KIND SAVEFN
run_case() {
	over_budget "$1 $2" && return
	case_begin "$1" "$2" "$3" || { case_end; return; }
	local t0=$SECONDS
	if "$4" "$C_VIEW" "$C_OLD" "$C_NEW" "$C_EXPECT"; then
		c_ok "save succeeds ($((SECONDS - t0))s)"
	else
		c_fail "save succeeds" "$ED_ERR"
	fi
	case_check
	case_end
}

# --- the matrix ----------------------------------------------------------------

# method|kind|save function|required commands
METHODS=(
	"vim|change|save_vim|vim tmux"
	"vim-defaults|change|save_vim_defaults|vim tmux"
	"vim-bcyes|change|save_vim_bcyes|vim tmux"
	"vim-bcno|change|save_vim_bcno|vim tmux"
	"vim-backup-undo|change|save_vim_backup_undo|vim tmux"
	"nvim|change|save_nvim|nvim tmux"
	"nano|change|save_nano|nano tmux"
	"nano-B|change|save_nano_backup|nano tmux"
	"emacs|change|-|emacs tmux"
	"sed-i|change|save_sed|sed"
	"perl-pi|change|save_perl|perl"
	"rsync|change|save_rsync|rsync"
	"cp|change|save_cp|cp"
	"shell-redirect|change|save_redirect|bash"
	"shell-append|append|save_append|bash"
	"python-atomic|change|save_python_atomic|$ED_PY"
	"jetbrains|change|save_jetbrains|$ED_PY"
	"git-checkout|change|save_git_checkout|git"
)

missing_tool() {   # commands...
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || { echo "$c"; return 0; }; done
	return 1
}

run_emacs() {   # fmt
	over_budget "emacs $1" && return
	case_begin emacs "$1" change || { case_end; return; }
	local t0=$SECONDS saved=1
	if emacs_open "$C_VIEW" "$C_OLD" && emacs_replace_save "$C_OLD" "$C_NEW"; then
		c_ok "save succeeds ($((SECONDS - t0))s)"
	else
		c_fail "save succeeds" "$ED_ERR"
		ed_stop
		saved=0
	fi
	case_check
	[ "$saved" = 1 ] || { case_end; return; }
	case_log
	# The second save of the session rewrites the file in place.
	local name2="emacs-2nd-save $1"
	case_begin emacs-2nd-save "$1" change || { emacs_quit; case_end; return; }
	C_NAME=$name2
	if emacs_replace_save "$C_OLD" "$C_NEW"; then
		c_ok "save succeeds"
	else
		c_fail "save succeeds" "$ED_ERR"
	fi
	emacs_quit || c_fail "emacs exits" "$ED_ERR"
	case_check
	case_end
}

for m in "${METHODS[@]}"; do
	IFS='|' read -r method kind fn needs <<<"$m"
	[ -n "$ONLY" ] && ! [[ $method =~ $ONLY ]] && continue
	# shellcheck disable=SC2086
	if miss=$(missing_tool $needs); then
		skip "$method" "$miss is not installed"
		continue
	fi
	t0=$SECONDS
	for fmt in "${REPO_FORMATS[@]}"; do
		if [ "$kind" = append ] && [ "$fmt" = json ]; then
			skip "$method $fmt" "appending a line cannot keep a JSON document valid"
			continue
		fi
		if [ "$method" = emacs ]; then
			run_emacs "$fmt"
		else
			run_case "$method" "$fmt" "$kind" "$fn"
		fi
	done
	echo "# $method: $((SECONDS - t0))s"
done

# --- invalid YAML from vim: E667, backing untouched, then a corrected save -------

bad_yaml() {
	local bad="{broken: ["
	case_begin vim-invalid-yaml yaml change || { case_end; return; }
	local scr
	if vim_bad_yaml_open "$C_VIEW" "$C_OLD" "$bad" &&
		ed_wait_screen "E[0-9]+:|Fsync failed|written" "the result of :w"; then
		scr=$(ed_screen)
		if [[ $scr =~ E667|Fsync\ failed ]]; then
			c_ok "vim reports the failed fsync (E667)"
		else
			c_fail "vim reports the failed fsync (E667)" "vim shows instead: $scr"
		fi
	else
		c_fail "vim reports the failed fsync (E667)" "$ED_ERR"
	fi
	if cmp -s "$C_DIR/before.enc" "$C_SRC"; then
		c_ok "backing file byte-identical after the failed save"
	elif [ ! -e "$C_SRC" ]; then
		c_fail "backing file byte-identical after the failed save" "it is gone"
	else
		c_fail "backing file byte-identical after the failed save" "it changed"
	fi
	if [ -n "$ED_SESSION" ] && vim_bad_yaml_fix "$bad" "$C_NEW"; then
		c_ok "the corrected save succeeds"
	else
		ed_stop
		c_fail "the corrected save succeeds" "$ED_ERR"
	fi
	case_check
	case_end
}

if [ "$MODE" = mount ] && { [ -z "$ONLY" ] || [[ vim-invalid-yaml =~ $ONLY ]]; }; then
	if miss=$(missing_tool vim tmux); then
		skip "vim-invalid-yaml" "$miss is not installed"
	elif ! over_budget "vim-invalid-yaml"; then
		bad_yaml
	fi
elif [ "$MODE" != mount ]; then
	skip "vim-invalid-yaml" "needs the mount (a plain directory accepts any text)"
fi

age_check_all
if [ "$MODE" = mount ] && [ "$DAEMON_DEAD" = 0 ]; then
	unmount_sopsfs "$VIEW" || fail "editors: unmount" "the daemon did not exit"
fi
# What the whole matrix left in the backing dir (after the unmount).
if [ -n "$SRC" ]; then
	leaks=$(src_leaks | tr '\n' ' ')
	if [ -z "$leaks" ]; then
		ok "editors: no plaintext secret under the backing dir at the end"
	else
		fail "editors: no plaintext secret under the backing dir at the end" "found in: $leaks"
	fi
	extra=$(src_new "$TMP/src.names" "$(src_names)")
	if [ -z "$extra" ]; then
		ok "editors: no side file left in the backing dir at the end"
	else
		fail "editors: no side file left in the backing dir at the end" "new names: $extra"
	fi
fi
echo "# editors: $CASE_NO cases in $((SECONDS - START))s"
