/* tree_path.h - sops' index syntax (`["a"]["b"][0]`, cmd/sops parseTreePath)
 * and edits of one value of a plaintext document in its own syntax: set a
 * scalar (existing, or a new key at the end of an existing mapping) and
 * unset a scalar entry. The result is new plaintext text for
 * sops_file_reencrypt, so only the touched value changes in the file. */
#ifndef SOPSFS_TREE_PATH_H
#define SOPSFS_TREE_PATH_H

#include "store.h"

#define TREE_PATH_MAX 64

struct tree_path {
	struct {
		char *key;         /* string component (heap), or NULL */
		long index;        /* integer component */
	} c[TREE_PATH_MAX];
	size_t n;
};

/* Parse arg. -1 on a bad format (caller reports sops' message). */
int tree_path_parse(const char *arg, struct tree_path *p);
void tree_path_free(struct tree_path *p);

/* The node at p in doc's first document, or NULL. */
struct node *tree_path_find(const struct sdoc *doc, const struct tree_path *p);

/* Parse a JSON scalar (sops set's VALUE: string, number -> float, bool,
 * null) into v (allocated in doc's pool). -1 if not a JSON scalar
 * (objects and arrays: *is_container = 1). */
int tree_value_parse(struct sdoc *doc, const char *json, size_t len, struct tvalue *v,
		     int *is_container);

/* plain (a plaintext document of store) with the value at p set to json.
 * *changed = 0 when the value is already equal. Errors in err (code 1 or
 * EX_INVALID_ARGS for a path that cannot be created). */
int tree_set(const struct store_ops *store, const char *plain, size_t len,
	     const struct tree_path *p, const char *json, size_t jlen, struct buf *out,
	     int *changed, struct sops_err *err);

/* plain with the entry at p removed. Returns 1 removed, 0 not found
 * (sops: "component [...] not found"), -1 error. */
int tree_unset(const struct store_ops *store, const char *plain, size_t len,
	       const struct tree_path *p, struct buf *out, struct sops_err *err);

#endif
