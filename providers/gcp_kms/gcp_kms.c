/* gcp_kms.c - the "gcp_kms" master-key provider: Cloud KMS REST v1
 * cryptoKeys.encrypt / decrypt with a bearer token (gcp_auth.c). Endpoint:
 * SOPS_GCP_KMS_ENDPOINT, else cloudkms.<SOPS_GCP_KMS_UNIVERSE_DOMAIN or
 * googleapis.com>; the resource id only picks the path. */
#include "gcp_kms.h"
#include "gcp_auth.h"
#include "../net/http.h"
#include "../net/json.h"
#include "../../crypto/b64.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$ and,
 * since it becomes a URL path, only URL-safe characters. */
static int resource_ok(const char *r)
{
	static const char *const parts[] = { "projects", "locations", "keyRings", "cryptoKeys" };
	const char *p = r;

	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(parts[i]), seg;

		if (strncmp(p, parts[i], n) != 0 || p[n] != '/')
			return 0;
		p += n + 1;
		seg = 0;
		while (p[seg] && p[seg] != '/') {
			unsigned char c = (unsigned char)p[seg];

			if (!isalnum(c) && c != '-' && c != '_' && c != '.')
				return 0;
			seg++;
		}
		if (seg == 0)
			return 0;
		p += seg;
		if (i < 3 && *p++ != '/')
			return 0;
	}
	return *p == '\0';
}

static int endpoint(struct buf *out)
{
	const char *e = getenv("SOPS_GCP_KMS_ENDPOINT");
	const char *ud = getenv("SOPS_GCP_KMS_UNIVERSE_DOMAIN");

	if (e != NULL && *e != '\0') {
		if (strstr(e, "://") == NULL && buf_adds(out, "https://") != 0)
			return -1;
		if (buf_adds(out, e) != 0)
			return -1;
		while (out->len > 0 && out->data[out->len - 1] == '/')
			buf_truncate(out, out->len - 1);
		return 0;
	}
	return buf_printf(out, "https://cloudkms.%s", ud && *ud ? ud : "googleapis.com");
}

/* gRPC-style code name from the REST status ("INVALID_ARGUMENT" ->
 * "InvalidArgument"), as sops' default gRPC client prints it. */
static void camel(const char *s, char *out, size_t n)
{
	size_t j = 0;
	int up = 1;

	for (; *s && j + 1 < n; s++) {
		if (*s == '_') {
			up = 1;
			continue;
		}
		out[j++] = (char)(up ? toupper((unsigned char)*s) : tolower((unsigned char)*s));
		up = 0;
	}
	out[j] = '\0';
}

static int call(const char *rid, const char *verb, const struct buf *body,
		struct net_response *rs, struct sops_err *err)
{
	struct buf url = BUF_INIT, auth = BUF_INIT_SECURE, st = BUF_INIT, msg = BUF_INIT;
	const char *hdr[2] = { "Content-Type: application/json", NULL };
	struct net_request rq = { .method = "POST", .headers = hdr, .nheaders = 2,
				  .body = body->data, .body_len = body->len,
				  .secret_response = 1 };
	char code[64];
	int rc = -1;

	if (!resource_ok(rid)) {
		err_set(err, EX_ERROR, "cannot create GCP KMS service: no valid resource ID found "
			"in \"%s\"", rid);
		goto out;
	}
	if (gcp_auth_header(&auth, err) != 0) {
		err_prefix(err, "cannot create GCP KMS service: ");
		goto out;
	}
	hdr[1] = (char *)auth.data;
	if (endpoint(&url) != 0 || buf_printf(&url, "/v1/%s:%s", rid, verb) != 0)
		goto out;
	rq.url = (char *)url.data;
	if (net_request(&rq, rs, err) != 0)
		goto out;
	if (rs->status == 401)
		gcp_auth_forget();
	if (rs->status != 200) {
		njson_get(rs->body.data, rs->body.len, "error.status", &st);
		njson_get(rs->body.data, rs->body.len, "error.message", &msg);
		camel(st.data ? (char *)st.data : "UNKNOWN", code, sizeof(code));
		err_set(err, EX_ERROR, "rpc error: code = %s desc = %.400s", code,
			msg.data ? (char *)msg.data : "");
		goto out;
	}
	rc = 0;
out:
	buf_free(&url);
	buf_free(&auth);
	buf_free(&st);
	buf_free(&msg);
	return rc;
}

static int gcp_unwrap(const struct master_key *mk, struct buf *out, struct sops_err *err)
{
	const struct mk_field *rid = mk_get(mk, "resource_id"), *enc = mk_get(mk, "enc");
	struct buf body = BUF_INIT, pt = BUF_INIT_SECURE, raw = BUF_INIT;
	struct net_response rs = { 0 };
	char *r = rid ? strndup(rid->value, rid->len) : strdup("");
	int rc = -1;

	if (r == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (enc == NULL || b64_decode(B64_STD, enc->value, enc->len, &raw) != 0) {
		err_set(err, EX_ERROR, "illegal base64 data in the encrypted data key");
		goto out;
	}
	buf_adds(&body, "{\"ciphertext\":\"");
	buf_add(&body, enc->value, enc->len);
	buf_adds(&body, "\"}");
	if (call(r, "decrypt", &body, &rs, err) != 0)
		goto fail;
	if (njson_get(rs.body.data, rs.body.len, "plaintext", &pt) != 0 ||
	    b64_decode(B64_STD, (char *)pt.data, pt.len, out) != 0) {
		err_set(err, EX_ERROR, "malformed decrypt response");
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	err_prefix(err, "failed to decrypt sops data key with GCP KMS key: ");
out:
	net_response_free(&rs);
	buf_free(&body);
	buf_free(&pt);
	buf_free(&raw);
	free(r);
	return rc;
}

static int gcp_wrap(const char *recipient, const uint8_t *key, size_t len, struct mk_new *out,
		    struct sops_err *err)
{
	struct buf body = BUF_INIT_SECURE, ct = BUF_INIT, rid = BUF_INIT;
	struct net_response rs = { 0 };
	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc = -1;

	for (const char *p = recipient; *p; p++)
		if (*p != ' ')
			buf_addc(&rid, *p);
	if (rid.data == NULL)
		buf_adds(&rid, "");
	buf_adds(&body, "{\"plaintext\":\"");
	b64_encode(B64_STD, key, len, &body);
	if (buf_adds(&body, "\"}") != 0) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	if (call((char *)rid.data, "encrypt", &body, &rs, err) != 0) {
		err_prefix(err, "failed to encrypt sops data key with GCP KMS key: ");
		goto out;
	}
	if (njson_get(rs.body.data, rs.body.len, "ciphertext", &ct) != 0 || ct.len == 0) {
		err_set(err, EX_ERROR, "failed to encrypt sops data key with GCP KMS key: "
			"malformed encrypt response");
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	out->type = "gcp_kms";
	if (mk_new_add(out, "created_at", created, strlen(created)) != 0 ||
	    mk_new_add(out, "enc", (char *)ct.data, ct.len) != 0 ||
	    mk_new_add(out, "resource_id", (char *)rid.data, rid.len) != 0) {
		mk_new_free(out);
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	rc = 0;
out:
	net_response_free(&rs);
	buf_free(&body);
	buf_free(&ct);
	buf_free(&rid);
	return rc;
}

static const char *gcp_describe(const struct master_key *mk)
{
	static _Thread_local char s[512];
	const struct mk_field *rid = mk_get(mk, "resource_id");

	snprintf(s, sizeof(s), "%.*s", rid ? (int)rid->len : 0, rid ? rid->value : "");
	return s;
}

const struct provider gcp_kms_provider = {
	.type = "gcp_kms",
	.unwrap = gcp_unwrap,
	.wrap = gcp_wrap,
	.describe = gcp_describe,
};
