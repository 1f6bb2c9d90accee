/* ahead.c - decrypt ahead of the reader on a cold pass (see ahead.h). */
#include "ahead.h"
#include "ent.h"
#include "names.h"
#include "plain.h"
#include "../../common/dirents.h"
#include "../../common/jobq.h"
#include "../../common/recent.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AHEAD_MAX_SIZE (1 << 20)   /* larger files are left to readers */

enum { JOB_FILE, JOB_FILES, JOB_SIBLINGS, JOB_MORE };

struct ahead {
	struct sopsfs *fs;
	struct jobq *q;
	size_t window;           /* files queued at a time */
	pthread_mutex_t mu;      /* seen, last, more */
	struct recent seen;      /* directories queued lately ("f:" its files,
				    "s:" its subdirectories' files) */
	char *last;              /* directory of the reader's last decryption */
	/* a parent with more directories than one window: the next window is
	 * queued when the reader reaches a view of a directory named mark or
	 * later, and starts at the directory named next */
	struct { char *parent, *next, *mark; } more;
};

static __thread int in_worker;

int ahead_in_worker(void)
{
	return in_worker;
}

int ahead_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n <= 1 ? 0 : n > 4 ? 4 : (int)n;
}

static struct dirents *open_dir(struct sopsfs *fs, const char *dir)
{
	return dirents_open(backing_open_path(&fs->b, dir, O_RDONLY | O_DIRECTORY, 0));
}

/* Queue the regular files of dir; *budget counts down. -1 when the budget
 * or the queue ran out (dir may not be done), 0 otherwise. */
static int queue_files(struct ahead *a, const char *dir, size_t *budget)
{
	struct dirents *d = open_dir(a->fs, dir);
	const struct dirent64 *de;
	int rc = 0;

	if (d == NULL)
		return 0;
	while ((de = dirents_next(d)) != NULL) {
		char *p;

		if ((de->d_type != DT_REG && de->d_type != DT_UNKNOWN) ||
		    names_is_internal(de->d_name))
			continue;
		if (*budget == 0) {
			rc = -1;
			break;
		}
		if ((p = names_join(dir, de->d_name)) == NULL)
			continue;
		if (jobq_push(a->q, p, JOB_FILE) != 0) {
			rc = -1;        /* the queue is full */
			break;
		}
		(*budget)--;
	}
	dirents_close(d);
	return rc;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The subdirectories of parent in name order (heap array of *n heap names). */
static char **subdirs(struct ahead *a, const char *parent, size_t *n)
{
	struct dirents *d = open_dir(a->fs, parent);
	const struct dirent64 *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	while (d != NULL && (de = dirents_next(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0 || !dirents_is_dir(d, de))
			continue;
		if (*n + 1 >= cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (nv == NULL)
				break;
			v = nv;
		}
		if ((v[*n] = strdup(de->d_name)) != NULL)
			(*n)++;
	}
	dirents_close(d);
	if (v != NULL)
		qsort(v, *n, sizeof(*v), by_name);
	return v;
}

static void more_clear(struct ahead *a)
{
	free(a->more.parent);
	free(a->more.next);
	free(a->more.mark);
	memset(&a->more, 0, sizeof(a->more));
}

/* Remember where the window over parent's directories stopped (next NULL:
 * it reached the end). */
static void more_set(struct ahead *a, const char *parent, const char *next, const char *mark)
{
	pthread_mutex_lock(&a->mu);
	if (next != NULL || (a->more.parent != NULL && strcmp(a->more.parent, parent) == 0))
		more_clear(a);
	if (next != NULL) {
		a->more.parent = strdup(parent);
		a->more.next = strdup(next);
		a->more.mark = strdup(mark != NULL ? mark : next);
		if (a->more.parent == NULL || a->more.next == NULL || a->more.mark == NULL)
			more_clear(a);
	}
	pthread_mutex_unlock(&a->mu);
}

/* Split dir into its parent (copied to parent) and its name (returned);
 * NULL for "/" or a parent longer than size. */
static const char *split(const char *dir, char *parent, size_t size)
{
	const char *slash = strrchr(dir, '/');

	if (slash == NULL || strcmp(dir, "/") == 0 || (size_t)(slash - dir) >= size)
		return NULL;
	if (slash == dir) {
		strcpy(parent, "/");
	} else {
		memcpy(parent, dir, (size_t)(slash - dir));
		parent[slash - dir] = '\0';
	}
	return slash + 1;
}

/* Queue the files of the directories beside dir, one window of at most
 * a->window files. JOB_SIBLINGS: those after dir by name first (a
 * reader going through them in order is there next), then those before
 * it. JOB_MORE: dir and those after it, the window after the last one. A
 * window that stops before the end leaves its place in a->more, with a
 * mark halfway through it. */
static void siblings(struct ahead *a, const char *dir, int kind)
{
	char parent[4096];
	const char *me = split(dir, parent, sizeof(parent)), *mark = NULL;
	size_t budget = a->window, n = 0, at, span, k;
	int partial = 0;
	char **sib;

	if (me == NULL)
		return;
	sib = subdirs(a, parent, &n);
	for (at = 0; at < n && strcmp(sib[at], me) < (kind == JOB_MORE ? 0 : 1); at++)
		;
	span = kind == JOB_MORE ? n - at : n;
	for (k = 0; k < span && budget > 0; k++) {
		const char *name = sib[(at + k) % n];
		char *p;

		if ((kind == JOB_SIBLINGS && strcmp(name, me) == 0) ||
		    (p = names_join(parent, name)) == NULL)
			continue;
		partial = !names_in_git(p) && queue_files(a, p, &budget) != 0;
		free(p);
		if (mark == NULL && budget <= a->window / 2)
			mark = name;
		if (partial)
			break;          /* the window is full inside name */
	}
	/* the next window starts where this one stopped, if that is before
	 * the end of the names (after wrapping round, the rest is dropped) */
	more_set(a, parent, k < span && at + k < n ? sib[at + k] : NULL, mark);
	for (size_t k = 0; k < n; k++)
		free(sib[k]);
	free(sib);
}

/* Prepare path's entry as a getattr would, unless a reader has it. */
static void prepare(struct ahead *a, const char *path)
{
	struct sopsfs *fs = a->fs;
	struct stat st;
	struct ent *e;
	int drop;

	if (ent_view_bytes(fs) > fs->o.cache_bytes / 2)
		return;
	pthread_rwlock_rdlock(&fs->ns);
	e = backing_stat(&fs->b, path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size <= AHEAD_MAX_SIZE && !plain_known(fs, path, &st) ? ent_get(fs, path) : NULL;
	if (e != NULL && pthread_mutex_trylock(&e->mu) == 0) {
		if (!e->has_draft && !e->pending && !e->virt && !e->whiteout)
			ent_refresh(fs, e, &st);
		drop = plain_take(fs, e);       /* plain: a record instead */
		pthread_mutex_unlock(&e->mu);
		if (drop)
			ent_remove(fs, e);
	}
	ent_put(fs, e);
	pthread_rwlock_unlock(&fs->ns);
}

static void run(void *arg, const char *name, int kind)
{
	struct ahead *a = arg;
	size_t budget = a->window;

	if (kind == JOB_FILES)
		queue_files(a, name, &budget);
	else if (kind == JOB_SIBLINGS || kind == JOB_MORE)
		siblings(a, name, kind);
	else
		prepare(a, name);
}

static void worker_start(void)
{
	in_worker = 1;
	pthread_setname_np(pthread_self(), "sopsfs-ahead");   /* ps -L, perf */
}

struct ahead *ahead_new(struct sopsfs *fs, int nthreads)
{
	struct ahead *a;

	if (nthreads <= 0 || (a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->fs = fs;
	a->window = fs->o.ahead_window ? fs->o.ahead_window : AHEAD_MAX_FILES;
	pthread_mutex_init(&a->mu, NULL);
	/* room for the window the reader is in and the next ones */
	a->q = jobq_new(nthreads, 4 * a->window, run, a, worker_start);
	if (a->q == NULL) {
		ahead_free(a);
		return NULL;
	}
	return a;
}

void ahead_free(struct ahead *a)
{
	if (a == NULL)
		return;
	jobq_free(a->q);
	recent_clear(&a->seen);
	free(a->last);
	more_clear(a);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

void ahead_cancel(struct ahead *a)
{
	if (a == NULL)
		return;
	jobq_clear(a->q);
	pthread_mutex_lock(&a->mu);
	recent_clear(&a->seen);
	free(a->last);
	a->last = NULL;
	more_clear(a);
	pthread_mutex_unlock(&a->mu);
}

/* Queue a job for dir unless one for the same key ran lately: "f:DIR" for
 * a directory's files, "s:PARENT" for the directories of a parent (one
 * expansion covers them all). a->mu held. */
static void queue_once(struct ahead *a, const char *dir, int kind)
{
	const char *slash = strrchr(dir, '/');
	size_t len = kind == JOB_FILES || slash == NULL ? strlen(dir) : (size_t)(slash - dir);
	char *key = malloc(len + 3);
	int fresh;

	if (key == NULL)
		return;
	snprintf(key, len + 3, "%c:%.*s", kind == JOB_FILES ? 'f' : 's', (int)len, dir);
	fresh = !recent_seen(&a->seen, key, (time_t)a->fs->o.key_ttl);
	free(key);
	if (fresh)
		jobq_push(a->q, strdup(dir), kind);
}

/* Does b have the same parent directory as a (both mount paths)? */
static int same_parent(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa != NULL && sb != NULL && sa - a == sb - b && memcmp(a, b, (size_t)(sa - a)) == 0;
}

/* The reader's first decryption in a directory queues that directory's
 * files; its first in a second directory of the same parent (a pass going
 * through them, not one file looked at) queues the directories beside it
 * too. */
void ahead_note(struct ahead *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (a == NULL || in_worker || slash == NULL)
		return;
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	queue_once(a, dir, JOB_FILES);
	if (a->last != NULL && strcmp(a->last, dir) != 0 && strcmp(dir, "/") != 0 &&
	    same_parent(a->last, dir))
		queue_once(a, dir, JOB_SIBLINGS);
	free(a->last);
	a->last = dir;
	pthread_mutex_unlock(&a->mu);
	ahead_reached(a, path);         /* a reader overtaking the window */
}

/* A reader reached a view decrypted ahead: past the mark of a window over
 * its parent's directories, queue the next window. */
void ahead_reached(struct ahead *a, const char *path)
{
	char dir[4096], parent[4096];
	const char *slash = strrchr(path, '/'), *me;
	char *job = NULL;

	if (a == NULL || in_worker || slash == NULL || (size_t)(slash - path) >= sizeof(dir))
		return;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if ((me = split(dir, parent, sizeof(parent))) == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	if (a->more.parent != NULL && strcmp(a->more.parent, parent) == 0 &&
	    strcmp(me, a->more.mark) >= 0) {
		job = names_join(parent, a->more.next);
		more_clear(a);          /* the job sets the one after */
	}
	pthread_mutex_unlock(&a->mu);
	if (job != NULL)
		jobq_push(a->q, job, JOB_MORE);
}
