/* git_state.h - a merge or rebase perhaps in progress, without libgit2. */
#ifndef SOPSFS_GIT_STATE_H
#define SOPSFS_GIT_STATE_H

/* The git directory of the work tree holding root (new string), or NULL
 * when root is in none. */
char *git_state_dir(const char *root);
/* 1 if a state file of a merge, rebase, cherry-pick, revert or bisect is in
 * gitdir (then libgit2 says which), else 0. */
int git_state_busy(const char *gitdir);

#endif
