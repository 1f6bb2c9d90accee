#!/usr/bin/env python3
"""gcp_kms_server.py - a local stand-in for Cloud KMS (REST v1
cryptoKeys.encrypt / decrypt), Google's OAuth2 token endpoint and the GCE
metadata server, for the sopsfs tests. Python 3 standard library + openssl.

Usage: gcp_kms_server.py STATE_DIR
  STATE/config.json (written by the test before start):
    {"sa_email": "...", "sa_pub": "/path/pub.pem",
     "client_id": "...", "client_secret": "...", "refresh_token": "...",
     "static_token": "...",
     "keys": {"projects/p/locations/l/keyRings/r/cryptoKeys/k": {"allow": ["sa:...", ...]}}}
  Writes STATE/port (HTTPS: /v1/...:encrypt|decrypt and POST /token) and
  STATE/http_port (plain HTTP: the metadata server).
  STATE/calls.log: "OP principal=NAME key=RID" per successful KMS call.
  Knobs (kms2_stand): latency_ms, throttle (429), fail500, hang.

Authentication is real: JWT assertions (RS256) are verified with the
service account's public key (openssl dgst -verify) and their iss, aud,
scope and exp checked; refresh tokens and client secrets must match;
every KMS call needs a bearer token issued here (or the static one).
Encryption is real: a random 256-bit secret per key, the resource id as
AAD; another key's ciphertext fails with INVALID_ARGUMENT.
"""
import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kms2_stand as st  # noqa: E402
from kms1_stand import serve_tls  # noqa: E402

STATE = sys.argv[1]
CFG = json.load(open(os.path.join(STATE, "config.json")))
LOCK = threading.Lock()
TOKENS = {}      # bearer token -> principal
if CFG.get("static_token"):
    TOKENS[CFG["static_token"]] = "static"
KEYS = {rid: (i, secrets.token_bytes(32)) for i, rid in enumerate(sorted(CFG.get("keys", {})))}


def calls(line):
    with LOCK:
        with open(os.path.join(STATE, "calls.log"), "a") as f:
            f.write(line + "\n")


def issue(principal):
    t = "ya29." + secrets.token_urlsafe(40)
    with LOCK:
        TOKENS[t] = principal
    return {"access_token": t, "expires_in": 3599, "token_type": "Bearer"}


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify_jwt(jwt, aud):
    """Principal, or an error string."""
    try:
        h64, c64, s64 = jwt.split(".")
        head, claims, sig = json.loads(b64url(h64)), json.loads(b64url(c64)), b64url(s64)
    except Exception:
        return "malformed JWT"
    if head.get("alg") != "RS256":
        return "unsupported alg"
    with tempfile.NamedTemporaryFile(dir=STATE, delete=False) as f:
        f.write(sig)
        sigf = f.name
    try:
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", CFG["sa_pub"],
                            "-signature", sigf], input=(h64 + "." + c64).encode(),
                           capture_output=True)
    finally:
        os.unlink(sigf)
    if r.returncode != 0:
        return "Invalid JWT Signature."
    now = time.time()
    if claims.get("iss") != CFG["sa_email"]:
        return "invalid issuer"
    if claims.get("aud") != aud:
        return "Invalid JWT audience"
    if "cloudkms" not in claims.get("scope", "") and "cloud-platform" not in claims.get("scope", ""):
        return "invalid scope"
    if not (claims.get("iat", 0) - 60 <= now < claims.get("exp", 0)) or claims["exp"] - claims["iat"] > 3600:
        return "Invalid JWT: Token must be a short-lived token"
    return "sa:" + claims["iss"]


def gerr(code, status, msg):
    return code, {"error": {"code": code, "message": msg, "status": status}}, {}


class Main(st.BaseHandler):
    def knob_answer(self, action):
        if action == "throttle":
            return gerr(429, "RESOURCE_EXHAUSTED", "Quota exceeded")
        return gerr(500, "INTERNAL", "Internal error encountered.")

    def route(self, method, path, query, body):
        if path == "/token" and method == "POST":
            f = dict(urllib.parse.parse_qsl(body.decode()))
            if f.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer":
                aud = "https://127.0.0.1:%d/token" % self.server.server_address[1]
                who = verify_jwt(f.get("assertion", ""), aud)
                if not who.startswith("sa:"):
                    return 400, {"error": "invalid_grant", "error_description": who}, {}
                return 200, issue(who), {}
            if f.get("grant_type") == "refresh_token":
                if (f.get("client_id"), f.get("client_secret"), f.get("refresh_token")) != \
                        (CFG.get("client_id"), CFG.get("client_secret"), CFG.get("refresh_token")):
                    return 400, {"error": "invalid_grant", "error_description": "Bad Request"}, {}
                return 200, issue("user:" + f["client_id"]), {}
            return 400, {"error": "unsupported_grant_type"}, {}
        if not path.startswith("/v1/") or ":" not in path:
            return gerr(404, "NOT_FOUND", "unknown path")
        rid, verb = path[4:].rsplit(":", 1)
        auth = self.headers.get("Authorization", "")
        who = TOKENS.get(auth[7:]) if auth.startswith("Bearer ") else None
        if who is None:
            return gerr(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if rid not in KEYS:
            return gerr(404, "NOT_FOUND", "%s not found." % rid)
        if who not in CFG["keys"][rid].get("allow", []):
            return gerr(403, "PERMISSION_DENIED",
                        "Permission 'cloudkms.cryptoKeyVersions.useTo%s' denied on resource '%s'" %
                        ("Encrypt" if verb == "encrypt" else "Decrypt", rid))
        req = json.loads(body or b"{}")
        idx, key = KEYS[rid]
        if verb == "encrypt":
            pt = base64.b64decode(req.get("plaintext", ""))
            blob = b"GKMS" + bytes([idx]) + st.hmac_seal(key, pt, rid.encode())
            calls("encrypt principal=%s key=%s" % (who, rid))
            return 200, {"name": rid + "/cryptoKeyVersions/1",
                         "ciphertext": base64.b64encode(blob).decode(),
                         "verifiedPlaintextCrc32c": False}, {}
        if verb == "decrypt":
            try:
                blob = base64.b64decode(req.get("ciphertext", ""), validate=True)
            except Exception:
                return gerr(400, "INVALID_ARGUMENT", "Invalid value at 'ciphertext'")
            pt = st.hmac_open(key, blob[5:], rid.encode()) if blob[:4] == b"GKMS" and \
                len(blob) > 5 and blob[4] == idx else None
            if pt is None:
                return gerr(400, "INVALID_ARGUMENT", "Decryption failed: the ciphertext is invalid.")
            calls("decrypt principal=%s key=%s" % (who, rid))
            return 200, {"plaintext": base64.b64encode(pt).decode()}, {}
        return gerr(404, "NOT_FOUND", "unknown method")


class Meta(st.BaseHandler):
    def _handle(self):
        if self.path != "/computeMetadata/v1/instance/service-accounts/default/token":
            return self.send_json(404, None)
        if self.headers.get("Metadata-Flavor") != "Google":
            return self.send_json(403, None)
        return self.send_json(200, issue("gce"))

    do_GET = do_POST = do_PUT = _handle


if __name__ == "__main__":
    serve_tls(Main, STATE)
    st.serve(Meta, STATE, tls=False, port_file="http_port")
    st.wait_forever()
