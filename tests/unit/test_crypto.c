/* test_crypto.c - base64, SHA-2, the sops value cipher and Shamir sharing,
 * checked against RFC vectors, Go's error offsets and the real sops fixtures
 * in ../shared/interop/sops. */
#include "check.h"
#include "../../crypto/aes_value.h"
#include "../../crypto/b64.h"
#include "../../crypto/hash.h"
#include "../../common/secure_mem.h"
#include "../../crypto/shamir.h"

#include <jansson.h>
#include <stdint.h>

/* ---- helpers ---- */

/* Compare a sops_err message (printed truncated: the buffer is large). */
#define CHECK_MSG(e, want) CHECKF(strcmp((e).msg, (want)) == 0, \
				  "expected \"%s\", got \"%.300s\"", (want), (e).msg)

static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static char *shared_file(const char *rel, size_t *len)
{
	char path[512];
	const char *sh = check_shared_dir();

	if (sh == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/interop/sops/%s", sh, rel);
	return check_read_file(path, len);
}

/* ---- base64 ---- */

static void test_b64_rfc4648(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const std[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					   "Zm9vYmFy" };
	static const char *const raw[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };

	for (int i = 0; i < 7; i++) {
		struct buf e = BUF_INIT, r = BUF_INIT, d = BUF_INIT;
		size_t n = strlen(plain[i]);

		CHECK(b64_encode(B64_STD, (const uint8_t *)plain[i], n, &e) == 0);
		CHECK_MEM(e.data ? (char *)e.data : "", e.len, std[i], strlen(std[i]));
		CHECK(b64_encoded_len(B64_STD, n) == strlen(std[i]));
		CHECK(b64_encode(B64_RAW, (const uint8_t *)plain[i], n, &r) == 0);
		CHECK_MEM(r.data ? (char *)r.data : "", r.len, raw[i], strlen(raw[i]));
		CHECK(b64_encoded_len(B64_RAW, n) == strlen(raw[i]));
		CHECK(b64_decode(B64_STD, std[i], strlen(std[i]), &d) == 0);
		CHECK_MEM(d.data ? (char *)d.data : "", d.len, plain[i], n);
		buf_truncate(&d, 0);
		CHECK(b64_decode(B64_RAW, raw[i], strlen(raw[i]), &d) == 0);
		CHECK_MEM(d.data ? (char *)d.data : "", d.len, plain[i], n);
		buf_truncate(&d, 0);
		CHECK(b64_decode(B64_STD_STRICT, std[i], strlen(std[i]), &d) == 0);
		CHECK_MEM(d.data ? (char *)d.data : "", d.len, plain[i], n);
		buf_free(&e);
		buf_free(&r);
		buf_free(&d);
	}
}

static void test_b64_url(void)
{
	static const uint8_t in[] = { 0xfb, 0xff, 0xfe, 0x3e };
	struct buf e = BUF_INIT, s = BUF_INIT, d = BUF_INIT;

	CHECK(b64_encode(B64_URL_RAW, in, sizeof(in), &e) == 0);
	CHECK_STR((char *)e.data, "-__-Pg");
	CHECK(b64_encode(B64_STD, in, sizeof(in), &s) == 0);
	CHECK_STR((char *)s.data, "+//+Pg==");
	CHECK(b64_decode(B64_URL_RAW, "-__-Pg", 6, &d) == 0);
	CHECK_MEM(d.data, d.len, in, sizeof(in));
	CHECK(b64_decode(B64_URL_RAW, "+//+Pg", 6, &d) == -1);
	CHECK(d.len == sizeof(in));   /* failed decode leaves out unchanged */
	buf_free(&e);
	buf_free(&s);
	buf_free(&d);
}

/* Error offsets as Go's CorruptInputError reports them. */
static void test_b64_errors(void)
{
	static const struct { enum b64_variant v; const char *in; int ok; size_t bad;
			      const char *out; } t[] = {
		{ B64_STD, "Zg", 0, 0, NULL },
		{ B64_STD, "Zg=", 0, 3, NULL },
		{ B64_STD, "Zg==x", 0, 4, NULL },
		{ B64_STD, "Z===", 0, 1, NULL },
		{ B64_STD, "=", 0, 0, NULL },
		{ B64_STD, "Zm9v!", 0, 4, NULL },
		{ B64_STD, "Zm8=Zm8=", 0, 4, NULL },
		{ B64_STD, "Zg=x", 0, 2, NULL },
		{ B64_STD, "Zm9vY", 0, 4, NULL },
		{ B64_STD, "Zh==", 1, 0, "f" },              /* Go's StdEncoding is not strict */
		{ B64_STD, "Zm9v\nYmFy\r\n", 1, 0, "foobar" },
		{ B64_STD, "Zg=\n=", 1, 0, "f" },
		{ B64_STD_STRICT, "Zh==", 0, 2, NULL },
		{ B64_STD_STRICT, "Zm9=", 0, 3, NULL },
		{ B64_RAW, "Zg", 1, 0, "f" },
		{ B64_RAW, "Zh", 0, 0, NULL },
		{ B64_RAW, "Zm9", 0, 2, NULL },
		{ B64_RAW, "Zg==", 0, 2, NULL },
		{ B64_RAW, "Z", 0, 0, NULL },
		{ B64_RAW, "Zm9v\nYmFy", 0, 4, NULL },
		{ B64_RAW, "Zm9vYm\r", 0, 6, NULL },
		{ B64_URL_RAW, "Zm9v\nYg", 1, 0, "foob" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf d = BUF_INIT;
		size_t bad = 999;
		int rc = b64_decode_pos(t[i].v, t[i].in, strlen(t[i].in), &d, &bad);

		CHECKF((rc == 0) == t[i].ok, "case %zu rc %d", i, rc);
		if (t[i].ok)
			CHECK_MEM(d.data, d.len, t[i].out, strlen(t[i].out));
		else
			CHECKF(bad == t[i].bad && d.len == 0, "case %zu: bad %zu want %zu", i, bad,
			       t[i].bad);
		buf_free(&d);
	}
}

static void test_b64_roundtrip(void)
{
	uint8_t in[100];
	enum b64_variant vs[] = { B64_STD, B64_RAW, B64_URL_RAW, B64_STD_STRICT };

	for (size_t n = 0; n <= sizeof(in); n++) {
		CHECK(crypto_random(in, n) == 0);
		for (int k = 0; k < 4; k++) {
			struct buf e = BUF_INIT, d = BUF_INIT_SECURE;

			CHECK(b64_encode(vs[k], in, n, &e) == 0);
			CHECK(e.len == b64_encoded_len(vs[k], n));
			CHECK(b64_decode(vs[k], e.data ? (char *)e.data : "", e.len, &d) == 0);
			CHECK_MEM(d.data, d.len, in, n);
			buf_free(&e);
			buf_free(&d);
		}
	}
}

/* ---- hashes ---- */

static void test_hashes(void)
{
	uint8_t d[64];
	char hex[129];
	struct sha512_ctx *c;
	static const char abc512[] =
		"DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A"
		"2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F";
	static const char empty512[] =
		"CF83E1357EEFB8BDF1542850D66D8007D620E4050B5715DC83F4A921D36CE9CE"
		"47D0D13C5D85F2B0FF8318D2877EEC2F63B931BD47417A81A538327AF927DA3E";

	c = sha512_new();
	CHECK(c != NULL);
	CHECK(sha512_update(c, "a", 1) == 0 && sha512_update(c, "", 0) == 0 &&
	      sha512_update(c, "bc", 2) == 0);
	CHECK(sha512_final(c, d) == 0);
	hex_upper(d, 64, hex);
	CHECK_STR(hex, abc512);
	c = sha512_new();
	CHECK(sha512_final(c, d) == 0);
	hex_upper(d, 64, hex);
	CHECK_STR(hex, empty512);
	c = sha512_new();
	sha512_update(c, "x", 1);
	sha512_abort(c);
	sha512_abort(NULL);
	CHECK(sha256("abc", 3, d) == 0);
	hex_upper(d, 32, hex);
	CHECK_STR(hex, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
	hex_upper((const uint8_t *)"\x00\x0f\xa0\xff", 4, hex);
	CHECK_STR(hex, "000FA0FF");
}

/* ---- the value cipher ---- */

#define KAT "ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=," \
	    "tag:t5z2Z023Up0kxwCgw1gNxg==,type:str]"
#define AUTH_FAIL "Could not decrypt with AES_GCM: cipher: message authentication failed"

static const uint8_t kat_key[32] = "ffffffffffffffffffffffffffffffff";

static int dec(const char *s, const char *aad, struct buf *plain, char type[16],
	       struct sops_err *err)
{
	uint8_t iv[64];
	size_t ivl = 0;

	buf_truncate(plain, 0);
	return enc_decrypt(kat_key, s, strlen(s), aad, strlen(aad), plain, type, iv, &ivl, err);
}

static void test_aes_known_answer(void)
{
	struct buf plain = BUF_INIT_SECURE, out = BUF_INIT;
	struct sops_err err;
	char type[16];
	uint8_t iv[64];
	size_t ivl = 0;
	size_t flen;
	char *file = shared_file("derived/aes_cipher_test_vector.txt", &flen);

	if (file != NULL) {   /* the constant above must be the one in the file */
		CHECK(strstr(file, KAT "\n") != NULL);
		free(file);
	}
	CHECK(enc_decrypt(kat_key, KAT, strlen(KAT), "bar:", 4, &plain, type, iv, &ivl, &err) == 0);
	CHECK_MEM(plain.data, plain.len, "foo", 3);
	CHECK_STR(type, "str");
	CHECK(ivl == 32);
	CHECK(enc_encrypt(kat_key, plain.data, plain.len, "bar:", 4, "str", iv, ivl, &out,
			  &err) == 0);
	CHECK_STR((char *)out.data, KAT);
	CHECK(dec(KAT, "", &plain, type, &err) == -1);
	CHECK_MSG(err, AUTH_FAIL);
	CHECK(err.code == EX_DECRYPT_VALUE);
	CHECK(plain.len == 0);
	buf_free(&plain);
	buf_free(&out);
	if (file == NULL)
		SKIP("../shared missing: checked the built-in copy of the vector only");
}

static void test_aes_tamper(void)
{
	static const char *const variants[] = {
		/* one character flipped in data, iv, tag */
		"ENC[AES256_GCM,data:oYyj,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=,"
		"tag:t5z2Z023Up0kxwCgw1gNxg==,type:str]",
		"ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV9o=,"
		"tag:t5z2Z023Up0kxwCgw1gNxg==,type:str]",
		"ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=,"
		"tag:t5z2Z023Up0kxwCgw1gNxw==,type:str]",
		/* short tag: Go splits data||tag, still an authentication failure */
		"ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=,"
		"tag:t5z2,type:str]",
	};
	struct buf plain = BUF_INIT_SECURE;
	struct sops_err err;
	char type[16];

	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		CHECKF(dec(variants[i], "bar:", &plain, type, &err) == -1, "variant %zu", i);
		CHECK_MSG(err, AUTH_FAIL);
		CHECK(plain.len == 0);
	}
	/* Go's StdEncoding ignores the unused low bits of the last symbol:
	 * 'o' -> 'p' changes no IV byte, so this still decrypts (as in sops) */
	CHECK(dec("ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8p=,"
		  "tag:t5z2Z023Up0kxwCgw1gNxg==,type:str]", "bar:", &plain, type, &err) == 0);
	CHECK_MEM(plain.data, plain.len, "foo", 3);
	/* the type is not authenticated: sops decrypts, then rejects unknown types */
	CHECK(dec("ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=,"
		  "tag:t5z2Z023Up0kxwCgw1gNxg==,type:int]", "bar:", &plain, type, &err) == 0);
	CHECK_STR(type, "int");
	CHECK(dec("ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=,"
		  "tag:t5z2Z023Up0kxwCgw1gNxg==,type:string]", "bar:", &plain, type, &err) == -1);
	CHECK_MSG(err, "Unknown datatype: string");
	CHECK(plain.len == 0);
	/* trailing text after the ']' is ignored (regex not anchored at the end) */
	CHECK(dec(KAT " # trailing", "bar:", &plain, type, &err) == 0);
	CHECK_MEM(plain.data, plain.len, "foo", 3);
	buf_free(&plain);
}

static void test_aes_format_errors(void)
{
	static const struct { const char *in; const char *msg; } t[] = {
		{ "foo", "Input string <redacted, 3 bytes> does not match sops' data format" },
		{ "ENC[AES256_GCM,data:,iv:a,tag:b,type:str]",
		  "Input string <redacted, 41 bytes> does not match sops' data format" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:]",
		  "Input string <redacted, 39 bytes> does not match sops' data format" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:str",
		  "Input string <redacted, 41 bytes> does not match sops' data format" },
		{ "ENC[AES256_GCM,data:a\n,iv:b,tag:c,type:str]",
		  "Input string <redacted, 43 bytes> does not match sops' data format" },
		{ "enc[AES256_GCM,data:a,iv:b,tag:c,type:str]",
		  "Input string <redacted, 42 bytes> does not match sops' data format" },
		{ "ENC[AES256_GCM,data:a,tag:c,iv:b,type:str]",
		  "Input string <redacted, 42 bytes> does not match sops' data format" },
		{ "ENC[AES256_GCM,data:a!,iv:b,tag:c,type:str]",
		  "Error base64-decoding data: illegal base64 data at input byte 1" },
		{ "ENC[AES256_GCM,data:Zm9v,iv:Zm9,tag:c,type:str]",
		  "Error base64-decoding iv: illegal base64 data at input byte 0" },
		{ "ENC[AES256_GCM,data:Zm9v,iv:Zm9v,tag:Zg==Zg==,type:str]",
		  "Error base64-decoding tag: illegal base64 data at input byte 4" },
	};
	struct buf plain = BUF_INIT_SECURE;
	struct sops_err err;
	char type[16];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err.code = 0;
		CHECK(dec(t[i].in, "bar:", &plain, type, &err) == -1);
		CHECK_MSG(err, t[i].msg);
		CHECK(err.code == EX_DECRYPT_VALUE);
	}
	CHECK(enc_looks_like("ENC[AES256_GCM,x", 16));
	CHECK(!enc_looks_like("ENC[AES256_GCM", 14));
	CHECK(!enc_looks_like("ENC[AES128_GCM,", 15));
	buf_free(&plain);
}

/* The greedy regex groups: each ends at the last separator that still
 * leaves a match for the rest. */
static void test_enc_parse_greedy(void)
{
	static const struct { const char *in; const char *d, *iv, *tag, *type; } t[] = {
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]", "a", "b", "c", "str" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]xyz", "a", "b", "c", "str" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]x]", "a", "b", "c", "str]x" },
		{ "ENC[AES256_GCM,data:a,iv:b,iv:c,tag:d,type:e]", "a,iv:b", "c", "d", "e" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,tag:d,type:e]", "a", "b,tag:c", "d", "e" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:d,type:e]", "a", "b", "c,type:d", "e" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:d]\n,iv:x,tag:y,type:z]", "a", "b", "c",
		  "d" },
		{ "ENC[AES256_GCM,data:a,iv:,iv:b,tag:c,type:d]", "a,iv:", "b", "c", "d" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:,type:]]", "a", "b", "c,type:", "]" },
		{ "ENC[AES256_GCM,data:a,iv:b,tag:c,type:d,iv:e,tag:f,type:g]", "a,iv:b,tag:c,type:d",
		  "e", "f", "g" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct enc_parts p;
		struct sops_err err;

		CHECKF(enc_parse(t[i].in, strlen(t[i].in), &p, &err) == 0, "case %zu", i);
		CHECK_MEM(p.data_b64, p.data_len, t[i].d, strlen(t[i].d));
		CHECK_MEM(p.iv_b64, p.iv_len, t[i].iv, strlen(t[i].iv));
		CHECK_MEM(p.tag_b64, p.tag_len, t[i].tag, strlen(t[i].tag));
		CHECK_MEM(p.type, p.type_len, t[i].type, strlen(t[i].type));
	}
}

static void test_aes_roundtrip_random(void)
{
	uint8_t key[32], iv[32], iv2[64], pt[300];
	struct buf enc = BUF_INIT, plain = BUF_INIT_SECURE;
	struct sops_err err;
	char type[16];
	size_t ivl;

	for (size_t n = 1; n < sizeof(pt); n += 37) {
		CHECK(crypto_random(key, 32) == 0 && crypto_random(iv, 32) == 0 &&
		      crypto_random(pt, n) == 0);
		buf_truncate(&enc, 0);
		buf_truncate(&plain, 0);
		CHECK(enc_encrypt(key, pt, n, "a:b:", 4, "comment", iv, 32, &enc, &err) == 0);
		CHECK(enc.len == 20 + b64_encoded_len(B64_STD, n) + 4 + 44 + 5 + 24 + 6 + 7 + 1);
		CHECK(enc_decrypt(key, (char *)enc.data, enc.len, "a:b:", 4, &plain, type, iv2,
				  &ivl, &err) == 0);
		CHECK_MEM(plain.data, plain.len, pt, n);
		CHECK_STR(type, "comment");
		CHECK(ivl == 32 && memcmp(iv, iv2, 32) == 0);
		buf_truncate(&plain, 0);
		CHECK(enc_decrypt(key, (char *)enc.data, enc.len, "a:c:", 4, &plain, type, iv2,
				  &ivl, &err) == -1);
		CHECK_MSG(err, AUTH_FAIL);
	}
	/* other IV lengths work too (sops accepts any length on decryption) */
	buf_truncate(&enc, 0);
	buf_truncate(&plain, 0);
	CHECK(enc_encrypt(key, pt, 10, "", 0, "str", iv, 12, &enc, &err) == 0);
	CHECK(enc_decrypt(key, (char *)enc.data, enc.len, "", 0, &plain, type, iv2, &ivl,
			  &err) == 0);
	CHECK(ivl == 12 && plain.len == 10 && memcmp(plain.data, pt, 10) == 0);
	buf_free(&enc);
	buf_free(&plain);
}

/* ---- real fixtures: every ENC string decrypts to the expected leaf ---- */

struct cand {
	const char *aad, *type, *plain;
	int used;
};

/* Candidates from leaves.json: encrypted leaves and comments. */
static size_t load_cands(json_t *fx, struct cand *c, size_t cap)
{
	size_t n = 0, i;
	json_t *e;

	json_array_foreach(json_object_get(fx, "leaves_in_mac_order"), i, e) {
		const char *type = json_string_value(json_array_get(e, 1));
		const char *plain = json_string_value(json_array_get(e, 2));

		if (n < cap && strcmp(type, "plain") != 0 && plain != NULL && plain[0] != '\0')
			c[n++] = (struct cand){ json_string_value(json_array_get(e, 0)), type, plain, 0 };
	}
	json_array_foreach(json_object_get(fx, "comments"), i, e)
		if (n < cap)
			c[n++] = (struct cand){ json_string_value(json_array_get(e, 0)), "comment",
						json_string_value(json_array_get(e, 1)), 0 };
	return n;
}

/* Decrypt one ENC string with the first unused candidate it matches, and
 * check that re-encrypting with its IV reproduces the string. */
static int match_one(const uint8_t *key, const char *s, size_t n, struct cand *c, size_t nc)
{
	for (size_t k = 0; k < nc; k++) {
		struct buf plain = BUF_INIT_SECURE, again = BUF_INIT;
		struct sops_err err;
		char type[16];
		uint8_t iv[64];
		size_t ivl;
		int ok;

		if (c[k].used || enc_decrypt(key, s, n, c[k].aad, strlen(c[k].aad), &plain, type,
					     iv, &ivl, &err) != 0)
			continue;
		ok = strcmp(type, c[k].type) == 0 && plain.len == strlen(c[k].plain) &&
		     memcmp(plain.data, c[k].plain, plain.len) == 0 &&
		     enc_encrypt(key, plain.data, plain.len, c[k].aad, strlen(c[k].aad), type, iv,
				 ivl, &again, &err) == 0 &&
		     again.len == n && memcmp(again.data, s, n) == 0;
		buf_free(&plain);
		buf_free(&again);
		if (ok) {
			c[k].used = 1;
			return 0;
		}
	}
	return -1;
}

static void check_fixture(json_t *leaves, const char *name, const char *meta_marker,
			  int *nchecked)
{
	struct cand c[64];
	json_t *fx = json_object_get(leaves, name);
	char *text = shared_file(name, NULL), *end, *p;
	uint8_t key[32];
	size_t nc, found = 0;

	CHECKF(fx != NULL && text != NULL, "fixture %s missing", name);
	CHECK(unhex(json_string_value(json_object_get(fx, "data_key_hex")), 32, key) == 0);
	nc = load_cands(fx, c, 64);
	end = strstr(text, meta_marker);
	CHECK(end != NULL);
	for (p = text; (p = strstr(p, "ENC[")) != NULL && p < end; p++) {
		size_t n = (size_t)(strchr(p, ']') - p) + 1;

		CHECKF(match_one(key, p, n, c, nc) == 0, "%s: ENC #%zu matches no leaf", name,
		       found);
		found++;
	}
	CHECKF(found == nc, "%s: %zu ENC strings, %zu expected", name, found, nc);
	*nchecked += (int)found;
	free(text);
}

static void test_aes_fixtures(void)
{
	char *lj = shared_file("expected/leaves.json", NULL);
	json_t *leaves;
	int n = 0;

	if (lj == NULL)
		SKIP("../shared/interop/sops missing");
	leaves = json_loads(lj, 0, NULL);
	free(lj);
	CHECK(leaves != NULL);
	check_fixture(leaves, "example.yaml", "\nsops:", &n);
	check_fixture(leaves, "functional-tests/res/format.enc.yaml", "\nsops:", &n);
	check_fixture(leaves, "functional-tests/res/comments.enc.yaml", "\nsops:", &n);
	check_fixture(leaves, "example.json", "\"sops\":", &n);
	check_fixture(leaves, "synthetic/types_age.json", "\"sops\":", &n);
	CHECK(n == 16 + 1 + 4 + 11 + 12);
	json_decref(leaves);
}

/* The MAC of example.yaml is encrypted with lastmodified as AAD. */
static void test_aes_fixture_mac(void)
{
	char *text = shared_file("example.yaml", NULL), *mac, *lm;
	uint8_t key[32];
	struct buf plain = BUF_INIT_SECURE;
	struct sops_err err;
	char type[16], aad[64];
	uint8_t iv[64];
	size_t ivl, n;

	if (text == NULL)
		SKIP("../shared/interop/sops missing");
	CHECK(unhex("8c68886c50b5b72965a3cb99c5172e1d74a8aca27b39ee880b535d6907e59f68", 32,
		    key) == 0);
	mac = strstr(text, "mac: ENC[");
	lm = strstr(text, "lastmodified: \"");
	CHECK(mac != NULL && lm != NULL);
	lm += strlen("lastmodified: \"");
	n = (size_t)(strchr(lm, '"') - lm);
	CHECK(n < sizeof(aad));
	memcpy(aad, lm, n);
	aad[n] = '\0';
	CHECK_STR(aad, "2025-08-06T18:55:05Z");
	mac += 5;
	CHECK(enc_decrypt(key, mac, (size_t)(strchr(mac, ']') - mac) + 1, aad, n, &plain, type, iv,
			  &ivl, &err) == 0);
	CHECK_STR(type, "str");
	CHECK(plain.len == 128);
	for (size_t i = 0; i < 128; i++)
		CHECK((plain.data[i] >= '0' && plain.data[i] <= '9') ||
		      (plain.data[i] >= 'A' && plain.data[i] <= 'F'));
	buf_free(&plain);
	free(text);
}

/* ---- Shamir ---- */

static void test_shamir_vector(void)
{
	char *f = shared_file("synthetic/shamir_3groups_t2.datakey.hex", NULL), *line[4];
	uint8_t key[32], sh[3][33], out[32];
	const uint8_t *parts[3];
	struct sops_err err;
	static const int combos[][3] = { { 0, 1, -1 }, { 1, 0, -1 }, { 0, 2, -1 }, { 2, 1, -1 },
					  { 0, 1, 2 }, { 2, 0, 1 } };

	if (f == NULL)
		SKIP("../shared/interop/sops/synthetic missing");
	line[0] = strtok(f, "\n");
	for (int i = 1; i < 4; i++)
		line[i] = strtok(NULL, "\n");
	CHECK(line[3] != NULL && strlen(line[0]) == 64 && strlen(line[1]) == 66);
	CHECK(unhex(line[0], 32, key) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK(unhex(line[i + 1], 33, sh[i]) == 0);
		CHECK(sh[i][32] == i + 1);   /* sops >= 3.10: x = group index + 1 */
	}
	for (size_t c = 0; c < sizeof(combos) / sizeof(combos[0]); c++) {
		size_t n = combos[c][2] < 0 ? 2 : 3;

		for (size_t i = 0; i < n; i++)
			parts[i] = sh[combos[c][i]];
		memset(out, 0, sizeof(out));
		CHECK(shamir_combine(parts, n, 33, out, &err) == 0);
		CHECK_MEM(out, 32, key, 32);
	}
	parts[0] = sh[1];
	CHECK(shamir_combine(parts, 1, 33, out, &err) == -1);
	CHECK_MSG(err, "less than two parts cannot be used to reconstruct the secret");
	parts[1] = sh[1];
	CHECK(shamir_combine(parts, 2, 33, out, &err) == -1);
	CHECK_MSG(err, "duplicate part detected");
	free(f);
}

static void test_shamir_split_combine(void)
{
	uint8_t secret[32], out[32];
	uint8_t *shares[7];
	const uint8_t *parts[7];
	struct sops_err err;

	for (int i = 0; i < 7; i++) {
		shares[i] = sm_alloc(33);
		CHECK(shares[i] != NULL);
	}
	for (int t = 2; t <= 5; t++) {
		for (int round = 0; round < 5; round++) {
			int parts_n = t + round % 3;

			CHECK(crypto_random(secret, sizeof(secret)) == 0);
			CHECK(shamir_split(secret, 32, parts_n, t, shares, &err) == 0);
			for (int i = 0; i < parts_n; i++)
				CHECK(shares[i][32] == i + 1);
			/* any t shares (a rotating window) give the secret */
			for (int start = 0; start < parts_n; start++) {
				for (int i = 0; i < t; i++)
					parts[i] = shares[(start + i) % parts_n];
				CHECK(shamir_combine(parts, (size_t)t, 33, out, &err) == 0);
				CHECK_MEM(out, 32, secret, 32);
			}
			/* all shares also work */
			for (int i = 0; i < parts_n; i++)
				parts[i] = shares[i];
			CHECK(shamir_combine(parts, (size_t)parts_n, 33, out, &err) == 0);
			CHECK_MEM(out, 32, secret, 32);
			/* t-1 shares give something else (t >= 3; 2 shares always "combine") */
			if (t >= 3) {
				CHECK(shamir_combine(parts, (size_t)t - 1, 33, out, &err) == 0);
				CHECK(memcmp(out, secret, 32) != 0);
			}
		}
	}
	CHECK(shamir_split(secret, 32, 1, 2, shares, &err) == -1);
	CHECK_MSG(err, "parts cannot be less than threshold");
	CHECK(shamir_split(secret, 32, 3, 1, shares, &err) == -1);
	CHECK_MSG(err, "threshold must be at least 2");
	CHECK(shamir_split(secret, 32, 256, 2, shares, &err) == -1);
	CHECK_MSG(err, "parts cannot exceed 255");
	CHECK(shamir_split(secret, 0, 3, 2, shares, &err) == -1);
	CHECK_MSG(err, "cannot split an empty secret");
	parts[0] = shares[0];
	parts[1] = shares[1];
	CHECK(shamir_combine(parts, 2, 1, out, &err) == -1);
	CHECK_MSG(err, "parts must be at least two bytes");
	for (int i = 0; i < 7; i++)
		sm_free(shares[i]);
}

/* A hand-made share set: f(x) = s + 7x over GF(2^8) at x = 1, 2. */
static void test_shamir_field(void)
{
	/* 7*1 = 7, 7*2 = 14 in GF(2^8); y = s ^ 7x */
	uint8_t a[3] = { 0x42 ^ 0x07, 0x00 ^ 0x07, 1 }, b[3] = { 0x42 ^ 0x0e, 0x00 ^ 0x0e, 2 };
	/* 0x53 * 0xCA = 0x01 under 0x11B (the AES field): f(x) = s + 0xCA x gives
	 * y = s ^ 0x01 at x = 0x53 and y = s ^ 0xCA at x = 1. */
	uint8_t c[2] = { 0x99 ^ 0x01, 0x53 }, d[2] = { 0x99 ^ 0xCA, 0x01 };
	const uint8_t *p[2] = { a, b };
	uint8_t out[2];
	struct sops_err err;

	CHECK(shamir_combine(p, 2, 3, out, &err) == 0);
	CHECK(out[0] == 0x42 && out[1] == 0x00);
	p[0] = c;
	p[1] = d;
	CHECK(shamir_combine(p, 2, 2, out, &err) == 0);
	CHECK(out[0] == 0x99);
}

static void test_random(void)
{
	uint8_t a[64], b[64], z[64];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(z, 0, sizeof(z));
	CHECK(crypto_random(a, sizeof(a)) == 0 && crypto_random(b, sizeof(b)) == 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a + 32, z, 32) != 0);
	CHECK(crypto_random(a, 0) == 0);
}

int main(void)
{
	RUN(test_b64_rfc4648);
	RUN(test_b64_url);
	RUN(test_b64_errors);
	RUN(test_b64_roundtrip);
	RUN(test_hashes);
	RUN(test_aes_known_answer);
	RUN(test_aes_tamper);
	RUN(test_aes_format_errors);
	RUN(test_enc_parse_greedy);
	RUN(test_aes_roundtrip_random);
	RUN(test_aes_fixtures);
	RUN(test_aes_fixture_mac);
	RUN(test_shamir_vector);
	RUN(test_shamir_split_combine);
	RUN(test_shamir_field);
	RUN(test_random);
	return CHECK_DONE();
}
