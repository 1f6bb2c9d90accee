/* sopsfs.h - the state of a mounted sopsfs and what the FUSE operations share.
 *
 * We use libfuse's high-level (path) API: sopsfs' semantics are path based
 * (an editor's new file at a SOPS path takes that path's identity), the
 * kernel resolves symlinks in the mount for us, and every backing access is
 * an *at() call below SRC (fs/backing.c). The low-level API would only save
 * the path lookups, which the benchmarks show are not the cost here.
 */
#ifndef SOPSFS_SOPSFS_H
#define SOPSFS_SOPSFS_H

#define FUSE_USE_VERSION 312

#include <fuse.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include "../backing/backing.h"
#include "../../crypto/keycache.h"

struct etable;
struct guard;
struct audit;

struct sopsfs_opts {
	char *src;
	char *mnt;
	mode_t view_mode;          /* mode of decrypted views (0600) */
	int ignore_mac;
	unsigned key_ttl;          /* idle TTL of data keys, s */
	unsigned key_max_ttl;      /* hard TTL, s */
	size_t cache_bytes;        /* cap on cached plaintext views */
	size_t max_file;           /* files larger than this are not inspected */
	int foreground;
	int debug;
	int allow_other;
	char *scratch;             /* extra scratch patterns (write side) */
	double cache_timeout;      /* speed: kernel entry/attr cache, s (fs/cache) */
	/* kms1: key services (fs/prefetch) */
	int kms_parallel;          /* prefetch workers (-o kms_parallel=, 16) */
	int prefetch;              /* -o prefetch=on|off (default on) */
	int ahead;                 /* speed: decrypt-ahead workers (-o ahead=N) */
	size_t ahead_window;       /* ... files queued at a time (-o ahead_window=N) */
	int leak_guard;            /* enum leak_mode (fs/guard/guard.h) */
	char *audit;               /* audit log: absolute path or "syslog" */
	int audit_required;        /* refuse decrypting opens if it fails */
	int read_only;             /* -o ro (speed: the kernel opens files itself) */
};

struct sopsfs {
	struct sopsfs_opts o;
	struct backing b;
	struct keycache *keys;
	struct etable *ents;       /* per-path state (fs/ent.c) */
	struct plainset *plain;    /* ordinary files known plain (fs/entries/plain.h) */
	struct guard *guard;       /* leak guard (fs/guard/) */
	struct audit *audit;       /* audit log (fs/audit/) or NULL */
	pthread_rwlock_t ns;       /* namespace lock: write for changes */
	struct prefetch *pf;       /* kms1: directory prefetch (fs/prefetch) */
	struct ahead *ahead;       /* speed: decrypt ahead (fs/entries/ahead.h) */
	struct fuse *fuse;
	int kernel_no_open;        /* the kernel can open files without us (init) */
	atomic_ulong unwraps;      /* data keys unwrapped with a master key */
	atomic_ulong decrypts;     /* files decrypted */
	atomic_int wipe_requested; /* SIGUSR1 */
	atomic_int wipe_pid;       /* ... its sender (audit) */
	atomic_uint wipe_uid;
	atomic_int stopping;       /* unmounting: housekeeping ends */
	pthread_t housekeeper;
	int mlock_warned;
};

/* The one mounted filesystem (FUSE callbacks reach it through this). */
extern struct sopsfs *sopsfs_g;

/* Log a line to syslog/stderr (never with secrets). */
void sopsfs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fs/mount.c */
int sopsfs_mount_main(int argc, char **argv);
/* Wipe every cached key, view and clean identity now (SIGUSR1, `sopsfs
 * lock`); pid/uid/why go to the audit log. Not with the namespace lock. */
void sopsfs_wipe(struct sopsfs *fs, pid_t pid, uid_t uid, const char *why);

#endif
