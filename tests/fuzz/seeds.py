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
    for t in ("fuzz_yaml", "fuzz_json", "fuzz_ini", "fuzz_dotenv", "fuzz_binary", "fuzz_meta",
              "fuzz_config", "fuzz_enc_value", "fuzz_age_header", "fuzz_age_armor",
              "fuzz_age_keys", "fuzz_bech32", "fuzz_regex", "fuzz_roundtrip"):
        if t not in corp:
            add(t, b"")
    print("seeds: " + ", ".join("%s %d" % (k[5:], v) for k, v in sorted(corp.items())))


if __name__ == "__main__":
    main(sys.argv[1])
