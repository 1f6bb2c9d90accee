/* test_age.c - the age format (crypto/age_*.c) and the age provider.
 *
 * Without arguments: runs the unit tests. With arguments it is a tiny CLI
 * for tests/interop/age_cli.sh:
 *   test_age wrap RECIPIENT < key > enc     (provider wrap, prints enc)
 *   test_age unwrap < enc > key             (provider unwrap, identities
 *                                            from the usual sops sources)
 */
#include "check.h"
#include "../../crypto/age/age.h"
#include "../../crypto/b64.h"
#include "../../providers/age/age_provider.h"

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

/* providers/registry.c names every provider; this test needs only age. A
 * weak stand-in keeps it linkable whether or not the pgp provider is built
 * (a real definition wins). */
__attribute__((weak)) const struct provider pgp_provider = { .type = "pgp" };

/* ---- helpers ---------------------------------------------------------- */

/* CHECK_STR for an error message (bounded, for -Wformat-truncation). */
#define CHECK_MSG(e, want) CHECKF(strcmp((e).msg, (want)) == 0, \
	"expected \"%.200s\", got \"%.250s\"", (want), (e).msg)

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
	static char p[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
	return p[k];
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECKF(f != NULL, "cannot write %.200s", path);
	CHECK(fwrite(data, 1, n, f) == n);
	fclose(f);
}

static int have_tool(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Run a shell command, capturing stdout into out (heap buf). */
static int run_capture(const char *cmd, struct buf *out)
{
	FILE *p = popen(cmd, "r");
	char tmp[4096];
	size_t r;

	if (p == NULL)
		return -1;
	while ((r = fread(tmp, 1, sizeof(tmp), p)) > 0)
		buf_add(out, tmp, r);
	return pclose(p) == 0 ? 0 : -1;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

static const char *shared_sub(const char *sub)
{
	static char p[4][512];
	static int k;
	const char *dir = check_shared_dir();

	if (dir == NULL)
		return NULL;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, sub);
	return p[k];
}

#define NEED_SHARED(var, sub) \
	const char *var = shared_sub(sub); \
	if (var == NULL) SKIP("../shared not found (set SOPSFS_SHARED)")

/* A "== name" section of derived/age_keysource_test_vectors.txt, with its
 * trailing blank lines cut and one final newline. */
static char *vector(const char *all, const char *name)
{
	char head[128];
	const char *p, *end;
	char *out;

	snprintf(head, sizeof(head), "\n== %s\n", name);
	p = strstr(all, head);
	if (p == NULL)
		return NULL;
	p += strlen(head);
	end = strstr(p, "\n== ");
	if (end == NULL)
		end = p + strlen(p);
	while (end > p && end[-1] == '\n')
		end--;
	out = malloc((size_t)(end - p) + 2);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\n';
	out[end - p + 1] = '\0';
	return out;
}

/* Every armored `enc: |` block of a YAML file, de-indented. */
static size_t yaml_encs(const char *yaml, char **encs, size_t max)
{
	const char *p = yaml;
	size_t n = 0;

	while (n < max && (p = strstr(p, "-----BEGIN AGE ENCRYPTED FILE-----")) != NULL) {
		const char *ls = p, *e;
		size_t indent;
		struct buf b = BUF_INIT;

		while (ls > yaml && ls[-1] != '\n')
			ls--;
		indent = (size_t)(p - ls);
		e = strstr(p, "-----END AGE ENCRYPTED FILE-----");
		if (e == NULL)
			break;
		e += strlen("-----END AGE ENCRYPTED FILE-----");
		for (const char *l = p; l < e;) {
			const char *nl = strchr(l, '\n');

			buf_add(&b, l, (size_t)(nl - l));
			buf_addc(&b, '\n');
			l = nl + 1;
			if (l < e)
				l += indent;
		}
		encs[n++] = (char *)buf_steal(&b, NULL);
		p = e;
	}
	return n;
}

/* The text after "| " on the report lines of a sops .err.txt, joined. */
static void err_reason(const char *errtxt, struct buf *out)
{
	const char *p = errtxt;

	while ((p = strstr(p, "| ")) != NULL) {
		const char *nl = strchr(p, '\n');

		if (out->len > 0)
			buf_addc(out, ' ');
		buf_add(out, p + 2, nl ? (size_t)(nl - p - 2) : strlen(p + 2));
		if (nl == NULL)
			break;
		p = nl;
	}
}

static struct age_identity *x25519_id(const char *s)
{
	struct age_identity *id = NULL;
	struct sops_err err;

	CHECKF(age_x25519_identity_parse(s, strlen(s), &id, &err) == 0, "%.200s", err.msg);
	return id;
}

static const char *env_vars[] = {
	"SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_CMD", "SOPS_AGE_KEY",
	"SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "XDG_CONFIG_HOME", "SOPS_AGE_RECIPIENT", NULL,
};

/* A clean identity environment with HOME = home. */
static void reset_env(const char *home)
{
	for (int i = 0; env_vars[i] != NULL; i++)
		unsetenv(env_vars[i]);
	setenv("HOME", home, 1);
	age_identities_forget();
}

static int unwrap_enc(const char *enc, const char *recipient, struct buf *out, struct sops_err *err)
{
	struct master_key mk = { .type = "age", .nfields = 2 };

	mk.fields[0] = (struct mk_field){ "enc", enc, strlen(enc) };
	mk.fields[1] = (struct mk_field){ "recipient", recipient, strlen(recipient) };
	buf_truncate(out, 0);
	return age_provider.unwrap(&mk, out, err);
}

/* provider wrap then return the enc (heap). */
static char *wrap_enc(const char *recipient, const uint8_t *key, size_t n)
{
	struct mk_new mk = { 0 };
	struct sops_err err;
	char *enc;

	CHECKF(age_provider.wrap(recipient, key, n, &mk, &err) == 0, "wrap: %.200s", err.msg);
	CHECK(mk.nfields == 2);
	CHECK_STR(mk.type, "age");
	CHECK_STR(mk.names[0], "enc");
	CHECK_STR(mk.names[1], "recipient");
	enc = strdup(mk.values[0]);
	mk_new_free(&mk);
	return enc;
}

/* ---- bech32 ----------------------------------------------------------- */

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

/* ---- decryption of real vectors --------------------------------------- */

static void test_keysource_vectors(void)
{
	NEED_SHARED(path, "interop/sops/derived/age_keysource_test_vectors.txt");
	char *all = check_read_file(path, NULL);
	char *ident, *enc, *ssh_id, *ssh_enc, *ssh_rcpt, *rcpt;
	struct age_identity *id, *sid = NULL, *ids[2];
	struct age_recipient r;
	struct buf out = BUF_INIT_SECURE, rs = BUF_INIT;
	enum age_decrypt_stage stage;
	struct sops_err err;
	int enc_flag;

	CHECK(all != NULL);
	ident = vector(all, "mockIdentity");
	enc = vector(all, "mockEncryptedKey");
	ssh_id = vector(all, "mockSshIdentity");
	ssh_enc = vector(all, "mockEncryptedSshKey");
	ssh_rcpt = vector(all, "mockSshRecipient");
	rcpt = vector(all, "mockRecipient");
	CHECK(ident && enc && ssh_id && ssh_enc && ssh_rcpt && rcpt);
	ident[strlen(ident) - 1] = '\0';
	ssh_rcpt[strlen(ssh_rcpt) - 1] = '\0';
	rcpt[strlen(rcpt) - 1] = '\0';
	id = x25519_id(ident);
	CHECK(age_x25519_recipient_string(id->pub, &rs) == 0);
	CHECK_STR((char *)rs.data, rcpt);
	CHECK(age_decrypt((uint8_t *)enc, strlen(enc), &id, 1, &out, &stage, &err) == 0);
	CHECK_MEM(out.data, out.len, "data", 4);
	CHECKF(age_ssh_identity_parse((uint8_t *)ssh_id, strlen(ssh_id), &sid, &enc_flag, &err) == 0,
	       "%.200s", err.msg);
	CHECK(sid->type == AGE_KEY_SSH_ED25519);
	/* the identity's tag matches the recipient's and the stanza's */
	CHECKF(age_ssh_recipient_parse(ssh_rcpt, &r, &err) == 0, "%.200s", err.msg);
	CHECK_STR(r.ssh_tag, sid->ssh_tag);
	CHECK_STR(sid->ssh_tag, "2cwDxw");
	CHECK(memcmp(r.pub, sid->pub, 32) == 0);
	ids[0] = sid;
	ids[1] = id;   /* X25519 is tried first, then the ssh key */
	buf_truncate(&out, 0);
	CHECKF(age_decrypt((uint8_t *)ssh_enc, strlen(ssh_enc), ids, 2, &out, &stage, &err) == 0,
	       "%.200s", err.msg);
	CHECK_MEM(out.data, out.len, "data", 4);
	age_recipient_free(&r);
	age_identity_free(id);
	age_identity_free(sid);
	buf_free(&out);
	buf_free(&rs);
	free(all); free(ident); free(enc); free(ssh_id); free(ssh_enc); free(ssh_rcpt); free(rcpt);
}

static void test_pr1031_example(void)
{
	NEED_SHARED(path, "interop/sops/_history/pr1031-0b07dfbc5/example.yaml");
	const char *keys = shared_sub("interop/sops/_history/7ebee3dc7/age/keys.txt");
	char *yaml = check_read_file(path, NULL), *encs[4], hex[80];
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	size_t n;

	CHECK(yaml != NULL);
	n = yaml_encs(yaml, encs, 4);
	CHECK(n == 2);
	reset_env("/nonexistent-home");
	setenv("SOPS_AGE_KEY_FILE", keys, 1);
	for (size_t i = 0; i < n; i++) {
		CHECKF(unwrap_enc(encs[i], "", &out, &err) == 0, "%.200s", err.msg);
		CHECK(out.len == 32);
		to_hex(out.data, out.len, hex);
		CHECK_STR(hex, "9ac088cf7029981341457c39dd56dde54600dfbce9b5ede23aa65c418900ab67");
		free(encs[i]);
	}
	CHECK(age_identities_count() == 2);
	age_identities_forget();
	CHECK(age_identities_count() == 0);
	buf_free(&out);
	free(yaml);
}

static int is_enc_yaml(const char *name)
{
	size_t n = strlen(name);

	return n > 9 && strcmp(name + n - 9, ".enc.yaml") == 0;
}

/* Every age enc in sops-vectors/ decrypts to what `age -d` prints. */
static void test_sops_vectors(void)
{
	NEED_SHARED(dir, "interop/sops-vectors");
	const char *k1 = shared_sub("interop/sops-vectors/keys/age.txt");
	const char *k2 = shared_sub("interop/sops-vectors/keys/age2.txt");
	static const char *subs[] = { "errors", "groups", "rules", "yaml", "edit", NULL };
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	int checked = 0;

	if (!have_tool("age"))
		SKIP("age CLI not installed");
	reset_env("/nonexistent-home");
	setenv("SOPS_AGE_KEY_FILE", k1, 1);
	{
		struct buf both = BUF_INIT;
		char *a = check_read_file(k1, NULL), *b = check_read_file(k2, NULL);

		buf_adds(&both, a);
		buf_adds(&both, b);
		setenv("SOPS_AGE_KEY", (char *)both.data, 1);   /* several per line: fine too */
		free(a);
		free(b);
		buf_free(&both);
	}
	for (int s = 0; subs[s] != NULL; s++) {
		char cmd[1024], sub[600];
		struct buf list = BUF_INIT;

		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[s]);
		snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null", sub);
		run_capture(cmd, &list);
		for (char *save = NULL, *f = strtok_r((char *)list.data, "\n", &save); f;
		     f = strtok_r(NULL, "\n", &save)) {
			char path[1200], *yaml, *encs[8];
			size_t n;

			if (!is_enc_yaml(f))
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, f);
			yaml = check_read_file(path, NULL);
			n = yaml ? yaml_encs(yaml, encs, 8) : 0;
			for (size_t i = 0; i < n; i++) {
				struct buf want = BUF_INIT;

				write_file(tmp_path("enc.age"), encs[i], strlen(encs[i]));
				snprintf(cmd, sizeof(cmd), "age -d -i '%s' -i '%s' '%s'", k1, k2,
					 tmp_path("enc.age"));
				CHECKF(run_capture(cmd, &want) == 0, "age -d failed on %.200s", path);
				CHECKF(unwrap_enc(encs[i], "", &out, &err) == 0, "%.200s: %.200s", path, err.msg);
				CHECK_MEM(out.data, out.len, want.data, want.len);
				CHECK(out.len == 32 || out.len == 33);
				checked++;
				buf_free(&want);
				free(encs[i]);
			}
			free(yaml);
		}
		buf_free(&list);
	}
	CHECKF(checked >= 40, "only %d enc blocks checked", checked);
	buf_free(&out);
	age_identities_forget();
}

/* ---- provider round trips --------------------------------------------- */

static void roundtrip(const char *recipient, const uint8_t *key, size_t n)
{
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	char *enc = wrap_enc(recipient, key, n);

	CHECK(strncmp(enc, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35) == 0);
	CHECK(strcmp(enc + strlen(enc) - 33, "-----END AGE ENCRYPTED FILE-----\n") == 0);
	CHECKF(unwrap_enc(enc, recipient, &out, &err) == 0, "%.200s", err.msg);
	CHECK_MEM(out.data, out.len, key, n);
	buf_free(&out);
	free(enc);
}

static void test_roundtrip_x25519(void)
{
	struct age_identity *id;
	struct buf r = BUF_INIT, s = BUF_INIT_SECURE, pad = BUF_INIT;
	uint8_t key[33];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xA0 + i);
	CHECK(age_x25519_identity_generate(&id) == 0);
	CHECK(age_x25519_recipient_string(id->pub, &r) == 0);
	CHECK(age_x25519_identity_string(id, &s) == 0);
	reset_env("/nonexistent-home");
	setenv("SOPS_AGE_KEY", (char *)s.data, 1);
	roundtrip((char *)r.data, key, 32);
	roundtrip((char *)r.data, key, 33);
	/* sops trims the recipient and stores it trimmed */
	buf_printf(&pad, "  %s \n", (char *)r.data);
	{
		struct mk_new mk = { 0 };
		struct sops_err err;

		CHECKF(age_provider.wrap((char *)pad.data, key, 32, &mk, &err) == 0, "%.200s", err.msg);
		CHECK_STR(mk.values[1], (char *)r.data);
		mk_new_free(&mk);
	}
	age_identity_free(id);
	buf_free(&r);
	buf_free(&s);
	buf_free(&pad);
	age_identities_forget();
}

static void test_roundtrip_ssh_mock(void)
{
	NEED_SHARED(path, "interop/sops/derived/age_keysource_test_vectors.txt");
	char *all = check_read_file(path, NULL), *id, *rcpt;
	uint8_t key[32] = { 1, 2, 3 };

	CHECK(all != NULL);
	id = vector(all, "mockSshIdentity");
	rcpt = vector(all, "mockSshRecipient");
	rcpt[strlen(rcpt) - 1] = '\0';
	write_file(tmp_path("mock_ed25519"), id, strlen(id));
	reset_env("/nonexistent-home");
	setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", tmp_path("mock_ed25519"), 1);
	roundtrip(rcpt, key, 32);
	CHECK(age_identities_count() == 1);
	age_identities_forget();
	free(all);
	free(id);
	free(rcpt);
}

/* ssh-keygen keys: ed25519 and RSA (OpenSSH), RSA (PEM), RSA (PKCS#8). */
static void test_roundtrip_ssh_keygen(void)
{
	static const char *kinds[][2] = {
		{ "ed", "-t ed25519" }, { "rsa", "-t rsa -b 2048" },
		{ "rsapem", "-t rsa -b 2048 -m PEM" }, { "rsap8", "-t rsa -b 2048 -m PKCS8" },
	};
	uint8_t key[32];

	if (!have_tool("ssh-keygen"))
		SKIP("ssh-keygen not installed");
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 3);
	for (size_t k = 0; k < 4; k++) {
		char cmd[512], *pub;
		size_t n;

		snprintf(cmd, sizeof(cmd), "ssh-keygen -q %s -N '' -C test -f '%s' </dev/null >/dev/null",
			 kinds[k][1], tmp_path(kinds[k][0]));
		CHECKF(system(cmd) == 0, "%.200s", cmd);
		snprintf(cmd, sizeof(cmd), "%s.pub", tmp_path(kinds[k][0]));
		pub = check_read_file(cmd, &n);
		CHECK(pub != NULL);
		while (n > 0 && pub[n - 1] == '\n')
			pub[--n] = '\0';
		reset_env("/nonexistent-home");
		setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", tmp_path(kinds[k][0]), 1);
		roundtrip(pub, key, 32);
		free(pub);
	}
	age_identities_forget();
}

/* Our files decrypt with the age CLI and age's files with us. */
static void test_interop_age_cli(void)
{
	struct age_identity *id;
	struct age_recipient r;
	struct buf rs = BUF_INIT, ss = BUF_INIT_SECURE, ct = BUF_INIT, out = BUF_INIT_SECURE;
	enum age_decrypt_stage stage;
	struct sops_err err;
	size_t n = 200000;
	uint8_t *pt = malloc(n);
	char cmd[1024];

	if (!have_tool("age"))
		SKIP("age CLI not installed");
	for (size_t i = 0; i < n; i++)
		pt[i] = (uint8_t)(i * 31 + (i >> 9));
	CHECK(age_x25519_identity_generate(&id) == 0);
	CHECK(age_x25519_recipient_string(id->pub, &rs) == 0);
	CHECK(age_x25519_identity_string(id, &ss) == 0);
	buf_addc(&ss, '\n');
	write_file(tmp_path("id.txt"), ss.data, ss.len);
	write_file(tmp_path("pt.bin"), pt, n);
	CHECK(age_recipient_parse((char *)rs.data, &r, &err) == 0);
	/* binary and armored, ours -> age */
	for (int armored = 0; armored <= 1; armored++) {
		buf_truncate(&ct, 0);
		CHECK(age_encrypt(&r, pt, n, armored, &ct, &err) == 0);
		write_file(tmp_path("ours.age"), ct.data, ct.len);
		snprintf(cmd, sizeof(cmd), "age -d -i '%s' -o '%s' '%s' && cmp -s '%s' '%s'",
			 tmp_path("id.txt"), tmp_path("back.bin"), tmp_path("ours.age"),
			 tmp_path("back.bin"), tmp_path("pt.bin"));
		CHECKF(system(cmd) == 0, "age could not decrypt our file (armored=%d)", armored);
	}
	/* age -> ours */
	for (int armored = 0; armored <= 1; armored++) {
		char *theirs;
		size_t tn;

		snprintf(cmd, sizeof(cmd), "age -e %s -r %s -o '%s' '%s'", armored ? "-a" : "",
			 (char *)rs.data, tmp_path("theirs.age"), tmp_path("pt.bin"));
		CHECK(system(cmd) == 0);
		theirs = check_read_file(tmp_path("theirs.age"), &tn);
		buf_truncate(&out, 0);
		CHECKF(age_decrypt((uint8_t *)theirs, tn, &id, 1, &out, &stage, &err) == 0, "%.200s", err.msg);
		CHECK_MEM(out.data, out.len, pt, n);
		free(theirs);
	}
	age_recipient_free(&r);
	age_identity_free(id);
	buf_free(&rs);
	buf_free(&ss);
	buf_free(&ct);
	buf_free(&out);
	free(pt);
}

/* ---- failures --------------------------------------------------------- */

static void test_tamper(void)
{
	struct age_identity *id, *other, *other2, *ids[2];
	struct age_recipient r;
	struct buf rs = BUF_INIT, ct = BUF_INIT, out = BUF_INIT_SECURE;
	enum age_decrypt_stage stage;
	struct sops_err err;
	uint8_t key[32] = { 9 };
	char *mac, saved;

	CHECK(age_x25519_identity_generate(&id) == 0);
	CHECK(age_x25519_identity_generate(&other) == 0);
	CHECK(age_x25519_identity_generate(&other2) == 0);
	CHECK(age_x25519_recipient_string(id->pub, &rs) == 0);
	CHECK(age_recipient_parse((char *)rs.data, &r, &err) == 0);
	CHECK(age_encrypt(&r, key, 32, 0, &ct, &err) == 0);
	/* wrong identities */
	CHECK(age_decrypt(ct.data, ct.len, &other, 1, &out, &stage, &err) != 0);
	CHECK(stage == AGE_STAGE_HEADER);
	CHECK_MSG(err, "identity did not match any of the recipients: incorrect identity for "
		  "recipient block");
	ids[0] = other;
	ids[1] = other2;
	CHECK(age_decrypt(ct.data, ct.len, ids, 2, &out, &stage, &err) != 0);
	CHECK_MSG(err, "no identity matched any of the recipients");
	/* a changed MAC */
	mac = strstr((char *)ct.data, "\n--- ");
	CHECK(mac != NULL);
	saved = mac[5];
	mac[5] = saved == 'A' ? 'B' : 'A';
	CHECK(age_decrypt(ct.data, ct.len, &id, 1, &out, &stage, &err) != 0);
	CHECK_MSG(err, "bad header MAC");
	mac[5] = saved;
	CHECKF(age_decrypt(ct.data, ct.len, &id, 1, &out, &stage, &err) == 0, "%.200s", err.msg);
	CHECK_MEM(out.data, out.len, key, 32);
	/* a changed payload */
	ct.data[ct.len - 3] ^= 0x40;
	buf_truncate(&out, 0);
	CHECK(age_decrypt(ct.data, ct.len, &id, 1, &out, &stage, &err) != 0);
	CHECK(stage == AGE_STAGE_PAYLOAD);
	CHECK(out.len == 0);
	/* trailing data after the last chunk */
	ct.data[ct.len - 3] ^= 0x40;
	buf_addc(&ct, 'x');
	CHECK(age_decrypt(ct.data, ct.len, &id, 1, &out, &stage, &err) != 0);
	/* garbage that is neither binary nor armored */
	CHECK(age_decrypt((const uint8_t *)"hello", 5, &id, 1, &out, &stage, &err) != 0);
	CHECK_MSG(err, "failed to read header: parsing age header: failed to read intro: "
		  "invalid armor: invalid first line: \"hello\"");
	age_recipient_free(&r);
	age_identity_free(id);
	age_identity_free(other);
	age_identity_free(other2);
	buf_free(&rs);
	buf_free(&ct);
	buf_free(&out);
}

/* The exact sops texts of errors/no_identity and errors/wrong_identity. */
static void test_sops_error_texts(void)
{
	NEED_SHARED(dir, "interop/sops-vectors");
	const char *base = shared_sub("interop/sops-vectors/errors/base.enc.yaml");
	const char *k2 = shared_sub("interop/sops-vectors/keys/age2.txt");
	char *yaml = check_read_file(base, NULL), *encs[2], *t1, *t2;
	struct buf want1 = BUF_INIT, want2 = BUF_INIT, out = BUF_INIT_SECURE;
	struct sops_err err;
	char p[700];

	(void)dir;
	CHECK(yaml != NULL && yaml_encs(yaml, encs, 2) == 1);
	snprintf(p, sizeof(p), "%s", shared_sub("interop/sops-vectors/errors/no_identity.err.txt"));
	t1 = check_read_file(p, NULL);
	snprintf(p, sizeof(p), "%s", shared_sub("interop/sops-vectors/errors/wrong_identity.err.txt"));
	t2 = check_read_file(p, NULL);
	CHECK(t1 != NULL && t2 != NULL);
	err_reason(t1, &want1);
	err_reason(t2, &want2);
	/* HOME=home (relative, empty), as the vectors were made */
	reset_env("home");
	CHECK(unwrap_enc(encs[0], "age18dhr4vedz97q2wu02jw7zuhn9v0q8w9965x5gnk5a7m6tc29furqagjzrk",
			 &out, &err) != 0);
	CHECK_MSG(err, (char *)want1.data);
	reset_env("home");
	setenv("SOPS_AGE_KEY_FILE", k2, 1);
	CHECK(unwrap_enc(encs[0], "", &out, &err) != 0);
	CHECK_MSG(err, (char *)want2.data);
	CHECK(out.len == 0);
	/* load errors are listed like sops does */
	reset_env("home");
	setenv("SOPS_AGE_KEY_FILE", "/nonexistent/keys.txt", 1);
	CHECK(age_identities_load(&err) != 0);
	CHECK_MSG(err, "failed to load age identities. Errors while loading age identities: "
		  "failed to open SOPS_AGE_KEY_FILE file: open /nonexistent/keys.txt: no such file or "
		  "directory. Did not find keys in locations 'SOPS_AGE_SSH_PRIVATE_KEY_FILE', "
		  "'SOPS_AGE_SSH_PRIVATE_KEY_CMD', 'home/.ssh/id_ed25519', 'home/.ssh/id_rsa', "
		  "'SOPS_AGE_KEY', 'SOPS_AGE_KEY_CMD', and 'home/.config/sops/age/keys.txt'.");
	age_identities_forget();
	free(encs[0]);
	free(yaml);
	free(t1);
	free(t2);
	buf_free(&want1);
	buf_free(&want2);
	buf_free(&out);
}

static void test_identity_sources(void)
{
	struct age_identity *a, *b, *c;
	struct buf sa = BUF_INIT_SECURE, sb = BUF_INIT_SECURE, sc = BUF_INIT_SECURE, env = BUF_INIT;
	struct buf rc = BUF_INIT;
	struct sops_err err;
	char cmd[512], *enc;
	uint8_t key[32] = { 42 };
	struct buf out = BUF_INIT_SECURE;

	CHECK(age_x25519_identity_generate(&a) == 0 && age_x25519_identity_generate(&b) == 0 &&
	      age_x25519_identity_generate(&c) == 0);
	age_x25519_identity_string(a, &sa);
	age_x25519_identity_string(b, &sb);
	age_x25519_identity_string(c, &sc);
	age_x25519_recipient_string(c->pub, &rc);
	/* SOPS_AGE_KEY: several per line, comments, CRLF, unsupported kinds skipped */
	buf_printf(&env, "# comment\n%s  %s\r\n\nAGE-SECRET-KEY-PQ-1XXXX\nAGE-PLUGIN-YUBIKEY-1XXXX\n",
		   (char *)sa.data, (char *)sb.data);
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY", (char *)env.data, 1);
	CHECKF(age_identities_load(&err) == 0, "%.200s", err.msg);
	CHECK(age_identities_count() == 2);
	CHECK(age_identities_load(&err) == 0 && age_identities_count() == 2);   /* idempotent */
	/* SOPS_AGE_KEY_FILE: one key per line, a final CR without LF dropped */
	buf_truncate(&env, 0);
	buf_printf(&env, "%s\r\n%s\r", (char *)sa.data, (char *)sb.data);
	write_file(tmp_path("ab.txt"), env.data, env.len);
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY_FILE", tmp_path("ab.txt"), 1);
	CHECKF(age_identities_load(&err) == 0, "%.200s", err.msg);
	CHECK(age_identities_count() == 2);
	/* a garbage line fails the whole source, like sops */
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY", "not-a-key", 1);
	CHECK(age_identities_load(&err) != 0);
	CHECKF(strstr(err.msg, "failed to parse 'SOPS_AGE_KEY' age identities: unknown identity "
		      "type") != NULL, "%.200s", err.msg);
	/* SOPS_AGE_KEY_CMD sees SOPS_AGE_RECIPIENT; the default keys.txt is read too */
	write_file(tmp_path("c.txt"), sc.data, sc.len);
	snprintf(cmd, sizeof(cmd), "sh -c 'test \"$SOPS_AGE_RECIPIENT\" = %s && cat \"$0\"' '%s'",
		 (char *)rc.data, tmp_path("c.txt"));
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY_CMD", cmd, 1);
	mkdir(tmp_path("cfg"), 0700);
	mkdir(tmp_path("cfg/sops"), 0700);
	mkdir(tmp_path("cfg/sops/age"), 0700);
	write_file(tmp_path("cfg/sops/age/keys.txt"), sa.data, sa.len);
	setenv("XDG_CONFIG_HOME", tmp_path("cfg"), 1);
	enc = wrap_enc((char *)rc.data, key, 32);
	CHECKF(unwrap_enc(enc, (char *)rc.data, &out, &err) == 0, "%.200s", err.msg);
	CHECK_MEM(out.data, out.len, key, 32);
	CHECK(age_identities_count() == 2);
	/* a failing command is reported with Go's wording */
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY_CMD", "false", 1);
	CHECK(unwrap_enc(enc, (char *)rc.data, &out, &err) != 0);
	CHECKF(strstr(err.msg, "failed to execute command false: exit status 1") != NULL, "%.200s", err.msg);
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY_CMD", "no-such-sopsfs-command x", 1);
	CHECK(age_identities_load(&err) != 0);
	CHECKF(strstr(err.msg, "failed to execute command no-such-sopsfs-command x: exec: "
		      "\"no-such-sopsfs-command\": executable file not found in $PATH") != NULL,
	       "%.200s", err.msg);
	age_identities_forget();
	free(enc);
	age_identity_free(a);
	age_identity_free(b);
	age_identity_free(c);
	buf_free(&sa); buf_free(&sb); buf_free(&sc); buf_free(&env); buf_free(&rc); buf_free(&out);
}

static void test_encrypted_ssh_key(void)
{
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	char cmd[512];

	if (!have_tool("ssh-keygen"))
		SKIP("ssh-keygen not installed");
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N secret -f '%s' </dev/null >/dev/null",
		 tmp_path("enc_ed"));
	CHECK(system(cmd) == 0);
	reset_env(tmpdir);
	setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", tmp_path("enc_ed"), 1);
	CHECK(age_identities_load(&err) != 0);
	CHECKF(strstr(err.msg, "is passphrase protected, which sopsfs does not support") != NULL,
	       "%.200s", err.msg);
	/* the same key from SOPS_AGE_SSH_PRIVATE_KEY_CMD: sops' own text */
	reset_env(tmpdir);
	snprintf(cmd, sizeof(cmd), "cat '%s'", tmp_path("enc_ed"));
	setenv("SOPS_AGE_SSH_PRIVATE_KEY_CMD", cmd, 1);
	CHECK(unwrap_enc("x", "", &out, &err) != 0);
	CHECKF(strstr(err.msg, "the SSH key returned by running SOPS_AGE_SSH_PRIVATE_KEY_CMD is "
		      "password protected, which is unsupported. (\"ssh: this private key is "
		      "passphrase protected\")") != NULL, "%.200s", err.msg);
	age_identities_forget();
	buf_free(&out);
}

static void expect_wrap_err(const char *recipient, const char *want)
{
	struct mk_new mk = { 0 };
	struct sops_err err;
	uint8_t key[32] = { 0 };

	CHECKF(age_provider.wrap(recipient, key, 32, &mk, &err) != 0, "accepted %.200s", recipient);
	CHECKF(strstr(err.msg, want) != NULL, "got \"%.200s\", want \"%.200s\"", err.msg, want);
	CHECK(mk.nfields == 0);
}

static void test_recipient_errors(void)
{
	expect_wrap_err("foo", "failed to parse input, unknown recipient type: \"foo\"");
	expect_wrap_err("age1pq1qqqqqqqq", "not supported");
	expect_wrap_err("age1yubikey1qqqqqqq", "failed to parse input as age key from age plugin");
	expect_wrap_err("age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlx",
			"failed to parse input as Bech32-encoded age public key: malformed recipient "
			"\"age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlx\": invalid checksum");
	expect_wrap_err("ssh-ed25519 AAAA", "failed to parse input as age-ssh public key: malformed "
			"SSH recipient: \"ssh-ed25519 AAAA\": ssh: no key found");
	expect_wrap_err("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDBkvLK", "malformed SSH recipient");
}

static void test_shlex(void)
{
	char **argv;
	size_t argc;
	const char *why;

	CHECK(age_shlex_split("a 'b c' \"d \\\"e\\\\\" f\\ g#h # comment\nnext", &argv, &argc, &why) == 0);
	CHECK(argc == 5);
	CHECK_STR(argv[0], "a");
	CHECK_STR(argv[1], "b c");
	CHECK_STR(argv[2], "d \"e\\");
	CHECK_STR(argv[3], "f g#h");
	CHECK_STR(argv[4], "next");
	age_shlex_free(argv);
	CHECK(age_shlex_split("x \"\" ''", &argv, &argc, &why) == 0);
	CHECK(argc == 3 && argv[1][0] == '\0' && argv[2][0] == '\0');
	age_shlex_free(argv);
	CHECK(age_shlex_split("a 'b", &argv, &argc, &why) != 0);
	CHECK_STR(why, "EOF found when expecting closing quote");
}

/* ---- CLI mode --------------------------------------------------------- */

static int read_stdin(struct buf *b)
{
	char tmp[4096];
	size_t r;

	while ((r = fread(tmp, 1, sizeof(tmp), stdin)) > 0)
		if (buf_add(b, tmp, r) != 0)
			return -1;
	return ferror(stdin) ? -1 : 0;
}

static int cli(int argc, char **argv)
{
	struct buf in = BUF_INIT_SECURE, out = BUF_INIT_SECURE;
	struct sops_err err;
	int rc = 1;

	if (read_stdin(&in) != 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "wrap") == 0) {
		struct mk_new mk = { 0 };

		if (age_provider.wrap(argv[2], in.data, in.len, &mk, &err) == 0) {
			fputs(mk.values[0], stdout);
			mk_new_free(&mk);
			rc = 0;
		}
	} else if (argc == 2 && strcmp(argv[1], "unwrap") == 0) {
		if (unwrap_enc((char *)in.data, "", &out, &err) == 0 &&
		    fwrite(out.data, 1, out.len, stdout) == out.len)
			rc = 0;
	} else {
		fprintf(stderr, "usage: test_age wrap RECIPIENT < key > enc | test_age unwrap < enc > key\n");
		return 2;
	}
	if (rc != 0)
		fprintf(stderr, "test_age: %s\n", err.msg);
	age_identities_forget();
	buf_free(&in);
	buf_free(&out);
	return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
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
	RUN(test_keysource_vectors);
	RUN(test_pr1031_example);
	RUN(test_sops_vectors);
	RUN(test_roundtrip_x25519);
	RUN(test_roundtrip_ssh_mock);
	RUN(test_roundtrip_ssh_keygen);
	RUN(test_interop_age_cli);
	RUN(test_tamper);
	RUN(test_sops_error_texts);
	RUN(test_identity_sources);
	RUN(test_encrypted_ssh_key);
	RUN(test_recipient_errors);
	RUN(test_shlex);
	age_identities_forget();
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return CHECK_DONE();
}
