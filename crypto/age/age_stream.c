/* age_stream.c - the age payload: STREAM over ChaCha20-Poly1305.
 *
 * Written by hand (no library implements age's STREAM variant). The
 * plaintext is cut into 64 KiB chunks; chunk i is sealed with the nonce
 * 11-byte big-endian counter i || flag, where flag = 1 only on the last
 * chunk. Only the first chunk may be empty (empty plaintext); a non-empty
 * plaintext whose length is a multiple of 64 KiB ends with a full chunk.
 */
#include "age.h"

#include <string.h>

#define TAG_LEN 16
#define ENC_CHUNK (AGE_CHUNK_SIZE + TAG_LEN)

static void nonce_inc(uint8_t nonce[12])
{
	for (int i = 10; i >= 0; i--)
		if (++nonce[i] != 0)
			return;
}

static int nonce_is_zero(const uint8_t nonce[12])
{
	for (int i = 0; i < 12; i++)
		if (nonce[i])
			return 0;
	return 1;
}

int age_payload_key(const uint8_t *file_key, size_t key_len,
		    const uint8_t nonce[AGE_STREAM_NONCE_LEN], uint8_t key[32])
{
	return age_hkdf_sha256(file_key, key_len, nonce, AGE_STREAM_NONCE_LEN, "payload", key, 32);
}

int age_stream_seal(const uint8_t key[32], const uint8_t *pt, size_t n, struct buf *out)
{
	static const uint8_t empty[1];
	uint8_t nonce[12] = { 0 };
	size_t off = 0;

	if (pt == NULL)
		pt = empty;
	do {
		size_t len = n - off > AGE_CHUNK_SIZE ? AGE_CHUNK_SIZE : n - off;

		if (off + len == n)
			nonce[11] = 1;
		if (buf_reserve(out, len + TAG_LEN) != 0)
			return -1;
		if (age_aead_seal(key, nonce, pt + off, len, out->data + out->len) != 0)
			return -1;
		out->len += len + TAG_LEN;
		out->data[out->len] = '\0';
		off += len;
		nonce_inc(nonce);
	} while (off < n);
	return 0;
}

/* Open one chunk into out; is_last may be set to 1 for a full-length chunk
 * that turns out to be the final one. */
static int open_chunk(const uint8_t key[32], uint8_t nonce[12], const uint8_t *ct, size_t len,
		      int *is_last, struct buf *out)
{
	if (len < TAG_LEN || buf_reserve(out, len - TAG_LEN) != 0)
		return -1;
	if (*is_last)
		nonce[11] = 1;
	if (age_aead_open(key, nonce, ct, len, out->data + out->len) != 0) {
		if (*is_last)
			return -1;
		*is_last = 1;
		nonce[11] = 1;
		if (age_aead_open(key, nonce, ct, len, out->data + out->len) != 0)
			return -1;
	}
	out->len += len - TAG_LEN;
	out->data[out->len] = '\0';
	return 0;
}

int age_stream_open(const uint8_t key[32], const uint8_t *ct, size_t n, struct buf *out,
		    struct sops_err *err)
{
	uint8_t nonce[12] = { 0 };
	size_t pos = 0, start = out->len;

	for (;;) {
		size_t len = n - pos;
		int last = 0;

		if (len == 0) {
			err_set(err, EX_ERROR, "unexpected EOF");
			goto fail;
		}
		if (len < ENC_CHUNK) {
			last = 1;
			if (!nonce_is_zero(nonce) && len == TAG_LEN) {
				err_set(err, EX_ERROR, "last chunk is empty, try age v1.0.0, and please "
					"consider reporting this");
				goto fail;
			}
		} else {
			len = ENC_CHUNK;
		}
		if (open_chunk(key, nonce, ct + pos, len, &last, out) != 0) {
			err_set(err, EX_ERROR, "failed to decrypt and authenticate payload chunk, "
				"file may be corrupted or tampered with");
			goto fail;
		}
		pos += len;
		nonce_inc(nonce);
		if (last)
			break;
	}
	if (pos != n) {
		err_set(err, EX_ERROR, "trailing data after end of encrypted file");
		goto fail;
	}
	return 0;
fail:
	buf_truncate(out, start);
	return -1;
}
