/* age_x25519.c - native age keys: "age1..." recipients, "AGE-SECRET-KEY-1..."
 * identities and the "X25519" recipient stanza.
 *
 * Stanza: "-> X25519 <ephemeral share>" + body = ChaCha20-Poly1305 (zero
 * nonce) of the file key under HKDF-SHA-256(ikm = shared secret, salt =
 * share || recipient, info "age-encryption.org/v1/X25519").
 */
#include "age.h"
#include "../b64.h"
#include "../../common/secure_mem.h"

#include <stdlib.h>
#include <string.h>

#define X25519_LABEL "age-encryption.org/v1/X25519"
#define TAG_LEN 16

static const uint8_t zero_nonce[12];

void age_identity_free(struct age_identity *id)
{
	if (id == NULL)
		return;
	if (id->rsa_der != NULL)
		sm_free(id->rsa_der);
	sm_wipe(id, sizeof(*id));
	sm_free(id);
}

void age_recipient_free(struct age_recipient *r)
{
	free(r->ssh_wire);
	memset(r, 0, sizeof(*r));
}

static int new_identity(const uint8_t secret[32], struct age_identity **out)
{
	struct age_identity *id = sm_alloc(sizeof(*id));

	if (id == NULL)
		return -1;
	id->type = AGE_KEY_X25519;
	memcpy(id->secret, secret, 32);
	if (age_x25519_base(id->pub, id->secret) != 0) {
		age_identity_free(id);
		return -1;
	}
	*out = id;
	return 0;
}

int age_x25519_identity_parse(const char *s, size_t n, struct age_identity **out,
			      struct sops_err *err)
{
	struct buf hrp = BUF_INIT, key = BUF_INIT_SECURE;
	const char *why = NULL;
	int rc = -1;

	if (age_bech32_decode(s, n, &hrp, &key, &why) != 0) {
		err_set(err, EX_ERROR, "malformed secret key: %s", why);
		goto out;
	}
	if (strcmp((char *)hrp.data, "AGE-SECRET-KEY-") != 0) {
		struct buf q = BUF_INIT;

		age_goquote(&q, (char *)hrp.data, hrp.len);
		err_set(err, EX_ERROR, "malformed secret key: unknown type %s", q.data ? (char *)q.data : "");
		buf_free(&q);
		goto out;
	}
	if (key.len != 32) {
		err_set(err, EX_ERROR, "malformed secret key: invalid X25519 secret key");
		goto out;
	}
	if (new_identity(key.data, out) != 0) {
		err_set(err, EX_ERROR, "malformed secret key: out of memory");
		goto out;
	}
	rc = 0;
out:
	buf_free(&hrp);
	buf_free(&key);
	return rc;
}

int age_x25519_identity_generate(struct age_identity **out)
{
	uint8_t secret[32];
	int rc = -1;

	if (age_random(secret, sizeof(secret)) == 0)
		rc = new_identity(secret, out);
	sm_wipe(secret, sizeof(secret));
	return rc;
}

static int recipient_err(struct sops_err *err, const char *s, const char *why)
{
	struct buf q = BUF_INIT;

	age_goquote(&q, s, strlen(s));
	err_set(err, EX_ERROR, "malformed recipient %s: %s", q.data ? (char *)q.data : "", why);
	buf_free(&q);
	return -1;
}

int age_x25519_recipient_parse(const char *s, struct age_recipient *r, struct sops_err *err)
{
	struct buf hrp = BUF_INIT, key = BUF_INIT;
	const char *why = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (age_bech32_decode(s, strlen(s), &hrp, &key, &why) != 0) {
		recipient_err(err, s, why);
		goto out;
	}
	if (strcmp((char *)hrp.data, "age") != 0) {
		struct buf t = BUF_INIT;

		buf_adds(&t, "invalid type ");
		age_goquote(&t, (char *)hrp.data, hrp.len);
		recipient_err(err, s, t.data ? (char *)t.data : "invalid type");
		buf_free(&t);
		goto out;
	}
	if (key.len != 32) {
		recipient_err(err, s, "invalid X25519 public key");
		goto out;
	}
	r->type = AGE_KEY_X25519;
	memcpy(r->pub, key.data, 32);
	rc = 0;
out:
	buf_free(&hrp);
	buf_free(&key);
	return rc;
}

int age_x25519_recipient_string(const uint8_t pub[32], struct buf *out)
{
	return age_bech32_encode("age", pub, 32, out);
}

int age_x25519_identity_string(const struct age_identity *id, struct buf *out)
{
	return age_bech32_encode("AGE-SECRET-KEY-", id->secret, 32, out);
}

/* HKDF(shared, eph || pub, label) -> 32-byte wrapping key. */
static int wrap_key(const uint8_t shared[32], const uint8_t eph[32], const uint8_t pub[32],
		    const char *label, uint8_t key[32])
{
	uint8_t salt[64];

	memcpy(salt, eph, 32);
	memcpy(salt + 32, pub, 32);
	return age_hkdf_sha256(shared, 32, salt, sizeof(salt), label, key, 32);
}

int age_x25519_wrap(const struct age_recipient *r, const uint8_t *file_key, size_t key_len,
		    struct age_header *h)
{
	uint8_t eph[32], share[32], shared[32], key[32], body[64 + TAG_LEN];
	struct buf arg = BUF_INIT;
	const char *args[2];
	int rc = -1;

	if (key_len > 64 || age_random(eph, sizeof(eph)) != 0 || age_x25519_base(share, eph) != 0)
		goto out;
	if (age_x25519(shared, eph, r->pub) != 0)
		goto out;
	if (wrap_key(shared, share, r->pub, X25519_LABEL, key) != 0)
		goto out;
	if (age_aead_seal(key, zero_nonce, file_key, key_len, body) != 0)
		goto out;
	if (b64_encode(B64_RAW, share, sizeof(share), &arg) != 0)
		goto out;
	args[0] = "X25519";
	args[1] = (const char *)arg.data;
	rc = age_header_add_stanza(h, args, 2, body, key_len + TAG_LEN);
out:
	sm_wipe(eph, sizeof(eph));
	sm_wipe(shared, sizeof(shared));
	sm_wipe(key, sizeof(key));
	buf_free(&arg);
	return rc;
}

int age_x25519_unwrap(const struct age_identity *id, const struct age_stanza *s,
		      struct buf *key, struct sops_err *err)
{
	uint8_t shared[32], wk[32];
	struct buf share = BUF_INIT;
	size_t bad = 0;
	int rc = -1;

	if (strcmp(s->args[0], "X25519") != 0)
		return 1;
	if (s->nargs != 2)
		return err_set(err, EX_ERROR, "invalid X25519 recipient block");
	if (b64_decode_pos(B64_RAW, s->args[1], strlen(s->args[1]), &share, &bad) != 0) {
		err_set(err, EX_ERROR, "failed to parse X25519 recipient: illegal base64 data at "
			"input byte %zu", bad);
		goto out;
	}
	if (share.len != 32) {
		err_set(err, EX_ERROR, "invalid X25519 recipient block");
		goto out;
	}
	if (age_x25519(shared, id->secret, share.data) != 0) {
		err_set(err, EX_ERROR, "invalid X25519 recipient: bad input point: low order point");
		goto out;
	}
	if (wrap_key(shared, share.data, id->pub, X25519_LABEL, wk) != 0) {
		err_set(err, EX_ERROR, "HKDF failed");
		goto out;
	}
	if (s->body_len != AGE_FILE_KEY_LEN + TAG_LEN) {
		err_set(err, EX_ERROR, "invalid X25519 recipient block: incorrect file key size");
		goto out;
	}
	if (buf_reserve(key, AGE_FILE_KEY_LEN) != 0) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	rc = 1;      /* authentication failure: the stanza is not for us */
	if (age_aead_open(wk, zero_nonce, s->body, s->body_len, key->data + key->len) == 0) {
		key->len += AGE_FILE_KEY_LEN;
		key->data[key->len] = '\0';
		rc = 0;
	}
out:
	sm_wipe(shared, sizeof(shared));
	sm_wipe(wk, sizeof(wk));
	buf_free(&share);
	return rc;
}
