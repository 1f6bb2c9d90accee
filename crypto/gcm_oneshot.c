/* gcm_oneshot.c - AES-256-GCM for a short-lived command (see gcm_oneshot.h).
 *
 * OpenSSL 3's EVP layer spends about six million instructions on its first
 * cipher fetch (the provider's name map is built from the whole legacy
 * object table): half of all the work of `sopsfs decrypt` on one Secret.
 * libcrypto also exports GCM itself (CRYPTO_gcm128_*, modes.h) over any
 * block function; with its AES block function (AES_set_encrypt_key /
 * AES_encrypt, deprecated in 3.0 but exported) one value costs no set-up at
 * all. That AES is OpenSSL's table implementation with its cache-timing
 * mitigation (the "compact" routine), not AES-NI: only the CLI's one-shot
 * commands opt in (gcm_oneshot_enable); the long-lived daemon, which a
 * co-resident process could observe for hours, keeps EVP (AES-NI).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1     /* AES_encrypt: see above */
#include "gcm_oneshot.h"
#include "../common/secure_mem.h"

#include <stdatomic.h>
#include <openssl/aes.h>
#include <openssl/modes.h>

static atomic_int enabled;

void gcm_oneshot_enable(void)
{
	atomic_store(&enabled, 1);
}

int gcm_oneshot_on(void)
{
	return atomic_load(&enabled);
}

static void aes_block(const unsigned char in[16], unsigned char out[16], const void *key)
{
	AES_encrypt(in, out, key);
}

/* The context for key and iv (NULL on failure); ks must outlive it. */
static GCM128_CONTEXT *start(const uint8_t *key, AES_KEY *ks, const uint8_t *iv, size_t iv_len,
			     const char *aad, size_t aad_len)
{
	GCM128_CONTEXT *g;

	if (AES_set_encrypt_key(key, 256, ks) != 0)
		return NULL;
	g = CRYPTO_gcm128_new(ks, aes_block);
	if (g == NULL)
		return NULL;
	CRYPTO_gcm128_setiv(g, iv, iv_len);
	if (aad_len > 0 && CRYPTO_gcm128_aad(g, (const unsigned char *)aad, aad_len) != 0) {
		CRYPTO_gcm128_release(g);
		return NULL;
	}
	return g;
}

int gcm_oneshot_open(const uint8_t *key, const uint8_t *iv, size_t iv_len, const char *aad,
		     size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag,
		     size_t tag_len, uint8_t *out)
{
	AES_KEY ks;
	GCM128_CONTEXT *g = start(key, &ks, iv, iv_len, aad, aad_len);
	int ok;

	ok = g != NULL && (ct_len == 0 || CRYPTO_gcm128_decrypt(g, ct, out, ct_len) == 0) &&
	     CRYPTO_gcm128_finish(g, tag, tag_len) == 0;
	if (g != NULL)
		CRYPTO_gcm128_release(g);        /* cleansed by OpenSSL */
	sm_wipe(&ks, sizeof(ks));
	if (!ok)
		sm_wipe(out, ct_len);            /* unauthenticated bytes */
	return ok ? 0 : -1;
}

int gcm_oneshot_seal(const uint8_t *key, const uint8_t *iv, size_t iv_len, const char *aad,
		     size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *ct,
		     uint8_t *tag, size_t tag_len)
{
	AES_KEY ks;
	GCM128_CONTEXT *g = start(key, &ks, iv, iv_len, aad, aad_len);
	int ok = g != NULL && (pt_len == 0 || CRYPTO_gcm128_encrypt(g, pt, ct, pt_len) == 0);

	if (ok)
		CRYPTO_gcm128_tag(g, tag, tag_len);
	if (g != NULL)
		CRYPTO_gcm128_release(g);
	sm_wipe(&ks, sizeof(ks));
	return ok ? 0 : -1;
}
