#!/usr/bin/env python3
"""kms2_listener.py - a bare TCP listener for "refused before any connection"
tests: binds 127.0.0.1 port 0, writes the port to STATE/port, and appends one
line to STATE/connections for every connection it accepts (then closes it).
A test asserts STATE/connections stays absent.

Usage: kms2_listener.py STATE_DIR
"""
import os
import signal
import socket
import sys

state = sys.argv[1]
os.makedirs(state, exist_ok=True)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(os.path.join(state, "port.tmp"), "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.replace(os.path.join(state, "port.tmp"), os.path.join(state, "port"))
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
while True:
    c, addr = s.accept()
    with open(os.path.join(state, "connections"), "a") as f:
        f.write("connection from %s:%d\n" % addr)
    c.close()
