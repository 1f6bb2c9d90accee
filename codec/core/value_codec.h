/* value_codec.h - typed values <-> the ENC[...] strings of a document.
 *
 * Shared by decryption and encryption: turns decrypted bytes plus their
 * type tag into a canonical typed value (sops aes/cipher.go Decrypt), and
 * encrypts a typed value with IV reuse from the stash.
 */
#ifndef SOPSFS_VALUE_CODEC_H
#define SOPSFS_VALUE_CODEC_H

#include "tree.h"
#include "iv_stash.h"
#include "../../crypto/aes_value.h"

/* Decrypt the ENC string s with AAD; the typed result goes into *out
 * (allocated in doc's pool). The IV is remembered in stash under the raw
 * plaintext. Errors use sops' words without the value (code 25). ek, if
 * not NULL, is key set up once for all the values of the file. */
int value_decrypt(struct sdoc *doc, const uint8_t *key, struct enc_key *ek,
		  const char *s, size_t n,
		  const char *aad, size_t aad_len, struct iv_stash *stash,
		  struct tvalue *out, struct sops_err *err);

/* Encrypt v (canonical bytes v->s) as type with AAD, taking the stash's
 * next IV for (AAD, type, bytes) when there is one (stash may be NULL).
 * Appends the ENC string to out. */
int value_encrypt(const uint8_t *key, const struct tvalue *v, const char *type,
		  const char *aad, size_t aad_len, struct iv_stash *stash,
		  struct buf *out, struct sops_err *err);

/* Go's %T name of a value's type ("string", "int", "float64", "bool",
 * "time.Time") for "Expected encrypted value as string, but got %s". */
const char *vtype_go_name(enum vtype t);

#endif
