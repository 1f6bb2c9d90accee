/* iv_stash.h - the IV cache that keeps unchanged values' ciphertext identical.
 *
 * sops (aes/cipher.go) remembers, for every value it decrypts, the IV under
 * the key (AAD, typed plaintext); re-encrypting the same pair reuses the IV,
 * so with the same data key the ENC string is byte-identical. We key on
 * (AAD, type tag, canonical plaintext bytes), which is the same relation
 * because our plaintext bytes are always canonical for their type.
 *
 * One difference from sops: when equal values occur several times under one
 * AAD (e.g. two identical list items), sops keeps only the last IV, so an
 * edit anywhere rewrites the first item too. We keep the IVs in order and
 * hand them out in order (iv_stash_take), so each occurrence keeps its own
 * ciphertext; occurrences beyond the known ones get fresh IVs.
 * Entries hold plaintext and live in locked memory.
 */
#ifndef SOPSFS_IV_STASH_H
#define SOPSFS_IV_STASH_H

#include <stddef.h>
#include <stdint.h>

struct iv_stash;

struct iv_stash *iv_stash_new(void);
void iv_stash_free(struct iv_stash *s);
/* Remember iv for (aad, type, plain), after the IVs already known for it
 * (an IV already known is not added twice). 0 or -1 (OOM). */
int iv_stash_put(struct iv_stash *s, const char *aad, size_t aad_len,
		 const char *type, const uint8_t *plain, size_t plain_len,
		 const uint8_t *iv, size_t iv_len);
/* The next unused IV for (aad, type, plain) in this encryption pass: returns
 * its length (0 if none is left) and copies it to iv (64 bytes). */
size_t iv_stash_take(struct iv_stash *s, const char *aad, size_t aad_len,
		     const char *type, const uint8_t *plain, size_t plain_len,
		     uint8_t iv[64]);
/* Start a new encryption pass: every IV becomes available again. */
void iv_stash_rewind(struct iv_stash *s);
size_t iv_stash_count(const struct iv_stash *s);
/* Add every IV of src to dst (same data key!), after dst's own: a value
 * that a save dropped and the next save brings back keeps its ciphertext. */
int iv_stash_merge(struct iv_stash *dst, const struct iv_stash *src);
/* Call fn for every remembered plaintext (type tag, bytes): the values a
 * decryption saw (the mount's leak guard indexes them). */
void iv_stash_foreach(const struct iv_stash *s,
		      void (*fn)(void *arg, const char *type, size_t type_len,
				 const uint8_t *plain, size_t plain_len),
		      void *arg);

#endif
