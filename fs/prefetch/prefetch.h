/* prefetch.h - unwrap a directory's data keys ahead of the reads.
 *
 * When a directory is listed, or a SOPS file in it is looked at while its
 * key is not cached, every regular file of that directory is queued; a pool
 * of kms_parallel workers reads each one, and if it is a SOPS file with a
 * key-service master key (age- and PGP-only files are left to the reader:
 * no round trip to save, and no passphrase prompt on a listing) unwraps
 * its data key into the key cache (pf_get_key: one unwrap per key, shared
 * with readers that arrive meanwhile). A cold `cat` of N files wrapped by a
 * key service then costs about N / kms_parallel round trips instead of N.
 * A directory is queued again only after the key TTL has passed. Nothing
 * here blocks a FUSE request: queueing is a list append.
 */
#ifndef SOPSFS_PREFETCH_H
#define SOPSFS_PREFETCH_H

#include "../fuse/sopsfs.h"

struct prefetch;

/* nthreads workers; enabled = 0 makes every call a no-op (-o prefetch=off)
 * while pf_get_key still dedupes unwraps. NULL on failure. */
struct prefetch *prefetch_new(struct sopsfs *fs, int nthreads, int enabled);
/* Stop the workers (a running unwrap finishes first) and free. */
void prefetch_free(struct prefetch *p);

/* Queue the regular files of dir (a mount path, "/" or "/a/b"). */
void prefetch_dir(struct prefetch *p, const char *dir);
/* Queue the directory of path (a file's mount path). */
void prefetch_parent(struct prefetch *p, const char *path);

/* Files queued / SOPS keys fetched so far (xattr/debug counters). */
unsigned long prefetch_count(struct prefetch *p);

#endif
