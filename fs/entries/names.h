/* names.h - which file names are editor/tool side files ("scratch") that
 * live in memory only, and which paths are read-only in the mount.
 *
 * Scratch files never reach SRC: swap, undo, backup, lock and temp files of
 * vim, nvim, emacs, nano, sed, perl, rsync, JetBrains, VS Code and libfuse
 * (editor-saves.md). They are held in memory (listed in readdir, gone at
 * unmount) unless renamed onto a path that is kept, in which case their
 * content is encrypted if that path is a SOPS path. Patterns are fnmatch(3)
 * globs on the last path component; -o scratch=P1:P2 adds more.
 */
#ifndef SOPSFS_NAMES_H
#define SOPSFS_NAMES_H

#include <stddef.h>

/* Extra patterns, colon-separated (may be NULL). 0 or -1. */
int names_init(const char *extra);
void names_free(void);
/* Is the last component of path a scratch name? */
int names_is_scratch(const char *path);
/* If path looks like rsync's temp file ".NAME.XXXXXX", write the path of
 * NAME to out and return 1 (the caller treats it as scratch when NAME is a
 * SOPS file or falls under a creation rule). */
int names_rsync_target(const char *path, char *out, size_t outsz);
/* Our own atomic-write temp files in SRC (hidden from the mount). */
int names_is_internal(const char *name);
/* Is path inside a .git directory (read-only in the mount)? */
int names_in_git(const char *path);
/* The mount path of name in directory dir ("/" or "/a/b"), malloc'ed;
 * NULL when out of memory. */
char *names_join(const char *dir, const char *name);
/* The default patterns, for --help. */
extern const char *const names_default_scratch[];

#endif
