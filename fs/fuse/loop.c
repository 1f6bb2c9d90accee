/* loop.c - the mount's request loop, in place of libfuse's fuse_loop_mt.
 *
 * libfuse 3.14 keeps every idle thread blocked in read() on /dev/fuse, and
 * the kernel wakes them in turn: each request ran on the thread that had
 * waited longest, its caches cold, and a sequential reader (`cat`, `grep
 * -r`) paid a thread switch per request. Here one thread at a time holds
 * the reader's role: it reads a request, answers it itself and reads the
 * next, as a single-threaded passthrough does. The other threads sleep in a
 * stack (the most recently parked on top).
 *
 * A request that is about to wait (another thread's decryption, a key
 * service, a disk flush) calls may_block() (common/may_block.h): the role
 * passes to the top of the stack, else to a new thread (up to max_threads),
 * before it waits. A monitor thread hands the role on for a request that has
 * run for a whole tick (5 ms) without saying so, so that one slow request
 * never holds up the others for long (design.md: a slow key service fails
 * only the files that need it; the mount keeps answering). The monitor
 * sleeps while no request comes.
 */
#include "loop.h"
#include "../../common/may_block.h"

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_NS 5000000L          /* the monitor's tick: 5 ms */

struct lworker {
	pthread_t tid;
	pthread_cond_t cv;           /* woken to take the reader's role */
	struct fuse_buf buf;         /* libfuse's request buffer (its memory) */
	struct lworker *next_idle;   /* parked, most recent first */
	struct lworker *next_all;
	int wake;                    /* under L.lock: the role is ours */
	atomic_ulong seq;            /* requests started */
	atomic_int busy;             /* answering one now */
};

static struct {
	pthread_mutex_t lock;
	struct fuse_session *se;
	_Atomic(struct lworker *) reader;  /* the role; NULL: the first free
					      thread takes it */
	struct lworker *idle, *all;
	unsigned n, max;
	int exit, error;
	sem_t finish;                /* a thread ended: look at the session */
	pthread_cond_t mon_cv;
	atomic_int mon_asleep;
} L;

static _Thread_local struct lworker *self;

static void *work(void *arg);

/* Start a thread; the signals that end the mount go to the main thread,
 * whose sem_wait they interrupt (as in libfuse). 0 or -1. */
static int start_thread(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	sigset_t block, old;
	int rc;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(tid, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

/* Start a thread holding the reader's role. L.lock held. */
static struct lworker *spawn(void)
{
	struct lworker *w = calloc(1, sizeof(*w));
	struct lworker *was = atomic_load(&L.reader);

	if (w == NULL)
		return NULL;
	pthread_cond_init(&w->cv, NULL);
	atomic_store(&L.reader, w);
	if (start_thread(&w->tid, work, w) != 0) {
		atomic_store(&L.reader, was);
		pthread_cond_destroy(&w->cv);
		free(w);
		return NULL;
	}
	w->next_all = L.all;
	L.all = w;
	L.n++;
	return w;
}

/* Pass the role from `from` (about to wait) on. L.lock held. */
static void hand_off(struct lworker *from)
{
	struct lworker *w = L.idle;

	if (atomic_load(&L.reader) != from || L.exit)
		return;
	if (w != NULL) {
		L.idle = w->next_idle;
		w->wake = 1;
		atomic_store(&L.reader, w);
		pthread_cond_signal(&w->cv);
	} else if (L.n >= L.max || spawn() == NULL) {
		atomic_store(&L.reader, NULL);   /* the first thread done reads */
	}
}

static void hook(void)
{
	struct lworker *w = self;

	if (w == NULL || atomic_load(&L.reader) != w)
		return;                  /* not a loop thread, or not the reader */
	pthread_mutex_lock(&L.lock);
	hand_off(w);
	pthread_mutex_unlock(&L.lock);
}

/* Sleep until w holds the role. 0, or -1 when the loop ends. */
static int park(struct lworker *w)
{
	int out;

	pthread_mutex_lock(&L.lock);
	while (!L.exit) {
		struct lworker *r = atomic_load(&L.reader);

		if (r == w)
			break;
		if (r == NULL) {
			atomic_store(&L.reader, w);
			break;
		}
		w->wake = 0;
		w->next_idle = L.idle;
		L.idle = w;
		while (!w->wake && !L.exit)
			pthread_cond_wait(&w->cv, &L.lock);
	}
	out = L.exit ? -1 : 0;
	pthread_mutex_unlock(&L.lock);
	return out;
}

static void wake_monitor(void)
{
	pthread_mutex_lock(&L.lock);
	atomic_store(&L.mon_asleep, 0);
	pthread_cond_signal(&L.mon_cv);
	pthread_mutex_unlock(&L.lock);
}

static void *work(void *arg)
{
	struct lworker *w = arg;

	self = w;
	pthread_setname_np(pthread_self(), "sopsfs-fuse");
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	while (!fuse_session_exited(L.se)) {
		int res;

		if (atomic_load(&L.reader) != w && park(w) != 0)
			break;
		/* cancelled only here, while reading (the way libfuse ends) */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		res = fuse_session_receive_buf(L.se, &w->buf);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (res == -EINTR)
			continue;
		if (res <= 0) {          /* 0: unmounted (the session exited) */
			if (res < 0) {
				pthread_mutex_lock(&L.lock);
				L.error = res;
				pthread_mutex_unlock(&L.lock);
				fuse_session_exit(L.se);
			}
			break;
		}
		atomic_fetch_add(&w->seq, 1);
		atomic_store(&w->busy, 1);
		if (atomic_load(&L.mon_asleep))
			wake_monitor();
		fuse_session_process_buf(L.se, &w->buf);
		atomic_store(&w->busy, 0);
	}
	sem_post(&L.finish);
	return NULL;
}

static void tick(struct timespec *at)
{
	clock_gettime(CLOCK_MONOTONIC, at);
	at->tv_nsec += TICK_NS;
	if (at->tv_nsec >= 1000000000L) {
		at->tv_sec++;
		at->tv_nsec -= 1000000000L;
	}
}

/* Hands the role on from a reader whose request outlasts a tick. */
static void *monitor(void *arg)
{
	struct lworker *last = NULL;
	unsigned long last_seq = 0;
	int quiet = 0;

	(void)arg;
	pthread_setname_np(pthread_self(), "sopsfs-monitor");
	pthread_mutex_lock(&L.lock);
	while (!L.exit) {
		struct lworker *r = atomic_load(&L.reader);
		struct timespec at;

		if (r != NULL && atomic_load(&r->busy)) {
			unsigned long s = atomic_load(&r->seq);

			if (r == last && s == last_seq)
				hand_off(r);
			last = r;
			last_seq = s;
			quiet = 0;
		} else if (++quiet > 2) {
			/* nothing to watch: sleep until a request starts (the
			 * reader looks at mon_asleep after setting busy) */
			atomic_store(&L.mon_asleep, 1);
			r = atomic_load(&L.reader);
			if (r == NULL || !atomic_load(&r->busy))
				pthread_cond_wait(&L.mon_cv, &L.lock);
			atomic_store(&L.mon_asleep, 0);
			quiet = 0;
			last = NULL;
			continue;
		}
		tick(&at);
		pthread_cond_timedwait(&L.mon_cv, &L.lock, &at);
	}
	pthread_mutex_unlock(&L.lock);
	return NULL;
}

static int start_monitor(pthread_t *tid)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&L.mon_cv, &ca);
	pthread_condattr_destroy(&ca);
	return start_thread(tid, monitor, NULL);
}

/* End every thread and free them. */
static void stop_all(pthread_t mon, int have_mon)
{
	pthread_mutex_lock(&L.lock);
	L.exit = 1;
	for (struct lworker *w = L.all; w != NULL; w = w->next_all) {
		pthread_cancel(w->tid);          /* acts only in a read */
		pthread_cond_signal(&w->cv);
	}
	pthread_cond_signal(&L.mon_cv);
	pthread_mutex_unlock(&L.lock);
	if (have_mon)
		pthread_join(mon, NULL);
	while (L.all != NULL) {
		struct lworker *w = L.all;

		pthread_join(w->tid, NULL);
		L.all = w->next_all;
		free(w->buf.mem);
		pthread_cond_destroy(&w->cv);
		free(w);
	}
}

int fs_loop_run(struct fuse *f, unsigned max_threads)
{
	pthread_t mon;
	int have_mon, rc;

	memset(&L, 0, sizeof(L));
	pthread_mutex_init(&L.lock, NULL);
	sem_init(&L.finish, 0, 0);
	L.se = fuse_get_session(f);
	L.max = max_threads > 0 ? max_threads : 1;
	if (fuse_start_cleanup_thread(f) != 0)
		return -ENOMEM;
	/* without the monitor, a request waiting unannounced would hold up
	 * the mount: no mount then */
	have_mon = start_monitor(&mon) == 0;
	rc = have_mon ? 0 : -EAGAIN;
	pthread_mutex_lock(&L.lock);
	if (rc == 0 && spawn() == NULL)
		rc = -EAGAIN;
	pthread_mutex_unlock(&L.lock);
	if (rc == 0) {
		/* tests/mount/kms_mount.sh: SOPSFS_LOOP_NO_HINTS=1 leaves a
		 * waiting request to the monitor alone */
		if (getenv("SOPSFS_LOOP_NO_HINTS") == NULL)
			may_block_set_hook(hook);
		while (!fuse_session_exited(L.se))
			sem_wait(&L.finish);     /* interrupted by a signal */
		may_block_set_hook(NULL);
		pthread_mutex_lock(&L.lock);
		rc = L.error;
		pthread_mutex_unlock(&L.lock);
	} else {
		fuse_session_exit(L.se);
	}
	stop_all(mon, have_mon);
	fuse_stop_cleanup_thread(f);
	pthread_cond_destroy(&L.mon_cv);
	sem_destroy(&L.finish);
	pthread_mutex_destroy(&L.lock);
	fuse_session_reset(L.se);
	return rc;
}
