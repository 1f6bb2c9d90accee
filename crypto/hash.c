/* hash.c - SHA-512 (streaming) and SHA-256 through OpenSSL EVP, and the
 * uppercase hex sops writes for its MAC. */
#include "hash.h"

#include <openssl/evp.h>

struct sha512_ctx {
	EVP_MD_CTX *md;
};

struct sha512_ctx *sha512_new(void)
{
	struct sha512_ctx *c = OPENSSL_zalloc(sizeof(*c));

	if (c == NULL)
		return NULL;
	c->md = EVP_MD_CTX_new();
	if (c->md == NULL || EVP_DigestInit_ex(c->md, EVP_sha512(), NULL) != 1) {
		EVP_MD_CTX_free(c->md);
		OPENSSL_free(c);
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
	return EVP_DigestUpdate(c->md, p, n) == 1 ? 0 : -1;
}

int sha512_final(struct sha512_ctx *c, uint8_t out[64])
{
	unsigned int len = 0;
	int ok;

	if (c == NULL)
		return -1;
	ok = EVP_DigestFinal_ex(c->md, out, &len) == 1 && len == 64;
	sha512_abort(c);
	return ok ? 0 : -1;
}

void sha512_abort(struct sha512_ctx *c)
{
	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->md);   /* cleanses the digest state */
	OPENSSL_free(c);
}

int sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	return 0;
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
