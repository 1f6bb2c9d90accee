/* jobq.c - a queue of named jobs and its worker threads (jobq.h). Workers
 * start when jobs arrive and none is idle (up to nthreads), so a mount pays
 * no thread start-up for a pool it never uses (the key-service prefetch on
 * an age-only tree). */
#include "jobq.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
	char *name;
	int kind;
	struct job *next;
};

struct jobq {
	jobq_fn fn;
	void *arg;
	void (*start)(void);
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	size_t queued, max;
	int stop, nthreads;      /* nthreads: started so far */
	int max_threads, idle;
	pthread_t *threads;
};

static void *worker(void *arg)
{
	struct jobq *q = arg;

	if (q->start != NULL)
		q->start();
	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct job *j;

		while (!q->stop && q->head == NULL) {
			q->idle++;
			pthread_cond_wait(&q->cv, &q->mu);
			q->idle--;
		}
		if (q->stop)
			break;
		j = q->head;
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->queued--;
		pthread_mutex_unlock(&q->mu);
		q->fn(q->arg, j->name, j->kind);
		free(j->name);
		free(j);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct jobq *jobq_new(int nthreads, size_t max_queued, jobq_fn fn, void *arg,
		      void (*start)(void))
{
	struct jobq *q;

	if (nthreads <= 0 || (q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->fn = fn;
	q->arg = arg;
	q->start = start;
	q->max = max_queued;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->max_threads = nthreads;
	q->threads = calloc((size_t)nthreads, sizeof(pthread_t));
	if (q->threads == NULL) {
		jobq_free(q);
		return NULL;
	}
	return q;
}

/* A job waits and no worker is idle: start one if there is room. 0, or -1
 * when there is no worker at all to run it. q->mu held. */
static int ensure_worker(struct jobq *q)
{
	if (q->idle > 0 || q->nthreads == q->max_threads)
		return 0;
	if (pthread_create(&q->threads[q->nthreads], NULL, worker, q) == 0)
		q->nthreads++;
	return q->nthreads > 0 ? 0 : -1;
}

int jobq_push(struct jobq *q, char *name, int kind)
{
	struct job *j = malloc(sizeof(*j));
	int rc = -1;

	pthread_mutex_lock(&q->mu);
	if (j != NULL && name != NULL && q->queued < q->max && ensure_worker(q) == 0) {
		j->name = name;
		j->kind = kind;
		j->next = NULL;
		if (q->tail != NULL)
			q->tail->next = j;
		else
			q->head = j;
		q->tail = j;
		q->queued++;
		pthread_cond_signal(&q->cv);
		rc = 0;
	}
	pthread_mutex_unlock(&q->mu);
	if (rc != 0) {
		free(j);
		free(name);
	}
	return rc;
}

/* q->mu held */
static void drop_all(struct jobq *q)
{
	while (q->head != NULL) {
		struct job *j = q->head;

		q->head = j->next;
		free(j->name);
		free(j);
	}
	q->tail = NULL;
	q->queued = 0;
}

void jobq_clear(struct jobq *q)
{
	pthread_mutex_lock(&q->mu);
	drop_all(q);
	pthread_mutex_unlock(&q->mu);
}

void jobq_free(struct jobq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	drop_all(q);
	free(q->threads);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}
