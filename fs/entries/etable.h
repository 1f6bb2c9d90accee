/* etable.h - the entry table's own state, shared by ent.c (lookup,
 * references, views) and ent_sweep.c (eviction, expiry, pending files,
 * counts). Private to fs/entries. */
#ifndef SOPSFS_ETABLE_H
#define SOPSFS_ETABLE_H

#include "ent.h"

struct etable {
	pthread_mutex_t mu;
	char **wiped;                        /* paths whose views a sweep dropped */
	size_t nwiped, capwiped;
	struct ent **buckets;                /* 1 << bits, doubled at load 1 */
	unsigned bits;
	size_t count;                        /* entries hashed */
	struct ent *lru_head, *lru_tail;     /* most recent first */
	struct ent *ov_head;                 /* overlay entries */
	size_t view_bytes;
};

/* Take e off the LRU list of views (t->mu held). */
void etable_lru_unlink(struct etable *t, struct ent *e);

#endif
