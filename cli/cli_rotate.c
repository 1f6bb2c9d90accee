/* cli_rotate.c - `sopsfs rotate [-r] [-i] [--add-TYPE R] [--rm-TYPE R] PATH...`:
 * a new data key for each file, every value re-encrypted (IVs kept, as
 * sops rotate), master keys added to the first group / removed from every
 * group first, then all of them wrapped anew. Without -i one file is
 * printed on stdout. Key types go through the provider registry. */
#include "cli_tree.h"
#include "../common/atomic_write.h"
#include "../common/secure_mem.h"
#include "../codec/core/key_plan.h"
#include "../codec/core/rekey.h"
#include "../crypto/aes_value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char rot_usage[] =
"usage: sopsfs rotate [-i|--in-place] [-r|--recursive] [--ignore-mac]\n"
"                     [--add-age R] [--rm-age R] [--add-pgp FP] [--rm-pgp FP]\n"
"                     [--add-kms ARN] [--rm-kms ARN] [--add-gcp-kms ID] [--rm-gcp-kms ID]\n"
"                     [--add-azure-kv URL] [--rm-azure-kv URL] [--add-hc-vault-transit URI]\n"
"                     [--rm-hc-vault-transit URI] [--add-hckms ID] [--rm-hckms ID] PATH...\n"
"  Give each file a new data key and re-encrypt every value. Added keys go to\n"
"  the first key group; removed keys leave every group. Values may be comma\n"
"  lists. Without -i the single FILE is printed; -r (with -i) walks\n"
"  directories (.git and non-SOPS files skipped).\n";

/* flag suffix -> metadata list name */
static const char *const key_types[][2] = {
	{ "age", "age" }, { "pgp", "pgp" }, { "kms", "kms" }, { "gcp-kms", "gcp_kms" },
	{ "azure-kv", "azure_kv" }, { "hc-vault-transit", "hc_vault" }, { "hckms", "hckms" },
};

#define MAX_REFS 64

struct rot_ctx {
	int in_place, recursive, ignore_mac;
	struct key_ref add[MAX_REFS], rm[MAX_REFS];
	size_t nadd, nrm;
	char *lists[2 * MAX_REFS];    /* strdup'ed flag values (split in place) */
	size_t nlists;
};

static int add_refs(struct rot_ctx *c, int is_add, const char *type, const char *v)
{
	char *copy = strdup(v), *save = NULL;

	if (copy == NULL || c->nlists >= 2 * MAX_REFS) {
		free(copy);
		return -1;
	}
	c->lists[c->nlists++] = copy;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		struct key_ref *r = is_add ? c->add : c->rm;
		size_t *n = is_add ? &c->nadd : &c->nrm;

		while (*t == ' ')
			t++;
		if (*t == '\0')
			continue;
		if (*n >= MAX_REFS)
			return -1;
		r[(*n)++] = (struct key_ref){ type, t };
	}
	return 0;
}

/* 1 if o is an --add-X / --rm-X flag (then v consumed), 0 if not, -1 error. */
static int key_flag(struct rot_ctx *c, const char *o, const char *v)
{
	int is_add = strncmp(o, "--add-", 6) == 0;

	if (!is_add && strncmp(o, "--rm-", 5) != 0)
		return 0;
	for (size_t k = 0; k < sizeof(key_types) / sizeof(key_types[0]); k++)
		if (strcmp(o + (is_add ? 6 : 5), key_types[k][0]) == 0)
			return v == NULL || add_refs(c, is_add, key_types[k][1], v) != 0 ? -1 : 1;
	return 0;
}

static int rotate_text(const struct rot_ctx *c, const char *path, const struct buf *text,
		       struct buf *out, struct sops_err *err)
{
	struct sops_opts opts = { 0 };
	struct sops_file *f = NULL;
	struct key_plan plan;
	struct new_group *groups = NULL;
	uint8_t *key = sm_alloc(32);
	struct rekey rk;
	int rc = -1;

	memset(&plan, 0, sizeof(plan));
	opts.ignore_mac = c->ignore_mac;
	if (key == NULL || crypto_random(key, 32) != 0) {
		err_set(err, EX_ERROR, "Could not generate random key");
		goto done;
	}
	if (sops_file_open(path, (char *)text->data, text->len, &opts, &f, err) != 0 ||
	    plan_from_edit(&f->meta, c->add, c->nadd, c->rm, c->nrm, &plan, err) != 0)
		goto done;
	if (plan_wrap(&plan, key, 0, &groups, err) != 0) {
		err_prefix(err, "Could not generate data key: ");
		goto done;
	}
	rk = (struct rekey){ key, groups, plan.ngroups, plan_threshold(&plan) };
	rc = sops_file_rotate(f, &rk, out, err);
done:
	datakey_groups_free(groups, plan.ngroups);
	plan_free(&plan);
	sops_file_free(f);
	sm_free(key);
	return rc;
}

static int rotate_file(const char *path, void *arg)
{
	const struct rot_ctx *c = arg;
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct sops_err err;
	int rc = 0;

	err_clear(&err);
	if (cli_read_file(path, &text, &err) != 0) {
		rc = cli_fail(&err);
		goto done;
	}
	if (c->recursive) {
		struct sdoc *doc = NULL;
		struct sops_meta meta;
		int r = cli_load_meta(path, &text, &doc, &meta, &err);

		if (r > 0)
			meta_free(&meta);
		sdoc_free(doc);
		if (r <= 0)
			goto done;           /* not a SOPS file: skipped */
		err_clear(&err);
	}
	if (rotate_text(c, path, &text, &out, &err) != 0) {
		fprintf(stderr, "sopsfs rotate: %s: ", path);
		rc = cli_fail(&err);
	} else if (c->in_place) {
		if (atomic_replace_path(path, out.data, out.len, &err) != 0)
			rc = cli_fail(&err);
	} else if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		rc = EX_COULD_NOT_WRITE;
	}
done:
	buf_free(&text);
	buf_free(&out);
	return rc;
}

static int parse(int argc, char **argv, struct rot_ctx *c, char ***paths, int *n)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int k = key_flag(c, o, v);

		if (k < 0) {
			fprintf(stderr, "sopsfs rotate: %s needs a value\n", o);
			return EX_INVALID_ARGS;
		}
		if (k > 0)
			i++;
		else if (!strcmp(o, "-i") || !strcmp(o, "--in-place"))
			c->in_place = 1;
		else if (!strcmp(o, "-r") || !strcmp(o, "--recursive"))
			c->recursive = 1;
		else if (!strcmp(o, "--ignore-mac"))
			c->ignore_mac = 1;
		else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			fputs(rot_usage, stdout);
			return -1;
		} else {
			fprintf(stderr, "sopsfs rotate: unknown option %s\n%s", o, rot_usage);
			return EX_INVALID_ARGS;
		}
	}
	*paths = argv + i;
	*n = argc - i;
	if (*n == 0 || ((*n > 1 || c->recursive) && !c->in_place)) {
		fprintf(stderr, "%s%s", *n == 0 ? "" : "sopsfs rotate: several files or -r need "
			"-i (--in-place)\n", rot_usage);
		return EX_INVALID_ARGS;
	}
	return 0;
}

int cli_rotate(int argc, char **argv)
{
	struct rot_ctx c;
	char **paths;
	int n, rc;

	memset(&c, 0, sizeof(c));
	rc = parse(argc, argv, &c, &paths, &n);
	if (rc == 0)
		rc = cli_walk(paths, n, c.recursive, "rotate", rotate_file, &c);
	else if (rc < 0)
		rc = 0;
	for (size_t i = 0; i < c.nlists; i++)
		free(c.lists[i]);
	return rc;
}
