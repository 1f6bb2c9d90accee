/* gcp_auth.c - Google OAuth2 access tokens (see gcp_auth.h). */
#include "gcp_auth.h"
#include "../net/cred_cache.h"
#include "../net/http.h"
#include "../net/json.h"
#include "../net/secret_file.h"
#include "../../crypto/b64.h"
#include "../../common/secure_mem.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SCOPE "https://www.googleapis.com/auth/cloudkms"
#define GOOGLE_TOKEN_URI "https://oauth2.googleapis.com/token"
#define MAX_JSON (1 << 20)

static const char *env(const char *n)
{
	const char *v = getenv(n);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int jget(const struct buf *js, const char *k, struct buf *out)
{
	return njson_get(js->data, js->len, k, out);
}

/* POST form to uri; access_token and expires_in of the answer. */
static int token_request(const char *uri, const struct buf *form, int allow_http,
			 struct buf *out, time_t *exp, struct sops_err *err)
{
	static const char *const hdr[] = { "Content-Type: application/x-www-form-urlencoded" };
	struct net_request rq = { .method = "POST", .url = uri, .headers = hdr, .nheaders = 1,
				  .body = form->data, .body_len = form->len,
				  .secret_response = 1, .allow_http = allow_http };
	struct net_response rs = { 0 };
	struct buf e = BUF_INIT, d = BUF_INIT;
	long long ttl = 3600;
	int rc = -1;

	if (net_request(&rq, &rs, err) != 0)
		goto out;
	if (rs.status != 200) {
		/* Go's oauth2: `oauth2: "invalid_grant" "Invalid JWT Signature."` */
		jget(&rs.body, "error", &e);
		jget(&rs.body, "error_description", &d);
		err_set(err, EX_ERROR, "oauth2: cannot fetch token: HTTP %ld: oauth2: \"%.100s\" "
			"\"%.300s\"", rs.status, e.len ? (char *)e.data : "",
			d.len ? (char *)d.data : "");
		goto out;
	}
	if (jget(&rs.body, "access_token", out) != 0 || out->len == 0) {
		err_set(err, EX_ERROR, "oauth2: server response missing access_token");
		goto out;
	}
	njson_get_ll(rs.body.data, rs.body.len, "expires_in", &ttl);
	*exp = time(NULL) + (time_t)ttl;
	rc = 0;
out:
	net_response_free(&rs);
	buf_free(&e);
	buf_free(&d);
	return rc;
}

static int sign_rs256(const struct buf *pem, const struct buf *input, struct buf *sig_b64,
		      struct sops_err *err)
{
	BIO *bio = BIO_new_mem_buf(pem->data, (int)pem->len);
	EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t sig[1024];
	size_t sl = sizeof(sig);
	int rc = -1;

	if (pk == NULL || md == NULL)
		err_set(err, EX_ERROR, "google: could not parse the service account private key");
	else if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
		 EVP_DigestSign(md, sig, &sl, input->data, input->len) != 1)
		err_set(err, EX_ERROR, "google: could not sign the JWT");
	else
		rc = b64_encode(B64_URL_RAW, sig, sl, sig_b64);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return rc;
}

static int service_account(const struct buf *js, struct buf *out, time_t *exp,
			   struct sops_err *err)
{
	struct buf email = BUF_INIT, kid = BUF_INIT, uri = BUF_INIT, pem = BUF_INIT_SECURE;
	struct buf hdr = BUF_INIT, claims = BUF_INIT, jwt = BUF_INIT_SECURE, form = BUF_INIT_SECURE;
	time_t now = time(NULL);
	int rc = -1;

	if (jget(js, "client_email", &email) != 0 || jget(js, "private_key", &pem) != 0) {
		err_set(err, EX_ERROR, "google: service account JSON lacks client_email or private_key");
		goto out;
	}
	if (jget(js, "token_uri", &uri) != 0 || uri.len == 0)
		buf_adds(&uri, GOOGLE_TOKEN_URI);
	buf_adds(&hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\"");
	if (jget(js, "private_key_id", &kid) == 0 && kid.len > 0) {
		buf_adds(&hdr, ",\"kid\":");
		njson_add_str(&hdr, (char *)kid.data, kid.len);
	}
	buf_addc(&hdr, '}');
	buf_adds(&claims, "{\"iss\":");
	njson_add_str(&claims, (char *)email.data, email.len);
	buf_printf(&claims, ",\"scope\":\"%s\",\"aud\":", SCOPE);
	njson_add_str(&claims, (char *)uri.data, uri.len);
	buf_printf(&claims, ",\"exp\":%lld,\"iat\":%lld}", (long long)now + 3600, (long long)now);
	b64_encode(B64_URL_RAW, hdr.data, hdr.len, &jwt);
	buf_addc(&jwt, '.');
	b64_encode(B64_URL_RAW, claims.data, claims.len, &jwt);
	if (sign_rs256(&pem, &jwt, &form, err) != 0)   /* form holds the signature for now */
		goto out;
	buf_addc(&jwt, '.');
	buf_add(&jwt, form.data, form.len);
	buf_truncate(&form, 0);
	buf_adds(&form, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
		 "&assertion=");
	if (buf_add(&form, jwt.data, jwt.len) != 0)
		goto out;
	rc = token_request((char *)uri.data, &form, 0, out, exp, err);
out:
	buf_free(&email);
	buf_free(&kid);
	buf_free(&uri);
	buf_free(&pem);
	buf_free(&hdr);
	buf_free(&claims);
	buf_free(&jwt);
	buf_free(&form);
	return rc;
}

static int authorized_user(const struct buf *js, struct buf *out, time_t *exp,
			   struct sops_err *err)
{
	struct buf id = BUF_INIT, sec = BUF_INIT_SECURE, rt = BUF_INIT_SECURE, uri = BUF_INIT;
	struct buf form = BUF_INIT_SECURE;
	int rc = -1;

	if (jget(js, "client_id", &id) != 0 || jget(js, "client_secret", &sec) != 0 ||
	    jget(js, "refresh_token", &rt) != 0) {
		err_set(err, EX_ERROR, "google: authorized_user JSON lacks client_id, "
			"client_secret or refresh_token");
		goto out;
	}
	if (jget(js, "token_uri", &uri) != 0 || uri.len == 0)
		buf_adds(&uri, GOOGLE_TOKEN_URI);
	buf_adds(&form, "grant_type=refresh_token&client_id=");
	net_urlencode(&form, (char *)id.data, id.len);
	buf_adds(&form, "&client_secret=");
	net_urlencode(&form, (char *)sec.data, sec.len);
	buf_adds(&form, "&refresh_token=");
	if (net_urlencode(&form, (char *)rt.data, rt.len) != 0)
		goto out;
	rc = token_request((char *)uri.data, &form, 0, out, exp, err);
out:
	buf_free(&id);
	buf_free(&sec);
	buf_free(&rt);
	buf_free(&uri);
	buf_free(&form);
	return rc;
}

static int from_json(const struct buf *js, const char *src, struct buf *out, time_t *exp,
		     struct sops_err *err)
{
	struct buf type = BUF_INIT;
	int rc;

	jget(js, "type", &type);
	if (type.data && strcmp((char *)type.data, "service_account") == 0)
		rc = service_account(js, out, exp, err);
	else if (type.data && strcmp((char *)type.data, "authorized_user") == 0)
		rc = authorized_user(js, out, exp, err);
	else
		rc = err_set(err, EX_ERROR, "google: unsupported credential type \"%s\"",
			     type.data ? (char *)type.data : "");
	buf_free(&type);
	if (rc != 0)
		err_prefix(err, "credentials from %s: ", src);
	return rc;
}

static int from_file(const char *path, const char *src, struct buf *out, time_t *exp,
		     struct sops_err *err)
{
	struct buf js = BUF_INIT_SECURE;
	int rc;

	if (secret_file_read(path, MAX_JSON, 0, &js) != 0)
		rc = err_set(err, EX_ERROR, "credentials from %s: cannot read %s", src, path);
	else
		rc = from_json(&js, src, out, exp, err);
	buf_free(&js);
	return rc;
}

static int metadata(struct buf *out, time_t *exp, struct sops_err *err)
{
	static const char *const hdr[] = { "Metadata-Flavor: Google" };
	const char *host = env("GCE_METADATA_HOST");
	struct buf url = BUF_INIT;
	struct net_request rq = { .method = "GET", .headers = hdr, .nheaders = 1,
				  .allow_http = 1, .secret_response = 1, .retries = -1 };
	struct net_response rs = { 0 };
	long long ttl = 3600;
	int rc = -1;

	buf_printf(&url, "http://%s/computeMetadata/v1/instance/service-accounts/default/token",
		   host ? host : "169.254.169.254");
	rq.url = (char *)url.data;
	rq.timeout_ms = net_config.timeout_ms < 2000 ? net_config.timeout_ms : 2000;
	if (net_request(&rq, &rs, err) != 0) {
		err_prefix(err, "metadata server: ");
	} else if (rs.status != 200 || njson_get(rs.body.data, rs.body.len, "access_token", out) != 0) {
		err_set(err, EX_ERROR, "metadata server: %s answered HTTP %ld", (char *)url.data,
			rs.status);
	} else {
		njson_get_ll(rs.body.data, rs.body.len, "expires_in", &ttl);
		*exp = time(NULL) + (time_t)ttl;
		rc = 0;
	}
	net_response_free(&rs);
	buf_free(&url);
	return rc;
}

static int fetch(void *ctx, struct buf *out, time_t *exp, struct sops_err *err)
{
	const char *gc = env("GOOGLE_CREDENTIALS"), *tok = env("GOOGLE_OAUTH_ACCESS_TOKEN");
	const char *adc = env("GOOGLE_APPLICATION_CREDENTIALS"), *cfg = env("CLOUDSDK_CONFIG");
	struct buf path = BUF_INIT;
	struct stat st;
	int rc;

	(void)ctx;
	*exp = 0;
	if (gc != NULL) {
		if (stat(gc, &st) == 0)
			return from_file(gc, "\"GOOGLE_CREDENTIALS\"", out, exp, err);
		struct buf js = BUF_INIT_SECURE;
		buf_adds(&js, gc);
		rc = from_json(&js, "\"GOOGLE_CREDENTIALS\"", out, exp, err);
		buf_free(&js);
		return rc;
	}
	if (tok != NULL)
		return buf_adds(out, tok);
	if (adc != NULL)
		return from_file(adc, "GOOGLE_APPLICATION_CREDENTIALS", out, exp, err);
	if (cfg != NULL)
		buf_printf(&path, "%s/application_default_credentials.json", cfg);
	else
		home_path(".config/gcloud/application_default_credentials.json", &path);
	if (path.data != NULL && stat((char *)path.data, &st) == 0) {
		rc = from_file((char *)path.data, (char *)path.data, out, exp, err);
		buf_free(&path);
		return rc;
	}
	rc = metadata(out, exp, err);
	if (rc != 0)
		err_prefix(err, "google: could not find default credentials (tried "
			   "GOOGLE_CREDENTIALS, GOOGLE_OAUTH_ACCESS_TOKEN, "
			   "GOOGLE_APPLICATION_CREDENTIALS, %s, the metadata server): ",
			   path.data ? (char *)path.data : "gcloud's application default credentials");
	buf_free(&path);
	return rc;
}

int gcp_auth_header(struct buf *out, struct sops_err *err)
{
	struct buf tok = BUF_INIT_SECURE;
	int rc = cred_get("gcp:token", fetch, NULL, &tok, err);

	if (rc == 0)
		rc = buf_adds(out, "Authorization: Bearer ") | buf_add(out, tok.data, tok.len);
	buf_free(&tok);
	return rc;
}

void gcp_auth_forget(void)
{
	cred_forget("gcp:token");
}
