/* conflict.h - merge conflicts resolved through the mount (issue #12).
 *
 * While the git repository that holds SRC is in a merge, rebase or
 * cherry-pick and a SOPS file has index stages (1 base, 2 ours, 3 theirs),
 * the mount shows that file as the three-way merge of its decrypted values
 * (codec/merge/) with a `<<<<<<< ours` / `=======` / `>>>>>>> theirs` block
 * around each conflicting item. Saving a text without markers commits it
 * encrypted with ours' identity (the user then runs `git add`); a save that
 * still has markers is refused with EIO. The repository (state, index
 * stages, blobs) is read with libgit2, loaded only once a state file of a
 * merge, rebase, cherry-pick, revert or bisect appears (git_state.c); the
 * three versions are ciphertext, their plaintext lives only in locked
 * memory.
 *
 * The mount calls these from three small hooks (ent_load.c, commit.c).
 */
#ifndef SOPSFS_CONFLICT_H
#define SOPSFS_CONFLICT_H

#include "../entries/ent.h"

/* Did e's path enter or leave a conflict since its view was loaded (the
 * view must be reloaded)? e->mu held. */
int conflict_changed(struct sopsfs *fs, const struct ent *e);
/* If e's path is in conflict and the work file (text) is not already a
 * resolution, set e's view to the merge with markers (or e's error) and
 * return 1; else 0 (the ordinary view applies). e->mu held. */
int conflict_view_load(struct sopsfs *fs, struct ent *e, const char *text, size_t len);
/* If e's path is in conflict, set e->id to ours' identity (stage 2): 1. */
int conflict_ident_load(struct sopsfs *fs, struct ent *e);
/* A draft of a conflicted path that still has conflict markers: refuse it
 * (error set for the log and user.sopsfs.error): -1; else 0 (a conflicted
 * path's draft is then always written, even if unchanged). */
int conflict_draft_check(struct sopsfs *fs, struct ent *e);

/* libgit2 side (conflict_git.c). Callers hold no lock; these serialise. */
struct cgit_versions {
	char *text[3];          /* base, ours, theirs (heap, ciphertext) or NULL */
	size_t len[3];
};
/* 1 if path (relative to SRC, with a leading '/') has conflict stages, 0
 * if not (or SRC is not in a git repository). The answer may be up to a
 * second old. */
int cgit_conflicted(const char *root, const char *path);
/* Read the stage blobs of path: 1 (versions filled), 0 not in conflict,
 * -1 on error. */
int cgit_versions(const char *root, const char *path, struct cgit_versions *v);
void cgit_versions_free(struct cgit_versions *v);
/* Drop the repository handle and libgit2's state (at unmount). */
void cgit_close(void);

#endif
