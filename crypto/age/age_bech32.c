/* age_bech32.c - bech32 as age uses it (BIP 173 without the 90-char limit).
 *
 * Written by hand: no Debian library offers bech32. Behaviour follows age's
 * internal/bech32 package: mixed case rejected, HRP kept as written,
 * uppercase output for an uppercase HRP, strict padding on decode.
 */
#include "age.h"

#include <string.h>

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
static const uint32_t generator[5] = {
	0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3,
};

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
	uint32_t top = chk >> 25;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (int i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= generator[i];
	return chk;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* polymod over hrpExpand(hrp) followed by the 5-bit values. */
static uint32_t checksum_of(const char *hrp, size_t hlen, const uint8_t *v, size_t n)
{
	uint32_t chk = 1;

	for (size_t i = 0; i < hlen; i++)
		chk = polymod_step(chk, (uint8_t)lower(hrp[i]) >> 5);
	chk = polymod_step(chk, 0);
	for (size_t i = 0; i < hlen; i++)
		chk = polymod_step(chk, (uint8_t)lower(hrp[i]) & 31);
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk, v[i]);
	return chk;
}

int age_bech32_encode(const char *hrp, const uint8_t *data, size_t len, struct buf *out)
{
	size_t hlen = strlen(hrp), nv = 0;
	int has_lower = 0, has_upper = 0;
	uint8_t *v;
	uint32_t acc = 0, mod;
	unsigned bits = 0;
	struct buf tmp;

	if (hlen < 1)
		return -1;
	for (size_t i = 0; i < hlen; i++) {
		if (hrp[i] < 33 || hrp[i] > 126)
			return -1;
		has_lower |= hrp[i] >= 'a' && hrp[i] <= 'z';
		has_upper |= hrp[i] >= 'A' && hrp[i] <= 'Z';
	}
	if (has_lower && has_upper)
		return -1;
	/* 8-bit to 5-bit groups, padded (values hold secrets for identities). */
	buf_init(&tmp, 1);
	if (buf_reserve(&tmp, len * 8 / 5 + 8) != 0)
		return -1;
	v = tmp.data;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			v[nv++] = (acc >> bits) & 31;
		}
	}
	if (bits > 0)
		v[nv++] = (acc << (5 - bits)) & 31;
	for (int i = 0; i < 6; i++)
		v[nv + (size_t)i] = 0;
	mod = checksum_of(hrp, hlen, v, nv + 6) ^ 1;
	for (int i = 0; i < 6; i++)
		v[nv + (size_t)i] = (mod >> (5 * (5 - i))) & 31;
	nv += 6;
	if (buf_reserve(out, hlen + 1 + nv) != 0) {
		buf_free(&tmp);
		return -1;
	}
	for (size_t i = 0; i < hlen; i++)
		buf_addc(out, has_upper ? hrp[i] : lower(hrp[i]));
	buf_addc(out, '1');
	for (size_t i = 0; i < nv; i++)
		buf_addc(out, has_upper ? upper(charset[v[i]]) : charset[v[i]]);
	buf_free(&tmp);
	return 0;
}

/* 5-bit values to bytes without padding (convertBits(.., 5, 8, false)). */
static int from5(const uint8_t *v, size_t n, struct buf *data, const char **why)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t start = data->len;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 5) | v[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (buf_addc(data, (char)((acc >> bits) & 0xff)) != 0) {
				*why = "out of memory";
				goto fail;
			}
		}
	}
	if (bits >= 5) {
		*why = "illegal zero padding";
		goto fail;
	}
	if (((acc << (8 - bits)) & 0xff) != 0) {
		*why = "non-zero padding";
		goto fail;
	}
	return 0;
fail:
	buf_truncate(data, start);
	return -1;
}

static int decode_values(const char *s, size_t pos, size_t n, struct buf *vals, const char **why)
{
	for (size_t i = pos + 1; i < n; i++) {
		const char *p = memchr(charset, lower(s[i]), 32);

		if (s[i] == '\0' || p == NULL) {
			*why = "invalid character data part";
			return -1;
		}
		if (buf_addc(vals, (char)(p - charset)) != 0) {
			*why = "out of memory";
			return -1;
		}
	}
	return 0;
}

int age_bech32_decode(const char *s, size_t n, struct buf *hrp, struct buf *data,
		      const char **why)
{
	int has_lower = 0, has_upper = 0, rc = -1;
	size_t pos = 0, found = 0, hstart = hrp->len;
	struct buf vals = BUF_INIT_SECURE;

	for (size_t i = 0; i < n; i++) {
		has_lower |= s[i] >= 'a' && s[i] <= 'z';
		has_upper |= s[i] >= 'A' && s[i] <= 'Z';
		if (s[i] == '1') {
			pos = i;
			found = 1;
		}
	}
	if (has_lower && has_upper) {
		*why = "mixed case";
		return -1;
	}
	if (!found || pos < 1 || pos + 7 > n) {
		*why = "separator '1' at invalid position";
		return -1;
	}
	for (size_t i = 0; i < pos; i++) {
		if (s[i] < 33 || s[i] > 126) {
			*why = "invalid character human-readable part";
			return -1;
		}
	}
	if (decode_values(s, pos, n, &vals, why) != 0)
		goto out;
	if (checksum_of(s, pos, vals.data, vals.len) != 1) {
		*why = "invalid checksum";
		goto out;
	}
	if (buf_add(hrp, s, pos) != 0) {
		*why = "out of memory";
		goto out;
	}
	if (from5(vals.data, vals.len - 6, data, why) != 0) {
		buf_truncate(hrp, hstart);
		goto out;
	}
	rc = 0;
out:
	buf_free(&vals);
	return rc;
}
