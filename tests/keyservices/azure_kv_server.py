#!/usr/bin/env python3
"""azure_kv_server.py - Azure Key Vault + Microsoft Entra token stand-in.

Usage: azure_kv_server.py STATE_DIR --tenant T --client-id C
         [--client-secret S] [--client-cert CERT_PEM] [--federated-token F]
         [--identity-header H] [--keys sops-key,other]

Listens on two ports on 127.0.0.1: HTTPS (STATE/port, test CA in
STATE/tls/ca.crt) for the token endpoint and the vault, and plain HTTP
(STATE/http_port) for the managed-identity endpoints, which are plain HTTP
in Azure too.

Token endpoint (Microsoft identity platform v2, client credentials grant):
  POST /<tenant>/oauth2/v2.0/token  (form) grant_type=client_credentials,
    client_id, scope=https://vault.azure.net/.default, and either
    client_secret, or client_assertion_type=urn:ietf:params:oauth:client-
    assertion-type:jwt-bearer + client_assertion: an RS256 JWT signed by the
    --client-cert key (signature verified with the certificate's public key
    through `openssl dgst -verify`; aud must be this endpoint's URL, iss =
    sub = client id, exp in the future, x5t = base64url SHA-1 thumbprint), or
    the --federated-token string (workload identity).
    -> {"token_type":"Bearer","expires_in":3599,"access_token":...}
    errors: 400/401 {"error":"invalid_client","error_description":...}
Managed identity (HTTP port):
  GET /msi/token?api-version=2019-08-01&resource=https://vault.azure.net
      with X-IDENTITY-HEADER: <--identity-header>   (App Service style)
  GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...
      with Metadata: true                           (IMDS)
    -> {"access_token":...,"expires_on":"<epoch>","resource":...,
        "token_type":"Bearer"}
Azure CLI: a token issued at start is written to STATE/cli_token (the
test's fake `az` prints it the way `az account get-access-token` does).
Key Vault (bearer token from above required, else 401 with a
WWW-Authenticate challenge):
  GET  /keys/<name>[/]?api-version=...          -> {"key":{"kid":...,"kty":"RSA",...}}
  POST /keys/<name>/<version>/encrypt|decrypt?api-version=...
       {"alg":"RSA-OAEP-256","value":base64url} -> {"kid":...,"value":base64url}
  (wrapkey/unwrapkey are accepted as synonyms.) Each key is a 2048-bit RSA
  key made with openssl at start; RSA-OAEP-256 runs in `openssl pkeyutl`,
  so a value encrypted under another key fails to decrypt (400
  BadParameter). base64url values are unpadded, as Key Vault sends them.
Knobs: STATE/knobs.json (see kms2_stand.py).
"""
import argparse
import base64
import hashlib
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
import kms2_stand  # noqa: E402

OPTS = None
KEYS = {}            # name -> (version, private key path, public key path)
TOKENS = {}          # access token -> expiry
LOCK = threading.Lock()
ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def issue():
    tok = "azt-" + secrets.token_urlsafe(32)
    with LOCK:
        TOKENS[tok] = time.time() + 3600
    return tok


def token_ok(headers):
    auth = headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return False
    with LOCK:
        return TOKENS.get(auth[7:], 0) > time.time()


def check_jwt(jwt, token_url):
    """None if the client assertion is valid, else why."""
    try:
        h64, c64, s64 = jwt.split(".")
        header, claims = json.loads(unb64u(h64)), json.loads(unb64u(c64))
        sig = unb64u(s64)
    except ValueError:
        return "malformed client assertion"
    if header.get("alg") != "RS256":
        return "unsupported alg"
    if header.get("x5t") != OPTS.thumb and header.get("x5t#S256") != OPTS.thumb256:
        return "certificate thumbprint does not match"
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(sig)
    try:
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", OPTS.cert_pub,
                            "-signature", f.name], input=(h64 + "." + c64).encode(),
                           capture_output=True)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        return "client assertion signature is invalid"
    now = time.time()
    if claims.get("aud") != token_url:
        return "client assertion audience is invalid"
    if claims.get("iss") != OPTS.client_id or claims.get("sub") != OPTS.client_id:
        return "client assertion issuer/subject is invalid"
    if not (claims.get("exp", 0) > now and claims.get("nbf", now) <= now + 60):
        return "client assertion expired or not yet valid"
    return None


def token_endpoint(path, body):
    tenant = path.split("/")[1]
    f = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
    url = "https://127.0.0.1:%d/%s/oauth2/v2.0/token" % (OPTS.port, tenant)
    bad = None
    if tenant != OPTS.tenant:
        bad = "tenant not found"
    elif f.get("grant_type") != "client_credentials" or f.get("client_id") != OPTS.client_id:
        bad = "unknown client"
    elif f.get("scope") != "https://vault.azure.net/.default":
        bad = "invalid scope"
    elif "client_secret" in f:
        if not OPTS.client_secret or f["client_secret"] != OPTS.client_secret:
            bad = "invalid client secret"
    elif f.get("client_assertion_type") == ASSERTION and "client_assertion" in f:
        a = f["client_assertion"]
        if OPTS.federated_token and a == OPTS.federated_token:
            bad = None
        elif OPTS.client_cert:
            bad = check_jwt(a, url)
        else:
            bad = "invalid client assertion"
    else:
        bad = "no client credential"
    if bad:
        return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: " + bad}, {}
    return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                 "access_token": issue()}, {}


def msi_token(path, query, headers):
    q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
    if path == "/msi/token":
        if not OPTS.identity_header or headers.get("X-IDENTITY-HEADER") != OPTS.identity_header:
            return 401, {"error": "invalid identity header"}, {}
    elif headers.get("Metadata") != "true":
        return 400, {"error": "invalid_request", "error_description": "Required metadata header not specified"}, {}
    if q.get("resource") != "https://vault.azure.net":
        return 400, {"error": "invalid_resource"}, {}
    return 200, {"access_token": issue(), "expires_on": str(int(time.time()) + 3600),
                 "resource": q["resource"], "token_type": "Bearer"}, {}


def pkeyutl(args, data):
    r = subprocess.run(["openssl", "pkeyutl"] + args + [
        "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
        "-pkeyopt", "rsa_mgf1_md:sha256"], input=data, capture_output=True)
    return r.stdout if r.returncode == 0 else None


def vault(method, path, body, handler):
    base = "https://127.0.0.1:%d" % OPTS.port
    if not token_ok(handler.headers):
        return 401, {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}}, {
            "WWW-Authenticate": 'Bearer authorization="%s/%s", resource="https://vault.azure.net"' % (base, OPTS.tenant)}
    parts = [p for p in path.split("/") if p]
    name = parts[1] if len(parts) > 1 else ""
    if name not in KEYS:
        return 404, {"error": {"code": "KeyNotFound", "message": "A key with (name/id) %s was not found in this key vault." % name}}, {}
    version, priv, pub = KEYS[name]
    kid = "%s/keys/%s/%s" % (base, name, version)
    if method == "GET" and len(parts) in (2, 3):
        if len(parts) == 3 and parts[2] != version:
            return 404, {"error": {"code": "KeyNotFound", "message": "version not found"}}, {}
        return 200, {"key": {"kid": kid, "kty": "RSA", "key_ops": ["encrypt", "decrypt"]},
                     "attributes": {"enabled": True}}, {}
    if method != "POST" or len(parts) != 4 or parts[2] != version:
        return 404, {"error": {"code": "KeyNotFound", "message": "A key with (name/id) %s/%s was not found in this key vault." % (name, parts[2] if len(parts) > 2 else "")}}, {}
    try:
        req = json.loads(body)
        value = unb64u(req["value"])
    except (ValueError, KeyError, TypeError):
        return 400, {"error": {"code": "BadParameter", "message": "Invalid value"}}, {}
    if req.get("alg") != "RSA-OAEP-256":
        return 400, {"error": {"code": "BadParameter", "message": "Unsupported algorithm"}}, {}
    op = parts[3]
    if op in ("encrypt", "wrapkey"):
        out = pkeyutl(["-encrypt", "-pubin", "-inkey", pub], value)
    elif op in ("decrypt", "unwrapkey"):
        out = pkeyutl(["-decrypt", "-inkey", priv], value)
    else:
        return 404, {"error": {"code": "BadParameter", "message": "unknown operation"}}, {}
    if out is None:
        return 400, {"error": {"code": "BadParameter", "message": "Error while decrypting the cipher text"}}, {}
    return 200, {"kid": kid, "value": b64u(out)}, {}


class Handler(kms2_stand.BaseHandler):
    def knob_answer(self, action):
        if action == "throttle":
            return 429, {"error": {"code": "Throttled", "message": "Request was not processed because too many requests were received."}}, {"Retry-After": "0"}
        return 500, {"error": {"code": "InternalServerError", "message": "internal error"}}, {}

    def route(self, method, path, query, body):
        if path.endswith("/oauth2/v2.0/token") and method == "POST":
            return token_endpoint(path, body)
        if path in ("/msi/token", "/metadata/identity/oauth2/token") and method == "GET":
            return msi_token(path, query, self.headers)
        if path.startswith("/keys/"):
            if not urllib.parse.parse_qs(query).get("api-version"):
                return 400, {"error": {"code": "MissingApiVersionParameter", "message": "The api-version query parameter (?api-version=) is required for all requests."}}, {}
            return vault(method, path, body, self)
        return 404, {"error": {"code": "NotFound", "message": "no such path"}}, {}


def main():
    global OPTS
    ap = argparse.ArgumentParser()
    ap.add_argument("state")
    ap.add_argument("--tenant", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", default="")
    ap.add_argument("--client-cert", default="")
    ap.add_argument("--federated-token", default="")
    ap.add_argument("--identity-header", default="")
    ap.add_argument("--keys", default="sops-key,other")
    OPTS = ap.parse_args()
    os.makedirs(OPTS.state, exist_ok=True)
    if OPTS.client_cert:
        der = kms2_stand.run_openssl(["x509", "-in", OPTS.client_cert, "-outform", "DER"])
        OPTS.thumb = b64u(hashlib.sha1(der).digest())
        OPTS.thumb256 = b64u(hashlib.sha256(der).digest())
        OPTS.cert_pub = os.path.join(OPTS.state, "client_pub.pem")
        with open(OPTS.cert_pub, "wb") as f:
            f.write(kms2_stand.run_openssl(["x509", "-in", OPTS.client_cert, "-pubkey", "-noout"]))
    for name in OPTS.keys.split(","):
        priv = os.path.join(OPTS.state, "kv-%s.key" % name)
        pub = os.path.join(OPTS.state, "kv-%s.pub" % name)
        kms2_stand.run_openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", priv])
        kms2_stand.run_openssl(["pkey", "-in", priv, "-pubout", "-out", pub])
        KEYS[name] = (secrets.token_hex(16), priv, pub)
    with open(os.path.join(OPTS.state, "versions"), "w") as f:
        for name, (ver, _, _) in KEYS.items():
            f.write("%s %s\n" % (name, ver))
    with open(os.path.join(OPTS.state, "cli_token"), "w") as f:
        f.write(issue())
    srv = kms2_stand.serve(Handler, OPTS.state, tls=True, port_file="port.pending")
    OPTS.port = srv.server_address[1]
    kms2_stand.serve(Handler, OPTS.state, tls=False, port_file="http_port")
    os.replace(os.path.join(OPTS.state, "port.pending"), os.path.join(OPTS.state, "port"))
    kms2_stand.wait_forever()


if __name__ == "__main__":
    main()
