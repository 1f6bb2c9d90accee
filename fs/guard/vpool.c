/* vpool.c - the leak guard's values packed into locked chunks (vpool.h). */
#include "vpool.h"
#include "../../common/secure_mem.h"

#include <stdlib.h>
#include <string.h>

/* A dedicated mapping of 32 pages once secure_mem's header is added. */
#define VPOOL_CHUNK (128 * 1024 - 64)

static int new_chunk(struct vpool *vp)
{
	uint8_t *c;

	if (vp->n == vp->cap) {
		size_t nc = vp->cap ? vp->cap * 2 : 8;
		uint8_t **a = realloc(vp->chunk, nc * sizeof(*a));

		if (a == NULL)
			return -1;
		vp->chunk = a;
		vp->cap = nc;
	}
	c = sm_alloc(VPOOL_CHUNK);
	if (c == NULL)
		return -1;
	vp->chunk[vp->n++] = c;
	vp->used = 0;
	return 0;
}

uint8_t *vpool_put(struct vpool *vp, const uint8_t *p, size_t len)
{
	uint8_t *d;

	if (len > VPOOL_BIG) {
		d = sm_alloc(len);
		if (d != NULL)
			memcpy(d, p, len);
		return d;
	}
	if ((vp->n == 0 || vp->used + len > VPOOL_CHUNK) && new_chunk(vp) != 0)
		return NULL;
	d = vp->chunk[vp->n - 1] + vp->used;
	memcpy(d, p, len);
	vp->used += len;
	vp->bytes += len;
	vp->live += len;
	return d;
}

void vpool_drop(struct vpool *vp, uint8_t *p, size_t len)
{
	if (len > VPOOL_BIG) {
		sm_free(p);
		return;
	}
	sm_wipe(p, len);
	vp->live -= len;
}

void vpool_free(struct vpool *vp)
{
	for (size_t i = 0; i < vp->n; i++)
		sm_free(vp->chunk[i]);      /* wipes */
	free(vp->chunk);
	memset(vp, 0, sizeof(*vp));
}

int vpool_sparse(const struct vpool *vp)
{
	return vp->bytes > VPOOL_CHUNK && vp->live < vp->bytes / 2;
}
