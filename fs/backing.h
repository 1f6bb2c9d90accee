/* backing.h - safe access to the backing directory (SRC) by path.
 *
 * Every FUSE path ("/a/b/c") is resolved below the SRC directory fd with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) for
 * the parent directory, then the last component is used with *at() calls
 * and AT_SYMLINK_NOFOLLOW / O_NOFOLLOW. A path can never escape SRC and no
 * symlink inside SRC is ever followed by the filesystem itself (symlinks are
 * returned to the kernel, which resolves them in the mount).
 */
#ifndef SOPSFS_BACKING_H
#define SOPSFS_BACKING_H

#include <stddef.h>

struct backing {
	int rootfd;             /* O_PATH|O_DIRECTORY fd of SRC */
	char *root;             /* absolute path of SRC (messages only) */
};

int backing_open(struct backing *b, const char *src);
void backing_close(struct backing *b);

/* Open the parent directory of path (O_PATH|O_DIRECTORY unless flags say
 * otherwise) and point *name at the last component inside path (for "/",
 * the root itself with name ".") Returns an fd >= 0 or -errno. */
int backing_parent(const struct backing *b, const char *path, const char **name);

/* Open path itself (no symlink anywhere), flags as for open(2) (O_NOFOLLOW
 * and O_CLOEXEC added). Returns fd or -errno. */
int backing_open_path(const struct backing *b, const char *path, int flags, int mode);

/* Read a whole regular file at path (up to max bytes; -EFBIG above). The
 * caller frees *data. Returns 0 or -errno. */
int backing_read_all(const struct backing *b, const char *path, size_t max,
		     char **data, size_t *len);

#endif
