/* b64.c - base64 exactly as Go's encoding/base64 does it for the variants
 * sops and age use (see b64.h).
 *
 * Written by hand: OpenSSL's EVP_DecodeBlock neither rejects bad padding nor
 * reports Go's error offsets, and libsodium's sodium_base642bin differs in
 * what it ignores. The decoder follows Go's decodeQuantum: groups of four
 * characters, CR/LF skipped (std variants), '=' padding rules, optional
 * strict check of the unused trailing bits, and the same error offset
 * (CorruptInputError) so messages can match Go's.
 */
#include "b64.h"
#include "../common/secure_mem.h"

#include <pthread.h>
#include <string.h>

static const char std_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct b64_mode {
	const char *alpha;
	const unsigned char *vals;   /* std_vals or url_vals */
	int pad;          /* '=' padding required */
	int strict;       /* unused trailing bits must be zero */
	int newlines;     /* CR/LF are skipped (Go); 0: they are errors (age) */
};

/* Symbol values + 1 by character (0: not in the alphabet), one table per
 * alphabet, filled once: a lookup, not a search, for every character of
 * every ENC value (branches mispredict on random base64). */
static unsigned char std_vals[256], url_vals[256];
static pthread_once_t vals_once = PTHREAD_ONCE_INIT;

static void fill_vals(void)
{
	for (int i = 0; i < 64; i++) {
		std_vals[(unsigned char)std_alpha[i]] = (unsigned char)(i + 1);
		url_vals[(unsigned char)url_alpha[i]] = (unsigned char)(i + 1);
	}
}

static struct b64_mode mode_of(enum b64_variant v)
{
	struct b64_mode m = { std_alpha, std_vals, 1, 0, 1 };

	switch (v) {
	case B64_STD:
		break;
	case B64_STD_STRICT:
		m.strict = 1;
		break;
	case B64_RAW:
		m.pad = 0;
		m.strict = 1;
		m.newlines = 0;
		break;
	case B64_URL_RAW:
		m.alpha = url_alpha;
		m.vals = url_vals;
		m.pad = 0;
		break;
	}
	return m;
}

size_t b64_encoded_len(enum b64_variant v, size_t n)
{
	if (mode_of(v).pad)
		return (n + 2) / 3 * 4;
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

int b64_encode(enum b64_variant v, const uint8_t *in, size_t n, struct buf *out)
{
	struct b64_mode m = mode_of(v);
	size_t olen = b64_encoded_len(v, n), i, k = 0;
	char *o;

	if (buf_reserve(out, olen) != 0)
		return -1;
	o = (char *)out->data + out->len;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t x = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		o[k++] = m.alpha[x >> 18 & 63];
		o[k++] = m.alpha[x >> 12 & 63];
		o[k++] = m.alpha[x >> 6 & 63];
		o[k++] = m.alpha[x & 63];
	}
	if (i < n) {
		uint32_t x = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			x |= (uint32_t)in[i + 1] << 8;
		o[k++] = m.alpha[x >> 18 & 63];
		o[k++] = m.alpha[x >> 12 & 63];
		if (i + 1 < n)
			o[k++] = m.alpha[x >> 6 & 63];
		else if (m.pad)
			o[k++] = '=';
		if (m.pad)
			o[k++] = '=';
	}
	out->len += k;
	out->data[out->len] = '\0';
	return 0;
}

static int sym(const struct b64_mode *m, char c)
{
	return (int)m->vals[(unsigned char)c] - 1;
}

static int is_nl(const struct b64_mode *m, char c)
{
	return m->newlines && (c == '\n' || c == '\r');
}

static void skip_nl(const struct b64_mode *m, const char *in, size_t n, size_t *si)
{
	while (*si < n && is_nl(m, in[*si]))
		(*si)++;
}

/* After the '=' at in[*si - 1] ending a quantum of j symbols: check the rest
 * of the padding and that nothing follows. Returns -1 with *bad set. */
static int finish_padding(const struct b64_mode *m, const char *in, size_t n,
			  size_t *si, int j, size_t *bad)
{
	if (j < 2) {
		*bad = *si - 1;
		return -1;
	}
	if (j == 2) {   /* "==" expected, the first one is consumed */
		skip_nl(m, in, n, si);
		if (*si == n) {
			*bad = n;
			return -1;
		}
		if (in[*si] != '=') {
			*bad = *si - 1;
			return -1;
		}
		(*si)++;
	}
	skip_nl(m, in, n, si);
	if (*si < n) {
		*bad = *si;
		return -1;
	}
	return 0;
}

/* One quantum (Go's decodeQuantum). Returns the number of bytes written to
 * dst (0..3), or -1 with *bad set. */
static int quantum(const struct b64_mode *m, const char *in, size_t n, size_t *si,
		   uint8_t dst[3], size_t *bad)
{
	uint8_t d[4] = { 0, 0, 0, 0 };
	int j, len = 4, s;
	uint32_t val;

	for (j = 0; j < 4; j++) {
		if (*si == n) {
			if (j == 0)
				return 0;
			if (j == 1 || m->pad) {
				*bad = *si - (size_t)j;
				return -1;
			}
			len = j;
			break;
		}
		s = sym(m, in[(*si)++]);
		if (s >= 0) {
			d[j] = (uint8_t)s;
			continue;
		}
		if (is_nl(m, in[*si - 1])) {
			j--;
			continue;
		}
		if (!m->pad || in[*si - 1] != '=') {
			*bad = *si - 1;
			return -1;
		}
		if (finish_padding(m, in, n, si, j, bad) != 0)
			return -1;
		len = j;
		break;
	}
	val = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 | (uint32_t)d[2] << 6 | d[3];
	dst[0] = (uint8_t)(val >> 16);
	dst[1] = (uint8_t)(val >> 8);
	dst[2] = (uint8_t)val;
	if (m->strict && len == 3 && dst[2] != 0) {
		*bad = *si - 1;
		return -1;
	}
	if (m->strict && len == 2 && (dst[1] != 0 || dst[2] != 0)) {
		*bad = *si - 2;
		return -1;
	}
	return len - 1;
}

/* Four alphabet symbols at in: their three bytes to dst, 1. Anything else
 * (padding, a line break, a bad symbol): 0, for quantum() to handle. */
static int full_quantum(const struct b64_mode *m, const char *in, uint8_t dst[3])
{
	int a = sym(m, in[0]), b = sym(m, in[1]), c = sym(m, in[2]), d = sym(m, in[3]);
	uint32_t val;

	if ((a | b | c | d) < 0)
		return 0;
	val = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
	dst[0] = (uint8_t)(val >> 16);
	dst[1] = (uint8_t)(val >> 8);
	dst[2] = (uint8_t)val;
	return 1;
}

int b64_decode_pos(enum b64_variant v, const char *in, size_t n, struct buf *out,
		   size_t *bad)
{
	struct b64_mode m = mode_of(v);
	size_t old = out->len, si = 0, dummy;
	uint8_t q[3];
	int k;

	if (bad == NULL)
		bad = &dummy;
	pthread_once(&vals_once, fill_vals);
	if (!m.newlines && (memchr(in, '\n', n) != NULL || memchr(in, '\r', n) != NULL)) {
		const char *a = memchr(in, '\n', n), *b = memchr(in, '\r', n);

		*bad = (size_t)((a != NULL && (b == NULL || a < b) ? a : b) - in);
		return -1;
	}
	if (buf_reserve(out, n / 4 * 3 + 3) != 0)
		return -1;
	while (si < n) {
		if (n - si >= 4 && full_quantum(&m, in + si, out->data + out->len)) {
			si += 4;        /* four symbols: what quantum() does, faster */
			out->len += 3;
			continue;
		}
		k = quantum(&m, in, n, &si, q, bad);
		if (k < 0) {
			buf_truncate(out, old);
			sm_wipe(q, sizeof(q));
			return -1;
		}
		memcpy(out->data + out->len, q, (size_t)k);
		out->len += (size_t)k;
	}
	out->data[out->len] = '\0';
	sm_wipe(q, sizeof(q));
	return 0;
}

int b64_decode(enum b64_variant v, const char *in, size_t n, struct buf *out)
{
	return b64_decode_pos(v, in, n, out, NULL);
}
