/* age_prim.c - the primitives age is built on, from OpenSSL 3 and libsodium.
 *
 * HKDF-SHA-256 and HMAC-SHA-256 and randomness come from OpenSSL; X25519 and
 * ChaCha20-Poly1305 from libsodium, whose one-shot calls work on our own
 * (locked) buffers instead of library-allocated key objects. Also a small
 * Go-%q quoter for error texts.
 */
#include "age.h"

#include <stdio.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sodium.h>

/* sodium_init is idempotent and thread-safe (it takes its own lock). */
static int sodium_ready(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int age_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
		    const char *info, uint8_t *out, size_t out_len)
{
	static const uint8_t empty[1];
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx;
	OSSL_PARAM params[5];
	int ok;

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (kdf == NULL)
		return -1;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						      (void *)(ikm ? ikm : empty), ikm_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						      (void *)(salt ? salt : empty), salt_len);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						      strlen(info));
	params[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok ? 0 : -1;
}

int age_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t n,
		    uint8_t out[32])
{
	unsigned int len = 32;

	if (HMAC(EVP_sha256(), key, (int)key_len, msg, n, out, &len) == NULL || len != 32)
		return -1;
	return 0;
}

int age_aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *pt, size_t n,
		  uint8_t *out)
{
	if (sodium_ready() != 0)
		return -1;
	return crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, n, NULL, 0, NULL,
							 nonce, key) == 0 ? 0 : -1;
}

int age_aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *ct, size_t n,
		  uint8_t *out)
{
	if (sodium_ready() != 0 || n < crypto_aead_chacha20poly1305_ietf_ABYTES)
		return -1;
	return crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ct, n, NULL, 0,
							 nonce, key) == 0 ? 0 : -1;
}

int age_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32])
{
	if (sodium_ready() != 0)
		return -1;
	return crypto_scalarmult(out, scalar, point) == 0 ? 0 : -1;
}

int age_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
	if (sodium_ready() != 0)
		return -1;
	return crypto_scalarmult_base(out, scalar) == 0 ? 0 : -1;
}

int age_random(uint8_t *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
}

int age_goquote(struct buf *out, const char *s, size_t n)
{
	char esc[8];

	if (buf_addc(out, '"') != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\a': e = "\\a"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\v': e = "\\v"; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", c);
				e = esc;
			}
		}
		if (e != NULL ? buf_adds(out, e) : buf_addc(out, (char)c))
			return -1;
	}
	return buf_addc(out, '"');
}
