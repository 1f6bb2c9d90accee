/* test_jobq.c - the worker pool behind prefetch and decrypt-ahead
 * (common/jobq.c): every queued job runs once on a worker that ran the
 * start hook, kinds reach the job, a full queue refuses (and frees) the
 * name, clear drops what waits, free stops workers and frees the rest;
 * workers start only when jobs arrive, never more than asked for. */
#include "check.h"
#include "../../common/jobq.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int ran, kinds, started, bad;
static __thread int is_worker;
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

static void start(void)
{
	is_worker = 1;
	atomic_fetch_add(&started, 1);
}

static void job(void *arg, const char *name, int kind)
{
	(void)arg;
	pthread_mutex_lock(&gate);           /* lets a test hold the workers */
	pthread_mutex_unlock(&gate);
	if (!is_worker || strncmp(name, "job-", 4) != 0)
		atomic_fetch_add(&bad, 1);
	atomic_fetch_add(&kinds, kind);
	atomic_fetch_add(&ran, 1);
}

static char *name(int i)
{
	char *p = malloc(16);

	if (p != NULL)
		snprintf(p, 16, "job-%d", i);
	return p;
}

static void test_runs_every_job(void)
{
	struct jobq *q = jobq_new(3, 10000, job, NULL, start);

	atomic_store(&ran, 0);
	atomic_store(&kinds, 0);
	atomic_store(&started, 0);
	CHECK(q != NULL);
	usleep(20000);
	CHECK(atomic_load(&started) == 0);       /* no job yet: no thread */
	for (int i = 0; i < 1000; i++)
		CHECK(jobq_push(q, name(i), i % 2) == 0);
	for (int t = 0; t < 500 && atomic_load(&ran) < 1000; t++)
		usleep(10000);
	CHECK(atomic_load(&ran) == 1000 && atomic_load(&kinds) == 500);
	CHECK(atomic_load(&started) >= 1 && atomic_load(&started) <= 3 && atomic_load(&bad) == 0);
	jobq_free(q);
}

/* Jobs that each wait start one worker apiece, up to the limit. */
static void test_starts_as_needed(void)
{
	struct jobq *q = jobq_new(2, 100, job, NULL, start);

	atomic_store(&started, 0);
	atomic_store(&ran, 0);
	CHECK(q != NULL);
	pthread_mutex_lock(&gate);               /* every job blocks */
	for (int i = 0; i < 6; i++)
		CHECK(jobq_push(q, name(i), 0) == 0);
	usleep(50000);
	CHECK(atomic_load(&started) == 2);
	pthread_mutex_unlock(&gate);
	for (int t = 0; t < 500 && atomic_load(&ran) < 6; t++)
		usleep(10000);
	CHECK(atomic_load(&ran) == 6);
	jobq_free(q);
}

static void test_full_clear_free(void)
{
	struct jobq *q = jobq_new(1, 5, job, NULL, start);
	int refused = 0;

	atomic_store(&ran, 0);
	CHECK(q != NULL);
	pthread_mutex_lock(&gate);               /* the worker blocks in its first job */
	for (int i = 0; i < 20; i++)
		refused += jobq_push(q, name(i), 0) != 0;
	CHECK(refused >= 14 && refused <= 15);   /* 5 wait (+1 running) */
	CHECK(jobq_push(q, NULL, 0) != 0);       /* out of memory: refused */
	jobq_clear(q);
	pthread_mutex_unlock(&gate);
	usleep(50000);
	CHECK(atomic_load(&ran) <= 1);           /* only the one that was running */
	for (int i = 0; i < 3; i++)
		CHECK(jobq_push(q, name(i), 0) == 0);
	jobq_free(q);                            /* what still waits is freed (ASan) */
	CHECK(jobq_new(0, 5, job, NULL, NULL) == NULL);
}

int main(void)
{
	RUN(test_runs_every_job);
	RUN(test_full_clear_free);
	RUN(test_starts_as_needed);
	return CHECK_DONE();
}
