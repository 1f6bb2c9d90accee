/* merge.h - three-way merge of SOPS documents (issue: merging secrets).
 *
 * Two levels:
 *  - merge_plain: the plaintext views of base, ours and theirs (one store)
 *    merged at the level of the document tree: a map item changed on one
 *    side takes that side, items added or removed on one side are added or
 *    removed, comments move with the key they sit above, both sides changing
 *    one item differently is a conflict (recursing into maps changed on both
 *    sides). The result is ours' text with theirs' changes spliced in, so
 *    ours' layout and key order stay. With markers set, a conflict is
 *    written as a `<<<<<<< ours` / `=======` / `>>>>>>> theirs` block in the
 *    store's text; otherwise only its key path is recorded.
 *  - merge_sops: decrypt the three encrypted files, merge their views and
 *    re-encrypt the result with ours' identity (or theirs' when only theirs
 *    rotated the data key or changed the key groups), reusing IVs so that
 *    unchanged values keep their ciphertext.
 * Plaintext lives only in secure buffers. Conflict paths hold keys, never
 * values.
 */
#ifndef SOPSFS_MERGE_H
#define SOPSFS_MERGE_H

#include <stddef.h>
#include "../core/store.h"
#include "../core/sops_file.h"
#include "../../common/buf.h"
#include "../../common/err.h"

/* Key paths of conflicts, in sops' index syntax (["a"]["b"]). */
struct merge_paths {
	char **v;
	size_t n;
};
void merge_paths_free(struct merge_paths *p);
int merge_paths_add(struct merge_paths *p, const char *path);

/* Merge three plaintext views of one store (base may be NULL: no common
 * ancestor). out (secure) receives the merged text; conflicts are listed
 * in paths and, with markers, rendered into out. Returns 0 (check
 * paths->n), -1 on error. */
int merge_plain(const struct store_ops *store, const char *base, size_t blen,
		const char *ours, size_t olen, const char *theirs, size_t tlen,
		int markers, struct buf *out, struct merge_paths *paths,
		struct sops_err *err);

/* Lines that mark an unresolved conflict in a saved text: 1 if present. */
int merge_has_markers(const char *text, size_t len);

/* One version of an encrypted file (text NULL or len 0: missing). */
struct merge_version {
	const char *text;
	size_t len;
};

struct merge_outcome {
	struct merge_paths conflicts;    /* non-empty: a conflict */
	struct buf enc;                  /* merged encrypted file (no conflict) */
	struct buf view;                 /* markers mode: merged plaintext (secure) */
	int same_as_ours;                /* enc equals ours' bytes */
	int theirs_identity;             /* re-encrypted with theirs' metadata */
	const char *note;                /* why theirs' metadata was taken, or NULL */
	int not_sops;                    /* ours is not a sops file (nothing done) */
	struct sops_file *ours;          /* markers mode: ours opened (identity to
					    commit a resolution with); else NULL */
};
void merge_outcome_free(struct merge_outcome *o);

/* Merge three encrypted files named path (the name picks the store).
 * Without markers: on success without conflict, enc holds the result.
 * With markers: view holds the merged plaintext with conflict blocks and
 * ours is kept open; enc is not produced. Decryption failures return -1
 * with sops' message. */
int merge_sops(const char *path, const struct merge_version *base,
	       const struct merge_version *ours, const struct merge_version *theirs,
	       int markers, struct merge_outcome *out, struct sops_err *err);

#endif
