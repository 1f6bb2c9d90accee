/* age_ssh_priv.c - SSH private keys as age identities (agessh.ParseIdentity).
 *
 * Accepted: unencrypted OpenSSH keys ("-----BEGIN OPENSSH PRIVATE KEY-----",
 * openssh-key-v1 container, ed25519 or RSA), PEM "RSA PRIVATE KEY" and
 * PKCS#8 "PRIVATE KEY" (RSA or Ed25519). The openssh-key-v1 container is
 * parsed by hand (OpenSSL cannot read it); PEM/PKCS#8 go to OpenSSL.
 * Passphrase-protected keys are refused with Go's PassphraseMissingError
 * text and *encrypted = 1 (sopsfs never prompts).
 *
 * Key material: the ed25519 seed becomes the X25519 scalar inside the
 * identity (locked memory); an RSA key is re-encoded as PKCS#1 DER into
 * locked memory, and the OpenSSL objects used on the way (which clear their
 * private numbers when freed) are dropped at once.
 */
#include "age.h"
#include "../b64.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>

#define NO_KEY "ssh: no key found"
#define PASSPHRASE "ssh: this private key is passphrase protected"
#define SHORT_READ "ssh: short read"
#define MAGIC "openssh-key-v1"      /* followed by a NUL byte */

struct pem_block {
	const char *type;         /* points into the input; type_len bytes */
	size_t type_len;
	const char *begin;        /* "-----BEGIN" */
	const char *body;         /* after the BEGIN line */
	const char *end;          /* "-----END" */
	const char *stop;         /* after the END line */
};

static const char *find_from(const char *p, const char *lim, const char *s)
{
	size_t sl = strlen(s);

	for (; p + sl <= lim; p++)
		if (memcmp(p, s, sl) == 0)
			return p;
	return NULL;
}

/* The first PEM block (like Go's pem.Decode, without its header parsing). */
static int pem_find(const char *in, size_t n, struct pem_block *b)
{
	const char *lim = in + n, *p = in, *t, *nl;
	char endm[128];

	for (;;) {
		p = find_from(p, lim, "-----BEGIN ");
		if (p == NULL)
			return -1;
		if (p == in || p[-1] == '\n')
			break;
		p++;
	}
	b->begin = p;
	t = p + strlen("-----BEGIN ");
	nl = memchr(t, '\n', (size_t)(lim - t));
	if (nl == NULL)
		return -1;
	b->body = nl + 1;
	while (nl > t && (nl[-1] == '\r' || nl[-1] == ' ' || nl[-1] == '\t'))
		nl--;
	if (nl - t < 5 || memcmp(nl - 5, "-----", 5) != 0 || nl - 5 - t > 100)
		return -1;
	b->type = t;
	b->type_len = (size_t)(nl - 5 - t);
	snprintf(endm, sizeof(endm), "-----END %.*s-----", (int)b->type_len, b->type);
	b->end = find_from(b->body, lim, endm);
	if (b->end == NULL)
		return -1;
	b->stop = b->end + strlen(endm);
	return 0;
}

static int pem_is(const struct pem_block *b, const char *type)
{
	return b->type_len == strlen(type) && memcmp(b->type, type, b->type_len) == 0;
}

/* Base64 body of a PEM block without line breaks, decoded (secure). */
static int pem_body(const struct pem_block *b, struct buf *out)
{
	struct buf text = BUF_INIT_SECURE;
	int rc = -1;

	for (const char *p = b->body; p < b->end; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t' && buf_addc(&text, *p) != 0)
			goto out;
	rc = b64_decode(B64_STD, (const char *)text.data, text.len, out);
out:
	buf_free(&text);
	return rc;
}

static int ed25519_identity(const uint8_t sk[64], struct age_identity **out)
{
	struct age_identity *id = sm_alloc(sizeof(*id));
	uint8_t wire[AGE_SSH_ED25519_WIRE_LEN];

	if (id == NULL)
		return -1;
	id->type = AGE_KEY_SSH_ED25519;
	memcpy(id->ed_pub, sk + 32, 32);
	if (sodium_init() < 0 || crypto_sign_ed25519_sk_to_curve25519(id->secret, sk) != 0 ||
	    age_x25519_base(id->pub, id->secret) != 0) {
		age_identity_free(id);
		return -1;
	}
	age_ssh_ed25519_wire(id->ed_pub, wire);
	if (age_ssh_tag(wire, sizeof(wire), id->ssh_tag) != 0) {
		age_identity_free(id);
		return -1;
	}
	*out = id;
	return 0;
}

/* (d * e) mod (x - 1) == 1 */
static int inverse_mod(const BIGNUM *de, const BIGNUM *x, BN_CTX *ctx)
{
	BIGNUM *x1 = BN_CTX_get(ctx), *r = BN_CTX_get(ctx);

	return r != NULL && BN_copy(x1, x) != NULL && BN_sub_word(x1, 1) == 1 &&
	       BN_mod(r, de, x1, ctx) == 1 && BN_is_one(r) ? 0 : -1;
}

/* What Go's rsa.PrivateKey.Validate checks (cheap, no primality tests):
 * p * q == n and d * e == 1 modulo p - 1 and q - 1. */
static int rsa_consistent(const EVP_PKEY *pkey)
{
	BIGNUM *n = NULL, *e = NULL, *d = NULL, *p = NULL, *q = NULL, *t, *de;
	BN_CTX *ctx = BN_CTX_secure_new();
	int rc = -1;

	if (ctx == NULL || EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D, &d) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, &p) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, &q) != 1)
		goto out;
	BN_CTX_start(ctx);
	t = BN_CTX_get(ctx);
	de = BN_CTX_get(ctx);
	if (de != NULL && BN_mul(t, p, q, ctx) == 1 && BN_cmp(t, n) == 0 &&
	    BN_mul(de, d, e, ctx) == 1 && inverse_mod(de, p, ctx) == 0 &&
	    inverse_mod(de, q, ctx) == 0)
		rc = 0;
	BN_CTX_end(ctx);
out:
	BN_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_clear_free(p);
	BN_clear_free(q);
	return rc;
}

/* An RSA identity from an OpenSSL key: tag from (e, n), PKCS#1 DER kept in
 * locked memory. */
static int rsa_identity(EVP_PKEY *pkey, struct age_identity **out)
{
	struct age_identity *id = sm_alloc(sizeof(*id));
	BIGNUM *n = NULL, *e = NULL;
	struct buf wire = BUF_INIT;
	unsigned char *der = NULL;
	int len = 0, rc = -1;

	if (id == NULL)
		return -1;
	id->type = AGE_KEY_SSH_RSA;
	if (rsa_consistent(pkey) != 0)
		goto out;
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		goto out;
	if (age_ssh_rsa_wire(e, n, &wire) != 0 || age_ssh_tag(wire.data, wire.len, id->ssh_tag) != 0)
		goto out;
	len = i2d_PrivateKey(pkey, &der);
	if (len <= 0 || (id->rsa_der = sm_alloc((size_t)len)) == NULL)
		goto out;
	memcpy(id->rsa_der, der, (size_t)len);
	id->rsa_der_len = (size_t)len;
	*out = id;
	id = NULL;
	rc = 0;
out:
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)len);
	BN_free(n);
	BN_free(e);
	buf_free(&wire);
	age_identity_free(id);
	return rc;
}

/* d mod (x - 1) */
static BIGNUM *crt_exp(const BIGNUM *d, const BIGNUM *x, BN_CTX *ctx)
{
	BIGNUM *x1 = BN_secure_new(), *r = BN_secure_new();

	if (x1 == NULL || r == NULL || BN_copy(x1, x) == NULL || BN_sub_word(x1, 1) != 1 ||
	    BN_mod(r, d, x1, ctx) != 1) {
		BN_clear_free(r);
		r = NULL;
	}
	BN_clear_free(x1);
	return r;
}

/* OpenSSL key from OpenSSH's RSA fields n, e, d, iqmp, p, q. */
static EVP_PKEY *rsa_from_parts(BIGNUM *const v[6])
{
	BIGNUM *dmp1 = NULL, *dmq1 = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BN_CTX *bnctx = BN_CTX_secure_new();
	EVP_PKEY *pkey = NULL;

	if (bld == NULL || ctx == NULL || bnctx == NULL)
		goto out;
	dmp1 = crt_exp(v[2], v[4], bnctx);
	dmq1 = crt_exp(v[2], v[5], bnctx);
	if (dmp1 == NULL || dmq1 == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, v[0]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, v[1]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, v[2]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, v[4]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, v[5]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, v[3]))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		pkey = NULL;
out:
	OSSL_PARAM_free(params);      /* clears the secure block */
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_CTX_free(bnctx);
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	return pkey;
}

static int check_padding(const struct age_wire *w, struct sops_err *err)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->p[i] != (uint8_t)(i + 1))
			return err_set(err, EX_ERROR, "ssh: padding not as expected");
	return 0;
}

static int openssh_rsa(struct age_wire *w, struct age_identity **out, struct sops_err *err)
{
	BIGNUM *v[6] = { NULL };
	struct age_wire comment;
	EVP_PKEY *pkey = NULL;
	int rc = -1;

	for (int i = 0; i < 6; i++)
		if ((v[i] = age_wire_mpint(w, i >= 2)) == NULL) {
			err_set(err, EX_ERROR, SHORT_READ);
			goto out;
		}
	if (age_wire_str(w, &comment) != 0) {
		err_set(err, EX_ERROR, SHORT_READ);
		goto out;
	}
	if (check_padding(w, err) != 0)
		goto out;
	pkey = rsa_from_parts(v);
	if (pkey == NULL || rsa_identity(pkey, out) != 0) {
		err_set(err, EX_ERROR, "ssh: invalid RSA private key");
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(pkey);
	for (int i = 0; i < 6; i++)
		BN_clear_free(v[i]);
	return rc;
}

static int openssh_ed25519(struct age_wire *w, struct age_identity **out, struct sops_err *err)
{
	struct age_wire pub, priv, comment;

	if (age_wire_str(w, &pub) != 0 || age_wire_str(w, &priv) != 0 ||
	    age_wire_str(w, &comment) != 0)
		return err_set(err, EX_ERROR, SHORT_READ);
	if (priv.n != 64)
		return err_set(err, EX_ERROR, "ssh: private key unexpected length");
	if (check_padding(w, err) != 0)
		return -1;
	if (ed25519_identity(priv.p, out) != 0)
		return err_set(err, EX_ERROR, "ssh: invalid ed25519 private key");
	return 0;
}

/* The private section: checkints, key type, key fields, comment, padding. */
static int openssh_private(struct age_wire *w, struct age_identity **out, struct sops_err *err)
{
	uint32_t c1, c2;
	struct age_wire type;

	if (age_wire_u32(w, &c1) != 0 || age_wire_u32(w, &c2) != 0 || age_wire_str(w, &type) != 0)
		return err_set(err, EX_ERROR, SHORT_READ);
	if (c1 != c2)
		return err_set(err, EX_ERROR, "ssh: checkint mismatch");
	if (age_wire_is(&type, "ssh-ed25519"))
		return openssh_ed25519(w, out, err);
	if (age_wire_is(&type, "ssh-rsa"))
		return openssh_rsa(w, out, err);
	return err_set(err, EX_ERROR, "unsupported SSH identity type: %.*s",
		       (int)(type.n < 64 ? type.n : 64), (const char *)type.p);
}

static int openssh_key(const uint8_t *blob, size_t n, struct age_identity **out, int *encrypted,
		       struct sops_err *err)
{
	struct age_wire w = { blob, n }, cipher, kdf, kdfopts, pub, priv;
	uint32_t nkeys;

	if (n < sizeof(MAGIC) || memcmp(blob, MAGIC, sizeof(MAGIC)) != 0)
		return err_set(err, EX_ERROR, "ssh: invalid openssh private key format");
	w.p += sizeof(MAGIC);
	w.n -= sizeof(MAGIC);
	if (age_wire_str(&w, &cipher) != 0 || age_wire_str(&w, &kdf) != 0 ||
	    age_wire_str(&w, &kdfopts) != 0 || age_wire_u32(&w, &nkeys) != 0 ||
	    age_wire_str(&w, &pub) != 0 || age_wire_str(&w, &priv) != 0)
		return err_set(err, EX_ERROR, SHORT_READ);
	if (nkeys != 1)
		return err_set(err, EX_ERROR, "ssh: multi-key files are not supported");
	if (!age_wire_is(&cipher, "none") || !age_wire_is(&kdf, "none")) {
		*encrypted = 1;
		return err_set(err, EX_ERROR, PASSPHRASE);
	}
	return openssh_private(&priv, out, err);
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* PEM "RSA PRIVATE KEY" or "PRIVATE KEY" through OpenSSL. */
static int pem_key(const struct pem_block *b, struct age_identity **out, struct sops_err *err)
{
	BIO *bio = BIO_new_mem_buf(b->begin, (int)(b->stop - b->begin));
	EVP_PKEY *pkey = NULL;
	uint8_t sk[64];
	size_t len;
	int rc = -1;

	if (bio != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (pkey == NULL)
		return err_set(err, EX_ERROR, "ssh: failed to parse %.*s", (int)b->type_len, b->type);
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
		rc = rsa_identity(pkey, out);
	} else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		len = 32;
		if (EVP_PKEY_get_raw_private_key(pkey, sk, &len) == 1 && len == 32 &&
		    EVP_PKEY_get_raw_public_key(pkey, sk + 32, &len) == 1 && len == 32)
			rc = ed25519_identity(sk, out);
		sm_wipe(sk, sizeof(sk));
	} else {
		EVP_PKEY_free(pkey);
		return err_set(err, EX_ERROR, "unsupported SSH identity type (only ssh-ed25519 and "
			       "ssh-rsa keys are supported)");
	}
	EVP_PKEY_free(pkey);
	if (rc != 0)
		return err_set(err, EX_ERROR, "ssh: invalid private key");
	return 0;
}

int age_ssh_identity_parse(const uint8_t *pem, size_t n, struct age_identity **out,
			   int *encrypted, struct sops_err *err)
{
	struct pem_block b;
	struct buf blob = BUF_INIT_SECURE;
	int rc;

	*encrypted = 0;
	if (pem_find((const char *)pem, n, &b) != 0)
		return err_set(err, EX_ERROR, NO_KEY);
	if (pem_is(&b, "ENCRYPTED PRIVATE KEY") ||
	    (!pem_is(&b, "OPENSSH PRIVATE KEY") && find_from(b.body, b.end, "Proc-Type:") != NULL &&
	     find_from(b.body, b.end, "ENCRYPTED") != NULL)) {
		*encrypted = 1;
		return err_set(err, EX_ERROR, PASSPHRASE);
	}
	if (pem_is(&b, "RSA PRIVATE KEY") || pem_is(&b, "PRIVATE KEY"))
		return pem_key(&b, out, err);
	if (!pem_is(&b, "OPENSSH PRIVATE KEY"))
		return err_set(err, EX_ERROR, "ssh: unsupported key type \"%.*s\"", (int)b.type_len,
			       b.type);
	if (pem_body(&b, &blob) != 0) {
		buf_free(&blob);
		return err_set(err, EX_ERROR, NO_KEY);
	}
	rc = openssh_key(blob.data, blob.len, out, encrypted, err);
	buf_free(&blob);
	return rc;
}
