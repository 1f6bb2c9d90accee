/* azkv_cred.c - Azure access tokens, tried in DefaultAzureCredential's
 * order (azidentity):
 *   1. EnvironmentCredential: AZURE_TENANT_ID + AZURE_CLIENT_ID with
 *      AZURE_CLIENT_SECRET (client secret), else AZURE_CLIENT_CERTIFICATE_PATH
 *      (+ AZURE_CLIENT_CERTIFICATE_PASSWORD: signed client assertion).
 *   2. WorkloadIdentityCredential: AZURE_FEDERATED_TOKEN_FILE (re-read at
 *      every fetch) as the client assertion, with AZURE_TENANT_ID and
 *      AZURE_CLIENT_ID.
 *   3. ManagedIdentityCredential: IDENTITY_ENDPOINT + IDENTITY_HEADER (App
 *      Service, api-version 2019-08-01), else IMDS at
 *      AZURE_POD_IDENTITY_AUTHORITY_HOST or http://169.254.169.254
 *      (api-version 2018-02-01, Metadata: true; probed with a 1 s bound).
 *      AZURE_CLIENT_ID selects a user-assigned identity.
 *   4. AzureCLICredential: `az account get-access-token` (azkv_cli.c).
 * 1 and 2 post to <AZURE_AUTHORITY_HOST or https://login.microsoftonline.com>
 * /<tenant>/oauth2/v2.0/token (client credentials grant). A credential
 * that is not configured is skipped; the first configured one that fails
 * ends the chain (as azidentity does). Tokens are cached in locked memory
 * (providers/net/cred_cache.h) until shortly before expiry and never logged.
 */
#include "azkv.h"
#include "../net/cred_cache.h"
#include "../net/http.h"
#include "../net/json.h"
#include "../svc/svc_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define FED_TOKEN_MAX (64 * 1024)

/* Outcome of one credential: got a token, not configured, or failed. */
enum cred_rc { CRED_OK = 0, CRED_UNAVAILABLE = 1, CRED_FAILED = -1 };

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static int add_param(struct buf *b, const char *name, const char *v, size_t n)
{
	if ((b->len > 0 && buf_addc(b, '&') != 0) || buf_adds(b, name) != 0 || buf_addc(b, '=') != 0)
		return -1;
	return net_urlencode(b, v, n);
}

/* Read access_token and its lifetime out of a token answer. */
static enum cred_rc take_token(const struct net_response *r, const char *life_field,
			       int life_is_epoch, struct buf *out, time_t *expires,
			       const char *who, struct sops_err *err)
{
	long long v = 0;

	if (r->status != 200) {
		static const char *const paths[] = { "error_description", "error.message", "error",
						     "message", NULL };
		struct buf why = BUF_INIT;

		svc_json_error(&r->body, paths, &why);
		err_set(err, EX_ERROR, "%s: authentication failed: HTTP %ld: %s", who, r->status,
			why.len ? (char *)why.data : "(no message)");
		buf_free(&why);
		return CRED_FAILED;
	}
	if (njson_get(r->body.data, r->body.len, "access_token", out) != 0 || out->len == 0) {
		err_set(err, EX_ERROR, "%s: the answer has no access_token", who);
		return CRED_FAILED;
	}
	if (njson_get_ll(r->body.data, r->body.len, life_field, &v) != 0 || v <= 0)
		v = life_is_epoch ? (long long)time(NULL) + 300 : 300;
	*expires = life_is_epoch ? (time_t)v : time(NULL) + (time_t)v;
	return CRED_OK;
}

/* POST a client-credentials form to the tenant's token endpoint. */
static enum cred_rc entra_token(const char *tenant, const char *client, const char *scope,
				const char *secret, const struct buf *assertion, struct buf *out,
				time_t *expires, const char *who, struct sops_err *err)
{
	const char *host = env("AZURE_AUTHORITY_HOST");
	struct buf url = BUF_INIT, form = BUF_INIT_SECURE;
	struct net_response resp;
	struct net_request req;
	const char *hdr[] = { "Content-Type: application/x-www-form-urlencoded" };
	enum cred_rc rc = CRED_FAILED;
	size_t hl;

	if (host == NULL)
		host = "https://login.microsoftonline.com/";
	hl = strlen(host);
	while (hl > 0 && host[hl - 1] == '/')
		hl--;
	memset(&resp, 0, sizeof(resp));
	memset(&req, 0, sizeof(req));
	if (buf_printf(&url, "%.*s/%s/oauth2/v2.0/token", (int)hl, host, tenant) != 0 ||
	    add_param(&form, "grant_type", "client_credentials", 18) != 0 ||
	    add_param(&form, "client_id", client, strlen(client)) != 0 ||
	    add_param(&form, "scope", scope, strlen(scope)) != 0 ||
	    (secret != NULL && add_param(&form, "client_secret", secret, strlen(secret)) != 0) ||
	    (assertion != NULL &&
	     (add_param(&form, "client_assertion_type", ASSERTION_TYPE, strlen(ASSERTION_TYPE)) != 0 ||
	      add_param(&form, "client_assertion", (char *)assertion->data, assertion->len) != 0))) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	req.method = "POST";
	req.url = (char *)url.data;
	req.headers = hdr;
	req.nheaders = 1;
	req.body = form.data;
	req.body_len = form.len;
	req.secret_response = 1;
	if (net_request(&req, &resp, err) != 0)
		err_prefix(err, "%s: ", who);
	else
		rc = take_token(&resp, "expires_in", 0, out, expires, who, err);
out:
	net_response_free(&resp);
	buf_free(&url);
	buf_free(&form);
	return rc;
}

static enum cred_rc env_cred(const char *scope, struct buf *out, time_t *exp, struct sops_err *err)
{
	const char *tenant = env("AZURE_TENANT_ID"), *client = env("AZURE_CLIENT_ID");
	const char *secret = env("AZURE_CLIENT_SECRET"), *cert = env("AZURE_CLIENT_CERTIFICATE_PATH");
	const char *who = "EnvironmentCredential";
	struct buf aud = BUF_INIT, as = BUF_INIT_SECURE;
	const char *host = env("AZURE_AUTHORITY_HOST");
	enum cred_rc rc;
	size_t hl;

	if (tenant == NULL || client == NULL || (secret == NULL && cert == NULL)) {
		err_set(err, EX_ERROR, "%s: missing environment variable %s", who,
			tenant == NULL ? "AZURE_TENANT_ID" : client == NULL ? "AZURE_CLIENT_ID" :
			"AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
		return CRED_UNAVAILABLE;
	}
	if (secret != NULL)
		return entra_token(tenant, client, scope, secret, NULL, out, exp, who, err);
	if (host == NULL)
		host = "https://login.microsoftonline.com/";
	hl = strlen(host);
	while (hl > 0 && host[hl - 1] == '/')
		hl--;
	rc = CRED_FAILED;
	if (buf_printf(&aud, "%.*s/%s/oauth2/v2.0/token", (int)hl, host, tenant) != 0)
		err_set(err, EX_ERROR, "out of memory");
	else if (azkv_cert_assertion(cert, env("AZURE_CLIENT_CERTIFICATE_PASSWORD"), client,
				     (char *)aud.data, &as, err) != 0)
		err_prefix(err, "%s: ", who);
	else
		rc = entra_token(tenant, client, scope, NULL, &as, out, exp, who, err);
	buf_free(&aud);
	buf_free(&as);
	return rc;
}

static enum cred_rc workload_cred(const char *scope, struct buf *out, time_t *exp,
				  struct sops_err *err)
{
	const char *file = env("AZURE_FEDERATED_TOKEN_FILE"), *who = "WorkloadIdentityCredential";
	const char *tenant = env("AZURE_TENANT_ID"), *client = env("AZURE_CLIENT_ID");
	struct buf as = BUF_INIT_SECURE;
	enum cred_rc rc;

	if (file == NULL || tenant == NULL || client == NULL) {
		err_set(err, EX_ERROR, "%s: missing environment variable %s", who,
			file == NULL ? "AZURE_FEDERATED_TOKEN_FILE" :
			tenant == NULL ? "AZURE_TENANT_ID" : "AZURE_CLIENT_ID");
		return CRED_UNAVAILABLE;
	}
	if (svc_read_secret_file(file, FED_TOKEN_MAX, &as) != 0 || as.len == 0) {
		buf_free(&as);
		err_set(err, EX_ERROR, "%s: cannot read the token file named by "
			"AZURE_FEDERATED_TOKEN_FILE", who);
		return CRED_FAILED;
	}
	rc = entra_token(tenant, client, scope, NULL, &as, out, exp, who, err);
	buf_free(&as);
	return rc;
}

static enum cred_rc managed_cred(const char *resource, struct buf *out, time_t *exp,
				 struct sops_err *err)
{
	const char *ep = env("IDENTITY_ENDPOINT"), *hd = env("IDENTITY_HEADER");
	const char *client = env("AZURE_CLIENT_ID"), *who = "ManagedIdentityCredential";
	const char *imds = env("AZURE_POD_IDENTITY_AUTHORITY_HOST");
	struct buf url = BUF_INIT, h = BUF_INIT_SECURE;
	struct net_response resp;
	struct net_request req;
	const char *hdrs[1];
	enum cred_rc rc = CRED_FAILED;
	int app = ep != NULL && hd != NULL;
	size_t il;

	memset(&resp, 0, sizeof(resp));
	memset(&req, 0, sizeof(req));
	if (imds == NULL)
		imds = "http://169.254.169.254";
	il = strlen(imds);
	while (il > 0 && imds[il - 1] == '/')
		il--;
	if ((app ? buf_printf(&url, "%s?api-version=2019-08-01&resource=", ep) :
	     buf_printf(&url, "%.*s/metadata/identity/oauth2/token?api-version=2018-02-01&resource=",
			(int)il, imds)) != 0 ||
	    net_urlencode(&url, resource, strlen(resource)) != 0 ||
	    (client != NULL && (buf_adds(&url, "&client_id=") != 0 ||
				net_urlencode(&url, client, strlen(client)) != 0)) ||
	    (app ? buf_printf(&h, "X-IDENTITY-HEADER: %s", hd) : buf_adds(&h, "Metadata: true")) != 0) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	hdrs[0] = (char *)h.data;
	req.method = "GET";
	req.url = (char *)url.data;
	req.headers = hdrs;
	req.nheaders = 1;
	req.allow_http = 1;        /* the endpoint comes from the environment */
	req.secret_response = 1;
	if (!app) {                /* probe: an absent IMDS must not cost long */
		req.timeout_ms = 1000;
		req.retries = -1;
		req.no_breaker = 1;
	}
	if (net_request(&req, &resp, err) != 0) {
		err_set(err, EX_ERROR, "%s: no response from the %s endpoint", who,
			app ? "IDENTITY_ENDPOINT" : "IMDS");
		rc = app ? CRED_FAILED : CRED_UNAVAILABLE;
	} else {
		rc = take_token(&resp, "expires_on", 1, out, exp, who, err);
		if (rc == CRED_FAILED && !app)   /* not an IMDS that knows us */
			rc = CRED_UNAVAILABLE;
	}
out:
	net_response_free(&resp);
	buf_free(&url);
	buf_free(&h);
	return rc;
}

static int fetch_chain(void *ctx, struct buf *out, time_t *expires, struct sops_err *err)
{
	const char *scope = ctx;
	char resource[512];
	struct buf tried = BUF_INIT;
	struct sops_err one;
	enum cred_rc rc = CRED_UNAVAILABLE;
	size_t n = strlen(scope), start = out->len;

	if (n > 9 && strcmp(scope + n - 9, "/.default") == 0)
		n -= 9;
	snprintf(resource, sizeof(resource), "%.*s", (int)n, scope);
	for (int step = 0; step < 4 && rc == CRED_UNAVAILABLE; step++) {
		err_clear(&one);
		if (step == 0)
			rc = env_cred(scope, out, expires, &one);
		else if (step == 1)
			rc = workload_cred(scope, out, expires, &one);
		else if (step == 2)
			rc = managed_cred(resource, out, expires, &one);
		else {
			int r = azkv_cli_token(resource, env("AZURE_TENANT_ID"), out, expires, &one);

			rc = r == 0 ? CRED_OK : r > 0 ? CRED_UNAVAILABLE : CRED_FAILED;
			if (r != 0)
				err_prefix(&one, "AzureCLICredential: ");
		}
		if (rc != CRED_OK) {
			buf_truncate(out, start);   /* nothing half-read stays */
			buf_printf(&tried, "%s%s", tried.len ? "; " : "", one.msg);
		}
	}
	if (rc != CRED_OK)
		err_set(err, EX_ERROR, "DefaultAzureCredential: failed to acquire a token. "
			"Attempted credentials: %s", tried.len ? (char *)tried.data : "");
	buf_free(&tried);
	return rc == CRED_OK ? 0 : -1;
}

int azkv_token(const char *scope, struct buf *tok, struct sops_err *err)
{
	char key[600];

	snprintf(key, sizeof(key), "azure:%s", scope);
	return cred_get(key, fetch_chain, (void *)scope, tok, err);
}

void azkv_token_forget(const char *scope)
{
	char key[600];

	snprintf(key, sizeof(key), "azure:%s", scope);
	cred_forget(key);
}
