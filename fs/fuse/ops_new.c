/* ops_new.c - making new namespace objects in SRC: directories, special
 * files (fifos, sockets, device nodes), symlinks, and the empty placeholder
 * a new ordinary file gets at create time (its content stays in memory
 * until it settles, see ent.h "pending"). Everything made here belongs to
 * the calling user, as on a local filesystem (the daemon runs as root when
 * the mount is shared with allow_other).
 */
#include "ops.h"
#include "../entries/names.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void own_new(int dfd, const char *name, mode_t mode)
{
	struct fuse_context *c = fuse_get_context();
	struct stat dir;
	gid_t gid;

	if (c == NULL || geteuid() != 0 || fstat(dfd, &dir) != 0)
		return;
	/* a set-group-ID directory gave the new object its group already */
	gid = (dir.st_mode & S_ISGID) ? (gid_t)-1 : c->gid;
	if (c->uid == 0 && (gid == (gid_t)-1 || gid == 0))
		return;
	if (fchownat(dfd, name, c->uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	/* chown cleared the set-ID bits of a regular file: put them back */
	if (S_ISREG(mode) && (mode & 06000))
		fchmodat(dfd, name, mode & 07777, 0);
}

int new_placeholder(struct sopsfs *fs, const char *path, mode_t mode, struct ent **out)
{
	const char *name;
	struct stat st;
	struct ent *e;
	int dfd = backing_parent(&fs->b, path, &name), fd, rc = 0;

	*out = NULL;
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, name, O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
	if (fd < 0) {
		rc = -errno;
		close(dfd);
		return rc;
	}
	own_new(dfd, name, mode);
	if (fstat(fd, &st) != 0)
		rc = -errno;
	close(fd);
	e = rc == 0 ? ent_get(fs, path) : NULL;
	if (rc == 0 && e == NULL)
		rc = -ENOMEM;
	if (rc != 0) {
		unlinkat(dfd, name, 0);
		close(dfd);
		return rc;
	}
	close(dfd);
	ent_overlay(fs, e);
	ent_lock(e);
	e->pending = 1;
	e->virt = e->scratch = e->symlink = e->unlinked = e->whiteout = 0;
	e->has_draft = e->dirty = e->carry = e->has_base = e->commit_failed = 0;
	e->kind = VF_PLAIN;
	e->flush_at = 0;
	ent_drop_view(fs, e);
	bident_from_stat(&e->bid, &st);
	e->mode = st.st_mode;
	e->atime = st.st_atim;
	e->mtime = st.st_mtim;
	e->ctime = st.st_ctim;
	e->show_ino = e->show_for = 0;
	buf_truncate(&e->content, 0);
	buf_reserve(&e->content, 0);
	ident_unref(e->id);
	e->id = NULL;
	ent_clear_error(e);
	pthread_mutex_unlock(&e->mu);
	*out = e;
	return 0;
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct sopsfs *fs = sopsfs_g;
	const char *name;
	int dfd, rc;

	if (names_in_git(path))
		return -EROFS;
	WRLOCK(fs);
	dfd = backing_parent(&fs->b, path, &name);
	rc = dfd < 0 ? dfd : mkdirat(dfd, name, mode & 07777) == 0 ? 0 : -errno;
	if (rc == 0)
		own_new(dfd, name, S_IFDIR | mode);
	if (dfd >= 0)
		close(dfd);
	UNLOCK(fs);
	return rc;
}

/* Fifos, sockets and device nodes are made in SRC (device nodes only when
 * the daemon may); a regular file is created like open(O_CREAT) does. */
static int op_mknod(const char *path, mode_t mode, dev_t rdev)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	const char *name;
	int dfd, rc;

	if (S_ISREG(mode))
		return ops_create_file(path, mode, NULL);
	if (names_in_git(path))
		return -EROFS;
	WRLOCK(fs);
	rc = resolve(fs, path, &r);
	if (rc == 0 && r.kind != R_NONE)
		rc = -EEXIST;
	if (rc == 0) {
		dfd = backing_parent(&fs->b, path, &name);
		rc = dfd < 0 ? dfd : mknodat(dfd, name, mode, rdev) == 0 ? 0 : -errno;
		if (rc == 0)
			own_new(dfd, name, mode);
		if (dfd >= 0)
			close(dfd);
	}
	res_done(fs, &r);
	UNLOCK(fs);
	return rc;
}

/* An emacs lock symlink (.#name -> user@host.pid) stays in memory. */
static int scratch_symlink(struct sopsfs *fs, const char *target, const char *path)
{
	struct ent *e = ent_get(fs, path);
	int rc = 0;

	if (e == NULL)
		return -ENOMEM;
	ent_overlay(fs, e);
	ent_lock(e);
	if (e->virt && !e->unlinked) {
		rc = -EEXIST;
	} else {
		struct fuse_context *ctx = fuse_get_context();

		e->virt = e->scratch = e->symlink = 1;
		e->unlinked = 0;
		e->mode = S_IFLNK | 0777;
		e->uid = ctx->uid;
		e->gid = ctx->gid;
		clock_gettime(CLOCK_REALTIME, &e->mtime);
		e->atime = e->ctime = e->mtime;
		e->ino = ent_new_ino();
		buf_truncate(&e->content, 0);
		buf_adds(&e->content, target);
		e->has_draft = 1;
	}
	pthread_mutex_unlock(&e->mu);
	ent_put(fs, e);
	return rc;
}

static int op_symlink(const char *target, const char *path)
{
	struct sopsfs *fs = sopsfs_g;
	const char *name;
	int rc, dfd;

	if (names_in_git(path))
		return -EROFS;
	WRLOCK(fs);
	if (names_is_scratch(path)) {
		rc = scratch_symlink(fs, target, path);
	} else {
		dfd = backing_parent(&fs->b, path, &name);
		rc = dfd < 0 ? dfd : symlinkat(target, dfd, name) == 0 ? 0 : -errno;
		if (rc == 0)
			own_new(dfd, name, S_IFLNK | 0777);
		if (dfd >= 0)
			close(dfd);
	}
	UNLOCK(fs);
	return rc;
}

void ops_new_fill(struct fuse_operations *ops)
{
	ops->mkdir = op_mkdir;
	ops->mknod = op_mknod;
	ops->symlink = op_symlink;
}
