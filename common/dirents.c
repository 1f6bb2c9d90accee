/* dirents.c - read a directory's entries with getdents64(2) (dirents.h). */
#include "dirents.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIRENTS_BUF 16384

struct dirents {
	int fd;
	size_t pos, len;        /* next entry at buf + pos; len bytes read */
	char buf[DIRENTS_BUF];
};

struct dirents *dirents_open(int fd)
{
	struct dirents *d;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	if ((d = malloc(sizeof(*d))) == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	d->fd = fd;
	d->pos = d->len = 0;
	return d;
}

const struct dirent64 *dirents_next(struct dirents *d)
{
	const struct dirent64 *de;

	if (d->pos >= d->len) {
		ssize_t n = getdents64(d->fd, d->buf, sizeof(d->buf));

		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return NULL;
		}
		d->pos = 0;
		d->len = (size_t)n;
	}
	de = (const struct dirent64 *)(const void *)(d->buf + d->pos);
	d->pos += de->d_reclen;
	return de;
}

int dirents_fd(const struct dirents *d)
{
	return d->fd;
}

int dirents_is_dir(const struct dirents *d, const struct dirent64 *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(d->fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

void dirents_close(struct dirents *d)
{
	if (d == NULL)
		return;
	close(d->fd);
	free(d);
}
