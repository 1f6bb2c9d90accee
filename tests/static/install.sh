#!/usr/bin/env bash
# install.sh - `make install DESTDIR=...` puts the binary, man page, bash
# completion and systemd user unit where they belong, the completion
# completes subcommands and options, and `make uninstall` leaves no file.
. "$(dirname "$0")/../lib.sh"
D=$TMP/root

if ! make -s --no-print-directory install DESTDIR="$D" PREFIX=/usr/local >"$TMP/install.log" 2>&1; then
	fail "install_destdir" "make install failed: $(tail -3 "$TMP/install.log" | tr '\n' '|')"
	exit 0
fi
want="usr/local/bin/sopsfs usr/local/lib/systemd/user/sopsfs@.service usr/local/share/bash-completion/completions/sopsfs usr/local/share/man/man1/sopsfs.1"
got=$(cd "$D" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
[ "$got" = "$want " ] && ok "install_destdir (4 files)" || fail "install_destdir" "installed: $got"
[ -x "$D/usr/local/bin/sopsfs" ] && cmp -s "$D/usr/local/bin/sopsfs" build/sopsfs \
	&& ok "install_binary" || fail "install_binary" "not the built binary, or not executable"

# --version names the commit it was built from
v=$("$D/usr/local/bin/sopsfs" --version)
c=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ $v == "sopsfs "*"(commit $c;"* ]] && ok "install_version ($v)" || fail "install_version" "got '$v', commit $c"

# the unit runs the installed binary in the foreground and unmounts with fusermount3
U=$D/usr/local/lib/systemd/user/sopsfs@.service
if grep -qx 'ExecStart=/usr/local/bin/sopsfs mount -f ${SRC} %f $OPTIONS' "$U" &&
   grep -q '^ExecStop=.*fusermount3 -u %f$' "$U" &&
   grep -q '^EnvironmentFile=%h/.config/sopsfs/%i.conf$' "$U"; then
	ok "install_user_unit"
else
	fail "install_user_unit" "$(grep '^Exec\|^Environment' "$U" | tr '\n' '|')"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$TMP/units" && cp "$U" "$TMP/units/sopsfs@tmp-x.service"
	sed -i "s|/usr/local/bin/sopsfs|$ROOT/build/sopsfs|" "$TMP/units/sopsfs@tmp-x.service"
	if out=$(cd "$TMP/units" && systemd-analyze verify --man=no ./sopsfs@tmp-x.service 2>&1); then
		ok "install_unit_verifies"
	else
		fail "install_unit_verifies" "$(echo "$out" | grep -v 'not found\|Failed to' | head -3 | tr '\n' '|')"
	fi
else
	skip "install_unit_verifies" "systemd-analyze is not installed"
fi

# bash completion: subcommands, their options, -o lists
complete_words() {   # words... (the last one is being completed)
	(cd "$TMP" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sopsfs; echo "${COMPREPLY[*]}"' \
		_ "$D/usr/local/share/bash-completion/completions/sopsfs" "$@")
}
r1=$(complete_words sopsfs de)
r2=$(complete_words sopsfs exec)
r3=$(complete_words sopsfs encrypt --enc)
r4=$(complete_words sopsfs mount src mnt -o key_ttl=5,kms)
r5=$(complete_words sopsfs --ver)
if [ "$r1" = "decrypt" ] && [ "$r2" = "exec-env exec-file exec" ] &&
   [ "$r3" = "--encrypted-regex --encrypted-suffix --encrypted-comment-regex" ] &&
   [ "$r4" = "key_ttl=5,kms_parallel= key_ttl=5,kms_timeout=" ] && [ "$r5" = "--version" ]; then
	ok "install_bash_completion"
else
	fail "install_bash_completion" "de:'$r1' exec:'$r2' --enc:'$r3' -o:'$r4' --ver:'$r5'"
fi

make -s --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr/local >/dev/null 2>&1
left=$(find "$D" -type f -o -type l | wc -l)
[ "$left" -eq 0 ] && ok "uninstall_destdir_leaves_no_file" \
	|| fail "uninstall_destdir_leaves_no_file" "$(find "$D" -type f -o -type l | head -3 | tr '\n' ' ')"
