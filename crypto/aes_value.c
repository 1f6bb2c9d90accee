/* aes_value.c - the sops value cipher: parse and build
 * ENC[AES256_GCM,data:...,iv:...,tag:...,type:...] and run AES-256-GCM with
 * sops' 32-byte IVs through OpenSSL EVP, or in the CLI's one-shot commands
 * through gcm_oneshot.c (see aes_value.h, sops-format.md 1.1).
 *
 * The parser reproduces the match of sops' Go regexp
 *   ^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]
 * by hand (greedy groups, '.' never matches '\n', unanchored at the end):
 * every group ends at the last separator that still leaves a match for the
 * groups after it.
 */
#include "aes_value.h"
#include "b64.h"
#include "gcm_oneshot.h"
#include "../common/secure_mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define ENC_PREFIX "ENC[AES256_GCM,data:"
#define ENC_AUTH_FAILED "Could not decrypt with AES_GCM: cipher: message authentication failed"

static const char *const known_types[] = {
	"str", "int", "float", "bytes", "bool", "time", "comment", NULL
};

int enc_looks_like(const char *s, size_t n)
{
	static const char pfx[] = "ENC[AES256_GCM,";

	return n >= sizeof(pfx) - 1 && memcmp(s, pfx, sizeof(pfx) - 1) == 0;
}

/* ---- parsing --------------------------------------------------------------- */

/* Largest i >= from where sep starts and leaves at least one byte before
 * limit (the next group is non-empty): index, or -1. */
static long last_sep(const char *s, size_t from, long limit, const char *sep)
{
	size_t k = strlen(sep);

	if (limit < 0 || (size_t)limit < from + k + 1)
		return -1;
	for (size_t i = (size_t)limit - k; i-- > from;)
		if (s[i] == sep[0] && memcmp(s + i, sep, k) == 0)
			return (long)i;
	return -1;
}

static int format_error(size_t n, struct sops_err *err)
{
	return err_set(err, EX_DECRYPT_VALUE,
		       "Input string <redacted, %zu bytes> does not match sops' data format", n);
}

int enc_parse(const char *s, size_t n, struct enc_parts *out, struct sops_err *err)
{
	size_t d = sizeof(ENC_PREFIX) - 1, end;
	const char *nl;
	long close = -1, type, tag, iv;

	if (n < d || memcmp(s, ENC_PREFIX, d) != 0)
		return format_error(n, err);
	/* The groups live before the first newline; the match ends at a ']'. */
	nl = memchr(s + d, '\n', n - d);
	end = nl != NULL ? (size_t)(nl - s) : n;
	for (size_t i = end; i-- > d;)
		if (s[i] == ']') {
			close = (long)i;
			break;
		}
	/* Greedy groups: each separator is the last one that leaves non-empty
	 * groups on both sides (data starts at d, so separators start > d). */
	type = last_sep(s, d + 1, close, ",type:");
	tag = last_sep(s, d + 1, type, ",tag:");
	iv = last_sep(s, d + 1, tag, ",iv:");
	if (iv < 0)
		return format_error(n, err);
	out->data_b64 = s + d;
	out->data_len = (size_t)iv - d;
	out->iv_b64 = s + iv + 4;
	out->iv_len = (size_t)(tag - iv - 4);
	out->tag_b64 = s + tag + 5;
	out->tag_len = (size_t)(type - tag - 5);
	out->type = s + type + 6;
	out->type_len = (size_t)(close - type - 6);
	return 0;
}

/* ---- AES-256-GCM ------------------------------------------------------------ */

static int b64_field(const char *what, const char *p, size_t n, struct buf *out,
		     struct sops_err *err)
{
	size_t bad = 0;

	if (b64_decode_pos(B64_STD, p, n, out, &bad) == 0)
		return 0;
	return err_set(err, EX_DECRYPT_VALUE,
		       "Error base64-decoding %s: illegal base64 data at input byte %zu",
		       what, bad);
}

/* Decrypt ct with tag; plaintext goes to out (exactly ct_len bytes).
 * Returns 0, or -1 when authentication fails. */
/* AES-256-GCM fetched once per process: the implicit fetch behind
 * EVP_aes_256_gcm() repeats a provider lookup at every Init. */
static EVP_CIPHER *gcm_cipher;
static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;

static void gcm_fetch(void)
{
	gcm_cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static const EVP_CIPHER *aes_gcm(void)
{
	pthread_once(&gcm_once, gcm_fetch);
	return gcm_cipher;
}

static int gcm_open(const uint8_t *key, const uint8_t *iv, size_t iv_len,
		    const char *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
		    const uint8_t *tag, uint8_t *out)
{
	EVP_CIPHER_CTX *c;
	int len = 0, ok;

	if (gcm_oneshot_on())
		return gcm_oneshot_open(key, iv, iv_len, aad, aad_len, ct, ct_len, tag,
					SOPS_TAG_LEN, out);
	c = EVP_CIPHER_CTX_new();
	ok = c != NULL &&
	     aes_gcm() != NULL &&
	     EVP_DecryptInit_ex(c, aes_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)iv_len, NULL) == 1 &&
	     EVP_DecryptInit_ex(c, NULL, NULL, key, iv) == 1 &&
	     (aad_len == 0 ||
	      EVP_DecryptUpdate(c, NULL, &len, (const uint8_t *)aad, (int)aad_len) == 1) &&
	     (ct_len == 0 || EVP_DecryptUpdate(c, out, &len, ct, (int)ct_len) == 1) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SOPS_TAG_LEN, (void *)tag) == 1 &&
	     EVP_DecryptFinal_ex(c, out + ct_len, &len) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

struct enc_key {
	EVP_CIPHER_CTX *c;       /* AES-256-GCM with the key set */
	size_t iv_len;           /* the IV length the context is set for */
};

struct enc_key *enc_key_new(const uint8_t key[SOPS_DATA_KEY_LEN])
{
	struct enc_key *k;

	if (gcm_oneshot_on() || aes_gcm() == NULL || (k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->iv_len = SOPS_IV_LEN;
	k->c = EVP_CIPHER_CTX_new();
	if (k->c == NULL ||
	    EVP_DecryptInit_ex(k->c, aes_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(k->c, EVP_CTRL_GCM_SET_IVLEN, (int)k->iv_len, NULL) != 1 ||
	    EVP_DecryptInit_ex(k->c, NULL, NULL, key, NULL) != 1) {
		enc_key_free(k);
		return NULL;
	}
	return k;
}

void enc_key_free(struct enc_key *k)
{
	if (k == NULL)
		return;
	EVP_CIPHER_CTX_free(k->c);      /* wipes the key schedule */
	free(k);
}

/* gcm_open with the key already set: only the IV changes. */
static int keyed_open(struct enc_key *k, const uint8_t *iv, size_t iv_len,
		      const char *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
		      const uint8_t *tag, uint8_t *out)
{
	int len = 0;

	if (iv_len != k->iv_len) {
		if (EVP_CIPHER_CTX_ctrl(k->c, EVP_CTRL_GCM_SET_IVLEN, (int)iv_len, NULL) != 1)
			return -1;
		k->iv_len = iv_len;
	}
	return EVP_DecryptInit_ex(k->c, NULL, NULL, NULL, iv) == 1 &&
	       (aad_len == 0 ||
		EVP_DecryptUpdate(k->c, NULL, &len, (const uint8_t *)aad, (int)aad_len) == 1) &&
	       (ct_len == 0 || EVP_DecryptUpdate(k->c, out, &len, ct, (int)ct_len) == 1) &&
	       EVP_CIPHER_CTX_ctrl(k->c, EVP_CTRL_GCM_SET_TAG, SOPS_TAG_LEN, (void *)tag) == 1 &&
	       EVP_DecryptFinal_ex(k->c, out + ct_len, &len) == 1 ? 0 : -1;
}

static int gcm_seal(const uint8_t *key, const uint8_t *iv, size_t iv_len,
		    const char *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
		    uint8_t *ct, uint8_t tag[SOPS_TAG_LEN])
{
	EVP_CIPHER_CTX *c;
	int len = 0, ok;

	if (gcm_oneshot_on())
		return gcm_oneshot_seal(key, iv, iv_len, aad, aad_len, pt, pt_len, ct, tag,
					SOPS_TAG_LEN);
	c = EVP_CIPHER_CTX_new();
	ok = c != NULL &&
	     aes_gcm() != NULL &&
	     EVP_EncryptInit_ex(c, aes_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)iv_len, NULL) == 1 &&
	     EVP_EncryptInit_ex(c, NULL, NULL, key, iv) == 1 &&
	     (aad_len == 0 ||
	      EVP_EncryptUpdate(c, NULL, &len, (const uint8_t *)aad, (int)aad_len) == 1) &&
	     (pt_len == 0 || EVP_EncryptUpdate(c, ct, &len, pt, (int)pt_len) == 1) &&
	     EVP_EncryptFinal_ex(c, ct + pt_len, &len) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SOPS_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int type_known(const char *t, size_t n)
{
	for (int i = 0; known_types[i] != NULL; i++)
		if (strlen(known_types[i]) == n && memcmp(known_types[i], t, n) == 0)
			return 1;
	return 0;
}

/* Decode the three base64 fields; raw = data||tag as Go's gcm.Open sees it. */
static int decode_parts(const struct enc_parts *p, struct buf *raw, struct buf *iv,
			size_t *tag_len, struct sops_err *err)
{
	size_t before;

	if (b64_field("data", p->data_b64, p->data_len, raw, err) != 0 ||
	    b64_field("iv", p->iv_b64, p->iv_len, iv, err) != 0)
		return -1;
	before = raw->len;
	if (b64_field("tag", p->tag_b64, p->tag_len, raw, err) != 0)
		return -1;
	*tag_len = raw->len - before;
	return 0;
}

/* Open with k when there is one, else with key. */
static int open_value(const uint8_t *key, struct enc_key *k, const struct buf *raw,
		      const struct buf *iv, const char *aad, size_t aad_len, struct buf *plain,
		      struct sops_err *err)
{
	size_t ct_len, old = plain->len;

	if (iv->len == 0)
		return err_set(err, EX_DECRYPT_VALUE, "cipher: the nonce can't have zero length");
	if (raw->len < SOPS_TAG_LEN || raw->len > (size_t)1 << 30 || iv->len > (size_t)1 << 20 ||
	    aad_len > (size_t)1 << 30)
		return err_set(err, EX_DECRYPT_VALUE, ENC_AUTH_FAILED);
	ct_len = raw->len - SOPS_TAG_LEN;
	if (buf_reserve(plain, ct_len + 16) != 0)
		return err_set(err, EX_DECRYPT_VALUE, "out of memory");
	if ((k != NULL ? keyed_open(k, iv->data, iv->len, aad, aad_len, raw->data, ct_len,
				    raw->data + ct_len, plain->data + old)
		       : gcm_open(key, iv->data, iv->len, aad, aad_len, raw->data, ct_len,
				  raw->data + ct_len, plain->data + old)) != 0) {
		sm_wipe(plain->data + old, ct_len + 16);
		return err_set(err, EX_DECRYPT_VALUE, ENC_AUTH_FAILED);
	}
	plain->len = old + ct_len;
	plain->data[plain->len] = '\0';
	return 0;
}

static int decrypt_enc(const uint8_t *key, struct enc_key *k, const char *s, size_t n,
		       const char *aad, size_t aad_len, struct buf *plain,
		       char type_out[16], uint8_t *iv_out, size_t *iv_len,
		       struct sops_err *err)
{
	struct enc_parts p;
	struct buf raw = BUF_INIT, iv = BUF_INIT;
	size_t tag_len = 0, old = plain->len;
	int rc = -1;

	if (enc_parse(s, n, &p, err) != 0 ||
	    decode_parts(&p, &raw, &iv, &tag_len, err) != 0 ||
	    open_value(key, k, &raw, &iv, aad, aad_len, plain, err) != 0)
		goto out;
	if (!type_known(p.type, p.type_len)) {
		err_set(err, EX_DECRYPT_VALUE, "Unknown datatype: %.*s",
			(int)(p.type_len > 256 ? 256 : p.type_len), p.type);
		buf_truncate(plain, old);
		goto out;
	}
	if (iv_out != NULL && iv.len > 64) {
		err_set(err, EX_DECRYPT_VALUE, "IV of %zu bytes is too long", iv.len);
		buf_truncate(plain, old);
		goto out;
	}
	memcpy(type_out, p.type, p.type_len);
	type_out[p.type_len] = '\0';
	if (iv_out != NULL)
		memcpy(iv_out, iv.data, iv.len);
	if (iv_len != NULL)
		*iv_len = iv.len;
	rc = 0;
out:
	buf_free(&raw);
	buf_free(&iv);
	return rc;
}

int enc_decrypt(const uint8_t key[SOPS_DATA_KEY_LEN], const char *s, size_t n,
		const char *aad, size_t aad_len, struct buf *plain,
		char type_out[16], uint8_t *iv_out, size_t *iv_len,
		struct sops_err *err)
{
	return decrypt_enc(key, NULL, s, n, aad, aad_len, plain, type_out, iv_out, iv_len, err);
}

int enc_decrypt_with(struct enc_key *k, const char *s, size_t n,
		     const char *aad, size_t aad_len, struct buf *plain,
		     char type_out[16], uint8_t *iv_out, size_t *iv_len,
		     struct sops_err *err)
{
	return decrypt_enc(NULL, k, s, n, aad, aad_len, plain, type_out, iv_out, iv_len, err);
}

static int append_enc(struct buf *out, const uint8_t *ct, size_t ct_len,
		      const uint8_t *iv, size_t iv_len, const uint8_t *tag,
		      const char *type)
{
	return buf_adds(out, "ENC[AES256_GCM,data:") != 0 ||
	       b64_encode(B64_STD, ct, ct_len, out) != 0 ||
	       buf_adds(out, ",iv:") != 0 ||
	       b64_encode(B64_STD, iv, iv_len, out) != 0 ||
	       buf_adds(out, ",tag:") != 0 ||
	       b64_encode(B64_STD, tag, SOPS_TAG_LEN, out) != 0 ||
	       buf_adds(out, ",type:") != 0 || buf_adds(out, type) != 0 ||
	       buf_addc(out, ']') != 0 ? -1 : 0;
}

int enc_encrypt(const uint8_t key[SOPS_DATA_KEY_LEN], const uint8_t *plain,
		size_t plain_len, const char *aad, size_t aad_len,
		const char *type, const uint8_t *iv, size_t iv_len,
		struct buf *out, struct sops_err *err)
{
	uint8_t tag[SOPS_TAG_LEN];
	uint8_t *ct;
	size_t old = out->len;
	int rc = 0;

	if (iv_len == 0 || iv_len > (size_t)1 << 20 || plain_len > (size_t)1 << 30 ||
	    aad_len > (size_t)1 << 30)
		return err_set(err, EX_ERROR, "Could not create GCM: invalid IV or input size");
	ct = malloc(plain_len + 16);
	if (ct == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (gcm_seal(key, iv, iv_len, aad, aad_len, plain, plain_len, ct, tag) != 0)
		rc = err_set(err, EX_ERROR, "Could not encrypt with AES_GCM");
	else if (append_enc(out, ct, plain_len, iv, iv_len, tag, type) != 0)
		rc = err_set(err, EX_ERROR, "out of memory");
	if (rc != 0)
		buf_truncate(out, old);
	free(ct);
	return rc;
}

int crypto_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}
