/* config_util.h - helpers of the .sops.yaml unit tests (temp configs,
 * shared fixtures, key order). */
#ifndef SOPSFS_CONFIG_UTIL_H
#define SOPSFS_CONFIG_UTIL_H

/* Helpers shared by several test files; each file uses some of them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "check.h"
#include "../../codec/core/sops_config.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[PATH_MAX];

/* CHECK_STR with bounded output (the compared buffers are large). */
#define CHECK_S(a, b) do { const char *ga_ = (a), *wa_ = (b); \
	CHECKF(ga_ != NULL && strcmp(ga_, wa_) == 0, "expected \"%.200s\", got \"%.200s\"", \
	       wa_, ga_ ? ga_ : "(null)"); } while (0)

static const char AGE1[] = "age18dhr4vedz97q2wu02jw7zuhn9v0q8w9965x5gnk5a7m6tc29furqagjzrk";
static const char AGE2[] = "age13k6z8xdnfsau9a89c2jr3dqazeeglja47xwlalzystl3h9985sqq803px3";
static const char PGP1[] = "AAE451E6C7EA211A7B2A2F33F02D9D9F5E10EFBF";
static const char FBC7[] = "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4";
static const char D722[] = "D7229043384BCC60326C6FB9D8720D957C3D3074";

/* ---- helpers ---- */

static void write_file(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	CHECKF(f != NULL, "cannot write %s", rel);
	fputs(text, f);
	fclose(f);
}

static void make_dir(const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	CHECK(mkdir(path, 0700) == 0 || errno == EEXIST);
}

static struct sops_config *load_tmp(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	struct sops_err err = { 0, "" };
	struct sops_config *cfg;

	write_file(rel, text);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	cfg = sops_config_load(path, &err);
	CHECKF(cfg != NULL, "load %s: %.300s", rel, err.msg);
	return cfg;
}

/* The error of loading text as a config (must fail). */
static void load_fails(const char *text, struct sops_err *err)
{
	char path[PATH_MAX + 64];
	struct sops_config *cfg;

	write_file("bad.sops.yaml", text);
	snprintf(path, sizeof(path), "%s/bad.sops.yaml", tmpdir);
	memset(err, 0, sizeof(*err));
	cfg = sops_config_load(path, err);
	if (cfg != NULL)
		sops_config_free(cfg);
	CHECKF(cfg == NULL, "config loaded: %s", text);
	CHECK(err->code == EX_ERROR);
}

static const struct creation_rule *match_tmp(const struct sops_config *cfg, const char *rel)
{
	char path[PATH_MAX + 64];
	struct sops_err err = { 0, "" };
	const struct creation_rule *r = NULL;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	CHECKF(sops_config_match(cfg, path, &r, &err) == 0, "match %s: %.300s", rel, err.msg);
	CHECKF(r != NULL, "no rule for %s", rel);
	return r;
}

static void check_key(const struct cfg_group *g, size_t i, const char *type, const char *value)
{
	CHECKF(i < g->nkeys, "group has %zu keys, wanted key %zu", g->nkeys, i);
	CHECK_S(g->keys[i].type, type);
	CHECK_S(g->keys[i].value, value);
}

static const char *attr(const struct cfg_key *k, const char *name)
{
	for (size_t i = 0; i < k->nattrs; i++)
		if (strcmp(k->attrs[i].name, name) == 0)
			return k->attrs[i].value;
	return NULL;
}

static const char *shared_path(const char *rel, char *buf, size_t n)
{
	const char *dir = check_shared_dir();

	if (dir == NULL)
		SKIP("../shared not found");
	snprintf(buf, n, "%s/interop/%s", dir, rel);
	return buf;
}

/* "recipient: X" / "fp: X" values of a sops-written YAML file, in order,
 * joined with spaces. */
static void file_key_order(const char *path, char *out, size_t n)
{
	char *text = check_read_file(path, NULL), *p;

	CHECKF(text != NULL, "cannot read %.200s", path);
	out[0] = '\0';
	for (p = text; (p = strpbrk(p, "rf")) != NULL; p++) {
		size_t skip = strncmp(p, "recipient: ", 11) == 0 ? 11 :
			      strncmp(p, "fp: ", 4) == 0 ? 4 : 0;
		size_t len;

		if (skip == 0 || (p != text && p[-1] != ' '))
			continue;
		len = strcspn(p + skip, "\n");
		snprintf(out + strlen(out), n - strlen(out), "%s%.*s", out[0] ? " " : "",
			 (int)len, p + skip);
	}
	free(text);
}

static void rule_key_order(const struct creation_rule *r, char *out, size_t n)
{
	out[0] = '\0';
	for (size_t g = 0; g < r->ngroups; g++)
		for (size_t i = 0; i < r->groups[g].nkeys; i++)
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? " " : "",
				 r->groups[g].keys[i].value);
}

static const struct creation_rule *match_shared(const struct sops_config *cfg, const char *file)
{
	char path[PATH_MAX + 64];
	struct sops_err err = { 0, "" };
	const struct creation_rule *r = NULL;

	snprintf(path, sizeof(path), "%s/%s", cfg->dir, file);
	CHECKF(sops_config_match(cfg, path, &r, &err) == 0, "match %s: %.300s", file, err.msg);
	CHECK(r != NULL);
	return r;
}

static struct sops_config *load_shared(const char *rel)
{
	char path[PATH_MAX];
	struct sops_err err = { 0, "" };
	struct sops_config *cfg = sops_config_load(shared_path(rel, path, sizeof(path)), &err);

	CHECKF(cfg != NULL, "load %s: %.300s", rel, err.msg);
	return cfg;
}

/* ---- configs from the sops repository and the vectors ---- */

#pragma GCC diagnostic pop

#endif
