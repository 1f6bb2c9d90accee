/* commit.h - turn a draft into the encrypted file in SRC.
 *
 * Commit = encrypt the draft with the path's identity (same data key, key
 * groups and enc blobs, IV reuse; or a new key for a new file under a
 * creation rule), write it atomically next to the target (temp, fsync,
 * renameat, fsync dir) and make the draft the committed view. An unchanged
 * draft writes nothing. A draft that holds a complete SOPS file (e.g. a
 * `git checkout` of the encrypted blob, `cp` of an encrypted file) is
 * written as is once it decrypts. Anything that fails leaves SRC untouched
 * and the draft readable; the reason goes to the log and to the xattr
 * user.sopsfs.error.
 */
#ifndef SOPSFS_COMMIT_H
#define SOPSFS_COMMIT_H

#include "../entries/ent.h"

/* Namespace write lock and e->mu held. 0 or -EIO (or -errno). */
int commit_ent(struct sopsfs *fs, struct ent *e);

/* Write plain bytes through to SRC at path (atomic), e.g. a scratch file
 * renamed onto an ordinary path. 0 or -errno. */
int commit_plain(struct sopsfs *fs, const char *path, const void *data, size_t len, mode_t mode);

/* Give a file that the daemon (root) just wrote for a memory-only new file
 * the owner the mount showed for it (no-op when not root). */
void commit_owner(struct sopsfs *fs, const char *path, uid_t uid, gid_t gid);

/* Settle a pending new file: write its content into its placeholder in
 * SRC in place (inode, owner, mode, links and xattrs stay) and give it the
 * times the mount showed. e->mu held. 0 when done (or when SRC replaced or
 * removed the placeholder meanwhile: SRC wins, logged), else -errno. */
int commit_settle(struct sopsfs *fs, struct ent *e);

/* Identity for a new file at path from the nearest .sops.yaml creation
 * rule inside SRC; NULL when none applies (or on a config error, logged). */
struct ident *commit_rule_ident(struct sopsfs *fs, const char *path);

#endif
