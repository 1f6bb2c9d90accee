/* walk.h - visit the leaves of a document the way sops walks its tree.
 *
 * Order: documents in order; items in file order; list elements in order
 * (sops.go walkBranch/walkSlice). For each non-null scalar and each comment
 * the callback gets the AAD (map keys joined by ':' plus ':'), whether the
 * selection rules say it is encrypted, and the node. Null scalars are
 * skipped (never encrypted or hashed). Non-string keys and values sops
 * cannot walk fail here with sops' messages (code 23).
 */
#ifndef SOPSFS_WALK_H
#define SOPSFS_WALK_H

#include "tree.h"
#include "rules.h"
#include "../../common/err.h"

struct leaf_visit {
	struct node *n;
	const char *aad;           /* NUL-terminated */
	size_t aad_len;
	int encrypted;
	int is_comment;
};

typedef int (*leaf_fn)(void *arg, const struct leaf_visit *v, struct sops_err *err);

int tree_walk(const struct sdoc *doc, const struct sel_rules *rules,
	      leaf_fn fn, void *arg, struct sops_err *err);

/* The AAD of the container path of node n's parent chain: used to retry a
 * comment under other containers. Appends to out the AAD of map node m. */
int walk_container_aad(const struct node *m, struct buf *out);

#endif
