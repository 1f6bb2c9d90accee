/* merge_int.h - private structures of the merge engine (codec/merge/).
 *
 *   merge_items.c   a map's items as text ranges of a view (line stores:
 *                   YAML block style, dotenv, INI; JSON by tokens)
 *   merge_edits.c   collected splices on ours' text, applied in one pass
 *   merge_tree.c    the three-way walk over maps (merge_plain)
 *   merge_markers.c conflict blocks, marker detection, key paths
 *   merge_sops.c    decrypt / merge / re-encrypt (merge_sops)
 */
#ifndef SOPSFS_MERGE_INT_H
#define SOPSFS_MERGE_INT_H

#include "merge.h"

/* One version's view, parsed. */
struct mside {
	const char *t;
	size_t len;
	struct sdoc *doc;
};

/* A map item (not a comment) with its place in the text. Line stores:
 * [s, ks) are the comment lines above the item, [ks, e) the item's own
 * lines up to the next item. JSON: s == ks is the key's opening quote,
 * e == ve the end of the value. [vs, ve) is the value token. */
struct mitem {
	const struct node *n;
	size_t s, ks, e;
	size_t vs, ve;
};

struct mlist {
	struct mitem *v;
	size_t n;
	size_t *order;          /* indices of v sorted by key (lookups) */
	size_t rs, re;          /* region of the map (line stores) */
	int json;
};

/* Items of map (0), 1 if the map cannot be split into line ranges (flow
 * style, several items on a line: merged as a whole), -1 out of memory. */
int mitems_get(const struct mside *s, const struct store_ops *st, const struct node *map,
	       size_t rs, size_t re, struct mlist *out);
void mitems_free(struct mlist *l);
const struct mitem *mitems_find(const struct mlist *l, const char *key, size_t keylen);
size_t merge_line_start(const char *t, size_t pos);
/* Whitespace just before pos (JSON separators). */
size_t merge_ws_before(const char *t, size_t pos);

/* Splices on ours' text. */
struct medit {
	size_t start, end, off, len, seq;
};
struct medits {
	struct medit *v;
	size_t n, cap;
	struct buf repl;        /* secure */
};
void medits_init(struct medits *e);
void medits_free(struct medits *e);
/* Replace [start, end) of ours with the concatenation of up to three pieces. */
int medits_put(struct medits *e, size_t start, size_t end, const char *a, size_t alen,
	       const char *b, size_t blen, const char *c, size_t clen);
/* Apply to text into out: 0, 1 on overlapping edits, -1 out of memory. */
int medits_apply(struct medits *e, const char *text, size_t len, struct buf *out);

/* The conflict block for one item: ours' and theirs' lines between markers
 * (either may be empty), appended to out. */
int merge_block(struct buf *out, const char *o, size_t olen, const char *t, size_t tlen);
/* path + ["key"] into out (a heap buffer). */
int merge_path_push(struct buf *path, const char *key, size_t keylen);

#endif
