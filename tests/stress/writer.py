#!/usr/bin/env python3
"""writer.py - one writer of the concurrency stress: saves PATH over and over
until STOPFILE exists, each version "writer: K\\nseq: N\\nvalue: ...\\n"
(N counting up). Prints "saves=S failures=F" at the end (a failed save, e.g.
a conflict with a concurrent git checkout, is allowed; a lost or corrupt
file is what the caller checks)."""
import os, sys

path, k, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
saves = fails = 0
n = 0
while not os.path.exists(stop):
    n += 1
    text = "writer: %d\nseq: %d\nvalue: w%dx%08d\n" % (k, n, k, n)
    try:
        with open(path, "w") as f:
            f.write(text)
        saves += 1
    except OSError:
        # a conflict with a concurrent checkout keeps the edit as a draft
        # and refuses saves until it is dropped (README): drop it, go on
        fails += 1
        try:
            os.removexattr(path, "user.sopsfs.draft")
        except OSError:
            pass
print("saves=%d failures=%d" % (saves, fails))
