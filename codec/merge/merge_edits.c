/* merge_edits.c - splices on ours' text collected during the merge and
 * applied in one pass. At one offset an insertion goes before a
 * replacement; replacement bytes (plaintext) live in a secure buffer. */
#include "merge_int.h"

#include <stdlib.h>

void medits_init(struct medits *e)
{
	e->v = NULL;
	e->n = e->cap = 0;
	buf_init(&e->repl, 1);
}

void medits_free(struct medits *e)
{
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
	buf_free(&e->repl);
}

int medits_put(struct medits *e, size_t start, size_t end, const char *a, size_t alen,
	       const char *b, size_t blen, const char *c, size_t clen)
{
	size_t off = e->repl.len;

	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 16;
		struct medit *nv = realloc(e->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		e->v = nv;
		e->cap = ncap;
	}
	if ((alen && buf_add(&e->repl, a, alen) != 0) || (blen && buf_add(&e->repl, b, blen) != 0) ||
	    (clen && buf_add(&e->repl, c, clen) != 0))
		return -1;
	e->v[e->n] = (struct medit){ start, end, off, e->repl.len - off, e->n };
	e->n++;
	return 0;
}

static int cmp_edit(const void *pa, const void *pb)
{
	const struct medit *x = pa, *y = pb;
	int xi = x->end == x->start, yi = y->end == y->start;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (xi != yi)
		return xi ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

int medits_apply(struct medits *e, const char *text, size_t len, struct buf *out)
{
	size_t pos = 0;
	int last_cut = 0;

	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), cmp_edit);
	for (size_t i = 0; i < e->n; i++) {
		const struct medit *m = &e->v[i];

		if (m->end > len)
			return 1;
		if (m->start < pos) {
			if (!last_cut || m->len != 0)
				return 1;
			if (m->end > pos)       /* two cuts that overlap: one cut */
				pos = m->end;
			continue;
		}
		last_cut = m->len == 0 && m->end > m->start;
		if (buf_add(out, text + pos, m->start - pos) != 0 ||
		    (m->len && buf_add(out, e->repl.data + m->off, m->len) != 0))
			return -1;
		pos = m->end;
	}
	return buf_add(out, text + pos, len - pos) == 0 ? 0 : -1;
}
