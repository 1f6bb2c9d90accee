#!/usr/bin/env python3
"""atomic_save.py - save a file the way Python programs write files
"atomically": read TARGET, replace OLD by NEW (exactly once), write the result
to tempfile.NamedTemporaryFile(dir=<same directory>, delete=False) (mode 0600,
a random "tmpXXXXXXXX" name), flush and fsync it, os.replace() it over TARGET,
fsync the directory. The target gets a new inode; no write touches the old one.

  atomic_save.py TARGET OLD NEW      exit 0 on success, 1 with a message
"""
import os
import sys
import tempfile


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    target, old, new = argv[1], argv[2].encode(), argv[3].encode()
    with open(target, "rb") as f:
        text = f.read()
    if text.count(old) != 1:
        print("atomic_save: the value to change occurs %d times" % text.count(old), file=sys.stderr)
        return 1
    directory = os.path.dirname(os.path.abspath(target))
    try:
        tmp = tempfile.NamedTemporaryFile(dir=directory, delete=False)
    except OSError as e:
        print("atomic_save: creating the temp file: %s" % e, file=sys.stderr)
        return 1
    try:
        tmp.write(text.replace(old, new))
        tmp.flush()
        os.fsync(tmp.fileno())
        tmp.close()
        os.replace(tmp.name, target)
    except OSError as e:
        print("atomic_save: writing %s or renaming it: %s" % (tmp.name, e), file=sys.stderr)
        try:
            os.unlink(tmp.name)
        except OSError:
            pass
        return 1
    try:
        dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError as e:
        print("atomic_save: fsync of the directory: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
