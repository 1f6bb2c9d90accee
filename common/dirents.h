/* dirents.h - read a directory's entries straight with getdents64(2).
 * fdopendir(3) spends an fstat and two fcntl calls on every directory
 * before its first entry, and the mount lists every directory of SRC more
 * than once on a cold pass (watches, decrypt-ahead, FUSE readdir). The
 * entries come in the directory's order, "." and ".." included. */
#ifndef SOPSFS_DIRENTS_H
#define SOPSFS_DIRENTS_H

#include <dirent.h>

struct dirents;

/* Read the directory open at fd (owned from here on: closed by
 * dirents_close, or now when NULL is returned with errno set). */
struct dirents *dirents_open(int fd);
/* The next entry (valid until the next call), or NULL at the end or on a
 * read error (errno set then, 0 at the end). */
const struct dirent64 *dirents_next(struct dirents *d);
/* The directory's descriptor, for *at() calls on its entries. */
int dirents_fd(const struct dirents *d);
/* Is the entry a directory? Its d_type, or an fstatat on file systems
 * that leave it DT_UNKNOWN (a symlink is not a directory). */
int dirents_is_dir(const struct dirents *d, const struct dirent64 *de);
/* Close the directory and free d (NULL is fine). */
void dirents_close(struct dirents *d);

#endif
