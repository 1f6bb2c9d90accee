/* test_crypto.c - base64 variants, SHA-2 and the random source, checked
 * against RFC vectors and Go's error offsets. The value cipher is in
 * test_aes.c, Shamir sharing in test_shamir.c. */
#include "crypto_util.h"

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
	RUN(test_random);
	return CHECK_DONE();
}
