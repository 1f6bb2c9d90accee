/* keycache.c - data keys by key-group identity, with idle and hard TTLs.
 * The labels (which master key unwrapped a key: a public recipient or key
 * name, not a secret) are kept once each on the heap; a slot holds an index
 * (thousands of keys share a handful of labels). */
#include "keycache.h"
#include "../common/secure_mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KC_MAX_LABELS 4096

struct kc_entry {
	uint8_t id[KEYCACHE_ID_LEN];
	uint8_t key[KEYCACHE_KEY_LEN];
	time_t created, used;
	int live;
	uint32_t label;              /* 1 + index in labels, 0: none */
};

struct keycache {
	pthread_mutex_t mu;
	unsigned idle_ttl, hard_ttl;
	struct kc_entry *slots;      /* locked memory, linear probing */
	size_t nslots, count;
	char **labels;               /* heap, distinct labels */
	size_t nlabels;
};

struct keycache *keycache_new(unsigned idle_ttl, unsigned hard_ttl)
{
	struct keycache *c = sm_alloc(sizeof(*c));

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	c->idle_ttl = idle_ttl;
	c->hard_ttl = hard_ttl;
	c->nslots = 256;
	c->slots = sm_alloc(c->nslots * sizeof(*c->slots));
	if (c->slots == NULL) {
		sm_free(c);
		return NULL;
	}
	return c;
}

void keycache_free(struct keycache *c)
{
	if (c == NULL)
		return;
	keycache_wipe(c);
	sm_free(c->slots);
	for (size_t i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	free(c->labels);
	pthread_mutex_destroy(&c->mu);
	sm_free(c);
}

static size_t slot_of(const struct keycache *c, const uint8_t *id)
{
	size_t h;

	memcpy(&h, id, sizeof(h));     /* id is a hash already */
	return h % c->nslots;
}

static struct kc_entry *find(struct keycache *c, const uint8_t *id)
{
	for (size_t i = 0, s = slot_of(c, id); i < c->nslots; i++, s = (s + 1) % c->nslots) {
		struct kc_entry *e = &c->slots[s];

		if (!e->live && e->created == 0)
			return NULL;           /* never used: end of probe chain */
		if (e->live && memcmp(e->id, id, KEYCACHE_ID_LEN) == 0)
			return e;
	}
	return NULL;
}

static int expired(const struct keycache *c, const struct kc_entry *e, time_t now)
{
	return (c->idle_ttl && now - e->used >= (time_t)c->idle_ttl) ||
	       (c->hard_ttl && now - e->created >= (time_t)c->hard_ttl);
}

static void drop(struct keycache *c, struct kc_entry *e)
{
	sm_wipe(e->key, sizeof(e->key));
	sm_wipe(e->id, sizeof(e->id));
	e->label = 0;
	e->live = 0;                       /* created stays: tombstone */
	c->count--;
}

int keycache_get(struct keycache *c, const uint8_t id[KEYCACHE_ID_LEN],
		 uint8_t key[KEYCACHE_KEY_LEN])
{
	time_t now = time(NULL);
	struct kc_entry *e;
	int found = 0;

	pthread_mutex_lock(&c->mu);
	e = find(c, id);
	if (e != NULL && expired(c, e, now))
		drop(c, e);
	else if (e != NULL) {
		memcpy(key, e->key, KEYCACHE_KEY_LEN);
		e->used = now;
		found = 1;
	}
	pthread_mutex_unlock(&c->mu);
	return found;
}

static int rehash(struct keycache *c)
{
	size_t n = c->nslots * 2;
	struct kc_entry *old = c->slots, *ns = sm_alloc(n * sizeof(*ns));
	size_t oldn = c->nslots;

	if (ns == NULL)
		return -1;
	c->slots = ns;
	c->nslots = n;
	c->count = 0;
	for (size_t i = 0; i < oldn; i++) {
		struct kc_entry *e = &old[i], *d;
		size_t s;

		if (!e->live)
			continue;
		for (s = slot_of(c, e->id); c->slots[s].live; s = (s + 1) % n)
			;
		d = &c->slots[s];
		*d = *e;
		c->count++;
	}
	sm_free(old);              /* wipes */
	return 0;
}

int keycache_put(struct keycache *c, const uint8_t id[KEYCACHE_ID_LEN],
		 const uint8_t key[KEYCACHE_KEY_LEN])
{
	time_t now = time(NULL);
	struct kc_entry *e;
	int rc = 0;

	pthread_mutex_lock(&c->mu);
	e = find(c, id);
	if (e == NULL) {
		size_t s;

		/* load <= 3/4 (N = 10,000: 16,384 slots, not 32,768) */
		if ((c->count + 1) * 4 > c->nslots * 3 && rehash(c) != 0) {
			pthread_mutex_unlock(&c->mu);
			return -1;
		}
		for (s = slot_of(c, id); c->slots[s].live; s = (s + 1) % c->nslots)
			;
		e = &c->slots[s];
		memcpy(e->id, id, KEYCACHE_ID_LEN);
		e->live = 1;
		e->created = now;
		c->count++;
	}
	memcpy(e->key, key, KEYCACHE_KEY_LEN);
	e->used = now;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

size_t keycache_expire(struct keycache *c, time_t now)
{
	size_t n = 0;

	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->nslots; i++)
		if (c->slots[i].live && expired(c, &c->slots[i], now)) {
			drop(c, &c->slots[i]);
			n++;
		}
	pthread_mutex_unlock(&c->mu);
	return n;
}

void keycache_wipe(struct keycache *c)
{
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->nslots; i++)
		if (c->slots[i].live)
			drop(c, &c->slots[i]);
	sm_wipe(c->slots, c->nslots * sizeof(*c->slots));
	c->count = 0;
	pthread_mutex_unlock(&c->mu);
}

size_t keycache_count(struct keycache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->count;
	pthread_mutex_unlock(&c->mu);
	return n;
}

int keycache_has(struct keycache *c, const uint8_t id[KEYCACHE_ID_LEN])
{
	struct kc_entry *e;
	int yes;

	pthread_mutex_lock(&c->mu);
	e = find(c, id);
	yes = e != NULL && !expired(c, e, time(NULL));
	pthread_mutex_unlock(&c->mu);
	return yes;
}

/* 1 + the index of label (added if new), 0 when there is no room. */
static uint32_t label_index(struct keycache *c, const char *label)
{
	char **nl;
	size_t i;

	for (i = 0; i < c->nlabels; i++)
		if (strncmp(c->labels[i], label, KEYCACHE_LABEL_LEN - 1) == 0)
			return (uint32_t)i + 1;
	if (c->nlabels >= KC_MAX_LABELS)
		return 0;
	nl = realloc(c->labels, (c->nlabels + 1) * sizeof(*nl));
	if (nl == NULL)
		return 0;
	c->labels = nl;
	if ((nl[c->nlabels] = strndup(label, KEYCACHE_LABEL_LEN - 1)) == NULL)
		return 0;
	return (uint32_t)++c->nlabels;
}

void keycache_set_label(struct keycache *c, const uint8_t id[KEYCACHE_ID_LEN],
			const char *label)
{
	struct kc_entry *e;

	pthread_mutex_lock(&c->mu);
	e = find(c, id);
	if (e != NULL)
		e->label = label_index(c, label);
	pthread_mutex_unlock(&c->mu);
}

size_t keycache_list(struct keycache *c, struct keycache_info *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->nslots && n < max; i++) {
		const struct kc_entry *e = &c->slots[i];

		if (!e->live)
			continue;
		memcpy(out[n].id, e->id, KEYCACHE_ID_LEN);
		out[n].created = e->created;
		out[n].used = e->used;
		out[n].label[0] = '\0';
		if (e->label > 0)
			strcpy(out[n].label, c->labels[e->label - 1]);  /* < LABEL_LEN */
		n++;
	}
	pthread_mutex_unlock(&c->mu);
	return n;
}

void keycache_ttls(const struct keycache *c, unsigned *idle, unsigned *hard)
{
	*idle = c->idle_ttl;
	*hard = c->hard_ttl;
}
