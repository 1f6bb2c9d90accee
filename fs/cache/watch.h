/* watch.h - notice every change in SRC (inotify on each of its
 * directories) and take the kernel's cached copy of what changed back
 * (kinval.h), so that long kernel cache timeouts never serve a stale
 * entry, attribute or page.
 *
 * One thread reads the events; a batch is coalesced (each path invalidated
 * once). New directories are watched as they appear (with what was created
 * in them before the watch); a renamed directory re-walks SRC (its watch
 * descriptors keep working but their paths changed); a queue overflow or a
 * full watch table invalidates everything. Our own temp files are ignored.
 */
#ifndef SOPSFS_WATCH_H
#define SOPSFS_WATCH_H

#include "../fuse/sopsfs.h"

/* Probe the kernel and start the watcher, which watches every directory
 * of SRC and then raises the kernel timeouts (kinval_ready); after
 * fuse_mount, before the loop. Never fails: without inotify or the epoch
 * notification the kernel timeouts stay short (kinval_degrade). */
void watch_start(struct sopsfs *fs);
/* Stop the thread and free everything (before fuse_unmount). */
void watch_stop(void);

#endif
