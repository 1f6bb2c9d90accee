#!/usr/bin/env python3
"""hckms_server.py - HuaweiCloud KMS (v2) + IAM project lookup stand-in.

Usage: hckms_server.py STATE_DIR --ak AK --sk SK --project-id PID
         [--region tr-west-1] [--temp-ak AK2 --temp-sk SK2 --security-token T]
         [--keys UUID1,UUID2]

Authentication (API Gateway AK/SK, "SDK-HMAC-SHA256"): every request must
carry X-Sdk-Date (YYYYMMDDTHHMMSSZ, within 15 minutes) and
  Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>
The server recomputes the signature from the request it received:
  CanonicalRequest = METHOD \n URI (ending with "/") \n sorted query \n
                     "name:value\n" for each signed header \n
                     SignedHeaders \n hex(SHA256(body))
  StringToSign = "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" + hex(SHA256(CR))
  Signature = hex(HMAC-SHA256(SK, StringToSign))
host and x-sdk-date must be signed; requests made with the temporary
--temp-ak must carry (and sign) X-Security-Token equal to --security-token. Failures: 401 {"error_code":
"APIGW.0301","error_msg":"Incorrect IAM authentication information: ..."}.
KMS API (project-level: X-Project-Id must be signed and equal the path's):
  POST /v1.0/<project_id>/kms/encrypt-data
       {"key_id":uuid,"plain_text":str,"encryption_algorithm":"SYMMETRIC_DEFAULT"}
       -> {"key_id":uuid,"cipher_text":str}
  POST /v1.0/<project_id>/kms/decrypt-data
       {"cipher_text":str,"encryption_algorithm":...,"key_id":uuid}
       -> {"key_id":uuid,"plain_text":str,"plain_text_base64":...}
  errors: 400/404 {"error":{"error_code":"KMS.xxxx","error_msg":...}}
IAM:  GET /v3/projects?name=<region> -> {"projects":[{"id":PID,"name":region}]}
ECS metadata (plain HTTP listener, port in STATE/http_port, no auth):
  GET /openstack/latest/securitykey -> {"credential":{"access":TEMP_AK,
      "secret":TEMP_SK,"securitytoken":T,"expires_at":"<RFC 3339, +1 h>"}}
cipher_text = base64(uuid (36 bytes) | sealed(plain_text)) with the key's
own 32 random bytes (kms2_stand.hmac_seal), so a blob of another key fails
(KMS.0207 "decrypt failed"). TLS with the test CA; port in STATE/port;
knobs in STATE/knobs.json.
"""
import argparse
import base64
import binascii
import datetime
import hashlib
import hmac
import json
import os
import secrets
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kms2_stand  # noqa: E402

OPTS = None
KEYS = {}


def kms_error(status, code, msg):
    return status, {"error": {"error_code": code, "error_msg": msg}}, {}


def auth_error(msg):
    return 401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: " + msg,
                 "request_id": secrets.token_hex(16)}, {}


def check_signature(method, path, query, headers, body):
    auth = headers.get("Authorization", "")
    if not auth.startswith("SDK-HMAC-SHA256 "):
        return "unsupported authorization"
    try:
        parts = dict(p.strip().split("=", 1) for p in auth[len("SDK-HMAC-SHA256 "):].split(","))
        ak, signed, sig = parts["Access"], parts["SignedHeaders"], parts["Signature"]
    except (ValueError, KeyError):
        return "malformed authorization"
    if ak == OPTS.ak:
        sk = OPTS.sk
    elif OPTS.temp_ak and ak == OPTS.temp_ak:
        sk = OPTS.temp_sk
    else:
        return "ak not found"
    names = signed.split(";")
    if "host" not in names or "x-sdk-date" not in names or names != sorted(names):
        return "host and x-sdk-date must be signed"
    date = headers.get("X-Sdk-Date", "")
    try:
        t = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return "bad x-sdk-date"
    if abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) > 900:
        return "request expired"
    if ak == OPTS.temp_ak and ("x-security-token" not in names or
                               headers.get("X-Security-Token") != OPTS.security_token):
        return "security token missing or wrong"
    uri = path if path.endswith("/") else path + "/"
    q = sorted(urllib.parse.parse_qsl(query, keep_blank_values=True))
    cq = "&".join("%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~")) for k, v in q)
    ch = "".join("%s:%s\n" % (n, (headers.get(n) or "").strip()) for n in names)
    cr = "\n".join([method, uri, cq, ch, signed, hashlib.sha256(body).hexdigest()])
    sts = "SDK-HMAC-SHA256\n%s\n%s" % (date, hashlib.sha256(cr.encode()).hexdigest())
    want = hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return "verify aksk signature fail"
    return None


class Handler(kms2_stand.BaseHandler):
    def knob_answer(self, action):
        if action == "throttle":
            return 429, {"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"}, {}
        return 500, {"error": {"error_code": "KMS.0001", "error_msg": "internal error"}}, {}

    def route(self, method, path, query, body):
        if method == "GET" and path == "/openstack/latest/securitykey" and OPTS.temp_ak:
            exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
            return 200, {"credential": {"access": OPTS.temp_ak, "secret": OPTS.temp_sk,
                                        "securitytoken": OPTS.security_token,
                                        "expires_at": exp.strftime("%Y-%m-%dT%H:%M:%S.000000Z")}}, {}
        bad = check_signature(method, path, query, self.headers, body)
        if bad:
            return auth_error(bad)
        if method == "GET" and path == "/v3/projects":
            name = dict(urllib.parse.parse_qsl(query)).get("name")
            projects = [{"id": OPTS.project_id, "name": name}] if name == OPTS.region else []
            return 200, {"projects": projects}, {}
        p = [x for x in path.split("/") if x]
        if method != "POST" or len(p) != 4 or p[0] != "v1.0" or p[2] != "kms":
            return kms_error(404, "KMS.0404", "not found")
        if p[1] != OPTS.project_id or self.headers.get("X-Project-Id") != p[1] or \
                "x-project-id" not in self.headers.get("Authorization", ""):
            return auth_error("project id mismatch")
        try:
            req = json.loads(body)
        except ValueError:
            return kms_error(400, "KMS.0201", "Invalid request body")
        kid = req.get("key_id", "")
        if kid not in KEYS:
            return kms_error(404, "KMS.0207", "Invalid key_id: key not found")
        if req.get("encryption_algorithm", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
            return kms_error(400, "KMS.0201", "unsupported algorithm")
        if p[3] == "encrypt-data":
            pt = req.get("plain_text")
            if not isinstance(pt, str) or not pt:
                return kms_error(400, "KMS.0201", "plain_text is required")
            blob = kid.encode() + kms2_stand.hmac_seal(KEYS[kid], pt.encode(), kid.encode())
            return 200, {"key_id": kid, "cipher_text": base64.b64encode(blob).decode()}, {}
        if p[3] == "decrypt-data":
            try:
                blob = base64.b64decode(req.get("cipher_text", ""), validate=True)
            except (binascii.Error, TypeError):
                return kms_error(400, "KMS.0205", "Invalid cipher_text")
            owner = blob[:36].decode(errors="replace")
            pt = kms2_stand.hmac_open(KEYS[kid], blob[36:], kid.encode()) if owner == kid else None
            if pt is None:
                return kms_error(400, "KMS.0207", "decrypt failed: the cipher text does not belong to this key")
            text = pt.decode()
            return 200, {"key_id": kid, "plain_text": text,
                         "plain_text_base64": base64.b64encode(pt).decode()}, {}
        return kms_error(404, "KMS.0404", "not found")


def main():
    global OPTS
    ap = argparse.ArgumentParser()
    ap.add_argument("state")
    ap.add_argument("--ak", required=True)
    ap.add_argument("--sk", required=True)
    ap.add_argument("--project-id", required=True)
    ap.add_argument("--region", default="tr-west-1")
    ap.add_argument("--temp-ak", default="")
    ap.add_argument("--temp-sk", default="")
    ap.add_argument("--security-token", default="")
    ap.add_argument("--keys", default="")
    OPTS = ap.parse_args()
    for k in (OPTS.keys.split(",") if OPTS.keys else []):
        KEYS[k] = secrets.token_bytes(32)
    os.makedirs(OPTS.state, exist_ok=True)
    kms2_stand.serve(Handler, OPTS.state, tls=False, port_file="http_port")
    kms2_stand.serve(Handler, OPTS.state)
    kms2_stand.wait_forever()


if __name__ == "__main__":
    main()
