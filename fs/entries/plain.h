/* plain.h - what the mount knows about ordinary files, in little memory.
 *
 * Every regular file the kernel looks at is sniffed once: is it a SOPS
 * file? An ordinary one needs no entry (ent.h: over 500 bytes and its
 * path) to remember the answer: a record of a few dozen bytes, keyed by a
 * hash of its path, holds the backing identity it was found plain at and
 * the identity whose pages the kernel may keep (keep_cache on open). A
 * record answers only for that same identity (device, inode, size, times):
 * a change in SRC, another file at the path or a hash collision (another
 * file, so another identity) sends the path back through the entry table,
 * as does a merge in progress (conflict views). Only entries that hold
 * nothing else become records (no draft, overlay, tombstone, inode number
 * shown for another, error or writer).
 */
#ifndef SOPSFS_PLAIN_H
#define SOPSFS_PLAIN_H

#include "ent.h"

struct plainset;

struct plainset *plainset_new(void);
void plainset_free(struct plainset *p);

/* Is path (lstat st) an ordinary file known plain at this identity? */
int plain_known(struct sopsfs *fs, const char *path, const struct stat *st);
/* Open of a known plain file: 1 (and *keep_cache for the kernel's pages)
 * when the record answers, else 0 (use the entry table). */
int plain_open(struct sopsfs *fs, const char *path, const struct stat *st, int writable,
	       int *keep_cache);
/* e (e->mu held, namespace lock held) was found plain: if it holds nothing
 * else, its knowledge moves into a record and 1 is returned (the caller
 * then takes it out of the table with ent_remove). */
int plain_take(struct sopsfs *fs, struct ent *e);

#endif
