/* merge_tree.c - three-way merge of plaintext views, map by map.
 *
 * Items are matched by key. Per item: unchanged on one side -> the other
 * side's version; removed on one side and unchanged on the other ->
 * removed; added on one side -> added (after the nearest preceding key
 * that ours has, so ours' order stays); changed on both sides -> merged
 * recursively when all versions are maps, else a conflict. Comment lines
 * above a key are merged on their own (a side that changed them wins; both
 * changed: ours). A map that cannot be split by lines (YAML flow style,
 * aliases) is compared as a whole, and so is a document that cannot be
 * split at all (binary files, several YAML documents).
 */
#include "merge_int.h"

#include <stdlib.h>
#include <string.h>

struct mctx {
	const struct store_ops *st;
	struct mside b, o, t;       /* b.t == NULL: no base */
	int markers;
	struct medits ed;
	struct merge_paths *paths;
	struct buf path;
	struct buf tmp, tside;      /* secure */
};

static int same(const struct mside *x, size_t xs, size_t xe, const struct mside *y, size_t ys,
		size_t ye)
{
	return xe - xs == ye - ys && memcmp(x->t + xs, y->t + ys, xe - xs) == 0;
}

static int same_item(const struct mside *x, const struct mitem *a, const struct mside *y,
		     const struct mitem *b)
{
	return same(x, a->ks, a->e, y, b->ks, b->e);
}

static int add_path(struct mctx *c, const struct node *k)
{
	size_t keep = c->path.len;
	int rc = merge_path_push(&c->path, k->key, k->keylen) == 0 &&
		 merge_paths_add(c->paths, (char *)c->path.data) == 0 ? 0 : -1;

	buf_truncate(&c->path, keep);
	return rc;
}

/* Lines: put x at [s, e) of ours, keeping line structure. */
static int put_lines(struct mctx *c, size_t s, size_t e, const char *x, size_t n)
{
	const char *pre = s > 0 && s == e && c->o.t[s - 1] != '\n' ? "\n" : "";
	int more = e < c->o.len || (e > s && c->o.t[e - 1] == '\n');
	const char *post = n > 0 && x[n - 1] != '\n' && more ? "\n" : "";

	return medits_put(&c->ed, s, e, pre, strlen(pre), x, n, post, strlen(post));
}

/* Where a line-store item of theirs that ours lacks goes: after anchor (an
 * ours item) or before ours' first item. */
static size_t insert_pos(const struct mlist *O, const struct mitem *anchor)
{
	return anchor ? anchor->e : (O->n ? O->v[0].s : O->re);
}

static int insert_json(struct mctx *c, const struct mlist *O, const struct mitem *anchor,
		       const struct mitem *ti, int *nins)
{
	const char *x = c->t.t + ti->ks;
	size_t n = ti->ve - ti->ks;

	if (anchor != NULL) {
		size_t w = merge_ws_before(c->o.t, anchor->ks);

		return medits_put(&c->ed, anchor->ve, anchor->ve, ",", 1, c->o.t + w,
				  anchor->ks - w, x, n);
	}
	if (O->n > 0) {
		size_t w = merge_ws_before(c->o.t, O->v[0].ks);

		return medits_put(&c->ed, O->v[0].ks, O->v[0].ks, x, n, ",", 1, c->o.t + w,
				  O->v[0].ks - w);
	}
	int first = (*nins)++ == 0;

	return medits_put(&c->ed, O->rs + 1, O->rs + 1, ",", first ? 0 : 1, x, n, "", 0);
}

static size_t line_end(const char *t, size_t len, size_t p)
{
	while (p < len && t[p] != '\n')
		p++;
	return p < len ? p + 1 : p;
}

/* A conflict on item o/t (either may be NULL; anchor places a missing o). */
static int conflict(struct mctx *c, const struct mlist *O, const struct mitem *o,
		    const struct mitem *t, const struct mitem *anchor)
{
	size_t s, e, ts = 0, te = 0;

	if (add_path(c, o ? o->n : t->n) != 0)
		return -1;
	if (!c->markers)
		return 0;
	buf_truncate(&c->tmp, 0);
	buf_truncate(&c->tside, 0);
	if (!O->json) {
		s = o ? o->ks : insert_pos(O, anchor);
		e = o ? o->e : s;
		if (t) {
			ts = t->ks;
			te = t->e;
		}
	} else {
		s = o ? merge_line_start(c->o.t, o->ks)
		      : line_end(c->o.t, c->o.len, anchor ? anchor->ve : O->rs);
		e = o ? line_end(c->o.t, c->o.len, o->ve) : s;
		if (t) {
			ts = merge_line_start(c->t.t, t->ks);
			te = t->ve;
		}
	}
	if (buf_add(&c->tside, c->t.t + ts, te - ts) != 0)
		return -1;
	/* JSON: theirs' side ends like ours' line, with or without a comma */
	if (O->json && t != NULL && (o == NULL || memchr(c->o.t + o->ve, ',', e - o->ve) != NULL) &&
	    buf_addc(&c->tside, ',') != 0)
		return -1;
	if (merge_block(&c->tmp, c->o.t + s, e - s, (char *)c->tside.data, c->tside.len) != 0)
		return -1;
	return medits_put(&c->ed, s, e, (char *)c->tmp.data, c->tmp.len, "", 0, "", 0);
}

static int merge_map(struct mctx *c, const struct node *bm, const struct node *om,
		     const struct node *tm, const size_t reg[6]);

static int is_map(const struct mitem *i)
{
	return i == NULL || i->n->kind == NK_MAP;
}

/* Both sides changed item o/t: recurse into maps, else a conflict. */
static int both_changed(struct mctx *c, const struct mlist *O, const struct mitem *b,
			const struct mitem *o, const struct mitem *t)
{
	if (is_map(b) && o->n->kind == NK_MAP && t->n->kind == NK_MAP) {
		size_t keep = c->path.len, reg[6] = {
			b ? b->ks : 0, b ? b->e : 0, o->ks, o->e, t->ks, t->e };
		int rc;

		if (merge_path_push(&c->path, o->n->key, o->n->keylen) != 0)
			return -1;
		rc = merge_map(c, b ? b->n : NULL, o->n, t->n, reg);
		buf_truncate(&c->path, keep);
		if (rc != 1)
			return rc;
	}
	return conflict(c, O, o, t, NULL);
}

/* Comment lines above an item present on both sides. */
static int merge_comments(struct mctx *c, const struct mitem *b, const struct mitem *o,
			  const struct mitem *t)
{
	if (same(&c->o, o->s, o->ks, &c->t, t->s, t->ks))
		return 0;
	if (b ? same(&c->b, b->s, b->ks, &c->o, o->s, o->ks) : o->s == o->ks)
		return put_lines(c, o->s, o->ks, c->t.t + t->s, t->ks - t->s);
	return 0;
}

static int merge_item(struct mctx *c, const struct mlist *O, const struct mitem *b,
		      const struct mitem *o, const struct mitem *t, char *del)
{
	if (t == NULL) {
		if (b == NULL)
			return 0;
		if (same_item(&c->b, b, &c->o, o)) {
			*del = 1;
			return 0;
		}
		return conflict(c, O, o, NULL, NULL);
	}
	if (!O->json && merge_comments(c, b, o, t) != 0)
		return -1;
	if (same_item(&c->o, o, &c->t, t))
		return 0;
	if (b != NULL && same_item(&c->b, b, &c->o, o)) {
		if (O->json)
			return medits_put(&c->ed, o->vs, o->ve, c->t.t + t->vs, t->ve - t->vs,
					  "", 0, "", 0);
		return put_lines(c, o->ks, o->e, c->t.t + t->ks, t->e - t->ks);
	}
	if (b != NULL && same_item(&c->b, b, &c->t, t))
		return 0;
	return both_changed(c, O, b, o, t);
}

/* JSON: remove the runs of deleted items with their commas. */
static int json_cuts(struct mctx *c, const struct mlist *O, const char *del)
{
	for (size_t i = 0; i < O->n; i++) {
		size_t j = i, s, e;

		if (!del[i])
			continue;
		while (j + 1 < O->n && del[j + 1])
			j++;
		if (j + 1 < O->n) {
			s = O->v[i].ks;
			e = O->v[j + 1].ks;
		} else if (i > 0) {
			s = O->v[i - 1].ve;
			e = O->v[j].ve;
		} else {
			s = O->v[i].ks;
			e = O->v[j].ve;
		}
		if (medits_put(&c->ed, s, e, "", 0, "", 0, "", 0) != 0)
			return -1;
		i = j;
	}
	return 0;
}

/* The nearest item before T->v[j] in theirs that ours has. */
static const struct mitem *anchor_of(const struct mlist *O, const struct mlist *T, size_t j)
{
	while (j-- > 0) {
		const struct mitem *a = mitems_find(O, T->v[j].n->key, T->v[j].n->keylen);

		if (a != NULL)
			return a;
	}
	return NULL;
}

static int theirs_only(struct mctx *c, const struct mlist *B, const struct mlist *O,
		       const struct mlist *T, int *nins)
{
	for (size_t j = 0; j < T->n; j++) {
		const struct mitem *t = &T->v[j], *b, *a;

		if (mitems_find(O, t->n->key, t->n->keylen) != NULL)
			continue;
		b = mitems_find(B, t->n->key, t->n->keylen);
		a = anchor_of(O, T, j);
		if (b == NULL) {
			int rc = O->json ? insert_json(c, O, a, t, nins)
					 : put_lines(c, insert_pos(O, a), insert_pos(O, a),
						     c->t.t + t->s, t->e - t->s);

			if (rc != 0)
				return -1;
		} else if (!same_item(&c->b, b, &c->t, t) && conflict(c, O, NULL, t, a) != 0) {
			return -1;
		}
	}
	return 0;
}

/* reg: base, ours, theirs regions. 0, 1 (split impossible: no edit made),
 * -1 on error. */
static int merge_map(struct mctx *c, const struct node *bm, const struct node *om,
		     const struct node *tm, const size_t reg[6])
{
	struct mlist B, O, T;
	char *del = NULL;
	int rc, nins = 0;

	if ((rc = mitems_get(&c->b, c->st, bm, reg[0], reg[1], &B)) != 0)
		return rc;
	if ((rc = mitems_get(&c->o, c->st, om, reg[2], reg[3], &O)) != 0) {
		mitems_free(&B);
		return rc;
	}
	if ((rc = mitems_get(&c->t, c->st, tm, reg[4], reg[5], &T)) != 0) {
		mitems_free(&B);
		mitems_free(&O);
		return rc;
	}
	rc = -1;
	if ((del = calloc(O.n + 1, 1)) == NULL)
		goto out;
	for (size_t i = 0; i < O.n; i++) {
		const struct node *k = O.v[i].n;

		if (merge_item(c, &O, mitems_find(&B, k->key, k->keylen), &O.v[i],
			       mitems_find(&T, k->key, k->keylen), &del[i]) != 0)
			goto out;
		if (del[i] && !O.json && medits_put(&c->ed, O.v[i].s, O.v[i].e, "", 0, "", 0, "", 0))
			goto out;
	}
	if (theirs_only(c, &B, &O, &T, &nins) != 0 || (O.json && json_cuts(c, &O, del) != 0))
		goto out;
	rc = 0;
out:
	free(del);
	mitems_free(&B);
	mitems_free(&O);
	mitems_free(&T);
	return rc;
}

/* The whole document as one value. */
static int merge_whole(struct mctx *c, struct buf *out)
{
	const struct mside *o = &c->o, *t = &c->t, *b = &c->b;
	const struct mside *pick = NULL;

	merge_paths_free(c->paths);
	if (same(o, 0, o->len, t, 0, t->len))
		pick = o;
	else if (b->t != NULL && same(b, 0, b->len, o, 0, o->len))
		pick = t;
	else if (b->t != NULL && same(b, 0, b->len, t, 0, t->len))
		pick = o;
	if (pick != NULL)
		return buf_add(out, pick->t, pick->len);
	if (merge_paths_add(c->paths, strcmp(c->st->name, "binary") == 0 ? "[\"data\"]"
				      : "(whole file)") != 0)
		return -1;
	if (c->markers)
		return merge_block(out, o->t, o->len, t->t, t->len);
	return 0;
}

static int parse_side(const struct store_ops *st, const char *t, size_t len, struct mside *s,
		      struct sops_err *err)
{
	s->t = t;
	s->len = len;
	s->doc = NULL;
	if (t == NULL || strcmp(st->name, "binary") == 0)
		return 0;
	s->doc = sdoc_parse(st, t, len, PARSE_PLAIN, err);
	if (s->doc == NULL)
		return -1;
	s->t = s->doc->text;          /* the store may skip a byte-order mark */
	s->len = s->doc->len;
	return 0;
}

static int splittable(const struct mctx *c)
{
	if (c->o.doc == NULL || c->t.doc == NULL || c->o.doc->nbranches != 1 ||
	    c->t.doc->nbranches != 1)
		return 0;
	return c->b.t == NULL || (c->b.doc != NULL && c->b.doc->nbranches == 1);
}

static int run(struct mctx *c, struct buf *out)
{
	size_t reg[6] = { 0, c->b.len, 0, c->o.len, 0, c->t.len };
	int rc = splittable(c) ? 1 : 2;

	if (rc == 1)
		rc = merge_map(c, c->b.doc ? c->b.doc->branches[0] : NULL, c->o.doc->branches[0],
			       c->t.doc->branches[0], reg);
	if (rc == 0)
		rc = medits_apply(&c->ed, c->o.t, c->o.len, out);
	if (rc > 0) {            /* cannot be split (or edits collide): as a whole */
		buf_truncate(out, 0);
		rc = merge_whole(c, out);
	}
	return rc;
}

int merge_plain(const struct store_ops *store, const char *base, size_t blen,
		const char *ours, size_t olen, const char *theirs, size_t tlen,
		int markers, struct buf *out, struct merge_paths *paths,
		struct sops_err *err)
{
	struct mctx c;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.st = store;
	c.markers = markers;
	c.paths = paths;
	medits_init(&c.ed);
	buf_init(&c.path, 0);
	buf_init(&c.tmp, 1);
	buf_init(&c.tside, 1);
	if (parse_side(store, base, blen, &c.b, err) == 0 &&
	    parse_side(store, ours, olen, &c.o, err) == 0 &&
	    parse_side(store, theirs, tlen, &c.t, err) == 0) {
		if (buf_adds(&c.path, "") != 0 || (rc = run(&c, out)) != 0)
			rc = err_set(err, EX_ERROR, "merge: out of memory");
	}
	sdoc_free(c.b.doc);
	sdoc_free(c.o.doc);
	sdoc_free(c.t.doc);
	medits_free(&c.ed);
	buf_free(&c.path);
	buf_free(&c.tmp);
	buf_free(&c.tside);
	return rc;
}
