/* vault_provider.c - the "hc_vault" master-key provider: HashiCorp Vault /
 * OpenBao transit (sops hcvault/keysource.go).
 *
 * Entries: vault_address, engine_path, key_name, created_at, enc (written
 * sorted: created_at, enc, engine_path, key_name, vault_address). enc is
 * Vault's "vault:v1:..." ciphertext of base64(data key).
 * unwrap: PUT <vault_address>/v1/<engine_path>/decrypt/<key_name>
 *   {"ciphertext": enc} -> data.plaintext (base64) -> data key.
 * wrap: PUT .../encrypt/<key_name> {"plaintext": base64(key)} ->
 *   data.ciphertext.
 * Token: VAULT_TOKEN, else ~/.vault-token (trimmed). VAULT_NAMESPACE is
 * sent as X-Vault-Namespace. CA: VAULT_CACERT / VAULT_CAPATH. TLS is always
 * verified: VAULT_SKIP_VERIFY is ignored. Plain http:// is accepted only
 * for loopback addresses (Vault dev servers). Every address passes
 * vault_allowed() before any connection.
 */
#include "vault_addr.h"
#include "../provider.h"
#include "../net/http.h"
#include "../net/json.h"
#include "../svc/svc_util.h"
#include "../../crypto/b64.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VAULT_TOKEN_MAX 8192

static int get_token(struct buf *tok, struct sops_err *err)
{
	const char *env = getenv("VAULT_TOKEN");
	struct buf path = BUF_INIT;
	int rc;

	if (env != NULL && env[0] != '\0')
		return buf_adds(tok, env) == 0 ? 0 : err_set(err, EX_ERROR, "out of memory");
	if (svc_home_path(".vault-token", &path) != 0) {
		buf_free(&path);
		return err_set(err, EX_ERROR, "cannot get Vault token: VAULT_TOKEN is unset and "
			       "HOME is unset (no ~/.vault-token)");
	}
	rc = svc_read_secret_file((char *)path.data, VAULT_TOKEN_MAX, tok);
	buf_free(&path);
	if (rc < 0)
		return err_set(err, EX_ERROR, "cannot get Vault token: cannot read ~/.vault-token");
	if (rc > 0 || tok->len == 0)
		return err_set(err, EX_ERROR, "cannot get Vault token: none found (tried the "
			       "VAULT_TOKEN variable and ~/.vault-token)");
	return 0;
}

static int is_loopback(const char *addr)
{
	struct buf h = BUF_INIT;
	int yes = net_url_host(addr, &h) == 0 && h.data != NULL &&
		  (strcmp((char *)h.data, "127.0.0.1") == 0 || strcmp((char *)h.data, "localhost") == 0 ||
		   strcmp((char *)h.data, "::1") == 0 || strcmp((char *)h.data, "[::1]") == 0);

	buf_free(&h);
	return yes;
}

/* engine_path / key_name from a file: plain path segments only. */
static int safe_path(const char *s, int slashes)
{
	const char *seg = s;

	if (*s == '\0')
		return 0;
	for (const char *p = s;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - seg);

			if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && !strncmp(seg, "..", 2)))
				return 0;
			if (*p == '\0')
				return 1;
			if (!slashes)
				return 0;
			seg = p + 1;
		} else if ((unsigned char)*p <= ' ' || strchr("?#%\\\"", *p) != NULL) {
			return 0;
		}
	}
}

/* PUT <addr>/v1/<engine>/<op>/<key> with body; answer in resp. */
static int vault_call(const struct vault_key *k, const char *op, const struct buf *body,
		      int secret_resp, struct net_response *resp, struct sops_err *err)
{
	struct buf url = BUF_INIT, tok = BUF_INIT_SECURE, hdr_tok = BUF_INIT_SECURE, hdr_ns = BUF_INIT;
	const char *ns = getenv("VAULT_NAMESPACE");
	const char *headers[4];
	struct net_request req;
	int rc = -1;

	if (vault_allowed(k->address, err) != 0)
		return -1;
	if (!safe_path(k->engine_path, 1) || !safe_path(k->key_name, 0))
		return err_set(err, EX_ERROR, "invalid Vault engine path or key name");
	if (strncmp(k->address, "https://", 8) != 0 && !is_loopback(k->address))
		return err_set(err, EX_ERROR, "refusing to send a Vault token over plain http to %.200s "
			       "(only loopback addresses may use http)", k->address);
	if (get_token(&tok, err) != 0)
		goto out;
	if (buf_printf(&url, "%s/v1/%s/%s/%s", k->address, k->engine_path, op, k->key_name) != 0 ||
	    buf_adds(&hdr_tok, "X-Vault-Token: ") != 0 || buf_add(&hdr_tok, tok.data, tok.len) != 0) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	headers[req.nheaders++] = (char *)hdr_tok.data;
	headers[req.nheaders++] = "Content-Type: application/json";
	headers[req.nheaders++] = "X-Vault-Request: true";   /* as Vault's client sends */
	if (ns != NULL && ns[0] != '\0') {
		if (buf_printf(&hdr_ns, "X-Vault-Namespace: %s", ns) != 0) {
			err_set(err, EX_ERROR, "out of memory");
			goto out;
		}
		headers[req.nheaders++] = (char *)hdr_ns.data;
	}
	req.method = "PUT";
	req.url = (char *)url.data;
	req.headers = headers;
	req.body = body->data;
	req.body_len = body->len;
	req.ca_file = getenv("VAULT_CACERT");
	req.ca_path = getenv("VAULT_CAPATH");
	if (req.ca_file != NULL && req.ca_file[0] == '\0')
		req.ca_file = NULL;
	if (req.ca_path != NULL && req.ca_path[0] == '\0')
		req.ca_path = NULL;
	req.allow_http = 1;   /* only reached for loopback, checked above */
	req.secret_response = secret_resp;
	rc = net_request(&req, resp, err);
	if (rc == 0 && resp->status != 200) {
		static const char *const paths[] = { "errors", NULL };
		struct buf why = BUF_INIT;

		svc_json_error(&resp->body, paths, &why);
		err_set(err, EX_ERROR, "Error making API request. URL: PUT %s Code: %ld. Errors: * %s",
			(char *)url.data, resp->status, why.len ? (char *)why.data : "(none)");
		buf_free(&why);
		rc = -1;
	}
out:
	buf_free(&url);
	buf_free(&tok);
	buf_free(&hdr_tok);
	buf_free(&hdr_ns);
	return rc;
}

static int key_from_entry(const struct master_key *mk, struct vault_key *k)
{
	const struct mk_field *a = mk_get(mk, "vault_address"), *e = mk_get(mk, "engine_path"),
			      *n = mk_get(mk, "key_name");

	memset(k, 0, sizeof(*k));
	if (a == NULL || e == NULL || n == NULL)
		return -1;
	k->address = strndup(a->value, a->len);
	k->engine_path = strndup(e->value, e->len);
	k->key_name = strndup(n->value, n->len);
	if (k->address == NULL || k->engine_path == NULL || k->key_name == NULL) {
		vault_key_free(k);
		return -1;
	}
	return 0;
}

static int vault_unwrap(const struct master_key *mk, struct buf *out, struct sops_err *err)
{
	const struct mk_field *enc = mk_get(mk, "enc");
	struct vault_key k;
	struct buf body = BUF_INIT, b64 = BUF_INIT_SECURE;
	struct net_response resp;
	int rc = -1;

	if (enc == NULL || key_from_entry(mk, &k) != 0)
		return err_set(err, EX_ERROR, "hc_vault entry lacks vault_address, engine_path, "
			       "key_name or enc");
	memset(&resp, 0, sizeof(resp));
	if (buf_adds(&body, "{\"ciphertext\":") != 0 ||
	    njson_add_str(&body, enc->value, enc->len) != 0 || buf_addc(&body, '}') != 0)
		err_set(err, EX_ERROR, "out of memory");
	else if (vault_call(&k, "decrypt", &body, 1, &resp, err) == 0) {
		if (njson_get(resp.body.data, resp.body.len, "data.plaintext", &b64) != 0)
			err_set(err, EX_ERROR, "no decrypted data");
		else if (b64_decode(B64_STD, (char *)b64.data, b64.len, out) != 0)
			err_set(err, EX_ERROR, "cannot decode base64 plaintext into data key bytes");
		else
			rc = 0;
	}
	if (rc != 0)
		err_prefix(err, "failed to decrypt sops data key from Vault transit backend "
			   "'%s/decrypt/%s': ", k.engine_path, k.key_name);
	net_response_free(&resp);
	buf_free(&body);
	buf_free(&b64);
	vault_key_free(&k);
	return rc;
}

static int vault_wrap(const char *recipient, const uint8_t *key, size_t len,
		      struct mk_new *out, struct sops_err *err)
{
	struct vault_key k;
	struct buf body = BUF_INIT_SECURE, ct = BUF_INIT;
	struct net_response resp;
	char created[32];
	int rc = -1;

	if (vault_uri_parse(recipient, &k, err) != 0)
		return -1;
	memset(&resp, 0, sizeof(resp));
	if (buf_adds(&body, "{\"plaintext\":\"") != 0 || b64_encode(B64_STD, key, len, &body) != 0 ||
	    buf_adds(&body, "\"}") != 0)
		err_set(err, EX_ERROR, "out of memory");
	else if (vault_call(&k, "encrypt", &body, 0, &resp, err) == 0) {
		if (njson_get(resp.body.data, resp.body.len, "data.ciphertext", &ct) != 0 || ct.len == 0)
			err_set(err, EX_ERROR, "no encrypted data");
		else
			rc = 0;
	}
	svc_created_now(created);
	if (rc == 0 && (mk_new_add(out, "created_at", created, strlen(created)) != 0 ||
			mk_new_add(out, "enc", (char *)ct.data, ct.len) != 0 ||
			mk_new_add(out, "engine_path", k.engine_path, strlen(k.engine_path)) != 0 ||
			mk_new_add(out, "key_name", k.key_name, strlen(k.key_name)) != 0 ||
			mk_new_add(out, "vault_address", k.address, strlen(k.address)) != 0))
		rc = err_set(err, EX_ERROR, "out of memory");
	else if (rc != 0)
		err_prefix(err, "failed to encrypt sops data key to Vault transit backend "
			   "'%s/encrypt/%s': ", k.engine_path, k.key_name);
	net_response_free(&resp);
	buf_free(&body);
	buf_free(&ct);
	vault_key_free(&k);
	return rc;
}

/* sops' ToString: <vault_address>/v1/<engine_path>/keys/<key_name> (valid
 * until the thread's next call). */
static const char *vault_describe(const struct master_key *mk)
{
	static _Thread_local char s[768];
	const struct mk_field *a = mk_get(mk, "vault_address"), *e = mk_get(mk, "engine_path"),
			      *n = mk_get(mk, "key_name");

	if (a == NULL || e == NULL || n == NULL)
		return "hc_vault";
	snprintf(s, sizeof(s), "%.300s/v1/%.200s/keys/%.200s", a->value, e->value, n->value);
	return s;
}

const struct provider hc_vault_provider = {
	.type = "hc_vault",
	.unwrap = vault_unwrap,
	.wrap = vault_wrap,
	.describe = vault_describe,
};
