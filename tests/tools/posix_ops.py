#!/usr/bin/env python3
"""posix_ops.py DIR: run POSIX corner cases in DIR (an empty directory) and
print a transcript: one line per step with its result (errno name or
values). Run as root; some steps run in a child as uid/gid 65534. Inode
numbers and clock times are printed only as comparisons, so the transcript
of a plain directory and of the same steps through a mount can be diffed."""
import ctypes
import errno
import os
import socket
import stat
import sys
import time

D = sys.argv[1]
os.chdir(D)
os.umask(0)
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2


def out(step, res):
    print(f"{step}: {res}", flush=True)


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def do(step, fn, *a, **k):
    try:
        r = fn(*a, **k)
        out(step, "ok" if r is None else r)
    except OSError as e:
        out(step, err(e))


def kind(m):
    for t, n in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
                 (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "chardev")):
        if t(m):
            return n
    return "other"


def st(path):
    s = os.lstat(path)
    return f"{kind(s.st_mode)} {stat.S_IMODE(s.st_mode):04o} nlink={s.st_nlink} " \
           f"uid={s.st_uid} gid={s.st_gid} size={s.st_size if not stat.S_ISDIR(s.st_mode) else '-'}"


def put(path, data, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode=0o644):
    fd = os.open(path, flags, mode)
    os.write(fd, data)
    os.close(fd)


def get(path):
    with open(path, "rb") as f:
        return f.read()


def utimensat(path, a, m):
    class TS(ctypes.Structure):
        _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
    ts = (TS * 2)(TS(*a), TS(*m))
    if libc.utimensat(AT_FDCWD, path.encode(), ts, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def as_user(step, fn, uid=65534, gid=65534, groups=(65534,), umask=0):
    """Run fn in a child with the given credentials; print its result."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups(list(groups))
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            os.umask(umask)
            res = fn()
            msg = "ok" if res is None else str(res)
        except OSError as e:
            msg = err(e)
        os.write(w, msg.encode())
        os._exit(0)
    os.close(w)
    msg = os.read(r, 4096).decode()
    os.close(r)
    os.waitpid(pid, 0)
    out(step, msg)


# ---- content: O_APPEND, O_TRUNC, truncate beyond EOF -------------------------
put("f", b"hello")
out("create", st("f"))
fd = os.open("f", os.O_WRONLY | os.O_APPEND)
os.lseek(fd, 0, os.SEEK_SET)
os.write(fd, b"XY")
os.close(fd)
out("O_APPEND writes at the end", get("f"))
fd = os.open("f", os.O_RDWR | os.O_TRUNC)
out("O_TRUNC size", os.fstat(fd).st_size)
os.write(fd, b"abc")
os.close(fd)
out("after O_TRUNC write", get("f"))
os.truncate("f", 10)
out("truncate beyond EOF", get("f"))
fd = os.open("f", os.O_RDWR)
os.ftruncate(fd, 2)
os.close(fd)
out("ftruncate shrink", get("f"))
put("g", b"")
out("empty file", st("g"))

# ---- times: utimensat with UTIME_NOW / UTIME_OMIT ---------------------------
os.utime("f", ns=(1000 * 10**9 + 5, 2000 * 10**9 + 7))
s = os.stat("f")
out("utimens explicit", (s.st_atime_ns, s.st_mtime_ns))
utimensat("f", (0, UTIME_OMIT), (3000, 9))
s = os.stat("f")
out("UTIME_OMIT keeps atime", (s.st_atime_ns, s.st_mtime_ns))
utimensat("f", (0, UTIME_NOW), (0, UTIME_OMIT))
s = os.stat("f")
out("UTIME_NOW atime is now, mtime kept", (abs(s.st_atime - time.time()) < 5, s.st_mtime_ns))
ctime = os.stat("f").st_ctime_ns
time.sleep(0.02)
os.chmod("f", 0o640)
out("chmod changes ctime", os.stat("f").st_ctime_ns > ctime)

# ---- names: ENAMETOOLONG, ELOOP ----------------------------------------------
do("create a 256-byte name", put, "n" * 256, b"")
do("mkdir a 256-byte name", os.mkdir, "d" * 256)
do("create a 255-byte name", put, "n" * 255, b"x")
do("unlink it", os.unlink, "n" * 255)
os.symlink("l2", "l1")
os.symlink("l1", "l2")
do("open a symlink loop", os.open, "l1", os.O_RDONLY)
do("O_NOFOLLOW on a symlink", os.open, "l1", os.O_RDONLY | os.O_NOFOLLOW)
out("symlink", st("l1").split(" nlink")[0] + " -> " + os.readlink("l1"))

# ---- link counts --------------------------------------------------------------
put("h1", b"linked")
os.link("h1", "h2")
out("link: first name", st("h1"))
out("link: second name", st("h2"))
out("link: one inode", os.stat("h1").st_ino == os.stat("h2").st_ino)
os.link("h2", "h3")
os.chmod("h3", 0o600)
out("chmod through a third name seen on the first", st("h1"))
os.unlink("h3")
out("unlink a name: the others", st("h1") + " / " + st("h2"))
do("rename a name onto its other name", os.rename, "h1", "h2")
out("both names stay", (os.path.exists("h1"), os.path.exists("h2")))
os.mkdir("dl")
os.mkdir("dl/sub")
out("directory nlink with a subdirectory", st("dl").split(" uid")[0])

# ---- rename over files, directories, symlinks ---------------------------------
put("ra", b"A")
put("rb", b"B")
do("rename file over file", os.rename, "ra", "rb")
out("target has the source's content", (get("rb"), os.path.exists("ra")))
os.mkdir("rd")
os.mkdir("re")
put("re/x", b"")
do("rename file over dir", os.rename, "rb", "rd")
do("rename dir over file", os.rename, "rd", "rb")
do("rename dir over non-empty dir", os.rename, "rd", "re")
os.mkdir("rf")
do("rename dir over empty dir", os.rename, "rd", "rf")
out("after dir over empty dir", (os.path.isdir("rf"), os.path.exists("rd")))
do("rename dir into its own subdir", os.rename, "re", "re/x/y")
os.symlink("rb", "rs")
put("rt", b"T")
do("rename symlink over file", os.rename, "rs", "rt")
out("target is now the symlink", st("rt").split(" nlink")[0] + " -> " + os.readlink("rt"))
put("ru", b"U")
do("rename file over symlink", os.rename, "ru", "rt")
out("target is now the file", (st("rt"), get("rt")))
put("rdir/../rv" if False else "rv", b"V")
os.mkdir("rw")
put("rw/inner", b"inner")
os.rename("rw", "rx")
out("file inside a renamed dir", (get("rx/inner"), st("rx/inner")))
do("rename a missing file", os.rename, "nope", "rz")

# ---- special files --------------------------------------------------------------
do("mkfifo", os.mkfifo, "fifo", 0o640)
out("fifo", st("fifo"))
do("mknod char device", os.mknod, "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
out("char device", st("null") + f" rdev={os.major(os.lstat('null').st_rdev)},{os.minor(os.lstat('null').st_rdev)}")
sk = socket.socket(socket.AF_UNIX)
do("bind a UNIX socket", sk.bind, "sock")
sk.close()
out("socket", st("sock").split(" size")[0])
do("mknod over an existing name", os.mknod, "fifo", stat.S_IFIFO | 0o600)

# ---- ownership of what another user creates ----------------------------------------
os.mkdir("pub", 0o1777)
os.chmod("pub", 0o1777)
as_user("user creates a file", lambda: (put("pub/u1", b"u", mode=0o640), st("pub/u1"))[1])
as_user("user makes a dir", lambda: (os.mkdir("pub/ud", 0o750), st("pub/ud"))[1])
as_user("user makes a fifo", lambda: (os.mkfifo("pub/uf", 0o600), st("pub/uf"))[1])
as_user("user makes a symlink", lambda: (os.symlink("u1", "pub/ul"), st("pub/ul").split(" size")[0])[1])
as_user("user umask 027", lambda: (put("pub/um", b"", mode=0o666), st("pub/um"))[1], umask=0o027)
as_user("user creates set-uid file", lambda: (put("pub/us", b"", mode=0o4755), st("pub/us"))[1])
os.mkdir("sg", 0o2777)
os.chown("sg", 0, 100)
os.chmod("sg", 0o2777)
as_user("file in a set-group-ID dir takes its group", lambda: (put("sg/f", b""), st("sg/f"))[1])
as_user("dir in a set-group-ID dir", lambda: (os.mkdir("sg/d", 0o755), st("sg/d"))[1])

# ---- sticky directory -----------------------------------------------------------------
put("pub/rootfile", b"r")
os.mkdir("pub/rootdir")
as_user("other user unlinks root's file in a sticky dir", lambda: os.unlink("pub/rootfile"))
as_user("other user renames root's file in a sticky dir", lambda: os.rename("pub/rootfile", "pub/x"))
as_user("other user removes root's dir in a sticky dir", lambda: os.rmdir("pub/rootdir"))
as_user("owner unlinks own file in a sticky dir", lambda: os.unlink("pub/u1"))
os.chmod("pub", 0o777)
as_user("without the sticky bit it may", lambda: os.unlink("pub/rootfile"))
as_user("user cannot chown to another user", lambda: os.chown("pub/um", 0, -1))
as_user("user cannot write a 0444 file", lambda: put("pub/ro", b"x", flags=os.O_WRONLY | os.O_CREAT, mode=0o444) or put("pub/ro", b"y", flags=os.O_WRONLY))

# ---- chown clears set-ID bits, chmod by root -----------------------------------------
put("suid", b"", mode=0o644)
os.chmod("suid", 0o6755)
os.chown("suid", 65534, 65534)
out("chown clears set-uid and set-gid", st("suid"))
os.chown("g", 65534, 65533)
out("chown of a new file", st("g"))

# ---- symlink ownership, set-ID bits on write, huge sizes, long paths ----------------
os.symlink("g", "lown")
os.chown("lown", 65534, 65534, follow_symlinks=False)
out("lchown changes the symlink, not its target", st("lown").split(" size")[0] + " / " + st("g"))
put("pub/sx", b"", mode=0o644)
os.chmod("pub/sx", 0o6777)
as_user("a write by another user clears set-uid and set-gid", lambda: (put("pub/sx", b"x", flags=os.O_WRONLY), st("pub/sx"))[1])
put("big", b"")
do("truncate a new file to 1 TiB", os.truncate, "big", 1 << 40)
out("1 TiB file", st("big"))
os.truncate("big", 3)
out("and back to 3 bytes", get("big"))
os.unlink("big")
parts, total = [], 0
while total + 256 < 4000:
    parts.append("L" * 255)
    total += 256
parts.append("M" * (4090 - total - 1))
deep = "/".join(parts[:-1])
os.makedirs(deep)
longp = deep + "/" + parts[-1]
do(f"create at a {len(longp)}-byte relative path", put, longp, b"deep")
do("chmod it", os.chmod, longp, 0o600)
out("stat it", st(longp))
do("unlink it", os.unlink, longp)
