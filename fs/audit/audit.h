/* audit.h - the mount's audit log (-o audit=PATH | audit=syslog).
 *
 * One JSON object per line and per event:
 *   {"time":"2026-12-03T08:50:01.123456Z","event":"decrypt-open","uid":1000,
 *    "pid":4242,"comm":"cat","exe":"/usr/bin/cat","cmdline":["cat","s.yaml"],
 *    "path":"/secrets/s.yaml"}
 * plus one event-specific field: "source" (leak-refused, leak-warned: the
 * SOPS file of the value), "key" (key-unwrap: "age RECIPIENT" / "pgp FP" of
 * the master key that unwrapped the data key), "reason" (refused-commit,
 * key-wipe). Events: decrypt-open, commit, refused-commit, leak-refused,
 * leak-warned, key-unwrap, key-wipe. Never a value or a key: command-line
 * arguments that contain a value the leak guard knows are replaced by
 * "[redacted]" (with -o leak_guard=off it knows none).
 * uid/pid are the requesting process's (FUSE context; for key-wipe the
 * sender of SIGUSR1 or of `sopsfs lock`, the daemon itself for "expired"
 * and "unmount"); pid 0 when the kernel does not say (release).
 *
 * The file is opened O_APPEND (mode 0600), each line goes out in one
 * write(2), and it is fsync'ed at least every second (audit_sync from the
 * housekeeping thread). A log that cannot be written is reported once in
 * the daemon's log; with -o audit_required, opens that would decrypt are
 * then refused (EACCES) until it can be written again.
 */
#ifndef SOPSFS_AUDIT_H
#define SOPSFS_AUDIT_H

#include <sys/types.h>

struct sopsfs;
struct audit;

/* spec: an absolute path or "syslog". NULL on out of memory only (an
 * unopenable file is reported and retried). */
struct audit *audit_open(const char *spec, int required);
void audit_close(struct audit *a);

/* An event from the process of the current FUSE request. key/val: one
 * extra string field (key NULL: none). */
void audit_event(struct sopsfs *fs, const char *event, const char *path,
		 const char *key, const char *val);
/* The same for a known process. */
void audit_event_from(struct sopsfs *fs, pid_t pid, uid_t uid, const char *event,
		      const char *path, const char *key, const char *val);
/* Before an open that shows plaintext: logs decrypt-open; -EACCES when
 * audit_required and the log cannot be written, else 0. */
int audit_decrypt_open(struct sopsfs *fs, const char *path);
/* fsync what was written since the last call. */
void audit_sync(struct sopsfs *fs);
/* "path" or "syslog", and whether it is currently broken (status). */
const char *audit_target(const struct audit *a, int *broken);

#endif
