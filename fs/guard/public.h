/* public.h - which guarded values already appear in a plain file of SRC? */
#ifndef SOPSFS_GUARD_PUBLIC_H
#define SOPSFS_GUARD_PUBLIC_H

#include "index.h"

#include <stdint.h>

struct sopsfs;

/* Mark every value of ix secret, then public each one that some regular
 * file of SRC (outside .git) contains. Caller holds the guard's lock for
 * the values' pub fields. */
void guard_public_sweep(struct sopsfs *fs, struct gindex *ix);

#endif
