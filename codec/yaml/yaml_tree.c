/* yaml_tree.c - yaml.v3 Node trees -> the sops tree, walking them exactly as
 * sops' stores/yaml/store.go does (appendYamlNodeToTreeBranch,
 * nodeToTreeValue): head and line comments of a key, then for scalar and
 * alias values the value's head comment and its line comment (inline),
 * the item, the value's foot comment, the key's foot comment; comments in
 * sequences are list elements. Aliases are expanded into copies
 * (NODE_VIA_ALIAS), merge keys stay ordinary "<<" keys. The top-level
 * `sops` entries are taken out (document 1's value is the metadata) and
 * their text regions remembered for rendering.
 */
#include "yaml_int.h"

#include <stdlib.h>
#include <string.h>

struct tb {
	struct sdoc *doc;
	struct ypriv *P;
	struct sops_err *err;
	int via_alias;
	int anchored;
	int depth;
	long long nodes, alias_nodes;
	const struct ynode **active;
	int nactive, acap;
	unsigned char *used;    /* bitmap of comment starts placed in the tree */
	struct ydoc *cur;       /* document being built */
};

static int oom(struct tb *T)
{
	return err_set(T->err, EX_ERROR, "out of memory");
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

/* yaml.v3's defence against alias bombs, applied to every document, plus a
 * hard cap on the size of the expanded tree. */
static int count_node(struct tb *T)
{
	T->nodes++;
	if (T->via_alias)
		T->alias_nodes++;
	if ((T->alias_nodes > 100 && T->nodes > 1000 &&
	     (double)T->alias_nodes / (double)T->nodes > allowed_ratio(T->nodes)) ||
	    T->alias_nodes > 4000000)
		return err_set(T->err, EX_COULD_NOT_READ,
			       "yaml: document contains excessive aliasing");
	return 0;
}

static struct node *new_node(struct tb *T, enum nkind kind)
{
	struct node *n = node_new(T->doc, kind);

	if (n == NULL)
		return NULL;
	if (T->via_alias)
		n->flags |= NODE_VIA_ALIAS;
	if (T->anchored && !T->via_alias)
		n->flags |= NODE_ANCHORED;
	return n;
}

/* ---- comments ---------------------------------------------------------------- */

static int add_comments(struct tb *T, struct node *parent, const struct yblob *b,
			unsigned flags)
{
	const char *x = T->doc->text;

	for (int i = 0; i < b->n; i++) {
		const struct yseg *s = &b->v[i];
		struct node *c;

		if (s->s == YSEG_EMPTY || s->e <= s->s)
			continue;
		c = new_node(T, NK_COMMENT);
		if (c == NULL || tvalue_set(T->doc, &c->val, VT_STR, x + s->s + 1, s->e - s->s - 1))
			return oom(T);
		c->start = s->s + 1;
		c->end = s->e;
		c->line = s->line + 1;
		c->flags |= flags;
		if (s->flags & YSEG_LOST)
			c->flags |= YNODE_LOST;
		if (parent->kind == NK_LIST)
			c->flags |= NODE_SEQ_COMMENT;
		if (T->used != NULL && !T->via_alias)
			T->used[s->s / 8] |= (unsigned char)(1u << (s->s % 8));
		if (node_add_kid(T->doc, parent, c) != 0)
			return oom(T);
	}
	return 0;
}

static int add_lost(struct tb *T, struct node *parent, const struct ynode *n)
{
	struct yblob b = n->lost;

	if (b.n == 0)
		return 0;
	b.v = pool_alloc(T->doc->pool, (size_t)b.n * sizeof(*b.v));
	if (b.v == NULL)
		return oom(T);
	memcpy(b.v, n->lost.v, (size_t)b.n * sizeof(*b.v));
	for (int i = 0; i < b.n; i++)
		b.v[i].flags |= YSEG_LOST;
	return add_comments(T, parent, &b, 0);
}

/* ---- scalars ------------------------------------------------------------------ */

static int remember_scalar(struct tb *T, const struct ynode *y, struct node *n)
{
	struct ypriv *P = T->P;

	if (y->sc == NULL) {
		n->aux = -1;
		n->start = n->end = y->s_byte;
		return 0;
	}
	if (P->nscal == P->scap) {
		size_t ncap = P->scap ? P->scap * 2 : 64;
		struct ynode **nv = realloc(P->scal, ncap * sizeof(*nv));

		if (nv == NULL)
			return oom(T);
		P->scal = nv;
		P->scap = ncap;
	}
	P->scal[P->nscal] = (struct ynode *)y;
	n->aux = (int)P->nscal++;
	n->start = y->sc->tag_s != (size_t)-1 && y->sc->tag_s < y->sc->start ? y->sc->tag_s
									     : y->sc->start;
	n->end = y->sc->node_end;
	return 0;
}

static struct node *scalar_node(struct tb *T, const struct ynode *y)
{
	struct node *n = new_node(T, NK_SCALAR);
	struct sops_err ignore;

	ignore.code = 0;
	if (n == NULL) {
		oom(T);
		return NULL;
	}
	/* node.Decode errors are ignored by sops: the value stays nil */
	if (yres_value(T->doc, y, &n->val, &ignore) != 0) {
		memset(&n->val, 0, sizeof(n->val));
		n->val.s = "";
		if (ignore.code == EX_ERROR) {
			oom(T);
			return NULL;
		}
	}
	n->line = y->line;
	if (remember_scalar(T, y, n) != 0)
		return NULL;
	return n;
}

/* ---- aliases ------------------------------------------------------------------- */

static int alias_enter(struct tb *T, const struct ynode *a)
{
	for (int i = 0; i < T->nactive; i++)
		if (T->active[i] == a)
			return err_set(T->err, EX_COULD_NOT_READ,
				       "yaml: anchor '%s' value contains itself", a->value);
	if (T->nactive == T->acap) {
		int ncap = T->acap ? T->acap * 2 : 16;
		const struct ynode **nv = realloc(T->active, (size_t)ncap * sizeof(*nv));

		if (nv == NULL)
			return oom(T);
		T->active = nv;
		T->acap = ncap;
	}
	T->active[T->nactive++] = a;
	T->via_alias++;
	return 0;
}

static void alias_leave(struct tb *T)
{
	T->nactive--;
	T->via_alias--;
}

/* ---- keys ----------------------------------------------------------------------- */

static int set_key(struct tb *T, struct node *item, const struct ynode *k)
{
	const struct ynode *t = k;
	struct tvalue v;
	struct sops_err ignore;

	ignore.code = 0;
	while (t->kind == YK_ALIAS && t->alias != NULL)
		t = t->alias;
	if (t->kind == YK_MAP || t->kind == YK_SEQ) {
		item->keytype = t->kind == YK_MAP ? "map[string]interface {}" : "[]interface {}";
		item->key = t->kind == YK_MAP ? "map[]" : "[]";
		item->keylen = strlen(item->key);
		return 0;
	}
	if (t->kind != YK_SCALAR || yres_value(T->doc, t, &v, &ignore) != 0) {
		memset(&v, 0, sizeof(v));
		v.s = "";
	}
	if (v.type == VT_STR || v.type == VT_BYTES) {
		item->key = v.s;
		item->keylen = v.len;
		return 0;
	}
	if (yres_key_text(T->doc, &v, &item->keytype, &item->key, &item->keylen) != 0)
		return oom(T);
	return 0;
}

/* ---- the walk ---------------------------------------------------------------------- */

static struct node *to_value(struct tb *T, const struct ynode *y, int handled);
static int branch_add(struct tb *T, const struct ynode *y, struct node *br, int handled);

static int enter(struct tb *T, const struct ynode *y, int *saved_anch)
{
	if (count_node(T) != 0)
		return -1;
	if (++T->depth > YAML_MAX_DEPTH)
		return err_set(T->err, EX_COULD_NOT_READ, "yaml: exceeded max depth of %d",
			       YAML_MAX_DEPTH);
	*saved_anch = T->anchored;
	if (y->aliased)
		T->anchored = 1;
	return 0;
}

static void leave(struct tb *T, int saved_anch)
{
	T->depth--;
	T->anchored = saved_anch;
}

static int sops_top(struct tb *T, const struct node *item, const struct ynode *k,
		    const struct ynode *v);

static int map_pair(struct tb *T, struct node *br, const struct ynode *k, const struct ynode *v,
		    int top)
{
	int hv = v->kind == YK_SCALAR || v->kind == YK_ALIAS;
	struct node *item;

	if (add_comments(T, br, &k->head, 0) || add_comments(T, br, &k->linec, 0))
		return -1;
	if (hv && (add_comments(T, br, &v->head, 0) ||
		   add_comments(T, br, &v->linec, NODE_INLINE_COMMENT)))
		return -1;
	item = to_value(T, v, hv);
	if (item == NULL || set_key(T, item, k) != 0 || node_add_kid(T->doc, br, item) != 0)
		return item == NULL ? -1 : oom(T);
	if (top && sops_top(T, item, k, v) != 0)
		return -1;
	if (hv && add_comments(T, br, &v->foot, 0))
		return -1;
	if (add_comments(T, br, &k->foot, 0) || add_lost(T, br, k) || (hv && add_lost(T, br, v)))
		return -1;
	return 0;
}

static int branch_add(struct tb *T, const struct ynode *y, struct node *br, int handled)
{
	int saved, rc = 0;

	if (enter(T, y, &saved) != 0)
		return -1;
	if (!handled && (add_comments(T, br, &y->head, 0) || add_comments(T, br, &y->linec, 0)))
		goto fail;
	switch (y->kind) {
	case YK_DOC:
		for (size_t i = 0; i < y->nkids && rc == 0; i++)
			rc = branch_add(T, y->kids[i], br, 0);
		break;
	case YK_SEQ:
		rc = err_set(T->err, EX_COULD_NOT_READ,
			     "YAML documents that are sequences are not supported");
		break;
	case YK_MAP:
		for (size_t i = 0; i + 1 < y->nkids && rc == 0; i += 2)
			rc = map_pair(T, br, y->kids[i], y->kids[i + 1],
				      T->cur != NULL && y == T->cur->content);
		break;
	case YK_SCALAR:
		/* an empty or null document is an empty branch (the node's tag
		 * is its ShortTag: untagged plain scalars were resolved) */
		if (strcmp(y->tag, "!!null") != 0)
			rc = err_set(T->err, EX_COULD_NOT_READ,
				     "YAML documents that are values are not supported");
		break;
	case YK_ALIAS:
		if (alias_enter(T, y) != 0)
			goto fail;
		rc = branch_add(T, y->alias, br, 0);
		alias_leave(T);
		break;
	}
	if (rc != 0)
		goto fail;
	if (!handled && add_comments(T, br, &y->foot, 0))
		goto fail;
	if (y->kind != YK_DOC && add_lost(T, br, y))
		goto fail;
	leave(T, saved);
	return 0;
fail:
	leave(T, saved);
	return -1;
}

static struct node *seq_value(struct tb *T, const struct ynode *y, int handled)
{
	struct node *l = new_node(T, NK_LIST);

	if (l == NULL) {
		oom(T);
		return NULL;
	}
	if (!handled && (add_comments(T, l, &y->head, 0) || add_comments(T, l, &y->linec, 0)))
		return NULL;
	for (size_t i = 0; i < y->nkids; i++) {
		const struct ynode *it = y->kids[i];
		struct node *v;

		if (add_comments(T, l, &it->head, 0) ||
		    add_comments(T, l, &it->linec, NODE_INLINE_COMMENT))
			return NULL;
		v = to_value(T, it, 1);
		if (v == NULL || node_add_kid(T->doc, l, v) != 0) {
			if (v != NULL)
				oom(T);
			return NULL;
		}
		if (add_comments(T, l, &it->foot, 0) || add_lost(T, l, it))
			return NULL;
	}
	if (!handled && add_comments(T, l, &y->foot, 0))
		return NULL;
	if (add_lost(T, l, y))
		return NULL;
	return l;
}

static struct node *to_value(struct tb *T, const struct ynode *y, int handled)
{
	struct node *n = NULL;
	int saved;

	if (y->kind == YK_MAP) {
		int anch = T->anchored;

		if (y->aliased)
			T->anchored = 1;
		n = new_node(T, NK_MAP);
		T->anchored = anch;
		if (n == NULL) {
			oom(T);
			return NULL;
		}
		n->line = y->line;
		n->start = y->s_byte;
		n->end = y->e_byte;
		return branch_add(T, y, n, handled) == 0 ? n : NULL;
	}
	if (enter(T, y, &saved) != 0)
		return NULL;
	switch (y->kind) {
	case YK_SEQ:
		n = seq_value(T, y, handled);
		if (n != NULL) {
			n->line = y->line;
			n->start = y->s_byte;
			n->end = y->e_byte;
		}
		break;
	case YK_SCALAR:
		n = scalar_node(T, y);
		break;
	case YK_ALIAS:
		if (alias_enter(T, y) == 0) {
			n = to_value(T, y->alias, 0);
			alias_leave(T);
		}
		break;
	default:
		err_set(T->err, EX_ERROR, "internal error: document node as a value");
	}
	leave(T, saved);
	return n;
}

/* ---- the `sops` entry ------------------------------------------------------------------ */

static int push_cut(struct tb *T, size_t s, size_t e)
{
	struct ydoc *d = T->cur;
	size_t *ns = pool_alloc(T->doc->pool, (size_t)(d->ncut + 1) * sizeof(*ns));
	size_t *ne = pool_alloc(T->doc->pool, (size_t)(d->ncut + 1) * sizeof(*ne));

	if (ns == NULL || ne == NULL)
		return oom(T);
	if (d->ncut > 0) {
		memcpy(ns, d->cut_s, (size_t)d->ncut * sizeof(*ns));
		memcpy(ne, d->cut_e, (size_t)d->ncut * sizeof(*ne));
	}
	ns[d->ncut] = s;
	ne[d->ncut] = e;
	d->cut_s = ns;
	d->cut_e = ne;
	d->ncut++;
	return 0;
}

/* Region of a top-level `sops` entry: from the start of its key's line to
 * the end of the value's last line with its break (block style), or the
 * entry and one adjacent ',' (flow style). */
static int sops_top(struct tb *T, const struct node *item, const struct ynode *k,
		    const struct ynode *v)
{
	const char *x = T->doc->text;
	size_t len = T->doc->len, s, e;

	if (item->keytype != NULL || item->keylen != 4 || memcmp(item->key, "sops", 4) != 0)
		return 0;
	s = k->s_byte;
	e = v->e_byte > k->e_byte ? v->e_byte : k->e_byte;
	if (T->cur->content->style & YS_FLOW) {
		size_t a = s, b = e;

		while (a > 0 && (x[a - 1] == ' ' || x[a - 1] == '\t' || x[a - 1] == '\n' ||
				 x[a - 1] == '\r'))
			a--;
		if (a > 0 && x[a - 1] == ',')
			return push_cut(T, a - 1, e);
		while (b < len && (x[b] == ' ' || x[b] == '\t' || x[b] == '\n' || x[b] == '\r'))
			b++;
		if (b < len && x[b] == ',') {
			b++;
			while (b < len && (x[b] == ' ' || x[b] == '\t'))
				b++;
			return push_cut(T, s, b);
		}
		return push_cut(T, s, e);
	}
	s = ytext_line_start(x, len, s);
	e = ytext_after_break(x, len, ytext_line_end(x, len, e));
	return push_cut(T, s, e);
}

/* Remove the `sops` items of a branch; document 1's value becomes the
 * metadata. */
static void take_sops(struct tb *T, struct node *br, int first)
{
	struct sdoc *doc = T->doc;
	size_t w = 0;

	for (size_t i = 0; i < br->nkids; i++) {
		struct node *it = br->kids[i];

		if (it->kind != NK_COMMENT && it->keytype == NULL && it->keylen == 4 &&
		    memcmp(it->key, "sops", 4) == 0) {
			if (first && doc->meta == NULL) {
				doc->meta = it;
				doc->meta_bad = it->kind != NK_MAP;
			} else if (first) {
				doc->meta_dup++;
			}
			it->parent = NULL;
			continue;
		}
		br->kids[w++] = it;
	}
	br->nkids = w;
	for (size_t i = 0; i < br->nkids; i++)
		if (br->kids[i]->kind != NK_COMMENT)
			T->cur->has_items = 1;
}

/* ---- documents ---------------------------------------------------------------------------- */

static int build_doc(struct tb *T, struct ydoc *d, int index)
{
	struct node *br = new_node(T, NK_MAP);

	if (br == NULL)
		return oom(T);
	T->cur = d;
	d->content = d->root->nkids > 0 ? d->root->kids[0] : NULL;
	if (d->content != NULL && d->content->kind == YK_MAP) {
		d->root_flow = (d->content->style & YS_FLOW) != 0;
		d->root_col = d->content->col - 1;
	}
	d->ins = d->root->e_byte;
	if (branch_add(T, d->root, br, 0) != 0)
		return -1;
	take_sops(T, br, index == 0);
	d->branch = br;
	T->cur = NULL;
	return 0;
}

/* Comments no event took (yaml.v3 drops them): keep them, flagged, at the
 * end of the document they are in, so they are encrypted too. */
static int orphans(struct tb *T, struct yscan *S)
{
	struct ypriv *P = T->P;

	for (size_t i = 0; i < S->ncmts; i++) {
		const struct yblob *bl[3] = { &S->cmts[i].head, &S->cmts[i].line, &S->cmts[i].foot };

		for (int k = 0; k < 3; k++)
			for (int j = 0; j < bl[k]->n; j++) {
				struct yseg sg = bl[k]->v[j];
				struct yblob one = { &sg, 1, 0 };
				size_t d = 0;

				if (sg.s == YSEG_EMPTY || (T->used[sg.s / 8] >> (sg.s % 8)) & 1)
					continue;
				while (d + 1 < P->ndocs && P->docs[d].ins <= sg.s)
					d++;
				sg.flags |= YSEG_LOST;
				if (P->ndocs == 0 || add_comments(T, P->docs[d].branch, &one, 0) != 0)
					return P->ndocs == 0 ? 0 : -1;
			}
	}
	return 0;
}

/* Indent width of a block collection nested under a mapping key: the
 * column step of the first one found (depth-first). */
static int nested_step(const struct ynode *m, int depth)
{
	if (m == NULL || m->kind != YK_MAP || (m->style & YS_FLOW) || depth > 64)
		return 0;
	for (size_t i = 0; i + 1 < m->nkids; i += 2) {
		const struct ynode *k = m->kids[i], *v = m->kids[i + 1];
		const struct ynode *inner = v;
		int w;

		if ((v->kind != YK_MAP && v->kind != YK_SEQ) || (v->style & YS_FLOW) ||
		    v->nkids == 0)
			continue;
		if (v->kind == YK_SEQ)
			inner = v;
		w = (v->kind == YK_MAP ? v->kids[0]->col : v->col) - k->col;
		if (w >= 2 && w <= 9)
			return w;
		w = nested_step(inner, depth + 1);
		if (w > 0)
			return w;
	}
	return 0;
}

/* Indent width for the lines yaml.v3 would indent (literal bodies): the
 * file's own nesting step (sops writes data and metadata with the same
 * width, 4 unless --indent), else 4. */
static void guess_indent(struct ypriv *P)
{
	P->indent = 4;
	for (size_t d = 0; d < P->ndocs; d++) {
		int w = nested_step(P->docs[d].content, 0);

		if (w > 0) {
			P->indent = w;
			return;
		}
	}
}

int ytree_build(struct sdoc *doc, struct ypriv *P, struct yscan *S, struct ynode **docs,
		size_t ndocs, struct sops_err *err)
{
	struct tb T;
	int rc = 0;

	memset(&T, 0, sizeof(T));
	T.doc = doc;
	T.P = P;
	T.err = err;
	T.used = calloc(doc->len / 8 + 1, 1);
	P->docs = pool_alloc(doc->pool, (ndocs + 1) * sizeof(*P->docs));
	doc->branches = pool_alloc(doc->pool, (ndocs + 1) * sizeof(*doc->branches));
	if (T.used == NULL || P->docs == NULL || doc->branches == NULL) {
		free(T.used);
		return oom(&T);
	}
	for (size_t i = 0; i < ndocs && rc == 0; i++) {
		P->docs[i].root = docs[i];
		T.nodes = T.alias_nodes = 0;
		rc = build_doc(&T, &P->docs[i], (int)i);
		/* sops' second pass (all documents) wraps its errors */
		if (rc != 0 && i > 0 && err != NULL && err->code != EX_ERROR)
			err_prefix(err, "Error unmarshaling input YAML: ");
		if (rc == 0)
			doc->branches[i] = P->docs[i].branch;
		P->ndocs = i + 1;
	}
	if (rc == 0) {
		doc->nbranches = ndocs;
		rc = orphans(&T, S);
	}
	free(T.used);
	free(T.active);
	if (rc == 0)
		guess_indent(P);
	return rc;
}
