/* text_edits.h - build a new text from an old one by replacing byte ranges.
 *
 * The JSON, dotenv, INI and binary stores render by copying the source text
 * and replacing tokens (store.h). They collect edits here in any order:
 * "replace [start, end) with these bytes" (an insert has start == end, a cut
 * has no bytes), then apply them in one pass. Replacement bytes live in a
 * secure buffer because they are usually plaintext values.
 *
 * Overlaps: cuts that overlap are merged; an edit that lies completely inside
 * an earlier cut is dropped (the cut wins); any other overlap is an internal
 * error. Edits starting at the same offset keep the order they were added in.
 */
#ifndef SOPSFS_TEXT_EDITS_H
#define SOPSFS_TEXT_EDITS_H

#include <stddef.h>
#include "../../common/buf.h"
#include "../../common/err.h"

struct text_edit {
	size_t start, end;      /* range of the source text replaced */
	size_t off, len;        /* replacement bytes in text_edits.repl */
	size_t seq;             /* order added (tie-break) */
};

struct text_edits {
	struct text_edit *v;
	size_t n, cap;
	struct buf repl;        /* secure */
	size_t open_start, open_end, open_off;
	int open;
};

void tedits_init(struct text_edits *e);
void tedits_free(struct text_edits *e);

/* Remove [start, end). */
int tedits_cut(struct text_edits *e, size_t start, size_t end);
/* Replace [start, end) with bytes p[0..n). */
int tedits_put(struct text_edits *e, size_t start, size_t end, const void *p, size_t n);
/* Replace [start, end) with whatever is appended to the returned buffer
 * until tedits_end() (for encoders that write into a struct buf). */
struct buf *tedits_begin(struct text_edits *e, size_t start, size_t end);
int tedits_end(struct text_edits *e);

/* Append text[from, to) with the edits inside that range applied to out.
 * Edits outside [from, to) are ignored. */
int tedits_apply(struct text_edits *e, const char *text, size_t from, size_t to,
		 struct buf *out, struct sops_err *err);

#endif
