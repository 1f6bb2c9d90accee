/* ops_xattr.c - extended attributes: the read-only user.sopsfs.* ones
 * (error, unwraps, decrypts; removing user.sopsfs.draft drops a draft),
 * POSIX ACL names answered without SRC (none kept), everything else on
 * the backing file. */
#include "ops.h"
#include "../entries/names.h"
#include "../guard/guard.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#define XATTR_ERROR "user.sopsfs.error"
#define XATTR_UNWRAPS "user.sopsfs.unwraps"
#define XATTR_DECRYPTS "user.sopsfs.decrypts"
#define XATTR_DRAFT "user.sopsfs.draft"

static int is_acl(const char *name)
{
	return strncmp(name, "system.posix_acl_", 17) == 0;
}

static int reply(const char *val, size_t n, char *out, size_t size)
{
	if (size == 0)
		return (int)n;
	if (n > size)
		return -ERANGE;
	memcpy(out, val, n);
	return (int)n;
}

/* user.sopsfs.* read-only attributes. 1 = handled (rc in *rc). */
static int sopsfs_xattr(const char *path, const char *name, char *out, size_t size, int *rc)
{
	struct sopsfs *fs = sopsfs_g;
	char num[32];
	struct ent *e;

	if (strcmp(path, "/") == 0 && (strcmp(name, XATTR_UNWRAPS) == 0 ||
				       strcmp(name, XATTR_DECRYPTS) == 0)) {
		snprintf(num, sizeof(num), "%lu", strcmp(name, XATTR_UNWRAPS) == 0
			 ? atomic_load(&fs->unwraps) : atomic_load(&fs->decrypts));
		*rc = reply(num, strlen(num), out, size);
		return 1;
	}
	if (strcmp(name, XATTR_ERROR) != 0)
		return 0;
	e = ent_find(fs, path);
	*rc = -ENODATA;
	if (e != NULL) {
		ent_lock(e);
		if (e->err != NULL)
			*rc = reply(e->err, strlen(e->err), out, size);
		pthread_mutex_unlock(&e->mu);
		ent_put(fs, e);
	}
	if (*rc == -ENODATA) {     /* leak guard: the last refusal at path */
		char why[PATH_MAX * 2 + 256];
		size_t n = guard_reason(fs, path, why, sizeof(why));

		if (n > 0)
			*rc = reply(why, n, out, size);
	}
	return 1;
}

struct xa {
	const char *name;
	char *buf;
	const char *val;
	size_t size;
	int flags;
};

static int do_getxattr(int fd, const char *proc, void *arg)
{
	struct xa *x = arg;
	ssize_t n = getxattr(proc, x->name, x->buf, x->size);

	(void)fd;
	return n < 0 ? -errno : (int)n;
}

static int do_listxattr(int fd, const char *proc, void *arg)
{
	struct xa *x = arg;
	ssize_t n = listxattr(proc, x->buf, x->size);

	(void)fd;
	return n < 0 ? -errno : (int)n;
}

static int do_setxattr(int fd, const char *proc, void *arg)
{
	struct xa *x = arg;

	(void)fd;
	return setxattr(proc, x->name, x->val, x->size, x->flags) == 0 ? 0 : -errno;
}

static int do_removexattr(int fd, const char *proc, void *arg)
{
	struct xa *x = arg;

	(void)fd;
	return removexattr(proc, x->name) == 0 ? 0 : -errno;
}

/* xattr ops on backing files only (memory-only entries have none). */
static int xattr_backing(const char *path, backing_fn fn, struct xa *x)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	int rc;

	RDLOCK(fs);
	rc = resolve(fs, path, &r);
	if (rc == 0)
		rc = r.kind == R_NONE ? -ENOENT : r.kind == R_VIRT ? -ENODATA : 0;
	if (rc == 0 && S_ISLNK(r.st.st_mode))
		rc = -ENODATA;
	if (rc == 0)
		rc = with_backing(path, fn, x);
	res_done(fs, &r);
	UNLOCK(fs);
	return rc;
}

/* path is SRC's file as it is: no memory-only entry or whiteout over it
 * (what resolve() would find), not an internal name. */
static int plain_backing(const char *path)
{
	struct sopsfs *fs = sopsfs_g;
	struct ent *e;
	int plain;

	if (names_is_internal(path))
		return 0;
	e = ent_find(fs, path);
	plain = e == NULL || !((e->virt && !e->unlinked) || e->whiteout);
	ent_put(fs, e);
	return plain;
}

static int op_getxattr(const char *path, const char *name, char *value, size_t size)
{
	struct xa x = { name, value, NULL, size, 0 };
	int rc, plain;

	if (sopsfs_xattr(path, name, value, size, &rc))
		return rc;
	if (is_acl(name))
		return -ENODATA;
	RDLOCK(sopsfs_g);
	plain = plain_backing(path);
	if (plain)                       /* the common case, in one system call */
		rc = backing_getxattr(&sopsfs_g->b, path, name, value, size);
	UNLOCK(sopsfs_g);
	if (!plain)
		rc = xattr_backing(path, do_getxattr, &x);
	return rc == -EOPNOTSUPP ? -ENODATA : rc;
}

static int op_listxattr(const char *path, char *list, size_t size)
{
	struct xa x = { NULL, list, NULL, size, 0 };
	int rc = xattr_backing(path, do_listxattr, &x);

	return rc == -ENODATA || rc == -EOPNOTSUPP ? 0 : rc;
}

static int op_setxattr(const char *path, const char *name, const char *value, size_t size,
		       int flags)
{
	struct xa x = { name, NULL, value, size, flags };

	if (is_acl(name))
		return -EOPNOTSUPP;
	if (strncmp(name, "user.sopsfs.", 12) == 0 || names_in_git(path))
		return strncmp(name, "user.sopsfs.", 12) == 0 ? -EPERM : -EROFS;
	return xattr_backing(path, do_setxattr, &x);
}

/* removexattr user.sopsfs.draft: forget an uncommitted draft (the view of
 * the file in SRC shows again). */
static int drop_draft(const char *path)
{
	struct sopsfs *fs = sopsfs_g;
	struct ent *e;
	int rc = -ENODATA;

	WRLOCK(fs);
	e = ent_find(fs, path);
	if (e != NULL) {
		ent_lock(e);
		if (e->has_draft && !e->virt && e->writers == 0) {
			e->has_draft = 0;
			e->dirty = 0;
			e->gen++;
			ent_clear_error(e);
			e->kind = VF_UNKNOWN;
			buf_free(&e->content);
			rc = 0;
		}
		pthread_mutex_unlock(&e->mu);
		ent_put(fs, e);
	}
	UNLOCK(fs);
	return rc;
}

static int op_removexattr(const char *path, const char *name)
{
	struct xa x = { name, NULL, NULL, 0, 0 };

	if (is_acl(name))
		return -ENODATA;
	if (strcmp(name, XATTR_DRAFT) == 0)
		return drop_draft(path);
	if (strncmp(name, "user.sopsfs.", 12) == 0)
		return -EPERM;
	if (names_in_git(path))
		return -EROFS;
	return xattr_backing(path, do_removexattr, &x);
}

void ops_xattr_fill(struct fuse_operations *ops)
{
	ops->getxattr = op_getxattr;
	ops->listxattr = op_listxattr;
	ops->setxattr = op_setxattr;
	ops->removexattr = op_removexattr;
}
