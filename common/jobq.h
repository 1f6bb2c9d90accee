/* jobq.h - a queue of named jobs run by a few worker threads (the mount's
 * key prefetch and decrypt-ahead pools). A job is a heap string (a path)
 * and a kind; fn runs it on a worker, outside the queue's lock. Queueing
 * never blocks on a running job. */
#ifndef SOPSFS_JOBQ_H
#define SOPSFS_JOBQ_H

#include <stddef.h>

struct jobq;

typedef void (*jobq_fn)(void *arg, const char *name, int kind);

/* Up to nthreads workers (NULL when nthreads <= 0 or out of memory) running
 * fn(arg, ...), started as jobs arrive and none is idle; at most max_queued
 * jobs wait; start (may be NULL) runs first on each worker thread. */
struct jobq *jobq_new(int nthreads, size_t max_queued, jobq_fn fn, void *arg,
		      void (*start)(void));
/* Queue name (taken: freed when done or dropped). 0, or -1 when the queue
 * is full, memory is short or no worker could be started (the job is
 * dropped). */
int jobq_push(struct jobq *q, char *name, int kind);
/* Drop every queued job (running ones finish). */
void jobq_clear(struct jobq *q);
/* Stop the workers (a running job finishes first), drop the rest, free. */
void jobq_free(struct jobq *q);

#endif
