/* public.h - does a value already appear in a plain file of SRC? */
#ifndef SOPSFS_GUARD_PUBLIC_H
#define SOPSFS_GUARD_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

struct sopsfs;

/* 1 if some regular file of SRC (outside .git) contains v[0..len). */
int guard_public(struct sopsfs *fs, const uint8_t *v, size_t len);

#endif
