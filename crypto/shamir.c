/* shamir.c - Shamir secret sharing over GF(2^8) as sops uses it (see
 * shamir.h and sops-format.md section 4).
 *
 * Written by hand: no installed library implements hashicorp/vault's share
 * layout (y bytes followed by x). Field multiplication is branch-free
 * shift-and-add (no secret-indexed tables); the inverse is a^254.
 */
#include "shamir.h"
#include "aes_value.h"
#include "../common/secure_mem.h"

#include <string.h>

/* a * b in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1, constant time. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint8_t acc = 0;

	for (int i = 7; i >= 0; i--) {
		uint8_t bit = (uint8_t)(b >> i & 1);
		uint8_t reduce = (uint8_t)(-(acc >> 7) & 0x1B);

		acc = (uint8_t)((uint8_t)(acc << 1) ^ reduce ^ (uint8_t)(-bit & a));
	}
	return acc;
}

/* a^254 = a^-1 for a != 0 (and 0 for 0). */
static uint8_t gf_inv(uint8_t a)
{
	uint8_t r = 1, base = a;

	for (int e = 254; e > 0; e >>= 1) {
		if (e & 1)
			r = gf_mul(r, base);
		base = gf_mul(base, base);
	}
	return r;
}

/* Horner evaluation of coef[0] + coef[1] x + ... + coef[deg] x^deg. */
static uint8_t poly_eval(const uint8_t *coef, int deg, uint8_t x)
{
	uint8_t out = coef[deg];

	for (int i = deg - 1; i >= 0; i--)
		out = gf_mul(out, x) ^ coef[i];
	return out;
}

int shamir_split(const uint8_t *secret, size_t len, int parts, int threshold,
		 uint8_t **shares, struct sops_err *err)
{
	uint8_t *coef;

	if (parts < threshold)
		return err_set(err, EX_ERROR, "parts cannot be less than threshold");
	if (parts > 255)
		return err_set(err, EX_ERROR, "parts cannot exceed 255");
	if (threshold < 2)
		return err_set(err, EX_ERROR, "threshold must be at least 2");
	if (len == 0)
		return err_set(err, EX_ERROR, "cannot split an empty secret");
	coef = sm_alloc((size_t)threshold);
	if (coef == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	for (int i = 0; i < parts; i++)
		shares[i][len] = (uint8_t)(i + 1);
	for (size_t idx = 0; idx < len; idx++) {
		coef[0] = secret[idx];
		if (crypto_random(coef + 1, (size_t)threshold - 1) != 0) {
			sm_free(coef);
			return err_set(err, EX_ERROR, "failed to generate polynomial: "
				       "could not read random bytes");
		}
		for (int i = 0; i < parts; i++)
			shares[i][idx] = poly_eval(coef, threshold - 1, (uint8_t)(i + 1));
	}
	sm_free(coef);
	return 0;
}

/* Lagrange basis value at 0 for sample i: prod_{j != i} x_j / (x_i + x_j). */
static uint8_t basis_at_zero(const uint8_t *xs, size_t n, size_t i)
{
	uint8_t basis = 1;

	for (size_t j = 0; j < n; j++)
		if (j != i)
			basis = gf_mul(basis, gf_mul(xs[j], gf_inv(xs[i] ^ xs[j])));
	return basis;
}

int shamir_combine(const uint8_t *const *shares, size_t n, size_t share_len,
		   uint8_t *secret, struct sops_err *err)
{
	uint8_t xs[255], basis[255];

	if (n < 2)
		return err_set(err, EX_NO_DATA_KEY,
			       "less than two parts cannot be used to reconstruct the secret");
	if (share_len < 2)
		return err_set(err, EX_NO_DATA_KEY, "parts must be at least two bytes");
	if (n > 255)
		return err_set(err, EX_NO_DATA_KEY, "duplicate part detected");
	for (size_t i = 0; i < n; i++) {
		xs[i] = shares[i][share_len - 1];
		for (size_t j = 0; j < i; j++)
			if (xs[j] == xs[i])
				return err_set(err, EX_NO_DATA_KEY, "duplicate part detected");
	}
	for (size_t i = 0; i < n; i++)
		basis[i] = basis_at_zero(xs, n, i);
	for (size_t idx = 0; idx + 1 < share_len; idx++) {
		uint8_t acc = 0;

		for (size_t i = 0; i < n; i++)
			acc ^= gf_mul(shares[i][idx], basis[i]);
		secret[idx] = acc;
	}
	sm_wipe(basis, sizeof(basis));
	return 0;
}
