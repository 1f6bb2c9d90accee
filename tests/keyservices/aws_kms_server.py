#!/usr/bin/env python3
"""aws_kms_server.py - a local stand-in for AWS KMS, STS, the EC2 instance
metadata service (IMDSv2) and the container credentials endpoint, for the
sopsfs tests. Python 3 standard library + kms2_stand (TLS via openssl).

Usage: aws_kms_server.py STATE_DIR
  STATE/config.json (written by the test before start):
    {"users": {"AKID": {"secret": "...", "name": "env-user"}},
     "keys": {"arn:aws:kms:...:key/x": {"allow": ["env-user", "role:arn..."]}},
     "roles": ["arn:aws:iam::...:role/r"],          roles AssumeRole may give
     "web_token": "...", "container_token": "..."}
  Writes STATE/port (HTTPS: KMS JSON 1.1 API + STS query API on POST /) and
  STATE/http_port (plain HTTP: IMDSv2 under /latest/, container
  credentials under /container/creds).
  STATE/calls.log: "OP principal=NAME [extra]" per successful KMS/STS call.
  STATE/max_inflight: the most requests seen in flight at once (delete the
  file to start counting again).
  Knobs (kms2_stand): latency_ms, throttle (ThrottlingException 400),
  fail500, hang - for the KMS/STS listener only.

Authentication is checked for real: the SigV4 signature is recomputed from
the secret of the access key (static users or credentials issued here),
session tokens must match, X-Amz-Date must be within 15 minutes.
Encryption is real: each key has its own random 256-bit secret; the
ciphertext is sealed with it and the encryption context as AAD, so a wrong
key or context fails (IncorrectKeyException / InvalidCiphertextException).
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kms2_stand as st  # noqa: E402
from kms1_stand import serve_tls  # noqa: E402


STATE = sys.argv[1]
CFG = json.load(open(os.path.join(STATE, "config.json")))
LOCK = threading.Lock()
# akid -> {"secret", "token" or None, "name"}
CREDS = {k: {"secret": v["secret"], "token": None, "name": v["name"]}
         for k, v in CFG.get("users", {}).items()}
KEYS = {}   # arn -> (index, 32-byte secret)
for i, arn in enumerate(sorted(CFG.get("keys", {}))):
    KEYS[arn] = (i, secrets.token_bytes(32))
IMDS_TOKENS = set()
INFLIGHT = PEAK = CONNS = 0


def calls(line):
    with LOCK:
        with open(os.path.join(STATE, "calls.log"), "a") as f:
            f.write(line + "\n")


def issue(name, ttl=3600):
    akid = "ASIA" + secrets.token_hex(8).upper()
    sec, tok = secrets.token_urlsafe(30), secrets.token_urlsafe(60)
    with LOCK:
        CREDS[akid] = {"secret": sec, "token": tok, "name": name}
    exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=ttl))
    return akid, sec, tok, exp.strftime("%Y-%m-%dT%H:%M:%SZ")


def sigv4_check(handler, body):
    """Principal name, or (status, type, message) on failure."""
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return (400, "MissingAuthenticationTokenException", "Missing Authentication Token")
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    akid, date, region, service, term = parts["Credential"].split("/")
    cred = CREDS.get(akid)
    if cred is None:
        return (400, "UnrecognizedClientException",
                "The security token included in the request is invalid.")
    amzdate = handler.headers.get("X-Amz-Date", "")
    try:
        t = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        return (400, "IncompleteSignatureException", "bad X-Amz-Date")
    now = datetime.datetime.now(datetime.timezone.utc)
    if abs((now - t).total_seconds()) > 900 or amzdate[:8] != date:
        return (400, "InvalidSignatureException", "Signature expired")
    signed = parts["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return (400, "InvalidSignatureException", "host and x-amz-date must be signed")
    if cred["token"] is not None:
        if "x-amz-security-token" not in signed or \
                handler.headers.get("X-Amz-Security-Token") != cred["token"]:
            return (400, "UnrecognizedClientException",
                    "The security token included in the request is invalid.")
    canon_headers = "".join("%s:%s\n" % (h, " ".join(handler.headers.get(h, "").split()))
                            for h in signed)
    path, _, query = handler.path.partition("?")
    canon = "\n".join([handler.command, path, query, canon_headers, ";".join(signed),
                       hashlib.sha256(body).hexdigest()])
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, "/".join([date, region, service, term]),
                     hashlib.sha256(canon.encode()).hexdigest()])
    k = ("AWS4" + cred["secret"]).encode()
    for m in (date, region, service, term):
        k = hmac.new(k, m.encode(), hashlib.sha256).digest()
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, parts.get("Signature", "")):
        return (400, "InvalidSignatureException",
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method.")
    return cred["name"]


def ctx_aad(ctx):
    return json.dumps(ctx or {}, sort_keys=True, separators=(",", ":")).encode()


def kms_op(target, req, who):
    op = target.split(".", 1)[1]
    key_id = req.get("KeyId", "")
    if op == "Encrypt":
        if key_id not in KEYS:
            return 400, {"__type": "NotFoundException", "message": "Key '%s' does not exist" % key_id}
        if who not in CFG["keys"][key_id].get("allow", []):
            return 400, {"__type": "AccessDeniedException",
                         "message": "User: %s is not authorized to perform: kms:Encrypt" % who}
        idx, secret = KEYS[key_id]
        pt = base64.b64decode(req["Plaintext"])
        blob = b"SKMS" + bytes([idx]) + st.hmac_seal(secret, pt, ctx_aad(req.get("EncryptionContext")))
        calls("Encrypt principal=%s key=%s" % (who, key_id))
        return 200, {"CiphertextBlob": base64.b64encode(blob).decode(), "KeyId": key_id,
                     "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    if op == "Decrypt":
        try:
            blob = base64.b64decode(req["CiphertextBlob"], validate=True)
        except Exception:
            return 400, {"__type": "SerializationException", "message": "bad base64"}
        if len(blob) < 5 or blob[:4] != b"SKMS":
            return 400, {"__type": "InvalidCiphertextException"}
        owner = [a for a, (i, _) in KEYS.items() if i == blob[4]]
        if not owner or (key_id and key_id != owner[0]):
            return 400, {"__type": "IncorrectKeyException",
                         "message": "The key ID in the request does not identify a CMK that "
                                    "can perform this operation."}
        if who not in CFG["keys"][owner[0]].get("allow", []):
            return 400, {"__type": "AccessDeniedException",
                         "message": "User: %s is not authorized to perform: kms:Decrypt" % who}
        pt = st.hmac_open(KEYS[owner[0]][1], blob[5:], ctx_aad(req.get("EncryptionContext")))
        if pt is None:
            return 400, {"__type": "InvalidCiphertextException"}
        calls("Decrypt principal=%s key=%s" % (who, owner[0]))
        return 200, {"Plaintext": base64.b64encode(pt).decode(), "KeyId": owner[0]}
    return 400, {"__type": "UnknownOperationException"}


def sts_xml(action, akid, sec, tok, exp):
    return ("<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><%sResult>"
            "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
            "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
            "</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
            "</%sResponse>" % (action, action, akid, sec, tok, exp, action,
                               secrets.token_hex(8), action))


def sts_error(status, code, msg):
    return status, ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s"
                    "</Message></Error><RequestId>0</RequestId></ErrorResponse>" % (code, msg))


class Main(st.BaseHandler):
    def knob_answer(self, action):
        if action == "throttle":
            return 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}, {}
        return 500, {"__type": "KMSInternalException", "message": "internal error"}, {}

    def send_xml(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self._log(status)

    def route(self, method, path, query, body):
        target = self.headers.get("X-Amz-Target")
        if target:   # KMS JSON 1.1
            if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
                return 400, {"__type": "SerializationException"}, {}
            who = sigv4_check(self, body)
            if isinstance(who, tuple):
                return who[0], {"__type": who[1], "message": who[2]}, {}
            s, obj = kms_op(target, json.loads(body), who)
            return s, obj, {"x-amzn-RequestId": secrets.token_hex(8)}
        form = dict(urllib.parse.parse_qsl(body.decode()))
        action = form.get("Action")
        if action == "AssumeRole":
            who = sigv4_check(self, body)
            if isinstance(who, tuple):
                return self.xml(*sts_error(403, who[1], who[2]))
            role = form.get("RoleArn", "")
            if role not in CFG.get("roles", []):
                return self.xml(*sts_error(403, "AccessDenied", "not authorized to assume %s" % role))
            calls("AssumeRole principal=%s role=%s session=%s" % (who, role, form.get("RoleSessionName")))
            return self.xml(200, sts_xml("AssumeRole", *issue("role:" + role)))
        if action == "AssumeRoleWithWebIdentity":
            if form.get("WebIdentityToken") != CFG.get("web_token"):
                return self.xml(*sts_error(400, "InvalidIdentityToken", "bad token"))
            role = form.get("RoleArn", "")
            if role not in CFG.get("roles", []):
                return self.xml(*sts_error(403, "AccessDenied", "not authorized"))
            calls("AssumeRoleWithWebIdentity role=%s" % role)
            return self.xml(200, sts_xml("AssumeRoleWithWebIdentity", *issue("webid:" + role)))
        return 400, {"__type": "UnknownOperationException"}, {}

    def xml(self, status, text):
        return status, text, {}

    def setup(self):
        """Count connections (STATE/connections: keep-alive reuse check)."""
        global CONNS
        super().setup()
        with LOCK:
            CONNS += 1
            with open(os.path.join(STATE, "connections"), "w") as f:
                f.write("%d\n" % CONNS)

    def _handle(self):
        """Track requests in flight (STATE/max_inflight: the peak, for the
        parallel-unwrap tests; delete the file to reset)."""
        global INFLIGHT, PEAK
        with LOCK:
            INFLIGHT += 1
            if INFLIGHT > PEAK or PEAK == 0:
                mf = os.path.join(STATE, "max_inflight")
                if not os.path.exists(mf):
                    PEAK = 0
                if INFLIGHT > PEAK:
                    PEAK = INFLIGHT
                    with open(mf, "w") as f:
                        f.write("%d\n" % PEAK)
        self._inflight = True
        try:
            super()._handle()
        finally:
            self._done()

    def _done(self):
        """The request leaves the count before its answer is sent: a client
        that sends its next request only after reading this answer (one
        unwrap after another) must never be seen as two in flight."""
        global INFLIGHT, PEAK
        if not getattr(self, "_inflight", False):
            return
        self._inflight = False
        with LOCK:
            INFLIGHT -= 1
            if not os.path.exists(os.path.join(STATE, "max_inflight")):
                PEAK = 0

    do_GET = do_POST = do_PUT = _handle

    def send_json(self, status, obj, headers=None):
        self._done()
        if isinstance(obj, str):   # STS answers in XML
            return self.send_xml(status, obj)
        return super().send_json(status, obj, headers)


class Meta(st.BaseHandler):
    """IMDSv2 and container credentials (plain HTTP, no knobs)."""

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n) if n > 0 else b""
        path = self.path
        if path == "/container/creds" and self.command == "GET":
            if self.headers.get("Authorization") != CFG.get("container_token"):
                return self.send_json(401, {"message": "bad token"})
            akid, sec, tok, exp = issue("container")
            return self.send_json(200, {"AccessKeyId": akid, "SecretAccessKey": sec,
                                        "Token": tok, "Expiration": exp,
                                        "RoleArn": "arn:aws:iam::111122223333:role/task"})
        if path == "/latest/api/token" and self.command == "PUT":
            if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.send_json(400, None)
            t = secrets.token_urlsafe(32)
            IMDS_TOKENS.add(t)
            body = t.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return self._log(200)
        if path.startswith("/latest/meta-data/iam/security-credentials/"):
            if self.headers.get("X-aws-ec2-metadata-token") not in IMDS_TOKENS:
                return self.send_json(401, None)
            rest = path[len("/latest/meta-data/iam/security-credentials/"):]
            if rest == "":
                body = b"test-instance-role"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return self._log(200)
            akid, sec, tok, exp = issue("imds")
            return self.send_json(200, {"Code": "Success", "AccessKeyId": akid,
                                        "SecretAccessKey": sec, "Token": tok,
                                        "Expiration": exp})
        return self.send_json(404, None)

    do_GET = do_POST = do_PUT = _handle


if __name__ == "__main__":
    serve_tls(Main, STATE)
    st.serve(Meta, STATE, tls=False, port_file="http_port")
    st.wait_forever()
