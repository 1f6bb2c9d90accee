/* watch.c - inotify on SRC -> kernel cache invalidation (watch.h). */
#include "watch.h"
#include "kinval.h"
#include "../entries/names.h"
#include "../../common/dirents.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define WMASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | \
	       IN_ATTRIB | IN_CLOSE_WRITE | IN_ONLYDIR | IN_EXCL_UNLINK)

struct watcher {
	struct sopsfs *fs;
	int ifd, efd;
	char **dirs;          /* mount path of each watch descriptor */
	size_t ndirs;
	int full;             /* a directory could not be watched */
	pthread_t th;
	int running;
	char **inval;         /* paths to invalidate in this batch */
	size_t ninval, cinval;
};

static struct watcher W = { .ifd = -1, .efd = -1 };

/* "/" + "a" -> "/a"; "/a" + "b" -> "/a/b" (heap, NULL on OOM) */
static char *join(const char *dir, const char *name)
{
	size_t ld = strlen(dir), ln = strlen(name);
	char *p = malloc(ld + ln + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, dir, ld);
	if (ld > 1)
		p[ld++] = '/';
	memcpy(p + (ld == 1 ? 1 : ld), name, ln + 1);
	return p;
}

static int set_dir(int wd, char *path)
{
	if ((size_t)wd >= W.ndirs) {
		size_t n = (size_t)wd * 2 + 16;
		char **d = realloc(W.dirs, n * sizeof(*d));

		if (d == NULL)
			return -1;
		memset(d + W.ndirs, 0, (n - W.ndirs) * sizeof(*d));
		W.dirs = d;
		W.ndirs = n;
	}
	free(W.dirs[wd]);
	W.dirs[wd] = path;
	return 0;
}

/* Watch the directory path (mount path; fd: it, opened below SRC) and,
 * recursively, its subdirectories. Takes ownership of fd. */
static void add_tree(int fd, const char *path)
{
	char proc[64];
	int wd;
	struct dirents *d;
	const struct dirent64 *de;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(W.ifd, proc, WMASK);
	if (wd < 0) {
		if (!W.full)
			sopsfs_log("cannot watch %s for changes: %s (raise "
				   "fs.inotify.max_user_watches)", path, strerror(errno));
		W.full = 1;
		close(fd);
		return;
	}
	char *copy = strdup(path);

	if (copy == NULL || set_dir(wd, copy) != 0) {
		free(copy);
		W.full = 1;
	}
	if ((d = dirents_open(fd)) == NULL)
		return;
	while ((de = dirents_next(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !dirents_is_dir(d, de))
			continue;
		int cfd = openat(dirents_fd(d), de->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char *sub = join(path, de->d_name);

		if (cfd >= 0 && sub != NULL)
			add_tree(cfd, sub);
		else if (cfd >= 0)
			close(cfd);
		free(sub);
	}
	dirents_close(d);
}

static void watch_path(const char *path)
{
	int fd = backing_open_path(&W.fs->b, path, O_RDONLY | O_DIRECTORY, 0);

	if (fd >= 0)
		add_tree(fd, path);
}

static void queue_inval(const char *dir, const char *name)
{
	char *p = name != NULL ? join(dir, name) : strdup(dir);

	if (p == NULL)
		return;
	if (W.ninval == W.cinval) {
		size_t n = W.cinval * 2 + 64;
		char **v = realloc(W.inval, n * sizeof(*v));

		if (v == NULL) {
			free(p);
			return;
		}
		W.inval = v;
		W.cinval = n;
	}
	W.inval[W.ninval++] = p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Invalidate each queued path once. */
static void flush_inval(void)
{
	if (W.ninval == 0)
		return;
	qsort(W.inval, W.ninval, sizeof(*W.inval), cmp_str);
	for (size_t i = 0; i < W.ninval; i++) {
		if (i == 0 || strcmp(W.inval[i], W.inval[i - 1]) != 0)
			kinval_path(W.fs, W.inval[i]);
	}
	for (size_t i = 0; i < W.ninval; i++)
		free(W.inval[i]);
	W.ninval = 0;
}

static int is_hard_link(const char *dir, const char *name)
{
	char *p = join(dir, name);
	struct stat st;
	int r = p != NULL && backing_stat(&W.fs->b, p, &st) == 0 && !S_ISDIR(st.st_mode) &&
		st.st_nlink > 1;

	free(p);
	return r;
}

/* One event. *epoch: every entry must be looked up again; *rewalk: the
 * paths of watched directories changed. */
static void handle(const struct inotify_event *ev, int *epoch, int *rewalk)
{
	const char *dir = ev->wd >= 0 && (size_t)ev->wd < W.ndirs ? W.dirs[ev->wd] : NULL;

	if (ev->mask & IN_Q_OVERFLOW) {
		*epoch = *rewalk = 1;
		return;
	}
	if (dir == NULL)
		return;
	if (ev->mask & IN_IGNORED) {          /* the directory is gone */
		free(W.dirs[ev->wd]);
		W.dirs[ev->wd] = NULL;
		return;
	}
	if (ev->len == 0 || ev->name[0] == '\0') {   /* the directory itself */
		queue_inval(dir, NULL);
		return;
	}
	if (names_is_internal(ev->name))
		return;
	queue_inval(dir, ev->name);
	if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
		queue_inval(dir, NULL);        /* its mtime, nlink, size */
	/* A name gone: its cached dentry (and, for a hard link, the link count
	 * cached under the other names) must go. Below the root the kernel can
	 * only be told so for every entry at once. */
	if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
		if (strcmp(dir, "/") == 0)
			kinval_entry(W.fs, dir, ev->name);
		*epoch = 1;
	}
	if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && !(ev->mask & IN_ISDIR) && !*epoch &&
	    is_hard_link(dir, ev->name))
		*epoch = 1;       /* the other names' link count */
	if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_MOVED_FROM | IN_MOVED_TO))) {
		*rewalk = 1;
		*epoch = 1;       /* entries below it were cached under its old name */
	}
	if ((ev->mask & IN_ISDIR) && (ev->mask & IN_CREATE)) {
		char *p = join(dir, ev->name);

		if (p != NULL)
			watch_path(p);
		free(p);
	}
}

static void read_batch(void)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	int epoch = 0, rewalk = 0;
	ssize_t n;

	/* drain what is queued, then act once */
	while ((n = read(W.ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			handle(ev, &epoch, &rewalk);
			p += sizeof(*ev) + ev->len;
		}
	}
	/* the kernel first (a reader may be waiting), then our own state */
	flush_inval();
	if (epoch)
		kinval_all_entries(W.fs);
	if (rewalk) {
		backing_forget_dirs(&W.fs->b);
		watch_path("/");
	}
	if (W.full) {
		kinval_degrade("SRC is not watched completely");
		kinval_all_entries(W.fs);
	}
}

/* Run as soon as an event is queued, ahead of the process that made the
 * change (it may stat the mount next): a real-time thread when we may
 * (root / CAP_SYS_NICE); its work per event is bounded and small. */
static void go_realtime(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) != 0)
		sopsfs_log("watcher runs at normal priority: a change in SRC may reach "
			   "the kernel's caches a scheduling delay late");
}

static void *watch_main(void *arg)
{
	struct pollfd p[2] = { { .fd = W.ifd, .events = POLLIN }, { .fd = W.efd, .events = POLLIN } };

	(void)arg;
	/* Watch every directory of SRC (the mount is up meanwhile, with 1 s
	 * kernel timeouts: kinval.h); events from those done queue up. */
	watch_path("/");
	if (W.full) {
		kinval_degrade("SRC is not watched completely");
		kinval_all_entries(W.fs);
	} else {
		kinval_ready();
	}
	go_realtime();
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents)
			read_batch();
	}
	return NULL;
}

void watch_start(struct sopsfs *fs)
{
	W.fs = fs;
	if (kinval_all_entries(fs) != 0)       /* probe: the kernel knows the epoch */
		return;
	W.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	W.efd = eventfd(0, EFD_CLOEXEC);
	if (W.ifd < 0 || W.efd < 0) {
		kinval_degrade("inotify is not available");
		return;
	}
	W.running = pthread_create(&W.th, NULL, watch_main, NULL) == 0;
	if (!W.running)
		kinval_degrade("no watcher thread");
}

void watch_stop(void)
{
	uint64_t one = 1;

	if (W.running && write(W.efd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		pthread_join(W.th, NULL);
	W.running = 0;
	if (W.ifd >= 0)
		close(W.ifd);
	if (W.efd >= 0)
		close(W.efd);
	W.ifd = W.efd = -1;
	for (size_t i = 0; i < W.ndirs; i++)
		free(W.dirs[i]);
	free(W.dirs);
	free(W.inval);
	W.dirs = NULL;
	W.inval = NULL;
	W.ndirs = W.ninval = W.cinval = 0;
}
