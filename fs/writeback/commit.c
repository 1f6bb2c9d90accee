/* commit.c - encrypt drafts and write them to SRC atomically. */
#include "commit.h"
#include "../conflict/conflict.h"
#include "../../common/atomic_write.h"
#include "../../codec/core/new_spec.h"
#include "../../codec/core/iv_stash.h"
#include "../guard/guard.h"
#include "../audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_backing(struct sopsfs *fs, const char *path, const void *data, size_t len,
			 mode_t mode, struct sops_err *err)
{
	const char *name;
	int dfd = backing_parent(&fs->b, path, &name), rc;

	if (dfd < 0)
		return err_set(err, EX_COULD_NOT_WRITE, "cannot open the directory of %s: %s",
			       path, strerror(-dfd));
	/* O_PATH fds cannot be fsync'ed; reopen the directory for writing */
	{
		int wfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		close(dfd);
		if (wfd < 0)
			return err_set(err, EX_COULD_NOT_WRITE, "cannot open the directory of %s: %s",
				       path, strerror(errno));
		dfd = wfd;
	}
	rc = atomic_replace_at(dfd, name, data, len, mode, err);
	close(dfd);
	return rc;
}

int commit_plain(struct sopsfs *fs, const char *path, const void *data, size_t len, mode_t mode)
{
	struct sops_err err;
	int rc;

	may_block();                    /* speed: a save (fs/fuse/loop.c) */
	rc = guard_check_bytes(fs, path, data, len);     /* leak guard */
	if (rc != 0)
		return rc;
	if (write_backing(fs, path, data, len, mode, &err) != 0) {
		sopsfs_log("%s: %s", path, err.msg);
		return -EIO;
	}
	return 0;
}

void commit_owner(struct sopsfs *fs, const char *path, uid_t uid, gid_t gid)
{
	const char *name;
	int dfd;

	if (geteuid() != 0 || (uid == geteuid() && gid == getegid()))
		return;
	dfd = backing_parent(&fs->b, path, &name);
	if (dfd < 0)
		return;
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
		sopsfs_log("%s: cannot give the new file its owner: %s", path, strerror(errno));
	close(dfd);
}

static int write_at(int fd, const uint8_t *p, size_t len)
{
	off_t off = 0;

	while ((size_t)off < len) {
		ssize_t n = pwrite(fd, p + off, len - (size_t)off, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += n;
	}
	return ftruncate(fd, (off_t)len) == 0 ? 0 : -errno;
}

/* Open the placeholder for writing through /proc (an O_PATH fd checked to
 * be the same file); a file without write permission is opened with the
 * owner's write bit set for the moment. */
static int open_placeholder(int pfd, const struct stat *st)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && chmod(proc, (st->st_mode & 07777) | S_IWUSR) == 0) {
		fd = open(proc, O_WRONLY | O_CLOEXEC);
		chmod(proc, st->st_mode & 07777);
	}
	return fd < 0 ? -errno : fd;
}

int commit_settle(struct sopsfs *fs, struct ent *e)
{
	struct stat st;
	struct timespec ts[2] = { e->atime, e->mtime };
	int pfd = backing_open_path(&fs->b, e->path, O_PATH, 0), fd, rc;

	if (pfd < 0 || fstat(pfd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_ino != e->bid.ino || st.st_dev != e->bid.dev) {
		sopsfs_log("%s: replaced or removed in the source directory before its content "
			   "was written; the source directory's version is kept", e->path);
		if (pfd >= 0)
			close(pfd);
		return 0;
	}
	/* leak guard: a new file about to get a decrypted secret stays in memory */
	rc = e->dirty ? guard_check_bytes(fs, e->path, e->content.data ? e->content.data
							  : (const uint8_t *)"", e->content.len) : 0;
	fd = e->dirty && rc == 0 ? open_placeholder(pfd, &st) : -1;
	close(pfd);
	if (!e->dirty || rc != 0)
		return rc;
	if (fd < 0)
		return fd;
	rc = write_at(fd, e->content.data ? e->content.data : (const uint8_t *)"", e->content.len);
	if (rc == 0 && futimens(fd, ts) != 0)
		rc = -errno;
	/* a write by a non-root daemon clears set-id bits: put them back */
	if (rc == 0 && (st.st_mode & 06000) && fchmod(fd, st.st_mode & 07777) != 0)
		rc = -errno;
	close(fd);
	if (rc != 0)
		sopsfs_log("%s: cannot write the new file's content: %s", e->path, strerror(-rc));
	return rc;
}

struct ident *commit_rule_ident(struct sopsfs *fs, const char *path)
{
	char dir[PATH_MAX * 2], abs[PATH_MAX * 2];
	const char *slash = strrchr(path, '/');
	struct sops_config *cfg = NULL;
	const struct creation_rule *rule = NULL;
	struct sops_err err;

	snprintf(abs, sizeof(abs), "%s%s", fs->b.root, path);
	snprintf(dir, sizeof(dir), "%s%.*s", fs->b.root, (int)(slash ? slash - path : 0), path);
	if (spec_find_rule(dir, fs->b.root, abs, &cfg, &rule, &err) != 0) {
		if (strstr(err.msg, "no matching creation rules") == NULL)
			sopsfs_log("%s: .sops.yaml: %s", path, err.msg);
		sops_config_free(cfg);
		return NULL;
	}
	if (rule == NULL) {
		sops_config_free(cfg);
		return NULL;
	}
	return ident_from_rule(rule, cfg, path, &err);
}

/* Does SRC hold exactly these bytes at path? */
static int backing_holds(struct sopsfs *fs, const char *path, const char *text, size_t len)
{
	char *have = NULL;
	size_t n = 0;
	int same;

	if (backing_read_all(&fs->b, path, len + 1, &have, &n) != 0)
		return 0;
	same = n == len && memcmp(have, text, len) == 0;
	free(have);
	return same;
}

/* Has SRC changed under the draft since it started? */
static int conflict(struct sopsfs *fs, struct ent *e, struct sops_err *err)
{
	const char *name;
	struct stat st;
	struct bident now;
	int dfd = backing_parent(&fs->b, e->path, &name), exists;

	if (dfd < 0)
		return 0;
	exists = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	close(dfd);
	if (exists)
		bident_from_stat(&now, &st);
	if (e->has_base && (!exists || !bident_eq(&now, &e->draft_base)))
		return err_set(err, EX_ERROR, "conflict: %s changed in the source directory while "
			       "it was being edited; the edit was not saved (read the draft, then "
			       "setfattr -x user.sopsfs.draft to drop it)", e->path);
	if (!e->has_base && exists)
		return err_set(err, EX_ERROR, "conflict: %s was created in the source directory "
			       "while a new file was being written there; the edit was not saved",
			       e->path);
	return 0;
}

/* A draft that is a whole SOPS file (ciphertext): keep it verbatim if it
 * decrypts with our keys. 1 = it is one (opened into *sf), 0 = not. */
static int draft_is_sops(struct sopsfs *fs, struct ent *e, struct sops_file **sf)
{
	const struct store_ops *st = store_for_content(e->path, (char *)e->content.data, e->content.len);
	struct sops_opts o = { .ignore_mac = 0, .get_key = sopsfs_get_key, .get_key_arg = fs };
	struct sops_err err;
	int found = 0;

	o.found_meta = &found;
	if (e->content.len == 0 || memmem(e->content.data, e->content.len, "sops", 4) == NULL)
		return 0;
	if (sops_file_open_as(st, (char *)e->content.data, e->content.len, NULL, &o, sf, &err) == 0)
		return 1;
	return 0;
}

static int encrypt_draft(struct sopsfs *fs, struct ent *e, struct buf *out,
			 struct sops_file **newf, struct sops_err *err)
{
	struct ident *id = e->id;
	const char *plain = e->content.data ? (char *)e->content.data : "";

	if (draft_is_sops(fs, e, newf)) {
		if (buf_add(out, e->content.data, e->content.len) != 0)
			return err_set(err, EX_ERROR, "out of memory");
		return 0;
	}
	if (id == NULL)
		return err_set(err, EX_ERROR, "no encryption identity for %s", e->path);
	if (id->sf != NULL)
		return sops_file_reencrypt(id->sf, plain, e->content.len, out, newf, err);
	return sops_encrypt_new_open(id->rule_path, plain, e->content.len, &id->spec, out, newf,
				     err);
}

static void after_commit(struct sopsfs *fs, struct ent *e, struct sops_file *newf)
{
	const char *name;
	struct stat st;
	int dfd = backing_parent(&fs->b, e->path, &name);
	/* one inode number for the file's life: what it showed before (a
	 * memory-only file's, or the replaced backing file's) */
	ino_t keep = e->ino ? e->ino : e->has_base ? ent_show_ino(e, e->bid.ino) : 0;

	if (dfd >= 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (keep != 0 && keep != st.st_ino) {
			e->show_ino = keep;
			e->show_for = st.st_ino;
		}
		bident_from_stat(&e->bid, &st);
		e->draft_base = e->bid;
		e->has_base = 1;
	}
	if (dfd >= 0)
		close(dfd);
	if (newf != NULL) {
		/* same data key: keep the old IVs too, so a value that this save
		 * dropped and the next one restores keeps its ciphertext */
		if (e->id != NULL && e->id->sf != NULL &&
		    memcmp(e->id->sf->key, newf->key, SOPS_DATA_KEY_LEN) == 0)
			iv_stash_merge(newf->stash, e->id->sf->stash);
		guard_note_file(fs, e->path, newf);     /* leak guard: new values */
		ident_unref(e->id);
		e->id = ident_from_file(newf);
	}
	ent_set_view(fs, e, e->content.data ? e->content.data : (const uint8_t *)"", e->content.len);
	e->kind = VF_SOPS;
	e->dirty = 0;
	e->virt = 0;
	e->ino = 0;
	e->scratch = 0;
	e->whiteout = 0;
	e->commit_failed = 0;
	ent_clear_error(e);
	ident_unref(e->tomb);
	e->tomb = NULL;
}

int commit_ent(struct sopsfs *fs, struct ent *e)
{
	struct buf out = BUF_INIT;
	struct sops_file *newf = NULL;
	struct sops_err err;
	mode_t mode = e->virt ? (e->mode & 07777) : 0600;

	if (!e->dirty || e->scratch)
		return 0;
	may_block();                    /* speed: a save (fs/fuse/loop.c) */
	/* merge conflicts (#12): a save that still has conflict markers is refused */
	if (conflict_draft_check(fs, e) != 0)
		return -EIO;
	err_clear(&err);
	if (e->virt && e->content.len == 0 && !e->has_base)
		return 0;           /* an empty new file stays in memory until it has content */
	if (!e->virt && e->view != NULL && e->view_len == e->content.len &&
	    memcmp(e->view, e->content.data ? e->content.data : (const uint8_t *)"", e->view_len) == 0 &&
	    conflict(fs, e, &err) == 0) {
		after_commit(fs, e, NULL);      /* saved unchanged: nothing to write */
		return 0;
	}
	if (e->id == NULL && !e->virt && ent_load_ident(fs, e) != 0)
		return -EIO;
	if (conflict(fs, e, &err) != 0 || encrypt_draft(fs, e, &out, &newf, &err) != 0) {
		ent_set_error(e, err.msg);
		audit_event(fs, "refused-commit", e->path, "reason", err.msg);
		e->commit_failed = 1;
		buf_free(&out);
		return -EIO;
	}
	if (newf == NULL && out.len == 0) {
		/* the plaintext is the identity's own: SRC needs exactly its file */
		const struct sops_file *sf = e->id->sf;

		if (backing_holds(fs, e->path, sf->text, sf->len)) {
			after_commit(fs, e, NULL);
			return 0;
		}
		if (buf_add(&out, sf->text, sf->len) != 0) {
			ent_set_error(e, "out of memory");
			return -EIO;
		}
	}
	if (write_backing(fs, e->path, out.data, out.len, mode, &err) != 0) {
		ent_set_error(e, err.msg);
		audit_event(fs, "refused-commit", e->path, "reason", err.msg);
		e->commit_failed = 1;
		sops_file_free(newf);
		buf_free(&out);
		return -EIO;
	}
	buf_free(&out);
	if (e->virt && !e->has_base)
		commit_owner(fs, e->path, e->uid, e->gid);    /* a new file: its creator's */
	after_commit(fs, e, newf);
	audit_event(fs, "commit", e->path, NULL, NULL);
	return 0;
}
