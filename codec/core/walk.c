/* walk.c - sops' tree walk: paths, AADs and comment stacks for each leaf. */
#include "walk.h"

#include <stdlib.h>
#include <string.h>

#define WALK_MAX_DEPTH 1100

struct walker {
	const struct sel_rules *rules;
	leaf_fn fn;
	void *arg;
	/* path of map keys */
	const char *comps[WALK_MAX_DEPTH];
	size_t lens[WALK_MAX_DEPTH];
	size_t ncomps;
	struct buf aad;          /* heap: keys are not secret */
	/* comment stack */
	const char **texts;
	size_t ntexts, captexts;
	size_t level_end[WALK_MAX_DEPTH];
	size_t nlevels;
};

static int push_text(struct walker *w, const char *t)
{
	if (w->ntexts == w->captexts) {
		size_t ncap = w->captexts ? w->captexts * 2 : 32;
		const char **nt = realloc(w->texts, ncap * sizeof(*nt));

		if (nt == NULL)
			return -1;
		w->texts = nt;
		w->captexts = ncap;
	}
	w->texts[w->ntexts++] = t;
	w->level_end[w->nlevels - 1] = w->ntexts;
	return 0;
}

/* Forget the comments of the innermost level ("clear the active slice"). */
static void clear_level(struct walker *w)
{
	size_t start = w->nlevels > 1 ? w->level_end[w->nlevels - 2] : 0;

	w->ntexts = start;
	w->level_end[w->nlevels - 1] = start;
}

static int build_aad(struct walker *w)
{
	buf_truncate(&w->aad, 0);
	for (size_t i = 0; i < w->ncomps; i++) {
		if (buf_add(&w->aad, w->comps[i], w->lens[i]) != 0 ||
		    buf_addc(&w->aad, ':') != 0)
			return -1;
	}
	if (w->ncomps == 0 && buf_addc(&w->aad, ':') != 0)
		return -1;
	return 0;
}

static int visit_leaf(struct walker *w, struct node *n, struct sops_err *err)
{
	struct comment_stack cs = { w->texts, w->level_end, w->nlevels };
	struct leaf_visit v;

	if (n->kind == NK_SCALAR && n->val.type == VT_NULL)
		return 0;
	if (n->kind == NK_SCALAR && n->val.type == VT_INVALID)
		return err_set(err, EX_ENCRYPT_WALK, "Cannot walk value, unknown type: %s", n->val.s);
	if (build_aad(w) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	v.n = n;
	v.aad = (const char *)w->aad.data;
	v.aad_len = w->aad.len;
	v.is_comment = n->kind == NK_COMMENT;
	v.encrypted = rules_should_encrypt(w->rules, w->comps, w->lens, w->ncomps,
					   &cs, v.is_comment);
	return w->fn(w->arg, &v, err);
}

static int walk_node(struct walker *w, struct node *n, struct sops_err *err);

static int walk_kids(struct walker *w, struct node *n, struct sops_err *err)
{
	if (w->nlevels >= WALK_MAX_DEPTH - 1)
		return err_set(err, EX_ERROR, "document nesting is deeper than %d levels",
			       WALK_MAX_DEPTH - 100);
	w->level_end[w->nlevels] = w->ntexts;
	w->nlevels++;
	for (size_t i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		int pushed = 0;

		if (k->kind == NK_COMMENT) {
			if (push_text(w, k->val.s) != 0)
				return err_set(err, EX_ERROR, "out of memory");
			if (visit_leaf(w, k, err) != 0)
				return -1;
			continue;
		}
		if (n->kind == NK_MAP) {
			if (k->keytype != NULL)
				return err_set(err, EX_ENCRYPT_WALK,
					       "Tree contains a non-string key (type %s): %s. "
					       "Only string keys are supported", k->keytype, k->key);
			w->comps[w->ncomps] = k->key;
			w->lens[w->ncomps] = k->keylen;
			w->ncomps++;
			pushed = 1;
		}
		if (walk_node(w, k, err) != 0)
			return -1;
		if (pushed)
			w->ncomps--;
		clear_level(w);
	}
	w->nlevels--;
	w->ntexts = w->nlevels ? w->level_end[w->nlevels - 1] : 0;
	return 0;
}

static int walk_node(struct walker *w, struct node *n, struct sops_err *err)
{
	if (n->kind == NK_MAP || n->kind == NK_LIST)
		return walk_kids(w, n, err);
	return visit_leaf(w, n, err);
}

int tree_walk(const struct sdoc *doc, const struct sel_rules *rules,
	      leaf_fn fn, void *arg, struct sops_err *err)
{
	/* not calloc: the arrays are large and only read below their counts */
	struct walker *w = malloc(sizeof(*w));
	int rc = 0;

	if (w == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	w->ncomps = w->ntexts = w->captexts = w->nlevels = 0;
	w->texts = NULL;
	w->rules = rules;
	w->fn = fn;
	w->arg = arg;
	buf_init(&w->aad, 0);
	for (size_t i = 0; i < doc->nbranches && rc == 0; i++)
		rc = walk_node(w, doc->branches[i], err);
	buf_free(&w->aad);
	free(w->texts);
	free(w);
	return rc;
}

int walk_container_aad(const struct node *m, struct buf *out)
{
	const struct node *chain[WALK_MAX_DEPTH];
	size_t n = 0;

	for (const struct node *p = m; p != NULL && n < WALK_MAX_DEPTH; p = p->parent)
		if (p->key != NULL && p->parent != NULL && p->parent->kind == NK_MAP)
			chain[n++] = p;
	if (n == 0)
		return buf_addc(out, ':');
	while (n-- > 0)
		if (buf_add(out, chain[n]->key, chain[n]->keylen) != 0 || buf_addc(out, ':') != 0)
			return -1;
	return 0;
}
