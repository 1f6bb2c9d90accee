#!/usr/bin/env python3
"""Move inline comments that sops decrypted to their own line before the key,
as `sops decrypt` prints them. sopsfs keeps them inline on purpose
(design.md), so the tests compare sopsfs' view with sops' output after this
transformation. Only comments that are encrypted inline in ENCFILE
(`key: value #ENC[...]`) are moved; clear inline comments stay inline in
sops' output too. usage: inline_to_head.py ENCFILE < view > transformed"""
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


def key_prefix(code):
    m = re.match(r"^([ -]*(?:\"[^\"]*\"|'[^']*'|[^:#]+?):)(?:\s|$)", code)
    return m.group(1) if m else code


enc_lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")
encrypted_inline = set()
for line in enc_lines:
    parts = split_inline(line)
    if parts and parts[1].startswith("#ENC["):
        encrypted_inline.add(key_prefix(parts[0]))

out = []
for raw in sys.stdin.read().split("\n"):
    parts = split_inline(raw)
    if parts is None or raw.lstrip().startswith("#") or key_prefix(parts[0]) not in encrypted_inline:
        out.append(raw)
        continue
    code, comment = parts
    indent = re.match(r"[ -]*", code).group(0)
    out.append(" " * len(indent) + comment)
    out.append(code)
sys.stdout.write("\n".join(out))
