/* links.h - the names the mount has seen for each hard-linked file.
 *
 * libfuse's path API gives every name its own kernel inode, so the kernel
 * caches the attributes of each name of a hard-linked file apart. When one
 * name changes the file (chmod, chown, times, a new link, an unlink), the
 * other names' cached attributes (mode, owner, link count, ctime) must be
 * dropped at once: this table knows those names. It holds paths only of
 * files with a link count above one; a stale path costs one useless
 * invalidation.
 */
#ifndef SOPSFS_LINKS_H
#define SOPSFS_LINKS_H

#include <sys/types.h>

int links_init(void);
void links_free(void);
/* Remember that path names the file (dev, ino). */
void links_note(dev_t dev, ino_t ino, const char *path);
/* Forget path as a name of (dev, ino). */
void links_drop(dev_t dev, ino_t ino, const char *path);
/* The other known names of (dev, ino), as a NULL-terminated list of
 * strings (the caller frees each and the list), or NULL. */
char **links_others(dev_t dev, ino_t ino, const char *except);

#endif
