/* hash.c - SHA-512 (streaming) and SHA-256 through libsodium, and the
 * uppercase hex sops writes for its MAC. (libsodium rather than OpenSSL's
 * EVP: no provider fetch at process start, which a one-file CLI decrypt
 * would pay for nothing.) */
#include "hash.h"

#include <stdlib.h>
#include <sodium.h>

struct sha512_ctx {
	crypto_hash_sha512_state st;
};

struct sha512_ctx *sha512_new(void)
{
	struct sha512_ctx *c;

	if (sodium_init() < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (crypto_hash_sha512_init(&c->st) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

int sha512_update(struct sha512_ctx *c, const void *p, size_t n)
{
	if (c == NULL)
		return -1;
	if (n == 0)
		return 0;
	return crypto_hash_sha512_update(&c->st, p, n) == 0 ? 0 : -1;
}

struct sha512_ctx *sha512_dup(const struct sha512_ctx *c)
{
	struct sha512_ctx *d;

	if (c == NULL || (d = malloc(sizeof(*d))) == NULL)
		return NULL;
	*d = *c;
	return d;
}

int sha512_final(struct sha512_ctx *c, uint8_t out[64])
{
	int ok;

	if (c == NULL)
		return -1;
	ok = crypto_hash_sha512_final(&c->st, out) == 0;
	sha512_abort(c);
	return ok ? 0 : -1;
}

void sha512_abort(struct sha512_ctx *c)
{
	if (c == NULL)
		return;
	sodium_memzero(c, sizeof(*c));   /* the state hashed plaintext values */
	free(c);
}

int sha256(const void *p, size_t n, uint8_t out[32])
{
	if (sodium_init() < 0)
		return -1;
	return crypto_hash_sha256(out, p, n) == 0 ? 0 : -1;
}

void hex_upper(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
