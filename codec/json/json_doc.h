/* json_doc.h - internals shared by the JSON store and the binary store.
 *
 * A parsed JSON document remembers, besides the tree, where its top-level
 * object and each top-level member sit in the text, so the `sops` member can
 * be cut out or a new one put in without touching anything else.
 */
#ifndef SOPSFS_JSON_DOC_H
#define SOPSFS_JSON_DOC_H

#include "../core/store.h"

#define JSON_MAX_DEPTH 1000

struct json_member {
	struct node *n;          /* the value node */
	size_t key_start;        /* offset of the key's opening quote */
	size_t val_end;          /* end of the value */
	int is_sops;
};

struct json_doc {
	size_t open, close;      /* offsets of the top object's '{' and '}' */
	struct json_member **members;
	size_t nmembers, capmembers;
	int raw;                 /* binary store, plain input: no JSON at all */
};

/* Parse doc->text as a sops JSON document into doc (branches, meta, leaves,
 * priv = struct json_doc). Errors use sops' wording, code 2. */
int json_parse_doc(struct sdoc *doc, struct sops_err *err);

/* The JSON store's render, meta_extract and meta_emit (json_store.c). */
int json_render_doc(const struct sdoc *doc, const struct rep *reps, const char *meta,
		    size_t meta_len, struct buf *out, struct sops_err *err);
int json_meta_extract(const struct sdoc *doc, const struct meta_patch *patches,
		      size_t npatches, struct buf *out, struct sops_err *err);
int json_meta_emit(const struct node *meta, struct buf *out, struct sops_err *err);

/* The indentation unit for metadata text: its own, or a TAB. */
void json_meta_unit(const char *meta, size_t len, const char **unit, size_t *ulen);

#endif
