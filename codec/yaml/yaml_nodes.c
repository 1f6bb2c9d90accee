/* yaml_nodes.c - events -> yaml.v3 Node trees, as decode.go's parser builds
 * them (node(), mapping(), sequence(), document(): tags, styles, anchors and
 * the moves of foot comments between keys and values), plus the source
 * positions the renderer needs. Nesting was bounded by the scanner
 * (YAML_MAX_DEPTH), so the recursion here is bounded too.
 */
#include "yaml_events.h"

#include <stdlib.h>
#include <string.h>

struct anchors {
	const char **names;
	struct ynode **nodes;
	size_t cap, n;
};

struct builder {
	struct yparser P;
	struct yscan *S;
	struct pool *pool;
	struct yevent ev;
	int have;
	struct anchors A;
	struct sops_err *err;
};

/* Context of a child node, for rendering. */
struct yctx {
	int flow;
	int in_seq;
	int coll_col;
};

struct ynode *ynode_new(struct pool *p, enum ykind kind)
{
	struct ynode *n = pool_alloc(p, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->kind = kind;
	n->tag = "";
	n->value = "";
	return n;
}

int ynode_add(struct pool *p, struct ynode *parent, struct ynode *kid)
{
	if (parent->nkids == parent->cap) {
		size_t ncap = parent->cap ? parent->cap * 2 : 4;
		struct ynode **nv = pool_alloc(p, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		if (parent->nkids > 0)
			memcpy(nv, parent->kids, parent->nkids * sizeof(*nv));
		parent->kids = nv;
		parent->cap = ncap;
	}
	parent->kids[parent->nkids++] = kid;
	return 0;
}

/* ---- anchors (hash table: many aliases must not cost quadratic time) ---- */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int anchor_grow(struct anchors *A)
{
	size_t ncap = A->cap ? A->cap * 2 : 64;
	const char **nn = calloc(ncap, sizeof(*nn));
	struct ynode **nd = calloc(ncap, sizeof(*nd));

	if (nn == NULL || nd == NULL) {
		free(nn);
		free(nd);
		return -1;
	}
	for (size_t i = 0; i < A->cap; i++) {
		size_t j;

		if (A->names[i] == NULL)
			continue;
		for (j = hash_str(A->names[i]) & (ncap - 1); nn[j] != NULL; j = (j + 1) & (ncap - 1))
			;
		nn[j] = A->names[i];
		nd[j] = A->nodes[i];
	}
	free(A->names);
	free(A->nodes);
	A->names = nn;
	A->nodes = nd;
	A->cap = ncap;
	return 0;
}

static int anchor_set(struct anchors *A, const char *name, struct ynode *n)
{
	size_t j;

	if ((A->n + 1) * 2 > A->cap && anchor_grow(A) != 0)
		return -1;
	for (j = hash_str(name) & (A->cap - 1); A->names[j] != NULL; j = (j + 1) & (A->cap - 1))
		if (strcmp(A->names[j], name) == 0) {
			A->nodes[j] = n;
			return 0;
		}
	A->names[j] = name;
	A->nodes[j] = n;
	A->n++;
	return 0;
}

static struct ynode *anchor_get(const struct anchors *A, const char *name)
{
	if (A->cap == 0)
		return NULL;
	for (size_t j = hash_str(name) & (A->cap - 1); A->names[j] != NULL; j = (j + 1) & (A->cap - 1))
		if (strcmp(A->names[j], name) == 0)
			return A->nodes[j];
	return NULL;
}

/* ---- events ------------------------------------------------------------------ */

static int peek_ev(struct builder *B)
{
	if (!B->have) {
		if (yparser_next(&B->P, &B->ev) != 0)
			return -1;
		B->have = 1;
	}
	return 0;
}

static void take_ev(struct builder *B)
{
	B->have = 0;
}

/* ---- nodes -------------------------------------------------------------------- */

static const char *short_tag(struct pool *p, const char *tag)
{
	static const char pre[] = "tag:yaml.org,2002:";
	size_t n = sizeof(pre) - 1;
	char *s;

	if (strncmp(tag, pre, n) != 0)
		return tag;
	s = pool_alloc(p, strlen(tag) - n + 3);
	if (s == NULL)
		return NULL;
	s[0] = '!';
	s[1] = '!';
	memcpy(s + 2, tag + n, strlen(tag) - n);
	return s;
}

static struct ynode *make_node(struct builder *B, enum ykind kind, const char *deftag)
{
	const struct yevent *ev = &B->ev;
	struct ynode *n = ynode_new(B->pool, kind);

	if (n == NULL)
		return NULL;
	if (ev->tag != NULL && ev->tag[0] != '\0' && strcmp(ev->tag, "!") != 0) {
		n->tag = short_tag(B->pool, ev->tag);
		n->style = YS_TAGGED;
		if (n->tag == NULL)
			return NULL;
	} else if (deftag != NULL) {
		n->tag = deftag;
	} else if (kind == YK_SCALAR) {
		struct yresolved r;

		if (yres_resolve("", ev->value, ev->vlen, &r, NULL) == 0)
			n->tag = r.tag;
	}
	n->line = ev->s.line + 1;
	n->col = ev->s.col + 1;
	n->head = ev->head;
	n->linec = ev->line;
	n->foot = ev->foot;
	n->s_byte = ev->s.byte;
	n->e_byte = ev->e.byte;
	return n;
}

static int set_anchor(struct builder *B, struct ynode *n)
{
	if (B->ev.anchor == NULL)
		return 0;
	n->anchor = B->ev.anchor;
	return anchor_set(&B->A, n->anchor, n);
}

/* dst's foot is replaced by src; yaml.v3 drops what dst had: keep it aside. */
static int move_foot(struct builder *B, struct ynode *dst, struct yblob *src)
{
	if (dst->foot.n > 0 && yblob_append(B->pool, &dst->lost, &dst->foot) != 0)
		return -1;
	dst->foot = *src;
	memset(src, 0, sizeof(*src));
	return 0;
}

static int set_from_end(struct builder *B, struct yblob *dst_line, struct yblob *dst_foot,
			struct ynode *n)
{
	const struct yevent *ev = &B->ev;

	/* n.LineComment/FootComment = the end event's (yaml.v3 overwrites) */
	if ((dst_line->n > 0 && yblob_append(B->pool, &n->lost, dst_line) != 0) ||
	    (dst_foot->n > 0 && yblob_append(B->pool, &n->lost, dst_foot) != 0))
		return -1;
	*dst_line = ev->line;
	*dst_foot = ev->foot;
	return 0;
}

/* Block scalar geometry: header, body to cut, content end. */
static void block_geometry(struct builder *B, const struct ytok *t, struct yscal *sc,
			   size_t *content_end)
{
	const char *x = B->S->text;
	size_t len = B->S->len, b = t->s.byte + 1, last = 0, line;
	int keep = 0;

	while (b < len && (x[b] == '+' || x[b] == '-' || (x[b] >= '0' && x[b] <= '9'))) {
		if (x[b] == '+')
			keep = 1;
		b++;
	}
	sc->end = b;
	*content_end = b;
	sc->body_s = ytext_after_break(x, len, ytext_line_end(x, len, b));
	for (line = sc->body_s; line < t->e.byte && line < len;) {
		size_t eol = ytext_line_end(x, len, line);

		for (size_t k = line; k < eol; k++)
			if (x[k] != ' ') {
				last = ytext_after_break(x, len, eol);
				*content_end = eol;
				break;
			}
		if (eol >= len)
			break;
		line = ytext_after_break(x, len, eol);
	}
	sc->body_e = keep ? (t->e.byte > sc->body_s ? t->e.byte : sc->body_s)
			  : (last > sc->body_s ? last : sc->body_s);
	sc->node_end = sc->body_e > t->e.byte ? sc->body_e : t->e.byte;
	if (sc->node_end < sc->body_s)
		sc->node_end = sc->body_s;
}

static size_t find_dash(const struct yscan *S, size_t b)
{
	while (b > 0) {
		char c = S->text[b - 1];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			b--;
			continue;
		}
		return c == '-' ? b - 1 : (size_t)-1;
	}
	return (size_t)-1;
}

static int scalar_info(struct builder *B, struct ynode *n, const struct yctx *cx)
{
	const struct yevent *ev = &B->ev;
	struct yscal *sc;

	if (ev->tok < 0)
		return 0;
	sc = pool_alloc(B->pool, sizeof(*sc));
	if (sc == NULL)
		return -1;
	{
		const struct ytok *t = &B->S->toks[ev->tok];

		sc->start = t->s.byte;
		sc->end = t->e.byte;
		sc->node_end = t->e.byte;
		sc->style = t->style;
		sc->tag_s = sc->tag_e = (size_t)-1;
		if (ev->tag_tok >= 0) {
			sc->tag_s = B->S->toks[ev->tag_tok].s.byte;
			sc->tag_e = B->S->toks[ev->tag_tok].e.byte;
		}
		if (t->style == YAML_LITERAL_SCALAR_STYLE || t->style == YAML_FOLDED_SCALAR_STYLE)
			block_geometry(B, t, sc, &n->e_byte);
		else
			n->e_byte = t->e.byte;
	}
	sc->flow = cx->flow;
	sc->in_seq = cx->in_seq;
	sc->coll_col = cx->coll_col;
	sc->dash_s = cx->in_seq && !cx->flow ? find_dash(B->S, n->s_byte) : (size_t)-1;
	n->sc = sc;
	return 0;
}

static struct ynode *parse_any(struct builder *B, const struct yctx *cx);

static struct ynode *parse_scalar(struct builder *B, const struct yctx *cx)
{
	const struct yevent *ev = &B->ev;
	unsigned st = 0;
	const char *deftag = NULL;
	struct ynode *n;

	switch (ev->style) {
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: st = YS_DOUBLE; break;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: st = YS_SINGLE; break;
	case YAML_LITERAL_SCALAR_STYLE: st = YS_LITERAL; break;
	case YAML_FOLDED_SCALAR_STYLE: st = YS_FOLDED; break;
	default: break;
	}
	if (st == 0 && ev->vlen == 2 && memcmp(ev->value, "<<", 2) == 0)
		deftag = "!!merge";
	else if (st != 0)
		deftag = "!!str";
	n = make_node(B, YK_SCALAR, deftag);
	if (n == NULL)
		return NULL;
	n->style |= st;
	n->value = ev->value;
	n->vlen = ev->vlen;
	if (set_anchor(B, n) != 0 || scalar_info(B, n, cx) != 0)
		return NULL;
	if (ev->tok < 0)
		n->e_byte = n->s_byte;
	take_ev(B);
	return n;
}

static struct ynode *parse_alias(struct builder *B)
{
	struct ynode *n = make_node(B, YK_ALIAS, NULL);

	if (n == NULL)
		return NULL;
	n->value = B->ev.anchor;
	n->vlen = strlen(n->value);
	n->alias = anchor_get(&B->A, n->value);
	if (n->alias == NULL) {
		err_set(B->err, EX_COULD_NOT_READ, "yaml: unknown anchor '%s' referenced", n->value);
		return NULL;
	}
	n->alias->aliased = 1;
	take_ev(B);
	return n;
}

static struct ynode *parse_sequence(struct builder *B, const struct yctx *cx)
{
	struct ynode *n = make_node(B, YK_SEQ, "!!seq");
	struct yctx kc = { cx->flow, 1, -1 };

	if (n == NULL)
		return NULL;
	if (B->ev.style == YAML_FLOW_SEQUENCE_STYLE) {
		n->style |= YS_FLOW;
		kc.flow = 1;
	} else if (B->ev.tok >= 0) {
		kc.coll_col = B->S->toks[B->ev.tok].s.col;
	}
	if (set_anchor(B, n) != 0)
		return NULL;
	take_ev(B);
	for (;;) {
		struct ynode *k;

		if (peek_ev(B) != 0)
			return NULL;
		if (B->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		k = parse_any(B, &kc);
		if (k == NULL || ynode_add(B->pool, n, k) != 0)
			return NULL;
	}
	if (set_from_end(B, &n->linec, &n->foot, n) != 0)
		return NULL;
	if (n->style & YS_FLOW)
		n->e_byte = B->ev.e.byte;
	else if (n->nkids > 0)
		n->e_byte = n->kids[n->nkids - 1]->e_byte;
	take_ev(B);
	return n;
}

static int mapping_pair(struct builder *B, struct ynode *n, int block, const struct yctx *kc)
{
	struct ynode *k, *v;

	k = parse_any(B, kc);
	if (k == NULL || ynode_add(B->pool, n, k) != 0)
		return -1;
	if (block && k->foot.n > 0 && n->nkids > 2 &&
	    move_foot(B, n->kids[n->nkids - 3], &k->foot) != 0)
		return -1;
	if (peek_ev(B) != 0)
		return -1;
	v = parse_any(B, kc);
	if (v == NULL || ynode_add(B->pool, n, v) != 0)
		return -1;
	if (k->foot.n == 0 && v->foot.n > 0) {
		k->foot = v->foot;
		memset(&v->foot, 0, sizeof(v->foot));
	}
	return 0;
}

static struct ynode *parse_mapping(struct builder *B, const struct yctx *cx)
{
	struct ynode *n = make_node(B, YK_MAP, "!!map");
	struct yctx kc = { cx->flow, 0, -1 };
	int block = 1;

	if (n == NULL)
		return NULL;
	if (B->ev.style == YAML_FLOW_MAPPING_STYLE) {
		n->style |= YS_FLOW;
		kc.flow = 1;
		block = 0;
	} else if (B->ev.tok >= 0) {
		kc.coll_col = B->S->toks[B->ev.tok].s.col;
	}
	if (set_anchor(B, n) != 0)
		return NULL;
	take_ev(B);
	for (;;) {
		if (peek_ev(B) != 0)
			return NULL;
		if (B->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (mapping_pair(B, n, block, &kc) != 0)
			return NULL;
	}
	if (set_from_end(B, &n->linec, &n->foot, n) != 0)
		return NULL;
	if (block && n->foot.n > 0 && n->nkids > 1 &&
	    move_foot(B, n->kids[n->nkids - 2], &n->foot) != 0)
		return NULL;
	if (!block)
		n->e_byte = B->ev.e.byte;
	else if (n->nkids > 0)
		n->e_byte = n->kids[n->nkids - 1]->e_byte;
	take_ev(B);
	return n;
}

static struct ynode *parse_any(struct builder *B, const struct yctx *cx)
{
	if (peek_ev(B) != 0)
		return NULL;
	switch (B->ev.type) {
	case YAML_SCALAR_EVENT: return parse_scalar(B, cx);
	case YAML_ALIAS_EVENT: return parse_alias(B);
	case YAML_MAPPING_START_EVENT: return parse_mapping(B, cx);
	case YAML_SEQUENCE_START_EVENT: return parse_sequence(B, cx);
	default:
		err_set(B->err, EX_ERROR, "internal error: unexpected YAML event %d", B->ev.type);
		return NULL;
	}
}

static struct ynode *parse_document(struct builder *B)
{
	struct ynode *n = make_node(B, YK_DOC, NULL);
	struct yctx cx = { 0, 0, -1 };
	struct ynode *c;

	if (n == NULL)
		return NULL;
	take_ev(B);
	c = parse_any(B, &cx);
	if (c == NULL || ynode_add(B->pool, n, c) != 0)
		return NULL;
	if (peek_ev(B) != 0)
		return NULL;
	if (B->ev.type == YAML_DOCUMENT_END_EVENT) {
		n->foot = B->ev.foot;
		n->e_byte = B->ev.s.byte;
		take_ev(B);
	}
	return n;
}

static int push_doc(struct ynode ***docs, size_t *n, size_t *cap, struct ynode *d)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct ynode **nv = realloc(*docs, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		*docs = nv;
		*cap = ncap;
	}
	(*docs)[(*n)++] = d;
	return 0;
}

int ynodes_build(struct yscan *S, struct ynode ***docs, size_t *ndocs, int *err_doc,
		 struct sops_err *err)
{
	struct builder B;
	size_t cap = 0;
	int rc = -1;

	memset(&B, 0, sizeof(B));
	B.S = S;
	B.pool = S->pool;
	B.err = err;
	yparser_init(&B.P, S, err);
	*docs = NULL;
	*ndocs = 0;
	if (peek_ev(&B) != 0)
		goto out;
	take_ev(&B);            /* STREAM-START */
	for (;;) {
		struct ynode *d;

		if (peek_ev(&B) != 0)
			goto out;
		if (B.ev.type == YAML_STREAM_END_EVENT)
			break;
		d = parse_document(&B);
		if (d == NULL)
			goto out;
		if (push_doc(docs, ndocs, &cap, d) != 0) {
			err_set(err, EX_ERROR, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	*err_doc = B.P.ndocs > 0 ? B.P.ndocs - 1 : 0;
	free(B.A.names);
	free(B.A.nodes);
	yparser_free(&B.P);
	return rc;
}
