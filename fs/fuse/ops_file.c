/* ops_file.c - create, open, write, truncate, flush, fsync, release.
 *
 * Ordinary files pass through to an fd in SRC. SOPS files are served from
 * their decrypted view (reads: ops_read.c); opening one for writing starts
 * a draft in locked memory that is committed at fsync, flush and release
 * (fs/writeback/commit.c).
 * Memory-only files (scratch side files, uncommitted new files) live in
 * their entry.
 */
#include "ops.h"
#include "../writeback/commit.h"
#include "../entries/names.h"
#include "../entries/plain.h"
#include "../audit/audit.h"
#include "../cache/kinval.h"        /* speed: -o ro */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct handle *new_handle(int fd, struct ent *e, int writable)
{
	struct handle *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->fd = fd;
	h->e = e;
	h->writable = writable;
	if (e != NULL && writable)
		e->writers++;
	return h;
}

static int is_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/* Resize content (zero-filled growth). e->mu held. */
static int set_size(struct ent *e, size_t n)
{
	if (n > e->content.len) {
		size_t add = n - e->content.len;

		if (buf_reserve(&e->content, add) != 0)
			return -ENOMEM;
		memset(e->content.data + e->content.len, 0, add);
		e->content.len = n;
		e->content.data[n] = '\0';
	} else {
		buf_truncate(&e->content, n);
	}
	clock_gettime(CLOCK_REALTIME, &e->mtime);
	e->ctime = e->mtime;
	e->commit_failed = 0;
	e->gen++;
	return 0;
}

/* Start a draft on a SOPS file from its view. e->mu held. */
static int start_draft(struct sopsfs *fs, struct ent *e)
{
	if (e->has_draft)
		return 0;
	if (ent_load_ident(fs, e) != 0)
		return -EIO;
	buf_truncate(&e->content, 0);
	if (e->view != NULL && buf_add(&e->content, e->view, e->view_len) != 0)
		return -ENOMEM;
	if (e->content.data == NULL && buf_reserve(&e->content, 0) != 0)
		return -ENOMEM;
	e->has_draft = 1;
	e->dirty = 0;
	e->draft_base = e->bid;
	e->has_base = 1;
	return 0;
}

/* Readers of an unchanged view use the kernel page cache (warm reads never
 * reach the daemon); writers, and readers right after a change the kernel
 * may not know yet (its cached size could be stale), use direct I/O. */
static void set_cache_mode(struct ent *e, struct fuse_file_info *fi, int writable)
{
	if (writable || e->has_draft || e->attr_gen != e->gen) {
		fi->direct_io = 1;
		return;
	}
	fi->direct_io = 0;
	fi->keep_cache = e->page_gen == e->gen;
	e->page_gen = e->gen;
}

/* Open an ordinary backing file into a handle; keep: the kernel may keep
 * its cached pages. A writer's O_TRUNC is an ftruncate after the open, so
 * that the leak guard keeps what it cut and a refused write puts it back
 * (`cmd > file` refused leaves the file as it was; fs/guard/write.c). */
static int open_plain(struct sopsfs *fs, const char *path, struct fuse_file_info *fi,
		      int wr, int keep)
{
	int trunc = (fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY;
	int fd = backing_open_file(&fs->b, path,
				   fi->flags & ~(O_CREAT | O_EXCL | (trunc ? O_TRUNC : 0)));
	struct handle *h = fd >= 0 ? new_handle(fd, NULL, wr) : NULL;
	int rc;

	if (fd >= 0 && h == NULL)
		close(fd);
	if (h == NULL)
		return fd < 0 ? fd : -ENOMEM;
	if (trunc && (rc = guard_ftruncate(fs, path, fd, &h->hold, 0)) != 0) {
		guard_hold_free(&h->hold);
		close(fd);
		free(h);
		return rc;
	}
	fi->fh = (uintptr_t)h;
	fi->keep_cache = keep;
	return 0;
}

/* Open a backing regular file that is (or may be) a SOPS file. */
static int open_backing(struct sopsfs *fs, const char *path, struct res *r,
			struct fuse_file_info *fi)
{
	int wr = is_write(fi->flags), rc = 0, keep, drop;
	struct ent *e;

	if (plain_open(fs, path, &r->st, wr, &keep))
		return open_plain(fs, path, fi, wr, keep);
	if ((e = ent_get(fs, path)) == NULL)
		return -ENOMEM;
	ent_lock(e);
	if (!e->has_draft)
		ent_refresh(fs, e, &r->st);
	if (e->kind == VF_ERROR && !e->has_draft) {
		rc = -EIO;
	} else if (e->kind == VF_SOPS || e->has_draft) {
		rc = audit_decrypt_open(fs, path);              /* audit log */
		if (wr && rc == 0)
			rc = start_draft(fs, e);
		if (rc == 0 && (fi->flags & O_TRUNC) && e->content.len > 0) {
			set_size(e, 0);
			e->dirty = 1;
		}
		if (rc == 0) {
			struct handle *h = new_handle(-1, e, wr);

			if (h == NULL) {
				rc = -ENOMEM;
			} else {
				fi->fh = (uintptr_t)h;
				set_cache_mode(e, fi, wr);
				e = NULL;        /* the handle keeps the reference */
			}
		}
	} else {
		/* an unchanged ordinary file keeps its cached pages */
		keep = !wr && e->plain_cached && bident_eq(&e->bid, &e->cached_bid);
		rc = open_plain(fs, path, fi, wr, keep);
		if (rc == 0) {
			e->plain_cached = !wr;
			e->cached_bid = e->bid;
		}
	}
	if (e != NULL) {
		drop = plain_take(fs, e);      /* plain: a record instead */
		pthread_mutex_unlock(&e->mu);
		if (drop)
			ent_remove(fs, e);
		ent_put(fs, e);
	} else {
		pthread_mutex_unlock(&FH(fi)->e->mu);
	}
	return rc;
}

int open_mem(struct ent *e, struct fuse_file_info *fi)
{
	struct handle *h;

	if (e->symlink)
		return -ELOOP;
	ent_lock(e);
	if ((fi->flags & O_TRUNC) && e->content.len > 0) {
		set_size(e, 0);
		e->dirty = 1;
	}
	h = new_handle(-1, ent_ref(e), is_write(fi->flags));
	pthread_mutex_unlock(&e->mu);
	if (h == NULL) {
		ent_put(sopsfs_g, e);
		return -ENOMEM;
	}
	if (h->writable && e->pending && !e->virt) {
		struct fuse_context *c = fuse_get_context();
		struct stat st;

		h->killpriv = c != NULL && c->uid != 0 &&
			      backing_stat(&sopsfs_g->b, e->path, &st) == 0 && setid_bits(&st) != 0;
	}
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	return 0;
}

/* e->pending shares its byte with flags written under e->mu (TSan). */
static int is_pending(struct ent *e)
{
	int p;

	ent_lock(e);
	p = e->pending;
	pthread_mutex_unlock(&e->mu);
	return p;
}

int ops_open_file(const char *path, struct fuse_file_info *fi)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	int rc;

	if (is_write(fi->flags) && names_in_git(path))
		return -EROFS;
	RDLOCK(fs);
	rc = resolve(fs, path, &r);
	if (rc == 0 && r.kind == R_NONE)
		rc = -ENOENT;
	else if (rc == 0 && r.kind == R_VIRT)
		rc = open_mem(r.e, fi);
	else if (rc == 0 && r.e != NULL && is_pending(r.e))
		rc = open_mem(r.e, fi);        /* a new file not settled yet */
	else if (rc == 0 && S_ISREG(r.st.st_mode))
		rc = open_backing(fs, path, &r, fi);
	else if (rc == 0) {
		int fd = backing_open_path(&fs->b, path, fi->flags, 0);
		struct handle *h = fd < 0 ? NULL : new_handle(fd, NULL, is_write(fi->flags));

		rc = fd < 0 ? fd : h == NULL ? -ENOMEM : 0;
		if (h != NULL)
			fi->fh = (uintptr_t)h;
		else if (fd >= 0)
			close(fd);
	}
	/* a reader has nothing to flush: the kernel skips FLUSH on close */
	if (rc == 0 && !is_write(fi->flags))
		fi->noflush = 1;
	res_done(fs, &r);
	UNLOCK(fs);
	return rc;
}

/* speed, -o ro: once an open has succeeded, tell the kernel it may open
 * files itself (ENOSYS); from then on reads come without a handle
 * (ops_read.c) and a file's errors show at its first read (kinval.h). */
static int op_open(const char *path, struct fuse_file_info *fi)
{
	int rc = ops_open_file(path, fi);

	if (rc != 0 || is_write(fi->flags) || !kinval_skip_opens(sopsfs_g))
		return rc;
	ops_release_file(path, fi);
	fi->fh = 0;
	return -ENOSYS;
}

/* A new memory-only file at path (ns write lock held). */
static struct ent *new_virt(struct sopsfs *fs, const char *path, mode_t mode, int scratch,
			    struct ident *id)
{
	struct fuse_context *ctx = fuse_get_context();
	struct ent *e = ent_get(fs, path);

	if (e == NULL) {
		ident_unref(id);
		return NULL;
	}
	ent_overlay(fs, e);
	ent_lock(e);
	e->virt = 1;
	e->scratch = scratch;
	e->symlink = S_ISLNK(mode);
	e->unlinked = 0;
	e->mode = mode;
	e->uid = ctx ? ctx->uid : getuid();
	e->gid = ctx ? ctx->gid : getgid();
	clock_gettime(CLOCK_REALTIME, &e->mtime);
	e->atime = e->ctime = e->mtime;
	e->ino = ent_new_ino();
	buf_truncate(&e->content, 0);
	buf_reserve(&e->content, 0);
	e->has_draft = 1;
	e->dirty = 0;
	e->carry = 0;
	if (!e->whiteout)
		e->has_base = 0;
	ident_unref(e->id);
	e->id = id;
	ent_clear_error(e);
	pthread_mutex_unlock(&e->mu);
	return e;
}

/* Does a path name an rsync temp file of a SOPS/creation-rule target? */
static int rsync_scratch(struct sopsfs *fs, const char *path)
{
	char target[4096];
	struct res r;
	struct ident *id;
	int yes = 0;

	if (!names_rsync_target(path, target, sizeof(target)))
		return 0;
	/* ".NAME.XXXXXX" is the temp of NAME, or of ".NAME" for a dot file */
	for (int dot = 0; dot < 2 && !yes; dot++) {
		if (dot) {
			char *slash = strrchr(target, '/');
			size_t at = slash ? (size_t)(slash - target) + 1 : 0;

			memmove(target + at + 1, target + at, strlen(target + at) + 1);
			target[at] = '.';
		}
		if (resolve(fs, target, &r) == 0) {
			id = ident_for_path(fs, target, &r);
			yes = id != NULL;
			ident_unref(id);
		}
		res_done(fs, &r);
	}
	return yes;
}

int ops_create_file(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	struct ent *e = NULL;
	struct ident *id = NULL;
	int rc;

	if (names_in_git(path))
		return -EROFS;
	WRLOCK(fs);
	rc = resolve(fs, path, &r);
	if (rc == 0 && r.kind != R_NONE) {
		rc = (fi == NULL || (fi->flags & O_EXCL)) ? -EEXIST : 0;
		if (rc == 0) {
			res_done(fs, &r);
			UNLOCK(fs);
			return ops_open_file(path, fi);
		}
	} else if (rc == 0) {
		mode = S_IFREG | (mode & 07777);
		if (names_is_scratch(path) || rsync_scratch(fs, path))
			e = new_virt(fs, path, mode, 1, NULL);
		else if ((id = ident_for_path(fs, path, &r)) != NULL)
			e = new_virt(fs, path, mode, 0, id);
		else if (r.e == NULL || !r.e->whiteout)
			rc = new_placeholder(fs, path, mode, &e);   /* ordinary new file */
		else if ((e = new_virt(fs, path, mode, 0, NULL)) != NULL)
			e->pending = 1;     /* SRC's file here is hidden: written over later */
		if (rc == 0 && e != NULL)
			rc = fi != NULL ? open_mem(e, fi) : 0;
		else if (rc == 0)
			rc = -ENOMEM;
		ent_put(fs, e);
	}
	res_done(fs, &r);
	UNLOCK(fs);
	return rc;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return ops_create_file(path, mode, fi);
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct handle *h = FH(fi);
	struct ent *e;
	size_t end;
	int rc;

	if (h == NULL)
		return -EBADF;          /* -o ro: the kernel refuses writes before */
	e = h->e;
	if (e != NULL && (rc = pending_spill(sopsfs_g, h, (size_t)off + size)) != 0) {
		if (rc < 0)
			return rc;
		e = NULL;
	}
	if (e == NULL)      /* leak guard: checks, then pwrite */
		return guard_pwrite(sopsfs_g, path, h->fd, &h->hold, buf, size, off,
				    fi->flags & O_APPEND);
	if (h->killpriv)
		pending_kill_priv(sopsfs_g, h);
	ent_lock(e);
	if (fi->flags & O_APPEND)
		off = (off_t)e->content.len;
	end = (size_t)off + size;
	/* a draft lives in (locked) memory: bounded by max_file_mb */
	if (end > e->content.len && end > sopsfs_g->o.max_file) {
		e->commit_failed = 1;   /* never commit the cut draft at close */
		pthread_mutex_unlock(&e->mu);
		return -EFBIG;
	}
	if (end > e->content.len && set_size(e, end) != 0) {
		pthread_mutex_unlock(&e->mu);
		return -ENOMEM;
	}
	memcpy(e->content.data + off, buf, size);
	clock_gettime(CLOCK_REALTIME, &e->mtime);
	e->ctime = e->mtime;
	e->dirty = 1;
	e->commit_failed = 0;
	e->gen++;                       /* cached pages of readers are stale */
	pthread_mutex_unlock(&e->mu);
	return (int)size;
}

static int truncate_ent(struct sopsfs *fs, struct ent *e, off_t size)
{
	int rc = 0;

	ent_lock(e);
	if ((size_t)size > fs->o.max_file) {   /* drafts are bounded by max_file_mb */
		pthread_mutex_unlock(&e->mu);
		return -EFBIG;
	}
	if (!e->virt && !e->has_draft && !e->pending)
		rc = start_draft(fs, e);
	if (rc == 0 && (size_t)size != e->content.len) {
		rc = set_size(e, (size_t)size);
		e->dirty = 1;
	}
	pthread_mutex_unlock(&e->mu);
	return rc;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	int rc, fd;

	if (size < 0)
		return -EINVAL;
	if (fi != NULL && FH(fi) != NULL) {
		rc = pending_spill(fs, FH(fi), (size_t)size);
		if (rc < 0)
			return rc;
		if (FH(fi)->e != NULL)
			return truncate_ent(fs, FH(fi)->e, size);
		return guard_ftruncate(fs, path, FH(fi)->fd, &FH(fi)->hold, size);   /* leak guard */
	}
	if (names_in_git(path))
		return -EROFS;
	RDLOCK(fs);
	rc = resolve(fs, path, &r);
	if (rc == 0 && r.kind == R_NONE)
		rc = -ENOENT;
	else if (rc == 0 && r.kind != R_VIRT && r.e != NULL && r.e->pending &&
		 (size_t)size > fs->o.max_file)
		rc = pending_truncate(fs, path, r.e, size);
	else if (rc == 0 && (r.kind == R_VIRT || (r.e != NULL && r.e->pending)))
		rc = truncate_ent(fs, r.e, size);
	else if (rc == 0) {
		struct ent *e = S_ISREG(r.st.st_mode) ? ent_get(fs, path) : NULL;

		if (e != NULL) {
			ent_lock(e);
			if (!e->has_draft)
				ent_refresh(fs, e, &r.st);
			pthread_mutex_unlock(&e->mu);
		}
		if (e != NULL && (e->kind == VF_SOPS || e->has_draft)) {
			/* truncate(2) by path: a draft committed right away */
			rc = truncate_ent(fs, e, size);
			UNLOCK(fs);
			WRLOCK(fs);
			ent_lock(e);
			if (rc == 0)
				rc = commit_ent(fs, e);
			if (rc == 0 && e->writers == 0)
				e->has_draft = 0;
			pthread_mutex_unlock(&e->mu);
		} else if (e != NULL && e->kind == VF_ERROR) {
			rc = -EIO;
		} else {
			fd = backing_open_path(&fs->b, path, O_WRONLY, 0);
			rc = fd < 0 ? fd : ftruncate(fd, size) == 0 ? 0 : -errno;
			if (fd >= 0)
				close(fd);
		}
		ent_put(fs, e);
	}
	res_done(fs, &r);
	UNLOCK(fs);
	return rc;
}

/* Does e have unsaved changes to commit? A failed commit is reported once
 * (vim shows E667 for the fsync, then restores its backup); it is retried
 * after the next write. e->mu held. */
static int commit_wanted(const struct ent *e)
{
	return e->dirty && !e->scratch && !e->pending && !e->commit_failed && !e->unlinked;
}

/* Commit a handle's entry if it has unsaved changes. */
static int commit_handle(struct sopsfs *fs, struct handle *h)
{
	int rc = 0, want;

	if (h->e == NULL)
		return 0;
	ent_lock(h->e);     /* the flags change under e->mu */
	want = commit_wanted(h->e);
	pthread_mutex_unlock(&h->e->mu);
	if (!want)
		return 0;
	WRLOCK(fs);
	ent_lock(h->e);
	if (commit_wanted(h->e))
		rc = commit_ent(fs, h->e);
	pthread_mutex_unlock(&h->e->mu);
	UNLOCK(fs);
	return rc;
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = FH(fi);
	size_t len;
	int guard;

	(void)path;
	if (h == NULL)
		return -ENOSYS;         /* -o ro: nothing to flush, ever (kinval.h) */
	if (h->e == NULL)
		return guard_hold_flush(h->fd, &h->hold);       /* leak guard */
	/* A shell's `> file` closes a dup of the fd before anything is
	 * written: an empty draft is only committed at fsync or release. */
	ent_lock(h->e);       /* the flags change under e->mu */
	len = h->e->content.len;
	guard = h->writable && h->e->pending && h->e->whiteout;
	pthread_mutex_unlock(&h->e->mu);
	if (len == 0)
		return 0;
	if (guard)
		return guard_check_ent(sopsfs_g, h->e);         /* leak guard */
	return h->writable ? commit_handle(sopsfs_g, h) : 0;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct handle *h = FH(fi);

	(void)path;
	if (h == NULL)
		return 0;               /* -o ro: opened by the kernel, nothing to sync */
	may_block();                    /* speed: a disk flush (fs/fuse/loop.c) */
	if (h->e == NULL) {
		int rc = guard_hold_flush(h->fd, &h->hold);     /* leak guard */

		if (rc != 0)
			return rc;
		return (datasync ? fdatasync(h->fd) : fsync(h->fd)) == 0 ? 0 : -errno;
	}
	if (h->e->pending && h->e->whiteout && h->e->content.len > 0)
		return guard_check_ent(sopsfs_g, h->e);         /* leak guard */
	return commit_handle(sopsfs_g, h);
}

int ops_release_file(const char *path, struct fuse_file_info *fi)
{
	struct sopsfs *fs = sopsfs_g;
	struct handle *h = FH(fi);

	(void)path;
	if (h == NULL)
		return 0;               /* -o ro: opened by the kernel */
	if (h->e != NULL) {
		if (h->writable)
			commit_handle(fs, h);
		ent_lock(h->e);
		if (h->writable)
			h->e->writers--;
		if (h->e->pending && h->e->writers == 0)
			h->e->flush_at = time(NULL) + PENDING_SECONDS;
		/* keep an uncommitted draft (nothing typed is lost); drop a clean one */
		if (h->e->writers == 0 && !h->e->dirty && !h->e->virt && h->e->has_draft) {
			h->e->has_draft = 0;
			buf_free(&h->e->content);
		}
		pthread_mutex_unlock(&h->e->mu);
		ent_put(fs, h->e);
	} else {
		guard_hold_flush(h->fd, &h->hold);              /* leak guard */
		guard_hold_free(&h->hold);
		close(h->fd);
	}
	free(h);
	return 0;
}

void ops_file_fill(struct fuse_operations *ops)
{
	ops->open = op_open;
	ops->create = op_create;
	ops->write = op_write;
	ops->truncate = op_truncate;
	ops->flush = op_flush;
	ops->fsync = op_fsync;
	ops->release = ops_release_file;
}
