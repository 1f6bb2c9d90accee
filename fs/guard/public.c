/* public.c - is a value already in a plain file of SRC? (Then it is not a
 * secret the guard has to keep out: a README naming a host is no leak.)
 *
 * Walks SRC below its root fd without following symlinks, skipping .git
 * directories and files larger than max_file, reading each regular file in
 * chunks (overlapping by len - 1 bytes) and searching it with memmem. The
 * walk stops after PUBLIC_MAX_FILES files or PUBLIC_MAX_BYTES bytes (the
 * value then counts as secret). Only run when a write matched a value.
 */
#include "public.h"
#include "../fuse/sopsfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PUBLIC_MAX_FILES 50000
#define PUBLIC_MAX_BYTES ((size_t)1 << 30)
#define PUBLIC_MAX_DEPTH 64
#define CHUNK (64 * 1024)

struct walk {
	const uint8_t *v;
	size_t len, files, bytes, max_file;
	uint8_t *buf;            /* CHUNK + len */
	int found, stop;
};

static void search_file(struct walk *w, int fd)
{
	size_t keep = 0;

	for (;;) {
		ssize_t n = read(fd, w->buf + keep, CHUNK);

		if (n <= 0)
			return;
		w->bytes += (size_t)n;
		if (memmem(w->buf, keep + (size_t)n, w->v, w->len) != NULL) {
			w->found = 1;
			return;
		}
		keep += (size_t)n;
		if (keep >= w->len) {
			memmove(w->buf, w->buf + keep - (w->len - 1), w->len - 1);
			keep = w->len - 1;
		}
		if (w->bytes > PUBLIC_MAX_BYTES) {
			w->stop = 1;
			return;
		}
	}
}

static void walk_dir(struct walk *w, int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (d == NULL) {
		close(dfd);
		return;
	}
	while (!w->found && !w->stop && (de = readdir(d)) != NULL) {
		struct stat st;
		int fd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < PUBLIC_MAX_DEPTH) {
			fd = openat(dirfd(d), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				walk_dir(w, fd, depth + 1);
		} else if (S_ISREG(st.st_mode) && (size_t)st.st_size >= w->len &&
			   (size_t)st.st_size <= w->max_file) {
			if (++w->files > PUBLIC_MAX_FILES) {
				w->stop = 1;
				break;
			}
			fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				search_file(w, fd);
				close(fd);
			}
		}
	}
	closedir(d);
}

int guard_public(struct sopsfs *fs, const uint8_t *v, size_t len)
{
	struct walk w = { v, len, 0, 0, fs->o.max_file, NULL, 0, 0 };
	int fd;

	if (len == 0)
		return 1;
	w.buf = malloc(CHUNK + len);
	fd = openat(fs->b.rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.buf == NULL || fd < 0) {
		free(w.buf);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	walk_dir(&w, fd, 0);
	explicit_bzero(w.buf, CHUNK + len);
	free(w.buf);
	return w.found;
}
