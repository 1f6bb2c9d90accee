/* config_rules.c - decoding one creation rule of .sops.yaml: key_groups
 * entries, the flat key fields (string or list), selection rules; errors
 * sops reports only for the chosen rule are deferred into the rule.
 */
#include "sops_config.h"
#include "config_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- key groups (key_groups entries) ---- */

struct group_ctx {
	struct cfg_group *g;
	int depth;
};

static int add_age_item(void *ctx, const char *s)
{
	return add_split(ctx, "age", s, 0);
}

static int add_pgp_item(void *ctx, const char *s)
{
	return add_split(ctx, "pgp", s, 1);
}

static int add_vault_item(void *ctx, const char *s)
{
	return add_split(ctx, "hc_vault", s, 0);
}

/* Add a key from struct fields; NULL m gives an empty value (skipped). */
static struct cfg_key *add_from_field(struct dec *d, struct cfg_group *g, const char *type,
				      const yaml_node_t *m, const char *field)
{
	char *v = NULL;
	struct cfg_key *k = NULL;

	if (m != NULL && dec_field_str(d, m, field, &v) != 0) {
		free(v);
		return NULL;
	}
	if (v != NULL && v[0] != '\0' && (k = group_add_key(g, type, v, strlen(v))) == NULL)
		d->oom = 1;
	free(v);
	return k;
}

static int kms_context(struct dec *d, const yaml_node_t *c, struct cfg_key *k)
{
	if (!dec_struct(d, c, "map[string]*string") || k == NULL)
		return visit(d);
	for (yaml_node_pair_t *p = c->data.mapping.pairs.start; p < c->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = dnode(d, p->key), *vn = dnode(d, p->value);
		char *name = NULL, *val = NULL, attr[512];

		if (dec_string(d, kn, &name) != 0 || dec_string(d, vn, &val) != 0) {
			free(name);
			free(val);
			return -1;
		}
		snprintf(attr, sizeof(attr), "context.%s", name != NULL ? name : "");
		if (key_add_attr(k, attr, val != NULL ? val : "") != 0)
			d->oom = 1;
		free(name);
		free(val);
	}
	return visit(d);
}

static int add_kms_entry(struct dec *d, const yaml_node_t *m, void *ctx)
{
	struct group_ctx *gc = ctx;
	struct cfg_key *k = add_from_field(d, gc->g, "kms", m, "arn");
	char *role = NULL, *profile = NULL;
	int rc = 0;

	if (m == NULL)
		return visit(d);
	if (dec_field_str(d, m, "role", &role) != 0 ||
	    dec_field_str(d, m, "aws_profile", &profile) != 0)
		rc = -1;
	if (rc == 0 && k != NULL && ((role != NULL && role[0] != '\0' && key_add_attr(k, "role", role)) ||
				     (profile != NULL && profile[0] != '\0' &&
				      key_add_attr(k, "aws_profile", profile))))
		d->oom = 1;
	if (rc == 0)
		rc = kms_context(d, map_get(d, m, "context"), k);
	free(role);
	free(profile);
	return rc != 0 ? -1 : visit(d);
}

static int add_gcp_entry(struct dec *d, const yaml_node_t *m, void *ctx)
{
	add_from_field(d, ((struct group_ctx *)ctx)->g, "gcp_kms", m, "resource_id");
	return visit(d);
}

static int add_hckms_entry(struct dec *d, const yaml_node_t *m, void *ctx)
{
	add_from_field(d, ((struct group_ctx *)ctx)->g, "hckms", m, "key_id");
	return visit(d);
}

static int add_azure_entry(struct dec *d, const yaml_node_t *m, void *ctx)
{
	struct group_ctx *gc = ctx;
	char *url = NULL, *key = NULL, *ver = NULL;
	struct buf v = BUF_INIT;
	struct cfg_key *k;

	if (m == NULL)
		return visit(d);
	if (dec_field_str(d, m, "vaultUrl", &url) == 0 && dec_field_str(d, m, "key", &key) == 0 &&
	    dec_field_str(d, m, "version", &ver) == 0) {
		if (buf_printf(&v, "%s/keys/%s%s%s", url ? url : "", key ? key : "",
			       ver && ver[0] ? "/" : "", ver ? ver : "") != 0 ||
		    (k = group_add_key(gc->g, "azure_kv", (char *)v.data, v.len)) == NULL ||
		    key_add_attr(k, "vaultUrl", url ? url : "") || key_add_attr(k, "key", key ? key : "") ||
		    key_add_attr(k, "version", ver ? ver : ""))
			d->oom = 1;
	}
	buf_free(&v);
	free(url);
	free(key);
	free(ver);
	return visit(d);
}

static int dec_group_into(struct dec *d, const yaml_node_t *m, void *ctx);

/* A keyGroup mapping: merge groups first, then age, pgp, kms, gcp_kms,
 * hckms, azure_keyvault, hc_vault (sops' extractMasterKeys order). */
static int dec_group_into(struct dec *d, const yaml_node_t *m, void *ctx)
{
	struct group_ctx *gc = ctx, sub = { gc->g, gc->depth + 1 };

	if (m == NULL)
		return visit(d);
	if (sub.depth > MAX_NEST) {
		snprintf(d->fatal, sizeof(d->fatal), "anchor value contains itself");
		return -1;
	}
	if (dec_structlist(d, map_get(d, m, "merge"), "[]config.keyGroup", "config.keyGroup",
			   dec_group_into, &sub) != 0 ||
	    dec_strlist(d, map_get(d, m, "age"), add_age_item, gc->g) != 0 ||
	    dec_strlist(d, map_get(d, m, "pgp"), add_pgp_item, gc->g) != 0 ||
	    dec_structlist(d, map_get(d, m, "kms"), "[]config.kmsKey", "config.kmsKey",
			   add_kms_entry, gc) != 0 ||
	    dec_structlist(d, map_get(d, m, "gcp_kms"), "[]config.gcpKmsKey", "config.gcpKmsKey",
			   add_gcp_entry, gc) != 0 ||
	    dec_structlist(d, map_get(d, m, "hckms"), "[]config.hckmsKey", "config.hckmsKey",
			   add_hckms_entry, gc) != 0 ||
	    dec_structlist(d, map_get(d, m, "azure_keyvault"), "[]config.azureKVKey",
			   "config.azureKVKey", add_azure_entry, gc) != 0 ||
	    dec_strlist(d, map_get(d, m, "hc_vault"), add_vault_item, gc->g) != 0)
		return -1;
	return visit(d);
}

static int add_group(struct dec *d, const yaml_node_t *m, void *ctx)
{
	struct creation_rule *r = ctx;
	struct cfg_group *ng = realloc(r->groups, (r->ngroups + 1) * sizeof(*ng));
	struct group_ctx gc;

	if (ng == NULL) {
		d->oom = 1;
		return -1;
	}
	r->groups = ng;
	memset(&ng[r->ngroups], 0, sizeof(ng[0]));
	gc.g = &ng[r->ngroups++];
	gc.depth = 0;
	if (dec_group_into(d, m, &gc) != 0)
		return -1;
	group_dedupe(gc.g);
	return visit(d);
}

/* ---- flat key fields of a rule (string or list: parseKeyField) ---- */

struct flat_field {
	const char *key;        /* .sops.yaml field */
	const char *outer;      /* name in "invalid <outer> key configuration" */
	const char *type;       /* provider type */
	int nospace;
};

static const struct flat_field flat_fields[] = {
	{ "age", "age", "age", 0 },
	{ "pgp", "pgp", "pgp", 1 },
	{ "kms", "kms", "kms", 1 },
	{ "gcp_kms", "gcpkms", "gcp_kms", 0 },
	{ "hckms", NULL, "hckms", 0 },
	{ "azure_keyvault", "azure_keyvault", "azure_kv", 0 },
	{ "hc_vault_transit_uri", "vault", "hc_vault", 0 },
};

/* Keep the rule's error for when it is chosen: the first one, or this one
 * in place of any before it when replace is set. */
static void defer_err_as(struct creation_rule *r, int replace, const char *fmt, const char *a,
			 const char *b, const char *c)
{
	struct sops_err e;

	if (r->deferred_code != 0 && !replace)
		return;
	err_set(&e, EX_ERROR, fmt, a, b, c);
	free(r->deferred_msg);
	r->deferred_code = e.code;
	r->deferred_msg = strdup(e.msg);
}

static void defer_err(struct creation_rule *r, const char *fmt, const char *a,
		      const char *b, const char *c)
{
	defer_err_as(r, 0, fmt, a, b, c);
}

/* Items of a flat field, joined with ',' (sops joins, then splits). */
static int flat_items(struct dec *d, struct creation_rule *r, const struct flat_field *f,
		      const yaml_node_t *n, struct buf *out)
{
	static const char bad_scalar[] = "invalid %s key configuration: invalid %s key "
		"configuration: expected string, []string, or nil, got %s";
	static const char bad_item[] = "invalid %s key configuration: invalid %s key "
		"configuration: expected string in list, got %s";

	if (n == NULL || is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE) {
		if (strcmp(go_type(n), "string") != 0) {
			defer_err(r, bad_scalar, f->outer, f->key, go_type(n));
			return 0;
		}
		return buf_adds(out, sval(n));
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		defer_err(r, bad_scalar, f->outer, f->key, go_type(n));
		return 0;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		const yaml_node_t *item = dnode(d, *it);

		if (item == NULL || strcmp(go_type(item), "string") != 0) {
			defer_err(r, bad_item, f->outer, f->key, item ? go_type(item) : "<nil>");
			return 0;
		}
		if (buf_adds(out, sval(item)) != 0 || buf_addc(out, ',') != 0)
			return -1;
	}
	return 0;
}

/* kms "ARN+ROLE_ARN" strings: role split at "+arn:", aws_profile added. */
static int add_flat_kms(struct cfg_group *g, size_t from, const char *profile)
{
	for (size_t i = from; i < g->nkeys; i++) {
		struct cfg_key *k = &g->keys[i];
		char *role = strstr(k->value, "+arn:");

		if (role != NULL && role != k->value) {
			if (key_add_attr(k, "role", role + 1) != 0)
				return -1;
			*role = '\0';
		}
		if (profile != NULL && profile[0] != '\0' && key_add_attr(k, "aws_profile", profile) != 0)
			return -1;
	}
	return 0;
}

static int hckms_item(void *ctx, const char *s)
{
	struct buf *b = ctx;

	return buf_adds(b, s) != 0 || buf_addc(b, ',') != 0 ? -1 : 0;
}

/* The one group made of the flat fields, in sops' order. */
static int flat_group(struct dec *d, const yaml_node_t *m, struct creation_rule *r,
		      const char *profile, const struct buf *hckms)
{
	struct cfg_group *g = calloc(1, sizeof(*g));
	int rc = 0;

	if (g == NULL)
		return -1;
	r->groups = g;
	r->ngroups = 1;
	for (size_t i = 0; i < sizeof(flat_fields) / sizeof(flat_fields[0]) && rc == 0; i++) {
		const struct flat_field *f = &flat_fields[i];
		const yaml_node_t *n = m != NULL ? map_get(d, m, f->key) : NULL;
		struct buf items = BUF_INIT;
		size_t from = g->nkeys;

		if (f->outer == NULL)   /* hckms: a typed []string, decoded already */
			rc = hckms->len > 0 ? buf_add(&items, hckms->data, hckms->len) : 0;
		else
			rc = flat_items(d, r, f, n, &items);
		if (rc == 0 && items.len > 0)
			rc = add_split(g, f->type, (char *)items.data, f->nospace);
		if (rc == 0 && strcmp(f->type, "kms") == 0)
			rc = add_flat_kms(g, from, profile);
		buf_free(&items);
	}
	return rc;
}

/* ---- creation rules ---- */

static void check_selection(struct creation_rule *r)
{
	const char *sel[] = { r->unencrypted_suffix, r->encrypted_suffix, r->unencrypted_regex,
		r->encrypted_regex, r->unencrypted_comment_regex, r->encrypted_comment_regex };
	int count = 0;

	for (size_t i = 0; i < sizeof(sel) / sizeof(sel[0]); i++)
		count += sel[i] != NULL && sel[i][0] != '\0';
	if (count > 1)
		defer_err_as(r, 1, "error loading config: cannot use more than one of "
			     "encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, "
			     "encrypted_comment_regex, or unencrypted_comment_regex for the same rule",
			     NULL, NULL, NULL);
}

static void empty_to_null(char **s)
{
	if (*s != NULL && (*s)[0] == '\0') {
		free(*s);
		*s = NULL;
	}
}

static int dec_rule_fields(struct dec *d, const yaml_node_t *m, struct creation_rule *r,
			   char **profile, struct buf *hckms)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
		{ "path_regex", offsetof(struct creation_rule, path_regex) },
		{ "unencrypted_suffix", offsetof(struct creation_rule, unencrypted_suffix) },
		{ "encrypted_suffix", offsetof(struct creation_rule, encrypted_suffix) },
		{ "unencrypted_regex", offsetof(struct creation_rule, unencrypted_regex) },
		{ "encrypted_regex", offsetof(struct creation_rule, encrypted_regex) },
		{ "unencrypted_comment_regex", offsetof(struct creation_rule, unencrypted_comment_regex) },
		{ "encrypted_comment_regex", offsetof(struct creation_rule, encrypted_comment_regex) },
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (dec_field_str(d, m, strs[i].key, (char **)((char *)r + strs[i].off)) != 0)
			return -1;
	if (dec_field_str(d, m, "aws_profile", profile) != 0 ||
	    dec_int(d, map_get(d, m, "shamir_threshold"), &r->shamir_threshold) != 0 ||
	    dec_bool(d, map_get(d, m, "mac_only_encrypted"), &r->mac_only_encrypted) != 0 ||
	    dec_strlist(d, map_get(d, m, "hckms"), hckms_item, hckms) != 0 ||
	    dec_structlist(d, map_get(d, m, "key_groups"), "[]config.keyGroup", "config.keyGroup",
			   add_group, r) != 0)
		return -1;
	return 0;
}

int add_rule(struct dec *d, const yaml_node_t *m, void *ctx)
{
	struct sops_config *cfg = ctx;
	struct creation_rule *nr = realloc(cfg->rules, (cfg->nrules + 1) * sizeof(*nr)), *r;
	char *profile = NULL;
	struct buf hckms = BUF_INIT;
	int rc = 0;

	if (nr == NULL) {
		d->oom = 1;
		return -1;
	}
	cfg->rules = nr;
	r = &nr[cfg->nrules++];
	memset(r, 0, sizeof(*r));
	if (m != NULL)
		rc = dec_rule_fields(d, m, r, &profile, &hckms);
	check_selection(r);
	if (rc == 0 && r->ngroups == 0)
		rc = flat_group(d, m, r, profile, &hckms);
	if (rc == 0 && r->path_regex == NULL && (r->path_regex = strdup("")) == NULL)
		d->oom = 1;
	empty_to_null(&r->unencrypted_suffix);
	empty_to_null(&r->encrypted_suffix);
	empty_to_null(&r->unencrypted_regex);
	empty_to_null(&r->encrypted_regex);
	empty_to_null(&r->unencrypted_comment_regex);
	empty_to_null(&r->encrypted_comment_regex);
	free(profile);
	buf_free(&hckms);
	return rc != 0 ? -1 : visit(d);
}
