/* cli_updatekeys.c - `sopsfs updatekeys [-y] [-r] PATH...`: give every SOPS
 * file the key groups of its .sops.yaml creation rule. Same data key; kept
 * master keys keep their entries, added ones are wrapped, removed ones
 * dropped; values, lastmodified and mac untouched (the diff is the sops
 * block only). Files already up to date are not written. */
#include "cli_tree.h"
#include "../common/atomic_write.h"
#include "../codec/core/key_plan.h"
#include "../codec/core/rekey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char uk_usage[] =
"usage: sopsfs updatekeys [-y|--yes] [-r|--recursive] [--config FILE]\n"
"                         [--shamir-secret-sharing-threshold N] PATH...\n"
"  Give each SOPS file the key groups of its .sops.yaml creation rule (the\n"
"  nearest .sops.yaml above the file, or --config). The data key stays; only\n"
"  the sops metadata changes. Shows the changes and asks once unless -y.\n"
"  -r walks directories (skipping .git, files no rule covers and files that\n"
"  are not SOPS files). Files already up to date are not written.\n";


struct uk_ctx {
	int recursive;
	int threshold;
	struct rule_cache rules;
	char **files;               /* files that change */
	size_t nfiles;
	int multi;                  /* name each file in the report */
};

/* The plan for one file from its metadata and rule: 1 changed, 0 up to
 * date or skipped, -1 error (in err). */
static int make_plan(struct uk_ctx *c, const char *path, const struct sops_meta *m,
		     struct key_plan *plan, struct sops_err *err)
{
	const struct creation_rule *rule;
	int r = rule_for(&c->rules, path, &rule, err);

	if (r <= 0) {
		if (r == 0 && !c->recursive)
			r = err_set(err, EX_ERROR, "no creation rule covers this file");
		return r;
	}
	if (plan_from_rule(m, rule, plan, err) != 0)
		return -1;
	if (c->threshold > 0)
		plan->new_threshold = c->threshold < (int)rule->ngroups ? c->threshold
									: (int)rule->ngroups;
	return plan_changed(plan);
}

static int show_plan(const struct uk_ctx *c, const char *path, const struct key_plan *plan)
{
	struct buf d = BUF_INIT;

	if (plan_describe(plan, &d) != 0) {
		buf_free(&d);
		return -1;
	}
	if (c->multi)
		printf("%s:\n", path);
	printf("The following changes will be made to the file's groups:\n%.*s",
	       (int)d.len, (char *)d.data);
	buf_free(&d);
	return 0;
}

static int plan_file(const char *path, void *arg)
{
	struct uk_ctx *c = arg;
	struct buf text = BUF_INIT;
	struct key_plan plan;
	struct sdoc *doc = NULL;
	struct sops_meta meta;
	struct sops_err err;
	char **nf;
	int r;

	err_clear(&err);
	memset(&plan, 0, sizeof(plan));
	if (cli_read_file(path, &text, &err) != 0)
		r = -1;
	else if ((r = cli_load_meta(path, &text, &doc, &meta, &err)) == 0 && !c->recursive)
		r = err_set(&err, EX_ERROR, "sops metadata not found");
	else if (r < 0 && c->recursive)
		r = 0;         /* not a SOPS file: `check` reports those */
	if (r > 0) {
		r = make_plan(c, path, &meta, &plan, &err);
		if (r == 0 && plan.groups != NULL)
			fprintf(stderr, "File %s already up to date\n", path);
		if (r > 0 && show_plan(c, path, &plan) != 0)
			r = err_set(&err, EX_ERROR, "out of memory");
		meta_free(&meta);
	}
	if (r > 0) {
		nf = realloc(c->files, (c->nfiles + 1) * sizeof(*nf));
		if (nf != NULL)
			c->files = nf;
		if (nf == NULL || (c->files[c->nfiles] = strdup(path)) == NULL)
			r = err_set(&err, EX_ERROR, "out of memory");
		else
			c->nfiles++;
	}
	plan_free(&plan);
	sdoc_free(doc);
	buf_free(&text);
	if (r >= 0)
		return 0;
	fprintf(stderr, "sopsfs updatekeys: %s: ", path);
	return cli_fail(&err);
}

static int confirm(void)
{
	char line[64];

	for (;;) {
		printf("Is this okay? (y/n):");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			return 0;
		if (strcmp(line, "y\n") == 0 || strcmp(line, "y") == 0)
			return 1;
		if (strcmp(line, "n\n") == 0 || strcmp(line, "n") == 0)
			return 0;
	}
}

static int apply_one(struct uk_ctx *c, const char *path)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct sops_file *f = NULL;
	struct new_group *groups = NULL;
	struct sops_opts opts = { 0 };
	struct key_plan plan;
	struct sops_err err;
	struct rekey rk;
	int rc = 0;

	err_clear(&err);
	memset(&plan, 0, sizeof(plan));
	if (cli_read_file(path, &text, &err) != 0 ||
	    sops_file_open(path, (char *)text.data, text.len, &opts, &f, &err) != 0 ||
	    make_plan(c, path, &f->meta, &plan, &err) < 0 ||
	    plan_wrap(&plan, f->key, 1, &groups, &err) != 0)
		goto fail;
	rk = (struct rekey){ f->key, groups, plan.ngroups, plan_threshold(&plan) };
	if (sops_file_set_keys(f, &rk, &out, &err) != 0 ||
	    atomic_replace_path(path, out.data, out.len, &err) != 0)
		goto fail;
	fprintf(stderr, "File %s synced with new keys\n", path);
	goto done;
fail:
	fprintf(stderr, "sopsfs updatekeys: %s: ", path);
	rc = cli_fail(&err);
done:
	datakey_groups_free(groups, plan.ngroups);
	plan_free(&plan);
	sops_file_free(f);
	buf_free(&text);
	buf_free(&out);
	return rc;
}

static int parse(int argc, char **argv, struct uk_ctx *c, int *yes, char ***paths, int *n)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-y") || !strcmp(o, "--yes"))
			*yes = 1;
		else if (!strcmp(o, "-r") || !strcmp(o, "--recursive"))
			c->recursive = 1;
		else if (!strcmp(o, "--config") && i + 1 < argc)
			c->rules.config_flag = argv[++i];
		else if (!strcmp(o, "--shamir-secret-sharing-threshold") && i + 1 < argc)
			c->threshold = atoi(argv[++i]);
		else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			fputs(uk_usage, stdout);
			return -1;
		} else {
			fprintf(stderr, "sopsfs updatekeys: unknown option %s\n%s", o, uk_usage);
			return EX_INVALID_ARGS;
		}
	}
	*paths = argv + i;
	*n = argc - i;
	if (*n == 0) {
		fputs(uk_usage, stderr);
		return EX_INVALID_ARGS;
	}
	return 0;
}

int cli_updatekeys(int argc, char **argv)
{
	struct uk_ctx c;
	char **paths;
	int n, yes = 0, rc;

	memset(&c, 0, sizeof(c));
	rc = parse(argc, argv, &c, &yes, &paths, &n);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	c.multi = n > 1 || c.recursive;
	rc = cli_walk(paths, n, c.recursive, "updatekeys", plan_file, &c);
	fflush(stdout);
	if (c.nfiles > 0 && (yes || confirm())) {
		for (size_t i = 0; i < c.nfiles; i++) {
			int r = apply_one(&c, c.files[i]);

			if (r != 0)
				rc = r;
		}
	} else if (c.nfiles > 0) {
		fprintf(stderr, "Files left unchanged\n");
	}
	for (size_t i = 0; i < c.nfiles; i++)
		free(c.files[i]);
	free(c.files);
	rule_cache_free(&c.rules);
	return rc;
}
