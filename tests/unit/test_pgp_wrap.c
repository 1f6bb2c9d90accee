/* test_pgp_wrap.c - the pgp provider wrapping keys (checked with gpg),
 * fingerprint forms, errors and threads. */
#include "pgp_util.h"

/* ---- wrap ---- */

static const char *field(const struct mk_new *m, size_t i, const char *name)
{
	CHECKF(i < m->nfields && strcmp(m->names[i], name) == 0, "field %zu is not %s", i, name);
	return m->values[i];
}

static void check_armor_shape(const char *enc)
{
	static const char end[] = "-----END PGP MESSAGE-----";
	size_t n = strlen(enc);

	CHECKF(strncmp(enc, "-----BEGIN PGP MESSAGE-----\n\n", 29) == 0, "%.80s", enc);
	CHECK(n > sizeof(end) && strcmp(enc + n - (sizeof(end) - 1), end) == 0);   /* no final LF */
	CHECK(strstr(enc, "Version:") == NULL && strstr(enc, "Comment:") == NULL);
}

static void test_wrap_roundtrip(void)
{
	uint8_t key[33], got[PGP_MAX_KEY_LEN];
	struct mk_new m = { 0 };
	struct sops_err err;
	const char *created;
	int y, mo, d, h, mi, s;
	char tail;

	need_keys();
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 32; len <= 33; len++) {
		CHECKF(pgp_provider.wrap(FBC7, key, len, &m, &err) == 0, "%.300s", err.msg);
		CHECK_STR(m.type, "pgp");
		CHECK(m.nfields == 3);
		created = field(&m, 0, "created_at");
		CHECK(strlen(created) == 20);
		CHECK(sscanf(created, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) == 7);
		CHECK(tail == 'Z' && y >= 2024 && mo >= 1 && mo <= 12);
		check_armor_shape(field(&m, 1, "enc"));
		CHECK_STR(field(&m, 2, "fp"), FBC7);
		check_unwrap(m.values[1], key, len, "wrapped");
		CHECK_MEM(got, gpg_decrypt(m.values[1], got, sizeof(got)), key, len);
		mk_new_free(&m);
	}
}

static void test_wrap_fingerprint_forms(void)
{
	static const char spaced[] = "D722 9043 384B CC60 326C  6FB9 D872 0D95 7C3D 3074";
	uint8_t key[32], out[4096];
	struct mk_new m = { 0 };
	struct sops_err err;
	char cmd[PATH_MAX * 2], path[PATH_MAX + 32], sub[64] = "", bang[80];
	size_t n = 0;

	need_keys();
	memset(key, 0x5a, sizeof(key));
	CHECKF(pgp_provider.wrap(spaced, key, sizeof(key), &m, &err) == 0, "%.300s", err.msg);
	CHECK_STR(field(&m, 2, "fp"), D722);
	check_unwrap(m.values[1], key, sizeof(key), "spaced fp");
	mk_new_free(&m);

	/* "<subkey>!" encrypts to exactly that subkey and the '!' is kept */
	snprintf(cmd, sizeof(cmd), "gpg --batch --with-colons --with-subkey-fingerprints "
		 "--list-keys %s 2>/dev/null | awk -F: '$1==\"sub\"{s=1;next} s&&$1==\"fpr\"{print $10;exit}'",
		 FBC7);
	CHECK(run_capture(cmd, (uint8_t *)sub, sizeof(sub) - 1, &n) == 0 && n >= 41);
	sub[40] = '\0';
	snprintf(bang, sizeof(bang), "%s!", sub);
	CHECKF(pgp_provider.wrap(bang, key, sizeof(key), &m, &err) == 0, "%.300s", err.msg);
	CHECK_STR(field(&m, 2, "fp"), bang);
	check_unwrap(m.values[1], key, sizeof(key), "subkey!");
	write_tmp("bang.asc", m.values[1], path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "gpg --batch --list-packets '%s' 2>/dev/null", path);
	CHECK(run_capture(cmd, out, sizeof(out) - 1, &n) == 0);
	out[n] = '\0';
	CHECKF(strstr((char *)out, sub + 24) != NULL, "packets do not name subkey %s", sub + 24);
	mk_new_free(&m);
}

static void test_wrap_errors(void)
{
	uint8_t key[32] = { 1 };
	struct mk_new m = { 0 };
	struct sops_err err;

	need_keys();
	CHECK(pgp_provider.wrap("0123456789ABCDEF0123456789ABCDEF01234567", key, sizeof(key), &m, &err) == -1);
	CHECKF(STARTS(err.msg, "could not encrypt data key with PGP key: GnuPG binary error: "
		      "failed to encrypt sops data key with pgp: "), "%.300s", err.msg);
	CHECKF(strstr(err.msg, "No public key") != NULL, "%.300s", err.msg);
	CHECK(m.nfields == 0);
	CHECK(pgp_provider.wrap("", key, sizeof(key), &m, &err) == -1);
	CHECK(pgp_provider.wrap("--armor", key, sizeof(key), &m, &err) == -1);
	CHECK(pgp_provider.wrap("AB\nCD", key, sizeof(key), &m, &err) == -1);
	CHECK(m.nfields == 0);
}

/* gpg can encrypt nothing; sops refuses the 0-byte result. */
static void test_zero_bytes(void)
{
	char cmd[PATH_MAX * 2];
	uint8_t armor[8192];
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	size_t n = 0;

	need_keys();
	snprintf(cmd, sizeof(cmd), "gpg --batch --quiet --trust-model always --armor --encrypt "
		 "--recipient %s </dev/null 2>/dev/null", FBC7);
	CHECK(run_capture(cmd, armor, sizeof(armor) - 1, &n) == 0 && n > 0);
	armor[n] = '\0';
	CHECK(unwrap_enc((char *)armor, &out, &err) == -1);
	CHECK_STR(err.msg, "could not decrypt data key with PGP key: GnuPG binary error: failed to "
		  "decrypt sops data key with pgp: zero bytes returned");
	CHECK(out.len == 0);
	buf_free(&out);
}

static void test_empty_home_fails(void)
{
	char path[PATH_MAX], *armors[4];
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	size_t n;
	int rc;

	need_keys();
	n = file_armors(shared("sops/example.yaml", path, sizeof(path)), armors, 4);
	CHECK(n == 2);
	setenv("GNUPGHOME", empty_home, 1);
	rc = unwrap_enc(armors[0], &out, &err);
	setenv("GNUPGHOME", home, 1);
	CHECK(rc == -1 && out.len == 0);
	CHECKF(strstr(err.msg, "gpg: decryption failed: No secret key") != NULL, "%.300s", err.msg);
	CHECK(strcmp(pgp_provider.describe(&(struct master_key){ .type = "pgp" }), "pgp") == 0);
	buf_free(&out);
	free_armors(armors, n);
}

/* ---- several threads at once (the FUSE daemon is multi-threaded) ---- */

struct thread_job {
	const char *enc;
	const uint8_t *want;
	int ok;
};

static void *thread_unwrap(void *arg)
{
	struct thread_job *j = arg;

	j->ok = 1;
	for (int i = 0; i < 3; i++) {
		struct buf out = BUF_INIT_SECURE;
		struct sops_err err;

		if (unwrap_enc(j->enc, &out, &err) != 0 || out.len != 32 ||
		    memcmp(out.data, j->want, 32) != 0)
			j->ok = 0;
		buf_free(&out);
	}
	return NULL;
}

static void test_threads(void)
{
	char path[PATH_MAX], *armors[4];
	uint8_t want[64];
	pthread_t t[4];
	struct thread_job jobs[4];
	size_t n;

	need_keys();
	expected_key("example.yaml", want);
	n = file_armors(shared("sops/example.yaml", path, sizeof(path)), armors, 4);
	CHECK(n == 2);
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct thread_job){ armors[i % 2], want, 0 };
		CHECK(pthread_create(&t[i], NULL, thread_unwrap, &jobs[i]) == 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 4; i++)
		CHECKF(jobs[i].ok, "thread %d failed", i);
	free_armors(armors, n);
}

int main(void)
{
	setup();
	RUN(test_wrap_roundtrip);
	RUN(test_wrap_fingerprint_forms);
	RUN(test_wrap_errors);
	RUN(test_zero_bytes);
	RUN(test_empty_home_fails);
	RUN(test_threads);
	teardown();
	return CHECK_DONE();
}
