/* flatten.h - sops' metadata flattening for the flat stores (dotenv, INI).
 *
 * dotenv and INI cannot nest, so sops writes its metadata tree as flat keys
 * (stores/flatten.go): a nested map key becomes `<parent>__map_<key>`, a
 * list element `<parent>__list_<i>`; dotenv prefixes every key with `sops_`,
 * INI puts them in a [sops] section.
 */
#ifndef SOPSFS_FLATTEN_H
#define SOPSFS_FLATTEN_H

#include <stddef.h>
#include "tree.h"
#include "../../common/buf.h"
#include "../../common/err.h"

/* One flat metadata entry as read from a file. */
struct flat_item {
	const char *key;        /* flattened key, store prefix removed */
	size_t keylen;
	struct node *val;       /* NK_SCALAR with the value's span */
};

/* Unflatten (stores.unflattenTreeBranch): build the metadata tree in doc's
 * pool. Map keys come out sorted (byte order) as sops sorts them; the value
 * nodes of items become its leaves (their key is set to the last map key).
 * Errors as sops: "Error while unflattening \"k\": Duplicate value",
 * "Error while unflattening: Type mismatch" / "Incomplete list" (code 1). */
int flat_unflatten(struct sdoc *doc, const struct flat_item *items, size_t n,
		   struct node **out, struct sops_err *err);

/* Called for each flattened entry of a metadata tree, in output order. */
typedef int (*flat_fn)(void *arg, const char *key, size_t keylen, const struct node *val,
		       struct sops_err *err);

/* Flatten (stores.flattenTreeBranch) the metadata tree meta: keys are
 * prefix + path; empty maps and lists produce nothing; comments skipped. */
int flat_flatten(const struct node *meta, const char *prefix, flat_fn fn, void *arg,
		 struct sops_err *err);

/* stores.ValToString of a scalar (flat stores write every value as text):
 * strings as they are, ints decimal, floats 'G' with a forced ".0", bools
 * true/false, times RFC 3339, null "<nil>". */
int flat_val_to_string(struct buf *out, const struct tvalue *v);

#endif
