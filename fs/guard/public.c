/* public.c - which guarded values already appear in a plain file of SRC?
 * (Those are not secrets the guard has to keep out: a README naming a host
 * is no leak.)
 *
 * One walk of SRC answers for every value at once: below its root fd,
 * without following symlinks, skipping .git directories and files larger
 * than max_file, each regular file is read in chunks (overlapping by the
 * longest value less one byte) and scanned with the guard's own index;
 * every value found is marked public. The walk stops after
 * PUBLIC_MAX_FILES files or PUBLIC_MAX_BYTES bytes (values not found by
 * then count as secret). Run only when a write contains a value not
 * decided yet (new since the last walk) or decided over PUBLIC_TTL ago
 * (guard.c).
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
#define CHUNK (256 * 1024)

struct walk {
	struct gindex *ix;
	size_t files, bytes, max_file, ctx;
	uint8_t *buf;            /* ctx + CHUNK */
	int stop;
};

static int mark_public(void *arg, struct gval *v, const uint8_t *at)
{
	(void)arg;
	(void)at;
	v->pub = GPUB_PUBLIC;
	return 0;
}

static void scan_file(struct walk *w, int fd)
{
	size_t keep = 0;

	for (;;) {
		ssize_t n = read(fd, w->buf + keep, CHUNK);

		if (n <= 0)
			return;
		w->bytes += (size_t)n;
		gindex_scan(w->ix, w->buf, keep + (size_t)n, keep, keep + (size_t)n, mark_public, w);
		keep += (size_t)n;
		if (keep > w->ctx) {
			memmove(w->buf, w->buf + keep - w->ctx, w->ctx);
			keep = w->ctx;
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
	while (!w->stop && (de = readdir(d)) != NULL) {
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
		} else if (S_ISREG(st.st_mode) && st.st_size >= 8 &&
			   (size_t)st.st_size <= w->max_file) {
			if (++w->files > PUBLIC_MAX_FILES) {
				w->stop = 1;
				break;
			}
			fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				scan_file(w, fd);
				close(fd);
			}
		}
	}
	closedir(d);
}

void guard_public_sweep(struct sopsfs *fs, struct gindex *ix)
{
	struct walk w = { ix, 0, 0, fs->o.max_file, 0, NULL, 0 };
	size_t maxlen = gindex_maxlen(ix);
	int fd;

	gindex_mark_all(ix, GPUB_SECRET);
	w.ctx = maxlen > 0 ? maxlen - 1 : 0;
	w.buf = malloc(w.ctx + CHUNK);
	fd = openat(fs->b.rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.buf != NULL && fd >= 0)
		walk_dir(&w, fd, 0);
	else if (fd >= 0)
		close(fd);
	if (w.buf != NULL)
		explicit_bzero(w.buf, w.ctx + CHUNK);
	free(w.buf);
}
