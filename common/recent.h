/* recent.h - a small ring of recently seen names with the time each was
 * seen: the directories a background job covered lately (prefetch,
 * decrypt-ahead), so that it is not queued again within a TTL. A fixed
 * number of slots; the oldest name gives way. Not thread-safe (the
 * caller's lock). */
#ifndef SOPSFS_RECENT_H
#define SOPSFS_RECENT_H

#include <stddef.h>
#include <time.h>

#define RECENT_SLOTS 512

struct recent {
	struct { char *name; time_t when; } slot[RECENT_SLOTS];
	size_t next;
};

/* 1 if name was seen less than ttl seconds ago; otherwise it is noted as
 * seen now and 0 is returned (also when out of memory). */
int recent_seen(struct recent *r, const char *name, time_t ttl);
/* Forget every name. */
void recent_clear(struct recent *r);

#endif
