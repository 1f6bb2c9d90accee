/* ops_read.c - reads.
 *
 * An ordinary file's read hands libfuse the backing fd and offset, and
 * libfuse splices the pages from SRC's page cache into /dev/fuse (no copy
 * through the daemon; speed: a 100 MB file reads as fast as a passthrough).
 * A SOPS file's read copies from its decrypted view (or draft) under the
 * entry's lock; a view dropped since the open is rebuilt first. On a
 * read-only mount the kernel opens files itself (-o ro, fs/cache/kinval.h):
 * a read then comes without a handle and opens one for itself.
 */
#include "ops.h"
#include "../backing/backing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A file that settled while open: its bytes are in SRC now (fd opened
 * under the entry's lock, read without it). */
static ssize_t read_settled(int fd, char *buf, size_t size, off_t off)
{
	ssize_t n;

	if (fd < 0)
		return fd;
	n = pread(fd, buf, size, off);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/* Copy up to size bytes at off of the entry's content into buf. */
static ssize_t read_entry(struct ent *e, char *buf, size_t size, off_t off)
{
	const uint8_t *d;
	size_t len;
	ssize_t n = 0;

	ent_lock(e);
	if (!e->has_draft && !e->virt && !e->pending && e->view == NULL) {
		/* the view was evicted: rebuild it */
		struct stat st;
		const char *name;
		int dfd = backing_parent(&sopsfs_g->b, e->path, &name);

		if (dfd >= 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			ent_refresh(sopsfs_g, e, &st);
		if (dfd >= 0)
			close(dfd);
		if (e->kind == VF_PLAIN) {
			int fd = backing_open_file(&sopsfs_g->b, e->path, O_RDONLY);

			pthread_mutex_unlock(&e->mu);
			return read_settled(fd, buf, size, off);
		}
	}
	d = ent_data(e, &len);
	if ((size_t)off < len) {
		n = (ssize_t)(len - (size_t)off < size ? len - (size_t)off : size);
		memcpy(buf, d + off, (size_t)n);
	}
	e->view_used = time(NULL);
	pthread_mutex_unlock(&e->mu);
	return n;
}

/* Copy up to size bytes at off through h (its entry, or its fd) into a new
 * buffer vector of one memory buffer (*bufp); libfuse frees that buffer
 * after the reply, as it does its own for a plain read callback. */
static int copy_out(struct handle *h, struct fuse_bufvec **bufp, size_t size, off_t off)
{
	struct fuse_bufvec *bv = malloc(sizeof(*bv));
	ssize_t n = -ENOMEM;

	if (bv == NULL)
		return -ENOMEM;
	*bv = FUSE_BUFVEC_INIT(size);
	bv->buf[0].mem = malloc(size > 0 ? size : 1);
	if (bv->buf[0].mem != NULL && h->e != NULL)
		n = read_entry(h->e, bv->buf[0].mem, size, off);
	else if (bv->buf[0].mem != NULL && (n = pread(h->fd, bv->buf[0].mem, size, off)) < 0)
		n = -errno;
	if (n < 0) {
		free(bv->buf[0].mem);
		free(bv);
		return (int)n;
	}
	bv->buf[0].size = (size_t)n;
	*bufp = bv;
	return 0;
}

/* Read through an open handle: an ordinary file's fd goes to libfuse,
 * which splices from it; an entry's bytes are copied. */
static int read_handle(struct handle *h, struct fuse_bufvec **bufp, size_t size, off_t off)
{
	struct fuse_bufvec *bv;

	if (h->e != NULL)
		return copy_out(h, bufp, size, off);
	if ((bv = malloc(sizeof(*bv))) == NULL)
		return -ENOMEM;
	*bv = FUSE_BUFVEC_INIT(size);
	bv->buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv->buf[0].fd = h->fd;
	bv->buf[0].pos = off;
	*bufp = bv;
	return 0;
}

/* -o ro: the kernel opened the file itself (kinval_skip_opens), so the
 * read comes without a handle. Open one for it: the bytes are copied out
 * (an fd in the vector would be closed before libfuse splices from it). */
static int read_unopened(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off)
{
	struct fuse_file_info fi;
	int rc;

	memset(&fi, 0, sizeof(fi));
	fi.flags = O_RDONLY;
	if ((rc = ops_open_file(path, &fi)) != 0)
		return rc;
	rc = copy_out(FH(&fi), bufp, size, off);
	ops_release_file(path, &fi);
	return rc;
}

static int op_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	if (FH(fi) == NULL)
		return read_unopened(path, bufp, size, off);
	return read_handle(FH(fi), bufp, size, off);
}

void ops_read_fill(struct fuse_operations *ops)
{
	ops->read_buf = op_read_buf;
}
