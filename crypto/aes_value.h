/* aes_value.h - the sops value cipher: AES-256-GCM with 32-byte IVs.
 *
 * Format (sops-format.md 1.1):
 *   ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<type>]
 * Parsing follows sops' regex ^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]
 * (greedy, unanchored at the end). Any IV length is accepted on decryption.
 * Error messages are sops' own (see aes/cipher.go):
 *   "Input string %s does not match sops' data format"   (value redacted, see below)
 *   "Error base64-decoding data: ..." / iv / tag
 *   "Could not decrypt with AES_GCM: cipher: message authentication failed"
 * Messages never include the value: the input string is replaced by
 * "<redacted, N bytes>" because a clear string at an encrypted path is
 * usually a secret someone pasted.
 */
#ifndef SOPSFS_AES_VALUE_H
#define SOPSFS_AES_VALUE_H

#include <stddef.h>
#include <stdint.h>
#include "../common/buf.h"
#include "../common/err.h"

#define SOPS_DATA_KEY_LEN 32
#define SOPS_IV_LEN 32
#define SOPS_TAG_LEN 16

struct enc_parts {
	const char *data_b64; size_t data_len;   /* pointers into the input string */
	const char *iv_b64;   size_t iv_len;
	const char *tag_b64;  size_t tag_len;
	const char *type;     size_t type_len;
};

/* Split an ENC[...] string. Returns 0, or -1 with sops' message (code 25). */
int enc_parse(const char *s, size_t n, struct enc_parts *out, struct sops_err *err);

/* True if s looks like an ENC[AES256_GCM, string (cheap prefix check). */
int enc_looks_like(const char *s, size_t n);

/* Decrypt an ENC string with key (32 bytes) and AAD.
 * plain (should be a secure buffer) receives the plaintext bytes (appended);
 * type_out receives the type tag (NUL terminated, e.g. "str"), iv_out/iv_len
 * the IV (for the IV stash; iv_out must hold 64 bytes; longer IVs fail).
 * Returns 0 or -1 (err->code 25). */
int enc_decrypt(const uint8_t key[SOPS_DATA_KEY_LEN], const char *s, size_t n,
		const char *aad, size_t aad_len, struct buf *plain,
		char type_out[16], uint8_t *iv_out, size_t *iv_len,
		struct sops_err *err);

/* A data key set up for AES-256-GCM once, for the many values of one file:
 * decrypting with it skips the context set-up and key schedule of every
 * value. OpenSSL's context holds the schedule until enc_key_free, which
 * wipes it. NULL when it cannot be made or when the one-shot GCM of the
 * CLI is on (gcm_oneshot.h): callers then use enc_decrypt. */
struct enc_key;
struct enc_key *enc_key_new(const uint8_t key[SOPS_DATA_KEY_LEN]);
void enc_key_free(struct enc_key *k);
/* enc_decrypt with a key from enc_key_new. */
int enc_decrypt_with(struct enc_key *k, const char *s, size_t n,
		     const char *aad, size_t aad_len, struct buf *plain,
		     char type_out[16], uint8_t *iv_out, size_t *iv_len,
		     struct sops_err *err);

/* Encrypt plain with key, AAD and the given IV (iv_len bytes, normally 32),
 * append "ENC[AES256_GCM,data:...,iv:...,tag:...,type:<type>]" to out.
 * Returns 0 or -1. */
int enc_encrypt(const uint8_t key[SOPS_DATA_KEY_LEN], const uint8_t *plain,
		size_t plain_len, const char *aad, size_t aad_len,
		const char *type, const uint8_t *iv, size_t iv_len,
		struct buf *out, struct sops_err *err);

/* Fill buf with n cryptographically random bytes. Returns 0 or -1. */
int crypto_random(void *buf, size_t n);

#endif
