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
#include <sys/stat.h>

struct dircache;

struct backing {
	int rootfd;             /* O_PATH|O_DIRECTORY fd of SRC */
	char *root;             /* absolute path of SRC (messages only) */
	struct dircache *dc;    /* recently resolved directories */
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

/* The hot paths (getattr, open of ordinary files): like fstatat / openat
 * on the parent, through a small cache of directory fds resolved at most
 * one second ago (the kernel caches lookups for as long). A cached fd is a
 * directory inside SRC that was reached without symlinks, so nothing can
 * escape; a directory renamed in SRC within that second is seen late, as
 * it is by the kernel's own caches. */
int backing_stat(const struct backing *b, const char *path, struct stat *st);
int backing_open_file(const struct backing *b, const char *path, int flags);
/* lgetxattr of path (not followed if a symlink) through the same cache:
 * the value's length (or the size needed when size is 0) or -errno. */
int backing_getxattr(const struct backing *b, const char *path, const char *attr,
		     void *buf, size_t size);
/* Forget cached directories (after renaming or removing one). */
void backing_forget_dirs(const struct backing *b);

/* Read a whole regular file at path (up to max bytes; -EFBIG above),
 * opened through the directory cache above like backing_open_file. The
 * caller frees *data. Returns 0 or -errno. */
int backing_read_all(const struct backing *b, const char *path, size_t max,
		     char **data, size_t *len);
/* The same for a regular file the caller has just stat'ed (hint: its
 * size): no fstat, and one read(2) when the size still holds. */
int backing_read_file(const struct backing *b, const char *path, size_t max, size_t hint,
		      char **data, size_t *len);

#endif
