/* kinval.h - what the kernel may cache about the mount, and how we take it
 * back.
 *
 * The kernel keeps directory entries, attributes and pages of the mount for
 * long (cache_timeout, default 3600 s) so that warm passes (cat, grep -r,
 * ls -lR, find | stat) are answered without a FUSE round trip. That is safe
 * because everything that can change what the mount shows invalidates the
 * kernel's copy explicitly:
 *  - a change in SRC (fs/cache/watch.c: inotify on every directory of SRC),
 *    which also covers saves through the mount (they are commits to SRC);
 *  - views wiped on key expiry and SIGUSR1 (fs/fuse/mount.c, as before).
 * Directory entries: libfuse's high-level API exposes no node ids, so an
 * entry below the root is invalidated by bumping the connection's epoch
 * (FUSE_NOTIFY_INC_EPOCH, Linux >= 6.16: every cached dentry is looked up
 * again once); entries of the root directory directly. Negative entries are
 * not cached (a new file in SRC appears at once without any notification).
 * When the kernel lacks the epoch notification, or SRC cannot be watched
 * (inotify watch limit), the timeouts fall back to 1 s (the former
 * behaviour) and nothing relies on notifications for entries. Until every
 * directory of SRC is watched (the watcher walks SRC after the mount is up,
 * so that a large tree does not delay the first request), they are 1 s too.
 */
#ifndef SOPSFS_KINVAL_H
#define SOPSFS_KINVAL_H

#include "../fuse/sopsfs.h"

#define KINVAL_DEFAULT_TIMEOUT 3600.0
#define KINVAL_SHORT_TIMEOUT 1.0

/* op_init: set the kernel cache timeouts (and remember cfg so that they can
 * be raised once SRC is watched, or shortened for good if invalidation
 * turns out not to be possible). */
void kinval_config(struct fuse_config *cfg, double timeout);

/* Every directory of SRC is watched now: the long timeouts take effect
 * (unless degraded). */
void kinval_ready(void);

/* Shorten the timeouts to 1 s for good (SRC can no longer be watched
 * completely, or the kernel lacks the epoch notification); logs once. */
void kinval_degrade(const char *why);

/* Are changes pushed to the kernel (long timeouts in force)? */
int kinval_active(void);

/* -o ro: may the kernel open files without asking us (FUSE_NO_OPEN)?
 * Then a warm read is answered from the kernel's page cache with no FUSE
 * request at all (no OPEN, FLUSH or RELEASE). Only on read-only mounts: a
 * writable one needs the open and close of a writer (drafts, the commit at
 * close), and only while invalidation works (pages are then kept across
 * opens) and no audit log wants each decrypting open. */
int kinval_skip_opens(const struct sopsfs *fs);

/* Drop the kernel's attributes and pages of a mount path (no-op when the
 * kernel does not know the path). Never call with the namespace lock held
 * or from inside a FUSE request. */
void kinval_path(struct sopsfs *fs, const char *path);

/* The entry name in directory dir (a mount path) changed. */
void kinval_entry(struct sopsfs *fs, const char *dir, const char *name);

/* Every cached directory entry is looked up again (epoch). 0 or -1 when
 * the kernel cannot do it (then the timeouts are degraded). */
int kinval_all_entries(struct sopsfs *fs);

#endif
