/* azkv_cert.c - client certificate credential: a signed JWT client
 * assertion (RFC 7523) for the Microsoft identity platform token endpoint.
 *
 * The file (AZURE_CLIENT_CERTIFICATE_PATH) holds the certificate and its
 * RSA private key, PEM (in any order) or PKCS#12 (password from
 * AZURE_CLIENT_CERTIFICATE_PASSWORD). The assertion is
 * base64url(header).base64url(claims).base64url(RS256 signature), with
 * header {"alg":"RS256","typ":"JWT","x5t":<base64url SHA-1 of the DER
 * certificate>} and claims aud (the token endpoint), exp (+10 min), iss =
 * sub = client id, jti (random), nbf (now), as MSAL sends them.
 * The file is read into locked memory; OpenSSL holds the parsed key only
 * while signing.
 */
#include "azkv.h"
#include "../svc/svc_util.h"
#include "../../crypto/b64.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CERT_FILE_MAX (256 * 1024)

static int load_cert(const struct buf *file, const char *pass, X509 **cert, EVP_PKEY **key)
{
	BIO *bio = BIO_new_mem_buf(file->data, (int)file->len);
	PKCS12 *p12;

	*cert = NULL;
	*key = NULL;
	if (bio == NULL)
		return -1;
	*cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	bio = BIO_new_mem_buf(file->data, (int)file->len);
	if (bio == NULL)
		return -1;
	*key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)(pass ? pass : ""));
	BIO_free(bio);
	if (*cert != NULL && *key != NULL)
		return 0;
	X509_free(*cert);
	EVP_PKEY_free(*key);
	*cert = NULL;
	*key = NULL;
	bio = BIO_new_mem_buf(file->data, (int)file->len);
	if (bio == NULL)
		return -1;
	p12 = d2i_PKCS12_bio(bio, NULL);
	BIO_free(bio);
	if (p12 == NULL)
		return -1;
	if (PKCS12_parse(p12, pass ? pass : "", key, cert, NULL) != 1 || *cert == NULL ||
	    *key == NULL) {
		X509_free(*cert);
		EVP_PKEY_free(*key);
		*cert = NULL;
		*key = NULL;
		PKCS12_free(p12);
		return -1;
	}
	PKCS12_free(p12);
	return 0;
}

static int add_b64u(struct buf *out, const void *p, size_t n)
{
	return b64_encode(B64_URL_RAW, p, n, out);
}

static int build_signing_input(X509 *cert, const char *client_id, const char *aud,
			       struct buf *in)
{
	unsigned char sha1[EVP_MAX_MD_SIZE], jti[16];
	unsigned int sl = 0;
	struct buf x5t = BUF_INIT, hdr = BUF_INIT, cl = BUF_INIT;
	time_t now = time(NULL);
	int rc = -1;

	if (X509_digest(cert, EVP_sha1(), sha1, &sl) != 1 || RAND_bytes(jti, sizeof(jti)) != 1)
		return -1;
	if (add_b64u(&x5t, sha1, sl) == 0 &&
	    buf_printf(&hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5t\":\"%s\"}",
		       (char *)x5t.data) == 0 &&
	    buf_printf(&cl, "{\"aud\":\"%s\",\"exp\":%lld,\"iss\":\"%s\",\"jti\":\"",
		       aud, (long long)now + 600, client_id) == 0) {
		for (size_t i = 0; i < sizeof(jti); i++)
			buf_printf(&cl, "%02x", jti[i]);
		if (buf_printf(&cl, "\",\"nbf\":%lld,\"sub\":\"%s\"}", (long long)now, client_id) == 0 &&
		    add_b64u(in, hdr.data, hdr.len) == 0 && buf_addc(in, '.') == 0 &&
		    add_b64u(in, cl.data, cl.len) == 0)
			rc = 0;
	}
	buf_free(&x5t);
	buf_free(&hdr);
	buf_free(&cl);
	return rc;
}

static int sign_rs256(EVP_PKEY *key, const struct buf *in, struct buf *out)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t sl = sizeof(sig);
	int rc = -1;

	if (md != NULL && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
	    EVP_PKEY_get_size(key) <= (int)sizeof(sig) &&
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(md, sig, &sl, in->data, in->len) == 1)
		rc = add_b64u(out, sig, sl);
	EVP_MD_CTX_free(md);
	return rc;
}

int azkv_cert_assertion(const char *path, const char *pass, const char *client_id,
			const char *aud, struct buf *out, struct sops_err *err)
{
	struct buf file = BUF_INIT_SECURE, in = BUF_INIT;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc;

	rc = svc_read_secret_raw(path, CERT_FILE_MAX, &file);
	if (rc != 0) {
		buf_free(&file);
		return err_set(err, EX_ERROR, "cannot read the certificate file named by "
			       "AZURE_CLIENT_CERTIFICATE_PATH (%.200s)", path);
	}
	if (load_cert(&file, pass, &cert, &key) != 0) {
		buf_free(&file);
		return err_set(err, EX_ERROR, "AZURE_CLIENT_CERTIFICATE_PATH: no certificate with "
			       "its private key found (PEM, or PKCS#12 with "
			       "AZURE_CLIENT_CERTIFICATE_PASSWORD)");
	}
	buf_free(&file);
	rc = build_signing_input(cert, client_id, aud, &in);
	if (rc == 0) {
		size_t start = out->len;

		rc = buf_add(out, in.data, in.len) == 0 && buf_addc(out, '.') == 0 ? 0 : -1;
		if (rc == 0 && sign_rs256(key, &in, out) != 0) {
			buf_truncate(out, start);
			rc = -1;
		}
	}
	X509_free(cert);
	EVP_PKEY_free(key);
	buf_free(&in);
	if (rc != 0)
		return err_set(err, EX_ERROR, "cannot sign a client assertion with the certificate's "
			       "key (an RSA key is needed)");
	return 0;
}
