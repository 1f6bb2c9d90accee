/* ops.h - the FUSE operations and the helpers they share. */
#ifndef SOPSFS_OPS_H
#define SOPSFS_OPS_H

#include "sopsfs.h"
#include "../entries/ent.h"
#include "../guard/guard.h"

/* What is at a path in the mount. */
enum rkind { R_NONE, R_VIRT, R_BACKING };

struct res {
	enum rkind kind;
	struct ent *e;           /* a reference when not NULL */
	struct stat st;          /* R_BACKING: lstat of the backing file */
};

/* Namespace lock held. Fills r; release with res_done. -errno on errors
 * other than "not found". */
int resolve(struct sopsfs *fs, const char *path, struct res *r);
void res_done(struct sopsfs *fs, struct res *r);

/* stat of a memory-only entry. */
void virt_stat(struct sopsfs *fs, const struct ent *e, struct stat *st);

/* An open file. */
struct handle {
	int fd;                  /* passthrough fd, or -1 */
	struct ent *e;           /* SOPS view/draft or memory-only file */
	int writable;
	struct guard_hold *hold; /* leak guard: bytes held back (fs/guard) */
	int killpriv;            /* a pending file with set-ID bits opened for
				    writing by a user other than root: its
				    first write clears them, as on a local
				    filesystem */
};

#define FH(fi) ((struct handle *)(uintptr_t)(fi)->fh)

void ops_fill(struct fuse_operations *ops);

/* attr ops (ops_attr.c), file ops (ops_file.c), namespace ops (ops_ns.c) */
void ops_attr_fill(struct fuse_operations *ops);
void ops_file_fill(struct fuse_operations *ops);
void ops_ns_fill(struct fuse_operations *ops);
void ops_new_fill(struct fuse_operations *ops);   /* mkdir, mknod, symlink */
void ops_xattr_fill(struct fuse_operations *ops); /* ops_xattr.c */
void ops_read_fill(struct fuse_operations *ops);  /* ops_read.c */

/* Run fn on the backing file of path through /proc/self/fd/N (works for
 * O_PATH fds); fn also gets the O_PATH fd itself (ops_attr.c). */
typedef int (*backing_fn)(int fd, const char *proc, void *arg);
int with_backing(const char *path, backing_fn fn, void *arg);

/* Give a new object dfd/name to the calling user (and group, unless the
 * directory is set-group-ID) when the daemon runs as root (ops_new.c). */
void own_new(int dfd, const char *name, mode_t mode);
/* Create the empty placeholder of a new ordinary file in SRC and its
 * pending entry (*out, a reference). Namespace write lock held. */
int new_placeholder(struct sopsfs *fs, const char *path, mode_t mode, struct ent **out);
/* Open path for fi->flags and set fi->fh, and release it (ops_file.c);
 * also used for a read that comes without a handle (-o ro, ops_read.c). */
int ops_open_file(const char *path, struct fuse_file_info *fi);
int ops_release_file(const char *path, struct fuse_file_info *fi);
/* open(O_CREAT) of a file that does not exist (fi NULL: mknod). */
int ops_create_file(const char *path, mode_t mode, struct fuse_file_info *fi);
/* A hard-linked file (st, lstat in SRC) changed through path: the kernel
 * drops what it cached for its other names (and for path itself when
 * self). Call without the namespace lock. */
void inval_links(struct sopsfs *fs, const struct stat *st, const char *path, int self);

/* unlink in SRC (ops_ns.c). */
int unlink_backing(struct sopsfs *fs, const char *path);

/* Pending new files (ops_pending.c); namespace write lock held. */
void forget_pending(struct sopsfs *fs, struct ent *e);
int pending_to_virt(struct sopsfs *fs, const char *from, struct res *rf);
void settle_pending(struct sopsfs *fs, const char *path);
void follow_rename(struct sopsfs *fs, const char *from, const char *to);
int pending_leaves_src(struct sopsfs *fs, const char *to, struct res *rt);
/* The set-ID bits a write by an unprivileged user clears. */
mode_t setid_bits(const struct stat *st);
/* The first write through a killpriv handle clears them in SRC. */
void pending_kill_priv(struct sopsfs *fs, struct handle *h);
/* A pending file growing past max_file settles and h goes on with its
 * file in SRC: 1 when moved, 0 when not, -errno. No lock held. */
int pending_spill(struct sopsfs *fs, struct handle *h, size_t size);
/* truncate(2) of a pending file past max_file (it settles first). */
int pending_truncate(struct sopsfs *fs, const char *path, struct ent *e, off_t size);

/* Open a file whose content lives in its entry (memory-only or pending). */
int open_mem(struct ent *e, struct fuse_file_info *fi);

#define RDLOCK(fs) pthread_rwlock_rdlock(&(fs)->ns)
#define WRLOCK(fs) pthread_rwlock_wrlock(&(fs)->ns)
#define UNLOCK(fs) pthread_rwlock_unlock(&(fs)->ns)

/* The identity a new file at path would take: a tombstone left there, an
 * existing SOPS file's, or a creation rule's (new reference or NULL). */
struct ident *ident_for_path(struct sopsfs *fs, const char *path, struct res *r);

#endif
