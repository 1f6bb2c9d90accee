# shellcheck shell=bash
# lib/kcache.sh - a small git repository of SOPS and plain files and the
# checks the kernel-cache tests (cache.sh, readonly.sh) share: each compares
# what the mount shows with what SRC holds (sourced after tests/lib.sh and
# lib/mount.sh; MNT is the mount point under test).
#
#   kcache_fixture     CLI, HOME, GNUPGHOME, an age key; SRC a repo with two
#                      commits (main checked out one back): s.yaml,
#                      d/sub/deep.yaml (SOPS), p.txt, d/x.txt | d/y.txt
#   enc PATH VALUE     (re)encrypt a one-value SOPS file in SRC
#   git ARGS...        git in SRC, quiet
#   expect PATH        what the mount must show for PATH ("-": absent)
#   same LABEL PATHS   bytes, sizes and existence through the mount = SRC
#   soon CHECK ARGS    retry CHECK for up to 3 s (lags go to $TMP/lag)
#   mode_is, nlink_is, listing_is, absent   single checks for soon
#   warm               read, list and stat everything (fill the caches)
#   pages_of FILE      pages of FILE in the page cache
#   pages_dropped_by PATH CMD...   PATH's pages cached, CMD drops them all
#   usr1 PID           SIGUSR1 to the daemon, then time for its wipe

kcache_fixture() {
	CLI=$ROOT/build/sopsfs
	export HOME=$TMP/home GNUPGHOME=$TMP/gnupg
	mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
	unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
	cd "$TMP" || return 1
	age-keygen -o age.txt 2>/dev/null; R=$(age-keygen -y age.txt)
	export SOPS_AGE_KEY_FILE=$TMP/age.txt
	SRC=$TMP/src
	mkdir -p "$SRC/d/sub"
	git init -q -b main
	enc s.yaml one; enc d/sub/deep.yaml first
	printf 'plain one\n' >"$SRC/p.txt"; printf 'x\n' >"$SRC/d/x.txt"
	git add -A; git commit -qm c1
	enc s.yaml two-is-longer; enc d/sub/deep.yaml second-value-here
	printf 'plain two, longer\n' >"$SRC/p.txt"; rm "$SRC/d/x.txt"; printf 'y\n' >"$SRC/d/y.txt"
	git add -A; git commit -qm c2
	git checkout -q HEAD~1
}

enc() {   # path value
	printf 'db:\n    password: %s\n' "$2" | "$CLI" encrypt --age "$R" --filename-override s.yaml - >"$SRC/$1"
}
git() { command git -C "$SRC" -c user.name=t -c user.email=t@t "$@" >/dev/null 2>&1; }
# What the mount must show for path: the CLI's plaintext of a SOPS file, the
# bytes of any other file; "-" when it does not exist.
expect() {
	if [ ! -e "$SRC/$1" ]; then echo -; elif grep -q '^sops:' "$SRC/$1"; then
		"$CLI" decrypt "$SRC/$1"; else cat "$SRC/$1"; fi
}
# Compare size, bytes and existence of each path through the mount with SRC.
same() {   # label paths...
	local p want got bad=""
	for p in "${@:2}"; do
		want=$(expect "$p"; echo .)
		if [ -e "$MNT/$p" ]; then got=$(cat "$MNT/$p" 2>&1; echo .); else got="-
."; fi
		[ "$want" = "$got" ] || bad+=" $p: bytes '${got%.}' want '${want%.}';"
		if [ "$want" != "-
." ]; then
			[ "$(stat -c %s "$MNT/$p")" = "$(( ${#want} - 1 ))" ] || bad+=" $p: size $(stat -c %s "$MNT/$p") want $(( ${#want} - 1 ));"
		fi
	done
	[ -z "$bad" ] && return 0
	echo "$1:$bad"; return 1
}
FILES=(s.yaml p.txt d/x.txt d/y.txt d/sub/deep.yaml)
# Run a check until it passes, for up to 3 s; print its last complaint when
# it never does. Appends to $TMP/lag 0 when the first try passed, else the
# milliseconds until one did.
soon() {   # check args...
	local t0 out n
	t0=$(date +%s%N)
	for n in $(seq 1 150); do
		if out=$("$@"); then
			[ "$n" = 1 ] && echo 0 >>"$TMP/lag" ||
				echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$TMP/lag"
			return 0
		fi
		sleep 0.02
	done
	echo "$out"; return 1
}
mode_is() {    # path mode
	local m; m=$(stat -c %a "$MNT/$1" 2>&1)
	[ "$m" = "$2" ] || { echo "$1 mode '$m' want $2;"; return 1; }
}
nlink_is() {   # path n
	local h; h=$(stat -c %h "$MNT/$1" 2>&1)
	[ "$h" = "$2" ] || { echo "$1 nlink '$h' want $2;"; return 1; }
}
listing_is() { # dir "names "
	local l; l=$(ls "$MNT/$1" 2>&1 | tr '\n' ' ')
	[ "$l" = "$2" ] || { echo "listing of /$1: '$l' want '$2';"; return 1; }
}
absent() {     # path
	[ ! -e "$MNT/$1" ] && ! ls "$MNT/$(dirname "$1")" 2>/dev/null | grep -qxF "$(basename "$1")" \
		|| { echo "$1 still there;"; return 1; }
}
warm() {   # read, list and stat everything
	ls -lR "$MNT" >/dev/null; cat "$MNT"/s.yaml "$MNT"/p.txt "$MNT"/d/sub/deep.yaml >/dev/null 2>&1
	stat "$MNT"/d/x.txt "$MNT"/d/y.txt >/dev/null 2>&1; }

pages_of() {   # file -> pages in the page cache
	fincore -n -o PAGES "$1" | tr -d ' '
}
# Read PATH twice (its pages cached), run CMD, and check that every page
# is gone; prints "pages B -> A" when none were cached or some stayed.
pages_dropped_by() {   # path command...
	local pb pa
	cat "$MNT/$1" >/dev/null; cat "$MNT/$1" >/dev/null
	pb=$(pages_of "$MNT/$1")
	"${@:2}"
	pa=$(pages_of "$MNT/$1")
	[ "${pb:-0}" -ge 1 ] && [ "$pa" = 0 ] && return 0
	echo "pages $pb -> $pa"; return 1
}
usr1() {   # pid: SIGUSR1, then time for the daemon to wipe
	kill -USR1 "$1"; sleep 1.5
}
