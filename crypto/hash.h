/* hash.h - SHA-2 helpers (libsodium) for the sops MAC and age. */
#ifndef SOPSFS_HASH_H
#define SOPSFS_HASH_H

#include <stddef.h>
#include <stdint.h>

struct sha512_ctx;   /* opaque (a libsodium SHA-512 state) */

struct sha512_ctx *sha512_new(void);
int sha512_update(struct sha512_ctx *c, const void *p, size_t n);
/* A new context in c's state (NULL: out of memory). */
struct sha512_ctx *sha512_dup(const struct sha512_ctx *c);
/* Writes 64 bytes; frees the context. */
int sha512_final(struct sha512_ctx *c, uint8_t out[64]);
void sha512_abort(struct sha512_ctx *c);

int sha256(const void *p, size_t n, uint8_t out[32]);

/* Uppercase hex of n bytes into out (2n+1 bytes incl. NUL). */
void hex_upper(const uint8_t *in, size_t n, char *out);

#endif
