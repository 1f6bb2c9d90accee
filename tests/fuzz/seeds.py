#!/usr/bin/env python3
"""seeds.py - build the fuzzers' seed corpora from the test fixtures.

Usage: seeds.py OUTDIR. Reads ../shared/interop (relative to the checkout)
and the project's own tests; writes OUTDIR/<target>/<sha1> files. The
corpora are generated at build time and never committed.
"""
import base64, hashlib, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, "..", "shared", "interop")
MAX = 64 * 1024


def files():
    for base in (SHARED, os.path.join(ROOT, "tests")):
        for d, _, names in os.walk(base):
            for n in names:
                p = os.path.join(d, n)
                try:
                    if os.path.getsize(p) <= MAX:
                        with open(p, "rb") as f:
                            yield p, f.read()
                except OSError:
                    pass


def provider_seeds(add):
    """fuzz_provider: the bodies the key services and credential sources
    answer (the shapes tests/keyservices/ serves), and every ARN, Vault URI
    and Key Vault URL found in the fixtures."""
    b64 = base64.b64encode(b"k" * 32).decode()
    bodies = [
        '{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k1","Plaintext":"%s",'
        '"EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}' % b64,
        '{"CiphertextBlob":"%s","KeyId":"k"}' % b64,
        '{"__type":"AccessDeniedException","message":"User is not authorized"}',
        '{"plaintext":"%s"}' % b64, '{"name":"projects/p","ciphertext":"%s"}' % b64,
        '{"error":{"code":403,"message":"Permission denied \\u00e9","status":"DENIED"}}',
        '{"access_token":"ya29.a0\\/x","expires_in":3599,"token_type":"Bearer"}',
        '{"kid":"https://v.vault.azure.net/keys/k/1","value":"%s"}' % b64.rstrip("="),
        '{"data":{"plaintext":"%s"},"lease_id":""}' % b64,
        '{"data":{"ciphertext":"vault:v1:%s"}}' % b64,
        '{"key_id":"0d0466b0","plain_text":"%s","plain_text_base64":"%s"}' % (b64, b64),
        '{"token":{"expires_at":"2026-12-03T14:00:00.000000Z"}}',
        '{"credential":{"access":"AK","secret":"SK","securitytoken":"ST",'
        '"expires_at":"2026-12-03T14:00:00Z"}}',
        '{"a":{"b":{"c":{"d":1.5e3}}},"arr":[1,2,{"x":null}],"t":true}',
    ]
    for b in bodies:
        add("fuzz_provider", b"\0" + b.encode())
    add("fuzz_provider", b"\1" + b"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>s&amp;k</SecretAccessKey>
<SessionToken>tok</SessionToken><Expiration>2026-12-03T14:00:00Z</Expiration></Credentials>
</AssumeRoleResult></AssumeRoleResponse>""")
    add("fuzz_provider", b"\1<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message>"
        b"</Error></ErrorResponse>")
    add("fuzz_provider", b"\2" + b'{"Code":"Success","AccessKeyId":"ASIA","SecretAccessKey":"sk",'
        b'"Token":"tok","Expiration":"2026-12-03T14:00:00Z"}')
    add("fuzz_provider", b"\2" + b' {"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"sk",'
        b'"SessionToken":"tok","Expiration":"2026-12-03T14:00:00+00:00"}')
    add("fuzz_provider", b"\3AKIA\nsecret\ntoken")
    add("fuzz_provider", b"\3AKIA\nsecret\n")
    pats = [(4, rb"https?://[A-Za-z0-9.:\[\]-]+/v1/[^\s\"'<>]+"),
            (5, rb"arn:aws[a-z-]*:kms:[^\s\"'<>,]+"),
            (6, rb"https://[A-Za-z0-9.-]+\.vault\.azure\.[a-z.]+[^\s\"'<>]*")]
    for _, data in files():
        for sel, rx in pats:
            for m in set(re.findall(rx, data)):
                add("fuzz_provider", bytes([sel]) + m)
    for sel, v in ((4, b"https://vault.example.org:8200/v1/sops/keys/firstkey"),
                   (4, b"http://127.0.0.1:8200/v1/a/b/c/keys/k"),
                   (5, b"arn:aws:kms:eu-west-1:123:key/abc+arn:aws:iam::123:role/r"),
                   (6, b"https://myvault.vault.azure.net"),
                   (6, b"https://v.vault.usgovcloudapi.net:443")):
        add("fuzz_provider", bytes([sel]) + v)


def main(out):
    corp = {}

    def add(target, data):
        if len(data) > MAX:
            return
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
        corp[target] = corp.get(target, 0) + 1

    ext = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".ini": "ini", ".env": "dotenv"}
    for p, data in files():
        name = os.path.basename(p)
        e = os.path.splitext(name)[1]
        store = ext.get(e)
        if store:
            add("fuzz_" + store, data)
        elif e in (".txt", ".bin", ".plain"):
            add("fuzz_binary", data)
        # round trip: plaintext inputs, first byte = store
        if ".in." in name or name.endswith(".plain") or ".plain." in name:
            idx = {"yaml": 0, "json": 1, "ini": 2, "dotenv": 3}.get(store, 4)
            add("fuzz_roundtrip", bytes([idx]) + data)
        if name in (".sops.yaml",) or "/config/" in p and store == "yaml":
            add("fuzz_config", data)
        text = data.decode("utf-8", "replace")
        # metadata blocks: YAML `sops:` entries de-indented, dotenv sops_ lines
        m = re.search(r"^sops:\n((?:[ \t-].*\n?)*)", text, re.M)
        if m:
            body = "\n".join(l[4:] if l.startswith("    ") else l for l in m.group(1).splitlines())
            add("fuzz_meta", b"\0" + body.encode())
        env = [l[5:] for l in text.splitlines() if l.startswith("sops_")]
        if env:
            add("fuzz_meta", b"\1" + "\n".join(env).encode())
        for enc in set(re.findall(r"ENC\[[^\]\s]*\]", text)):
            add("fuzz_enc_value", b"\n" + enc.encode())
        for blk in re.findall(r"-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----",
                              text.replace("\\n", "\n"), re.S):
            armored = "\n".join(l.strip() for l in blk.splitlines()) + "\n"
            add("fuzz_age_armor", armored.encode())
            add("fuzz_age_header", armored.encode())
            try:
                add("fuzz_age_header", base64.b64decode("".join(armored.splitlines()[1:-1])))
            except ValueError:
                pass
        for k in set(re.findall(r"(?:age1|AGE-SECRET-KEY-1)[0-9A-Za-z]{20,}", text)):
            add("fuzz_bech32", k.encode())
        for k in re.findall(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
                            text.replace("\\n", "\n"), re.S):
            add("fuzz_age_keys", b"\0" + k.encode() + b"\n")
        for k in set(re.findall(r"ssh-(?:ed25519|rsa) [A-Za-z0-9+/=]+", text)):
            add("fuzz_age_keys", b"\1" + k.encode())
        if "AGE-SECRET-KEY-1" in text and len(data) < 4096:
            add("fuzz_age_keys", b"\2" + data)
        for kind, rx in enumerate(("encrypted_regex", "unencrypted_regex",
                                   "encrypted_comment_regex", "unencrypted_comment_regex")):
            for v in set(re.findall(rx + r"['\"]?\s*[:=]\s*['\"]?([^'\"\n]+)", text)):
                add("fuzz_regex", bytes([kind]) + v.encode() + b"\npassword:db:user")
        for v in set(re.findall(r"path_regex:\s*['\"]?([^'\"\n]+)", text)):
            add("fuzz_regex", b"\0" + v.encode() + b"\nconfig:secrets.yaml")
    # the value cipher's known-answer vector (key 32 x 'f', AAD "bar:")
    vec = os.path.join(SHARED, "sops", "derived", "aes_cipher_test_vector.txt")
    if os.path.exists(vec):
        for l in open(vec):
            if l.startswith("ENC["):
                add("fuzz_enc_value", b"bar:\n" + l.strip().encode())
    # patterns from the regex unit test
    t = os.path.join(ROOT, "tests", "unit", "test_go_regex.c")
    if os.path.exists(t):
        for i, pat in enumerate(set(re.findall(r'"((?:[^"\\]|\\.)*)"', open(t).read()))):
            add("fuzz_regex", bytes([i & 3]) + pat.encode().decode("unicode_escape", "replace")
                .encode("utf-8", "replace") + b"\nabc:x_unencrypted:123")
    provider_seeds(add)
    for t in ("fuzz_yaml", "fuzz_json", "fuzz_ini", "fuzz_dotenv", "fuzz_binary", "fuzz_meta",
              "fuzz_config", "fuzz_enc_value", "fuzz_age_header", "fuzz_age_armor",
              "fuzz_age_keys", "fuzz_bech32", "fuzz_regex", "fuzz_roundtrip", "fuzz_provider"):
        if t not in corp:
            add(t, b"")
    print("seeds: " + ", ".join("%s %d" % (k[5:], v) for k, v in sorted(corp.items())))


if __name__ == "__main__":
    main(sys.argv[1])
