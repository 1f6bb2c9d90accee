#!/usr/bin/env python3
"""Write a file through the mount and report the result of close(2), which
is where sopsfs returns a failed commit (shell redirections ignore it).
usage: write_close.py FILE TEXT [COMMAND TEXT2]
Opens FILE for writing (truncating), writes TEXT (\\n escapes allowed), runs
COMMAND with the file still open and writes TEXT2 after it (if given; the
command's exec closes a copy of the fd, which commits TEXT), then closes it. Prints OK or the
errno name of the first failure and exits 0 / 1."""
import errno
import os
import subprocess
import sys

path, text = sys.argv[1], sys.argv[2].encode().decode("unicode_escape").encode()
try:
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)
    os.write(fd, text)
    if len(sys.argv) > 3:
        subprocess.run(sys.argv[3], shell=True, check=True)
        os.write(fd, sys.argv[4].encode().decode("unicode_escape").encode())
    os.close(fd)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
    sys.exit(1)
print("OK")
