/* hckms_provider.c - the "hckms" master-key provider: HuaweiCloud KMS
 * (sops hckms/keysource.go, KMS v2 API).
 *
 * Entries: key_id ("region:key-uuid"), created_at, enc (written sorted:
 * created_at, enc, key_id). enc = the cipher_text KMS returns, verbatim.
 * wrap:   POST <endpoint>/v1.0/<project_id>/kms/encrypt-data
 *         {"key_id":uuid,"plain_text":base64(key),"encryption_algorithm":
 *          "SYMMETRIC_DEFAULT"} -> cipher_text
 * unwrap: POST .../kms/decrypt-data {"cipher_text":enc,"encryption_algorithm":
 *         "SYMMETRIC_DEFAULT","key_id":uuid} -> plain_text -> base64-decoded.
 * Endpoint: HUAWEICLOUD_SDK_REGION_KMS_<REGION> (the SDK's own variable:
 * region upper-case, '-' -> '_'; first of a comma list), else
 * https://kms.<region>.myhuaweicloud.com (.eu for eu-west-101). The region
 * comes from the file but must be [a-z0-9-], so the host stays on
 * HuaweiCloud's domain. Project id: from the credentials, else looked up
 * once per region through IAM (GET <HUAWEICLOUD_SDK_IAM_ENDPOINT or
 * https://iam.myhuaweicloud.com>/v3/projects?name=<region>, signed).
 * Requests are signed with AK/SK (hckms_auth.c), fresh for every attempt.
 */
#include "hckms.h"
#include "../provider.h"
#include "../net/cred_cache.h"
#include "../net/json.h"
#include "../svc/svc_util.h"
#include "../../crypto/b64.h"
#include "../../common/secure_mem.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hc_key {
	char region[64];
	char uuid[128];
};

/* sops parseKeyID, plus charset checks (the region names a host). */
static int parse_key_id(const char *id, size_t len, struct hc_key *k, struct sops_err *err)
{
	const char *colon = memchr(id, ':', len), *s, *e;

	if (colon == NULL)
		return err_set(err, EX_ERROR, "invalid key ID format: expected 'region:key-uuid', "
			       "got \"%.*s\"", (int)(len > 200 ? 200 : len), id);
	for (s = id, e = colon; s < e && isspace((unsigned char)*s); s++)
		;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e == s || (size_t)(e - s) >= sizeof(k->region))
		return err_set(err, EX_ERROR, "region cannot be empty in key ID: \"%.*s\"",
			       (int)(len > 200 ? 200 : len), id);
	memcpy(k->region, s, (size_t)(e - s));
	k->region[e - s] = '\0';
	for (s = colon + 1, e = id + len; s < e && isspace((unsigned char)*s); s++)
		;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e == s || (size_t)(e - s) >= sizeof(k->uuid))
		return err_set(err, EX_ERROR, "key UUID cannot be empty in key ID: \"%.*s\"",
			       (int)(len > 200 ? 200 : len), id);
	memcpy(k->uuid, s, (size_t)(e - s));
	k->uuid[e - s] = '\0';
	for (const char *p = k->region; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return err_set(err, EX_ERROR, "invalid region \"%s\"", k->region);
	for (const char *p = k->uuid; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return err_set(err, EX_ERROR, "invalid key UUID \"%s\"", k->uuid);
	return 0;
}

/* Endpoint base URL (no trailing slash) and its Host header value. */
static int endpoint(const char *env_name, const char *dflt, struct buf *base, struct buf *host)
{
	const char *v = getenv(env_name), *hp, *end;
	size_t n;

	if (v != NULL && v[0] != '\0')
		n = strcspn(v, ",");
	else
		v = dflt, n = strlen(dflt);
	while (n > 0 && v[n - 1] == '/')
		n--;
	if (buf_add(base, v, n) != 0)
		return -1;
	hp = strstr((char *)base->data, "://");
	if (hp == NULL)
		return -1;
	hp += 3;
	end = hp + strcspn(hp, "/");
	n = (size_t)(end - hp);
	if (n > 4 && strncmp((char *)base->data, "https", 5) == 0 && !strncmp(end - 4, ":443", 4))
		n -= 4;
	return buf_add(host, hp, n);
}

static int kms_endpoint(const char *region, struct buf *base, struct buf *host)
{
	char env_name[128], dflt[160];
	size_t i = strlen("HUAWEICLOUD_SDK_REGION_KMS_");

	snprintf(env_name, sizeof(env_name), "HUAWEICLOUD_SDK_REGION_KMS_%s", region);
	for (; env_name[i]; i++)
		env_name[i] = env_name[i] == '-' ? '_' : (char)toupper((unsigned char)env_name[i]);
	snprintf(dflt, sizeof(dflt), "https://kms.%s.myhuaweicloud.%s", region,
		 strcmp(region, "eu-west-101") == 0 ? "eu" : "com");
	return endpoint(env_name, dflt, base, host);
}

/* One signed request; answer in resp (any status). */
static int hc_call(const struct hckms_cred *c, const char *method, const struct buf *base,
		   const char *host, const char *path, const char *query, int project_header,
		   const struct buf *body, int secret, struct net_response *resp,
		   struct sops_err *err)
{
	struct hckms_sign_ctx sctx = { c, host, path, query, project_header };
	const char *hdrs[] = { "Content-Type: application/json;charset=UTF-8" };
	struct buf url = BUF_INIT;
	struct net_request req;
	int rc;

	if (buf_printf(&url, "%s%s%s%s", (char *)base->data, path, query[0] ? "?" : "", query) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = (char *)url.data;
	req.headers = hdrs;
	req.nheaders = body != NULL ? 1 : 0;
	req.body = body != NULL ? body->data : NULL;
	req.body_len = body != NULL ? body->len : 0;
	req.secret_response = secret;
	req.sign = hckms_sign;
	req.sign_ctx = &sctx;
	rc = net_request(&req, resp, err);
	if (rc == 0 && resp->status / 100 != 2) {
		static const char *const code[] = { "error.error_code", "error_code", NULL };
		static const char *const msg[] = { "error.error_msg", "error_msg", "error.message", NULL };
		struct buf ec = BUF_INIT, em = BUF_INIT;

		svc_json_error(&resp->body, code, &ec);
		svc_json_error(&resp->body, msg, &em);
		err_set(err, EX_ERROR, "{\"status_code\":%ld,\"error_code\":\"%s\",\"error_message\":\"%s\"}",
			resp->status, ec.len ? (char *)ec.data : "", em.len ? (char *)em.data : "");
		buf_free(&ec);
		buf_free(&em);
		rc = -1;
	}
	buf_free(&url);
	return rc;
}

struct iam_ctx {
	const struct hckms_cred *cred;
	const char *region;
};

/* cred_cache fetch: the project id of region through IAM. */
static int fetch_project(void *vctx, struct buf *out, time_t *expires, struct sops_err *err)
{
	const struct iam_ctx *ic = vctx;
	struct buf base = BUF_INIT, host = BUF_INIT, query = BUF_INIT;
	struct net_response resp;
	json_t *root = NULL, *id;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	*expires = 0;
	if (endpoint("HUAWEICLOUD_SDK_IAM_ENDPOINT", "https://iam.myhuaweicloud.com", &base,
		     &host) != 0 || buf_printf(&query, "name=%s", ic->region) != 0)
		err_set(err, EX_ERROR, "out of memory");
	else if (hc_call(ic->cred, "GET", &base, (char *)host.data, "/v3/projects",
			 (char *)query.data, 0, NULL, 0, &resp, err) == 0) {
		root = json_loadb((char *)resp.body.data, resp.body.len, 0, NULL);
		id = json_object_get(json_array_get(json_object_get(root, "projects"), 0), "id");
		if (json_is_string(id) && buf_adds(out, json_string_value(id)) == 0)
			rc = 0;
		else
			err_set(err, EX_ERROR, "no project found for region %s", ic->region);
	}
	if (rc != 0)
		err_prefix(err, "failed to get the HuaweiCloud project id (set HUAWEICLOUD_SDK_PROJECT_ID): ");
	json_decref(root);
	net_response_free(&resp);
	buf_free(&base);
	buf_free(&host);
	buf_free(&query);
	return rc;
}

/* POST <kms>/v1.0/<pid>/kms/<op> with body; the answer's field into out. */
static int kms_op(const struct hc_key *k, const char *op, const struct buf *body,
		  const char *field, int secret, struct buf *out, struct sops_err *err)
{
	struct hckms_cred c;
	struct buf base = BUF_INIT, host = BUF_INIT, path = BUF_INIT, pid = BUF_INIT_SECURE;
	struct net_response resp;
	int rc = -1;

	if (hckms_cred_load(&c, err) != 0)
		return -1;
	memset(&resp, 0, sizeof(resp));
	if (c.project_id == NULL) {
		struct iam_ctx ic = { &c, k->region };
		char key[128];

		snprintf(key, sizeof(key), "hckms:project:%s", k->region);
		if (cred_get(key, fetch_project, &ic, &pid, err) != 0)
			goto out;
		c.project_id = sm_strndup((char *)pid.data, pid.len);
	}
	if (kms_endpoint(k->region, &base, &host) != 0 ||
	    buf_printf(&path, "/v1.0/%s/kms/%s", c.project_id, op) != 0) {
		err_set(err, EX_ERROR, "invalid HuaweiCloud KMS endpoint");
		goto out;
	}
	if (hc_call(&c, "POST", &base, (char *)host.data, (char *)path.data, "", 1, body, secret,
		    &resp, err) != 0)
		goto out;
	if (njson_get(resp.body.data, resp.body.len, field, out) != 0 || out->len == 0) {
		err_set(err, EX_ERROR, "%s response missing %s", op, field);
		goto out;
	}
	rc = 0;
out:
	net_response_free(&resp);
	hckms_cred_free(&c);
	buf_free(&base);
	buf_free(&host);
	buf_free(&path);
	buf_free(&pid);
	return rc;
}

static int hckms_unwrap(const struct master_key *mk, struct buf *out, struct sops_err *err)
{
	const struct mk_field *id = mk_get(mk, "key_id"), *enc = mk_get(mk, "enc");
	struct buf body = BUF_INIT, b64 = BUF_INIT_SECURE;
	struct hc_key k;
	int rc = -1;

	if (id == NULL || enc == NULL)
		return err_set(err, EX_ERROR, "hckms entry lacks key_id or enc");
	if (parse_key_id(id->value, id->len, &k, err) != 0)
		return -1;
	if (buf_adds(&body, "{\"cipher_text\":") != 0 || njson_add_str(&body, enc->value, enc->len) ||
	    buf_printf(&body, ",\"encryption_algorithm\":\"SYMMETRIC_DEFAULT\",\"key_id\":\"%s\"}",
		       k.uuid) != 0)
		err_set(err, EX_ERROR, "out of memory");
	else if (kms_op(&k, "decrypt-data", &body, "plain_text", 1, &b64, err) == 0) {
		if (b64_decode(B64_STD, (char *)b64.data, b64.len, out) != 0)
			err_set(err, EX_ERROR, "failed to base64 decode decrypted data key");
		else
			rc = 0;
	}
	if (rc != 0)
		err_prefix(err, "failed to decrypt sops data key with HuaweiCloud KMS: ");
	buf_free(&body);
	buf_free(&b64);
	return rc;
}

static int hckms_wrap(const char *recipient, const uint8_t *key, size_t len,
		      struct mk_new *out, struct sops_err *err)
{
	struct buf body = BUF_INIT_SECURE, ct = BUF_INIT;
	struct hc_key k;
	char created[32], *id;
	int rc = -1;

	if (parse_key_id(recipient, strlen(recipient), &k, err) != 0)
		return -1;
	if (buf_printf(&body, "{\"key_id\":\"%s\",\"plain_text\":\"", k.uuid) != 0 ||
	    b64_encode(B64_STD, key, len, &body) != 0 ||
	    buf_adds(&body, "\",\"encryption_algorithm\":\"SYMMETRIC_DEFAULT\"}") != 0)
		err_set(err, EX_ERROR, "out of memory");
	else if (kms_op(&k, "encrypt-data", &body, "cipher_text", 0, &ct, err) == 0)
		rc = 0;
	if (rc != 0) {
		err_prefix(err, "failed to encrypt sops data key with HuaweiCloud KMS: ");
		goto out;
	}
	/* key_id as sops keeps it: the recipient, trimmed */
	while (isspace((unsigned char)*recipient))
		recipient++;
	id = strdup(recipient);
	for (char *e = id ? id + strlen(id) : NULL; e != NULL && e > id && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	svc_created_now(created);
	if (id == NULL || mk_new_add(out, "created_at", created, strlen(created)) != 0 ||
	    mk_new_add(out, "enc", (char *)ct.data, ct.len) != 0 ||
	    mk_new_add(out, "key_id", id, strlen(id)) != 0)
		rc = err_set(err, EX_ERROR, "out of memory");
	free(id);
out:
	buf_free(&body);
	buf_free(&ct);
	return rc;
}

static const char *hckms_describe(const struct master_key *mk)
{
	const struct mk_field *id = mk_get(mk, "key_id");

	return id != NULL ? id->value : "hckms";
}

const struct provider hckms_provider = {
	.type = "hckms",
	.unwrap = hckms_unwrap,
	.wrap = hckms_wrap,
	.describe = hckms_describe,
};
