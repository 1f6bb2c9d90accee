/* ahead.h - decrypt ahead of the reader on a cold pass.
 *
 * When a reader makes the mount decrypt a SOPS file (ent_refresh), the
 * other files of that file's directory are queued; when its next decryption
 * is in another directory of the same parent (a pass going through
 * apps/app1/, apps/app2/, ..., not one file looked at), the files of the
 * directories beside it are queued too, in name order from the reader's,
 * in windows of -o ahead_window files (AHEAD_MAX_FILES): when the reader reaches a
 * view in the middle of a window, the next one is queued. A few workers
 * (-o ahead=N; default one per CPU, at most 4, none on one CPU: the
 * reader's thread mostly waits for FUSE round trips) prepare their entries
 * as a getattr would: a SOPS file decrypted into its view, any other file
 * noted as plain. A reader that reaches a file first does it itself (the
 * worker skips it); one that reaches a file a worker is on waits for it.
 * So a cold `cat`, `grep -r` or `kubectl kustomize` of a tree uses more
 * than one core.
 *
 * Only files whose master keys are all age keys are decrypted ahead: no
 * key-service round trip or PGP passphrase prompt is ever made for a file
 * no one asked for. Anything that fails is left untouched for the reader,
 * who reports it. Files over 1 MiB are left to readers too (the sniff
 * reads a whole file). A directory or parent is queued once per key TTL
 * (a parent's later windows follow the reader), and nothing is queued
 * while cached views use more than half of cache_mb. Off when an audit log
 * is kept (each decryption there belongs to a reader), and queued work is
 * dropped when keys are wiped (SIGUSR1, sopsfs lock).
 */
#ifndef SOPSFS_AHEAD_H
#define SOPSFS_AHEAD_H

#include "../fuse/sopsfs.h"

#define AHEAD_MAX_FILES 4096      /* files queued per window by default */
#define AHEAD_MAX_WINDOW (1 << 20)

struct ahead;

/* The default number of workers for this machine. */
int ahead_default_threads(void);
/* nthreads workers (0: NULL, nothing ahead). NULL on failure too. */
struct ahead *ahead_new(struct sopsfs *fs, int nthreads);
/* Stop the workers (a running job finishes first) and free. */
void ahead_free(struct ahead *a);
/* A reader had path decrypted: queue what it is likely to read next. */
void ahead_note(struct ahead *a, const char *path);
/* A reader reached a view decrypted ahead (or decrypted path itself):
 * queue the next window over its parent's directories when it is past the
 * middle of the last one. */
void ahead_reached(struct ahead *a, const char *path);
/* Forget queued work and expanded directories (keys were wiped). */
void ahead_cancel(struct ahead *a);
/* Is the calling thread an ahead worker? */
int ahead_in_worker(void);

#endif
