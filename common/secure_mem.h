/* secure_mem.h - locked, non-dumpable memory for keys and plaintext.
 *
 * One arena: large chunks obtained with mmap, surrounded by PROT_NONE guard
 * pages, mlock'ed and madvise(MADV_DONTDUMP)'ed once per chunk (never one
 * mlock per allocation; see docs/secure-memory.md). Small allocations are
 * carved from chunks; big ones (>= SM_BIG) get a dedicated mapping with the
 * same protections. Every free wipes the bytes (explicit_bzero) before the
 * memory is reused or unmapped.
 *
 * If mlock fails (RLIMIT_MEMLOCK), memory is still handed out (DONTDUMP and
 * wiping still apply) and sm_stats().mlock_failed becomes non-zero so the
 * caller can warn once. Thread-safe.
 *
 * Mappings are MADV_WIPEONFORK: a forked child sees the arena as zeros and
 * must not touch allocations made before the fork (exec right away).
 */
#ifndef SOPSFS_SECURE_MEM_H
#define SOPSFS_SECURE_MEM_H

#include <stddef.h>

/* Allocate n bytes (n may be 0: returns a valid unique pointer). Contents are
 * zeroed. Returns NULL on out-of-memory. 16-byte aligned. */
void *sm_alloc(size_t n);
/* Wipe and release. p may be NULL. */
void sm_free(void *p);
/* Resize keeping the first min(old,new) bytes; the old block is wiped. */
void *sm_realloc(void *p, size_t n);
/* Usable size of an allocation. */
size_t sm_size(const void *p);
/* Duplicate bytes into locked memory (adds a NUL after n bytes). */
char *sm_strndup(const char *s, size_t n);

struct sm_stats {
	size_t bytes_in_use;     /* requested bytes currently allocated */
	size_t bytes_mapped;     /* bytes of chunk/big mappings (excluding guards) */
	size_t bytes_locked;     /* bytes successfully mlock'ed */
	size_t allocations;      /* live allocations */
	int mlock_failed;        /* non-zero once any mlock failed */
};
void sm_stats(struct sm_stats *out);

/* Release every empty chunk back to the OS (wiped), after the calling
 * thread's cache of freed blocks. (Each thread keeps a few freed small
 * blocks, wiped, for its next allocations; they go back when it exits.) */
void sm_trim(void);

/* Constant-time-ish wipe that the compiler cannot drop. */
void sm_wipe(void *p, size_t n);

#endif
