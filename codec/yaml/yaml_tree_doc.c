/* yaml_tree_doc.c - the document level of the yaml.v3 -> sops tree walk:
 * taking the top-level `sops` entry out (its text regions remembered for
 * rendering), building each document, orphan comments, the indentation
 * guess, and ytree_build.
 */
#include "yaml_int.h"
#include "yaml_tree_int.h"

#include <stdlib.h>
#include <string.h>

static int oom(struct tb *T)
{
	return err_set(T->err, EX_ERROR, "out of memory");
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
int sops_top(struct tb *T, const struct node *item, const struct ynode *k,
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
