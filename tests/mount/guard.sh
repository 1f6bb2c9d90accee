#!/usr/bin/env bash
# guard.sh - the leak guard (docs/security.md, "Leak guard"): through the
# mount, `cp secret.yaml notes.txt`, `echo VALUE >> README.md`, vim yanking a
# value into another plain file, a Python script writing a value in two
# halves (appending and into a new file) or completing one with the start of
# a long piece (SRC then keeps the file as before its O_TRUNC), and a
# scratch copy renamed onto a plain name are refused; a file written in long
# pieces that end like a value reaches SRC byte for byte; SRC gets no
# plaintext of any secret; the log and user.sopsfs.error name the file and
# the SOPS file; a copy under a creation rule is encrypted; values already in
# plain files of SRC and short values pass; with leak_guard=warn the same
# writes succeed and are logged.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/mount.sh"
. "$(dirname "$0")/lib/repo.sh"
need_fuse "leak guard" || exit 0
REPO_CLI=$ROOT/build/sopsfs
PY=$(command -v /usr/bin/python3 || command -v python3)
export HOME=$TMP/home
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
cd "$TMP" || exit 1

SRC=$TMP/src
repo_plaintexts "$TMP/plain"
# a value of db.yaml that a plain file already names is not a secret to guard
printf '\nThe database host is db-prod.internal.example.org.\n' >>"$TMP/plain/README.md"
repo_build "$SRC" "$TMP/plain" 2>"$TMP/build.err" || { fail "test repository" "$(cat "$TMP/build.err")"; exit 0; }
printf 'plain notes\n' >"$SRC/plain.txt"
printf 'before\n' >"$SRC/pieces.txt"
# a second value named in a plain file, deep in SRC (one walk of SRC finds both)
TOK=$(sed -n 's/^ *- \(tk[0-9a-f]*\)$/\1/p' "$TMP/plain/secrets/db.yaml" | head -1)
mkdir -p "$SRC/docs/a/b"
printf 'rotated token in use: %s\n' "$TOK" >"$SRC/docs/a/b/runbook.md"
cp "$SRC/README.md" "$TMP/README.orig"
cp "$SRC/plain.txt" "$TMP/plain.orig"
PW=$(sed -n 's/^ *password: \(tk[0-9a-f]*\)$/\1/p' "$TMP/plain/secrets/db.yaml" | head -1)
KEY=$(sed -n 's/.*"secret_key": "\(tk[0-9a-f]*\)".*/\1/p' "$TMP/plain/app.json")

# wait (up to 8 s) until the write-through of a new file at PATH was refused
wait_refused() {   # /path
	for _ in $(seq 1 80); do
		[[ $(getfattr --only-values -n user.sopsfs.error "$MNT$1" 2>/dev/null) == *"refused: $1 "* ]] &&
			return 0
		sleep 0.1
	done
	return 1
}

# no line of SRC (outside .git) holds a test secret
src_clean() {   # (but the token the test made public in runbook.md)
	! grep -rqF -f <(grep -vxF "$TOK" "$REPO_SECRETS") --exclude-dir=.git "$SRC"
}

# ---- deny (the default) ----------------------------------------------------
MNT=$(new_mountpoint)
mount_sopsfs "$SRC" "$MNT" || { fail "mount" "$(cat "$TMP/mount.log")"; exit 0; }
for f in secrets/db.yaml app.json .env config.ini; do cat "$MNT/$f" >/dev/null; done

# a new file's content is held in memory (it may still be renamed onto a
# SOPS path; SRC has its empty placeholder); when it would be written
# through, it is refused and stays in memory
cp "$MNT/secrets/db.yaml" "$MNT/notes.txt"
wait_refused /notes.txt
sleep 1.5   # past the settle time: a refused content is not retried
if [ -f "$SRC/notes.txt" ] && [ ! -s "$SRC/notes.txt" ] &&
   cmp -s "$MNT/notes.txt" "$MNT/secrets/db.yaml"; then
	ok "cp secret.yaml notes.txt is refused: SRC holds only an empty notes.txt, the mount keeps its content"
else
	fail "cp secret.yaml notes.txt is refused" "SRC notes.txt ($(stat -c %s "$SRC/notes.txt" 2>&1) bytes): $(head -c 100 "$SRC/notes.txt" 2>&1 | tr -c '[:print:]' .)"
fi
why=$(getfattr --only-values -n user.sopsfs.error "$MNT/notes.txt" 2>/dev/null)
case $why in
*/notes.txt*/secrets/db.yaml*) ok "user.sopsfs.error of notes.txt names it and secrets/db.yaml" ;;
*) fail "user.sopsfs.error of notes.txt names it and secrets/db.yaml" "got: $why" ;;
esac

if (echo "$PW" >>"$MNT/README.md") 2>echo.err; then
	fail "echo PASSWORD >> README.md is refused" "the append succeeded"
else
	grep -q 'Permission denied' echo.err && ok "echo PASSWORD >> README.md is refused with EACCES" ||
		fail "echo PASSWORD >> README.md is refused with EACCES" "$(cat echo.err)"
fi
why=$(getfattr --only-values -n user.sopsfs.error "$MNT/README.md" 2>/dev/null)
case $why in
*/README.md*/secrets/db.yaml*) ok "user.sopsfs.error of README.md names the SOPS file" ;;
*) fail "user.sopsfs.error of README.md names the SOPS file" "got: $why" ;;
esac

# vim: yank the password line of the secret, put it into plain.txt, save
timeout 20 vim -u NONE -N -i NONE -es --cmd "set backupcopy=auto writebackup nobackup fsync" \
	-c "e $MNT/secrets/db.yaml" -c '/password:/yank' -c "e $MNT/plain.txt" -c 'put' \
	-c 'w' -c 'qa!' </dev/null >vim.out 2>&1
vim_rc=$?
sleep 1.5
if [ $vim_rc -ne 0 ] && cmp -s "$SRC/plain.txt" "$TMP/plain.orig"; then
	ok "vim yanking a value into plain.txt: the save fails, SRC keeps the old plain.txt"
else
	fail "vim yanking a value into plain.txt is refused" "vim rc $vim_rc, SRC: $(head -c 200 "$SRC/plain.txt")"
fi
# vim renamed its backup back over the refused new file: that file (and its
# in-memory content) is gone, the mount shows the restored one
if cmp -s "$MNT/plain.txt" "$TMP/plain.orig"; then
	ok "the backup renamed back over the refused plain.txt replaces it in the mount too"
else
	fail "the backup renamed back over the refused plain.txt replaces it" \
		"mount shows $(wc -c <"$MNT/plain.txt") bytes, not the restored file"
fi

# Python: the value in two halves, flushed separately (append and new file)
half=$(( ${#KEY} / 2 ))
cat >halves.py <<EOF
import sys
path, mode, v, h = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
try:
    with open(path, mode) as f:
        f.write("key: " + v[:h]); f.flush()
        f.write(v[h:] + "\n"); f.flush()
except OSError as e:
    print("refused:", e.strerror); sys.exit(3)
EOF
"$PY" halves.py "$MNT/README.md" a "$KEY" "$half" >py1.out 2>&1; rc1=$?
"$PY" halves.py "$MNT/halves.txt" w "$KEY" "$half" >py2.out 2>&1; rc2=$?
wait_refused /halves.txt
if [ $rc1 = 3 ] && ! grep -qF "${KEY:0:$half}" "$SRC/README.md"; then
	ok "a value appended in two halves is refused; no half reaches README.md in SRC ($(cat py1.out))"
else
	fail "a value appended in two halves is refused" "rc $rc1 $(cat py1.out); SRC README: $(tail -c 100 "$SRC/README.md")"
fi
if ! grep -qF "${KEY:0:$half}" "$SRC/halves.txt" 2>/dev/null &&
   [[ $(getfattr --only-values -n user.sopsfs.error "$MNT/halves.txt" 2>/dev/null) == *"leak guard: refused: /halves.txt"* ]]; then
	ok "a value written in two halves to a new file is refused; no half reaches SRC"
else
	fail "a new file written in two halves is refused" "rc $rc2 $(cat py2.out); SRC: $(head -c 100 "$SRC/halves.txt" 2>&1)"
fi

# Python: an existing file rewritten in pieces longer than any value, each
# ending with a value's first bytes (held back until the next piece, which
# goes out with them without being copied: fs/guard/write.c); then a value
# whose second half starts such a piece
cat >pieces.py <<EOF
import os, sys
path, v, mode, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ps = [os.urandom(2000).hex().encode() + v[:5].encode() for _ in range(9)]
if mode == "secret":
    ps = [os.urandom(2000).hex().encode() + v[:7].encode(), v[7:].encode() + os.urandom(2000).hex().encode()]
fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
try:
    for p in ps:
        os.write(fd, p)
    os.fsync(fd)
except OSError as e:
    print("refused:", e.strerror); sys.exit(3)
finally:
    os.close(fd)
open(out, "wb").write(b"".join(ps))
EOF
"$PY" pieces.py "$MNT/pieces.txt" "$KEY" plain pieces.want >py3.out 2>&1; rc3=$?
if [ $rc3 = 0 ] && cmp -s pieces.want "$SRC/pieces.txt" && cmp -s pieces.want "$MNT/pieces.txt"; then
	ok "a file rewritten in 9 pieces that each end like a value reaches SRC byte for byte"
else
	fail "a file rewritten in pieces that end like a value reaches SRC" \
		"rc $rc3 $(cat py3.out); SRC $(wc -c <"$SRC/pieces.txt") bytes, wanted $(wc -c <pieces.want 2>/dev/null)"
fi
cp "$SRC/pieces.txt" pieces.before
"$PY" pieces.py "$MNT/pieces.txt" "$KEY" secret pieces.want >py4.out 2>&1; rc4=$?
# (SRC byte for byte as before: the refused piece's first part, the value's
# first 7 bytes, is not there. A grep for those 7 bytes alone is not the
# test: the file before may hold them by chance, where a piece's random
# start continues the value's first 5 bytes that ended the piece before it.)
if [ $rc4 = 3 ] && cmp -s pieces.before "$SRC/pieces.txt"; then
	ok "a value completed by the start of a long piece is refused; SRC keeps the file as it was ($(cat py4.out))"
else
	fail "a value completed by the start of a long piece is refused" \
		"rc $rc4 $(cat py4.out); SRC $(wc -c <"$SRC/pieces.txt") bytes, before $(wc -c <pieces.before); $(cmp pieces.before "$SRC/pieces.txt" 2>&1 | head -1)"
fi

# a plaintext copy kept in memory (scratch name) renamed onto a plain name
cp "$MNT/app.json" "$MNT/app.json~" || fail "a scratch copy of a SOPS view is made" "cp failed"
if mv "$MNT/app.json~" "$MNT/exported.txt" 2>mv.err; then
	fail "a scratch copy renamed onto a plain path is refused" "mv succeeded"
else
	[ ! -e "$SRC/exported.txt" ] && ok "a scratch copy renamed onto a plain path is refused ($(head -c 60 mv.err))" ||
		fail "a scratch copy renamed onto a plain path is refused" "SRC has exported.txt"
fi

# allowed: a copy under a creation rule (encrypted), public and short values
cp "$MNT/secrets/db.yaml" "$MNT/copy.yaml" && sleep 0.3
if grep -q 'ENC\[AES256_GCM' "$SRC/copy.yaml" 2>/dev/null && cmp -s "$MNT/copy.yaml" "$MNT/secrets/db.yaml"; then
	ok "a copy onto a path under a creation rule is allowed and encrypted"
else
	fail "a copy onto a path under a creation rule is allowed and encrypted" "$(head -c 200 "$SRC/copy.yaml" 2>&1)"
fi
if printf 'host db-prod.internal.example.org user app_rw\n' >>"$MNT/plain.txt" 2>err.txt &&
   grep -q 'db-prod.internal.example.org' "$SRC/plain.txt"; then
	ok "a value already named in a plain file of SRC, and short values, are not guarded"
else
	fail "public and short values pass" "$(cat err.txt)"
fi
if [ -n "$TOK" ] && printf 'db-prod.internal.example.org %s\n' "$TOK" >>"$MNT/plain.txt" 2>err.txt &&
   grep -q "$TOK" "$SRC/plain.txt" &&
   ! (printf 'db-prod.internal.example.org %s %s\n' "$TOK" "$PW" >>"$MNT/plain.txt") 2>/dev/null &&
   ! grep -q "$PW" "$SRC/plain.txt"; then
	ok "two values named in plain files of SRC pass together; with a third, secret one the write is refused"
else
	fail "values named in plain files pass together" "tok=${TOK:+set} $(cat err.txt)"
fi
# the rest of a value appended by a second process (write-only fds: context is
# read through a second fd)
printf 'token %s' "${KEY:0:6}" >>"$MNT/plain.txt"
if (printf '%s\n' "${KEY:6}" >>"$MNT/plain.txt") 2>err.txt; then
	fail "a value completed by a later append is refused" "the append succeeded"
else
	grep -q 'Permission denied' err.txt && ok "a value completed by a later append (another process) is refused" ||
		fail "a value completed by a later append is refused" "$(cat err.txt)"
fi
if src_clean; then
	ok "SRC holds no plaintext of any test secret"
else
	fail "SRC holds no plaintext of any test secret" "$(grep -rlF -f <(grep -vxF "$TOK" "$REPO_SECRETS") --exclude-dir=.git "$SRC" | tr '\n' ' ')"
fi
unmount_sopsfs "$MNT"
for f in /notes.txt /README.md /plain.txt /halves.txt /exported.txt; do
	grep -q "leak guard: refused: $f would store a secret value of /" "$TMP/mount.log" ||
		missing="$missing $f"
done
[ -z "$missing" ] && ok "the log names each refused file and its SOPS file" ||
	fail "the log names each refused file and its SOPS file" "missing:$missing; $(grep 'leak guard' "$TMP/mount.log" | head -5 | tr '\n' '|')"
if grep -qF -f "$REPO_SECRETS" "$TMP/mount.log"; then
	fail "no secret value in the daemon's log" "a test secret appears in it"
else
	ok "no secret value in the daemon's log"
fi
cp "$TMP/mount.log" "$TMP/mount-deny.log"

# ---- warn: the same writes succeed and are logged -----------------------------
mount_sopsfs "$SRC" "$MNT" -o leak_guard=warn || { fail "mount (warn)" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT/secrets/db.yaml" "$MNT/app.json" >/dev/null
rm -f "$MNT/notes.txt" "$MNT/halves.txt"
if cp "$MNT/secrets/db.yaml" "$MNT/notes.txt" && echo "$PW" >>"$MNT/README.md"; then
	for _ in $(seq 1 80); do grep -qF "$PW" "$SRC/notes.txt" 2>/dev/null && break; sleep 0.1; done
	grep -qF "$PW" "$SRC/notes.txt" && grep -qF "$PW" "$SRC/README.md" &&
		ok "leak_guard=warn: cp and echo >> succeed" ||
		fail "leak_guard=warn: cp and echo >> succeed" "SRC lacks the written value"
else
	fail "leak_guard=warn: cp and echo >> succeed" "a write failed"
fi
unmount_sopsfs "$MNT"
grep -q 'leak guard: warning: /notes.txt stores a secret value of /secrets/db.yaml' "$TMP/mount.log" &&
	grep -q 'leak guard: warning: /README.md' "$TMP/mount.log" &&
	ok "leak_guard=warn logs each file" ||
	fail "leak_guard=warn logs each file" "$(grep 'leak guard' "$TMP/mount.log" | head -3 | tr '\n' '|')"
