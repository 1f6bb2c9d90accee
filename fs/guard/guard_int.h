/* guard_int.h - what the leak guard's files share (not for other folders). */
#ifndef SOPSFS_GUARD_INT_H
#define SOPSFS_GUARD_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "index.h"

struct sopsfs;

#define PUBLIC_TTL 60            /* s a "public/secret" decision is kept */
#define CONTEXT_MAX (1 << 20)    /* bytes read around a write at most */
#define RECENT 16

struct refusal {
	char *path;
	char *why;
	time_t at;
};

struct guard {
	pthread_rwlock_t lk;         /* the index */
	pthread_mutex_t mu;          /* public decisions, recent refusals */
	struct gindex *ix;
	int mode;
	unsigned long refused, warned;
	struct refusal recent[RECENT];
	atomic_int nrecent;
	unsigned long ver;           /* index version: grows when values are added */
	time_t public_at;            /* when the values' pub was last decided */
};


/* Is the guard on (an index and not leak_guard=off)? */
int guard_active(struct sopsfs *fs);
/* Bytes of context needed on each side of new bytes. Read lock held. */
size_t guard_context_len(struct guard *g);
/* Scan new bytes nw[0..n) between before[0..nb) and after[0..na) (each at
 * most guard_context_len); refuse (-EACCES) or warn (0). Read lock held. */
int guard_scan_parts(struct sopsfs *fs, const char *path, const uint8_t *before, size_t nb,
		     const uint8_t *nw, size_t n, const uint8_t *after, size_t na);

#endif
