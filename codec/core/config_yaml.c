/* config_yaml.c - yaml.v3-like typed decoding of a libyaml node graph:
 * scalar resolution, Go type errors, merge keys, duplicate keys, strings,
 * ints, bools and lists, with yaml.v3's messages.
 */
#include "sops_config.h"
#include "config_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const yaml_node_t *dnode(struct dec *d, yaml_node_item_t idx)
{
	return yaml_document_get_node(d->doc, idx);
}

const char *sval(const yaml_node_t *n)
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
const char *go_type(const yaml_node_t *n)
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

int visit(struct dec *d)
{
	if (++d->visits > MAX_VISITS && d->fatal[0] == '\0')
		snprintf(d->fatal, sizeof(d->fatal), "document contains excessive aliasing");
	return d->fatal[0] != '\0' || d->oom ? -1 : 0;
}

int is_null(const yaml_node_t *n)
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

const yaml_node_t *map_get(struct dec *d, const yaml_node_t *m, const char *key)
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
int dec_struct(struct dec *d, const yaml_node_t *n, const char *into)
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
int dec_string(struct dec *d, const yaml_node_t *n, char **out)
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

int dec_field_str(struct dec *d, const yaml_node_t *m, const char *key, char **out)
{
	return dec_string(d, map_get(d, m, key), out);
}

int dec_int(struct dec *d, const yaml_node_t *n, int *out)
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

int dec_bool(struct dec *d, const yaml_node_t *n, int *out)
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
int dec_strlist(struct dec *d, const yaml_node_t *n, str_item_fn fn, void *ctx)
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
int dec_structlist(struct dec *d, const yaml_node_t *n, const char *list_type,
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
