#!/usr/bin/env python3
"""fsx.py - a seeded random-operation tester (fsx-style) for a sopsfs mount.

Usage: fsx.py MNT SRC CLI SEED NOPS

Two files are exercised through the mount, each checked after every step
against an in-memory model:
  plain.bin  write / pwrite / truncate / read / mmap read (MAP_PRIVATE: a
             writable open uses direct I/O) / rename / fsync /
             close+reopen with arbitrary bytes;
  s.yaml     a SOPS file (age). Its plaintext stays valid YAML at every write
             boundary: lines "kNNN: vXXXXXXXX"; operations overwrite a value
             in place (same length), append a line, truncate to a line
             boundary, rewrite the whole document, rename away and back,
             fsync, close+reopen. After every commit (fsync, close) the
             backing file SRC/s.yaml is decrypted with CLI and must equal
             the model byte for byte.
Prints "ok - ..." or "not ok - ...: why" and the seed to replay a failure.
"""
import mmap, os, random, subprocess, sys, string, time

MNT, SRC, CLI, SEED, NOPS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(SEED)
ops_done = {}


class Failure(Exception):
    pass


last = [""]


def note(op):
    last[0] = op
    if os.environ.get("FSX_TRACE"):
        print("# %s" % op, flush=True)
    ops_done[op] = ops_done.get(op, 0) + 1


def listed(name):
    """After a rename the directory lists the new name (even for a new file
    still held in memory) and not the old one."""
    names = os.listdir(MNT)
    if name not in names:
        raise Failure("%s is not listed after the rename: %s" % (name, sorted(names)))


def read_all(path):
    with open(path, "rb") as f:
        return f.read()


class PlainFile:
    def __init__(self):
        self.name = "plain.bin"
        self.model = bytearray()
        self.fd = os.open(self.path(), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)

    def path(self):
        return os.path.join(MNT, self.name)

    def check(self, what):
        got = os.pread(self.fd, len(self.model) + 10, 0)
        if got != bytes(self.model):
            raise Failure("plain.bin differs from the model after %s (len %d vs %d)"
                          % (what, len(got), len(self.model)))
        if os.fstat(self.fd).st_size != len(self.model):
            raise Failure("plain.bin size %d, model %d after %s"
                          % (os.fstat(self.fd).st_size, len(self.model), what))

    def step(self):
        op = rng.choice(["write", "pwrite", "truncate", "read", "mmap", "rename", "fsync", "reopen"])
        note("plain." + op)
        if op in ("write", "pwrite"):
            off = rng.randrange(0, len(self.model) + 4096)
            data = rng.randbytes(rng.randrange(1, 20000))
            if os.pwrite(self.fd, data, off) != len(data):
                raise Failure("short write")
            if off > len(self.model):
                self.model.extend(b"\0" * (off - len(self.model)))
            self.model[off:off + len(data)] = data
        elif op == "truncate":
            n = rng.randrange(0, len(self.model) + 8192)
            os.ftruncate(self.fd, n)
            if n < len(self.model):
                del self.model[n:]
            else:
                self.model.extend(b"\0" * (n - len(self.model)))
        elif op == "read":
            off = rng.randrange(0, len(self.model) + 10)
            n = rng.randrange(0, 30000)
            if os.pread(self.fd, n, off) != bytes(self.model[off:off + n]):
                raise Failure("pread(%d, %d) differs from the model" % (n, off))
        elif op == "mmap" and self.model:
            with mmap.mmap(self.fd, len(self.model), flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ) as m:
                if m[:] != bytes(self.model):
                    raise Failure("mmap read differs from the model")
        elif op == "rename":
            new = "plain-%d.bin" % rng.randrange(1000)
            os.rename(self.path(), os.path.join(MNT, new))
            self.name = new
            listed(new)
        elif op == "fsync":
            os.fsync(self.fd)
        elif op == "reopen":
            os.close(self.fd)
            self.fd = os.open(self.path(), os.O_RDWR)
        self.check(op)


def value():
    return "v" + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(8))


class SopsFile:
    """A SOPS YAML file; lines are "kNNN: vXXXXXXXX\n" (16 bytes each)."""
    LINE = 16

    def __init__(self):
        self.name = "s.yaml"
        self.next_key = 0
        self.model = bytearray(b"".join(self.line() for _ in range(5)))
        with open(os.path.join(SRC, "s.plain.yaml"), "wb") as f:
            f.write(self.model)
        # encrypted in SRC with the creation rule, then opened through the mount
        subprocess.run([CLI, "encrypt", "--filename-override", "s.yaml", "s.plain.yaml"],
                       cwd=SRC, check=True, stdout=open(os.path.join(SRC, "s.yaml"), "wb"))
        os.unlink(os.path.join(SRC, "s.plain.yaml"))
        self.fd = os.open(self.path(), os.O_RDWR)
        self.committed = bytes(self.model)
        self.verify_backing("start")

    def line(self):
        self.next_key += 1
        return ("k%03d: %s\n" % (self.next_key % 1000, value())).encode()

    def path(self):
        return os.path.join(MNT, self.name)

    def verify_backing(self, what):
        r = subprocess.run([CLI, "decrypt", os.path.join(SRC, self.name)], capture_output=True)
        if r.returncode != 0:
            raise Failure("backing %s does not decrypt after %s: %s"
                          % (self.name, what, r.stderr.decode(errors="replace")[:300]))
        if r.stdout != bytes(self.model):
            raise Failure("backing %s decrypts to %r, model %r after %s"
                          % (self.name, r.stdout[:80], bytes(self.model[:80]), what))
        raw = read_all(os.path.join(SRC, self.name))
        for i in range(0, len(self.model), self.LINE):
            if self.model[i + 6:i + 15] in raw:
                raise Failure("a plaintext value is in the backing file after %s" % what)

    def check(self, what):
        got = os.pread(self.fd, len(self.model) + 10, 0)
        if got != bytes(self.model):
            raise Failure("s.yaml view differs from the model after %s: %r, model %r"
                          % (what, got[:120], bytes(self.model[:120])))

    def commit(self, what):
        self.committed = bytes(self.model)
        self.verify_backing(what)

    def step(self):
        nl = len(self.model) // self.LINE
        op = rng.choice(["overwrite", "overwrite", "append", "truncate", "rewrite", "read",
                         "mmap", "rename", "fsync", "reopen"])
        note("sops." + op)
        if op == "overwrite" and nl > 0:
            i = rng.randrange(nl) * self.LINE + 6
            n = rng.randrange(1, 9)
            off = i + 1 + rng.randrange(0, 9 - n)
            data = "".join(rng.choice(string.ascii_lowercase) for _ in range(n)).encode()
            os.pwrite(self.fd, data, off)
            self.model[off:off + n] = data
        elif op == "append":
            data = self.line()
            os.pwrite(self.fd, data, len(self.model))
            self.model += data
        elif op == "truncate" and nl > 1:
            n = rng.randrange(1, nl) * self.LINE
            os.ftruncate(self.fd, n)
            del self.model[n:]
        elif op == "rewrite":
            self.model = bytearray(b"".join(self.line() for _ in range(rng.randrange(1, 12))))
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, bytes(self.model), 0)
        elif op == "read":
            off = rng.randrange(0, len(self.model) + 1)
            if os.pread(self.fd, 64, off) != bytes(self.model[off:off + 64]):
                raise Failure("pread of s.yaml differs from the model")
        elif op == "mmap" and self.model:
            with mmap.mmap(self.fd, len(self.model), flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ) as m:
                if m[:] != bytes(self.model):
                    raise Failure("mmap read of s.yaml differs from the model")
        elif op == "rename":
            os.fsync(self.fd)
            self.commit("fsync before rename")
            new = "r%d.yaml" % rng.randrange(1000) if self.name == "s.yaml" else "s.yaml"
            os.rename(self.path(), os.path.join(MNT, new))
            self.name = new
            listed(new)
            self.verify_backing("rename")
        elif op == "fsync":
            os.fsync(self.fd)
            self.commit("fsync")
        elif op == "reopen":
            os.close(self.fd)
            self.commit("close")
            self.fd = os.open(self.path(), os.O_RDWR)
        self.check(op)


def main():
    files = [PlainFile(), SopsFile()]
    i = -1
    try:
        for i in range(NOPS):
            rng.choice(files).step()
        os.close(files[1].fd)
        files[1].commit("final close")
        os.close(files[0].fd)
        # a new ordinary file reaches SRC about a second after its close
        back = os.path.join(SRC, files[0].name)
        for _ in range(100):
            if os.path.exists(back) and read_all(back) == bytes(files[0].model):
                break
            time.sleep(0.05)
        else:
            raise Failure("backing plain file differs from the model 5 s after the close")
    except (Failure, OSError) as e:
        print("not ok - fsx seed %d: op %d (%s): %s" % (SEED, i, last[0], e))
        return 1
    print("ok - fsx seed %d: %d operations checked against the model (%s)"
          % (SEED, NOPS, ", ".join("%s %d" % kv for kv in sorted(ops_done.items()))))
    return 0


sys.exit(main())
