/* pool.h - a bump allocator in locked memory for one document's lifetime.
 *
 * Parsed documents hold plaintext keys, values and comments. All their
 * allocations come from a pool that lives in secure memory and is wiped and
 * released in one call. Individual frees are not supported.
 */
#ifndef SOPSFS_POOL_H
#define SOPSFS_POOL_H

#include <stddef.h>

struct pool;

struct pool *pool_new(void);
/* n bytes, zeroed, 16-byte aligned; NULL on OOM. */
void *pool_alloc(struct pool *p, size_t n);
/* Copy of s[0..n) plus a NUL. */
char *pool_strndup(struct pool *p, const char *s, size_t n);
char *pool_strdup(struct pool *p, const char *s);
/* Grow an array of pointers: *arr has *n used and *cap slots. 0 or -1. */
int pool_push(struct pool *p, void ***arr, size_t *n, size_t *cap, void *item);
/* Wipe and free everything. p may be NULL. */
void pool_free(struct pool *p);
/* Bytes handed out so far (for tests and stats). */
size_t pool_used(const struct pool *p);

#endif
