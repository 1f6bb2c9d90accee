/* test_age.c - the age format (crypto/age/): bech32, header, armor, STREAM.
 *
 * With arguments it is a tiny CLI for tests/interop/age_cli.sh:
 *   test_age wrap RECIPIENT < key > enc     (provider wrap, prints enc)
 *   test_age unwrap < enc > key             (provider unwrap, identities
 *                                            from the usual sops sources)
 */
#include "age_util.h"

static void test_bech32_vectors(void)
{
	static const char *valid[] = {
		"A12UEL5L", "a12uel5l",
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
		NULL,
	};
	static const char *invalid[] = {
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e2w",
		"s lit1checkupstagehandshakeupstreamerranterredcaperredp8hs2p",
		"split1cheo2y9e2w", "split1a2y9w",
		"1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"spl\x7ft1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "de1lg7wt\xff",
		"A1G7SGD8", "10a06t8", "1qzzfhee", "Split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		NULL,
	};
	const char *why;

	for (int i = 0; valid[i] != NULL; i++) {
		struct buf hrp = BUF_INIT, data = BUF_INIT, enc = BUF_INIT;
		size_t n = strlen(valid[i]);
		char *flipped = strdup(valid[i]);
		char *one = strrchr(flipped, '1');

		CHECKF(age_bech32_decode(valid[i], n, &hrp, &data, &why) == 0, "%.200s: %.200s", valid[i], why);
		CHECK(age_bech32_encode((char *)hrp.data, data.data, data.len, &enc) == 0);
		CHECK_STR((char *)enc.data, valid[i]);
		one[1] ^= 1;
		buf_truncate(&hrp, 0);
		CHECKF(age_bech32_decode(flipped, n, &hrp, &data, &why) != 0, "flipped %.200s", flipped);
		free(flipped);
		buf_free(&hrp);
		buf_free(&data);
		buf_free(&enc);
	}
	for (int i = 0; invalid[i] != NULL; i++) {
		struct buf hrp = BUF_INIT, data = BUF_INIT;

		CHECKF(age_bech32_decode(invalid[i], strlen(invalid[i]), &hrp, &data, &why) != 0,
		       "accepted %.200s", invalid[i]);
	}
}

/* keys.txt comments give the public key of each identity. */
static void test_bech32_keys(void)
{
	NEED_SHARED(path, "interop/sops/_history/7ebee3dc7/age/keys.txt");
	char *text = check_read_file(path, NULL), *line, *save = NULL;
	char pub[128] = "";
	int checked = 0;

	CHECK(text != NULL);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# public key: ", 14) == 0) {
			snprintf(pub, sizeof(pub), "%s", line + 14);
		} else if (strncmp(line, "AGE-SECRET-KEY-1", 16) == 0) {
			struct age_identity *id = x25519_id(line);
			struct buf r = BUF_INIT, s = BUF_INIT_SECURE;

			CHECK(age_x25519_recipient_string(id->pub, &r) == 0);
			CHECK_STR((char *)r.data, pub);
			CHECK(age_x25519_identity_string(id, &s) == 0);
			CHECK_STR((char *)s.data, line);
			age_identity_free(id);
			buf_free(&r);
			buf_free(&s);
			checked++;
		}
	}
	CHECK(checked == 2);
	free(text);
}

/* ---- header, armor, stream -------------------------------------------- */

static void test_header_marshal_64(void)
{
	struct age_header h = { 0 }, back;
	uint8_t body48[48], body32[32];
	const char *args[] = { "test", "a", "b" };
	struct buf out = BUF_INIT, again = BUF_INIT;
	struct sops_err err;
	size_t off;
	const char *want_start = "age-encryption.org/v1\n-> test a b\n";

	memset(body48, 0xAB, sizeof(body48));
	memset(body32, 0x01, sizeof(body32));
	CHECK(age_header_add_stanza(&h, args, 3, body48, sizeof(body48)) == 0);
	CHECK(age_header_add_stanza(&h, args, 1, body32, sizeof(body32)) == 0);
	memset(h.mac, 7, sizeof(h.mac));
	CHECK(age_header_marshal(&h, &out) == 0);
	/* A 48-byte body is one full 64-column line, then an empty line. */
	CHECK(strncmp((char *)out.data, want_start, strlen(want_start)) == 0);
	CHECK(strstr((char *)out.data, "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur\n\n-> test\n") != NULL);
	CHECK(strstr((char *)out.data, "\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\n--- BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc\n") != NULL);
	CHECK(age_header_parse(out.data, out.len, &back, &off, &err) == 0);
	CHECK(off == out.len);
	CHECK(back.nstanzas == 2 && back.stanzas[0].body_len == 48 && back.stanzas[1].body_len == 32);
	CHECK(age_header_marshal(&back, &again) == 0);
	CHECK_MEM(again.data, again.len, out.data, out.len);
	age_header_free(&h);
	age_header_free(&back);
	buf_free(&out);
	buf_free(&again);
}

static void expect_parse_err(const char *text, const char *want)
{
	struct age_header h;
	struct sops_err err;
	size_t off;

	CHECKF(age_header_parse((const uint8_t *)text, strlen(text), &h, &off, &err) != 0,
	       "accepted %.200s", text);
	CHECKF(strstr(err.msg, want) != NULL, "got \"%.200s\", want \"%.200s\"", err.msg, want);
}

static void test_header_parse_errors(void)
{
	const char *mac = "--- BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc\n";
	char t[512];

	expect_parse_err("", "parsing age header: file is empty");
	expect_parse_err("age-encryption.org/v2\n", "unexpected intro: \"age-encryption.org/v2\\n\"");
	snprintf(t, sizeof(t), "age-encryption.org/v1\n->X25519 AAAA\nAAAA\n%s", mac);
	expect_parse_err(t, "malformed stanza: \"->X25519 AAAA\\n\"");
	snprintf(t, sizeof(t), "age-encryption.org/v1\n-> X25519  AAAA\nAAAA\n%s", mac);
	expect_parse_err(t, "malformed stanza");
	snprintf(t, sizeof(t), "age-encryption.org/v1\n-> X25519\nAA=A\n%s", mac);
	expect_parse_err(t, "malformed body line \"AA=A\\n\": illegal base64 data at input byte 2");
	/* a stanza whose last line is full must be followed by a short line */
	snprintf(t, sizeof(t), "age-encryption.org/v1\n-> X\n"
		 "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur\n%s", mac);
	expect_parse_err(t, "stanza ended without a short line");
	expect_parse_err("age-encryption.org/v1\n--- AAAA\n", "malformed closing line");
	expect_parse_err("age-encryption.org/v1\n---\n", "malformed closing line: \"---\\n\"");
	/* non-canonical trailing bits (raw strict) */
	snprintf(t, sizeof(t), "age-encryption.org/v1\n-> X\nAB\n%s", mac);
	expect_parse_err(t, "malformed body line");
	snprintf(t, sizeof(t), "age-encryption.org/v1\n-> X\nAA\n%s", mac);
	{
		struct age_header h;
		struct sops_err err;
		size_t off;

		CHECKF(age_header_parse((const uint8_t *)t, strlen(t), &h, &off, &err) == 0, "%.200s", err.msg);
		CHECK(h.nstanzas == 1 && h.stanzas[0].body_len == 1 && h.stanzas[0].body[0] == 0);
		age_header_free(&h);
	}
}

static void test_armor(void)
{
	uint8_t data[96];
	struct buf a = BUF_INIT, d = BUF_INIT;
	struct sops_err err;
	char t[512];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	/* exactly two full lines: no short line before END */
	CHECK(age_armor_encode(data, 96, &a) == 0);
	CHECK_STR((char *)a.data, "-----BEGIN AGE ENCRYPTED FILE-----\n"
		  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n"
		  "MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f\n"
		  "-----END AGE ENCRYPTED FILE-----\n");
	CHECK(age_armor_decode(a.data, a.len, &d, &err) == 0);
	CHECK_MEM(d.data, d.len, data, 96);
	buf_truncate(&a, 0);
	CHECK(age_armor_encode(data, 50, &a) == 0);
	CHECK(strstr((char *)a.data, "\nMDE=\n-----END AGE ENCRYPTED FILE-----\n") != NULL);
	/* CRLF and surrounding whitespace are accepted */
	snprintf(t, sizeof(t), " \n\n-----BEGIN AGE ENCRYPTED FILE-----\r\nMDE=\r\n"
		 "-----END AGE ENCRYPTED FILE-----\r\n\n  \n");
	buf_truncate(&d, 0);
	CHECKF(age_armor_decode((uint8_t *)t, strlen(t), &d, &err) == 0, "%.200s", err.msg);
	CHECK(d.len == 2 && d.data[0] == '0' && d.data[1] == '1');
	/* strictness */
	snprintf(t, sizeof(t), "-----BEGIN AGE ENCRYPTED FILE-----\nMDE=\n-----END AGE ENCRYPTED FILE-----\nx");
	CHECK(age_armor_decode((uint8_t *)t, strlen(t), &d, &err) != 0);
	CHECK_MSG(err, "invalid armor: trailing data after armored file");
	snprintf(t, sizeof(t), "-----BEGIN AGE ENCRYPTED FILE-----\nMDF=\n-----END AGE ENCRYPTED FILE-----\n");
	CHECK(age_armor_decode((uint8_t *)t, strlen(t), &d, &err) != 0);
	snprintf(t, sizeof(t), "-----BEGIN AGE ENCRYPTED FILE-----\nMDE=\nMDE=\n-----END AGE ENCRYPTED FILE-----\n");
	CHECK(age_armor_decode((uint8_t *)t, strlen(t), &d, &err) != 0);
	CHECK_MSG(err, "invalid armor: invalid closing line: \"MDE=\"");
	snprintf(t, sizeof(t), "-----BEGIN AGE FILE-----\nMDE=\n-----END AGE ENCRYPTED FILE-----\n");
	CHECK(age_armor_decode((uint8_t *)t, strlen(t), &d, &err) != 0);
	CHECK_MSG(err, "invalid armor: invalid first line: \"-----BEGIN AGE FILE-----\"");
	snprintf(t, sizeof(t), "-----BEGIN AGE ENCRYPTED FILE-----\n\nMDE=\n-----END AGE ENCRYPTED FILE-----\n");
	CHECK(age_armor_decode((uint8_t *)t, strlen(t), &d, &err) != 0);
	CHECK_MSG(err, "invalid armor: empty line in armored data");
	buf_free(&a);
	buf_free(&d);
}

static void test_stream_sizes(void)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 131077 };
	uint8_t key[32];
	struct sops_err err;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s], chunks = n == 0 ? 1 : (n + 65535) / 65536;
		uint8_t *pt = malloc(n + 1);
		struct buf ct = BUF_INIT, back = BUF_INIT_SECURE;

		for (size_t i = 0; i < n; i++)
			pt[i] = (uint8_t)(i ^ (i >> 8));
		CHECK(age_stream_seal(key, pt, n, &ct) == 0);
		CHECKF(ct.len == n + 16 * chunks, "size %zu: ct %zu", n, ct.len);
		CHECKF(age_stream_open(key, ct.data, ct.len, &back, &err) == 0, "size %zu: %.200s", n, err.msg);
		CHECK_MEM(back.data, back.len, pt, n);
		/* a truncated stream (last chunk removed) fails */
		if (chunks > 1) {
			buf_truncate(&back, 0);
			CHECK(age_stream_open(key, ct.data, 65536 + 16, &back, &err) != 0);
			CHECK(back.len == 0);
		}
		ct.data[ct.len - 1] ^= 1;
		CHECK(age_stream_open(key, ct.data, ct.len, &back, &err) != 0);
		CHECK_MSG(err, "failed to decrypt and authenticate payload chunk, file may be "
			  "corrupted or tampered with");
		free(pt);
		buf_free(&ct);
		buf_free(&back);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return cli(argc, argv);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_age.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_bech32_vectors);
	RUN(test_bech32_keys);
	RUN(test_header_marshal_64);
	RUN(test_header_parse_errors);
	RUN(test_armor);
	RUN(test_stream_sizes);
	age_identities_forget();
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return CHECK_DONE();
}
