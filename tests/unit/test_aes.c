/* test_aes.c - the sops value cipher (AES-256-GCM, ENC[...] format):
 * known answers, tampering, format errors and the real sops fixtures in
 * ../shared/interop/sops. */
#include "crypto_util.h"
#include "../../crypto/gcm_oneshot.h"

#include <openssl/evp.h>

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

/* A key set up once (enc_key_new, the daemon's per-file path) gives what
 * enc_decrypt gives, value after value: other IV lengths, a failed value
 * (wrong AAD, another key) in between. */
static void test_aes_keyed_matches(void)
{
	static const size_t ivls[] = { 32, 32, 12, 32, 16, 12, 32 };
	uint8_t key[32], other[32], iv[32], iv2[64], pt[200];
	struct buf enc = BUF_INIT, a = BUF_INIT_SECURE, b = BUF_INIT_SECURE;
	struct sops_err err;
	char ta[16], tb[16];
	size_t la = 0, lb = 0;
	struct enc_key *k, *ko;

	CHECK(crypto_random(key, 32) == 0 && crypto_random(other, 32) == 0);
	k = enc_key_new(key);
	ko = enc_key_new(other);
	CHECK(k != NULL && ko != NULL);
	for (size_t i = 0; k != NULL && ko != NULL && i < sizeof(ivls) / sizeof(ivls[0]); i++) {
		size_t n = 1 + i * 29 % (sizeof(pt) - 1);

		CHECK(crypto_random(iv, 32) == 0 && crypto_random(pt, sizeof(pt)) == 0);
		buf_truncate(&enc, 0);
		CHECK(enc_encrypt(key, pt, n, "k:", 2, "str", iv, ivls[i], &enc, &err) == 0);
		buf_truncate(&a, 0);
		buf_truncate(&b, 0);
		CHECK(enc_decrypt(key, (char *)enc.data, enc.len, "k:", 2, &a, ta, iv2, &la,
				  &err) == 0);
		CHECK(enc_decrypt_with(k, (char *)enc.data, enc.len, "k:", 2, &b, tb, iv2, &lb,
				       &err) == 0);
		CHECK_MEM(b.data, b.len, pt, n);
		CHECK_MEM(a.data, a.len, b.data, b.len);
		CHECK_STR(tb, ta);
		CHECK(la == ivls[i] && lb == ivls[i] && memcmp(iv2, iv, lb) == 0);
		/* failures leave the key usable for the next value */
		buf_truncate(&b, 0);
		CHECK(enc_decrypt_with(k, (char *)enc.data, enc.len, "x:", 2, &b, tb, iv2, &lb,
				       &err) == -1);
		CHECK_MSG(err, AUTH_FAIL);
		CHECK(b.len == 0);
		CHECK(enc_decrypt_with(ko, (char *)enc.data, enc.len, "k:", 2, &b, tb, iv2, &lb,
				       &err) == -1);
		CHECK_MSG(err, AUTH_FAIL);
	}
	/* the known answer through a keyed context */
	enc_key_free(k);
	k = enc_key_new(kat_key);
	buf_truncate(&b, 0);
	CHECK(k != NULL && enc_decrypt_with(k, KAT, strlen(KAT), "bar:", 4, &b, tb, iv2, &lb,
					    &err) == 0);
	CHECK_MEM(b.data, b.len, "foo", 3);
	enc_key_free(k);
	enc_key_free(ko);
	enc_key_free(NULL);
	buf_free(&enc);
	buf_free(&a);
	buf_free(&b);
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

/* Reference AES-256-GCM through EVP (what the daemon runs). */
static int evp_seal(const uint8_t *key, const uint8_t *iv, size_t ivl, const uint8_t *aad,
		    size_t al, const uint8_t *pt, size_t n, uint8_t *ct, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len, ok = c != NULL &&
		      EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)ivl, NULL) == 1 &&
		      EVP_EncryptInit_ex(c, NULL, NULL, key, iv) == 1 &&
		      (al == 0 || EVP_EncryptUpdate(c, NULL, &len, aad, (int)al) == 1) &&
		      (n == 0 || EVP_EncryptUpdate(c, ct, &len, pt, (int)n) == 1) &&
		      EVP_EncryptFinal_ex(c, ct + n, &len) == 1 &&
		      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;

	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* The CLI's one-shot GCM gives EVP's bytes for every length of value, IV
 * and AAD, opens what EVP sealed, and refuses (wiping its output) a
 * changed tag, IV or AAD. */
static void test_oneshot_matches_evp(void)
{
	static const size_t ivls[] = { 1, 12, 16, 32, 64 };
	uint8_t key[32], iv[64], aad[40], pt[4200], ct[4216], ref[4216], out[4200];
	uint8_t tag[16], rtag[16];

	for (size_t n = 0; n < sizeof(pt); n = n < 300 ? n + 13 : n + 1900) {
		for (size_t k = 0; k < sizeof(ivls) / sizeof(*ivls); k++) {
			size_t al = (n + k) % 3 == 0 ? 0 : (n + k) % sizeof(aad);

			CHECK(crypto_random(key, 32) == 0 && crypto_random(iv, sizeof(iv)) == 0 &&
			      crypto_random(aad, sizeof(aad)) == 0 &&
			      (n == 0 || crypto_random(pt, n) == 0));
			CHECK(evp_seal(key, iv, ivls[k], aad, al, pt, n, ref, rtag) == 0);
			CHECK(gcm_oneshot_seal(key, iv, ivls[k], (char *)aad, al, pt, n, ct, tag,
					       16) == 0);
			CHECK(memcmp(ct, ref, n) == 0 && memcmp(tag, rtag, 16) == 0);
			CHECK(gcm_oneshot_open(key, iv, ivls[k], (char *)aad, al, ref, n, rtag, 16,
					       out) == 0);
			CHECK(memcmp(out, pt, n) == 0);
			rtag[n % 16] ^= 1;
			memset(out, 0x55, n);
			CHECK(gcm_oneshot_open(key, iv, ivls[k], (char *)aad, al, ref, n, rtag, 16,
					       out) == -1);
			for (size_t i = 0; i < n; i++)
				if (out[i] != 0) {
					CHECK(!"unauthenticated plaintext left in the output");
					break;
				}
			rtag[n % 16] ^= 1;
			iv[0] ^= 0x80;
			CHECK(gcm_oneshot_open(key, iv, ivls[k], (char *)aad, al, ref, n, rtag, 16,
					       out) == -1);
			iv[0] ^= 0x80;
			if (al > 0) {
				aad[0] ^= 1;
				CHECK(gcm_oneshot_open(key, iv, ivls[k], (char *)aad, al, ref, n,
						       rtag, 16, out) == -1);
			}
		}
	}
}

/* The value cipher with one-shot GCM switched on, as the CLI runs it. */
static void test_aes_oneshot_mode(void)
{
	CHECK(!gcm_oneshot_on());
	gcm_oneshot_enable();
	CHECK(gcm_oneshot_on());
	CHECK(enc_key_new(kat_key) == NULL);     /* the CLI's values go one-shot */
	test_aes_known_answer();
	test_aes_tamper();
	test_aes_roundtrip_random();
	test_aes_fixtures();
}

int main(void)
{
	RUN(test_aes_known_answer);
	RUN(test_aes_tamper);
	RUN(test_aes_format_errors);
	RUN(test_enc_parse_greedy);
	RUN(test_aes_roundtrip_random);
	RUN(test_aes_keyed_matches);
	RUN(test_aes_fixtures);
	RUN(test_aes_fixture_mac);
	RUN(test_oneshot_matches_evp);
	RUN(test_aes_oneshot_mode);       /* last: switches the process over */
	return CHECK_DONE();
}
