/* sops_meta.c - read a file's metadata; build a new file's metadata tree. */
#include "sops_meta.h"
#include "../../crypto/hash.h"
#include "../../common/buf.h"

#include <stdio.h>

#include <string.h>

/* sops' internal order of key types inside a group (stores.go). */
static const char *const group_order[] = {
	"kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp", "age",
};
#define NTYPES (sizeof(group_order) / sizeof(group_order[0]))

static const struct node *map_get(const struct node *m, const char *key)
{
	for (size_t i = 0; i < m->nkids; i++) {
		const struct node *k = m->kids[i];

		if (k->kind != NK_COMMENT && k->key != NULL && strcmp(k->key, key) == 0)
			return k;
	}
	return NULL;
}

/* A scalar as a string, the way mapstructure's weak decoding sees it. */
static const char *scalar_str(const struct node *n)
{
	if (n == NULL || n->kind != NK_SCALAR || n->val.type == VT_NULL)
		return NULL;
	if (n->val.type == VT_BOOL)
		return n->val.b ? "1" : "0";
	return n->val.s;
}

static int weak_int(const struct node *n, int *out, struct sops_err *err)
{
	const char *s = scalar_str(n);
	int64_t v = 0;

	*out = 0;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (n->val.type == VT_FLOAT)
		v = (int64_t)n->val.f;
	else if (go_parse_int(s, strlen(s), &v) != 0)
		return err_set(err, EX_ERROR, "cannot parse '%s' as int", n->key ? n->key : "");
	if (v < 0 || v > 255)
		return err_set(err, EX_ERROR, "invalid %s: %lld", n->key ? n->key : "value",
			       (long long)v);
	*out = (int)v;
	return 0;
}

static int weak_bool(const struct node *n, int *out)
{
	const char *s = scalar_str(n);

	*out = 0;
	if (s == NULL)
		return 0;
	if (n->val.type == VT_BOOL) {
		*out = n->val.b;
		return 0;
	}
	if (s[0] == '\0')
		return 0;
	return go_parse_bool(s, strlen(s), out);
}

/* Scalar fields of an entry; a nested mapping (kms `context`) gives one
 * field per scalar member, named "<field>.<member>". */
static int entry_to_key(struct sdoc *doc, const struct node *e, const char *type,
			struct master_key *mk)
{
	memset(mk, 0, sizeof(*mk));
	mk->type = type;
	if (e->kind != NK_MAP)
		return -1;
	for (size_t i = 0; i < e->nkids && mk->nfields < MK_MAX_FIELDS; i++) {
		const struct node *f = e->kids[i];
		const char *v = scalar_str(f);

		if (f->kind == NK_MAP && f->key != NULL) {
			for (size_t j = 0; j < f->nkids && mk->nfields < MK_MAX_FIELDS; j++) {
				const struct node *c = f->kids[j];
				const char *cv = scalar_str(c);
				char *name;

				if (c->kind != NK_SCALAR || c->key == NULL)
					continue;
				name = pool_alloc(doc->pool, strlen(f->key) + strlen(c->key) + 2);
				if (name == NULL)
					return -1;
				sprintf(name, "%s.%s", f->key, c->key);
				mk->fields[mk->nfields].name = name;
				mk->fields[mk->nfields].value = cv ? cv : "";
				mk->fields[mk->nfields].len = cv ? strlen(cv) : 0;
				mk->nfields++;
			}
			continue;
		}
		if (f->kind != NK_SCALAR || f->key == NULL)
			continue;
		mk->fields[mk->nfields].name = f->key;
		mk->fields[mk->nfields].value = v ? v : "";
		mk->fields[mk->nfields].len = v ? strlen(v) : 0;
		mk->nfields++;
	}
	return 0;
}

static size_t count_keys(const struct node *g)
{
	size_t n = 0;

	for (size_t t = 0; t < NTYPES; t++) {
		const struct node *l = map_get(g, group_order[t]);

		if (l != NULL && l->kind == NK_LIST)
			n += l->nkids;
	}
	return n;
}

static int load_group(struct sdoc *doc, const struct node *g, struct key_group *out,
		      struct sops_err *err)
{
	size_t n = count_keys(g);

	out->nkeys = 0;
	out->keys = pool_alloc(doc->pool, (n ? n : 1) * sizeof(*out->keys));
	if (out->keys == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	for (size_t t = 0; t < NTYPES; t++) {
		const struct node *l = map_get(g, group_order[t]);

		if (l == NULL || l->kind != NK_LIST)
			continue;
		for (size_t i = 0; i < l->nkids; i++) {
			if (l->kids[i]->kind == NK_COMMENT)
				continue;
			if (entry_to_key(doc, l->kids[i], group_order[t], &out->keys[out->nkeys]) != 0)
				return err_set(err, EX_ERROR, "invalid %s entry in sops metadata",
					       group_order[t]);
			out->nkeys++;
		}
	}
	return 0;
}

static int load_groups(struct sdoc *doc, const struct node *meta, struct sops_meta *m,
		       struct sops_err *err)
{
	const struct node *kg = map_get(meta, "key_groups");

	if (count_keys(meta) > 0) {
		m->groups = pool_alloc(doc->pool, sizeof(*m->groups));
		if (m->groups == NULL)
			return err_set(err, EX_ERROR, "out of memory");
		m->ngroups = 1;
		return load_group(doc, meta, &m->groups[0], err);
	}
	if (kg == NULL || kg->kind != NK_LIST || kg->nkids == 0)
		return err_set(err, EX_ERROR, "No keys found in file");
	m->groups = pool_alloc(doc->pool, kg->nkids * sizeof(*m->groups));
	if (m->groups == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	for (size_t i = 0; i < kg->nkids; i++) {
		if (kg->kids[i]->kind != NK_MAP)
			continue;
		if (load_group(doc, kg->kids[i], &m->groups[m->ngroups], err) != 0)
			return -1;
		m->ngroups++;
	}
	if (m->ngroups == 0)
		return err_set(err, EX_ERROR, "No keys found in file");
	return 0;
}

static int load_time(const struct node *n, struct sops_meta *m, struct sops_err *err)
{
	const char *s = scalar_str(n);

	m->lastmodified = s ? s : "";
	m->lastmodified_node = n;
	if (n != NULL && n->val.type == VT_TIME) {
		m->lastmodified_t = n->val.t;
		return 0;
	}
	if (go_parse_rfc3339(m->lastmodified, strlen(m->lastmodified), &m->lastmodified_t) != 0)
		return err_set(err, EX_ERROR, "parsing time \"%s\" as "
			       "\"2006-01-02T15:04:05Z07:00\": cannot parse", m->lastmodified);
	return 0;
}

static int load_rules(const struct node *meta, struct sops_meta *m, struct sops_err *err)
{
	const char *vals[RULE_COUNT];
	int mac_only = 0;

	for (int k = 0; k < RULE_COUNT; k++)
		vals[k] = scalar_str(map_get(meta, sel_rule_names[k]));
	if (weak_bool(map_get(meta, "mac_only_encrypted"), &mac_only) != 0)
		return err_set(err, EX_ERROR, "invalid mac_only_encrypted in sops metadata");
	return rules_init(&m->rules, vals, mac_only, err);
}

int meta_load(struct sdoc *doc, struct sops_meta *m, struct sops_err *err)
{
	const struct node *meta = doc->meta;
	const char *s;

	memset(m, 0, sizeof(*m));
	if (doc->meta_bad)
		return err_set(err, EX_ERROR, "Found sops entry that is not a mapping");
	if (doc->meta_dup)
		return err_set(err, EX_ERROR, "Found duplicate sops entry");
	if (meta == NULL)
		return err_set(err, EX_ERROR, "sops metadata not found");
	if (load_time(map_get(meta, "lastmodified"), m, err) != 0 ||
	    load_groups(doc, meta, m, err) != 0 ||
	    weak_int(map_get(meta, "shamir_threshold"), &m->shamir_threshold, err) != 0 ||
	    load_rules(meta, m, err) != 0)
		return -1;
	m->mac_node = map_get(meta, "mac");
	s = scalar_str(m->mac_node);
	m->mac = s ? s : "";
	s = scalar_str(map_get(meta, "version"));
	m->version = s ? s : "";
	if (m->version[0] == '\0') {
		rules_free(&m->rules);
		return err_set(err, EX_ERROR, "Version string empty");
	}
	return 0;
}

void meta_free(struct sops_meta *m)
{
	rules_free(&m->rules);
	memset(m, 0, sizeof(*m));
}

int meta_key_id(const struct sops_meta *m, uint8_t out[32])
{
	struct buf b = BUF_INIT;
	int rc = buf_printf(&b, "sopsfs-key-id\n%d\n", m->shamir_threshold);

	for (size_t g = 0; g < m->ngroups; g++) {
		rc |= buf_printf(&b, "group %zu\n", g);
		for (size_t k = 0; k < m->groups[g].nkeys; k++) {
			const struct master_key *mk = &m->groups[g].keys[k];
			const struct mk_field *enc = mk_get(mk, "enc");

			rc |= buf_printf(&b, "%s %zu\n", mk->type, enc ? enc->len : 0);
			if (enc != NULL)
				rc |= buf_add(&b, enc->value, enc->len);
		}
	}
	if (rc == 0)
		rc = sha256(b.data, b.len, out);
	buf_free(&b);
	return rc;
}

/* ---- building a new metadata tree (sops 3.13: every map sorted) ---- */

static struct node *add_node(struct sdoc *doc, struct node *parent, const char *key,
			     enum nkind kind)
{
	struct node *n = node_new(doc, kind);

	if (n == NULL)
		return NULL;
	n->flags |= NODE_SYNTH;
	if (key != NULL) {
		n->key = pool_strdup(doc->pool, key);
		if (n->key == NULL)
			return NULL;
		n->keylen = strlen(key);
	}
	if (parent != NULL && node_add_kid(doc, parent, n) != 0)
		return NULL;
	return n;
}

static int add_str(struct sdoc *doc, struct node *parent, const char *key, const char *v)
{
	struct node *n = add_node(doc, parent, key, NK_SCALAR);

	return n == NULL ? -1 : tvalue_set(doc, &n->val, VT_STR, v, strlen(v));
}

/* A field "a.b" is member b of the nested mapping a (kms `context`);
 * members arrive sorted, so the mapping is the entry's last child. */
static int add_field(struct sdoc *doc, struct node *e, const char *name, const char *v)
{
	const char *dot = strchr(name, '.');
	struct node *m = NULL;
	char parent[64];

	if (dot == NULL || (size_t)(dot - name) >= sizeof(parent))
		return add_str(doc, e, name, v);
	memcpy(parent, name, (size_t)(dot - name));
	parent[dot - name] = '\0';
	if (e->nkids > 0 && e->kids[e->nkids - 1]->kind == NK_MAP &&
	    strcmp(e->kids[e->nkids - 1]->key, parent) == 0)
		m = e->kids[e->nkids - 1];
	if (m == NULL && (m = add_node(doc, e, parent, NK_MAP)) == NULL)
		return -1;
	return add_str(doc, m, dot + 1, v);
}

static int add_entries(struct sdoc *doc, struct node *parent, const char *type,
		       const struct new_group *g, int always)
{
	struct node *list = NULL;

	for (size_t i = 0; i < g->nkeys; i++) {
		const struct mk_new *k = &g->keys[i];
		struct node *e;

		if (strcmp(k->type, type) != 0)
			continue;
		if (list == NULL && (list = add_node(doc, parent, type, NK_LIST)) == NULL)
			return -1;
		if ((e = add_node(doc, list, NULL, NK_MAP)) == NULL)
			return -1;
		for (size_t f = 0; f < k->nfields; f++)
			if (add_field(doc, e, k->names[f], k->values[f]) != 0)
				return -1;
	}
	if (list == NULL && always && add_node(doc, parent, type, NK_LIST) == NULL)
		return -1;
	return 0;
}

/* Key lists of one group, sorted: age, azure_kv, gcp_kms, hc_vault, hckms,
 * kms, pgp. In key_groups, age and hc_vault are always written. */
static const char *const sorted_types[] = {
	"age", "azure_kv", "gcp_kms", "hc_vault", "hckms", "kms", "pgp",
};

static int add_group_lists(struct sdoc *doc, struct node *parent, const struct new_group *g,
			   int in_key_groups, const char *upto, const char *from)
{
	for (size_t t = 0; t < sizeof(sorted_types) / sizeof(sorted_types[0]); t++) {
		const char *ty = sorted_types[t];
		int always = in_key_groups && (!strcmp(ty, "age") || !strcmp(ty, "hc_vault"));

		if (upto != NULL && strcmp(ty, upto) >= 0)
			continue;
		if (from != NULL && strcmp(ty, from) < 0)
			continue;
		if (add_entries(doc, parent, ty, g, always) != 0)
			return -1;
	}
	return 0;
}

static int add_rule(struct sdoc *doc, struct node *root, const struct meta_spec *s,
		    const char *name)
{
	for (int k = 0; k < RULE_COUNT; k++)
		if (strcmp(sel_rule_names[k], name) == 0 && s->rule_values[k] != NULL &&
		    s->rule_values[k][0] != '\0')
			return add_str(doc, root, name, s->rule_values[k]);
	return 0;
}

static int add_key_groups(struct sdoc *doc, struct node *root, const struct meta_spec *s)
{
	struct node *kg = add_node(doc, root, "key_groups", NK_LIST);

	if (kg == NULL)
		return -1;
	for (size_t i = 0; i < s->ngroups; i++) {
		struct node *g = add_node(doc, kg, NULL, NK_MAP);

		if (g == NULL || add_group_lists(doc, g, &s->groups[i], 1, NULL, NULL) != 0)
			return -1;
	}
	return 0;
}

static int build_root(struct sdoc *doc, struct node *root, const struct meta_spec *s)
{
	int flat = s->ngroups == 1;
	struct node *n;

	/* age, azure_kv (flat lists before the rule names) */
	if (flat && add_group_lists(doc, root, &s->groups[0], 0, "encrypted", NULL) != 0)
		return -1;
	if (add_rule(doc, root, s, "encrypted_comment_regex") != 0 ||
	    add_rule(doc, root, s, "encrypted_regex") != 0 ||
	    add_rule(doc, root, s, "encrypted_suffix") != 0)
		return -1;
	/* gcp_kms, hc_vault, hckms */
	if (flat && add_group_lists(doc, root, &s->groups[0], 0, "key_groups", "encrypted") != 0)
		return -1;
	if (!flat && add_key_groups(doc, root, s) != 0)
		return -1;
	/* kms */
	if (flat && add_group_lists(doc, root, &s->groups[0], 0, "lastmodified", "key_groups") != 0)
		return -1;
	if (add_str(doc, root, "lastmodified", s->lastmodified) != 0 ||
	    add_str(doc, root, "mac", s->mac) != 0)
		return -1;
	if (s->mac_only_encrypted) {
		if ((n = add_node(doc, root, "mac_only_encrypted", NK_SCALAR)) == NULL ||
		    tvalue_bool(doc, &n->val, 1) != 0)
			return -1;
	}
	/* pgp */
	if (flat && add_group_lists(doc, root, &s->groups[0], 0, NULL, "mac_only_encrypted") != 0)
		return -1;
	if (s->shamir_threshold != 0) {
		if ((n = add_node(doc, root, "shamir_threshold", NK_SCALAR)) == NULL ||
		    tvalue_int(doc, &n->val, s->shamir_threshold) != 0)
			return -1;
	}
	if (add_rule(doc, root, s, "unencrypted_comment_regex") != 0 ||
	    add_rule(doc, root, s, "unencrypted_regex") != 0 ||
	    add_rule(doc, root, s, "unencrypted_suffix") != 0)
		return -1;
	return add_str(doc, root, "version", s->version);
}

struct node *meta_build_tree(struct sdoc *doc, const struct meta_spec *spec,
			     struct sops_err *err)
{
	struct node *root = add_node(doc, NULL, NULL, NK_MAP);

	if (root == NULL || build_root(doc, root, spec) != 0) {
		err_set(err, EX_ERROR, "out of memory");
		return NULL;
	}
	return root;
}
