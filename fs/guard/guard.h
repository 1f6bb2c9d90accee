/* guard.h - the mount's leak guard: secret plaintext must not reach SRC in
 * clear through a non-SOPS file.
 *
 * What is guarded (docs/security.md): every value the daemon decrypted from
 * a SOPS file whose data key is still cached, when it looks like a secret
 * (fs/guard/index.h: >= 12 bytes, or >= 8 bytes with two character classes)
 * and does not already appear in a plain file of SRC (checked on a match,
 * cached for a minute). Where it applies: bytes that go to SRC unencrypted
 *  - writes to ordinary files in SRC (each write is checked together with
 *    the file bytes around it, so a value split across writes is found; a
 *    write that ends with the start of a value is held back until the next
 *    write, fsync or close),
 *  - new files, which the mount holds in memory for a second because they
 *    may still be renamed onto a SOPS path (atomic saves): when they would
 *    be written through they are refused and stay in memory (until
 *    rewritten, removed, or unmount); one that replaces a file of SRC (an
 *    editor's save) is refused at fsync/close already (EIO),
 *  - memory-only files renamed onto ordinary paths (EACCES).
 * Files under a creation rule or at SOPS paths are encrypted: not checked.
 * The log, user.sopsfs.error and the audit log name the file and the SOPS
 * file the value belongs to, never the value. -o leak_guard=deny|warn|off.
 */
#ifndef SOPSFS_GUARD_H
#define SOPSFS_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sopsfs;
struct sops_file;
struct ent;

enum leak_mode { LEAK_DENY = 0, LEAK_WARN, LEAK_OFF };

struct guard;
struct guard_hold;           /* bytes of a write held back (per handle) */

/* "deny", "warn", "off" -> mode, else -1. */
int guard_parse_mode(const char *s);
struct guard *guard_new(int mode);
void guard_free(struct guard *g);

/* Index the values of a SOPS file the daemon just decrypted (path in the
 * mount). */
void guard_note_file(struct sopsfs *fs, const char *path, const struct sops_file *sf);
/* Forget values of files whose data key left the key cache; wipe all. */
void guard_expire(struct sopsfs *fs);
void guard_wipe(struct sopsfs *fs);

/* A write to an ordinary file in SRC through fd (passthrough). Returns the
 * bytes accepted or -errno (-EACCES: refused, nothing written). */
int guard_pwrite(struct sopsfs *fs, const char *path, int fd, struct guard_hold **hold,
		 const void *buf, size_t size, off_t off, int append);
/* ftruncate for such a file; when it shortens the file while values are
 * guarded, the cut bytes are kept so that a refused write restores them. */
int guard_ftruncate(struct sopsfs *fs, const char *path, int fd, struct guard_hold **hold,
		    off_t size);
/* Write out (0 or -errno) / forget held-back bytes. */
int guard_hold_flush(int fd, struct guard_hold **hold);
void guard_hold_free(struct guard_hold **hold);

/* The whole content of path is about to go to SRC in clear: 0 if allowed,
 * -EACCES if refused (logged). */
int guard_check_bytes(struct sopsfs *fs, const char *path, const void *data, size_t len);
/* The same for a new file held in memory that replaces a file of SRC (an
 * editor's save), at close/fsync (takes e->mu; sets user.sopsfs.error;
 * cached per content and index version). 0 or -EIO. */
int guard_check_ent(struct sopsfs *fs, struct ent *e);
/* A new file held in memory could not be written through (commit_plain
 * said -EACCES): it stays in memory, not retried until written again, and
 * user.sopsfs.error says why (e->mu held). */
void guard_refused_ent(struct sopsfs *fs, struct ent *e);

/* Does d[0..n) contain any indexed value (public or not)? (The audit log
 * redacts such command-line arguments.) */
int guard_contains(struct sopsfs *fs, const void *d, size_t n);

/* The last refusal for path (user.sopsfs.error of files without a reason
 * of their own): length copied, 0 if none. */
size_t guard_reason(struct sopsfs *fs, const char *path, char *out, size_t size);

struct guard_stats {
	size_t values, sources, bytes;
	unsigned long refused, warned;
	int mode;
};
void guard_stats(struct sopsfs *fs, struct guard_stats *st);

#endif
