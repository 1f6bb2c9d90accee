/* vpool.h - the leak guard's values packed into locked chunks.
 *
 * Hundreds of thousands of short values each in an sm_alloc block cost a
 * 32-byte header and 16-byte rounding apiece; here they are packed end to
 * end into chunks of locked memory (common/secure_mem.h). A value longer
 * than VPOOL_BIG gets a block of its own. Dropped values are wiped in
 * place; the index copies the live ones into a fresh pool once most of the
 * pool is holes (vpool_sparse). Not thread-safe (the guard's lock).
 */
#ifndef SOPSFS_GUARD_VPOOL_H
#define SOPSFS_GUARD_VPOOL_H

#include <stddef.h>
#include <stdint.h>

#define VPOOL_BIG 4096

struct vpool {
	uint8_t **chunk;         /* heap array of locked chunks */
	size_t n, cap;
	size_t used;             /* bytes used in the last chunk */
	size_t bytes, live;      /* packed bytes handed out / still live */
};

/* A locked copy of p[0..len), or NULL on OOM. */
uint8_t *vpool_put(struct vpool *vp, const uint8_t *p, size_t len);
/* The value at p (len bytes) is dropped: wiped, or freed if big. */
void vpool_drop(struct vpool *vp, uint8_t *p, size_t len);
/* Wipe and free every chunk (big values must have been dropped). */
void vpool_free(struct vpool *vp);
/* Is more than half of the packed bytes dropped (worth compacting)? */
int vpool_sparse(const struct vpool *vp);

#endif
