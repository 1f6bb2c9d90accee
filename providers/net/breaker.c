/* breaker.c - per-service circuit breaker (see breaker.h). */
#include "breaker.h"
#include "http.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BRK_MAX 64
#define BRK_ORIGIN 256
#define BRK_MSG 512

struct brk {
	char origin[BRK_ORIGIN];
	char msg[BRK_MSG];
	long long failed_ms;   /* 0 = closed */
	int probing;           /* half-open: one request is trying the service */
};

static struct brk table[BRK_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct brk *find(const char *origin, int create)
{
	struct brk *free_slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < BRK_MAX; i++) {
		struct brk *b = &table[i];

		if (b->origin[0] != '\0' && strcmp(b->origin, origin) == 0)
			return b;
		if (b->origin[0] == '\0' && free_slot == NULL)
			free_slot = b;
		if (oldest == NULL || b->failed_ms < oldest->failed_ms)
			oldest = b;
	}
	if (!create)
		return NULL;
	if (free_slot == NULL)
		free_slot = oldest;
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->origin, sizeof(free_slot->origin), "%s", origin);
	return free_slot;
}

int breaker_check(const char *origin, struct sops_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&lock);
	struct brk *b = find(origin, 0);
	if (b != NULL && b->failed_ms != 0) {
		long long ago = now_ms() - b->failed_ms;

		if (ago < net_config.breaker_ms || b->probing) {
			err_set(err, EX_ERROR, "%s (not retried: the service failed %lld ms ago)",
				b->msg, ago);
			rc = -1;
		} else {
			b->probing = 1;   /* this request probes; the others keep failing */
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void breaker_trip(const char *origin, const char *msg)
{
	pthread_mutex_lock(&lock);
	struct brk *b = find(origin, 1);
	snprintf(b->msg, sizeof(b->msg), "%s", msg);
	b->probing = 0;
	b->failed_ms = now_ms();
	if (b->failed_ms == 0)
		b->failed_ms = 1;
	pthread_mutex_unlock(&lock);
}

void breaker_ok(const char *origin)
{
	pthread_mutex_lock(&lock);
	struct brk *b = find(origin, 0);
	if (b != NULL) {
		b->failed_ms = 0;
		b->probing = 0;
	}
	pthread_mutex_unlock(&lock);
}

void net_breaker_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(table, 0, sizeof(table));
	pthread_mutex_unlock(&lock);
}
