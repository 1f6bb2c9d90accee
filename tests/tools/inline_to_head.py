#!/usr/bin/env python3
"""Move YAML inline comments to their own line before the key, as `sops decrypt`
prints them (sopsfs keeps them inline on purpose, see design.md). Used by the
tests to compare sopsfs' view with sops' output. Reads stdin, writes stdout."""
import re
import sys


def split_inline(line):
    """Return (code, comment) when the line ends with ' #comment' outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "\"'" and (i == 0 or line[i - 1] in " :-[{,"):
            quote = ch
        elif ch == "#" and i > 0 and line[i - 1] in " \t" and line[:i].strip():
            return line[:i].rstrip(" \t"), line[i:]
    return None


out = []
for raw in sys.stdin.read().split("\n"):
    parts = split_inline(raw)
    if parts is None or raw.lstrip().startswith("#"):
        out.append(raw)
        continue
    code, comment = parts
    indent = re.match(r"[ -]*", code).group(0)
    # "- key: v # c" -> the comment goes before the item, at the dash column + 2
    col = len(indent)
    out.append(" " * col + comment)
    out.append(code)
sys.stdout.write("\n".join(out))
