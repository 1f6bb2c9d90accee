/* ops_pending.c - new ordinary files whose content is still in memory
 * ("pending", see ent.h): SRC holds their empty placeholder from the start
 * (a real inode, owner, mode and directory entry); their content is
 * written into it once they have been closed for PENDING_SECONDS, unless
 * they were renamed onto a SOPS path first (then it is encrypted, and the
 * plaintext never reaches SRC). Link and rename-exchange settle them at
 * once; an unlink or a replacing rename forgets them.
 */
#include "ops.h"
#include "../writeback/commit.h"
#include "../entries/names.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* A pending new file left the namespace (unlinked, or replaced by a
 * rename): open handles keep its content, nothing is written. */
void forget_pending(struct sopsfs *fs, struct ent *e)
{
	ent_lock(e);
	e->unlinked = 1;
	pthread_mutex_unlock(&e->mu);
	ent_remove(fs, e);
}

/* A pending new file becomes memory-only (it is renamed to a scratch
 * name or onto a SOPS path): its placeholder leaves SRC, it keeps its
 * inode number, owner and mode. */
int pending_to_virt(struct sopsfs *fs, const char *from, struct res *rf)
{
	struct ent *e = rf->e;
	int rc = unlink_backing(fs, from);

	if (rc != 0)
		return rc;
	ent_lock(e);
	e->virt = 1;
	e->has_draft = 1;
	e->mode = rf->st.st_mode;
	e->uid = rf->st.st_uid;
	e->gid = rf->st.st_gid;
	e->ino = rf->st.st_ino;
	pthread_mutex_unlock(&e->mu);
	rf->kind = R_VIRT;
	return 0;
}

/* A new ordinary file not written through yet is written now (link and
 * rename-exchange need it in SRC). One still open for writing stays
 * pending: what it writes later is written again when it settles.
 * Namespace write lock held. */
void settle_pending(struct sopsfs *fs, const char *path)
{
	struct ent *e = ent_find(fs, path);

	if (e != NULL && e->pending && !e->unlinked && !e->virt) {
		ent_lock(e);
		if (commit_settle(fs, e) == 0 && e->writers == 0) {
			e->pending = 0;
			e->dirty = 0;
			e->kind = VF_UNKNOWN;
			buf_free(&e->content);
		}
		pthread_mutex_unlock(&e->mu);
	} else if (e != NULL && e->pending && e->virt && e->writers == 0) {
		ent_lock(e);
		e->flush_at = 0;
		pthread_mutex_unlock(&e->mu);
		ent_flush_pending(fs, 1);
	}
	ent_put(fs, e);
}

/* After a rename in SRC, the entry of from goes with the file: a pending
 * file's content, a view's inode number. */
void follow_rename(struct sopsfs *fs, const char *from, const char *to)
{
	struct ent *e = ent_find(fs, from), *t;

	if (e == NULL)
		return;
	if (e->pending && !e->unlinked) {
		ent_rename(fs, e, to);
	} else if (e->show_ino != 0 && (t = ent_get(fs, to)) != NULL) {
		t->show_ino = e->show_ino;
		t->show_for = e->show_for;
		ent_overlay(fs, t);
		ent_put(fs, t);
	}
	ent_put(fs, e);
}

/* Does a pending file renamed to `to` leave SRC (to a scratch name, or to
 * be encrypted at a SOPS path)? */
int pending_leaves_src(struct sopsfs *fs, const char *to, struct res *rt)
{
	struct ident *id;

	if (names_is_scratch(to))
		return 1;
	id = ident_for_path(fs, to, rt);
	ident_unref(id);
	return id != NULL;
}

/* The set-ID bits a write by an unprivileged user clears. */
mode_t setid_bits(const struct stat *st)
{
	return (st->st_mode & S_ISUID) | ((st->st_mode & S_IXGRP) ? (st->st_mode & S_ISGID) : 0);
}

/* The first write through a killpriv handle. */
void pending_kill_priv(struct sopsfs *fs, struct handle *h)
{
	const char *name;
	struct stat st;
	int dfd;

	h->killpriv = 0;
	dfd = backing_parent(&fs->b, h->e->path, &name);
	if (dfd < 0)
		return;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    setid_bits(&st) != 0)
		fchmodat(dfd, name, st.st_mode & 07777 & ~setid_bits(&st), 0);
	close(dfd);
}


/* A pending new file growing past max_file is no secret's plaintext (SOPS
 * files that large are not read): it settles now and the handle goes on
 * with its file in SRC. 1 when moved, 0 when not, -errno. */
int pending_spill(struct sopsfs *fs, struct handle *h, size_t size)
{
	struct ent *e = h->e;
	int fd = 0;

	if (e == NULL || !e->pending || e->virt || e->unlinked || size <= fs->o.max_file)
		return 0;
	WRLOCK(fs);
	ent_lock(e);
	if (e->pending && !e->unlinked) {
		fd = commit_settle(fs, e);
		if (fd == 0)
			fd = backing_open_file(&fs->b, e->path, O_RDWR);
		if (fd >= 0) {
			if (h->writable)
				e->writers--;
			if (e->writers == 0) {
				e->pending = 0;
				e->dirty = 0;
				e->kind = VF_UNKNOWN;
				buf_free(&e->content);
			}
			h->fd = fd;
			h->e = NULL;
		}
	}
	pthread_mutex_unlock(&e->mu);
	UNLOCK(fs);
	if (h->e != NULL)
		return fd < 0 ? fd : 0;
	ent_put(fs, e);
	return 1;
}


/* truncate(2) of a pending file past max_file: it settles first. */
int pending_truncate(struct sopsfs *fs, const char *path, struct ent *e, off_t size)
{
	int rc, fd;

	ent_lock(e);
	rc = commit_settle(fs, e);
	if (rc == 0 && e->writers == 0) {
		e->pending = 0;
		e->dirty = 0;
		e->kind = VF_UNKNOWN;
		buf_free(&e->content);
	}
	pthread_mutex_unlock(&e->mu);
	if (rc != 0)
		return rc;
	fd = backing_open_path(&fs->b, path, O_WRONLY, 0);
	rc = fd < 0 ? fd : ftruncate(fd, size) == 0 ? 0 : -errno;
	if (fd >= 0)
		close(fd);
	return rc;
}
