/* json_parse.c - a sops JSON document from text: tree with spans, metadata.
 *
 * Follows stores/json/store.go: the top level must be an object; members are
 * kept in order with duplicates; integers that fit int64 are ints, other
 * numbers floats (sops 3.13.2); the top-level "sops" member is the metadata.
 * Parsing stops at the end of the top object like Go's json.Decoder.Token
 * (text after it is ignored). Nesting is limited to JSON_MAX_DEPTH.
 */
#include "json_doc.h"
#include "json_lex.h"

#include <string.h>

struct jparse {
	struct sdoc *doc;
	struct jlex lx;
	size_t line_off;         /* lines counted up to here */
	int line;
	struct buf tmp;          /* secure: decoded strings */
	struct json_doc *jd;
	struct sops_err *err;
};

static int oom(struct jparse *p)
{
	return err_set(p->err, EX_ERROR, "out of memory");
}

static int next(struct jparse *p)
{
	return jlex_next(&p->lx, p->err);
}

/* Go's Decoder.Token error for an unexpected token in a given state. */
static int unexpected(struct jparse *p, const char *ctx)
{
	char q[16];

	if (p->lx.tok == JT_EOF)
		return err_set(p->err, EX_COULD_NOT_READ, "EOF");
	json_quote_char((unsigned char)p->lx.s[p->lx.start], q);
	return err_set(p->err, EX_COULD_NOT_READ, "invalid character %s %s", q, ctx);
}

/* 1-based line of offset off (offsets only grow while parsing). */
static int line_at(struct jparse *p, size_t off)
{
	for (; p->line_off < off; p->line_off++)
		p->line += p->lx.s[p->line_off] == '\n';
	return p->line;
}

static int add_member(struct jparse *p, struct node *kid, size_t key_start)
{
	struct json_member *m = pool_alloc(p->doc->pool, sizeof(*m));

	if (m == NULL)
		return oom(p);
	m->n = kid;
	m->key_start = key_start;
	m->is_sops = kid->keylen == 4 && memcmp(kid->key, "sops", 4) == 0;
	if (pool_push(p->doc->pool, (void ***)&p->jd->members, &p->jd->nmembers,
		      &p->jd->capmembers, m) != 0)
		return oom(p);
	return 0;
}

static int decode_string(struct jparse *p)
{
	buf_truncate(&p->tmp, 0);
	if (json_unquote(p->lx.s + p->lx.start, p->lx.end - p->lx.start, &p->tmp) != 0)
		return oom(p);
	return 0;
}

static int scalar_value(struct jparse *p, struct node *n)
{
	struct sdoc *doc = p->doc;
	const char *s = p->lx.s + p->lx.start;
	size_t len = p->lx.end - p->lx.start;
	int64_t i;
	double f;

	switch (p->lx.tok) {
	case JT_STRING:
		if (decode_string(p) != 0)
			return -1;
		return tvalue_set(doc, &n->val, VT_STR, p->tmp.len ? (char *)p->tmp.data : "",
				  p->tmp.len) == 0 ? 0 : oom(p);
	case JT_TRUE:
	case JT_FALSE:
		return tvalue_bool(doc, &n->val, p->lx.tok == JT_TRUE) == 0 ? 0 : oom(p);
	case JT_NULL:
		n->val.type = VT_NULL;
		return 0;
	default:
		break;
	}
	if (p->lx.is_int && go_parse_int(s, len, &i) == 0)
		return tvalue_int(doc, &n->val, i) == 0 ? 0 : oom(p);
	if (go_parse_float(s, len, &f) != 0)
		return err_set(p->err, EX_COULD_NOT_READ,
			       "strconv.ParseFloat: parsing a number: value out of range");
	return tvalue_float(doc, &n->val, f) == 0 ? 0 : oom(p);
}

static int parse_value(struct jparse *p, struct node *n, int depth);

static int no_key(struct jparse *p)
{
	return err_set(p->err, EX_COULD_NOT_READ,
		       "Expected JSON object key, got %%!s(<nil>) of type <nil> instead");
}

/* The current token is a member's key: read it and the ':' after it. */
static int parse_key(struct jparse *p, struct node *kid, int depth)
{
	if (p->lx.tok == JT_EOF)
		return no_key(p);
	if (p->lx.tok != JT_STRING)
		return unexpected(p, "looking for beginning of object key string");
	if (decode_string(p) != 0)
		return -1;
	kid->key = pool_strndup(p->doc->pool, p->tmp.len ? (char *)p->tmp.data : "", p->tmp.len);
	if (kid->key == NULL)
		return oom(p);
	kid->keylen = p->tmp.len;
	if (depth == 0 && add_member(p, kid, p->lx.start) != 0)
		return -1;
	if (next(p) != 0)
		return -1;
	if (p->lx.tok != JT_COLON)
		return unexpected(p, "after object key");
	return next(p);
}

/* After '{' or '[': the members or elements up to the closing token. */
static int parse_container(struct jparse *p, struct node *n, int depth)
{
	int map = n->kind == NK_MAP;
	enum jtok close = map ? JT_RBRACE : JT_RBRACK;

	if (depth >= JSON_MAX_DEPTH)
		return err_set(p->err, EX_COULD_NOT_READ,
			       "document nesting is deeper than %d levels", JSON_MAX_DEPTH);
	for (int first = 1;; first = 0) {
		struct node *kid;

		if (next(p) != 0)
			return -1;
		if (p->lx.tok == close)
			break;
		if (!first && map && p->lx.tok == JT_EOF)
			return no_key(p);
		if (!first && p->lx.tok != JT_COMMA)
			return unexpected(p, map ? "after object key:value pair"
					  : "after array element");
		if (!first && next(p) != 0)
			return -1;
		if ((kid = node_new(p->doc, NK_SCALAR)) == NULL)
			return oom(p);
		kid->line = line_at(p, p->lx.start);
		if ((map && parse_key(p, kid, depth) != 0) || parse_value(p, kid, depth + 1) != 0)
			return -1;
		if (node_add_kid(p->doc, n, kid) != 0)
			return oom(p);
	}
	n->end = p->lx.end;
	return 0;
}

/* The current token starts a value: fill n (kind, value, span). */
static int parse_value(struct jparse *p, struct node *n, int depth)
{
	n->start = p->lx.start;
	n->end = p->lx.end;
	switch (p->lx.tok) {
	case JT_LBRACE:
	case JT_LBRACK:
		n->kind = p->lx.tok == JT_LBRACE ? NK_MAP : NK_LIST;
		return parse_container(p, n, depth);
	case JT_STRING:
	case JT_NUMBER:
	case JT_TRUE:
	case JT_FALSE:
	case JT_NULL:
		n->kind = NK_SCALAR;
		return scalar_value(p, n);
	default:
		return unexpected(p, "looking for beginning of value");
	}
}

static int top_level_error(struct jparse *p)
{
	static const char pre[] = "SOPS only supports JSON files with a top-level object "
				  "(starting with '{'), not ";
	const char *type = "string";

	switch (p->lx.tok) {
	case JT_EOF:
		return err_set(p->err, EX_COULD_NOT_READ, "EOF");
	case JT_LBRACK:
		return err_set(p->err, EX_COULD_NOT_READ, "%sarrays or other types. Got delimiter "
			       "[ instead. To encrypt this file, wrap it in an object, e.g., "
			       "{\"data\": [...]}", pre);
	case JT_NUMBER:
		type = p->lx.is_int ? "int" : "float64";
		break;
	case JT_TRUE:
	case JT_FALSE:
		type = "bool";
		break;
	case JT_NULL:
		type = "<nil>";
		break;
	case JT_STRING:
		break;
	default:
		return unexpected(p, "looking for beginning of value");
	}
	/* The value itself is left out: it may be a secret. */
	return err_set(p->err, EX_COULD_NOT_READ, "%sother JSON types. Got a value of type %s "
		       "instead", pre, type);
}

/* Move the top-level "sops" members out of the branch into doc->meta
 * (stores.ExtractMetadata: the first must be a mapping, others are
 * duplicates). */
static void take_meta(struct jparse *p, struct node *root)
{
	struct sdoc *doc = p->doc;
	struct json_doc *jd = p->jd;
	size_t w = 0;

	for (size_t i = 0; i < jd->nmembers; i++) {
		struct json_member *m = jd->members[i];
		struct node *k = m->n;

		m->val_end = k->end;
		if (!m->is_sops) {
			root->kids[w++] = k;
			continue;
		}
		k->parent = NULL;
		if (doc->meta == NULL && !doc->meta_bad && !doc->meta_dup) {
			if (k->kind == NK_MAP)
				doc->meta = k;
			else
				doc->meta_bad = 1;
		} else {
			doc->meta_dup++;
		}
	}
	root->nkids = w;
}

static int parse_top(struct jparse *p, struct node *root)
{
	if (next(p) != 0)
		return -1;
	if (p->lx.tok != JT_LBRACE) {
		if (p->lx.tok == JT_NUMBER || p->lx.tok == JT_STRING || p->lx.tok == JT_TRUE ||
		    p->lx.tok == JT_FALSE || p->lx.tok == JT_NULL || p->lx.tok == JT_LBRACK ||
		    p->lx.tok == JT_EOF)
			return top_level_error(p);
		return unexpected(p, "looking for beginning of value");
	}
	root->kind = NK_MAP;
	root->start = p->lx.start;
	p->jd->open = p->lx.start;
	if (parse_container(p, root, 0) != 0)
		return -1;
	p->jd->close = root->end - 1;
	return 0;
}

int json_parse_doc(struct sdoc *doc, struct sops_err *err)
{
	struct jparse p;
	struct node *root;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	p.doc = doc;
	p.err = err;
	buf_init(&p.tmp, 1);
	jlex_init(&p.lx, doc->text, doc->len);
	p.line = 1;
	p.jd = pool_alloc(doc->pool, sizeof(*p.jd));
	root = node_new(doc, NK_MAP);
	doc->branches = pool_alloc(doc->pool, sizeof(*doc->branches));
	if (p.jd == NULL || root == NULL || doc->branches == NULL) {
		oom(&p);
		goto out;
	}
	doc->priv = p.jd;
	if (parse_top(&p, root) != 0) {
		err_prefix(err, "Could not unmarshal input data: ");
		goto out;
	}
	take_meta(&p, root);
	doc->branches[0] = root;
	doc->nbranches = 1;
	if (sdoc_index_leaves(doc) != 0) {
		oom(&p);
		goto out;
	}
	rc = 0;
out:
	buf_free(&p.tmp);
	return rc;
}
