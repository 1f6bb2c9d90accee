/* cred_cache.c - process-wide credential cache in locked memory (see
 * cred_cache.h). */
#include "cred_cache.h"
#include "http.h"
#include "../../common/secure_mem.h"
#include "../../common/may_block.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CC_MAX 64

struct entry {
	char *key;                /* heap; not secret */
	uint8_t *val;             /* locked */
	size_t len;
	time_t expires, fetched;  /* expires 0 = never */
	long long failed_ms;
	char errmsg[SOPS_ERR_MSG_MAX];
	int errcode;
	int busy;                 /* a fetch is running */
};

static struct entry table[CC_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drop(struct entry *e)
{
	sm_free(e->val);
	free(e->key);
	memset(e, 0, sizeof(*e));
}

static struct entry *find(const char *key, int create)
{
	struct entry *slot = NULL;

	for (size_t i = 0; i < CC_MAX; i++) {
		if (table[i].key != NULL && strcmp(table[i].key, key) == 0)
			return &table[i];
		if (table[i].key == NULL && slot == NULL)
			slot = &table[i];
	}
	if (!create)
		return NULL;
	if (slot == NULL) {   /* full: evict an idle entry */
		for (size_t i = 0; i < CC_MAX && slot == NULL; i++)
			if (!table[i].busy)
				slot = &table[i];
		if (slot == NULL)
			return NULL;
		drop(slot);
	}
	slot->key = strdup(key);
	return slot->key ? slot : NULL;
}

static int fresh(const struct entry *e, time_t now)
{
	time_t life, margin;

	if (e->val == NULL)
		return 0;
	if (e->expires == 0)
		return 1;
	life = e->expires - e->fetched;
	margin = life / 4 < 300 ? life / 4 : 300;
	return now + margin < e->expires;
}

int cred_get(const char *key, cred_fetch_fn fetch, void *ctx, struct buf *out,
	     struct sops_err *err)
{
	struct buf v = BUF_INIT_SECURE;
	time_t exp = 0;
	int rc;

	pthread_mutex_lock(&lock);
	struct entry *e = find(key, 1);
	if (e == NULL) {
		pthread_mutex_unlock(&lock);
		return err_set(err, EX_ERROR, "out of memory");
	}
	if (e->busy)
		may_block();
	while (e->busy)
		pthread_cond_wait(&done, &lock);
	if (fresh(e, time(NULL))) {
		rc = buf_add(out, e->val, e->len);
		pthread_mutex_unlock(&lock);
		return rc == 0 ? 0 : err_set(err, EX_ERROR, "out of memory");
	}
	if (e->failed_ms != 0 && now_ms() - e->failed_ms < net_config.breaker_ms) {
		err_set(err, e->errcode, "%s", e->errmsg);
		pthread_mutex_unlock(&lock);
		return -1;
	}
	e->busy = 1;
	pthread_mutex_unlock(&lock);

	rc = fetch(ctx, &v, &exp, err);

	pthread_mutex_lock(&lock);
	e->busy = 0;
	if (rc == 0) {
		uint8_t *nv = sm_alloc(v.len);

		if (nv == NULL || buf_add(out, v.data, v.len) != 0) {
			sm_free(nv);
			rc = err_set(err, EX_ERROR, "out of memory");
		} else {
			memcpy(nv, v.data, v.len);
			sm_free(e->val);
			e->val = nv;
			e->len = v.len;
			e->expires = exp;
			e->fetched = time(NULL);
			e->failed_ms = 0;
		}
	} else {
		e->failed_ms = now_ms();
		e->errcode = err ? err->code : EX_ERROR;
		snprintf(e->errmsg, sizeof(e->errmsg), "%s", err ? err->msg : "credential error");
	}
	pthread_cond_broadcast(&done);
	pthread_mutex_unlock(&lock);
	buf_free(&v);
	return rc;
}

void cred_forget(const char *key)
{
	pthread_mutex_lock(&lock);
	struct entry *e = find(key, 0);
	if (e != NULL && !e->busy)
		drop(e);
	pthread_mutex_unlock(&lock);
}

void cred_forget_prefix(const char *prefix)
{
	size_t n = strlen(prefix);

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < CC_MAX; i++)
		if (table[i].key != NULL && !table[i].busy && strncmp(table[i].key, prefix, n) == 0)
			drop(&table[i]);
	pthread_mutex_unlock(&lock);
}

void cred_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < CC_MAX; i++)
		if (table[i].key != NULL && !table[i].busy)
			drop(&table[i]);
	pthread_mutex_unlock(&lock);
}
