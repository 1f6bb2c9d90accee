/* test_pgp.c - the pgp provider (providers/pgp_provider) against real sops
 * fixtures and gpg itself, in a temporary GNUPGHOME. */
#include "check.h"
#include "../../providers/pgp/pgp_provider.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

static const char FBC7[] = "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4";
static const char D722[] = "D7229043384BCC60326C6FB9D8720D957C3D3074";

static char home[PATH_MAX];        /* GNUPGHOME with the test keys */
static char empty_home[PATH_MAX];  /* GNUPGHOME without keys */
static int keys_ok;
static int made_home, made_empty;
static json_t *leaves;             /* sops/expected/leaves.json */

#define STARTS(s, lit) (strncmp((s), (lit), strlen(lit)) == 0)

/* ---- helpers ---- */

static const char *shared(const char *rel, char *buf, size_t n)
{
	const char *dir = check_shared_dir();

	if (dir == NULL)
		SKIP("../shared not found");
	snprintf(buf, n, "%s/interop/%s", dir, rel);
	return buf;
}

/* A file of the sops fixtures (interop/sops/<rel>). */
static const char *fixture(const char *rel, char *buf, size_t n)
{
	char sub[PATH_MAX];

	snprintf(sub, sizeof(sub), "sops/%s", rel);
	return shared(sub, buf, n);
}

static void need_keys(void)
{
	if (!keys_ok)
		SKIP("test keys could not be imported (gpg missing or ../shared missing)");
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (isxdigit((unsigned char)h[0]) && isxdigit((unsigned char)h[1]) && n < max) {
		out[n++] = (uint8_t)(hexval(h[0]) * 16 + hexval(h[1]));
		h += 2;
	}
	return n;
}

/* Expected data key of a sops fixture, from expected/leaves.json. */
static size_t expected_key(const char *fixture, uint8_t *out)
{
	json_t *f = json_object_get(leaves, fixture);
	const char *hex = json_string_value(json_object_get(f, "data_key_hex"));

	CHECKF(hex != NULL, "no data key for %s in leaves.json", fixture);
	return unhex(hex, out, 64);
}

/* Every PGP armor of a sops YAML file (enc: |- / | literal blocks), in order. */
static size_t yaml_armors(const char *text, char **out, size_t max)
{
	static const char begin[] = "-----BEGIN PGP MESSAGE-----";
	const char *p = text;
	size_t n = 0;

	while (n < max && (p = strstr(p, begin)) != NULL) {
		const char *ls = p, *prev_end;
		size_t col, cap = strlen(p) + 2, len = 0;
		char *a = malloc(cap);
		int keep_nl;

		CHECK(a != NULL);
		while (ls > text && ls[-1] != '\n')
			ls--;
		col = (size_t)(p - ls);
		prev_end = ls - 1;      /* the '\n' ending the "enc: |-" line */
		keep_nl = !(prev_end - 1 > text && prev_end[-1] == '-');
		for (const char *line = ls; *line != '\0';) {
			const char *nl = strchr(line, '\n');
			size_t ll = nl ? (size_t)(nl - line) : strlen(line);
			size_t skip = ll >= col ? col : ll;

			memcpy(a + len, line + skip, ll - skip);
			len += ll - skip;
			a[len++] = '\n';
			if (strncmp(line + skip, "-----END PGP MESSAGE-----", 25) == 0 || nl == NULL)
				break;
			line = nl + 1;
		}
		if (!keep_nl)
			len--;
		a[len] = '\0';
		out[n++] = a;
		p += sizeof(begin) - 1;
	}
	return n;
}

static size_t file_armors(const char *path, char **out, size_t max)
{
	char *text = check_read_file(path, NULL);
	size_t n;

	CHECKF(text != NULL, "cannot read %.200s", path);
	n = yaml_armors(text, out, max);
	free(text);
	return n;
}

static void free_armors(char **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i]);
}

static int unwrap_enc(const char *enc, struct buf *out, struct sops_err *err)
{
	struct master_key mk = { .type = "pgp", .nfields = 2 };

	mk.fields[0].name = "fp";
	mk.fields[0].value = FBC7;
	mk.fields[0].len = strlen(FBC7);
	mk.fields[1].name = "enc";
	mk.fields[1].value = enc;
	mk.fields[1].len = strlen(enc);
	err_clear(err);
	return pgp_provider.unwrap(&mk, out, err);
}

static void check_unwrap(const char *enc, const uint8_t *want, size_t wlen, const char *what)
{
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;

	CHECKF(unwrap_enc(enc, &out, &err) == 0, "%s: %.300s", what, err.msg);
	CHECK_MEM(out.data, out.len, want, wlen);
	buf_free(&out);
}

/* Run a shell command with GNUPGHOME set; its stdout into out. */
static int run_capture(const char *cmd, uint8_t *out, size_t max, size_t *n)
{
	FILE *f = popen(cmd, "r");

	if (f == NULL)
		return -1;
	*n = fread(out, 1, max, f);
	return pclose(f);
}

static void write_tmp(const char *name, const char *text, char *path, size_t n)
{
	FILE *f;

	snprintf(path, n, "%s/%s", home, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* gpg -d of an armor (the ground truth). */
static size_t gpg_decrypt(const char *armor, uint8_t *out, size_t max)
{
	char path[PATH_MAX + 32], cmd[PATH_MAX * 2];
	size_t n = 0;

	write_tmp("msg.asc", armor, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "gpg --batch --quiet --decrypt '%s' 2>/dev/null", path);
	CHECKF(run_capture(cmd, out, max, &n) == 0, "gpg -d failed");
	return n;
}

/* ---- sops fixtures (keys: pgp/sops_functional_tests_key.asc) ---- */

static void test_fixture_yaml(void)
{
	static const char *const files[] = {
		"example.yaml",
		"functional-tests/res/comments.enc.yaml",
		"functional-tests/res/comments_unencrypted_comments.yaml",
		"functional-tests/res/format.enc.yaml",
		"functional-tests/res/multiple_keys.yaml",
		"functional-tests/res/no_mac.yaml",
	};
	char path[PATH_MAX], *armors[4];
	uint8_t want[64];
	size_t total = 0;

	need_keys();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t wlen = expected_key(files[i], want);
		size_t n = file_armors(fixture(files[i], path, sizeof(path)), armors, 4);

		CHECKF(wlen == 32 && n >= 1, "%s: key %zu bytes, %zu armors", files[i], wlen, n);
		for (size_t j = 0; j < n; j++)
			check_unwrap(armors[j], want, wlen, files[i]);
		total += n;
		free_armors(armors, n);
	}
	CHECK(total == 8);   /* example.yaml and multiple_keys.yaml have FBC7 and D722 */
}

static void json_pgp_armors(const char *file, json_t *root)
{
	json_t *list = json_object_get(json_object_get(root, "sops"), "pgp");
	uint8_t want[64];
	size_t wlen = expected_key(file, want), i;
	json_t *e;

	CHECKF(json_array_size(list) >= 1, "%s: no pgp entries", file);
	json_array_foreach(list, i, e)
		check_unwrap(json_string_value(json_object_get(e, "enc")), want, wlen, file);
}

static void test_fixture_json(void)
{
	static const char *const files[] = {
		"example.json",
		"example.txt",
		"examples/all_in_one/config/secret.enc.json",
		"examples/per_file/config.enc/static_github.json",
		"functional-tests/res/format.enc.json",
	};
	char path[PATH_MAX];

	need_keys();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		json_error_t je;
		json_t *root = json_load_file(fixture(files[i], path, sizeof(path)), 0, &je);

		CHECKF(root != NULL, "%s: %s", files[i], je.text);
		json_pgp_armors(files[i], root);
		json_decref(root);
	}
}

static void test_fixture_dotenv(void)
{
	char path[PATH_MAX], *text, *p, *enc, *w;
	uint8_t want[64];
	size_t wlen;

	need_keys();
	text = check_read_file(shared("sops/functional-tests/res/format.enc.env", path, sizeof(path)), NULL);
	CHECK(text != NULL);
	wlen = expected_key("functional-tests/res/format.enc.env", want);
	p = strstr(text, "sops_pgp__list_0__map_enc=");
	CHECK(p != NULL);
	p += strlen("sops_pgp__list_0__map_enc=");
	enc = w = malloc(strlen(p) + 1);
	CHECK(enc != NULL);
	for (; *p != '\0' && *p != '\n'; p++) {   /* "\n" (two characters) is a newline */
		if (p[0] == '\\' && p[1] == 'n') {
			*w++ = '\n';
			p++;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	check_unwrap(enc, want, wlen, "format.enc.env");
	free(enc);
	free(text);
}

/* The synthetic Shamir file: the pgp group wraps a 33-byte share. */
static void test_shamir_share(void)
{
	char path[PATH_MAX], *hex, *line;
	json_error_t je;
	json_t *root;
	uint8_t want[64];
	size_t wlen;

	need_keys();
	root = json_load_file(shared("sops/synthetic/shamir_3groups_t2.json", path, sizeof(path)), 0, &je);
	CHECK(root != NULL);
	hex = check_read_file(shared("sops/synthetic/shamir_3groups_t2.datakey.hex", path, sizeof(path)),
			      NULL);
	CHECK(hex != NULL);
	line = hex;
	for (int i = 0; i < 3 && line != NULL; i++) {   /* line 4: the third group's share */
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	CHECK(line != NULL);
	wlen = unhex(line, want, sizeof(want));
	CHECK(wlen == 33 && want[32] == 3);
	check_unwrap(json_string_value(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(json_object_get(root, "sops"), "key_groups"), 2),
		"pgp"), 0), "enc")), want, wlen, "shamir_3groups_t2.json");
	free(hex);
	json_decref(root);
}

/* A sops file whose key is not in the keyring: fails cleanly, gpg's words. */
static void test_unknown_key_fails(void)
{
	char path[PATH_MAX], *armors[2];
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	size_t n;

	need_keys();
	n = file_armors(shared("sops/config/test_resources/example.yaml", path, sizeof(path)), armors, 2);
	CHECK(n == 1);
	CHECK(strstr(armors[0], "Version: GnuPG v1\n") != NULL);
	CHECK(buf_add(&out, "kept", 4) == 0);
	CHECK(unwrap_enc(armors[0], &out, &err) == -1);
	CHECK_MEM(out.data, out.len, "kept", 4);        /* nothing appended */
	CHECKF(STARTS(err.msg, "could not decrypt data key with PGP key: GnuPG binary error: "
		      "failed to decrypt sops data key with pgp: gpg: encrypted with "),
	       "%.300s", err.msg);
	CHECKF(strstr(err.msg, "gpg: decryption failed: No secret key") != NULL, "%.300s", err.msg);
	CHECK(err.code == EX_NO_DATA_KEY);
	/* garbage is an error too */
	CHECK(unwrap_enc("not a pgp message", &out, &err) == -1);
	CHECK(out.len == 4);
	buf_free(&out);
	free_armors(armors, n);
}

/* ---- the vectors' key (keys/pgp.asc, ed25519 + cv25519) ---- */

static void test_vector_files(void)
{
	static const char *const files[] = {
		"sops-vectors/groups/pgp_only.enc.yaml",
		"sops-vectors/groups/two_recipients.enc.yaml",
		"sops-vectors/groups/shamir_yaml.enc.yaml",
	};
	char path[PATH_MAX], *armors[2];
	uint8_t want[PGP_MAX_KEY_LEN];

	need_keys();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t n = file_armors(shared(files[i], path, sizeof(path)), armors, 2), wlen;

		CHECKF(n == 1, "%s: %zu armors", files[i], n);
		wlen = gpg_decrypt(armors[0], want, sizeof(want));
		CHECKF(wlen == (i == 2 ? 33u : 32u), "%s: gpg gave %zu bytes", files[i], wlen);
		if (i == 2)
			CHECK(want[32] == 3);   /* x of the third group's share */
		check_unwrap(armors[0], want, wlen, files[i]);
		free_armors(armors, n);
	}
}

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

static void test_describe(void)
{
	struct master_key mk = { .type = "pgp", .nfields = 1 };

	mk.fields[0].name = "fp";
	mk.fields[0].value = FBC7;
	mk.fields[0].len = strlen(FBC7);
	CHECK_STR(pgp_provider.describe(&mk), FBC7);
	CHECK(provider_for("pgp") == &pgp_provider);
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

/* ---- setup ---- */

static int import_key(const char *file)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "gpg --batch --quiet --import '%s' >/dev/null 2>&1", file);
	return system(cmd);
}

static void setup(void)
{
	char p1[PATH_MAX], p2[PATH_MAX], lp[PATH_MAX];
	const char *dir = check_shared_dir();
	json_error_t je;

	snprintf(home, sizeof(home), "/tmp/sopsfs-gnupg-XXXXXX");
	snprintf(empty_home, sizeof(empty_home), "/tmp/sopsfs-gnupg-empty-XXXXXX");
	made_home = mkdtemp(home) != NULL;
	made_empty = mkdtemp(empty_home) != NULL;
	if (!made_home || !made_empty)
		return;
	chmod(home, 0700);
	chmod(empty_home, 0700);
	setenv("GNUPGHOME", home, 1);
	if (dir == NULL)
		return;
	snprintf(p1, sizeof(p1), "%s/interop/sops/pgp/sops_functional_tests_key.asc", dir);
	snprintf(p2, sizeof(p2), "%s/interop/sops-vectors/keys/pgp.asc", dir);
	snprintf(lp, sizeof(lp), "%s/interop/sops/expected/leaves.json", dir);
	leaves = json_load_file(lp, 0, &je);
	keys_ok = leaves != NULL && import_key(p1) == 0 && import_key(p2) == 0;
}

static void teardown(void)
{
	char cmd[PATH_MAX * 2];
	const char *dirs[] = { home, empty_home };
	int made[] = { made_home, made_empty };

	for (int i = 0; i < 2; i++) {
		if (!made[i])
			continue;
		snprintf(cmd, sizeof(cmd), "gpgconf --homedir '%s' --kill gpg-agent >/dev/null 2>&1; "
			 "rm -rf '%s'", dirs[i], dirs[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup of %s failed\n", dirs[i]);
	}
	json_decref(leaves);
}

int main(void)
{
	setup();
	RUN(test_describe);
	RUN(test_fixture_yaml);
	RUN(test_fixture_json);
	RUN(test_fixture_dotenv);
	RUN(test_shamir_share);
	RUN(test_unknown_key_fails);
	RUN(test_vector_files);
	RUN(test_wrap_roundtrip);
	RUN(test_wrap_fingerprint_forms);
	RUN(test_wrap_errors);
	RUN(test_zero_bytes);
	RUN(test_empty_home_fails);
	RUN(test_threads);
	teardown();
	return CHECK_DONE();
}
