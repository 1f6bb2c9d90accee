"""kms1_stand.py - plumbing of the AWS KMS and GCP KMS stand-ins on top of
kms2_stand (TLS material, knobs, request log, sealing):

  * serve_tls(handler, state): HTTPS listener on 127.0.0.1 port 0 (written
    to STATE/port) whose TLS handshakes run in each connection's thread,
    with TCP_NODELAY (http.server writes headers and body separately:
    without it Nagle + delayed ACKs add ~40 ms per answer) and a deep listen
    backlog (socketserver's 5 drops the SYNs of parallel clients, which then
    retry after a second). Real services have neither problem, so the
    parallel-unwrap figures would otherwise measure the stand-in.
  * knobs.json is re-read only when it changes (and while a counter runs).
"""
import json
import os
import socket
import ssl
import sys
import threading

import kms2_stand as st

sys.setswitchinterval(0.0005)   # many handler threads: hand the GIL over quickly


class FastKnobs(st.Knobs):
    cache = {}

    def take(self):
        try:
            m = os.stat(self.path).st_mtime_ns
        except OSError:
            return 0.0, None
        c = FastKnobs.cache.get(self.path)
        if c is not None and c[0] == m:
            return c[1]
        r = super().take()
        try:
            with open(self.path) as f:
                k = json.load(f)
        except (OSError, ValueError):
            k = {}
        if r[1] is None and not k.get("throttle") and not k.get("fail500") and not k.get("hang"):
            FastKnobs.cache[self.path] = (os.stat(self.path).st_mtime_ns, r)
        return r


st.Knobs = FastKnobs


class _TLSServer(st._Server):
    request_queue_size = 256

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.tls.wrap_socket(sock, server_side=True,
                                    do_handshake_on_connect=False), addr


def serve_tls(handler, state):
    handler.state = state
    ca, crt, key = st.make_tls(os.path.join(state, "tls"))
    srv = _TLSServer(("127.0.0.1", 0), handler)
    srv.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.tls.load_cert_chain(crt, key)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(os.path.join(state, "port.tmp"), "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(os.path.join(state, "port.tmp"), os.path.join(state, "port"))
    return srv
