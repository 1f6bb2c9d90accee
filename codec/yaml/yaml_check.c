/* yaml_check.c - the errors sops gets from its first decode of a YAML file.
 *
 * sops (stores/yaml/store.go LoadPlainFile) first decodes document 1 into a
 * map[string]interface{} just to have yaml.v3 check it; only then does it
 * walk the Node trees. That decode reports duplicate keys and a top-level
 * value that is not a mapping ("yaml: unmarshal errors:" list, continued
 * past each problem), and aborts on bad tagged scalars, invalid !!binary,
 * bad merges, self-containing anchors and excessive aliasing. This file
 * walks document 1 the same way (decode.go unmarshal/mapping/merge) and
 * produces the same messages.
 */
#include "yaml_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum out { OUT_MAP_STR, OUT_STRING, OUT_IFACE };

struct chk {
	struct pool *pool;
	struct buf terrors;
	int nterr;
	long long decodes, aliases;
	int alias_depth;
	const struct ynode **active;
	int nactive, acap;
	int depth;
	struct sops_err *err;
};

static int failf(struct chk *C, const char *fmt, const char *arg)
{
	return err_set(C->err, EX_COULD_NOT_READ, fmt, arg);
}

static int terror(struct chk *C, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int terror(struct chk *C, const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (buf_adds(&C->terrors, "\n  ") != 0 || buf_adds(&C->terrors, line) != 0)
		return err_set(C->err, EX_ERROR, "out of memory");
	C->nterr++;
	return 0;
}

/* Go %#v of a string (strconv.Quote). */
static int go_quote(struct buf *b, const char *s, size_t n)
{
	int rc = buf_addc(b, '"');

	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '\a': rc = buf_adds(b, "\\a"); break;
		case '\b': rc = buf_adds(b, "\\b"); break;
		case '\f': rc = buf_adds(b, "\\f"); break;
		case '\n': rc = buf_adds(b, "\\n"); break;
		case '\r': rc = buf_adds(b, "\\r"); break;
		case '\t': rc = buf_adds(b, "\\t"); break;
		case '\v': rc = buf_adds(b, "\\v"); break;
		case '"': rc = buf_adds(b, "\\\""); break;
		case '\\': rc = buf_adds(b, "\\\\"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				rc = buf_printf(b, "\\x%02x", c);
			else
				rc = buf_addc(b, (char)c);
		}
	}
	return rc | buf_addc(b, '"');
}

static double allowed_ratio(long long decodes)
{
	const double lo = 400000, hi = 4000000;

	if (decodes <= lo)
		return 0.99;
	if (decodes >= hi)
		return 0.10;
	return 0.99 - 0.89 * (((double)decodes - lo) / (hi - lo));
}

static const char *short_tag_of(const struct ynode *n)
{
	struct yresolved r;

	if (strcmp(n->tag, "!!str") == 0 ||
	    ((n->tag[0] == '\0' || strcmp(n->tag, "!") == 0) &&
	     (n->style & (YS_SINGLE | YS_DOUBLE | YS_LITERAL | YS_FOLDED))))
		return "!!str";
	if (n->tag[0] != '\0' && strcmp(n->tag, "!") != 0)
		return n->tag;
	switch (n->kind) {
	case YK_MAP: return "!!map";
	case YK_SEQ: return "!!seq";
	case YK_ALIAS: return n->alias ? short_tag_of(n->alias) : "";
	case YK_SCALAR:
		return yres_resolve("", n->value, n->vlen, &r, NULL) == 0 ? r.tag : "!!str";
	default: return "";
	}
}

static int unmarshal(struct chk *C, const struct ynode *n, enum out out);

static const char *out_name(enum out out)
{
	return out == OUT_MAP_STR ? "map[string]interface {}" : "string";
}

static int check_scalar(struct chk *C, const struct ynode *n, enum out out)
{
	struct tvalue v;
	struct sdoc tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.pool = C->pool;
	if (yres_value(&tmp, n, &v, C->err) != 0)
		return -1;
	if (out == OUT_MAP_STR && v.type != VT_NULL) {
		/* the value may be a secret: yaml.v3 would quote it, we do not */
		const char *tag = n->tag[0] ? n->tag : short_tag_of(n);

		return terror(C, "line %d: cannot unmarshal %s into %s", n->line, tag,
			      out_name(out));
	}
	return 0;
}

static size_t key_hash(const struct ynode *k)
{
	size_t h = 1469598103934665603ull ^ (size_t)k->kind;

	for (size_t i = 0; i < k->vlen; i++)
		h = (h ^ (unsigned char)k->value[i]) * 1099511628211ull;
	return h;
}

static int same_key(const struct ynode *a, const struct ynode *b)
{
	return a->kind == b->kind && a->vlen == b->vlen && memcmp(a->value, b->value, a->vlen) == 0;
}

/* Is any key (kind and text, as yaml.v3 compares them) repeated? */
static int has_dup(const struct ynode *n, int *found)
{
	size_t nk = n->nkids / 2, cap = 16;
	const struct ynode **tab;

	*found = 0;
	if (nk < 2)
		return 0;
	while (cap < nk * 2)
		cap *= 2;
	tab = calloc(cap, sizeof(*tab));
	if (tab == NULL)
		return -1;
	for (size_t i = 0; i < n->nkids && !*found; i += 2) {
		const struct ynode *k = n->kids[i];
		size_t j = key_hash(k) & (cap - 1);

		for (; tab[j] != NULL; j = (j + 1) & (cap - 1))
			if (same_key(tab[j], k)) {
				*found = 1;
				break;
			}
		tab[j] = k;
	}
	free(tab);
	return 0;
}

/* yaml.v3 reports every repeated pair, by first then second occurrence;
 * the list stops once the message is longer than an error can hold. */
static int check_dups(struct chk *C, const struct ynode *n, int *found)
{
	if (has_dup(n, found) != 0)
		return err_set(C->err, EX_ERROR, "out of memory");
	if (!*found)
		return 0;
	for (size_t i = 0; i < n->nkids && C->terrors.len < SOPS_ERR_MSG_MAX; i += 2)
		for (size_t j = i + 2; j < n->nkids && C->terrors.len < SOPS_ERR_MSG_MAX; j += 2) {
			const struct ynode *a = n->kids[i], *b = n->kids[j];
			struct buf q = BUF_INIT;
			int rc;

			if (!same_key(a, b))
				continue;
			if (go_quote(&q, b->value, b->vlen) != 0) {
				buf_free(&q);
				return err_set(C->err, EX_ERROR, "out of memory");
			}
			rc = terror(C, "line %d: mapping key %s already defined at line %d", b->line,
				    (const char *)q.data, a->line);
			buf_free(&q);
			if (rc != 0)
				return -1;
		}
	return 0;
}

static int is_merge(const struct ynode *n)
{
	return n->kind == YK_SCALAR && n->vlen == 2 && memcmp(n->value, "<<", 2) == 0 &&
	       (n->tag[0] == '\0' || strcmp(n->tag, "!") == 0 || strcmp(n->tag, "!!merge") == 0);
}

static int is_string_map(const struct ynode *n)
{
	for (size_t i = 0; i < n->nkids; i += 2) {
		const char *t = short_tag_of(n->kids[i]);

		if (strcmp(t, "!!str") != 0 && strcmp(t, "!!merge") != 0)
			return 0;
	}
	return 1;
}

static int map_key(struct chk *C, const struct ynode *k, enum out kt)
{
	const struct ynode *t = k;

	if (kt == OUT_IFACE) {
		while (t->kind == YK_ALIAS && t->alias != NULL)
			t = t->alias;
		if (unmarshal(C, k, OUT_IFACE) != 0)
			return -1;
		if (t->kind == YK_MAP || t->kind == YK_SEQ)
			return err_set(C->err, EX_COULD_NOT_READ, "yaml: invalid map key");
		return 0;
	}
	return unmarshal(C, k, OUT_STRING);
}

static int merge(struct chk *C, const struct ynode *parent, const struct ynode *m, enum out out)
{
	const char *want = "yaml: map merge requires map or sequence of maps as the value";

	for (size_t i = 0; i < parent->nkids; i += 2)
		if (unmarshal(C, parent->kids[i], OUT_IFACE) != 0)
			return -1;
	if (m->kind == YK_MAP)
		return unmarshal(C, m, out);
	if (m->kind == YK_ALIAS) {
		if (m->alias != NULL && m->alias->kind != YK_MAP)
			return failf(C, "%s", want);
		return unmarshal(C, m, out);
	}
	if (m->kind != YK_SEQ)
		return failf(C, "%s", want);
	for (size_t i = 0; i < m->nkids; i++) {
		const struct ynode *e = m->kids[i];

		if (e->kind == YK_ALIAS ? (e->alias != NULL && e->alias->kind != YK_MAP)
					: e->kind != YK_MAP)
			return failf(C, "%s", want);
		if (unmarshal(C, e, out) != 0)
			return -1;
	}
	return 0;
}

static int check_mapping(struct chk *C, const struct ynode *n, enum out out)
{
	const struct ynode *mnode = NULL;
	enum out kt;
	int dup;

	if (check_dups(C, n, &dup) != 0)
		return -1;
	if (dup)
		return 0;
	if (out == OUT_STRING)
		return terror(C, "line %d: cannot unmarshal !!map into string", n->line);
	kt = out == OUT_MAP_STR || is_string_map(n) ? OUT_STRING : OUT_IFACE;
	for (size_t i = 0; i + 1 < n->nkids; i += 2) {
		if (is_merge(n->kids[i])) {
			mnode = n->kids[i + 1];
			continue;
		}
		if (map_key(C, n->kids[i], kt) != 0 || unmarshal(C, n->kids[i + 1], OUT_IFACE) != 0)
			return -1;
	}
	return mnode ? merge(C, n, mnode, out) : 0;
}

static int check_alias(struct chk *C, const struct ynode *n, enum out out)
{
	int rc;

	for (int i = 0; i < C->nactive; i++)
		if (C->active[i] == n)
			return failf(C, "yaml: anchor '%s' value contains itself", n->value);
	if (C->nactive == C->acap) {
		int ncap = C->acap ? C->acap * 2 : 16;
		const struct ynode **nv = realloc(C->active, (size_t)ncap * sizeof(*nv));

		if (nv == NULL)
			return err_set(C->err, EX_ERROR, "out of memory");
		C->active = nv;
		C->acap = ncap;
	}
	C->active[C->nactive++] = n;
	C->alias_depth++;
	rc = n->alias ? unmarshal(C, n->alias, out) : 0;
	C->alias_depth--;
	C->nactive--;
	return rc;
}

static int unmarshal(struct chk *C, const struct ynode *n, enum out out)
{
	int rc;

	C->decodes++;
	if (C->alias_depth > 0)
		C->aliases++;
	if (C->aliases > 100 && C->decodes > 1000 &&
	    (double)C->aliases / (double)C->decodes > allowed_ratio(C->decodes))
		return failf(C, "%s", "yaml: document contains excessive aliasing");
	if (C->depth >= 2 * YAML_MAX_DEPTH)
		return err_set(C->err, EX_COULD_NOT_READ, "yaml: exceeded max depth of %d",
			       YAML_MAX_DEPTH);
	C->depth++;
	switch (n->kind) {
	case YK_DOC:
		rc = n->nkids == 1 ? unmarshal(C, n->kids[0], out) : 0;
		break;
	case YK_ALIAS:
		rc = check_alias(C, n, out);
		break;
	case YK_SCALAR:
		rc = check_scalar(C, n, out);
		break;
	case YK_MAP:
		rc = check_mapping(C, n, out);
		break;
	case YK_SEQ:
		if (out != OUT_IFACE) {
			rc = terror(C, "line %d: cannot unmarshal !!seq into %s", n->line, out_name(out));
			break;
		}
		rc = 0;
		for (size_t i = 0; i < n->nkids && rc == 0; i++)
			rc = unmarshal(C, n->kids[i], OUT_IFACE);
		break;
	default:
		rc = 0;
	}
	C->depth--;
	return rc;
}

int ycheck_first_doc(struct pool *p, const struct ynode *doc, struct sops_err *err)
{
	struct chk C;
	int rc;

	memset(&C, 0, sizeof(C));
	C.pool = p;
	C.err = err;
	buf_init(&C.terrors, 0);
	rc = unmarshal(&C, doc, OUT_MAP_STR);
	if (rc == 0 && C.nterr > 0)
		rc = err_set(err, EX_COULD_NOT_READ, "yaml: unmarshal errors:%s",
			     (const char *)C.terrors.data);
	buf_free(&C.terrors);
	free(C.active);
	return rc;
}
