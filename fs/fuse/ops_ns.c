/* ops_ns.c - namespace operations: mkdir, rmdir, unlink, rename, link,
 * symlink, and the path-based identity of new files.
 *
 * Renames are where editors save (editor-saves.md):
 *  - a SOPS (or any) file renamed to a scratch name (x -> x~) is not moved
 *    in SRC: the path is whited out and the scratch name holds its
 *    plaintext in memory, carrying its identity; the backing file stays
 *    untouched until the new version is committed;
 *  - a memory-only file renamed onto a SOPS path (sed -i, rsync, JetBrains,
 *    a Python atomic write) is encrypted with that path's identity and
 *    written to SRC atomically;
 *  - a memory-only file renamed onto an ordinary path is written through,
 *    unless it carries a SOPS identity (then it is encrypted with it);
 *  - everything else is a rename in SRC.
 */
#include "ops.h"
#include "../writeback/commit.h"
#include "../entries/names.h"
#include "../entries/links.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOMB_SECONDS 120

static int is_sops_backing(struct sopsfs *fs, const char *path, struct res *r)
{
	struct ent *e;
	int yes;

	if (r->kind != R_BACKING || !S_ISREG(r->st.st_mode))
		return 0;
	e = ent_get(fs, path);
	if (e == NULL)
		return 0;
	ent_lock(e);
	if (!e->has_draft)
		ent_refresh(fs, e, &r->st);
	yes = e->kind == VF_SOPS || e->has_draft;
	pthread_mutex_unlock(&e->mu);
	ent_put(fs, e);
	return yes;
}

/* Load (or reuse) the identity of the SOPS file at path. */
static struct ident *sops_ident(struct sopsfs *fs, const char *path)
{
	struct ent *e = ent_get(fs, path);
	struct ident *id = NULL;

	if (e == NULL)
		return NULL;
	ent_lock(e);
	if (ent_load_ident(fs, e) == 0)
		id = ident_ref(e->id);
	pthread_mutex_unlock(&e->mu);
	ent_put(fs, e);
	return id;
}

struct ident *ident_for_path(struct sopsfs *fs, const char *path, struct res *r)
{
	struct ident *id = NULL;

	if (r->e != NULL && r->e->tomb != NULL && time(NULL) < r->e->tomb_until)
		return ident_ref(r->e->tomb);
	if (r->kind == R_VIRT && r->e->id != NULL && !r->e->scratch)
		return ident_ref(r->e->id);
	if (is_sops_backing(fs, path, r))
		id = sops_ident(fs, path);
	if (id == NULL && r->kind != R_BACKING && !names_is_scratch(path))
		id = commit_rule_ident(fs, path);
	return id;
}

static void drop_virt_child(void *arg, struct ent *e, const char *name)
{
	int *n = arg;

	(void)name;
	if (e->virt && !e->unlinked)
		(*n)++;
}

static int op_rmdir(const char *path)
{
	struct sopsfs *fs = sopsfs_g;
	const char *name;
	int dfd, rc, virt = 0;

	if (names_in_git(path))
		return -EROFS;
	WRLOCK(fs);
	ent_foreach_child(fs, path, drop_virt_child, &virt);
	dfd = backing_parent(&fs->b, path, &name);
	rc = virt ? -ENOTEMPTY : dfd < 0 ? dfd : unlinkat(dfd, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
	if (rc == 0)
		backing_forget_dirs(&fs->b);
	if (dfd >= 0)
		close(dfd);
	UNLOCK(fs);
	return rc;
}

int unlink_backing(struct sopsfs *fs, const char *path)
{
	const char *name;
	int dfd = backing_parent(&fs->b, path, &name), rc;

	if (dfd < 0)
		return dfd;
	rc = unlinkat(dfd, name, 0) == 0 ? 0 : -errno;
	close(dfd);
	return rc;
}

/* Forget a memory-only entry (its open handles keep it alive). A pending
 * one (e.g. refused by the leak guard) is gone too: an entry kept for its
 * whiteout or tomb must not go on as a pending file over what is renamed
 * there next; with no handle open its content is wiped now. */
static void drop_virt(struct sopsfs *fs, struct ent *e)
{
	ent_lock(e);
	e->virt = 0;
	e->scratch = 0;
	e->pending = 0;
	e->commit_failed = 0;
	e->unlinked = e->writers > 0 || e->refs > 2;
	e->dirty = 0;
	e->has_draft = 0;
	if (!e->unlinked) {
		buf_free(&e->content);
		ent_clear_error(e);
	}
	pthread_mutex_unlock(&e->mu);
	if (!e->whiteout && e->tomb == NULL)
		ent_remove(fs, e);
}

static void leave_tomb(struct ent *e, struct ident *id)
{
	ident_unref(e->tomb);
	e->tomb = id;
	e->tomb_until = time(NULL) + TOMB_SECONDS;
}

static int op_unlink(const char *path)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	struct ident *id = NULL;
	int rc;

	if (names_in_git(path))
		return -EROFS;
	WRLOCK(fs);
	rc = resolve(fs, path, &r);
	if (rc == 0 && r.kind == R_NONE) {
		rc = -ENOENT;
	} else if (rc == 0 && r.kind == R_VIRT) {
		/* A hidden old version (whiteout) stays in SRC: editors unlink
		 * their failed new file before renaming the backup back. */
		drop_virt(fs, r.e);
	} else if (rc == 0 && r.e != NULL && r.e->pending) {
		rc = unlink_backing(fs, path);
		if (rc == 0)
			forget_pending(fs, r.e);
	} else if (rc == 0) {
		if (is_sops_backing(fs, path, &r))
			id = sops_ident(fs, path);
		rc = unlink_backing(fs, path);
		if (rc == 0) {
			struct ent *e = ent_get(fs, path);

			if (e != NULL) {
				ent_lock(e);
				ent_drop_view(fs, e);
				e->kind = VF_UNKNOWN;
				e->has_draft = 0;
				e->dirty = 0;
				buf_free(&e->content);
				leave_tomb(e, id);
				id = NULL;
				ent_overlay(fs, e);
				pthread_mutex_unlock(&e->mu);
				ent_put(fs, e);
			}
		}
	}
	ident_unref(id);
	res_done(fs, &r);
	UNLOCK(fs);
	if (rc == 0 && r.kind == R_BACKING && r.st.st_nlink > 1) {
		links_drop(r.st.st_dev, r.st.st_ino, path);
		inval_links(fs, &r.st, path, 0);
	}
	return rc;
}

/* from (backing, regular) -> scratch name: whiteout from, keep its
 * plaintext in memory at to, carrying its identity. */
static int rename_to_scratch(struct sopsfs *fs, const char *from, const char *to, struct res *rf)
{
	struct ent *src = ent_get(fs, from), *dst;
	struct ident *id = NULL;
	int rc = 0;

	if (src == NULL)
		return -ENOMEM;
	ent_lock(src);
	if (!src->has_draft)
		ent_refresh(fs, src, &rf->st);
	if (src->kind == VF_SOPS || src->has_draft) {
		if (ent_load_ident(fs, src) == 0)
			id = ident_ref(src->id);
		else
			rc = -EIO;
	}
	pthread_mutex_unlock(&src->mu);
	dst = rc == 0 ? ent_get(fs, to) : NULL;
	if (rc == 0 && dst == NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		size_t len;
		const uint8_t *d;
		char *plain = NULL;

		ent_lock(src);
		if (id != NULL) {
			d = ent_data(src, &len);
		} else {
			size_t n = 0;

			rc = backing_read_all(&fs->b, from, (size_t)1 << 30, &plain, &n);
			d = (const uint8_t *)plain;
			len = n;
		}
		if (rc == 0) {
			ent_overlay(fs, dst);
			ent_overlay(fs, src);
			ent_lock(dst);
			dst->virt = 1;
			dst->scratch = 1;
			dst->symlink = 0;
			dst->unlinked = 0;
			dst->mode = S_IFREG | (id ? fs->o.view_mode : (rf->st.st_mode & 07777));
			dst->uid = rf->st.st_uid;
			dst->gid = rf->st.st_gid;
			dst->atime = rf->st.st_atim;
			dst->mtime = rf->st.st_mtim;
			clock_gettime(CLOCK_REALTIME, &dst->ctime);
			dst->ino = ent_new_ino();
			buf_truncate(&dst->content, 0);
			if (buf_add(&dst->content, d, len) != 0 || buf_reserve(&dst->content, 0) != 0)
				rc = -ENOMEM;
			dst->has_draft = 1;
			dst->dirty = 0;
			dst->carry = id != NULL;
			leave_tomb(dst, ident_ref(id));
			pthread_mutex_unlock(&dst->mu);
			/* hide the source; a new file there takes its identity */
			src->whiteout = 1;
			src->has_base = 1;
			src->draft_base = src->bid;
			leave_tomb(src, id);
			id = NULL;
			ent_drop_view(fs, src);
			src->has_draft = 0;
			src->dirty = 0;
			buf_free(&src->content);
		}
		pthread_mutex_unlock(&src->mu);
		free(plain);
	}
	ident_unref(id);
	ent_put(fs, dst);
	ent_put(fs, src);
	return rc;
}

/* Make bytes the content of path `to` and commit them with identity id
 * (taken). On failure the destination keeps what it had. */
static int commit_bytes_to(struct sopsfs *fs, const char *to, struct res *rt, struct ident *id,
			   const uint8_t *data, size_t len, const struct ent *like)
{
	struct ent *dst = ent_get(fs, to);
	int rc;

	if (dst == NULL) {
		ident_unref(id);
		return -ENOMEM;
	}
	ent_overlay(fs, dst);
	ent_lock(dst);
	if (!dst->whiteout && rt->kind == R_BACKING) {
		if (dst->kind == VF_UNKNOWN)
			ent_refresh(fs, dst, &rt->st);
		dst->has_base = 1;
		dst->draft_base = dst->bid;
	} else if (!dst->whiteout) {
		dst->has_base = 0;
	}
	buf_truncate(&dst->content, 0);
	rc = buf_add(&dst->content, data, len) == 0 && buf_reserve(&dst->content, 0) == 0
		     ? 0 : -ENOMEM;
	if (rc == 0) {
		ident_unref(dst->id);
		dst->id = id;
		id = NULL;
		dst->has_draft = 1;
		dst->dirty = 1;
		dst->virt = rt->kind != R_BACKING || dst->whiteout;
		dst->scratch = 0;
		dst->pending = 0;
		dst->mode = like ? like->mode : (S_IFREG | 0600);
		dst->uid = like ? like->uid : getuid();
		dst->gid = like ? like->gid : getgid();
		/* the file keeps the number of what was renamed onto it */
		dst->ino = like && like->ino ? like->ino : ent_new_ino();
		clock_gettime(CLOCK_REALTIME, &dst->mtime);
		dst->atime = dst->ctime = dst->mtime;
		rc = commit_ent(fs, dst);
		if (rc != 0) {
			/* failed: the destination keeps its old content */
			dst->virt = 0;
			dst->dirty = 0;
			dst->has_draft = 0;
			buf_free(&dst->content);
		} else if (dst->writers == 0) {
			dst->has_draft = 0;
			buf_free(&dst->content);
		}
	}
	pthread_mutex_unlock(&dst->mu);
	ident_unref(id);
	ent_put(fs, dst);
	return rc;
}

/* A memory-only file renamed onto a kept path: encrypt (or write through). */
static int rename_virt_to_path(struct sopsfs *fs, struct ent *src, const char *to, struct res *rt)
{
	struct ident *id = ident_for_path(fs, to, rt);
	int rc;

	if (id == NULL && src->carry && src->tomb != NULL)
		id = ident_ref(src->tomb);
	if (id == NULL && src->id != NULL && !src->scratch)
		id = ident_ref(src->id);
	ent_lock(src);
	if (id == NULL) {
		/* ordinary file: write the bytes through */
		rc = commit_plain(fs, to, src->content.data ? src->content.data : (uint8_t *)"",
				  src->content.len, src->mode & 07777);
		if (rc == 0) {
			struct ent *t = ent_find(fs, to);

			commit_owner(fs, to, src->uid, src->gid);
			if (t != NULL) {
				/* what was at `to` is replaced: a memory-only or
				 * pending file there (a leak-guard refused one too),
				 * or a dropped one kept for its whiteout, is gone */
				t->whiteout = 0;
				t->kind = VF_UNKNOWN;
				if (t->virt)
					drop_virt(fs, t);
				else if (t->pending || t->unlinked)
					forget_pending(fs, t);
				ent_put(fs, t);
			}
		}
	} else {
		rc = commit_bytes_to(fs, to, rt, id,
				     src->content.data ? src->content.data : (uint8_t *)"",
				     src->content.len, src);
	}
	pthread_mutex_unlock(&src->mu);
	if (rc == 0)
		drop_virt(fs, src);
	return rc;
}

/* An ordinary backing file renamed onto a SOPS path: its content is
 * encrypted into the destination, then the source is removed. */
static int rename_plain_onto_sops(struct sopsfs *fs, const char *from, const char *to,
				  struct res *rf, struct res *rt, struct ident *id)
{
	struct buf plain = BUF_INIT_SECURE;
	struct ent like;
	char *text = NULL;
	size_t len = 0;
	int rc = backing_read_all(&fs->b, from, fs->o.max_file, &text, &len);

	if (rc != 0) {
		ident_unref(id);
		return rc;
	}
	rc = buf_add(&plain, text, len) == 0 ? 0 : -ENOMEM;
	explicit_bzero(text, len);
	free(text);
	memset(&like, 0, sizeof(like));
	like.mode = S_IFREG | (rf->st.st_mode & 07777);
	like.uid = rf->st.st_uid;
	like.ino = rf->st.st_ino;
	like.gid = rf->st.st_gid;
	if (rc == 0)
		rc = commit_bytes_to(fs, to, rt, id, plain.data ? plain.data : (uint8_t *)"",
				     plain.len, &like);
	else
		ident_unref(id);
	buf_free(&plain);
	if (rc == 0)
		rc = unlink_backing(fs, from);
	return rc;
}

/* The rename changed only the ctime of e's backing file: keep it the same
 * file for conflict detection (e->mu held). */
static void moved_ctime(struct sopsfs *fs, struct ent *e, const char *to)
{
	struct stat st;
	struct bident now;

	if (backing_stat(&fs->b, to, &st) != 0)
		return;
	bident_from_stat(&now, &st);
	now.ctime = e->draft_base.ctime;
	if (e->has_base && bident_eq(&now, &e->draft_base))
		e->draft_base.ctime = bident_ns(st.st_ctim);
	now.ctime = e->bid.ctime;
	if (bident_eq(&now, &e->bid))
		e->bid.ctime = bident_ns(st.st_ctim);
}

static int rename_backing(struct sopsfs *fs, const char *from, const char *to, unsigned flags,
			  int is_dir)
{
	const char *n1, *n2;
	int d1 = backing_parent(&fs->b, from, &n1), d2, rc;
	struct ent *e;

	if (d1 < 0)
		return d1;
	d2 = backing_parent(&fs->b, to, &n2);
	if (d2 < 0) {
		close(d1);
		return d2;
	}
	rc = renameat2(d1, n1, d2, n2, flags) == 0 ? 0 : -errno;
	close(d1);
	close(d2);
	if (rc != 0)
		return rc;
	backing_forget_dirs(&fs->b);    /* it may have been a directory */
	/* cached state of both paths is stale now */
	if ((e = ent_find(fs, to)) != NULL) {
		if (e->virt)
			drop_virt(fs, e);
		else if (e->pending && !(flags & RENAME_EXCHANGE))
			forget_pending(fs, e);  /* its placeholder was replaced */
		ent_lock(e);
		e->whiteout = 0;
		e->kind = VF_UNKNOWN;
		ent_drop_view(fs, e);
		pthread_mutex_unlock(&e->mu);
		ent_put(fs, e);
	}
	if ((e = ent_find(fs, from)) != NULL) {
		int move;

		ent_lock(e);
		/* a file open for writing keeps its state under its new name
		 * (its next commit goes there, not to the old path); a pending
		 * new file goes with its placeholder (follow_rename below) */
		move = e->writers > 0 && !e->virt && !e->pending && !is_dir &&
		       !(flags & RENAME_EXCHANGE) && strcmp(from, to) != 0;
		if (move) {
			moved_ctime(fs, e, to);
		} else if (!e->pending) {
			e->kind = VF_UNKNOWN;
			ent_drop_view(fs, e);
		}
		pthread_mutex_unlock(&e->mu);
		if (move)
			ent_rename(fs, e, to);
		ent_put(fs, e);
	}
	if (!(flags & RENAME_EXCHANGE)) {
		if (is_dir)
			ent_rename_dir(fs, from, to);
		else
			follow_rename(fs, from, to);
	}
	return 0;
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	struct sopsfs *fs = sopsfs_g;
	struct res rf, rt;
	int rc;

	if (names_in_git(from) || names_in_git(to))
		return -EROFS;
	WRLOCK(fs);
	if (flags & RENAME_EXCHANGE) {
		settle_pending(fs, from);
		settle_pending(fs, to);
	}
	rc = resolve(fs, from, &rf);
	if (rc == 0)
		rc = resolve(fs, to, &rt);
	else
		memset(&rt, 0, sizeof(rt));
	if (rc == 0 && rf.kind == R_BACKING && rf.e != NULL && rf.e->pending &&
	    strcmp(from, to) != 0 && !(flags & RENAME_EXCHANGE) &&
	    !((flags & RENAME_NOREPLACE) && rt.kind != R_NONE) && pending_leaves_src(fs, to, &rt))
		rc = pending_to_virt(fs, from, &rf);
	if (rc == 0 && rf.kind == R_NONE)
		rc = -ENOENT;
	else if (rc == 0 && (flags & RENAME_NOREPLACE) && rt.kind != R_NONE)
		rc = -EEXIST;
	else if (rc == 0 && (flags & RENAME_EXCHANGE) && (rf.kind == R_VIRT || rt.kind == R_VIRT))
		rc = -EINVAL;
	else if (rc == 0 && rf.kind == R_VIRT && names_is_scratch(to)) {
		rc = ent_rename(fs, rf.e, to);
		ent_overlay(fs, rf.e);
		rf.e->scratch = 1;
		rf.e->pending = 0;
		if (rt.kind == R_BACKING)
			rf.e->whiteout = 1;   /* hide what SRC has at the new name */
	} else if (rc == 0 && rf.kind == R_VIRT) {
		rc = rename_virt_to_path(fs, rf.e, to, &rt);
	} else if (rc == 0 && S_ISREG(rf.st.st_mode) && names_is_scratch(to) &&
		   !(flags & RENAME_EXCHANGE)) {
		if (rt.kind == R_VIRT)
			drop_virt(fs, rt.e);
		rc = rename_to_scratch(fs, from, to, &rf);
	} else if (rc == 0) {
		struct ident *id = NULL;

		if (S_ISREG(rf.st.st_mode) && !(flags & RENAME_EXCHANGE) &&
		    !is_sops_backing(fs, from, &rf))
			id = ident_for_path(fs, to, &rt);
		if (id != NULL) {
			rc = rename_plain_onto_sops(fs, from, to, &rf, &rt, id);
		} else {
			if (rt.kind == R_VIRT)
				drop_virt(fs, rt.e);
			rc = rename_backing(fs, from, to, flags, S_ISDIR(rf.st.st_mode));
		}
	}
	res_done(fs, &rf);
	res_done(fs, &rt);
	UNLOCK(fs);
	if (rc == 0 && rt.kind == R_BACKING && rt.st.st_nlink > 1 && !(flags & RENAME_EXCHANGE)) {
		links_drop(rt.st.st_dev, rt.st.st_ino, to);
		inval_links(fs, &rt.st, to, 0);
	}
	if (rc == 0 && rf.kind == R_BACKING && rf.st.st_nlink > 1) {
		links_drop(rf.st.st_dev, rf.st.st_ino, from);
		inval_links(fs, &rf.st, from, 0);
	}
	return rc;
}

static int op_link(const char *from, const char *to)
{
	struct sopsfs *fs = sopsfs_g;
	struct res r;
	const char *n1, *n2;
	int rc, d1, d2;

	if (names_in_git(to) && !names_in_git(from))
		return -EROFS;
	WRLOCK(fs);
	settle_pending(fs, from);
	rc = resolve(fs, from, &r);
	if (rc == 0 && r.kind != R_BACKING)
		rc = r.kind == R_NONE ? -ENOENT : -EPERM;
	if (rc == 0 && names_is_scratch(to))
		rc = -EPERM;
	if (rc == 0) {
		d1 = backing_parent(&fs->b, from, &n1);
		d2 = d1 < 0 ? -1 : backing_parent(&fs->b, to, &n2);
		rc = d1 < 0 ? d1 : d2 < 0 ? d2 : linkat(d1, n1, d2, n2, 0) == 0 ? 0 : -errno;
		if (d1 >= 0)
			close(d1);
		if (d2 >= 0)
			close(d2);
	}
	if (rc == 0) {
		links_note(r.st.st_dev, r.st.st_ino, from);
		links_note(r.st.st_dev, r.st.st_ino, to);
	}
	res_done(fs, &r);
	UNLOCK(fs);
	if (rc == 0)
		inval_links(fs, &r.st, from, 1);   /* every name's link count changed */
	return rc;
}

void ops_ns_fill(struct fuse_operations *ops)
{
	ops->rmdir = op_rmdir;
	ops->unlink = op_unlink;
	ops->rename = op_rename;
	ops->link = op_link;
}
