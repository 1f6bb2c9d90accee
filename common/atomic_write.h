/* atomic_write.h - replace a file atomically: temp file in the same
 * directory, write, fsync, rename over the target, fsync the directory.
 * The target's mode, owner and extended attributes are kept. Used by the
 * CLI (`replace`) and by the mount's commit path.
 */
#ifndef SOPSFS_ATOMIC_WRITE_H
#define SOPSFS_ATOMIC_WRITE_H

#include <stddef.h>
#include <sys/types.h>
#include "err.h"

/* Replace dirfd/name with data. mode is used when name does not exist yet.
 * On failure the target is untouched and no temp file is left. */
int atomic_replace_at(int dirfd, const char *name, const void *data, size_t len,
		      mode_t mode, struct sops_err *err);

/* Same for a path (opens its directory). */
int atomic_replace_path(const char *path, const void *data, size_t len,
			struct sops_err *err);

/* Prefix of our temp files (".sopsfs-tmp."): the mount hides them. */
#define ATOMIC_TMP_PREFIX ".sopsfs-tmp."

#endif
