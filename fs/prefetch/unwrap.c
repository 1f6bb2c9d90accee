/* unwrap.c - single-flight data-key unwrap over the key cache (see
 * unwrap.h). */
#include "unwrap.h"
#include "../../codec/core/datakey.h"
#include "../../common/secure_mem.h"
#include "../audit/audit.h"
#include "../../common/may_block.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct flight {
	uint8_t id[32];
	int done, rc, waiters;
	uint8_t *key;                 /* locked, SOPS_DATA_KEY_LEN */
	struct sops_err err;
	struct flight *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct flight *flights;
static int running;

int pf_unwraps_running(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = running;
	pthread_mutex_unlock(&mu);
	return n;
}

static struct flight *find(const uint8_t id[32])
{
	for (struct flight *f = flights; f != NULL; f = f->next)
		if (memcmp(f->id, id, 32) == 0)
			return f;
	return NULL;
}

static void unlink_flight(struct flight *f)
{
	for (struct flight **p = &flights; *p != NULL; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			return;
		}
}

static void flight_free(struct flight *f)
{
	sm_free(f->key);
	explicit_bzero(&f->err, sizeof(f->err));
	free(f);
}

/* Wait for the unwrap of f started by another thread; copy its result. */
static int join(struct flight *f, uint8_t key[SOPS_DATA_KEY_LEN], struct sops_err *err)
{
	int rc;

	f->waiters++;
	if (!f->done)
		may_block();
	while (!f->done)
		pthread_cond_wait(&cv, &mu);
	rc = f->rc;
	if (rc == 0)
		memcpy(key, f->key, SOPS_DATA_KEY_LEN);
	else if (err != NULL)
		*err = f->err;
	if (--f->waiters == 0)
		flight_free(f);
	return rc;
}

static atomic_int network_seen;

int pf_network_seen(void)
{
	return atomic_load(&network_seen);
}

int pf_get_key(struct sopsfs *fs, const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN],
	       const char *path, struct sops_err *err)
{
	struct buf by = BUF_INIT;
	struct flight *f;
	uint8_t id[32];
	int rc;

	if (!atomic_load(&network_seen) && pf_has_network_key(m))
		atomic_store(&network_seen, 1);     /* speed: prefetch is worth it */
	if (meta_key_id(m, id) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	if (keycache_get(fs->keys, id, key))
		return 0;
	pthread_mutex_lock(&mu);
	if ((f = find(id)) != NULL) {
		rc = join(f, key, err);
		pthread_mutex_unlock(&mu);
		return rc;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL || (f->key = sm_alloc(SOPS_DATA_KEY_LEN)) == NULL) {
		free(f);
		pthread_mutex_unlock(&mu);
		return err_set(err, EX_ERROR, "out of memory");
	}
	memcpy(f->id, id, 32);
	f->waiters = 1;          /* this thread */
	f->next = flights;
	flights = f;
	running++;
	pthread_mutex_unlock(&mu);

	/* the cache may have been filled between our miss and the flight */
	if (keycache_get(fs->keys, id, f->key)) {
		rc = 0;
	} else {
		err_clear(&f->err);
		rc = datakey_get_by(m, f->key, &by, &f->err);
		if (rc == 0) {
			const char *who = by.data ? (const char *)by.data : "?";

			atomic_fetch_add(&fs->unwraps, 1);
			keycache_put(fs->keys, id, f->key);
			keycache_set_label(fs->keys, id, who);          /* status */
			audit_event(fs, "key-unwrap", path, "key", who);
		}
		buf_free(&by);
	}

	pthread_mutex_lock(&mu);
	running--;
	f->rc = rc;
	f->done = 1;
	unlink_flight(f);
	pthread_cond_broadcast(&cv);
	if (rc == 0)
		memcpy(key, f->key, SOPS_DATA_KEY_LEN);
	else if (err != NULL)
		*err = f->err;
	if (--f->waiters == 0)
		flight_free(f);
	pthread_mutex_unlock(&mu);
	return rc;
}
