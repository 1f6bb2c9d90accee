/* recent.c - the ring of recently seen names (recent.h). */
#include "recent.h"

#include <stdlib.h>
#include <string.h>

int recent_seen(struct recent *r, const char *name, time_t ttl)
{
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < RECENT_SLOTS; i++)
		if (r->slot[i].name != NULL && strcmp(r->slot[i].name, name) == 0) {
			if (now - r->slot[i].when < ttl)
				return 1;
			r->slot[i].when = now;
			return 0;
		}
	i = r->next++ % RECENT_SLOTS;
	free(r->slot[i].name);
	r->slot[i].name = strdup(name);
	r->slot[i].when = now;
	return 0;
}

void recent_clear(struct recent *r)
{
	for (size_t i = 0; i < RECENT_SLOTS; i++) {
		free(r->slot[i].name);
		r->slot[i].name = NULL;
	}
	r->next = 0;
}
