/* age_file.c - whole age files: encrypt to one recipient, decrypt with a
 * list of identities (age.Encrypt / age.Decrypt plus the armor).
 */
#include "age.h"
#include "../../common/secure_mem.h"

#include <string.h>
#include <openssl/crypto.h>

#define INTRO_PREFIX "age-encryption.org/"

int age_recipient_parse(const char *s, struct age_recipient *r, struct sops_err *err)
{
	if (strncmp(s, "age1", 4) == 0)
		return age_x25519_recipient_parse(s, r, err);
	if (strncmp(s, "ssh-", 4) == 0)
		return age_ssh_recipient_parse(s, r, err);
	memset(r, 0, sizeof(*r));
	return err_set(err, EX_ERROR, "unknown recipient type");
}

static int wrap_for(const struct age_recipient *r, const uint8_t *fk, size_t len,
		    struct age_header *h)
{
	switch (r->type) {
	case AGE_KEY_X25519:
		return age_x25519_wrap(r, fk, len, h);
	case AGE_KEY_SSH_ED25519:
		return age_ssh_ed25519_wrap(r, fk, len, h);
	case AGE_KEY_SSH_RSA:
		return age_ssh_rsa_wrap(r, fk, len, h);
	}
	return -1;
}

/* Binary age file: header, nonce, payload. */
static int encrypt_binary(const struct age_recipient *r, const uint8_t *pt, size_t n,
			  struct buf *out)
{
	uint8_t fk[AGE_FILE_KEY_LEN], nonce[AGE_STREAM_NONCE_LEN], key[32];
	struct age_header h = { 0 };
	int rc = -1;

	if (age_random(fk, sizeof(fk)) != 0 || age_random(nonce, sizeof(nonce)) != 0)
		goto out;
	if (wrap_for(r, fk, sizeof(fk), &h) != 0 || age_header_mac(fk, sizeof(fk), &h, h.mac) != 0)
		goto out;
	if (age_header_marshal(&h, out) != 0 || buf_add(out, nonce, sizeof(nonce)) != 0)
		goto out;
	if (age_payload_key(fk, sizeof(fk), nonce, key) != 0 || age_stream_seal(key, pt, n, out) != 0)
		goto out;
	rc = 0;
out:
	sm_wipe(fk, sizeof(fk));
	sm_wipe(key, sizeof(key));
	age_header_free(&h);
	return rc;
}

int age_encrypt(const struct age_recipient *r, const uint8_t *pt, size_t n, int armored,
		struct buf *out, struct sops_err *err)
{
	struct buf bin = BUF_INIT;
	size_t start = out->len;
	int rc = -1;

	if (encrypt_binary(r, pt, n, armored ? &bin : out) != 0 ||
	    (armored && age_armor_encode(bin.data, bin.len, out) != 0)) {
		buf_truncate(out, start);
		err_set(err, EX_ERROR, "failed to encrypt with age");
		goto out;
	}
	rc = 0;
out:
	buf_free(&bin);
	return rc;
}

static int unwrap_one(const struct age_identity *id, const struct age_stanza *s,
		      struct buf *fk, struct sops_err *err)
{
	switch (id->type) {
	case AGE_KEY_X25519:
		return age_x25519_unwrap(id, s, fk, err);
	case AGE_KEY_SSH_ED25519:
		return age_ssh_ed25519_unwrap(id, s, fk, err);
	case AGE_KEY_SSH_RSA:
		return age_ssh_rsa_unwrap(id, s, fk, err);
	}
	return 1;
}

/* Try one identity on every stanza: 0 found, 1 none matched, -1 fatal. */
static int unwrap_identity(const struct age_identity *id, const struct age_header *h,
			   struct buf *fk, struct sops_err *err)
{
	for (size_t i = 0; i < h->nstanzas; i++) {
		int rc = unwrap_one(id, &h->stanzas[i], fk, err);

		if (rc != 1)
			return rc;
	}
	return 1;
}

/* age sorts native (X25519) identities before the others (stable). */
static int unwrap_file_key(const struct age_header *h, struct age_identity *const *ids,
			   size_t nids, struct buf *fk, struct sops_err *err)
{
	size_t tried = 0;

	if (nids == 0)
		return err_set(err, EX_ERROR, "no identities specified");
	for (int native = 1; native >= 0; native--) {
		for (size_t i = 0; i < nids; i++) {
			int rc;

			if ((ids[i]->type == AGE_KEY_X25519) != native)
				continue;
			rc = unwrap_identity(ids[i], h, fk, err);
			if (rc != 1)
				return rc;
			tried++;
		}
	}
	if (tried == 1)
		return err_set(err, EX_ERROR, "identity did not match any of the recipients: "
			       "incorrect identity for recipient block");
	return err_set(err, EX_ERROR, "no identity matched any of the recipients");
}

/* Header, identities, MAC, nonce: the file key's payload key. */
static int open_header(const uint8_t *in, size_t n, struct age_identity *const *ids, size_t nids,
		       uint8_t key[32], size_t *payload_off, struct sops_err *err)
{
	struct age_header h;
	struct buf fk = BUF_INIT_SECURE;
	uint8_t mac[AGE_MAC_LEN];
	size_t off;
	int rc = -1;

	if (age_header_parse(in, n, &h, &off, err) != 0)
		return err_prefix(err, "failed to read header: ");
	if (unwrap_file_key(&h, ids, nids, &fk, err) != 0)
		goto out;
	if (age_header_mac(fk.data, fk.len, &h, mac) != 0 ||
	    CRYPTO_memcmp(mac, h.mac, AGE_MAC_LEN) != 0) {
		err_set(err, EX_ERROR, "bad header MAC");
		goto out;
	}
	if (n - off < AGE_STREAM_NONCE_LEN) {
		err_set(err, EX_ERROR, "failed to read nonce: %s", n == off ? "EOF" : "unexpected EOF");
		goto out;
	}
	if (age_payload_key(fk.data, fk.len, in + off, key) != 0) {
		err_set(err, EX_ERROR, "HKDF failed");
		goto out;
	}
	*payload_off = off + AGE_STREAM_NONCE_LEN;
	rc = 0;
out:
	buf_free(&fk);
	age_header_free(&h);
	return rc;
}

static int decrypt_binary(const uint8_t *in, size_t n, struct age_identity *const *ids,
			  size_t nids, struct buf *out, enum age_decrypt_stage *stage,
			  struct sops_err *err)
{
	uint8_t key[32];
	size_t off = 0;
	int rc;

	*stage = AGE_STAGE_HEADER;
	if (open_header(in, n, ids, nids, key, &off, err) != 0)
		return -1;
	*stage = AGE_STAGE_PAYLOAD;
	rc = age_stream_open(key, in + off, n - off, out, err);
	sm_wipe(key, sizeof(key));
	return rc;
}

int age_decrypt(const uint8_t *in, size_t n, struct age_identity *const *ids, size_t nids,
		struct buf *out, enum age_decrypt_stage *stage, struct sops_err *err)
{
	struct buf bin = BUF_INIT;
	int rc;

	*stage = AGE_STAGE_HEADER;
	if (n >= strlen(INTRO_PREFIX) && memcmp(in, INTRO_PREFIX, strlen(INTRO_PREFIX)) == 0)
		return decrypt_binary(in, n, ids, nids, out, stage, err);
	if (age_armor_decode(in, n, &bin, err) != 0) {
		buf_free(&bin);
		return err_prefix(err, "failed to read header: parsing age header: failed to read "
				  "intro: ");
	}
	rc = decrypt_binary(bin.data, bin.len, ids, nids, out, stage, err);
	buf_free(&bin);
	return rc;
}
