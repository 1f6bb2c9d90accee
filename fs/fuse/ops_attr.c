/* ops_attr.c - getattr, readdir, readlink, statfs, chmod/chown/utimens
 * (extended attributes: ops_xattr.c). */
#include "ops.h"
#include "../entries/names.h"
#include "../prefetch/prefetch.h"
#include "../entries/links.h"
#include "../entries/plain.h"
#include "../../common/dirents.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

int resolve(struct sopsfs *fs, const char *path, struct res *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->kind = R_NONE;
	if (names_is_internal(path))
		return 0;
	r->e = ent_find(fs, path);
	if (r->e != NULL && r->e->virt && !r->e->unlinked) {
		r->kind = R_VIRT;
		return 0;
	}
	if (r->e != NULL && r->e->whiteout)
		return 0;
	rc = backing_stat(&fs->b, path, &r->st);
	if (rc != 0)
		return rc == -ENOENT || rc == -ENOTDIR ? 0 : rc;
	r->kind = R_BACKING;
	return 0;
}

void res_done(struct sopsfs *fs, struct res *r)
{
	ent_put(fs, r->e);
	r->e = NULL;
}

void virt_stat(struct sopsfs *fs, const struct ent *e, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = e->mode;
	st->st_nlink = 1;
	st->st_uid = e->uid;
	st->st_gid = e->gid;
	st->st_size = (off_t)e->content.len;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((e->content.len + 511) / 512);
	st->st_atim = e->atime;
	st->st_mtim = e->mtime;
	st->st_ctim = e->ctime;
	st->st_ino = e->ino;
	(void)fs;
}

/* A new file not settled yet: SRC's placeholder with the content and
 * times held in memory. e->mu held. */
static void pending_stat(const struct ent *e, struct stat *st)
{
	st->st_size = (off_t)e->content.len;
	st->st_blocks = (blkcnt_t)((e->content.len + 511) / 512);
	st->st_atim = e->atime;
	st->st_mtim = e->mtime;
	if (e->ctime.tv_sec > st->st_ctim.tv_sec ||
	    (e->ctime.tv_sec == st->st_ctim.tv_sec && e->ctime.tv_nsec > st->st_ctim.tv_nsec))
		st->st_ctim = e->ctime;
}

/* Adjust the lstat of a backing regular file to what the mount shows. */
static void view_stat(struct sopsfs *fs, const char *path, struct stat *st)
{
	struct ent *e;
	size_t len;
	int drop;

	if (plain_known(fs, path, st))
		return;                 /* an ordinary file, as SRC has it */
	e = ent_get(fs, path);
	if (e == NULL)
		return;
	ent_lock(e);
	if (e->pending) {
		pending_stat(e, st);
	} else {
		if (!e->has_draft)
			ent_refresh(fs, e, st);
		if (e->kind == VF_SOPS || e->kind == VF_ERROR || e->has_draft) {
			ent_data(e, &len);
			/* a file that cannot be decrypted shows size 0 (its open
			 * fails EIO), or SRC's size on a read-only mount, where
			 * the kernel may open files itself (fs/cache/kinval.h):
			 * its reads must reach us to fail */
			if (e->kind != VF_ERROR || e->has_draft)
				st->st_size = (off_t)len;
			else if (!fs->o.read_only)
				st->st_size = 0;
			st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
			st->st_mode = S_IFREG | fs->o.view_mode;
			e->attr_gen = e->gen;      /* the kernel now knows this size */
		}
	}
	st->st_ino = ent_show_ino(e, st->st_ino);
	drop = plain_take(fs, e);       /* plain: a record instead of an entry */
	pthread_mutex_unlock(&e->mu);
	if (drop)
		ent_remove(fs, e);
	ent_put(fs, e);
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	int rc;

	(void)fi;
	RDLOCK(fs);
	rc = resolve(fs, path, &r);
	if (rc == 0 && r.kind == R_NONE)
		rc = -ENOENT;
	if (rc == 0 && r.kind == R_VIRT) {
		ent_lock(r.e);
		virt_stat(fs, r.e, st);
		pthread_mutex_unlock(&r.e->mu);
	} else if (rc == 0) {
		*st = r.st;
		if (r.st.st_nlink > 1 && !S_ISDIR(r.st.st_mode))
			links_note(r.st.st_dev, r.st.st_ino, path);
		if (S_ISREG(st->st_mode))
			view_stat(fs, path, st);
	}
	res_done(fs, &r);
	UNLOCK(fs);
	return rc;
}

struct dir_fill {
	void *buf;
	fuse_fill_dir_t filler;
	const char *dir;
	enum fuse_fill_dir_flags plus;
};

/* Memory-only children, collected under the table lock and listed after
 * it is released (listing may look each one up). */
struct virt_names {
	struct buf names;          /* NUL-separated */
	struct buf modes;          /* mode_t per name */
	struct buf inos;           /* ino_t per name */
};

static void collect_virt(void *arg, struct ent *e, const char *name)
{
	struct virt_names *v = arg;

	if (e->virt && !e->unlinked &&
	    buf_add(&v->names, name, strlen(name) + 1) == 0 &&
	    buf_add(&v->modes, &e->mode, sizeof(e->mode)) == 0)
		buf_add(&v->inos, &e->ino, sizeof(e->ino));
}

static void fill_virt(struct sopsfs *fs, struct dir_fill *d)
{
	struct virt_names v = { BUF_INIT, BUF_INIT, BUF_INIT };
	const char *name;
	struct stat st;

	ent_foreach_child(fs, d->dir, collect_virt, &v);
	name = (const char *)v.names.data;
	for (size_t i = 0; i < v.inos.len / sizeof(ino_t); i++) {
		memset(&st, 0, sizeof(st));
		memcpy(&st.st_mode, v.modes.data + i * sizeof(mode_t), sizeof(mode_t));
		/* readdir(3) skips entries whose d_ino is 0 */
		memcpy(&st.st_ino, v.inos.data + i * sizeof(ino_t), sizeof(ino_t));
		if (d->filler(d->buf, name, &st, 0, d->plus) != 0)
			break;
		name += strlen(name) + 1;
	}
	buf_free(&v.names);
	buf_free(&v.modes);
	buf_free(&v.inos);
}

/* Is dir/name hidden (whiteout, internal temp file, or shown as virt)? */
static int hidden(struct sopsfs *fs, const char *dir, const char *name)
{
	char path[4096];
	struct ent *e;
	int h;

	if (names_is_internal(name))
		return 1;
	if (!ent_has_overlay(fs))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", name);
	e = ent_find(fs, path);
	h = e != NULL && (e->whiteout || e->virt);
	ent_put(fs, e);
	return h;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct sopsfs *fs = sopsfs_g;
	/* Names and types only, also for READDIRPLUS: filling without offsets
	 * (as here), libfuse 3.14 sends every entry with node id 0, so the
	 * kernel ignores any attributes; FUSE_FILL_DIR_PLUS would only make
	 * libfuse take a node reference per entry that the kernel never
	 * forgets. The kernel looks entries up when it needs them. */
	struct dir_fill d = { buf, filler, path, 0 };
	const struct dirent64 *de;
	struct dirents *dir;
	struct stat st;
	int fd;

	(void)off; (void)fi; (void)flags;
	prefetch_dir(fs->pf, path);     /* kms1: unwrap the listed files' keys */
	fd = backing_open_path(&fs->b, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	if ((dir = dirents_open(fd)) == NULL)
		return -errno;
	RDLOCK(fs);
	while ((de = dirents_next(dir)) != NULL) {
		if (hidden(fs, path, de->d_name))
			continue;
		memset(&st, 0, sizeof(st));
		st.st_mode = DTTOIF(de->d_type);
		st.st_ino = de->d_ino;
		if (filler(buf, de->d_name, &st, 0, d.plus) != 0)
			break;
	}
	fill_virt(fs, &d);
	UNLOCK(fs);
	dirents_close(dir);
	return 0;
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	const char *name;
	ssize_t n;
	int rc, dfd;

	RDLOCK(fs);
	rc = resolve(fs, path, &r);
	if (rc == 0 && r.kind == R_VIRT && r.e->symlink) {
		size_t len = r.e->content.len < size - 1 ? r.e->content.len : size - 1;

		memcpy(buf, r.e->content.data, len);
		buf[len] = '\0';
	} else if (rc == 0 && r.kind == R_BACKING) {
		dfd = backing_parent(&fs->b, path, &name);
		n = dfd < 0 ? -1 : readlinkat(dfd, name, buf, size - 1);
		rc = n < 0 ? (dfd < 0 ? dfd : -errno) : 0;
		if (n >= 0)
			buf[n] = '\0';
		if (dfd >= 0)
			close(dfd);
	} else if (rc == 0) {
		rc = r.kind == R_NONE ? -ENOENT : -EINVAL;
	}
	res_done(fs, &r);
	UNLOCK(fs);
	return rc;
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	return fstatvfs(sopsfs_g->b.rootfd, sv) == 0 ? 0 : -errno;
}

int with_backing(const char *path, backing_fn fn, void *arg)
{
	struct sopsfs *fs = sopsfs_g;
	int fd = backing_open_path(&fs->b, path, O_PATH, 0), rc;
	char proc[64];

	if (fd < 0)
		return fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rc = fn(fd, proc, arg);
	close(fd);
	return rc;
}

static int do_chmod(int fd, const char *proc, void *arg)
{
	(void)fd;
	return chmod(proc, *(mode_t *)arg) == 0 ? 0 : -errno;
}

struct own {
	uid_t uid;
	gid_t gid;
};

static int do_chown(int fd, const char *proc, void *arg)
{
	struct own *o = arg;

	(void)proc;   /* the fd itself: a symlink is not followed */
	return fchownat(fd, "", o->uid, o->gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static int do_utimens(int fd, const char *proc, void *arg)
{
	(void)fd;
	return utimensat(AT_FDCWD, proc, arg, 0) == 0 ? 0 : -errno;
}

/* A pending file shows the times set on its placeholder from now on. */
static void pending_times(struct sopsfs *fs, const char *path, struct ent *e)
{
	struct stat st;

	if (backing_stat(&fs->b, path, &st) != 0)
		return;
	ent_lock(e);
	e->atime = st.st_atim;
	e->mtime = st.st_mtim;
	e->ctime = st.st_ctim;
	pthread_mutex_unlock(&e->mu);
}

/* For memory-only entries, apply to the entry; else to the backing file. */
static int attr_op(const char *path, backing_fn fn, void *arg,
		   void (*virt)(struct ent *e, void *arg))
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	struct stat st;
	int rc;

	if (names_in_git(path))
		return -EROFS;
	WRLOCK(fs);
	rc = resolve(fs, path, &r);
	st = r.st;
	if (rc == 0 && r.kind == R_NONE)
		rc = -ENOENT;
	else if (rc == 0 && r.kind == R_VIRT) {
		ent_lock(r.e);
		virt(r.e, arg);
		clock_gettime(CLOCK_REALTIME, &r.e->ctime);
		pthread_mutex_unlock(&r.e->mu);
	} else if (rc == 0 && S_ISLNK(r.st.st_mode) && fn == do_chmod) {
		rc = -EOPNOTSUPP;
	} else if (rc == 0) {
		rc = with_backing(path, fn, arg);
		if (rc == 0 && r.e != NULL && r.e->pending && fn == do_utimens)
			pending_times(fs, path, r.e);
	}
	res_done(fs, &r);
	UNLOCK(fs);
	if (rc == 0 && r.kind == R_BACKING && st.st_nlink > 1)
		inval_links(fs, &st, path, 0);
	return rc;
}

static void virt_chmod(struct ent *e, void *arg)
{
	e->mode = (e->mode & S_IFMT) | (*(mode_t *)arg & 07777);
}

static void virt_chown(struct ent *e, void *arg)
{
	struct own *o = arg;

	if (o->uid != (uid_t)-1)
		e->uid = o->uid;
	if (o->gid != (gid_t)-1)
		e->gid = o->gid;
}

static void virt_utimens(struct ent *e, void *arg)
{
	const struct timespec *tv = arg;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	e->atime = tv[0].tv_nsec == UTIME_NOW ? now : tv[0].tv_nsec == UTIME_OMIT ? e->atime : tv[0];
	e->mtime = tv[1].tv_nsec == UTIME_NOW ? now : tv[1].tv_nsec == UTIME_OMIT ? e->mtime : tv[1];
}

/* Decrypted views always show view_mode; editors chmod a saved file to the
 * mode they saw, which must not change the encrypted file's mode in SRC.
 * Any other mode is the user's and goes to the encrypted file. */
static int is_view(const char *path)
{
	struct sopsfs *fs = sopsfs_g;
	struct ent *e = ent_find(fs, path);
	int yes = 0;

	if (e != NULL) {
		ent_lock(e);
		yes = !e->virt && !e->pending &&
		      (e->kind == VF_SOPS || e->kind == VF_ERROR || e->has_draft);
		pthread_mutex_unlock(&e->mu);
		ent_put(fs, e);
	}
	return yes;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)fi;
	if ((mode & 07777) == sopsfs_g->o.view_mode && is_view(path))
		return 0;
	return attr_op(path, do_chmod, &mode, virt_chmod);
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct own o = { uid, gid };

	(void)fi;
	return attr_op(path, do_chown, &o, virt_chown);
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct timespec t[2] = { tv[0], tv[1] };

	(void)fi;
	return attr_op(path, do_utimens, t, virt_utimens);
}

/* ---- extended attributes ---- */

void ops_attr_fill(struct fuse_operations *ops)
{
	ops->getattr = op_getattr;
	ops->readdir = op_readdir;
	ops->readlink = op_readlink;
	ops->statfs = op_statfs;
	ops->chmod = op_chmod;
	ops->chown = op_chown;
	ops->utimens = op_utimens;
}
