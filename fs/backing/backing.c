/* backing.c - resolve FUSE paths below SRC without following symlinks. */
#include "backing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* Without openat2 (kernels before 5.6, valgrind): the same rules by a walk
 * of one component at a time, each opened with O_NOFOLLOW, ".." refused
 * (as RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS would). */
static int walk_beneath(int dirfd, const char *path, int flags, int mode)
{
	char comp[NAME_MAX + 1];
	const char *p = path;
	int fd = dirfd, nfd;

	for (;;) {
		size_t n = strcspn(p, "/");
		int last = p[n] == '\0';

		if (n > NAME_MAX) {
			nfd = -1;
			errno = ENAMETOOLONG;
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			nfd = -1;
			errno = EXDEV;
		} else {
			memcpy(comp, n ? p : ".", n ? n : 1);
			comp[n ? n : 1] = '\0';
			nfd = last ? openat(fd, comp, flags | O_NOFOLLOW, mode)
				   : openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0 && errno == ENOTDIR && !last)
				errno = ELOOP;   /* a symlink in the middle */
		}
		if (fd != dirfd) {
			int e = errno;

			close(fd);
			errno = e;
		}
		if (nfd < 0 || last)
			return nfd;
		fd = nfd;
		p += n + 1;
	}
}

static int sys_openat2(int dirfd, const char *path, int flags, int mode, unsigned long long resolve)
{
	static int no_openat2;
	struct open_how how;
	int fd;

	if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)flags;
		how.mode = (unsigned long long)mode;
		how.resolve = resolve;
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
	}
	return walk_beneath(dirfd, path, flags, mode);
}

#define RESOLVE_SAFE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* openat2 below dirfd with RESOLVE_SAFE; a path longer than the kernel
 * takes in one call (the mount's path is longer than the caller's relative
 * one) is walked in pieces that end at a '/'. -1 with errno on failure. */
static int open_beneath(int dirfd, const char *path, int flags, int mode)
{
	char piece[PATH_MAX];
	size_t len = strlen(path);
	int fd = dirfd, rc, saved;

	while (len >= PATH_MAX - 1) {
		size_t cut = PATH_MAX - 2;
		int next;

		while (cut > 0 && path[cut] != '/')
			cut--;
		if (cut == 0) {
			errno = ENAMETOOLONG;
			next = -1;
		} else {
			memcpy(piece, path, cut);
			piece[cut] = '\0';
			next = sys_openat2(fd, piece, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_SAFE);
		}
		saved = errno;
		if (fd != dirfd)
			close(fd);
		errno = saved;
		if (next < 0)
			return -1;
		fd = next;
		path += cut + 1;
		len -= cut + 1;
	}
	rc = sys_openat2(fd, path, flags, mode, RESOLVE_SAFE);
	saved = errno;
	if (fd != dirfd)
		close(fd);
	errno = saved;
	return rc;
}

#define DC_SLOTS 256
#define DC_TTL_NS 1000000000LL

struct dc_slot {
	char *dir;              /* path of the directory below SRC ("" = root) */
	int fd;
	long long loaded;       /* CLOCK_MONOTONIC_COARSE ns */
};

struct dircache {
	pthread_rwlock_t lk;     /* read: using a slot's fd; write: (re)loading */
	struct dc_slot slot[DC_SLOTS];
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static size_t dc_hash(const char *s, size_t n)
{
	size_t h = 5381;

	for (size_t i = 0; i < n; i++)
		h = h * 33 + (unsigned char)s[i];
	return h % DC_SLOTS;
}

static void dc_drop(struct dc_slot *s)
{
	if (s->dir != NULL) {
		close(s->fd);
		free(s->dir);
	}
	s->dir = NULL;
	s->fd = -1;
}

void backing_forget_dirs(const struct backing *b)
{
	if (b->dc == NULL)
		return;
	pthread_rwlock_wrlock(&b->dc->lk);
	for (size_t i = 0; i < DC_SLOTS; i++)
		dc_drop(&b->dc->slot[i]);
	pthread_rwlock_unlock(&b->dc->lk);
}

/* The slot of path's parent directory (n bytes of path) if it is loaded
 * and fresh, else NULL. Lock held. */
static struct dc_slot *dc_hit(const struct backing *b, const char *path, size_t n, long long t)
{
	struct dc_slot *s = &b->dc->slot[dc_hash(path, n)];

	return s->dir != NULL && strlen(s->dir) == n && memcmp(s->dir, path, n) == 0 &&
	       t - s->loaded < DC_TTL_NS ? s : NULL;
}

/* (Re)load the slot of path's parent directory. Write lock held. */
static int dc_load(const struct backing *b, const char *path, size_t n, long long t)
{
	struct dc_slot *s = &b->dc->slot[dc_hash(path, n)];

	dc_drop(s);
	s->dir = strndup(path, n);
	if (s->dir == NULL)
		return -ENOMEM;
	s->fd = open_beneath(b->rootfd, s->dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (s->fd < 0) {
		int e = errno == ELOOP || errno == EXDEV ? ENOENT : errno;

		free(s->dir);
		s->dir = NULL;
		return -e;
	}
	s->loaded = t;
	return s->fd;
}

/* The fd of path's parent directory from the cache, or -errno; the cache
 * stays locked (dc_leave) while the caller uses the fd. A hit only reads
 * the cache, so threads looking at SRC at once do not wait on each other's
 * system calls; a miss reloads the slot under the write lock. */
static int dc_parent(const struct backing *b, const char *path, const char **name)
{
	const char *slash;
	size_t n;
	struct dc_slot *s;
	long long t = now_ns();

	while (*path == '/')
		path++;
	slash = strrchr(path, '/');
	*name = slash ? slash + 1 : (*path ? path : ".");
	n = slash ? (size_t)(slash - path) : 0;
	pthread_rwlock_rdlock(&b->dc->lk);
	if (n == 0)
		return b->rootfd;
	if ((s = dc_hit(b, path, n, t)) != NULL)
		return s->fd;
	pthread_rwlock_unlock(&b->dc->lk);
	pthread_rwlock_wrlock(&b->dc->lk);
	s = dc_hit(b, path, n, t);      /* another thread may have loaded it */
	return s != NULL ? s->fd : dc_load(b, path, n, t);
}

static void dc_leave(const struct backing *b)
{
	pthread_rwlock_unlock(&b->dc->lk);
}

int backing_stat(const struct backing *b, const char *path, struct stat *st)
{
	const char *name;
	int fd, rc;

	fd = dc_parent(b, path, &name);
	rc = fd < 0 ? fd : fstatat(fd, name, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
	dc_leave(b);
	return rc;
}

/* lgetxattr(2) of path itself through its cached parent: one system call
 * (the magic link of the parent's O_PATH fd is crossed, the last component
 * is not followed). */
int backing_getxattr(const struct backing *b, const char *path, const char *attr,
		     void *buf, size_t size)
{
	char proc[64 + NAME_MAX + 2];
	const char *name;
	ssize_t n;
	int fd;

	fd = dc_parent(b, path, &name);
	if (fd >= 0 && strlen(name) > NAME_MAX)
		fd = -ENAMETOOLONG;
	if (fd >= 0) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", fd, name);
		n = lgetxattr(proc, attr, buf, size);
		fd = n < 0 ? -errno : n > INT_MAX ? -E2BIG : (int)n;
	}
	dc_leave(b);
	return fd;
}

int backing_open_file(const struct backing *b, const char *path, int flags)
{
	const char *name;
	int fd, rc;

	if (flags & (O_CREAT | O_TMPFILE))
		return -EINVAL;
	fd = dc_parent(b, path, &name);
	rc = fd < 0 ? fd : openat(fd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && rc < 0)
		rc = -errno;
	dc_leave(b);
	return rc;
}

int backing_open(struct backing *b, const char *src)
{
	b->root = realpath(src, NULL);
	if (b->root == NULL)
		return -errno;
	b->rootfd = open(b->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	b->dc = calloc(1, sizeof(*b->dc));
	if (b->rootfd < 0 || b->dc == NULL) {
		int e = b->rootfd < 0 ? errno : ENOMEM;

		if (b->rootfd >= 0)
			close(b->rootfd);
		free(b->dc);
		free(b->root);
		b->root = NULL;
		b->dc = NULL;
		return -e;
	}
	pthread_rwlock_init(&b->dc->lk, NULL);
	for (size_t i = 0; i < DC_SLOTS; i++)
		b->dc->slot[i].fd = -1;
	return 0;
}

void backing_close(struct backing *b)
{
	if (b->dc != NULL) {
		backing_forget_dirs(b);
		pthread_rwlock_destroy(&b->dc->lk);
		free(b->dc);
		b->dc = NULL;
	}
	if (b->rootfd >= 0)
		close(b->rootfd);
	free(b->root);
	b->rootfd = -1;
	b->root = NULL;
}

int backing_parent(const struct backing *b, const char *path, const char **name)
{
	char *dir;
	const char *slash;
	size_t n;
	int fd;

	while (*path == '/')
		path++;
	if (*path == '\0') {
		*name = ".";
		fd = fcntl(b->rootfd, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}
	slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	if (slash == NULL) {
		fd = fcntl(b->rootfd, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}
	n = (size_t)(slash - path);
	dir = strndup(path, n);
	if (dir == NULL)
		return -ENOMEM;
	fd = open_beneath(b->rootfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	free(dir);
	if (fd < 0)
		return errno == ELOOP || errno == EXDEV ? -ENOENT : -errno;
	return fd;
}

int backing_open_path(const struct backing *b, const char *path, int flags, int mode)
{
	int fd;

	while (*path == '/')
		path++;
	fd = open_beneath(b->rootfd, *path ? path : ".", flags | O_NOFOLLOW | O_CLOEXEC,
			  (flags & (O_CREAT | O_TMPFILE)) ? mode : 0);
	if (fd < 0)
		return errno == EXDEV ? -ENOENT : -errno;
	return fd;
}

/* Read fd to its end into a heap buffer (at most max bytes, -EFBIG above),
 * expecting about hint bytes: a regular file of the size the caller just
 * saw takes one read(2). A short read is the end of a regular file. */
static int read_fd(int fd, size_t max, size_t hint, char **data, size_t *len)
{
	size_t cap = (hint < max ? hint : max) + 1, n = 0;
	char *d = malloc(cap + 1), *nd;

	if (d == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t r = read(fd, d + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(d);
			return -errno;
		}
		n += (size_t)r;
		if (n < cap)
			break;                  /* short: the end */
		if (cap > max) {
			free(d);
			return -EFBIG;
		}
		cap = cap > max / 2 ? max + 1 : cap * 2;   /* it grew meanwhile */
		if ((nd = realloc(d, cap + 1)) == NULL) {
			free(d);
			return -ENOMEM;
		}
		d = nd;
	}
	d[n] = '\0';
	*data = d;
	*len = n;
	return 0;
}

int backing_read_file(const struct backing *b, const char *path, size_t max, size_t hint,
		      char **data, size_t *len)
{
	/* through the parent's cached fd: one component to resolve */
	int fd = backing_open_file(b, path, O_RDONLY), rc;

	if (fd < 0)
		return fd;
	rc = read_fd(fd, max, hint, data, len);
	close(fd);
	return rc == -EISDIR ? -EINVAL : rc;
}

int backing_read_all(const struct backing *b, const char *path, size_t max,
		     char **data, size_t *len)
{
	int fd = backing_open_file(b, path, O_RDONLY), rc;
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = -EINVAL;
	else if ((size_t)st.st_size > max)
		rc = -EFBIG;
	else
		rc = read_fd(fd, max, (size_t)st.st_size, data, len);
	close(fd);
	return rc;
}
