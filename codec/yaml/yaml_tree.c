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
#include "yaml_tree_int.h"

#include <stdlib.h>
#include <string.h>

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

struct node *new_node(struct tb *T, enum nkind kind)
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

int add_comments(struct tb *T, struct node *parent, const struct yblob *b,
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
	struct sops_err *ignore = &T->ignored;

	ignore->code = 0;
	if (n == NULL) {
		oom(T);
		return NULL;
	}
	/* node.Decode errors are ignored by sops: the value stays nil */
	if (yres_value(T->doc, y, &n->val, ignore) != 0) {
		memset(&n->val, 0, sizeof(n->val));
		n->val.s = "";
		if (ignore->code == EX_ERROR) {
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
	struct sops_err *ignore = &T->ignored;

	ignore->code = 0;
	while (t->kind == YK_ALIAS && t->alias != NULL)
		t = t->alias;
	if (t->kind == YK_MAP || t->kind == YK_SEQ) {
		item->keytype = t->kind == YK_MAP ? "map[string]interface {}" : "[]interface {}";
		item->key = t->kind == YK_MAP ? "map[]" : "[]";
		item->keylen = strlen(item->key);
		return 0;
	}
	if (t->kind != YK_SCALAR || yres_value(T->doc, t, &v, ignore) != 0) {
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

int branch_add(struct tb *T, const struct ynode *y, struct node *br, int handled)
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
