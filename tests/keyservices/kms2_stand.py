"""kms2_stand.py - shared plumbing for the Azure Key Vault, Vault transit and
HuaweiCloud KMS stand-in servers (azure_kv_server.py, vault_server.py,
hckms_server.py). Python 3 standard library plus the openssl CLI.

What it gives a server:
  * make_tls(dir): a throw-away test CA and a server certificate for
    127.0.0.1 / localhost, made with `openssl` at test time (ca.crt is what
    the client is told to trust).
  * serve(handler_class, state_dir, tls=...): binds 127.0.0.1 port 0, writes
    the port to STATE/port (or STATE/http_port for plain HTTP), serves in
    threads until SIGTERM.
  * Knobs, re-read from STATE/knobs.json before every request so a test can
    change them while the server runs:
      {"latency_ms": 30,   extra delay per request
       "throttle": 2,      answer the next N requests with 429
       "fail500": 1,       answer the next N requests with 500
       "hang": true}       never answer (until the knob is removed)
    Counters for throttle/fail500 are consumed from STATE/knobs.json.
  * STATE/requests.log: one line per request: "METHOD PATH STATUS" (no
    query string, headers or bodies: nothing secret is ever logged).
  * hmac_seal/hmac_open: authenticated encryption from the standard library
    (HMAC-SHA256 in counter mode + HMAC-SHA256 tag, encrypt-then-MAC), used
    by the Vault and Huawei stand-ins for their symmetric keys.
"""
import hashlib
import hmac
import http.server
import json
import os
import secrets
import signal
import socketserver
import ssl
import subprocess
import sys
import threading
import time

_knob_lock = threading.Lock()


def run_openssl(args, data=None):
    r = subprocess.run(["openssl"] + args, input=data, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], r.stderr.decode(errors="replace")))
    return r.stdout


def make_tls(d):
    """CA + server certificate for 127.0.0.1 and localhost in directory d."""
    os.makedirs(d, exist_ok=True)
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.crt"))
    ext = os.path.join(d, "server.ext")
    if os.path.exists(crt):
        return ca_crt, crt, key
    run_openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "2",
                 "-subj", "/CN=sopsfs test CA"])
    run_openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"])
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run_openssl(["x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                 "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext])
    return ca_crt, crt, key


class Knobs:
    def __init__(self, state):
        self.path = os.path.join(state, "knobs.json")

    def take(self):
        """Return (latency_s, action) with action in None/'throttle'/'500'/'hang'."""
        with _knob_lock:
            try:
                with open(self.path) as f:
                    k = json.load(f)
            except (OSError, ValueError):
                return 0.0, None
            action = None
            if k.get("hang"):
                action = "hang"
            elif k.get("throttle", 0) > 0:
                k["throttle"] -= 1
                action = "throttle"
            elif k.get("fail500", 0) > 0:
                k["fail500"] -= 1
                action = "500"
            if action in ("throttle", "500"):
                tmp = self.path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(k, f)
                os.replace(tmp, self.path)
            return k.get("latency_ms", 0) / 1000.0, action


class BaseHandler(http.server.BaseHTTPRequestHandler):
    """Subclasses implement route(method, path, query, body) -> (status, obj,
    extra_headers) and may override knob_answer for the service's error
    format."""
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, fmt, *args):
        pass

    def _log(self, status):
        path = self.path.split("?", 1)[0]
        with _knob_lock:
            with open(os.path.join(self.state, "requests.log"), "a") as f:
                f.write("%s %s %d\n" % (self.command, path, status))

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self._log(status)

    def knob_answer(self, action):
        if action == "throttle":
            return 429, {"error": "throttled"}, {"Retry-After": "0"}
        return 500, {"error": "internal error"}, {}

    def _handle(self):
        latency, action = Knobs(self.state).take()
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        if action == "hang":
            self._log(0)
            while Knobs(self.state).take()[1] == "hang":
                time.sleep(0.2)
            self.close_connection = True
            return
        if latency > 0:
            time.sleep(latency)
        if action is not None:
            st, obj, hd = self.knob_answer(action)
            return self.send_json(st, obj, hd)
        path, _, query = self.path.partition("?")
        try:
            st, obj, hd = self.route(self.command, path, query, body)
        except Exception as e:  # a bug in the stand-in: say so, never hang
            st, obj, hd = 500, {"error": "stand-in error: %s" % type(e).__name__}, {}
        self.send_json(st, obj, hd)

    do_GET = do_POST = do_PUT = _handle


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(handler, state, tls=True, port_file="port"):
    """Start one listener on 127.0.0.1 port 0 in a thread; returns it."""
    handler.state = state
    srv = _Server(("127.0.0.1", 0), handler)
    if tls:
        ca, crt, key = make_tls(os.path.join(state, "tls"))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    tmp = os.path.join(state, port_file + ".tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, os.path.join(state, port_file))
    return srv


def wait_forever():
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    while not stop.is_set():
        stop.wait(1)
    sys.exit(0)


# ---- symmetric authenticated encryption (stdlib only) ----

def _stream(key, nonce, n):
    out = bytearray()
    ctr = 0
    while len(out) < n:
        out += hmac.new(key, b"enc" + nonce + ctr.to_bytes(4, "big"), hashlib.sha256).digest()
        ctr += 1
    return bytes(out[:n])


def hmac_seal(key, plaintext, aad=b""):
    nonce = secrets.token_bytes(12)
    ct = bytes(a ^ b for a, b in zip(plaintext, _stream(key, nonce, len(plaintext))))
    tag = hmac.new(key, b"tag" + aad + nonce + ct, hashlib.sha256).digest()[:16]
    return nonce + ct + tag


def hmac_open(key, blob, aad=b""):
    """Plaintext, or None when the blob was not sealed with key (and aad)."""
    if len(blob) < 28:
        return None
    nonce, ct, tag = blob[:12], blob[12:-16], blob[-16:]
    want = hmac.new(key, b"tag" + aad + nonce + ct, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(tag, want):
        return None
    return bytes(a ^ b for a, b in zip(ct, _stream(key, nonce, len(ct))))
