#!/usr/bin/env python3
"""fuse_log_ops.py - condense the debug log of a libfuse high-level daemon
(`-d`: "unique: N, opcode: X ...", the operation line, "   unique: N, success")
into one line a request, like shared/docs/editor-traces/*.ops:
    RENAME     rename /a /b                                  -> ok
Lines the daemon logs itself ("sopsfs: ...") and sanitizer reports are kept.
Noise (GETATTR, READDIR, OPENDIR, RELEASEDIR, STATFS, IOCTL, FORGET, READ,
ACCESS, negative LOOKUPs) is left out unless --all.

  fuse_log_ops.py [--all] < LOG
"""
import re
import sys

NOISE = {"GETATTR", "READDIR", "READDIRPLUS", "OPENDIR", "RELEASEDIR", "STATFS", "IOCTL",
         "FORGET", "BATCH_FORGET", "READ", "ACCESS", "INTERRUPT", "POLL"}
REQ = re.compile(r"^unique: (\d+), opcode: ([A-Z_]+) ")
REPLY = re.compile(r"^\s+unique: (\d+), (success|error: (-?\d+) \(([^)]*)\))")


def main(argv):
    show_all = "--all" in argv
    ops, desc, order = {}, {}, []
    current = None
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        m = REQ.match(line)
        if m:
            current = m.group(1)
            ops[current] = m.group(2)
            continue
        m = REPLY.match(line)
        if m:
            u = m.group(1)
            op = ops.pop(u, "?")
            d = desc.pop(u, "")
            result = "ok" if m.group(2) == "success" else m.group(4)
            if not show_all and (op in NOISE or (op == "LOOKUP" and "NODEID" not in d and result == "ok")):
                continue
            print("%-10s %-60s -> %s" % (op, d.replace("NODEID", "").strip(), result))
            continue
        if re.match(r"(sopsfs|==[0-9]+==|SUMMARY: )", line) or "runtime error:" in line:
            print(line)
            continue
        if current is None:
            continue
        s = line.strip()
        if s.startswith("NODEID:"):
            desc[current] = desc.get(current, "") + " NODEID"
        elif current not in desc and s and not s.startswith("DELETE:"):
            desc[current] = s
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
