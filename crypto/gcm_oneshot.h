/* gcm_oneshot.h - AES-256-GCM with any IV length (sops uses 32 bytes)
 * without OpenSSL's EVP start-up cost, for one-shot commands.
 *
 * The value cipher (aes_value.c) uses these only after
 * gcm_oneshot_enable(), which the CLI calls for its short-lived commands;
 * the daemon never does (gcm_oneshot.c says why). Both produce the same
 * bytes as EVP's AES-256-GCM (test_aes_value checks each against the other).
 */
#ifndef SOPSFS_GCM_ONESHOT_H
#define SOPSFS_GCM_ONESHOT_H

#include <stddef.h>
#include <stdint.h>

void gcm_oneshot_enable(void);
int gcm_oneshot_on(void);

/* Decrypt ct (ct_len bytes) into out and check tag: 0, or -1 (out wiped)
 * when authentication fails. key: 32 bytes. */
int gcm_oneshot_open(const uint8_t *key, const uint8_t *iv, size_t iv_len, const char *aad,
		     size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag,
		     size_t tag_len, uint8_t *out);
/* Encrypt pt into ct (pt_len bytes) and write the tag: 0 or -1. */
int gcm_oneshot_seal(const uint8_t *key, const uint8_t *iv, size_t iv_len, const char *aad,
		     size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *ct,
		     uint8_t *tag, size_t tag_len);

#endif
