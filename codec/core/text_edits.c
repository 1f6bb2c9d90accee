/* text_edits.c - apply a set of range replacements to a text (text_edits.h). */
#include "text_edits.h"

#include <stdlib.h>
#include <string.h>

void tedits_init(struct text_edits *e)
{
	memset(e, 0, sizeof(*e));
	buf_init(&e->repl, 1);
}

void tedits_free(struct text_edits *e)
{
	free(e->v);
	buf_free(&e->repl);
	memset(e, 0, sizeof(*e));
	buf_init(&e->repl, 1);
}

static int push(struct text_edits *e, size_t start, size_t end, size_t off, size_t len)
{
	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 32;
		struct text_edit *nv = realloc(e->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		e->v = nv;
		e->cap = ncap;
	}
	e->v[e->n].start = start;
	e->v[e->n].end = end;
	e->v[e->n].off = off;
	e->v[e->n].len = len;
	e->v[e->n].seq = e->n;
	e->n++;
	return 0;
}

int tedits_cut(struct text_edits *e, size_t start, size_t end)
{
	return push(e, start, end, 0, 0);
}

int tedits_put(struct text_edits *e, size_t start, size_t end, const void *p, size_t n)
{
	size_t off = e->repl.len;

	if (n > 0 && buf_add(&e->repl, p, n) != 0)
		return -1;
	return push(e, start, end, off, n);
}

struct buf *tedits_begin(struct text_edits *e, size_t start, size_t end)
{
	e->open = 1;
	e->open_start = start;
	e->open_end = end;
	e->open_off = e->repl.len;
	return &e->repl;
}

int tedits_end(struct text_edits *e)
{
	if (!e->open)
		return -1;
	e->open = 0;
	return push(e, e->open_start, e->open_end, e->open_off, e->repl.len - e->open_off);
}

static int cmp_edit(const void *a, const void *b)
{
	const struct text_edit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

int tedits_apply(struct text_edits *e, const char *text, size_t from, size_t to,
		 struct buf *out, struct sops_err *err)
{
	size_t pos = from;
	int last_cut = 0;

	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), cmp_edit);
	for (size_t i = 0; i < e->n; i++) {
		const struct text_edit *t = &e->v[i];
		int cut = t->len == 0 && t->end > t->start;

		if (t->start < from || t->end > to)
			continue;
		if (t->start < pos) {
			if (t->end <= pos && last_cut)
				continue;               /* inside an earlier cut */
			if (!(cut && last_cut))
				return err_set(err, EX_ERROR, "internal error: overlapping edits");
			pos = t->end;                   /* merge two cuts */
			continue;
		}
		if ((t->start > pos && buf_add(out, text + pos, t->start - pos) != 0) ||
		    (t->len > 0 && buf_add(out, e->repl.data + t->off, t->len) != 0))
			return err_set(err, EX_ERROR, "out of memory");
		pos = t->end;
		last_cut = cut;
	}
	if (to > pos && buf_add(out, text + pos, to - pos) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	return 0;
}
