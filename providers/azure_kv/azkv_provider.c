/* azkv_provider.c - the "azure_kv" master-key provider: Azure Key Vault
 * (sops azkv/keysource.go, azkeys client).
 *
 * Entries: vault_url, name, version, created_at, enc (written sorted:
 * created_at, enc, name, vault_url, version). enc = the RSA-OAEP-256
 * ciphertext of the data key, base64url without padding.
 * unwrap: POST <vault_url>/keys/<name>/<version>/decrypt?api-version=...
 *   {"alg":"RSA-OAEP-256","value":<enc>} -> value (base64url) -> data key.
 * wrap: recipient "https://<vault>/keys/<name>[/<version>]" (sops
 *   NewMasterKeyFromURL); without a version the key's current version is
 *   read first (GET <vault_url>/keys/<name>/), as sops stores it; then
 *   POST .../encrypt.
 * Security: the vault host must be on an Azure Key Vault domain (public,
 * China, US Government, Germany clouds; vaults and managed HSMs) or listed
 * by the user in SOPSFS_AZURE_KV_ALLOW (comma list of host or host:port);
 * anything else is refused before any connection, so a file cannot send an
 * Azure token to a server of its choosing. The token's scope follows the
 * vault's cloud. Tokens: azkv_cred.c.
 */
#include "azkv.h"
#include "../provider.h"
#include "../net/http.h"
#include "../net/json.h"
#include "../svc/svc_util.h"
#include "../../crypto/b64.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AZKV_API_VERSION "2025-07-01"   /* what azkeys v1.5.0 (sops 3.13.2) sends */

/* Azure Key Vault DNS suffixes and the token scope of each cloud. */
static const struct {
	const char *suffix;
	const char *scope;
} kv_domains[] = {
	{ ".vault.azure.net", "https://vault.azure.net/.default" },
	{ ".vault.azure.cn", "https://vault.azure.cn/.default" },
	{ ".vault.usgovcloudapi.net", "https://vault.usgovcloudapi.net/.default" },
	{ ".vault.microsoftazure.de", "https://vault.microsoftazure.de/.default" },
	{ ".managedhsm.azure.net", "https://managedhsm.azure.net/.default" },
	{ ".managedhsm.azure.cn", "https://managedhsm.azure.cn/.default" },
	{ ".managedhsm.usgovcloudapi.net", "https://managedhsm.usgovcloudapi.net/.default" },
};

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n > k && strncasecmp(s + n - k, suf, k) == 0;
}

/* Is host[:port] listed in SOPSFS_AZURE_KV_ALLOW (entries "host" match any
 * port of that host)? */
static int user_allowed(const char *hp, size_t hn, size_t hostlen)
{
	const char *p = getenv("SOPSFS_AZURE_KV_ALLOW");

	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, ","), s = 0, e = n;

		while (s < e && p[s] == ' ')
			s++;
		while (e > s && p[e - 1] == ' ')
			e--;
		if (e > s && ((e - s == hn && strncasecmp(p + s, hp, hn) == 0) ||
			      (e - s == hostlen && strncasecmp(p + s, hp, hostlen) == 0)))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

int azkv_vault_scope(const char *url, const char **scope, struct sops_err *err)
{
	const char *hp = url + 8;
	size_t hn, hostlen;

	if (strncmp(url, "https://", 8) != 0)
		return err_set(err, EX_ERROR, "refusing Azure Key Vault URL %.200s: not https", url);
	hn = strlen(hp);
	if (hn > 0 && hp[hn - 1] == '/')   /* "https://v.vault.azure.net/" from a config */
		hn--;
	for (size_t i = 0; i < hn; i++)
		if (!isalnum((unsigned char)hp[i]) && !strchr(".-:", hp[i]))
			return err_set(err, EX_ERROR, "refusing Azure Key Vault URL %.200s: not a "
				       "plain https://host[:port] vault URL", url);
	hostlen = strcspn(hp, ":");
	if (hostlen == 0)
		return err_set(err, EX_ERROR, "refusing Azure Key Vault URL %.200s", url);
	for (size_t i = 0; i < sizeof(kv_domains) / sizeof(kv_domains[0]); i++)
		if (ends_with(hp, hostlen, kv_domains[i].suffix)) {
			*scope = kv_domains[i].scope;
			return 0;
		}
	if (user_allowed(hp, hn, hostlen)) {
		*scope = kv_domains[0].scope;
		return 0;
	}
	return err_set(err, EX_ERROR, "refusing Azure Key Vault URL %.200s: the host is not on an "
		       "Azure Key Vault domain (vault.azure.net, vault.azure.cn, "
		       "vault.usgovcloudapi.net, vault.microsoftazure.de, managedhsm.azure.net...); "
		       "SOPSFS_AZURE_KV_ALLOW can allow more hosts", url);
}

static int name_ok(const char *s, int empty_ok)
{
	size_t n = strlen(s);

	if (n == 0)
		return empty_ok;
	if (n > 127)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* One authorized call to the vault; retried once with a fresh token after
 * a 401. path is appended to vault_url. */
static int kv_call(const char *vault, const char *method, const char *path,
		   const struct buf *body, int secret_resp, struct net_response *resp,
		   struct buf *shown_url, struct sops_err *err)
{
	const char *scope = NULL;
	struct buf url = BUF_INIT;
	size_t vl;
	int rc = -1;

	if (azkv_vault_scope(vault, &scope, err) != 0)
		return -1;
	vl = strlen(vault);
	if (vl > 0 && vault[vl - 1] == '/')
		vl--;
	if (buf_printf(&url, "%.*s%s?api-version=%s", (int)vl, vault, path, AZKV_API_VERSION) != 0 ||
	    buf_printf(shown_url, "%.*s%s", (int)vl, vault, path) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	for (int attempt = 0; attempt < 2; attempt++) {
		struct buf tok = BUF_INIT_SECURE, auth = BUF_INIT_SECURE;
		const char *hdrs[2] = { NULL, "Content-Type: application/json" };
		struct net_request req;

		net_response_free(resp);
		memset(resp, 0, sizeof(*resp));
		rc = azkv_token(scope, &tok, err);
		if (rc == 0 && (buf_adds(&auth, "Authorization: Bearer ") != 0 ||
				buf_add(&auth, tok.data, tok.len) != 0))
			rc = err_set(err, EX_ERROR, "out of memory");
		if (rc == 0) {
			memset(&req, 0, sizeof(req));
			hdrs[0] = (char *)auth.data;
			req.method = method;
			req.url = (char *)url.data;
			req.headers = hdrs;
			req.nheaders = body != NULL ? 2 : 1;
			req.body = body != NULL ? body->data : NULL;
			req.body_len = body != NULL ? body->len : 0;
			req.secret_response = secret_resp;
			rc = net_request(&req, resp, err);
		}
		buf_free(&tok);
		buf_free(&auth);
		if (rc != 0 || resp->status != 401)
			break;
		azkv_token_forget(scope);
	}
	buf_free(&url);
	if (rc == 0 && resp->status != 200) {
		static const char *const code[] = { "error.code", NULL };
		static const char *const msg[] = { "error.message", NULL };
		struct buf c = BUF_INIT, m = BUF_INIT;

		svc_json_error(&resp->body, code, &c);
		svc_json_error(&resp->body, msg, &m);
		err_set(err, EX_ERROR, "%s %s: RESPONSE %ld: ERROR CODE: %s: %s", method,
			(char *)shown_url->data, resp->status, c.len ? (char *)c.data : "UNAVAILABLE",
			m.len ? (char *)m.data : "(no message)");
		buf_free(&c);
		buf_free(&m);
		rc = -1;
	}
	return rc;
}

/* base64url (padding tolerated) -> bytes appended to out. */
static int b64u_decode(const char *s, size_t n, struct buf *out)
{
	while (n > 0 && s[n - 1] == '=')
		n--;
	return b64_decode(B64_URL_RAW, s, n, out);
}

/* POST .../<op> with {"alg":"RSA-OAEP-256","value":<b64url of in>}; the
 * answer's value decoded into out. */
static int kv_crypt(const char *vault, const char *name, const char *version, const char *op,
		    const uint8_t *in, size_t inlen, struct buf *out, struct sops_err *err)
{
	struct buf path = BUF_INIT, body = BUF_INIT_SECURE, val = BUF_INIT_SECURE, shown = BUF_INIT;
	struct net_response resp;
	int secret = strcmp(op, "decrypt") == 0, rc = -1;

	memset(&resp, 0, sizeof(resp));
	if (buf_printf(&path, "/keys/%s/%s/%s", name, version, op) != 0 ||
	    buf_adds(&body, "{\"alg\":\"RSA-OAEP-256\",\"value\":\"") != 0 ||
	    b64_encode(B64_URL_RAW, in, inlen, &body) != 0 || buf_adds(&body, "\"}") != 0)
		err_set(err, EX_ERROR, "out of memory");
	else if (kv_call(vault, "POST", (char *)path.data, &body, secret, &resp, &shown, err) == 0) {
		if (njson_get(resp.body.data, resp.body.len, "value", &val) != 0 ||
		    b64u_decode((char *)val.data, val.len, out) != 0)
			err_set(err, EX_ERROR, "the Key Vault answer has no valid value");
		else
			rc = 0;
	}
	net_response_free(&resp);
	buf_free(&path);
	buf_free(&body);
	buf_free(&val);
	buf_free(&shown);
	return rc;
}

static int azkv_unwrap(const struct master_key *mk, struct buf *out, struct sops_err *err)
{
	const struct mk_field *u = mk_get(mk, "vault_url"), *n = mk_get(mk, "name"),
			      *v = mk_get(mk, "version"), *enc = mk_get(mk, "enc");
	struct buf raw = BUF_INIT;
	int rc;

	if (u == NULL || n == NULL || v == NULL || enc == NULL)
		return err_set(err, EX_ERROR, "azure_kv entry lacks vault_url, name, version or enc");
	if (!name_ok(n->value, 0) || !name_ok(v->value, 1))
		return err_set(err, EX_ERROR, "invalid Azure Key Vault key name or version");
	if (b64_decode(B64_URL_RAW, enc->value, enc->len, &raw) != 0)
		return err_set(err, EX_ERROR, "failed to base64 decode Azure Key Vault encrypted key");
	rc = kv_crypt(u->value, n->value, v->value, "decrypt", raw.data, raw.len, out, err);
	if (rc != 0)
		err_prefix(err, "failed to decrypt sops data key with Azure Key Vault key "
			   "'%s/keys/%s/%s': ", u->value, n->value, v->value);
	buf_free(&raw);
	return rc;
}

/* sops NewMasterKeyFromURL: ^(https://[^/]+)/keys/([^/]+)(/[^/]*)?$ */
static int parse_key_url(const char *s, char **vault, char **name, char **version)
{
	const char *h, *k, *rest;
	size_t nl;

	while (isspace((unsigned char)*s))
		s++;
	if (strncmp(s, "https://", 8) != 0)
		return -1;
	h = s + 8;
	k = strchr(h, '/');
	if (k == NULL || k == h)
		return -1;
	if (strncmp(k, "//keys/", 7) == 0)   /* vaultUrl with a final '/' in .sops.yaml */
		k++;
	if (strncmp(k, "/keys/", 6) != 0)
		return -1;
	rest = k + 6;
	nl = strcspn(rest, "/");
	if (nl == 0)
		return -1;
	*vault = strndup(s, (size_t)(k - s));
	*name = strndup(rest, nl);
	rest += nl;
	if (*rest == '/')
		rest++;
	*version = strdup(rest);
	if (*vault == NULL || *name == NULL || *version == NULL || strchr(*version, '/') != NULL)
		return -1;
	for (char *e = *version + strlen(*version); e > *version && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	return 0;
}

/* The key's current version: GET <vault>/keys/<name>/ -> key.kid. */
static int current_version(const char *vault, const char *name, char **version,
			   struct sops_err *err)
{
	struct buf path = BUF_INIT, kid = BUF_INIT, shown = BUF_INIT;
	struct net_response resp;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	if (buf_printf(&path, "/keys/%s/", name) != 0)
		err_set(err, EX_ERROR, "out of memory");
	else if (kv_call(vault, "GET", (char *)path.data, NULL, 0, &resp, &shown, err) == 0) {
		const char *slash;

		if (njson_get(resp.body.data, resp.body.len, "key.kid", &kid) != 0 || kid.len == 0 ||
		    (slash = strrchr((char *)kid.data, '/')) == NULL || !name_ok(slash + 1, 0))
			err_set(err, EX_ERROR, "the Key Vault answer has no key version");
		else if ((*version = strdup(slash + 1)) != NULL)
			rc = 0;
	}
	if (rc != 0)
		err_prefix(err, "failed to fetch Azure Key to retrieve key version: ");
	net_response_free(&resp);
	buf_free(&path);
	buf_free(&kid);
	buf_free(&shown);
	return rc;
}

static int azkv_wrap(const char *recipient, const uint8_t *key, size_t len,
		     struct mk_new *out, struct sops_err *err)
{
	char *vault = NULL, *name = NULL, *version = NULL, created[32];
	struct buf ct = BUF_INIT, enc = BUF_INIT;
	int rc = -1;

	if (parse_key_url(recipient, &vault, &name, &version) != 0 || !name_ok(name, 0) ||
	    !name_ok(version, 1)) {
		err_set(err, EX_ERROR, "could not parse \"%s\" into a valid Azure Key Vault MasterKey",
			recipient);
		goto out;
	}
	if (version[0] == '\0') {
		free(version);
		version = NULL;
		if (current_version(vault, name, &version, err) != 0)
			goto out;
	}
	if (kv_crypt(vault, name, version, "encrypt", key, len, &ct, err) != 0) {
		err_prefix(err, "failed to encrypt sops data key with Azure Key Vault key "
			   "'%s/keys/%s/%s': ", vault, name, version);
		goto out;
	}
	svc_created_now(created);
	if (b64_encode(B64_URL_RAW, ct.data, ct.len, &enc) != 0 ||
	    mk_new_add(out, "created_at", created, strlen(created)) != 0 ||
	    mk_new_add(out, "enc", (char *)enc.data, enc.len) != 0 ||
	    mk_new_add(out, "name", name, strlen(name)) != 0 ||
	    mk_new_add(out, "vault_url", vault, strlen(vault)) != 0 ||
	    mk_new_add(out, "version", version, strlen(version)) != 0)
		err_set(err, EX_ERROR, "out of memory");
	else
		rc = 0;
out:
	free(vault);
	free(name);
	free(version);
	buf_free(&ct);
	buf_free(&enc);
	return rc;
}

/* sops' ToString: <vault_url>/keys/<name>/<version> (valid until the
 * thread's next call). */
static const char *azkv_describe(const struct master_key *mk)
{
	static _Thread_local char s[768];
	const struct mk_field *u = mk_get(mk, "vault_url"), *n = mk_get(mk, "name"),
			      *v = mk_get(mk, "version");

	if (u == NULL || n == NULL || v == NULL)
		return "azure_kv";
	snprintf(s, sizeof(s), "%.300s/keys/%.200s/%.200s", u->value, n->value, v->value);
	return s;
}

const struct provider azure_kv_provider = {
	.type = "azure_kv",
	.unwrap = azkv_unwrap,
	.wrap = azkv_wrap,
	.describe = azkv_describe,
};
