#!/usr/bin/env python3
"""edit_plain.py - the edits of the editor test matrix, applied to a plaintext
file by the test itself, to compute what an editor must have saved.

Secret values in the test repo are tokens "tk" + 16 hex digits (comments use
other prefixes), so a value is found and replaced by its token alone.

  edit_plain.py pick FILE N          print the (N mod count)-th value token of FILE
  edit_plain.py replace FILE OLD NEW print FILE with OLD replaced by NEW; exit 1
                                     unless OLD occurs exactly once
  edit_plain.py change FILE N NEW OUT  both: write FILE with its (N mod count)-th
                                     token replaced by NEW to OUT, print that token
"""
import re
import sys

TOKEN = re.compile(rb"tk[0-9a-f]{16}")


def main(argv):
    if len(argv) == 4 and argv[1] == "pick":
        with open(argv[2], "rb") as f:
            tokens = TOKEN.findall(f.read())
        if not tokens:
            print("edit_plain: no value token in " + argv[2], file=sys.stderr)
            return 1
        sys.stdout.write(tokens[int(argv[3]) % len(tokens)].decode())
        return 0
    if len(argv) == 5 and argv[1] == "replace":
        with open(argv[2], "rb") as f:
            text = f.read()
        old, new = argv[3].encode(), argv[4].encode()
        count = text.count(old)
        if count != 1:
            print("edit_plain: %s occurs %d times (expected once)" % (argv[3], count), file=sys.stderr)
            return 1
        sys.stdout.buffer.write(text.replace(old, new))
        return 0
    if len(argv) == 6 and argv[1] == "change":
        with open(argv[2], "rb") as f:
            text = f.read()
        tokens = TOKEN.findall(text)
        if not tokens:
            print("edit_plain: no value token in " + argv[2], file=sys.stderr)
            return 1
        old = tokens[int(argv[3]) % len(tokens)]
        if text.count(old) != 1:
            print("edit_plain: %s occurs %d times" % (old.decode(), text.count(old)), file=sys.stderr)
            return 1
        with open(argv[5], "wb") as f:
            f.write(text.replace(old, argv[4].encode()))
        sys.stdout.write(old.decode())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
