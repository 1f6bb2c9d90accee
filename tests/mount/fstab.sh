#!/usr/bin/env bash
# fstab.sh - sopsfs as mount(8) and systemd start it: `mount -t fuse.sopsfs`
# and an fstab line (with nofail, _netdev, x-systemd.* options) go through
# mount.fuse3, which runs `sopsfs SRC MNT -o OPTS` from PATH; the command of
# the sopsfs@.service user unit (foreground mount, settings from a conf file,
# stop with fusermount3 -u) mounts and stops cleanly.
# mount(8) runs helpers with a fixed PATH (/usr/local/bin, /usr/bin, ...), so
# the first two parts run in a private mount namespace where build/sopsfs is
# bind-mounted as /usr/local/bin/sopsfs (nothing changes outside).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
need_fuse "fstab mount" || exit 0
command -v mount.fuse3 >/dev/null 2>&1 || [ -x /sbin/mount.fuse3 ] || { skip "fstab mount" "mount.fuse3 is missing"; exit 0; }
CLI=$ROOT/build/sopsfs
SELF=$ROOT/tests/mount/$(basename "$0")
if [ "${1:-}" = "--in-namespace" ]; then   # use the parent's files, leave them to it
	trap - EXIT
	rm -rf "$TMP"
	TMP=$FSTAB_TMP
fi
cd "$TMP" || exit 1
[ "${1:-}" = "--in-namespace" ] || age-keygen -o age.txt 2>/dev/null
R=$(age-keygen -y age.txt)
SRC=$TMP/src
if [ "${1:-}" != "--in-namespace" ]; then
	mkdir -p "$SRC" "$TMP/bin"
	printf 'db:\n    password: pw-fstab-1\n' >plain.yaml
	SOPS_AGE_KEY_FILE=/dev/null "$CLI" encrypt --age "$R" --filename-override app.yaml - <plain.yaml >"$SRC/app.yaml"
	ln -s "$CLI" "$TMP/bin/sopsfs"
fi

daemon_of() {   # mnt: pid of the sopsfs serving it
	pgrep -f "^sopsfs $SRC $1 " | head -1
}

check_mount() {   # name mnt
	local pid exe
	if ! mountpoint -q "$2"; then
		fail "$1" "nothing mounted at $2"
		return 1
	fi
	pid=$(daemon_of "$2")
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
	if ! cmp -s "$2/app.yaml" plain.yaml; then
		fail "$1" "app.yaml reads '$(head -c 80 "$2/app.yaml" | tr '\n' '|')'"
	elif ! grep -q "^$SRC $2 fuse.sopsfs " /proc/mounts; then
		fail "$1" "/proc/mounts: $(grep " $2 " /proc/mounts)"
	elif [ "$exe" != "$(readlink -f "$CLI")" ]; then
		fail "$1" "served by '$exe', not the sopsfs from PATH"
	else
		ok "$1"
	fi
}

unmount_wait() {   # mnt
	local pid
	pid=$(daemon_of "$1")
	umount "$1" 2>/dev/null || fusermount3 -u "$1"
	for _ in $(seq 1 100); do
		[ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

in_namespace() {
	mount --make-rprivate / 2>/dev/null
	mount --bind "$TMP/bin" /usr/local/bin || { fail "fstab_namespace" "cannot bind-mount /usr/local/bin"; return; }
	# ---- mount -t fuse.sopsfs -------------------------------------------------
	M1=$(new_mountpoint)
	cleanup_hooks+=("fusermount3 -u -z '$M1' >/dev/null 2>&1; rmdir '$M1' 2>/dev/null")
	if mount -t fuse.sopsfs "$SRC" "$M1" -o "age_key_file=$TMP/age.txt,key_ttl=60" 2>"$TMP/m1.err"; then
		check_mount "mount_t_fuse_sopsfs" "$M1"
		unmount_wait "$M1" && ok "mount_t_fuse_sopsfs_umount" || fail "mount_t_fuse_sopsfs_umount" "daemon still running"
	else
		fail "mount_t_fuse_sopsfs" "mount failed: $(tr '\n' '|' <"$TMP/m1.err")"
	fi

	# ---- an fstab line with mount(8) and systemd options -----------------------
	M2=$(new_mountpoint)
	cleanup_hooks+=("fusermount3 -u -z '$M2' >/dev/null 2>&1; rmdir '$M2' 2>/dev/null")
	printf '%s %s fuse.sopsfs age_key_file=%s,nofail,_netdev,noauto,x-systemd.automount,x-systemd.mount-timeout=5s 0 0\n' \
		"$SRC" "$M2" "$TMP/age.txt" >fstab
	if mount --fstab "$TMP/fstab" "$M2" 2>"$TMP/m2.err"; then
		check_mount "fstab_line_with_nofail_netdev_x_systemd" "$M2"
		unmount_wait "$M2" || fail "fstab_umount" "daemon still running"
	else
		fail "fstab_line_with_nofail_netdev_x_systemd" "mount failed: $(tr '\n' '|' <"$TMP/m2.err")"
	fi
}
if [ "${1:-}" = "--in-namespace" ]; then
	in_namespace
	exit 0
fi
if command -v unshare >/dev/null 2>&1; then
	FSTAB_TMP=$TMP unshare --mount bash "$SELF" --in-namespace
else
	skip "mount_t_fuse_sopsfs" "unshare is missing"
fi

# ---- what sopsfs@.service runs --------------------------------------------
M3=$(new_mountpoint)
cleanup_hooks+=("fusermount3 -u -z '$M3' >/dev/null 2>&1; rmdir '$M3' 2>/dev/null")
inst=$(systemd-escape --path "$M3" 2>/dev/null || echo x)
mkdir -p "$TMP/home/.config/sopsfs"
printf 'SRC=%s\nOPTIONS=-o age_key_file=%s -o key_ttl=30\n' "$SRC" "$TMP/age.txt" >"$TMP/home/.config/sopsfs/$inst.conf"
make -s --no-print-directory build/sopsfs@.service PREFIX=/usr/local >/dev/null 2>&1
exec_start=$(sed -n 's/^ExecStart=//p' "$ROOT/build/sopsfs@.service")
(   # the unit's ExecStart, expanded as systemd does (${SRC} one word, $OPTIONS split, %f the path)
	while IFS='=' read -r k v; do export "$k=$v"; done <"$TMP/home/.config/sopsfs/$inst.conf"
	cmd=${exec_start/\/usr\/local\/bin\/sopsfs/$CLI}
	cmd=${cmd//%f/$M3}
	cmd=${cmd//\$\{SRC\}/\"\$SRC\"}
	eval "exec $cmd"
) >"$TMP/unit.log" 2>&1 &
UPID=$!
for _ in $(seq 1 100); do mountpoint -q "$M3" && break; sleep 0.05; done
if mountpoint -q "$M3" && cmp -s "$M3/app.yaml" plain.yaml; then
	stop=$(sed -n 's/^ExecStop=//p' "$ROOT/build/sopsfs@.service")
	${stop//%f/$M3}
	wait "$UPID"; rc=$?
	[ "$rc" -eq 0 ] && ! mountpoint -q "$M3" && ok "user_unit_command_mounts_and_stops ($inst)" \
		|| fail "user_unit_command_mounts_and_stops" "exit $rc after ExecStop: $(tail -2 "$TMP/unit.log" | tr '\n' '|')"
else
	kill "$UPID" 2>/dev/null
	fail "user_unit_command_mounts_and_stops" "not mounted: $(tail -3 "$TMP/unit.log" | tr '\n' '|')"
fi
