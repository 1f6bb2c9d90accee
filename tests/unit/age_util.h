/* age_util.h - helpers of the age unit tests (test_age*.c): temp files,
 * shared fixtures, sops vectors, identities and the test_age CLI. */
#ifndef SOPSFS_AGE_UTIL_H
#define SOPSFS_AGE_UTIL_H

/* Helpers shared by several test files; each file uses some of them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
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

#pragma GCC diagnostic pop

#endif
