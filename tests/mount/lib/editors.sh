# shellcheck shell=bash
# lib/editors.sh - save a file the way each editor or tool does (sourced after
# tests/lib.sh). Interactive editors run in a private tmux server and are
# driven with send-keys; every wait polls with a timeout (EDITORS_TIMEOUT,
# seconds, default 15) instead of sleeping.
#
# Every save function has the same signature and returns 0 when the tool
# reported success, else 1 with the reason (and the editor's screen) in ED_ERR:
#
#   save_METHOD FILE OLD NEW EXPECTED
#       FILE      the file to edit (a path in the mount, or in a plain dir)
#       OLD NEW   the value to change and its new value (tokens, no regex
#                 metacharacters); for save_append NEW is the line to append
#       EXPECTED  the whole expected new content (for tools that write a
#                 prepared copy: rsync, cp, >, git checkout)
#
# Editors that stay open between saves (emacs) have open/save/quit functions.
# ED_GIT_DIR and ED_GIT_WT configure save_git_checkout.
#
# Interactive editors call the function named by ED_PEEK_FN (if set) while
# they are open: once after the edit, with the swap/auto-save file holding the
# new plaintext (vim :preserve, emacs do-auto-save), and once after the save.

ED_TIMEOUT=${EDITORS_TIMEOUT:-15}
ED_SOCK=$TMP/tmux.sock
ED_DIR=$TMP/ed
ED_ERR=
ED_SESSION=
# The system python3 (a pyenv shim costs half a second a call).
ED_PY=${EDITORS_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
mkdir -p "$ED_DIR"
cleanup_hooks+=("tmux -S '$ED_SOCK' kill-server >/dev/null 2>&1")

# Debian's vim save settings on top of -u NONE -N: /etc/vim/vimrc (debian.vim)
# and defaults.vim set nothing about saving, so these are vim's compiled-in
# defaults, spelled out.
ED_VIM_BASE=(vim -u NONE -N -i NONE --cmd "set backupcopy=auto writebackup nobackup fsync")

ed_tmux() { tmux -S "$ED_SOCK" "$@"; }

# The last screen of the session, on one line (for error messages).
ed_screen() {
	ed_tmux capture-pane -p -t "$ED_SESSION" 2>/dev/null | sed 's/[[:space:]]*$//' | grep -v '^~*$' |
		tr '\n' '|' | head -c 700
}

ed_error() {   # message
	local scr
	scr=$(ed_screen)
	ED_ERR="$1${scr:+; screen: $scr}"
	return 1
}

# ed_start DIR CMD...: run CMD in DIR in a new tmux session (ED_SESSION);
# its exit status lands in $ED_DIR/$ED_SESSION.rc.
ed_start() {
	local dir=$1; shift
	ED_SESSION=ed$RANDOM$RANDOM
	local script=$ED_DIR/$ED_SESSION.sh
	{
		printf 'cd %q || exit 97\n' "$dir"
		printf '%q ' "$@"
		printf '\necho $? >%q\n' "$ED_DIR/$ED_SESSION.rc"
	} >"$script"
	ED_ERR=
	ed_tmux new-session -d -s "$ED_SESSION" -x 160 -y 48 "bash $script" ||
		{ ED_ERR="tmux new-session failed"; return 1; }
}

ed_stop() {
	[ -n "$ED_SESSION" ] && ed_tmux kill-session -t "$ED_SESSION" >/dev/null 2>&1
	ED_SESSION=
}

# ed_wait_screen ERE [WHAT]: wait until the screen matches ERE.
# ed_wait_fixed TEXT [WHAT]: wait until the screen shows TEXT.
ed_wait_screen() { ed_wait_grep -E "$@"; }
ed_wait_fixed()  { ed_wait_grep -F "$@"; }

ed_wait_grep() {   # -E|-F pattern [what]
	local i mode=$1; shift
	for ((i = 0; i < ED_TIMEOUT * 20; i++)); do
		if ed_tmux capture-pane -p -t "$ED_SESSION" 2>/dev/null | grep -q "$mode" -- "$1"; then
			return 0
		fi
		[ -e "$ED_DIR/$ED_SESSION.rc" ] && { ED_ERR="the editor exited (status $(cat "$ED_DIR/$ED_SESSION.rc")) while waiting for ${2:-$1}"; return 1; }
		sleep 0.05
	done
	ed_error "timed out after ${ED_TIMEOUT}s waiting for ${2:-$1}"
}

# ed_wait_exit: wait until the editor exited with status 0.
ed_wait_exit() {
	local i rc=$ED_DIR/$ED_SESSION.rc
	for ((i = 0; i < ED_TIMEOUT * 20; i++)); do
		if [ -s "$rc" ]; then
			[ "$(cat "$rc")" = 0 ] && return 0
			ED_ERR="the editor exited with status $(cat "$rc")"
			return 1
		fi
		sleep 0.05
	done
	ed_error "timed out after ${ED_TIMEOUT}s waiting for the editor to exit"
}

ed_peek() {
	[ -n "${ED_PEEK_FN:-}" ] && "$ED_PEEK_FN"
	return 0
}

ed_keys() { ed_tmux send-keys -t "$ED_SESSION" "$@"; }
ed_type() { ed_tmux send-keys -t "$ED_SESSION" -l -- "$1"; }

# ed_finish STATUS: stop the session and pass STATUS on.
ed_finish() {
	local st=$1
	ed_stop
	return "$st"
}

# --- vim and neovim -------------------------------------------------------

# vim_like FILE OLD NEW CMD...: open FILE, :%s/OLD/NEW/, :preserve (the swap
# file gets the new text), :w, :q.
vim_like() {
	local file=$1 old=$2 new=$3; shift 3
	ed_start "$(dirname "$file")" "$@" "$(basename "$file")" || return 1
	ed_wait_screen "$old" "the file on the screen" &&
		ed_type ":%s/$old/$new/" && ed_keys Enter &&
		ed_wait_screen "$new" "the substitution" &&
		ed_type ":preserve" && ed_keys Enter && ed_wait_screen "preserved" "the swap file" &&
		ed_peek &&
		ed_type ":w" && ed_keys Enter && ed_wait_screen "written" "the save" &&
		ed_peek &&
		ed_type ":q" && ed_keys Enter &&
		ed_wait_exit
	ed_finish $?
}

save_vim()             { vim_like "$1" "$2" "$3" "${ED_VIM_BASE[@]}"; }
save_vim_defaults()    { vim_like "$1" "$2" "$3" vim -u DEFAULTS -i NONE; }
save_vim_bcyes()       { vim_like "$1" "$2" "$3" "${ED_VIM_BASE[@]}" --cmd "set backupcopy=yes"; }
save_vim_bcno()        { vim_like "$1" "$2" "$3" "${ED_VIM_BASE[@]}" --cmd "set backupcopy=no"; }
save_vim_backup_undo() { vim_like "$1" "$2" "$3" "${ED_VIM_BASE[@]}" --cmd "set backup undofile"; }
save_nvim()            { vim_like "$1" "$2" "$3" nvim --clean; }

# vim_bad_yaml_open FILE OLD BAD: open FILE in vim (Debian settings), replace
# OLD by BAD and :w; leaves vim running (ED_SESSION) for vim_bad_yaml_fix.
vim_bad_yaml_open() {
	local file=$1 old=$2 bad=$3
	ed_start "$(dirname "$file")" "${ED_VIM_BASE[@]}" "$(basename "$file")" || return 1
	ed_wait_screen "$old" "the file on the screen" &&
		ed_type ":%s/$old/$bad/" && ed_keys Enter &&
		ed_wait_fixed "$bad" "the substitution" &&
		ed_type ":w" && ed_keys Enter
}

# vim_bad_yaml_fix BAD NEW: dismiss the error, replace BAD by NEW, :wq.
vim_bad_yaml_fix() {
	local bad=$1 new=$2
	ed_keys Enter && ed_keys Escape &&
		ed_type ":%s/\\V$bad/$new/" && ed_keys Enter &&
		ed_wait_screen "$new" "the substitution" &&
		ed_type ":wq" && ed_keys Enter &&
		ed_wait_exit
	ed_finish $?
}

# --- nano ----------------------------------------------------------------

# nano_like FILE OLD NEW ARGS...: ^\ (replace) OLD -> NEW, ^S (save), ^X.
nano_like() {
	local file=$1 old=$2 new=$3; shift 3
	ed_start "$(dirname "$file")" nano "$@" "$(basename "$file")" || return 1
	ed_wait_screen "$old" "the file on the screen" &&
		ed_keys 'C-\' && ed_wait_screen "Search \(to replace\)" "the search prompt" &&
		ed_type "$old" && ed_keys Enter && ed_wait_screen "Replace with" "the replace prompt" &&
		ed_type "$new" && ed_keys Enter && ed_wait_screen "Replace this instance" "the confirmation" &&
		ed_type "y" && ed_wait_screen "Replaced 1 occurrence" "the replacement" &&
		ed_peek &&
		ed_keys C-s && ed_wait_screen "Wrote [0-9]+ line" "the save" &&
		ed_peek &&
		ed_keys C-x && ed_wait_exit
	ed_finish $?
}

save_nano()        { nano_like "$1" "$2" "$3"; }
save_nano_backup() { nano_like "$1" "$2" "$3" -B; }

# --- emacs (two saves in one session) ------------------------------------

emacs_open() {   # file old
	ed_start "$(dirname "$1")" emacs -nw -Q "$(basename "$1")" || return 1
	ed_wait_screen "$2" "the file on the screen" || ed_finish 1
}

# emacs_replace_save OLD NEW: M-< M-x replace-string, M-x do-auto-save (the
# auto-save file #NAME# gets the new text), C-x C-s; emacs stays open.
emacs_replace_save() {
	local old=$1 new=$2
	emacs_mx "replace-string" "Replace string" &&
		ed_type "$old" && ed_keys Enter && ed_wait_screen "with:" "the second prompt" &&
		ed_type "$new" && ed_keys Enter && ed_wait_screen "Replaced 1 occurrence" "the replacement" &&
		emacs_mx "do-auto-save" "Auto-saving...done" &&
		ed_peek &&
		ed_keys C-x C-s && ed_wait_screen "^Wrote " "the save" &&
		ed_peek
}

emacs_mx() {   # command, what to wait for
	ed_keys 'M-<' && ed_keys M-x && ed_wait_screen "M-x" "the M-x prompt" &&
		ed_type "$1" && ed_keys Enter && ed_wait_screen "$2" "$1"
}

emacs_quit() {
	ed_keys C-x C-c && ed_wait_exit
	ed_finish $?
}

# --- command-line tools ---------------------------------------------------

# ed_run CMD...: run a tool with a timeout; its stderr goes into ED_ERR.
ed_run() {
	local rc=0
	ED_ERR=
	timeout -k 2 "$ED_TIMEOUT" "$@" >"$ED_DIR/out" 2>"$ED_DIR/err" || rc=$?
	[ "$rc" = 0 ] && return 0
	ED_ERR="$(basename "$1") failed (status $rc): $(head -c 400 "$ED_DIR/err" | tr '\n' '|')"
	return 1
}

save_sed()  { ed_run sed -i "s/$2/$3/" "$1"; }
save_perl() { ed_run perl -pi -e "s/$2/$3/" "$1"; }

# rsync a modified copy (in a scratch dir named like the target) onto FILE.
save_rsync() {
	mkdir -p "$ED_DIR/rsync" && cp "$4" "$ED_DIR/rsync/$(basename "$1")" &&
		ed_run rsync -I "$ED_DIR/rsync/$(basename "$1")" "$1"
}

save_cp()       { ed_run cp "$4" "$1"; }
save_redirect() { ed_run bash -c 'cat "$1" >"$2"' redirect "$4" "$1"; }
save_append()   { ed_run bash -c 'printf "%s\n" "$1" >>"$2"' append "$3" "$1"; }

save_python_atomic() { ed_run "$ED_PY" "$ROOT/tests/tools/atomic_save.py" "$1" "$2" "$3"; }
save_jetbrains()     { ed_run "$ED_PY" "$ROOT/tests/tools/jetbrains_save.py" "$1" "$2" "$3"; }

# git checkout: commit the expected content for FILE in a repository whose
# working tree is ED_GIT_WT (the git dir ED_GIT_DIR lives outside it), then
# `git checkout -- FILE` replaces the file (unlink + create O_EXCL).
ed_git() {
	git --git-dir="$ED_GIT_DIR" --work-tree="$ED_GIT_WT" -c user.name=test \
		-c user.email=test@example.org "$@"
}

save_git_checkout() {
	local rel=${1#"$ED_GIT_WT"/} blob
	[ -d "$ED_GIT_DIR" ] || ed_git init -q || { ED_ERR="git init failed"; return 1; }
	blob=$(ed_git hash-object -w "$4") &&
		ed_git update-index --add --cacheinfo "100644,$blob,$rel" &&
		ed_git commit -qm "edit $rel" >/dev/null ||
		{ ED_ERR="git commit of the edited plaintext failed"; return 1; }
	ed_run git --git-dir="$ED_GIT_DIR" --work-tree="$ED_GIT_WT" checkout -- "$rel"
}
