/* age_ssh.c - age's "ssh-ed25519" and "ssh-rsa" recipient stanzas (agessh).
 *
 * ssh-ed25519: "-> ssh-ed25519 TAG SHARE"; like X25519 with the Edwards key
 * converted to Montgomery form, the shared secret multiplied by a tweak
 * HKDF(ikm = "", salt = SSH wire key, label), and label
 * "age-encryption.org/v1/ssh-ed25519".
 * ssh-rsa: "-> ssh-rsa TAG"; body = RSA-OAEP-SHA-256 of the file key with
 * label "age-encryption.org/v1/ssh-rsa" (OpenSSL).
 * TAG = raw base64 of the first 4 bytes of SHA-256(SSH wire public key).
 */
#include "age.h"
#include "../b64.h"
#include "../../common/secure_mem.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define ED25519_LABEL "age-encryption.org/v1/ssh-ed25519"
#define RSA_LABEL "age-encryption.org/v1/ssh-rsa"
#define TAG_LEN 16

static const uint8_t zero_nonce[12];

/* Wrapping key: shared' = X25519(tweak, shared); HKDF(shared', share||pub). */
static int ed25519_key(const uint8_t shared[32], const uint8_t *wire, size_t wire_len,
		       const uint8_t share[32], const uint8_t pub[32], uint8_t key[32])
{
	uint8_t tweak[32], tweaked[32], salt[64];
	int rc = -1;

	if (age_hkdf_sha256(NULL, 0, wire, wire_len, ED25519_LABEL, tweak, 32) != 0 ||
	    age_x25519(tweaked, tweak, shared) != 0)
		goto out;
	memcpy(salt, share, 32);
	memcpy(salt + 32, pub, 32);
	rc = age_hkdf_sha256(tweaked, 32, salt, sizeof(salt), ED25519_LABEL, key, 32);
out:
	sm_wipe(tweak, sizeof(tweak));
	sm_wipe(tweaked, sizeof(tweaked));
	return rc;
}

int age_ssh_ed25519_wrap(const struct age_recipient *r, const uint8_t *file_key, size_t key_len,
			 struct age_header *h)
{
	uint8_t eph[32], share[32], shared[32], key[32], body[64 + TAG_LEN];
	struct buf arg = BUF_INIT;
	const char *args[3];
	int rc = -1;

	if (key_len > 64 || age_random(eph, sizeof(eph)) != 0 || age_x25519_base(share, eph) != 0 ||
	    age_x25519(shared, eph, r->pub) != 0)
		goto out;
	if (ed25519_key(shared, r->ssh_wire, r->ssh_wire_len, share, r->pub, key) != 0 ||
	    age_aead_seal(key, zero_nonce, file_key, key_len, body) != 0 ||
	    b64_encode(B64_RAW, share, sizeof(share), &arg) != 0)
		goto out;
	args[0] = "ssh-ed25519";
	args[1] = r->ssh_tag;
	args[2] = (const char *)arg.data;
	rc = age_header_add_stanza(h, args, 3, body, key_len + TAG_LEN);
out:
	sm_wipe(eph, sizeof(eph));
	sm_wipe(shared, sizeof(shared));
	sm_wipe(key, sizeof(key));
	buf_free(&arg);
	return rc;
}

int age_ssh_ed25519_unwrap(const struct age_identity *id, const struct age_stanza *s,
			   struct buf *key, struct sops_err *err)
{
	uint8_t shared[32], wk[32], wire[AGE_SSH_ED25519_WIRE_LEN];
	struct buf share = BUF_INIT;
	size_t bad = 0;
	int rc = -1;

	if (strcmp(s->args[0], "ssh-ed25519") != 0)
		return 1;
	if (s->nargs != 3)
		return err_set(err, EX_ERROR, "invalid ssh-ed25519 recipient block");
	if (b64_decode_pos(B64_RAW, s->args[2], strlen(s->args[2]), &share, &bad) != 0) {
		err_set(err, EX_ERROR, "failed to parse ssh-ed25519 recipient: illegal base64 data "
			"at input byte %zu", bad);
		goto out;
	}
	if (share.len != 32) {
		err_set(err, EX_ERROR, "invalid ssh-ed25519 recipient block");
		goto out;
	}
	if (strcmp(s->args[1], id->ssh_tag) != 0) {
		rc = 1;
		goto out;
	}
	if (age_x25519(shared, id->secret, share.data) != 0) {
		err_set(err, EX_ERROR, "invalid X25519 recipient: bad input point: low order point");
		goto out;
	}
	age_ssh_ed25519_wire(id->ed_pub, wire);
	if (ed25519_key(shared, wire, sizeof(wire), share.data, id->pub, wk) != 0 ||
	    s->body_len < TAG_LEN || buf_reserve(key, s->body_len - TAG_LEN) != 0 ||
	    age_aead_open(wk, zero_nonce, s->body, s->body_len, key->data + key->len) != 0) {
		err_set(err, EX_ERROR, "failed to decrypt file key: chacha20poly1305: message "
			"authentication failed");
		goto out;
	}
	key->len += s->body_len - TAG_LEN;
	key->data[key->len] = '\0';
	rc = 0;
out:
	sm_wipe(shared, sizeof(shared));
	sm_wipe(wk, sizeof(wk));
	buf_free(&share);
	return rc;
}

/* OpenSSL public key from an "ssh-rsa" wire blob. */
static EVP_PKEY *rsa_public(const uint8_t *blob, size_t n)
{
	struct age_wire w = { blob, n }, type;
	BIGNUM *e = NULL, *mod = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;

	if (bld == NULL || ctx == NULL || age_wire_str(&w, &type) != 0 ||
	    (e = age_wire_mpint(&w, 0)) == NULL || (mod = age_wire_mpint(&w, 0)) == NULL)
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, mod) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
	BN_free(mod);
	return pkey;
}

/* OAEP with SHA-256 (and MGF1-SHA-256) and age's label. */
static int oaep_setup(EVP_PKEY_CTX *ctx)
{
	unsigned char *label = OPENSSL_malloc(sizeof(RSA_LABEL) - 1);

	if (label == NULL)
		return -1;
	memcpy(label, RSA_LABEL, sizeof(RSA_LABEL) - 1);
	if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, (int)(sizeof(RSA_LABEL) - 1)) != 1) {
		OPENSSL_free(label);
		return -1;
	}
	return 0;
}

int age_ssh_rsa_wrap(const struct age_recipient *r, const uint8_t *file_key, size_t key_len,
		     struct age_header *h)
{
	EVP_PKEY *pkey = rsa_public(r->ssh_wire, r->ssh_wire_len);
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t *body = NULL;
	size_t body_len = 0;
	const char *args[2] = { "ssh-rsa", r->ssh_tag };
	int rc = -1;

	if (pkey == NULL || (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_encrypt_init(ctx) != 1 || oaep_setup(ctx) != 0 ||
	    EVP_PKEY_encrypt(ctx, NULL, &body_len, file_key, key_len) != 1 ||
	    (body = OPENSSL_malloc(body_len)) == NULL ||
	    EVP_PKEY_encrypt(ctx, body, &body_len, file_key, key_len) != 1)
		goto out;
	rc = age_header_add_stanza(h, args, 2, body, body_len);
out:
	OPENSSL_free(body);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return rc;
}

static int rsa_decrypt(const struct age_identity *id, const struct age_stanza *s, struct buf *key)
{
	const unsigned char *p = id->rsa_der;
	EVP_PKEY *pkey = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, (long)id->rsa_der_len);
	EVP_PKEY_CTX *ctx = NULL;
	size_t out_len;
	int rc = -1;

	if (pkey == NULL || (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		goto out;
	out_len = (size_t)EVP_PKEY_get_size(pkey);
	if (EVP_PKEY_decrypt_init(ctx) != 1 || oaep_setup(ctx) != 0 ||
	    buf_reserve(key, out_len) != 0 ||
	    EVP_PKEY_decrypt(ctx, key->data + key->len, &out_len, s->body, s->body_len) != 1)
		goto out;
	key->len += out_len;
	key->data[key->len] = '\0';
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return rc;
}

int age_ssh_rsa_unwrap(const struct age_identity *id, const struct age_stanza *s,
		       struct buf *key, struct sops_err *err)
{
	if (strcmp(s->args[0], "ssh-rsa") != 0)
		return 1;
	if (s->nargs != 2)
		return err_set(err, EX_ERROR, "invalid ssh-rsa recipient block");
	if (strcmp(s->args[1], id->ssh_tag) != 0)
		return 1;
	if (rsa_decrypt(id, s, key) != 0)
		return err_set(err, EX_ERROR, "failed to decrypt file key: crypto/rsa: decryption error");
	return 0;
}
