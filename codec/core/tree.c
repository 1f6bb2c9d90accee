/* tree.c - construction helpers and leaf indexing for struct sdoc. */
#include "tree.h"
#include "store.h"

#include <string.h>

struct node *node_new(struct sdoc *doc, enum nkind kind)
{
	struct node *n = pool_alloc(doc->pool, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->kind = kind;
	n->id = -1;
	n->val.s = "";
	return n;
}

int node_add_kid(struct sdoc *doc, struct node *parent, struct node *kid)
{
	size_t n = parent->nkids;

	/* Capacity is implicit: 4, then doubled whenever n reaches a power of 2. */
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		size_t ncap = n ? n * 2 : 4;
		struct node **nk = pool_alloc(doc->pool, ncap * sizeof(*nk));

		if (nk == NULL)
			return -1;
		if (n > 0)
			memcpy(nk, parent->kids, n * sizeof(*nk));
		parent->kids = nk;
	}
	parent->kids[parent->nkids++] = kid;
	kid->parent = parent;
	return 0;
}

static int tvalue_fill(struct sdoc *doc, struct tvalue *v, enum vtype type,
		       const char *s, size_t len)
{
	char *c = pool_strndup(doc->pool, s, len);

	if (c == NULL)
		return -1;
	v->type = type;
	v->s = c;
	v->len = len;
	return 0;
}

int tvalue_set(struct sdoc *doc, struct tvalue *v, enum vtype type,
	       const char *s, size_t len)
{
	memset(v, 0, sizeof(*v));
	if (tvalue_fill(doc, v, type, s, len) != 0)
		return -1;
	switch (type) {
	case VT_INT:
		return go_parse_int(s, len, &v->i);
	case VT_FLOAT:
		return go_parse_float(s, len, &v->f);
	case VT_BOOL:
		return go_parse_bool(s, len, &v->b);
	case VT_TIME:
		return go_parse_rfc3339(s, len, &v->t);
	default:
		return 0;
	}
}

static int tvalue_from_buf(struct sdoc *doc, struct tvalue *v, enum vtype type,
			   struct buf *b, int rc)
{
	if (rc == 0)
		rc = tvalue_fill(doc, v, type, b->data ? (char *)b->data : "", b->len);
	buf_free(b);
	return rc;
}

int tvalue_int(struct sdoc *doc, struct tvalue *v, int64_t i)
{
	struct buf b = BUF_INIT_SECURE;

	memset(v, 0, sizeof(*v));
	v->i = i;
	return tvalue_from_buf(doc, v, VT_INT, &b, go_format_int(&b, i));
}

int tvalue_float(struct sdoc *doc, struct tvalue *v, double f)
{
	struct buf b = BUF_INIT_SECURE;

	memset(v, 0, sizeof(*v));
	v->f = f;
	return tvalue_from_buf(doc, v, VT_FLOAT, &b, go_format_float(&b, f, 'f'));
}

int tvalue_bool(struct sdoc *doc, struct tvalue *v, int b)
{
	memset(v, 0, sizeof(*v));
	v->b = b ? 1 : 0;
	return tvalue_fill(doc, v, VT_BOOL, b ? "True" : "False", b ? 4 : 5);
}

int tvalue_time(struct sdoc *doc, struct tvalue *v, const struct gotime *t)
{
	struct buf b = BUF_INIT_SECURE;

	memset(v, 0, sizeof(*v));
	v->t = *t;
	return tvalue_from_buf(doc, v, VT_TIME, &b, go_format_rfc3339nano(&b, t));
}

const char *vtype_tag(enum vtype t)
{
	switch (t) {
	case VT_STR: return "str";
	case VT_INT: return "int";
	case VT_FLOAT: return "float";
	case VT_BOOL: return "bool";
	case VT_TIME: return "time";
	case VT_BYTES: return "bytes";
	case VT_COMMENT: return "comment";
	default: return "";
	}
}

static int index_node(struct sdoc *doc, struct node *n, size_t *cap, int depth)
{
	if (depth > 4096)
		return -1;
	if (n->kind == NK_SCALAR || n->kind == NK_COMMENT) {
		n->id = (int)doc->nleaves;
		return pool_push(doc->pool, (void ***)&doc->leaves, &doc->nleaves, cap, n);
	}
	for (size_t i = 0; i < n->nkids; i++)
		if (index_node(doc, n->kids[i], cap, depth + 1) != 0)
			return -1;
	return 0;
}

int sdoc_index_leaves(struct sdoc *doc)
{
	size_t cap = 0;

	doc->leaves = NULL;
	doc->nleaves = 0;
	for (size_t i = 0; i < doc->nbranches; i++)
		if (index_node(doc, doc->branches[i], &cap, 0) != 0)
			return -1;
	return 0;
}

void sdoc_free(struct sdoc *doc)
{
	struct pool *p;

	if (doc == NULL)
		return;
	if (doc->store != NULL && doc->store->free_priv != NULL)
		doc->store->free_priv(doc);
	p = doc->pool;
	/* doc itself lives in its own pool (see sdoc_parse). */
	pool_free(p);
}
