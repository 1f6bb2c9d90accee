/* merge_items.c - a map's items as text ranges of a plaintext view.
 *
 * Line stores (YAML block style, dotenv, INI): an item owns the lines from
 * its key line up to the next item's first line; comment lines above a key
 * belong to that key (so comments follow their keys when an item is moved
 * in, removed or replaced), an inline comment to the item on its line.
 * JSON has no comments: an item is `"key": value` found from the value
 * token back to the key's quotes.
 */
#include "merge_int.h"

#include <stdlib.h>
#include <string.h>

size_t merge_line_start(const char *t, size_t pos)
{
	while (pos > 0 && t[pos - 1] != '\n')
		pos--;
	return pos;
}

size_t merge_ws_before(const char *t, size_t pos)
{
	while (pos > 0 && (t[pos - 1] == ' ' || t[pos - 1] == '\t' || t[pos - 1] == '\n' ||
			   t[pos - 1] == '\r'))
		pos--;
	return pos;
}

static int blank_or_comment(const char *t, size_t ls, size_t le)
{
	while (ls < le && (t[ls] == ' ' || t[ls] == '\t' || t[ls] == '\r'))
		ls++;
	return ls == le || t[ls] == '#';
}

/* The line of a YAML item's key: the value's own line, unless the value
 * starts its line (a block map or list under the key), then the nearest
 * earlier line that is not blank or a comment. */
static size_t yaml_key_line(const char *t, size_t rs, size_t p)
{
	size_t ls = merge_line_start(t, p);

	for (size_t i = ls; i < p; i++)
		if (t[i] != ' ' && t[i] != '\t')
			return ls;
	while (ls > rs) {
		size_t pe = ls - 1, ps = merge_line_start(t, pe);

		if (!blank_or_comment(t, ps, pe))
			return ps;
		ls = ps;
	}
	return ls;
}

static int push(struct mlist *l, const struct mitem *it)
{
	struct mitem *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	l->v = nv;
	l->v[l->n++] = *it;
	return 0;
}

/* First comment line of a section that sits above its header (INI). */
static size_t lead_inside(const char *t, const struct node *kid, size_t ks)
{
	for (size_t i = 0; i < kid->nkids && kid->kind == NK_MAP; i++) {
		const struct node *c = kid->kids[i];

		if (c->kind == NK_COMMENT && c->start < kid->start) {
			size_t ls = merge_line_start(t, c->start);

			if (ls < ks)
				ks = ls;
		}
	}
	return ks;
}

static int items_lines(const struct mside *s, const struct store_ops *st, const struct node *m,
		       size_t rs, size_t re, struct mlist *l)
{
	int yaml = strcmp(st->name, "yaml") == 0;
	size_t pending = (size_t)-1, last = rs;

	if (yaml && m->parent != NULL && m->start < s->len && s->t[m->start] == '{')
		return 1;
	for (size_t i = 0; i < m->nkids; i++) {
		const struct node *k = m->kids[i];
		struct mitem it;

		if (i == 0 && k->kind == NK_MAP && (k->flags & NODE_SYNTH) &&
		    strcmp(st->name, "ini") == 0) {
			/* INI: the keys before the first header (section DEFAULT) */
			if (k->nkids == 0)
				continue;
			memset(&it, 0, sizeof(it));
			it.n = k;
			if (push(l, &it) != 0)
				return -1;
			last = rs + 1;
			continue;
		}
		if (k->flags & (NODE_SYNTH | NODE_VIA_ALIAS) || k->start > s->len)
			return 1;
		if (k->kind == NK_COMMENT) {
			if ((k->flags & NODE_INLINE_COMMENT) && l->n > 0)
				continue;
			if (k->start >= rs && pending == (size_t)-1 &&
			    merge_line_start(s->t, k->start) >= last)
				pending = merge_line_start(s->t, k->start);
			continue;
		}
		if (k->key == NULL)
			return 1;
		memset(&it, 0, sizeof(it));
		it.n = k;
		it.vs = k->start;
		it.ve = k->end;
		it.ks = yaml ? yaml_key_line(s->t, rs, k->start) : merge_line_start(s->t, k->start);
		if (k->kind == NK_MAP && !yaml)
			it.ks = merge_line_start(s->t, k->start);
		it.s = pending < it.ks ? pending : it.ks;
		if (k->kind == NK_MAP && !yaml)
			it.s = lead_inside(s->t, k, it.s);
		pending = (size_t)-1;
		if (it.ks < rs || it.s < last || (l->n > 0 && it.ks <= l->v[l->n - 1].ks))
			return 1;
		last = it.ks + 1;
		if (push(l, &it) != 0)
			return -1;
	}
	for (size_t i = 0; i < l->n; i++)
		l->v[i].e = i + 1 < l->n ? l->v[i + 1].s : re;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].e < l->v[i].ks)
			return 1;
	return 0;
}

/* The opening quote of the key whose value starts at vs, or -1. */
static long json_key_start(const char *t, size_t vs)
{
	size_t q = merge_ws_before(t, vs);

	if (q == 0 || t[q - 1] != ':')
		return -1;
	q = merge_ws_before(t, q - 1);
	if (q < 2 || t[q - 1] != '"')
		return -1;
	for (size_t j = q - 2;; j--) {
		if (t[j] == '"') {
			size_t bs = 0;

			while (bs < j && t[j - 1 - bs] == '\\')
				bs++;
			if (bs % 2 == 0)
				return (long)j;
		}
		if (j == 0)
			return -1;
	}
}

static int items_json(const struct mside *s, const struct node *m, struct mlist *l)
{
	if (m->start >= s->len || s->t[m->start] != '{')
		return 1;
	for (size_t i = 0; i < m->nkids; i++) {
		const struct node *k = m->kids[i];
		struct mitem it;
		long ks;

		if (k->kind == NK_COMMENT || k->key == NULL || (ks = json_key_start(s->t, k->start)) < 0)
			return 1;
		memset(&it, 0, sizeof(it));
		it.n = k;
		it.s = it.ks = (size_t)ks;
		it.vs = k->start;
		it.e = it.ve = k->end;
		if (push(l, &it) != 0)
			return -1;
	}
	l->rs = m->start;
	l->re = m->end;
	return 0;
}

static int keycmp(const struct node *a, const struct node *b)
{
	size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = memcmp(a->key, b->key, n);

	return c != 0 ? c : (a->keylen > b->keylen) - (a->keylen < b->keylen);
}

static int cmp_order(const void *pa, const void *pb, void *arg)
{
	const struct mitem *v = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = keycmp(v[a].n, v[b].n);

	return c != 0 ? c : (a > b) - (a < b);   /* first of equal keys first */
}

/* Index the items by key (a merge of big files stays n log n). */
static int make_order(struct mlist *l)
{
	if (l->n == 0)
		return 0;
	if ((l->order = malloc(l->n * sizeof(*l->order))) == NULL)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		l->order[i] = i;
	qsort_r(l->order, l->n, sizeof(*l->order), cmp_order, l->v);
	return 0;
}

int mitems_get(const struct mside *s, const struct store_ops *st, const struct node *map,
	       size_t rs, size_t re, struct mlist *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->rs = rs;
	out->re = re;
	out->json = strcmp(st->name, "json") == 0;
	if (map == NULL)
		return 0;
	rc = out->json ? items_json(s, map, out) : items_lines(s, st, map, rs, re, out);
	if (rc == 0 && make_order(out) != 0)
		rc = -1;
	if (rc != 0)
		mitems_free(out);
	return rc;
}

void mitems_free(struct mlist *l)
{
	free(l->v);
	free(l->order);
	l->v = NULL;
	l->order = NULL;
	l->n = 0;
}

const struct mitem *mitems_find(const struct mlist *l, const char *key, size_t keylen)
{
	struct node k;
	size_t lo = 0, hi = l->n;

	k.key = key;
	k.keylen = keylen;
	while (lo < hi) {            /* the first item whose key is >= key */
		size_t mid = lo + (hi - lo) / 2;

		if (keycmp(l->v[l->order[mid]].n, &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->n && keycmp(l->v[l->order[lo]].n, &k) == 0)
		return &l->v[l->order[lo]];
	return NULL;
}
