/* cli_check.c - `sopsfs check [-r] [--staged] [--no-decrypt] [PATH...]`,
 * the CI / pre-commit guard, and `sopsfs filestatus FILE`.
 *
 * Offenders (one line each on stdout, exit 1): a file a creation rule
 * covers that is not a valid SOPS file; a MAC that does not verify (when a
 * key is available; --no-decrypt checks structure only); a value the
 * rule says to encrypt left in clear; master keys that differ from the
 * rule's key groups (fix: sopsfs updatekeys); a plaintext twin of a SOPS
 * file (name.ext next to name.enc.ext, or name.dec.ext / name.plain.ext /
 * name.decrypted.ext next to name.ext). */
#include "cli_check.h"
#include "../codec/core/key_plan.h"
#include "../codec/core/enc_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char check_usage[] =
"usage: sopsfs check [-r|--recursive] [--staged] [--no-decrypt] [--config FILE] [PATH...]\n"
"  Check that every file a .sops.yaml creation rule covers is a valid SOPS file\n"
"  (MAC verified when a key is available), that the values the rule says to\n"
"  encrypt are encrypted, that master keys match the rule, and that no\n"
"  decrypted twin lies next to a SOPS file. --staged checks the git index (what\n"
"  a commit would contain). Exit 1 listing each problem. PATH defaults to '.'.\n";

static void offend(struct chk_ctx *c, const char *name, const char *fmt, const char *a)
{
	printf("%s: ", name);
	printf(fmt, a);
	putchar('\n');
	c->problems++;
}

static int remember(struct chk_ctx *c, const char *name, int is_sops)
{
	struct chk_file *f = realloc(c->files, (c->nfiles + 1) * sizeof(*f));

	if (f == NULL)
		return -1;
	c->files = f;
	f[c->nfiles].path = strdup(name);
	f[c->nfiles].is_sops = is_sops;
	if (f[c->nfiles].path == NULL)
		return -1;
	c->nfiles++;
	return 0;
}

static void check_keys(struct chk_ctx *c, const char *name, const struct sops_meta *m,
		       const struct creation_rule *rule)
{
	struct key_plan plan;
	struct buf d = BUF_INIT;
	struct sops_err err;

	if (rule->ngroups == 0 || plan_from_rule(m, rule, &plan, &err) != 0)
		return;
	if (plan_changed(&plan) && plan_describe(&plan, &d) == 0 && buf_addc(&d, '\0') == 0) {
		for (char *p = (char *)d.data; *p; p++)
			if (*p == '\n' && p[1] != '\0')
				*p = ';';
		((char *)d.data)[d.len - 2] = '\0';
		offend(c, name, "master keys differ from the creation rule (%s); run sopsfs "
		       "updatekeys", (char *)d.data);
	}
	buf_free(&d);
	plan_free(&plan);
}

static void check_clear(struct chk_ctx *c, const char *name, const struct sdoc *doc,
			const struct creation_rule *rule)
{
	const char *vals[RULE_COUNT] = {
		rule->unencrypted_suffix, rule->encrypted_suffix, rule->unencrypted_regex,
		rule->encrypted_regex, rule->unencrypted_comment_regex,
		rule->encrypted_comment_regex,
	};
	struct sel_rules r;
	struct buf rep = BUF_INIT;
	struct sops_err err;
	int any = 0;

	for (int k = 0; k < RULE_COUNT; k++)
		any |= vals[k] != NULL && vals[k][0] != '\0';
	if (!any && doc->store != &binary_store)
		vals[RULE_UNENCRYPTED_SUFFIX] = DEFAULT_UNENCRYPTED_SUFFIX;
	if (rules_init(&r, vals, rule->mac_only_encrypted, &err) != 0)
		return;
	if (audit_clear_values(doc, &r, &rep, &err) > 0 && buf_addc(&rep, '\0') == 0) {
		for (char *p = (char *)rep.data; *p; p++)
			if (*p == '\n' && p[1] != '\0')
				*p = ';';
		((char *)rep.data)[rep.len - 2] = '\0';
		offend(c, name, "%s (the creation rule says to encrypt it)", (char *)rep.data);
	}
	buf_free(&rep);
	rules_free(&r);
}

static void check_mac(struct chk_ctx *c, const char *name, const struct buf *text)
{
	struct sops_opts opts = { 0 };
	struct sops_file *f = NULL;
	struct sops_err err;

	err_clear(&err);
	if (sops_file_open(name, (char *)text->data, text->len, &opts, &f, &err) == 0)
		sops_file_free(f);
	else if (err.code == EX_NO_DATA_KEY)
		c->unverified++;
	else
		offend(c, name, "%s", err.msg);
}

int check_text(struct chk_ctx *c, const char *name, const char *rule_path,
	       const struct buf *text)
{
	const struct creation_rule *rule = NULL;
	struct sdoc *doc = NULL;
	struct sops_meta meta;
	struct sops_err err;
	int r, ms;

	err_clear(&err);
	r = rule_for(&c->rules, rule_path, &rule, &err);
	if (r < 0) {
		offend(c, name, "%s", err.msg);
		return 0;
	}
	ms = cli_load_meta(name, text, &doc, &meta, &err);
	if (remember(c, name, ms == 1) != 0)
		return EX_ERROR;
	if (r == 0 && ms <= 0)
		return 0;
	c->checked++;
	if (ms == 0) {
		offend(c, name, "%s", "not encrypted: a .sops.yaml creation rule covers this file");
	} else if (ms < 0) {
		offend(c, name, "not a valid SOPS file: %s", err.msg);
	} else {
		if (r == 1)
			check_keys(c, name, &meta, rule);
		if (r == 1)
			check_clear(c, name, doc, rule);
		if (!c->no_decrypt)
			check_mac(c, name, text);
		meta_free(&meta);
	}
	sdoc_free(doc);
	return 0;
}

static int check_path(const char *path, void *arg)
{
	struct chk_ctx *c = arg;
	struct buf text = BUF_INIT;
	struct sops_err err;
	const char *base = strrchr(path, '/');
	int rc;

	base = base ? base + 1 : path;
	if (strcmp(base, ".sops.yaml") == 0)
		return 0;
	if (cli_read_file(path, &text, &err) != 0) {
		offend(c, path, "%s", err.msg);
		return 0;
	}
	rc = check_text(c, path, path, &text);
	buf_free(&text);
	return rc;
}

static const struct chk_file *find(const struct chk_ctx *c, const char *path)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i].path, path) == 0)
			return &c->files[i];
	return NULL;
}

/* name.enc.ext -> name.ext; name.ext -> name.{dec,plain,decrypted}.ext */
static void check_twins(struct chk_ctx *c)
{
	static const char *const infix[] = { ".dec", ".plain", ".decrypted" };

	for (size_t i = 0; i < c->nfiles; i++) {
		const char *p = c->files[i].path, *slash = strrchr(p, '/');
		const char *dot = strrchr(slash ? slash + 1 : p, '.');
		size_t stem = dot ? (size_t)(dot - p) : strlen(p);
		char twin[4096];
		const struct chk_file *t;

		if (!c->files[i].is_sops || strlen(p) + 16 > sizeof(twin))
			continue;
		if (stem > 4 && strncmp(p + stem - 4, ".enc", 4) == 0) {
			snprintf(twin, sizeof(twin), "%.*s%s", (int)(stem - 4), p, dot ? dot : "");
			if ((t = find(c, twin)) != NULL && !t->is_sops)
				offend(c, twin, "plaintext twin of the SOPS file %s", p);
		}
		for (size_t k = 0; k < 3; k++) {
			snprintf(twin, sizeof(twin), "%.*s%s%s", (int)stem, p, infix[k], dot ? dot : "");
			if ((t = find(c, twin)) != NULL && !t->is_sops)
				offend(c, twin, "plaintext twin of the SOPS file %s", p);
		}
	}
}

int cli_check(int argc, char **argv)
{
	struct chk_ctx c;
	int i, recursive = 0, staged = 0, rc;
	static char *dot[] = { ".", NULL };

	memset(&c, 0, sizeof(c));
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (!strcmp(argv[i], "-r") || !strcmp(argv[i], "--recursive"))
			recursive = 1;
		else if (!strcmp(argv[i], "--staged"))
			staged = 1;
		else if (!strcmp(argv[i], "--no-decrypt"))
			c.no_decrypt = 1;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			c.rules.config_flag = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(check_usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "sopsfs check: unknown option %s\n%s", argv[i], check_usage);
			return EX_INVALID_ARGS;
		}
	}
	if (i == argc) {
		argv = dot;
		argc = 1;
		i = 0;
		recursive = 1;
	}
	if (staged)
		rc = check_staged(&c, argv + i, argc - i);
	else
		rc = cli_walk(argv + i, argc - i, recursive, "check", check_path, &c);
	check_twins(&c);
	fflush(stdout);
	fprintf(stderr, "sopsfs check: %d file(s) checked, %d problem(s)%s\n", c.checked,
		c.problems, c.unverified ? "; some MACs not verified (no key available)" : "");
	for (size_t k = 0; k < c.nfiles; k++)
		free(c.files[k].path);
	free(c.files);
	rule_cache_free(&c.rules);
	if (rc != 0)
		return rc;
	return c.problems > 0 ? 1 : 0;
}

static const char filestatus_usage[] =
"usage: sopsfs filestatus [--input-type T] FILE\n"
"  Print {\"encrypted\":true} if FILE is a SOPS file (metadata with version and\n"
"  mac), else {\"encrypted\":false}. The format comes from the name, as sops\n"
"  decides it (a name without a known suffix is binary), or from --input-type\n"
"  (yaml, json, dotenv, ini, binary).\n";

int cli_filestatus(int argc, char **argv)
{
	struct buf text = BUF_INIT;
	struct sdoc *doc = NULL;
	struct sops_meta meta;
	struct sops_err err;
	const char *path = NULL, *type = NULL;
	int ms, enc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(filestatus_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--input-type") && i + 1 < argc) {
			type = argv[++i];
		} else if ((argv[i][0] == '-' && argv[i][1] != '\0') || path != NULL) {
			fputs(filestatus_usage, stderr);
			return EX_INVALID_ARGS;
		} else {
			path = argv[i];
		}
	}
	if (path == NULL || (type != NULL && store_by_name(type) == NULL)) {
		fputs(filestatus_usage, stderr);
		return EX_INVALID_ARGS;
	}
	err_clear(&err);
	if (cli_read_file(path, &text, &err) != 0)
		return cli_fail(&err);
	ms = cli_load_meta_as(cli_store(path, type), &text, &doc, &meta, &err);
	if (ms < 0 && strstr(err.msg, "metadata not found") == NULL) {
		buf_free(&text);
		fprintf(stderr, "cannot check file status: cannot load encrypted file: %s\n", err.msg);
		return EX_ERROR;
	}
	if (ms == 1) {
		enc = meta.version != NULL && meta.version[0] && meta.mac != NULL && meta.mac[0];
		meta_free(&meta);
	}
	sdoc_free(doc);
	buf_free(&text);
	printf("{\"encrypted\":%s}\n", enc ? "true" : "false");
	return 0;
}
