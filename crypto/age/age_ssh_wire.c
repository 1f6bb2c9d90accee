/* age_ssh_wire.c - the SSH wire format pieces age needs: reading uint32,
 * string and mpint fields, writing the canonical public key blobs of
 * ssh-ed25519 and ssh-rsa keys, and the 4-byte key tag of age's ssh stanzas.
 *
 * Written by hand: OpenSSL does not read or write SSH wire encodings.
 */
#include "age.h"
#include "../b64.h"
#include "../hash.h"

#include <string.h>
#include <openssl/bn.h>

int age_wire_u32(struct age_wire *w, uint32_t *v)
{
	if (w->n < 4)
		return -1;
	*v = (uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 | (uint32_t)w->p[2] << 8 | w->p[3];
	w->p += 4;
	w->n -= 4;
	return 0;
}

int age_wire_str(struct age_wire *w, struct age_wire *s)
{
	uint32_t len;

	if (age_wire_u32(w, &len) != 0 || len > w->n)
		return -1;
	s->p = w->p;
	s->n = len;
	w->p += len;
	w->n -= len;
	return 0;
}

int age_wire_is(const struct age_wire *s, const char *text)
{
	return s->n == strlen(text) && memcmp(s->p, text, s->n) == 0;
}

/* A positive mpint as a BIGNUM (secure when it is a private value). */
BIGNUM *age_wire_mpint(struct age_wire *w, int secret)
{
	struct age_wire s;
	BIGNUM *bn;

	if (age_wire_str(w, &s) != 0 || (s.n > 0 && (s.p[0] & 0x80)))
		return NULL;
	bn = secret ? BN_secure_new() : BN_new();
	if (bn != NULL && BN_bin2bn(s.p, (int)s.n, bn) == NULL) {
		BN_clear_free(bn);
		return NULL;
	}
	return bn;
}

static int put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return buf_add(b, x, 4);
}

static int put_mpint(struct buf *b, const BIGNUM *bn)
{
	int len = BN_bn2mpi(bn, NULL);        /* = SSH mpint for a positive number */

	if (len < 4 || buf_reserve(b, (size_t)len) != 0)
		return -1;
	BN_bn2mpi(bn, b->data + b->len);
	b->len += (size_t)len;
	b->data[b->len] = '\0';
	return 0;
}

void age_ssh_ed25519_wire(const uint8_t pub[32], uint8_t out[AGE_SSH_ED25519_WIRE_LEN])
{
	static const uint8_t head[] = { 0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5',
					'5', '1', '9', 0, 0, 0, 32 };

	memcpy(out, head, sizeof(head));
	memcpy(out + sizeof(head), pub, 32);
}

int age_ssh_tag(const uint8_t *wire, size_t n, char tag[AGE_SSH_TAG_LEN + 1])
{
	uint8_t h[32];
	struct buf enc = BUF_INIT;
	int rc = -1;

	if (sha256(wire, n, h) == 0 && b64_encode(B64_RAW, h, 4, &enc) == 0 &&
	    enc.len == AGE_SSH_TAG_LEN) {
		memcpy(tag, enc.data, AGE_SSH_TAG_LEN + 1);
		rc = 0;
	}
	buf_free(&enc);
	return rc;
}

/* "ssh-rsa" wire key from e and n (canonical, as Go's Marshal writes it). */
int age_ssh_rsa_wire(const BIGNUM *e, const BIGNUM *n, struct buf *out)
{
	if (put_u32(out, 7) != 0 || buf_adds(out, "ssh-rsa") != 0 || put_mpint(out, e) != 0 ||
	    put_mpint(out, n) != 0)
		return -1;
	return 0;
}

