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
};

#define FH(fi) ((struct handle *)(uintptr_t)(fi)->fh)

void ops_fill(struct fuse_operations *ops);

/* attr ops (ops_attr.c), file ops (ops_file.c), namespace ops (ops_ns.c) */
void ops_attr_fill(struct fuse_operations *ops);
void ops_file_fill(struct fuse_operations *ops);
void ops_ns_fill(struct fuse_operations *ops);

#define RDLOCK(fs) pthread_rwlock_rdlock(&(fs)->ns)
#define WRLOCK(fs) pthread_rwlock_wrlock(&(fs)->ns)
#define UNLOCK(fs) pthread_rwlock_unlock(&(fs)->ns)

/* removexattr user.sopsfs.draft: forget an uncommitted draft (ops_file.c). */
int ops_drop_draft(const char *path);

/* The identity a new file at path would take: a tombstone left there, an
 * existing SOPS file's, or a creation rule's (new reference or NULL). */
struct ident *ident_for_path(struct sopsfs *fs, const char *path, struct res *r);

#endif
