#!/usr/bin/env python3
"""renameat2(2) from the command line: renameat2.py noreplace|exchange FROM TO.
Exit 0 on success, else prints the errno name and exits 1."""
import ctypes
import errno
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
flags = {"noreplace": 1, "exchange": 2}[sys.argv[1]]
AT_FDCWD = -100
if libc.renameat2(AT_FDCWD, sys.argv[2].encode(), AT_FDCWD, sys.argv[3].encode(), flags) != 0:
    print(errno.errorcode[ctypes.get_errno()])
    sys.exit(1)
