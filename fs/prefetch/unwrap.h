/* unwrap.h - the mount's data-key lookup: key cache first, then one unwrap
 * per key identity at a time.
 *
 * Callers that need the same key (same key groups) while it is being
 * unwrapped wait for that one unwrap and share its result; different keys
 * unwrap in parallel (a slow or hung key service delays only the files
 * that need it, never an age-only file). Replaces the former one-unwrap-
 * at-a-time mutex.
 */
#ifndef SOPSFS_PF_UNWRAP_H
#define SOPSFS_PF_UNWRAP_H

#include <stdint.h>
#include "../fuse/sopsfs.h"
#include "../../codec/core/sops_meta.h"
#include "../../crypto/aes_value.h"

int pf_get_key(struct sopsfs *fs, const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN],
	       const char *path,
	       struct sops_err *err);

/* Does the file have a key-service (not age, not PGP) master key? */
int pf_has_network_key(const struct sops_meta *m);
/* Has a file with one been looked up in this mount? (prefetch starts then) */
int pf_network_seen(void);

/* Unwraps currently running (for tests and -d logs). */
int pf_unwraps_running(void);

#endif
