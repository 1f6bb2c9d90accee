#!/usr/bin/env bash
# man.sh - man/sopsfs.1 renders without warnings and documents what the
# binary offers: every subcommand and mount option in `sopsfs --help` and
# `sopsfs mount --help`, and every exit code of common/err.h.
. "$(dirname "$0")/../lib.sh"
MAN=man/sopsfs.1
BIN=$ROOT/build/sopsfs

if command -v groff >/dev/null 2>&1; then
	w=$(groff -man -ww -z "$MAN" 2>&1)
	[ -z "$w" ] && ok "man_groff_no_warnings" || fail "man_groff_no_warnings" "$(echo "$w" | head -3 | tr '\n' '|')"
else
	skip "man_groff_no_warnings" "groff is not installed"
fi
if command -v man >/dev/null 2>&1; then
	w=$(MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
	out=$(MANWIDTH=80 man -l "$MAN" 2>/dev/null)
	if [ -n "$w" ]; then
		fail "man_renders" "$(echo "$w" | head -3 | tr '\n' '|')"
	elif ! grep -q '^EXIT STATUS' <<<"$out" || ! grep -q '^MOUNT OPTIONS' <<<"$out"; then
		fail "man_renders" "sections missing from the rendered page"
	else
		ok "man_renders (man -l, $(wc -l <<<"$out") lines at 80 columns)"
	fi
else
	skip "man_renders" "man is not installed"
fi

# Subcommands: the "sopsfs WORD" lines of --help, plus the listed ones.
missing=()
cmds=$("$BIN" --help | sed -n 's/^  sopsfs \([a-z][a-z-]*\).*/\1/p' | sort -u)
for c in $cmds mount decrypt encrypt replace updatekeys rotate set unset exec-env \
	exec-file exec filestatus check merge-driver merge status lock; do
	man_name=${c//-/\\\\-}
	grep -q "^\.B $man_name\$\|^\.BR $man_name " "$MAN" || missing+=("$c")
done
[ ${#missing[@]} -eq 0 ] && ok "man_documents_subcommands" \
	|| fail "man_documents_subcommands" "not in the COMMANDS section: ${missing[*]}"

# Mount options: every "-o NAME" of `sopsfs mount --help`.
missing=()
for o in $("$BIN" mount --help 2>/dev/null | sed -n 's/^  -o \([a-z_]*\).*/\1/p' | sort -u); do
	grep -qE "^\.(B|BI|BR) $o(=| |\$)" "$MAN" || missing+=("$o")
done
n=$("$BIN" mount --help 2>/dev/null | grep -c '^  -o ')
[ ${#missing[@]} -eq 0 ] && [ "$n" -gt 5 ] && ok "man_documents_mount_options ($n in --help)" \
	|| fail "man_documents_mount_options" "missing: ${missing[*]} (--help lists $n)"

# Exit codes: every value of enum sops_exit.
missing=()
for v in $(sed -n 's/^\s*EX_[A-Z_]* = \([0-9]*\),.*/\1/p' common/err.h); do
	awk '/^\.SH EXIT STATUS/{s=1} /^\.SH FILES/{s=0} s' "$MAN" | grep -qx "\.B $v" || missing+=("$v")
done
[ ${#missing[@]} -eq 0 ] && ok "man_documents_exit_codes" \
	|| fail "man_documents_exit_codes" "not in EXIT STATUS: ${missing[*]}"
