/* age_prim.c - the primitives age is built on, from libsodium.
 *
 * X25519, ChaCha20-Poly1305, HMAC-SHA-256 and randomness come from
 * libsodium, whose one-shot calls work on our own (locked) buffers instead of
 * library-allocated key objects. HKDF-SHA-256 (RFC 5869) is the two loops
 * over libsodium's HMAC below: Debian 12's libsodium 1.0.18 has no HKDF, and
 * OpenSSL's EVP_KDF fetch costs more than the whole rest of an age decrypt at
 * process start (it is what `sopsfs decrypt` in a loop pays per file). Also a
 * small Go-%q quoter for error texts.
 */
#include "age.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>

/* sodium_init is idempotent and thread-safe (it takes its own lock). */
static int sodium_ready(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int age_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t n,
		    uint8_t out[32])
{
	crypto_auth_hmacsha256_state st;
	int rc;

	if (sodium_ready() != 0)
		return -1;
	rc = crypto_auth_hmacsha256_init(&st, key, key_len) == 0 &&
	     crypto_auth_hmacsha256_update(&st, msg, n) == 0 &&
	     crypto_auth_hmacsha256_final(&st, out) == 0 ? 0 : -1;
	sodium_memzero(&st, sizeof(st));
	return rc;
}

/* RFC 5869: PRK = HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1) | info | i). */
int age_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
		    const char *info, uint8_t *out, size_t out_len)
{
	static const uint8_t zeros[32];
	crypto_auth_hmacsha256_state st;
	uint8_t prk[32], t[32];
	size_t info_len = strlen(info), done = 0;
	int rc = -1;

	if (out_len > 255 * 32 || sodium_ready() != 0)
		return -1;
	if (salt == NULL || salt_len == 0) {
		salt = zeros;
		salt_len = sizeof(zeros);
	}
	if (age_hmac_sha256(salt, salt_len, ikm ? ikm : zeros, ikm ? ikm_len : 0, prk) != 0)
		goto out;
	for (uint8_t i = 1; done < out_len; i++) {
		size_t take = out_len - done < 32 ? out_len - done : 32;

		if (crypto_auth_hmacsha256_init(&st, prk, sizeof(prk)) != 0 ||
		    (i > 1 && crypto_auth_hmacsha256_update(&st, t, sizeof(t)) != 0) ||
		    crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, info_len) != 0 ||
		    crypto_auth_hmacsha256_update(&st, &i, 1) != 0 ||
		    crypto_auth_hmacsha256_final(&st, t) != 0)
			goto out;
		memcpy(out + done, t, take);
		done += take;
	}
	rc = 0;
out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(t, sizeof(t));
	return rc;
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
	if (sodium_ready() != 0)
		return -1;
	randombytes_buf(p, n);
	return 0;
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
