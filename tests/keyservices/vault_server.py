#!/usr/bin/env python3
"""vault_server.py - a HashiCorp Vault / OpenBao transit stand-in for tests.

Usage: vault_server.py STATE_DIR --token T [--namespace NS] [--engine transit]
                       [--keys sops,other] [--plain]

Wire protocol (Vault HTTP API, transit secrets engine):
  POST|PUT /v1/<engine>/encrypt/<key>   {"plaintext": base64}
      -> 200 {"data": {"ciphertext": "vault:v1:<base64>", "key_version": 1}, ...}
  POST|PUT /v1/<engine>/decrypt/<key>   {"ciphertext": "vault:v1:..."}
      -> 200 {"data": {"plaintext": base64}, ...}
  Errors: {"errors": ["..."]} with 400 (bad input, wrong key), 403
  ("permission denied": missing/wrong X-Vault-Token, or X-Vault-Namespace
  different from --namespace when one is set), 404 (no such mount/key).
The namespace may also prefix the path (/v1/<ns>/<engine>/...), as Vault
Enterprise accepts. Each key is 32 random bytes made at start; ciphertext is
"vault:v1:" + base64(nonce | ciphertext | tag) sealed with kms2_stand.hmac_seal
and the key name as associated data, so a blob made by another key fails
with "cipher: message authentication failed", as Vault says.
Listens with TLS (test CA in STATE/tls/ca.crt), or plain HTTP with --plain
(a dev server); port in STATE/port; knobs in STATE/knobs.json (see
kms2_stand.py).
"""
import argparse
import base64
import binascii
import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kms2_stand  # noqa: E402

OPTS = None
KEYS = {}


def envelope(data):
    return {"request_id": secrets.token_hex(8), "lease_id": "", "renewable": False,
            "lease_duration": 0, "data": data, "wrap_info": None, "warnings": None,
            "auth": None}


class Handler(kms2_stand.BaseHandler):
    def knob_answer(self, action):
        if action == "throttle":
            return 429, {"errors": ["request path rate limit quota exceeded"]}, {}
        return 500, {"errors": ["internal error"]}, {}

    def route(self, method, path, query, body):
        if method not in ("POST", "PUT"):
            return 405, {"errors": []}, {}
        if self.headers.get("X-Vault-Token") != OPTS.token:
            return 403, {"errors": ["permission denied"]}, {}
        parts = [p for p in path.split("/") if p]
        if len(parts) < 4 or parts[0] != "v1":
            return 404, {"errors": []}, {}
        parts = parts[1:]
        ns = self.headers.get("X-Vault-Namespace", "").strip("/")
        if OPTS.namespace and not ns and "/".join(parts).startswith(OPTS.namespace + "/"):
            ns, parts = OPTS.namespace, parts[len(OPTS.namespace.split("/")):]
        if (OPTS.namespace or "") != ns:
            return 403, {"errors": ["permission denied"]}, {}
        engine, op, key = "/".join(parts[:-2]), parts[-2], parts[-1]
        if engine != OPTS.engine:
            return 404, {"errors": ["no handler for route \"%s\". route entry not found."
                                    % "/".join(parts)]}, {}
        if key not in KEYS:
            return 400, {"errors": ["encryption key not found"]}, {}
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return 400, {"errors": ["failed to parse JSON input"]}, {}
        if op == "encrypt":
            try:
                pt = base64.b64decode(req.get("plaintext", ""), validate=True)
            except (binascii.Error, TypeError):
                return 400, {"errors": ["failed to base64-decode plaintext"]}, {}
            blob = kms2_stand.hmac_seal(KEYS[key], pt, key.encode())
            ct = "vault:v1:" + base64.b64encode(blob).decode()
            return 200, envelope({"ciphertext": ct, "key_version": 1}), {}
        if op == "decrypt":
            ct = req.get("ciphertext", "")
            if not isinstance(ct, str) or not ct.startswith("vault:v1:"):
                return 400, {"errors": ["invalid ciphertext: no prefix"]}, {}
            try:
                blob = base64.b64decode(ct[9:], validate=True)
            except binascii.Error:
                return 400, {"errors": ["invalid ciphertext: could not decode"]}, {}
            pt = kms2_stand.hmac_open(KEYS[key], blob, key.encode())
            if pt is None:
                return 400, {"errors": ["cipher: message authentication failed"]}, {}
            return 200, envelope({"plaintext": base64.b64encode(pt).decode()}), {}
        return 404, {"errors": []}, {}


def main():
    global OPTS
    ap = argparse.ArgumentParser()
    ap.add_argument("state")
    ap.add_argument("--token", required=True)
    ap.add_argument("--namespace", default="")
    ap.add_argument("--engine", default="transit")
    ap.add_argument("--keys", default="sops,other")
    ap.add_argument("--plain", action="store_true")
    OPTS = ap.parse_args()
    OPTS.namespace = OPTS.namespace.strip("/")
    for k in OPTS.keys.split(","):
        KEYS[k] = secrets.token_bytes(32)
    os.makedirs(OPTS.state, exist_ok=True)
    kms2_stand.serve(Handler, OPTS.state, tls=not OPTS.plain)
    kms2_stand.wait_forever()


if __name__ == "__main__":
    main()
