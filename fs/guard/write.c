/* write.c - the leak guard on writes to ordinary files in SRC (the
 * passthrough path): each write is scanned together with the file bytes
 * around it (read through a second, read-only fd when the handle is
 * write-only), and a write that ends with the first bytes of a value is
 * held back until the next write, fsync or close (see guard.h).
 * A handle that shortens its file (an editor writing in place: ftruncate,
 * then write; a writer's O_TRUNC, which fs/fuse/ops_file.c turns into an
 * ftruncate after the open) keeps the bytes it cut; a refused write puts
 * them back, so a refused save leaves the file as it was instead of empty. */
#include "guard.h"
#include "guard_int.h"
#include "../fuse/sopsfs.h"
#include "../../common/secure_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* Per open file: held-back bytes and a read fd for context. */
struct guard_hold {
	off_t off;
	size_t len;                  /* 0: nothing held */
	uint8_t *d;                  /* locked memory */
	int rfd;                     /* -1: not opened; -2: use the handle's fd */
	uint8_t *undo;               /* the file before this handle truncated it */
	size_t undo_len;
	int has_undo;
};

static void hold_clear(struct guard_hold *h)
{
	if (h == NULL)
		return;
	sm_free(h->d);
	h->d = NULL;
	h->len = 0;
}

void guard_hold_free(struct guard_hold **hold)
{
	if (*hold == NULL)
		return;
	hold_clear(*hold);
	free((*hold)->undo);
	if ((*hold)->rfd >= 0)
		close((*hold)->rfd);
	free(*hold);
	*hold = NULL;
}

int guard_hold_flush(int fd, struct guard_hold **hold)
{
	struct guard_hold *h = *hold;
	ssize_t n;

	if (h == NULL || h->len == 0)
		return 0;
	n = pwrite(fd, h->d, h->len, h->off);
	hold_clear(h);
	return n < 0 ? -errno : 0;
}

static struct guard_hold *hold_get(struct guard_hold **hold)
{
	if (*hold == NULL && (*hold = calloc(1, sizeof(**hold))) != NULL)
		(*hold)->rfd = -1;
	return *hold;
}

/* The fd to read context from: the handle's own unless it is write-only. */
static int read_fd(struct sopsfs *fs, const char *path, int fd, struct guard_hold *h)
{
	int fl;

	if (h->rfd == -1) {
		fl = fcntl(fd, F_GETFL);
		h->rfd = fl >= 0 && (fl & O_ACCMODE) != O_WRONLY ? -2
			: backing_open_path(&fs->b, path, O_RDONLY, 0);
		if (h->rfd < -2)
			h->rfd = -3;        /* cannot: no context (held bytes still work) */
	}
	return h->rfd == -2 ? fd : h->rfd;
}

/* Read up to n bytes of fd at off into p; the count (0 on errors). */
static size_t read_ctx(int fd, uint8_t *p, size_t n, off_t off)
{
	ssize_t r = fd >= 0 && n ? pread(fd, p, n, off) : 0;

	return r > 0 ? (size_t)r : 0;
}

static int hold_bytes(struct guard_hold *h, const uint8_t *p, size_t n, off_t off)
{
	if ((h->d = sm_alloc(n)) == NULL)
		return -ENOMEM;
	memcpy(h->d, p, n);
	h->len = n;
	h->off = off;
	return 0;
}

/* Scan [before | held + new | after] and write what is safe. Held bytes
 * stay apart from the write (no copy of it) when it is at least as long as
 * the longest value, so that an end which may start one lies in it: they
 * are scanned with the file's bytes before them, then end the context
 * before the write, and both go out with one pwritev. Before a shorter
 * write they are joined with it. Guard read lock held. */
static int checked_write(struct sopsfs *fs, const char *path, int fd, struct guard_hold *h,
			 const uint8_t *buf, size_t size, off_t off)
{
	size_t ctx = guard_context_len(fs->guard), asked = size, hl, n, nb, nc, na, tail;
	uint8_t *ctxb, *joined = NULL;
	struct iovec iov[2];
	off_t base;
	ssize_t w;
	int rc, rfd = read_fd(fs, path, fd, h);

	if (h->len > 0 && (size < gindex_maxlen(fs->guard->ix) || h->len > ctx)) {
		if ((joined = sm_alloc(h->len + size)) == NULL)
			return -ENOMEM;
		memcpy(joined, h->d, h->len);
		memcpy(joined + h->len, buf, size);
		off = h->off;
		size += h->len;
		buf = joined;
		hold_clear(h);
	}
	hl = h->len;
	n = hl + size;
	base = hl ? h->off : off;
	if ((ctxb = sm_alloc(3 * ctx)) == NULL) {    /* [before | held] [after] */
		sm_free(joined);
		return -ENOMEM;
	}
	nb = (size_t)base < ctx ? (size_t)base : ctx;
	if (read_ctx(rfd, ctxb, nb, base - (off_t)nb) != nb)
		nb = 0;                 /* a hole or a short file: no context */
	if (hl > 0)
		memcpy(ctxb + nb, h->d, hl);
	nc = nb + hl < ctx ? nb + hl : ctx;     /* the context before the write */
	na = read_ctx(rfd, ctxb + 2 * ctx, ctx, off + (off_t)size);
	rc = hl > 0 ? guard_scan_parts(fs, path, ctxb, nb, h->d, hl, NULL, 0) : 0;
	if (rc == 0)
		rc = guard_scan_parts(fs, path, ctxb + nb + hl - nc, nc, buf, size,
				      ctxb + 2 * ctx, na);
	sm_free(ctxb);
	if (rc == 0) {
		/* a write at the end that starts a value waits for the next one */
		tail = hl + (na == 0 && fs->guard->mode == LEAK_DENY
			     ? gindex_tail(fs->guard->ix, buf, size, 0) : size);
		iov[0] = (struct iovec){ h->d, hl };
		iov[1] = (struct iovec){ (void *)buf, tail - hl };
		w = tail > 0 ? pwritev(fd, iov, 2, base) : 0;
		rc = w < 0 ? -errno : (size_t)w != tail ? -EIO : 0;
	}
	hold_clear(h);              /* refused: the value's start goes too */
	if (rc == 0 && tail < n)
		rc = hold_bytes(h, buf + (tail - hl), n - tail, base + (off_t)tail);
	sm_free(joined);
	return rc == 0 ? (int)asked : rc;
}

/* A refused write: put back what this handle's truncation cut (those bytes
 * were in SRC already), once. */
static void undo_truncate(int fd, struct guard_hold *h)
{
	if (pwrite(fd, h->undo, h->undo_len, 0) == (ssize_t)h->undo_len &&
	    ftruncate(fd, (off_t)h->undo_len) == 0)
		sopsfs_log("leak guard: the refused write's truncation was undone");
	free(h->undo);
	h->undo = NULL;
	h->has_undo = 0;
}

int guard_pwrite(struct sopsfs *fs, const char *path, int fd, struct guard_hold **hold,
		 const void *buf, size_t size, off_t off, int append)
{
	struct guard_hold *h = *hold;
	int rc;

	if (!guard_active(fs) && (h == NULL || h->len == 0)) {
		ssize_t n = pwrite(fd, buf, size, off);

		return n < 0 ? -errno : (int)n;
	}
	if (append) {
		struct stat st;

		if (fstat(fd, &st) != 0)
			return -errno;
		off = st.st_size + (off_t)(h ? h->len : 0);
	}
	if (h != NULL && h->len > 0 && h->off + (off_t)h->len != off &&
	    (rc = guard_hold_flush(fd, hold)) != 0)
		return rc;
	pthread_rwlock_rdlock(&fs->guard->lk);
	if (gindex_count(fs->guard->ix) == 0 && (h == NULL || h->len == 0)) {
		ssize_t n = pwrite(fd, buf, size, off);

		rc = n < 0 ? -errno : (int)n;
	} else if ((h = hold_get(hold)) == NULL) {
		rc = -ENOMEM;
	} else {
		rc = checked_write(fs, path, fd, h, buf, size, off);
	}
	pthread_rwlock_unlock(&fs->guard->lk);
	if (rc == -EACCES && h != NULL && h->has_undo)
		undo_truncate(fd, h);
	return rc;
}

int guard_ftruncate(struct sopsfs *fs, const char *path, int fd, struct guard_hold **hold,
		    off_t size)
{
	struct guard_hold *h;
	struct stat st;

	if (guard_active(fs) && (*hold == NULL || !(*hold)->has_undo) && fstat(fd, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size > size && (size_t)st.st_size <= fs->o.max_file &&
	    (h = hold_get(hold)) != NULL && (h->undo = malloc((size_t)st.st_size)) != NULL) {
		int rfd = read_fd(fs, path, fd, h);

		if (rfd >= 0 && pread(rfd, h->undo, (size_t)st.st_size, 0) == st.st_size) {
			h->undo_len = (size_t)st.st_size;
			h->has_undo = 1;
		} else {
			free(h->undo);
			h->undo = NULL;
		}
	}
	return ftruncate(fd, size) == 0 ? 0 : -errno;
}
