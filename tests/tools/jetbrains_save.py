#!/usr/bin/env python3
"""jetbrains_save.py - save a file like the JetBrains IDEs' "safe write"
(SafeFileOutputStream in intellij-community, as described in
shared/docs/editor-saves.md): read TARGET and replace OLD by NEW (exactly
once), then
  1. write NAME___jb_tmp___ (fsync it with --sync, registry key idea.io.safe.sync),
  2. delete a stale NAME___jb_old___,
  3. rename NAME -> NAME___jb_old___,
  4. rename NAME___jb_tmp___ -> NAME,
  5. copy the permissions of the old file, delete NAME___jb_old___.
Two renames and a new inode.

  jetbrains_save.py [--sync] TARGET OLD NEW   exit 0 on success, 1 with a message
"""
import os
import stat
import sys


def safe_write(target, data, sync):
    tmp, old = target + "___jb_tmp___", target + "___jb_old___"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    if os.path.lexists(old):
        os.unlink(old)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    os.rename(target, old)
    os.rename(tmp, target)
    os.chmod(target, mode)
    os.unlink(old)


def main(argv):
    sync = len(argv) > 1 and argv[1] == "--sync"
    if sync:
        argv = argv[:1] + argv[2:]
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    target, old, new = argv[1], argv[2].encode(), argv[3].encode()
    with open(target, "rb") as f:
        text = f.read()
    if text.count(old) != 1:
        print("jetbrains_save: the value to change occurs %d times" % text.count(old), file=sys.stderr)
        return 1
    try:
        safe_write(target, text.replace(old, new), sync)
    except OSError as e:
        print("jetbrains_save: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
