/* backing.c - resolve FUSE paths below SRC without following symlinks. */
#include "backing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_openat2(int dirfd, const char *path, int flags, int mode, unsigned long long resolve)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)flags;
	how.mode = (unsigned long long)mode;
	how.resolve = resolve;
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

#define RESOLVE_SAFE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

int backing_open(struct backing *b, const char *src)
{
	b->root = realpath(src, NULL);
	if (b->root == NULL)
		return -errno;
	b->rootfd = open(b->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->rootfd < 0) {
		int e = errno;

		free(b->root);
		b->root = NULL;
		return -e;
	}
	return 0;
}

void backing_close(struct backing *b)
{
	if (b->rootfd >= 0)
		close(b->rootfd);
	free(b->root);
	b->rootfd = -1;
	b->root = NULL;
}

int backing_parent(const struct backing *b, const char *path, const char **name)
{
	char dir[PATH_MAX];
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
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	fd = sys_openat2(b->rootfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_SAFE);
	if (fd < 0)
		return errno == ELOOP || errno == EXDEV ? -ENOENT : -errno;
	return fd;
}

int backing_open_path(const struct backing *b, const char *path, int flags, int mode)
{
	int fd;

	while (*path == '/')
		path++;
	fd = sys_openat2(b->rootfd, *path ? path : ".", flags | O_NOFOLLOW | O_CLOEXEC,
			 (flags & (O_CREAT | O_TMPFILE)) ? mode : 0, RESOLVE_SAFE);
	if (fd < 0)
		return errno == EXDEV ? -ENOENT : -errno;
	return fd;
}

int backing_read_all(const struct backing *b, const char *path, size_t max,
		     char **data, size_t *len)
{
	int fd = backing_open_path(b, path, O_RDONLY, 0);
	struct stat st;
	char *d;
	size_t n = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	d = malloc((size_t)st.st_size + 1);
	if (d == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, d + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	d[n] = '\0';
	*data = d;
	*len = n;
	return 0;
}
