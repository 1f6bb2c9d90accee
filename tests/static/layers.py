#!/usr/bin/env python3
"""layers.py - check the layering of the sources (design.md "Layers").

Reads every #include "..." in the .c/.h files under common crypto providers
codec fs cli and checks:
  - each include resolves to a file of the tree;
  - no include points up the layers
        common < crypto < providers < codec < fs, cli
    (fs and cli are peers and never include each other, except that
    cli/main.c and cli/cmd_exec.c (`sopsfs exec` runs a private mount) may
    include fs' mount entry, fs/fuse/sopsfs.h, and the
    control client, cli/cmd_status.c, the address of the mount's control
    socket, fs/control/ctl_path.h: one interface both ends share);
  - codec includes only providers/provider.h from providers (the registry
    is reached through it), never a provider's internals (providers/age/...);
  - no include cycle between files;
  - no source file is longer than MAX_LINES (650) lines.
Prints "ok - ..." / "not ok - ...: why" lines (tests/run.sh counts them).

  layers.py [ROOT]        check the tree at ROOT (default: the checkout)
  layers.py --selftest    feed the checker small trees with one bad edge
                          each and check that every one is caught
"""
import os
import re
import sys
import tempfile

MAX_LINES = 650
DIRS = ["common", "crypto", "providers", "codec", "fs", "cli"]
RANK = {"common": 0, "crypto": 1, "providers": 2, "codec": 3, "fs": 4, "cli": 4}
CODEC_MAY_USE = {"providers/provider.h"}
MAIN_MAY_USE = {("cli/main.c", "fs/fuse/sopsfs.h"),
                ("cli/cmd_exec.c", "fs/fuse/sopsfs.h"),
                ("cli/cmd_status.c", "fs/control/ctl_path.h")}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(root):
    out = []
    for top in DIRS:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in names:
                if n.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, n), root))
    return sorted(out)


def edges(root, files):
    """(from, to, written) for every include; to is None when unresolved."""
    out = []
    for f in files:
        text = open(os.path.join(root, f), encoding="utf-8", errors="replace").read()
        for inc in INCLUDE.findall(text):
            to = os.path.normpath(os.path.join(os.path.dirname(f), inc))
            out.append((f, to if os.path.isfile(os.path.join(root, to)) else None, inc))
    return out


def layer_problems(es):
    bad = []
    for f, to, inc in es:
        if to is None:
            bad.append("%s includes \"%s\", which is not in the tree" % (f, inc))
            continue
        a, b = f.split(os.sep)[0], to.split(os.sep)[0]
        if b not in RANK:
            bad.append("%s includes %s, outside the layers" % (f, to))
        elif (f, to) in MAIN_MAY_USE:
            continue
        elif RANK[b] > RANK[a] or (RANK[a] == RANK[b] and a != b):
            bad.append("%s (%s) includes %s (%s): upward" % (f, a, to, b))
        elif a == "codec" and b == "providers" and to not in CODEC_MAY_USE:
            bad.append("%s includes %s: codec may use only %s from providers"
                       % (f, to, ", ".join(sorted(CODEC_MAY_USE))))
    return bad


def cycles(es):
    graph = {}
    for f, to, _ in es:
        if to is not None:
            graph.setdefault(f, set()).add(to)
    found, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                found.append(" -> ".join(stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def long_files(root, files):
    bad = []
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            n = sum(1 for _ in fh)
        if n > MAX_LINES:
            bad.append("%s has %d lines" % (f, n))
    return bad


def check(root):
    """The three checks: list of (name, problems)."""
    files = sources(root)
    es = edges(root, files)
    return files, es, [
        ("no upward or unresolved include", layer_problems(es)),
        ("no include cycle", cycles(es)),
        ("every source file has at most %d lines" % MAX_LINES, long_files(root, files)),
    ]


def report(root):
    files, es, results = check(root)
    failed = 0
    for name, problems in results:
        if problems:
            failed += 1
            print("not ok - layers: %s: %s" % (name, "; ".join(problems[:10])))
        else:
            print("ok - layers: %s (%d files, %d includes)" % (name, len(files), len(es)))
    return failed


# ---- self-test: small trees with one bad edge each ----

GOOD = {
    "common/err.h": "",
    "crypto/hash.h": '#include "../common/err.h"\n',
    "providers/provider.h": '#include "../crypto/hash.h"\n',
    "providers/age/age_provider.h": '#include "../provider.h"\n',
    "codec/core/tree.h": '#include "../../providers/provider.h"\n',
    "codec/core/tree.c": '#include "tree.h"\n#include "../../common/err.h"\n',
    "fs/fuse/sopsfs.h": '#include "../../codec/core/tree.h"\n',
    "fs/fuse/mount.c": '#include "sopsfs.h"\n#include "../../providers/age/age_provider.h"\n',
    "cli/cli.h": '#include "../codec/core/tree.h"\n',
    "cli/main.c": '#include "cli.h"\n#include "../fs/fuse/sopsfs.h"\n',
}

BAD = [
    ("upward include common -> codec", 0,
     {"common/up.h": '#include "../codec/core/tree.h"\n'}),
    ("upward include crypto -> providers", 0,
     {"crypto/up.h": '#include "../providers/provider.h"\n'}),
    ("codec using a provider's internals", 0,
     {"codec/core/tree.c": '#include "../../providers/age/age_provider.h"\n'}),
    ("fs including cli", 0, {"fs/fuse/mount.c": '#include "../../cli/cli.h"\n'}),
    ("cli (not main.c) including fs", 0, {"cli/cli.h": '#include "../fs/fuse/sopsfs.h"\n'}),
    ("include of a missing file", 0, {"codec/core/tree.c": '#include "nope.h"\n'}),
    ("include cycle", 1, {"codec/core/a.h": '#include "b.h"\n',
                          "codec/core/b.h": '#include "c.h"\n',
                          "codec/core/c.h": '#include "a.h"\n'}),
    ("file over the line limit", 2, {"codec/core/big.c": "int x;\n" * (MAX_LINES + 1)}),
]


def write_tree(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as fh:
            fh.write(text)


def selftest():
    failed = 0
    with tempfile.TemporaryDirectory() as root:
        write_tree(root, GOOD)
        problems = [p for _, _, res in [check(root)] for _, ps in res for p in ps]
        if problems:
            failed += 1
            print("not ok - layers_selftest: good tree flagged: %s" % "; ".join(problems))
        else:
            print("ok - layers_selftest: a well-layered tree passes")
    for name, which, change in BAD:
        with tempfile.TemporaryDirectory() as root:
            tree = dict(GOOD)
            tree.update(change)
            write_tree(root, tree)
            _, _, results = check(root)
            others = [p for i, (_, ps) in enumerate(results) if i != which for p in ps]
            if results[which][1] and not others:
                print("ok - layers_selftest: %s is caught (%s)" % (name, results[which][1][0]))
            else:
                failed += 1
                print("not ok - layers_selftest: %s: got %s / %s"
                      % (name, results[which][1], others))
    return failed


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--selftest":
        return 1 if selftest() else 0
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    return 1 if report(root) else 0


if __name__ == "__main__":
    sys.exit(main())
