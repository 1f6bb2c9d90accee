/* sops_config.c - .sops.yaml: find it, load it, choose a creation rule.
 *
 * The YAML is read with libyaml's document loader (yaml_parser_load gives
 * a node graph with aliases pointing at their anchors). The typed decoding
 * below is written by hand because it has to mimic go.yaml.in/yaml/v3
 * Unmarshal into sops' config structs (config/config.go): unknown keys
 * ignored, duplicate keys and wrong types rejected with yaml.v3's
 * messages, merge keys (<<) honoured, only the first document read.
 * Errors sops only reports for the rule it picks (conflicting selection
 * rules, bad flat key fields) are kept in the rule and raised by
 * sops_config_match.
 */
#include "sops_config.h"
#include "go_regex.h"
#include "../../common/buf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_LEVELS 100
#define MAX_VISITS 100000
#define MAX_NEST 64
#define MAX_CONFIG_SIZE (16u << 20)

/* ---- paths (lexical, like Go's filepath.Abs / path.Join) ---- */

/* Clean an absolute path: no "", ".", ".." components, no trailing '/'. */
static int path_clean(const char *in, char *out, size_t outsz)
{
	size_t len = 0;
	const char *p = in;

	while (*p != '\0') {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		s = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		if (len + 1 + n + 1 > outsz)
			return -1;
		out[len++] = '/';
		memcpy(out + len, s, n);
		len += n;
	}
	if (outsz < 2)
		return -1;
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

static int path_abs(const char *path, char *out, size_t outsz)
{
	char cwd[PATH_MAX], *tmp;
	int rc;

	if (path[0] == '/')
		return path_clean(path, out, outsz);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	tmp = malloc(strlen(cwd) + strlen(path) + 2);
	if (tmp == NULL)
		return -1;
	sprintf(tmp, "%s/%s", cwd, path);
	rc = path_clean(tmp, out, outsz);
	free(tmp);
	return rc;
}

static int path_within(const char *dir, const char *top)
{
	size_t n = strlen(top);

	if (strcmp(top, "/") == 0)
		return 1;
	return strncmp(dir, top, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

static void path_parent(char *dir)
{
	char *slash = strrchr(dir, '/');

	if (slash == dir)
		dir[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
}

int sops_config_find(const char *start_dir, const char *stop_dir, char *out, size_t outsz)
{
	char dir[PATH_MAX], stop[PATH_MAX], cand[PATH_MAX + 16];
	struct stat st;

	if (path_abs(start_dir, dir, sizeof(dir)) != 0 ||
	    (stop_dir != NULL && path_abs(stop_dir, stop, sizeof(stop)) != 0))
		return -1;
	if (stop_dir != NULL && !path_within(dir, stop))
		return 0;
	for (int i = 0; i < MAX_LEVELS; i++) {
		snprintf(cand, sizeof(cand), "%s%s.sops.yaml", dir,
			 strcmp(dir, "/") == 0 ? "" : "/");
		if (stat(cand, &st) == 0) {
			if (strlen(cand) >= outsz)
				return -1;
			memcpy(out, cand, strlen(cand) + 1);
			return 1;
		}
		if ((stop_dir != NULL && strcmp(dir, stop) == 0) || strcmp(dir, "/") == 0)
			return 0;
		path_parent(dir);
	}
	return 0;
}

/* ---- building the result ---- */

static void key_free(struct cfg_key *k)
{
	for (size_t i = 0; i < k->nattrs; i++) {
		free(k->attrs[i].name);
		free(k->attrs[i].value);
	}
	free(k->attrs);
	free(k->value);
}

static void group_free(struct cfg_group *g)
{
	for (size_t i = 0; i < g->nkeys; i++)
		key_free(&g->keys[i]);
	free(g->keys);
	g->keys = NULL;
	g->nkeys = 0;
}

static void rule_free(struct creation_rule *r)
{
	for (size_t i = 0; i < r->ngroups; i++)
		group_free(&r->groups[i]);
	free(r->groups);
	free(r->path_regex);
	free(r->unencrypted_suffix);
	free(r->encrypted_suffix);
	free(r->unencrypted_regex);
	free(r->encrypted_regex);
	free(r->unencrypted_comment_regex);
	free(r->encrypted_comment_regex);
}

void sops_config_free(struct sops_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->nrules; i++)
		rule_free(&cfg->rules[i]);
	free(cfg->rules);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}

static char *memdup_str(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static struct cfg_key *group_add_key(struct cfg_group *g, const char *type,
				     const char *val, size_t len)
{
	struct cfg_key *nk = realloc(g->keys, (g->nkeys + 1) * sizeof(*nk)), *k;

	if (nk == NULL)
		return NULL;
	g->keys = nk;
	k = &g->keys[g->nkeys];
	memset(k, 0, sizeof(*k));
	k->type = type;
	k->value = memdup_str(val, len);
	if (k->value == NULL)
		return NULL;
	g->nkeys++;
	return k;
}

static int key_add_attr(struct cfg_key *k, const char *name, const char *val)
{
	struct cfg_attr *na = realloc(k->attrs, (k->nattrs + 1) * sizeof(*na));

	if (na == NULL)
		return -1;
	k->attrs = na;
	na[k->nattrs].name = strdup(name);
	na[k->nattrs].value = strdup(val);
	if (na[k->nattrs].name == NULL || na[k->nattrs].value == NULL) {
		free(na[k->nattrs].name);
		free(na[k->nattrs].value);
		return -1;
	}
	k->nattrs++;
	return 0;
}

static const char *attr_get(const struct cfg_key *k, const char *name)
{
	for (size_t i = 0; i < k->nattrs; i++)
		if (strcmp(k->attrs[i].name, name) == 0)
			return k->attrs[i].value;
	return "";
}

/* sops' deduplicateKeygroup: same type and same ToString, first one kept. */
static int same_key(const struct cfg_key *a, const struct cfg_key *b)
{
	if (strcmp(a->type, b->type) != 0 || strcmp(a->value, b->value) != 0)
		return 0;
	return strcmp(a->type, "kms") != 0 || strcmp(attr_get(a, "role"), attr_get(b, "role")) == 0;
}

static void group_dedupe(struct cfg_group *g)
{
	size_t w = 0;

	for (size_t i = 0; i < g->nkeys; i++) {
		int dup = 0;

		for (size_t j = 0; j < w && !dup; j++)
			dup = same_key(&g->keys[j], &g->keys[i]);
		if (dup)
			key_free(&g->keys[i]);
		else
			g->keys[w++] = g->keys[i];
	}
	g->nkeys = w;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Split s at ',' and add each trimmed, non-empty item (spaces removed
 * when nospace, as pgp and kms do) to g. */
static int add_split(struct cfg_group *g, const char *type, const char *s, int nospace)
{
	while (*s != '\0') {
		const char *end = strchr(s, ',');
		size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
		char *item = memdup_str(s, n), *w = item;
		size_t len = 0;

		if (item == NULL)
			return -1;
		while (is_space(*w))
			w++;
		for (const char *r = w; *r != '\0'; r++)
			if (!(nospace && *r == ' '))
				item[len++] = *r;
		while (len > 0 && is_space(item[len - 1]))
			len--;
		if (len > 0 && group_add_key(g, type, item, len) == NULL) {
			free(item);
			return -1;
		}
		free(item);
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

/* ---- yaml.v3-like decoding ---- */

enum rtype { R_NULL, R_BOOL, R_INT, R_FLOAT, R_TIME, R_STR };

struct dec {
	yaml_document_t *doc;
	struct buf terrs;          /* "\n  line N: ..." */
	size_t visits;
	char fatal[256];           /* yaml.v3 failf() text, when set */
	int oom;
};

static const yaml_node_t *dnode(struct dec *d, yaml_node_item_t idx)
{
	return yaml_document_get_node(d->doc, idx);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* Go's strconv.ParseInt(s, 0, 64) on s without '_', plus yaml.v3's 0b/0o. */
static int parse_int(const char *in, long long *v)
{
	char s[72], *end;
	size_t n = 0;
	int neg, base = 0;
	const char *p;

	for (const char *c = in; *c != '\0'; c++)
		if (*c != '_') {
			if (n + 1 >= sizeof(s))
				return -1;
			s[n++] = *c;
		}
	s[n] = '\0';
	neg = s[0] == '-';
	p = s + (s[0] == '-' || s[0] == '+');
	if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B' || p[1] == 'o' || p[1] == 'O')) {
		base = (p[1] == 'b' || p[1] == 'B') ? 2 : 8;
		p += 2;
	}
	if (!isdigit((unsigned char)p[0]) && !(base == 0 && p[0] == '0'))
		return -1;
	errno = 0;
	*v = strtoll(p, &end, base);
	if (errno != 0 || *end != '\0' || end == p)
		return -1;
	if (neg)
		*v = -*v;
	return 0;
}

/* yaml.v3's float syntax: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int is_yaml_float(const char *s)
{
	size_t i = (s[0] == '-' || s[0] == '+'), d = 0, f = 0;

	while (isdigit((unsigned char)s[i]))
		i++, d++;
	if (s[i] == '.')
		for (i++; isdigit((unsigned char)s[i]); i++)
			f++;
	if (d == 0 && f == 0)
		return 0;
	if (d == 0 && s[i - f - 1] != '.')
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t e = 0;

		i++;
		if (s[i] == '-' || s[i] == '+')
			i++;
		while (isdigit((unsigned char)s[i]))
			i++, e++;
		if (e == 0)
			return 0;
	}
	return s[i] == '\0';
}

/* Close enough to yaml.v3's timestamp formats: YYYY-M-D[(T|t| )...]. */
static int is_timestamp(const char *s)
{
	int i = 0, n;

	while (isdigit((unsigned char)s[i]))
		i++;
	if (i != 4 || s[i] != '-')
		return 0;
	for (int part = 0; part < 2; part++) {
		i++;
		for (n = 0; isdigit((unsigned char)s[i]); i++)
			n++;
		if (n < 1 || n > 2 || (part == 0 && s[i] != '-'))
			return 0;
	}
	return s[i] == '\0' || s[i] == 'T' || s[i] == 't' || s[i] == ' ';
}

static enum rtype resolve(const yaml_node_t *n, long long *iv, double *fv)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const bools[] = { "true", "True", "TRUE", "false", "False", "FALSE", NULL };
	static const char *const floats[] = { ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", NULL };
	const char *s = sval(n);

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return R_STR;
	for (int i = 0; nulls[i] != NULL; i++)
		if (strcmp(s, nulls[i]) == 0)
			return R_NULL;
	for (int i = 0; bools[i] != NULL; i++)
		if (strcmp(s, bools[i]) == 0) {
			*iv = i < 3;
			return R_BOOL;
		}
	for (int i = 0; floats[i] != NULL; i++)
		if (strcmp(s, floats[i]) == 0)
			return R_FLOAT;
	if (s[0] == '.' || s[0] == '-' || s[0] == '+' || isdigit((unsigned char)s[0])) {
		if (s[0] != '.' && is_timestamp(s))
			return R_TIME;
		if (s[0] != '.' && parse_int(s, iv) == 0)
			return R_INT;
		if (is_yaml_float(s)) {
			*fv = strtod(s, NULL);
			return R_FLOAT;
		}
	}
	return R_STR;
}

static const char *short_tag(const yaml_node_t *n)
{
	static const char *const tags[] = { "!!null", "!!bool", "!!int", "!!float",
		"!!timestamp", "!!str" };
	long long iv;
	double fv;

	if (n->type == YAML_MAPPING_NODE)
		return "!!map";
	if (n->type == YAML_SEQUENCE_NODE)
		return "!!seq";
	return tags[resolve(n, &iv, &fv)];
}

/* Go's %T of what yaml.v3 decodes n to in an interface{}. */
static const char *go_type(const yaml_node_t *n)
{
	static const char *const types[] = { "<nil>", "bool", "int", "float64",
		"time.Time", "string" };
	long long iv;
	double fv;

	if (n->type == YAML_MAPPING_NODE)
		return "map[string]interface {}";
	if (n->type == YAML_SEQUENCE_NODE)
		return "[]interface {}";
	return types[resolve(n, &iv, &fv)];
}

/* yaml.v3 terror: "line N: cannot unmarshal !!tag `value` into T". */
static void terror(struct dec *d, const yaml_node_t *n, const char *into)
{
	char val[32] = "";

	if (n->type == YAML_SCALAR_NODE) {
		const char *s = sval(n);

		if (strlen(s) > 10)
			snprintf(val, sizeof(val), " `%.7s...`", s);
		else
			snprintf(val, sizeof(val), " `%s`", s);
	}
	if (buf_printf(&d->terrs, "\n  line %zu: cannot unmarshal %s%s into %s",
		       n->start_mark.line + 1, short_tag(n), val, into) != 0)
		d->oom = 1;
}

static int visit(struct dec *d)
{
	if (++d->visits > MAX_VISITS && d->fatal[0] == '\0')
		snprintf(d->fatal, sizeof(d->fatal), "document contains excessive aliasing");
	return d->fatal[0] != '\0' || d->oom ? -1 : 0;
}

static int is_null(const yaml_node_t *n)
{
	long long iv;
	double fv;

	return n->type == YAML_SCALAR_NODE && resolve(n, &iv, &fv) == R_NULL;
}

static int is_merge_key(const yaml_node_t *k)
{
	return k->type == YAML_SCALAR_NODE && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       strcmp(sval(k), "<<") == 0;
}

static const yaml_node_t *map_get_depth(struct dec *d, const yaml_node_t *m,
					const char *key, int depth);

/* Look key up in the value of a merge key (a map or a list of maps). */
static const yaml_node_t *merge_get(struct dec *d, const yaml_node_t *v, const char *key, int depth)
{
	yaml_node_item_t *it;
	const yaml_node_t *r;

	if (v->type == YAML_MAPPING_NODE)
		return map_get_depth(d, v, key, depth + 1);
	if (v->type != YAML_SEQUENCE_NODE)
		goto bad;
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
		if (dnode(d, *it) == NULL || dnode(d, *it)->type != YAML_MAPPING_NODE)
			goto bad;
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
		if ((r = map_get_depth(d, dnode(d, *it), key, depth + 1)) != NULL)
			return r;
	return NULL;
bad:
	if (d->fatal[0] == '\0')
		snprintf(d->fatal, sizeof(d->fatal),
			 "map merge requires map or sequence of maps as the value");
	return NULL;
}

/* Value of key in mapping m: explicit keys first, then merged maps. */
static const yaml_node_t *map_get_depth(struct dec *d, const yaml_node_t *m,
					const char *key, int depth)
{
	const yaml_node_pair_t *p;

	if (depth > MAX_NEST) {
		if (d->fatal[0] == '\0')
			snprintf(d->fatal, sizeof(d->fatal), "anchor value contains itself");
		return NULL;
	}
	if (visit(d) != 0)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = dnode(d, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE && !is_merge_key(k) &&
		    strcmp(sval(k), key) == 0)
			return dnode(d, p->value);
	}
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = dnode(d, p->key), *v = dnode(d, p->value), *r;

		if (k != NULL && v != NULL && is_merge_key(k) &&
		    (r = merge_get(d, v, key, depth)) != NULL)
			return r;
	}
	return NULL;
}

static const yaml_node_t *map_get(struct dec *d, const yaml_node_t *m, const char *key)
{
	return map_get_depth(d, m, key, 0);
}

/* yaml.v3 rejects a mapping with the same scalar key twice. */
static void map_check_dups(struct dec *d, const yaml_node_t *m)
{
	const yaml_node_pair_t *a, *b;

	for (a = m->data.mapping.pairs.start; a < m->data.mapping.pairs.top; a++) {
		const yaml_node_t *ka = dnode(d, a->key);

		if (ka == NULL || ka->type != YAML_SCALAR_NODE)
			continue;
		for (b = a + 1; b < m->data.mapping.pairs.top; b++) {
			const yaml_node_t *kb = dnode(d, b->key);

			if (kb != NULL && kb->type == YAML_SCALAR_NODE &&
			    strcmp(sval(ka), sval(kb)) == 0 &&
			    buf_printf(&d->terrs, "\n  line %zu: mapping key \"%s\" already defined at line %zu",
				       kb->start_mark.line + 1, sval(kb), ka->start_mark.line + 1) != 0)
				d->oom = 1;
		}
	}
}

/* A struct-typed value: a mapping (checked for duplicates), or null. */
static int dec_struct(struct dec *d, const yaml_node_t *n, const char *into)
{
	if (n == NULL || is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE) {
		terror(d, n, into);
		return 0;
	}
	map_check_dups(d, n);
	return 1;
}

/* A string field: any scalar's text; null leaves *out alone. */
static int dec_string(struct dec *d, const yaml_node_t *n, char **out)
{
	if (n == NULL || is_null(n))
		return visit(d);
	if (n->type != YAML_SCALAR_NODE) {
		terror(d, n, "string");
		return visit(d);
	}
	free(*out);
	*out = memdup_str(sval(n), n->data.scalar.length);
	if (*out == NULL)
		d->oom = 1;
	return visit(d);
}

static int dec_field_str(struct dec *d, const yaml_node_t *m, const char *key, char **out)
{
	return dec_string(d, map_get(d, m, key), out);
}

static int dec_int(struct dec *d, const yaml_node_t *n, int *out)
{
	long long iv = 0;
	double fv = 0;

	if (n == NULL)
		return visit(d);
	if (n->type == YAML_SCALAR_NODE) {
		switch (resolve(n, &iv, &fv)) {
		case R_NULL:
			*out = 0;
			return visit(d);
		case R_INT:
			if (iv >= INT_MIN && iv <= INT_MAX) {
				*out = (int)iv;
				return visit(d);
			}
			break;
		case R_FLOAT:
			if (fv >= INT_MIN && fv <= INT_MAX) {
				*out = (int)fv;
				return visit(d);
			}
			break;
		default:
			break;
		}
	}
	terror(d, n, "int");
	return visit(d);
}

static int dec_bool(struct dec *d, const yaml_node_t *n, int *out)
{
	static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", NULL };
	static const char *const no[] = { "n", "N", "no", "No", "NO", "off", "Off", "OFF", NULL };
	long long iv = 0;
	double fv;
	enum rtype t;

	if (n == NULL)
		return visit(d);
	if (n->type == YAML_SCALAR_NODE) {
		t = resolve(n, &iv, &fv);
		if (t == R_NULL || t == R_BOOL) {
			*out = t == R_BOOL && iv;
			return visit(d);
		}
		for (int i = 0; t == R_STR && yes[i] != NULL; i++)
			if (strcmp(sval(n), yes[i]) == 0 || strcmp(sval(n), no[i]) == 0) {
				*out = strcmp(sval(n), yes[i]) == 0;
				return visit(d);
			}
	}
	terror(d, n, "bool");
	return visit(d);
}

/* A []string field: fn(ctx, item) for each item (null items give ""). */
typedef int (*str_item_fn)(void *ctx, const char *s);

static int dec_strlist(struct dec *d, const yaml_node_t *n, str_item_fn fn, void *ctx)
{
	if (n == NULL || is_null(n))
		return visit(d);
	if (n->type != YAML_SEQUENCE_NODE) {
		terror(d, n, "[]string");
		return visit(d);
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		const yaml_node_t *item = dnode(d, *it);
		char *s = NULL;

		if (dec_string(d, item, &s) != 0) {
			free(s);
			return -1;
		}
		if (fn(ctx, s != NULL ? s : "") != 0)
			d->oom = 1;
		free(s);
	}
	return visit(d);
}

/* Each element of a list of structs: fn(d, element, ctx). */
typedef int (*struct_item_fn)(struct dec *d, const yaml_node_t *m, void *ctx);

static int dec_structlist(struct dec *d, const yaml_node_t *n, const char *list_type,
			  const char *item_type, struct_item_fn fn, void *ctx)
{
	if (n == NULL || is_null(n))
		return visit(d);
	if (n->type != YAML_SEQUENCE_NODE) {
		terror(d, n, list_type);
		return visit(d);
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		const yaml_node_t *item = dnode(d, *it);
		int is_map = dec_struct(d, item, item_type);

		if (visit(d) != 0 || fn(d, is_map ? item : NULL, ctx) != 0)
			return -1;
	}
	return visit(d);
}

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

static void defer_err(struct creation_rule *r, const char *fmt, const char *a,
		      const char *b, const char *c)
{
	if (r->deferred.code == 0)
		err_set(&r->deferred, EX_ERROR, fmt, a, b, c);
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
		err_set(&r->deferred, EX_ERROR, "error loading config: cannot use more than one of "
			"encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, "
			"encrypted_comment_regex, or unencrypted_comment_regex for the same rule");
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

static int add_rule(struct dec *d, const yaml_node_t *m, void *ctx)
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

static int dec_indent(struct dec *d, const yaml_node_t *stores, const char *name,
		      const char *type, int *out)
{
	const yaml_node_t *s = map_get(d, stores, name);

	if (!dec_struct(d, s, type))
		return visit(d);
	return dec_int(d, map_get(d, s, "indent"), out);
}

static int dec_stores(struct dec *d, const yaml_node_t *n, struct sops_config *cfg)
{
	if (!dec_struct(d, n, "config.StoresConfig"))
		return visit(d);
	if (dec_indent(d, n, "yaml", "config.YAMLStoreConfig", &cfg->yaml_indent) != 0 ||
	    dec_indent(d, n, "json", "config.JSONStoreConfig", &cfg->json_indent) != 0 ||
	    dec_indent(d, n, "json_binary", "config.JSONBinaryStoreConfig",
		       &cfg->json_binary_indent) != 0)
		return -1;
	dec_struct(d, map_get(d, n, "dotenv"), "config.DotenvStoreConfig");
	dec_struct(d, map_get(d, n, "ini"), "config.INIStoreConfig");
	return visit(d);
}

static int dec_top(struct dec *d, const yaml_node_t *root, struct sops_config *cfg)
{
	const yaml_node_t *rules;

	if (root == NULL || !dec_struct(d, root, "config.configFile"))
		return 0;
	rules = map_get(d, root, "creation_rules");
	cfg->has_creation_rules = rules != NULL && !is_null(rules);
	if (dec_structlist(d, rules, "[]config.creationRule", "config.creationRule",
			   add_rule, cfg) != 0)
		return -1;
	return dec_stores(d, map_get(d, root, "stores"), cfg);
}

/* ---- loading ---- */

static int read_all(const char *path, unsigned char **data, size_t *len, struct sops_err *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192], why[128];
	size_t n;

	if (f == NULL)
		goto fail;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > MAX_CONFIG_SIZE) {
			errno = EFBIG;
			goto fail;
		}
		if (buf_add(&b, chunk, n) != 0)
			goto fail;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = b.len;
	*data = buf_steal(&b, NULL);
	return *data != NULL ? 0 : err_set(err, EX_ERROR, "could not read config file: out of memory");
fail:
	snprintf(why, sizeof(why), "%s", strerror(errno));
	why[0] = (char)tolower((unsigned char)why[0]);   /* Go's wording */
	if (f != NULL)
		fclose(f);
	buf_free(&b);
	return err_set(err, EX_ERROR, "could not read config file: %s %s: %s",
		       f != NULL ? "read" : "open", path, why);
}

/* yaml.v3's parser.fail(): "yaml: line N: <problem>". */
static int yaml_fail(const yaml_parser_t *p, const char *path, struct sops_err *err)
{
	size_t line = 0;
	int scanner = p->error == YAML_SCANNER_ERROR;
	char where[32] = "";

	if (p->context_mark.line != 0)
		line = p->context_mark.line + (size_t)scanner;
	else if (p->problem_mark.line != 0)
		line = p->problem_mark.line + (size_t)scanner;
	if (line != 0)
		snprintf(where, sizeof(where), "line %zu: ", line);
	return err_set(err, EX_ERROR, "error loading config: Could not unmarshal config file: "
		       "yaml: %s%s (%s)", where,
		       p->problem != NULL ? p->problem : "unknown problem parsing YAML content", path);
}

static int decode_doc(yaml_document_t *doc, struct sops_config *cfg, const char *path,
		      struct sops_err *err)
{
	struct dec d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.doc = doc;
	buf_init(&d.terrs, 0);
	rc = dec_top(&d, yaml_document_get_root_node(doc), cfg);
	if (d.oom)
		rc = err_set(err, EX_ERROR, "error loading config: out of memory");
	else if (d.fatal[0] != '\0')
		rc = err_set(err, EX_ERROR, "error loading config: Could not unmarshal config "
			     "file: yaml: %s (%s)", d.fatal, path);
	else if (d.terrs.len > 0)
		rc = err_set(err, EX_ERROR, "error loading config: Could not unmarshal config "
			     "file: yaml: unmarshal errors:%s (%s)", (char *)d.terrs.data, path);
	buf_free(&d.terrs);
	return rc;
}

static int set_paths(struct sops_config *cfg, const char *path, struct sops_err *err)
{
	char abs[PATH_MAX], *slash;

	cfg->path = strdup(path);
	if (cfg->path == NULL || path_abs(path, abs, sizeof(abs)) != 0)
		return err_set(err, EX_ERROR, "could not read config file: bad path %s", path);
	slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	cfg->dir = strdup(abs);
	return cfg->dir != NULL ? 0 : err_set(err, EX_ERROR, "error loading config: out of memory");
}

struct sops_config *sops_config_load(const char *path, struct sops_err *err)
{
	struct sops_config *cfg = calloc(1, sizeof(*cfg));
	unsigned char *data = NULL;
	size_t len = 0;
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = -1;

	if (cfg == NULL) {
		err_set(err, EX_ERROR, "error loading config: out of memory");
		return NULL;
	}
	cfg->json_indent = cfg->json_binary_indent = -1;
	if (set_paths(cfg, path, err) != 0 || read_all(path, &data, &len, err) != 0)
		goto done;
	if (!yaml_parser_initialize(&parser)) {
		err_set(err, EX_ERROR, "error loading config: out of memory");
		goto done;
	}
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_fail(&parser, path, err);
	} else {
		rc = decode_doc(&doc, cfg, path, err);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
done:
	buf_release_free(data, 0);
	if (rc != 0) {
		sops_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* ---- matching ---- */

static int rule_matches(const struct creation_rule *r, const char *rel, struct sops_err *err)
{
	struct go_regex *re;
	int m;

	if (r->path_regex[0] == '\0')
		return 1;
	re = go_regex_compile(r->path_regex, err);
	if (re == NULL)
		return err_prefix(err, "can not compile regexp: ");
	m = go_regex_search_str(re, rel);
	go_regex_free(re);
	if (m < 0)
		return err_set(err, EX_ERROR, "error loading config: out of memory");
	return m;
}

int sops_config_match(const struct sops_config *cfg, const char *file_path,
		      const struct creation_rule **out, struct sops_err *err)
{
	char abs[PATH_MAX];
	const char *rel = abs;
	size_t dl = strlen(cfg->dir);

	*out = NULL;
	if (!cfg->has_creation_rules)
		return 0;
	if (path_abs(file_path, abs, sizeof(abs)) != 0)
		return err_set(err, EX_ERROR, "error loading config: bad file path");
	/* strings.TrimPrefix(filePath, configDir + "/") */
	if (strncmp(abs, cfg->dir, dl) == 0 && abs[dl] == '/')
		rel = abs + dl + 1;
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct creation_rule *r = &cfg->rules[i];
		int m = rule_matches(r, rel, err);

		if (m < 0)
			return -1;
		if (m == 0)
			continue;
		if (r->deferred.code != 0) {
			if (err != NULL)
				*err = r->deferred;
			return -1;
		}
		*out = r;
		return 0;
	}
	return err_set(err, EX_ERROR, "error loading config: no matching creation rules found");
}

int creation_rule_check_groups(const struct creation_rule *rule, struct sops_err *err)
{
	if (rule->ngroups == 0)
		return err_set(err, EX_ERROR, "empty key group provided");
	for (size_t i = 0; i < rule->ngroups; i++)
		if (rule->groups[i].nkeys == 0)
			return err_set(err, EX_ERROR, "empty key group provided");
	return 0;
}
