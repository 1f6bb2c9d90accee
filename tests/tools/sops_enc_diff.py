#!/usr/bin/env python3
"""sops_enc_diff.py - compare a SOPS file before and after one edit saved
through the mount, without decrypting anything.

  sops_enc_diff.py keys  FORMAT BEFORE AFTER KIND
      The metadata (recipients, enc blobs, rules, version) is byte-identical
      apart from lastmodified and mac, and the ENC[...] strings of the values
      and comments are the same except exactly one: KIND "change" = one string
      replaced in place, "append" = one string added.
  sops_enc_diff.py lines FORMAT BEFORE AFTER KIND
      Outside the metadata, the file differs by exactly one line (changed in
      place for "change", inserted for "append"): the minimal diff.

  sops_enc_diff.py both  FORMAT BEFORE AFTER KIND
      Both checks; prints "keys: ok" or "keys: REASON", then the same for
      "lines"; exits 0.

FORMAT: yaml, json, dotenv or ini. Exit 0 if so, 1 with the reason on stderr
(ciphertext and metadata only; this never sees plaintext), 2 on bad usage.
"""
import difflib
import re
import sys

ENC = re.compile(rb"ENC\[AES256_GCM,data:[^,\]]*,iv:[^,\]]*,tag:[^,\]]*,type:[a-z]*\]")
VOLATILE = {
    "yaml": re.compile(rb"^\s*(lastmodified|mac):"),
    "json": re.compile(rb'^\s*"(lastmodified|mac)":'),
    "dotenv": re.compile(rb"^sops_(lastmodified|mac)="),
    "ini": re.compile(rb"^(lastmodified|mac)\s*="),
}


def split(fmt, data):
    """Return (body lines, metadata lines) of a SOPS file."""
    lines = data.split(b"\n")
    if fmt == "dotenv":
        meta = [l for l in lines if l.startswith(b"sops_")]
        return [l for l in lines if not l.startswith(b"sops_")], meta
    if fmt == "yaml":
        starts = [i for i, l in enumerate(lines) if l.rstrip() == b"sops:"]
    elif fmt == "json":
        starts = [i for i, l in enumerate(lines) if re.match(rb'^\s*"sops":\s*\{', l)]
    elif fmt == "ini":
        starts = [i for i, l in enumerate(lines) if l.strip() == b"[sops]"]
    else:
        starts = []
    if not starts:
        return lines, []
    start = starts[-1]
    end = len(lines)
    if fmt == "ini":
        for j in range(start + 1, len(lines)):
            if lines[j].startswith(b"["):
                end = j
                break
    return lines[:start] + lines[end:], lines[start:end]


def one_edit(before, after, kind, what):
    """None if AFTER is BEFORE with exactly one item changed/added, else why not."""
    ops = [op for op in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
           if op[0] != "equal"]
    if kind == "change":
        if len(before) == len(after) and len(ops) == 1 and ops[0][0] == "replace" \
                and ops[0][2] - ops[0][1] == 1:
            return None
        if len(before) == len(after):
            n = sum(1 for a, b in zip(before, after) if a != b)
            return "%d %s differ (expected exactly 1)" % (n, what)
        return "%d %s before, %d after (expected the same count, one changed)" % (
            len(before), what, len(after))
    if len(after) == len(before) + 1 and len(ops) == 1 and ops[0][0] == "insert":
        return None
    return "%d %s before, %d after (expected exactly one added, the rest unchanged)" % (
        len(before), what, len(after))


def check(mode, fmt, kind, before, after):
    """None if the check MODE passes, else the reason."""
    body0, meta0 = split(fmt, before)
    body1, meta1 = split(fmt, after)
    if not meta0 or not meta1:
        return "no sops metadata in the %s file" % ("old" if not meta0 else "new")
    if mode == "lines":
        return one_edit(body0, body1, kind, "lines outside the metadata")
    vol = VOLATILE[fmt]
    keep0 = [l for l in meta0 if not vol.match(l)]
    keep1 = [l for l in meta1 if not vol.match(l)]
    if keep0 != keep1:
        changed = [i for i, (a, b) in enumerate(zip(keep0, keep1)) if a != b]
        first = changed[0] if changed else min(len(keep0), len(keep1))
        return "metadata changed beyond lastmodified/mac (%d vs %d lines, first difference at metadata line %d: %s)" % (
            len(keep0), len(keep1), first + 1,
            (keep1[first] if first < len(keep1) else b"<missing>")[:100].decode(errors="replace"))
    if len([l for l in meta1 if vol.match(l)]) < 2:
        return "lastmodified or mac missing from the new metadata"
    enc0 = [m for l in body0 for m in ENC.findall(l)]
    enc1 = [m for l in body1 for m in ENC.findall(l)]
    return one_edit(enc0, enc1, kind, "ENC strings")


def main(argv):
    if len(argv) != 6 or argv[1] not in ("keys", "lines", "both") or argv[5] not in ("change", "append"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, fmt, kind = argv[1], argv[2], argv[5]
    if fmt not in VOLATILE:
        print("sops_enc_diff: unknown format " + fmt, file=sys.stderr)
        return 2
    try:
        with open(argv[3], "rb") as f:
            before = f.read()
        with open(argv[4], "rb") as f:
            after = f.read()
    except OSError as e:
        why = "cannot read %s: %s" % (e.filename, e.strerror)
        if mode == "both":
            print("keys: %s\nlines: %s" % (why, why))
            return 0
        print(why, file=sys.stderr)
        return 1
    if mode == "both":
        for m in ("keys", "lines"):
            print("%s: %s" % (m, check(m, fmt, kind, before, after) or "ok"))
        return 0
    why = check(mode, fmt, kind, before, after)
    if why:
        print(why, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
