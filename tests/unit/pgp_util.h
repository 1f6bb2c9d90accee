/* pgp_util.h - helpers of the pgp provider unit tests: fixtures, armors,
 * gpg itself in a temporary GNUPGHOME. */
#ifndef SOPSFS_PGP_UTIL_H
#define SOPSFS_PGP_UTIL_H

/* Helpers shared by several test files; each file uses some of them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
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

#pragma GCC diagnostic pop

#endif
