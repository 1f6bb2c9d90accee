/* ent.h - per-path state of the mount (the "entry table").
 *
 * An entry exists for a path that needs more than a passthrough:
 *  - a SOPS file in SRC: its cached plaintext view (locked memory) or the
 *    reason it cannot be decrypted, keyed to the backing file's identity
 *    (dev, ino, size, mtime, ctime) so a change underneath is noticed;
 *  - a draft: plaintext being written to a SOPS path, committed (encrypted,
 *    atomically written) at fsync/flush/release;
 *  - a memory-only file (scratch side file, or a new file under a creation
 *    rule that has not been committed yet) or symlink;
 *  - a whiteout: a backing file hidden because an editor renamed it to a
 *    scratch name (the backing file stays untouched until the new version
 *    is committed), usually with a tombstone identity that a new file at the
 *    path takes over.
 * Locking: the namespace rwlock (fs.h) orders everything; an entry's mutex
 * protects its content. Entries are reference counted.
 */
#ifndef SOPSFS_ENT_H
#define SOPSFS_ENT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include "../fuse/sopsfs.h"
#include "ident.h"
#include "../../common/buf.h"
#include "../../common/may_block.h"

enum vkind { VF_UNKNOWN = 0, VF_PLAIN, VF_SOPS, VF_ERROR };

struct bident {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime, ctime;        /* ns since the epoch (bident_ns) */
};

/* A timestamp as a bident holds it. */
static inline int64_t bident_ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

struct ent {
	char *path;
	struct ent *hnext;
	struct ent *lru_prev, *lru_next;    /* entries holding a view */
	struct ent *ov_prev, *ov_next;      /* entries that were ever virt or
					       whiteout (readdir scans these) */
	int in_ov;
	int refs;
	int in_table;
	enum vkind kind;            /* backing file cache (below; here it
				       fills what would be padding) */
	pthread_mutex_t mu;

	/* namespace overlay */
	unsigned virt : 1;          /* a file that exists in memory only */
	unsigned scratch : 1;       /* ... that is a side file */
	unsigned symlink : 1;       /* ... that is a symlink (target in content) */
	unsigned whiteout : 1;      /* the backing file at path is hidden */
	unsigned unlinked : 1;      /* removed from the namespace, still open */
	mode_t mode;                /* virt: type and permission bits */
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime, ctime;
	ino_t ino;                  /* virt: inode number shown (synthetic, or the
				       number of the file it was made from) */
	ino_t show_ino, show_for;   /* the backing inode show_for (a file that
				       commits replaced) is shown as show_ino */
	struct ident *tomb;         /* identity left at path by a renamed-away or
				       unlinked SOPS file */
	time_t tomb_until;

	/* backing file cache (and kind, above) */
	struct bident bid;
	uint8_t *view;              /* plaintext view (sm_alloc) or NULL */
	size_t view_len;
	time_t view_loaded, view_used;
	/* Kernel page cache of a view: gen changes whenever the bytes a reader
	 * sees may change; attr_gen is the gen whose size the kernel was last
	 * told (getattr), page_gen the gen whose pages it may hold. A
	 * read-only open uses the page cache only when attr_gen == gen. */
	unsigned long gen, attr_gen, page_gen;
	struct bident cached_bid;   /* ordinary file: identity whose pages the
				       kernel may keep (keep_cache) */
	unsigned plain_cached : 1;
	unsigned ahead_made : 1;    /* view decrypted ahead (fs/entries/ahead.h)
				       that no reader has reached yet */
	char *err;                  /* why it cannot be decrypted / committed (heap) */

	/* writing */
	struct ident *id;           /* identity to commit with */
	struct buf content;         /* draft or virt content (secure) */
	unsigned has_draft : 1;     /* content is the current plaintext */
	unsigned dirty : 1;         /* content differs from what SRC holds */
	struct bident draft_base;   /* backing identity when the draft started */
	unsigned carry : 1;         /* scratch content came from a SOPS file (tomb
				       is its identity): never written in clear */
	unsigned has_base : 1;      /* draft_base is set (a backing file existed) */
	unsigned pending : 1;       /* a new ordinary file whose content is kept in
				       memory until it has been closed for
				       PENDING_SECONDS without being renamed onto a
				       SOPS path, then written through (temp-then-
				       rename saves of secrets never put plaintext
				       in SRC). Unless virt, SRC already holds it as
				       an empty placeholder (bid): its inode, owner,
				       mode, links and xattrs are the real ones from
				       the start; only content, size and times live
				       here until it settles. */
	time_t flush_at;
	unsigned commit_failed : 1; /* the last commit failed and nothing was
				       written since: the error was reported */
	int writers;                /* open handles that may write */
	/* leak guard (fs/guard): the content of gen guard_gen was found free
	 * of the values of index version guard_ver (0: never) */
	unsigned long guard_ver, guard_gen;
};

struct etable;

struct etable *etable_new(void);
void etable_free(struct etable *t);

/* Lock e. A wait for another thread (a worker decrypting e, a save) first
 * lets the mount's loop pass the next requests on (fs/fuse/loop.c). */
static inline void ent_lock(struct ent *e)
{
	if (pthread_mutex_trylock(&e->mu) != 0) {
		may_block();
		pthread_mutex_lock(&e->mu);
	}
}

/* Find the entry of path (a new reference) or NULL. */
struct ent *ent_find(struct sopsfs *fs, const char *path);
/* Find or create. NULL on OOM. */
struct ent *ent_get(struct sopsfs *fs, const char *path);
struct ent *ent_ref(struct ent *e);
void ent_put(struct sopsfs *fs, struct ent *e);
/* Remove from the table (the entry lives on while referenced). */
void ent_remove(struct sopsfs *fs, struct ent *e);
/* Give e the new path (replacing any entry there). */
int ent_rename(struct sopsfs *fs, struct ent *e, const char *newpath);
/* A directory was renamed: entries below from/ move below to/. */
void ent_rename_dir(struct sopsfs *fs, const char *from, const char *to);
/* The inode number the mount shows for backing inode ino of e. */
ino_t ent_show_ino(const struct ent *e, ino_t ino);
/* Note that e is (or holds) a memory-only file or a whiteout. */
void ent_overlay(struct sopsfs *fs, struct ent *e);
/* Is any overlay entry present (else nothing is hidden or virtual)? */
int ent_has_overlay(struct sopsfs *fs);
/* Call fn for every overlay entry whose parent directory is dir (readdir). */
void ent_foreach_child(struct sopsfs *fs, const char *dir,
		       void (*fn)(void *arg, struct ent *e, const char *name), void *arg);

/* Backing identity helpers. */
void bident_from_stat(struct bident *b, const struct stat *st);
int bident_eq(const struct bident *a, const struct bident *b);

/* Make e's view match the backing file st (lstat of path; e->mu held):
 * decrypt it on first sight or after a change. Sets e->kind. */
void ent_refresh(struct sopsfs *fs, struct ent *e, const struct stat *st);
/* Set e's view to a copy of p[0..n) (e->mu held). 0 or -1. */
int ent_set_view(struct sopsfs *fs, struct ent *e, const void *p, size_t n);
/* Drop e's view (e->mu held). */
void ent_drop_view(struct sopsfs *fs, struct ent *e);
/* Load the identity of the SOPS file at e's path (e->mu held). 0 or -EIO. */
int ent_load_ident(struct sopsfs *fs, struct ent *e);
/* Remember why e failed (xattr user.sopsfs.error) and log it once;
 * ent_clear_error forgets it. */
void ent_set_error(struct ent *e, const char *why);
void ent_clear_error(struct ent *e);
/* The bytes a reader sees (draft if any, else view). */
const uint8_t *ent_data(const struct ent *e, size_t *len);
/* Expire views idle for key_ttl or older than key_max_ttl (all: every
 * view), identities of clean entries and old tombstones. A quick pass
 * (full = 0) only looks at the idle end of the view list. */
void ent_sweep(struct sopsfs *fs, time_t now, int all, int full);
/* Paths whose view the last sweep wiped (the kernel's cached pages of them
 * must go too); the caller frees the list with free(). */
char **ent_take_wiped(struct sopsfs *fs, size_t *n);
/* Write through pending new files whose grace period is over (now = 0:
 * all of them, at unmount; now = 1 with flush_at = 0: the ones asked
 * for). Namespace write lock held. */
void ent_flush_pending(struct sopsfs *fs, time_t now);
#define PENDING_SECONDS 1
/* Evict views above the cache cap. */
void ent_evict(struct sopsfs *fs);
size_t ent_view_bytes(struct sopsfs *fs);
/* What the table holds (sopsfs status): views, drafts, memory-only files. */
struct ent_counts {
	size_t views, view_bytes, drafts, dirty, memfiles, mem_bytes;
};
void ent_count(struct sopsfs *fs, struct ent_counts *c);
/* New synthetic inode number for memory-only files. */
ino_t ent_new_ino(void);

/* The key-cache backed data key lookup used for every decryption. */
int sopsfs_get_key(void *arg, const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN],
		   struct sops_err *err);

#endif
