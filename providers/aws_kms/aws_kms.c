/* aws_kms.c - the "kms" master-key provider: KMS Encrypt/Decrypt over the
 * JSON 1.1 API (X-Amz-Target TrentService.*), SigV4-signed with the
 * credential chain, optionally through STS AssumeRole (entry's role). */
#include "aws_kms_int.h"
#include "aws_creds.h"
#include "../net/http.h"
#include "../net/json.h"
#include "../../crypto/b64.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kms_sign {
	const char *region;
	const char *target;
	const struct aws_creds *creds;
};

static int kms_sign_fn(const struct net_request *req, void *ctx, char ***extra,
		       size_t *nextra, struct sops_err *err)
{
	struct kms_sign *s = ctx;
	struct sigv4_in in = {
		.url = req->url, .region = s->region, .service = "kms",
		.content_type = "application/x-amz-json-1.1", .target = s->target,
		.body = req->body, .body_len = req->body_len,
	};

	return sigv4_headers(&in, s->creds, extra, nextra, err);
}

/* ,"EncryptionContext":{...} when the key has a context. */
static int add_context(struct buf *b, const struct aws_target *t)
{
	int rc = 0;

	if (t->nctx == 0)
		return 0;
	rc |= buf_adds(b, ",\"EncryptionContext\":{");
	for (size_t i = 0; i < t->nctx; i++) {
		if (i > 0)
			rc |= buf_addc(b, ',');
		rc |= njson_add_str(b, t->ctx_k[i], strlen(t->ctx_k[i]));
		rc |= buf_addc(b, ':');
		rc |= njson_add_str(b, t->ctx_v[i], strlen(t->ctx_v[i]));
	}
	return rc | buf_addc(b, '}');
}

/* The SDK's error text for a non-200 answer. */
static int api_error(const char *op, const struct net_response *rs, struct sops_err *err)
{
	struct buf type = BUF_INIT, msg = BUF_INIT;
	const char *ty;

	njson_get(rs->body.data, rs->body.len, "__type", &type);
	if (njson_get(rs->body.data, rs->body.len, "message", &msg) != 0)
		njson_get(rs->body.data, rs->body.len, "Message", &msg);
	ty = type.data ? (char *)type.data : "UnknownError";
	if (strchr(ty, '#') != NULL)
		ty = strchr(ty, '#') + 1;
	err_set(err, EX_ERROR, "operation error KMS: %s, https response error StatusCode: %ld, "
		"api error %s: %.400s", op, rs->status, ty, msg.data ? (char *)msg.data : "");
	buf_free(&type);
	buf_free(&msg);
	return -1;
}

/* Credentials for t: the chain (entry's profile), then the role if any. */
static int creds_for(const struct aws_target *t, struct aws_creds *out, struct sops_err *err)
{
	struct aws_creds base = { 0 };
	int rc;

	if (aws_creds_resolve(t->profile, t->region, &base, err) != 0)
		return -1;
	if (t->role == NULL) {
		*out = base;
		return 0;
	}
	rc = aws_creds_assume(t->role, t->region, &base, out, err);
	aws_creds_free(&base);
	return rc;
}

/* POST body to KMS operation op; answer in rs (secure). */
static int kms_call(const struct aws_target *t, const char *op, const struct buf *body,
		    struct net_response *rs, struct sops_err *err)
{
	struct aws_creds c = { 0 };
	struct buf url = BUF_INIT;
	char target[64];
	struct kms_sign sg = { t->region, target, &c };
	struct net_request rq = { .method = "POST", .body = body->data, .body_len = body->len,
				  .secret_response = 1, .sign = kms_sign_fn, .sign_ctx = &sg };
	int rc = -1;

	snprintf(target, sizeof(target), "TrentService.%s", op);
	if (creds_for(t, &c, err) != 0)
		return err_prefix(err, "operation error KMS: %s, ", op);
	if (aws_endpoint("kms", t->region, &url) != 0) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	rq.url = (char *)url.data;
	rq.ca_file = aws_ca_bundle();
	if (net_request(&rq, rs, err) != 0) {
		err_prefix(err, "operation error KMS: %s, ", op);
		goto out;
	}
	rc = rs->status == 200 ? 0 : api_error(op, rs, err);
	/* rejected credentials (expired, rotated): fetch fresh ones next time */
	if (rc != 0 && (strstr(err->msg, "ExpiredToken") != NULL ||
			strstr(err->msg, "UnrecognizedClientException") != NULL))
		aws_creds_forget(t->profile, t->role, t->region);
out:
	aws_creds_free(&c);
	buf_free(&url);
	return rc;
}

static int kms_unwrap(const struct master_key *mk, struct buf *out, struct sops_err *err)
{
	const struct mk_field *enc = mk_get(mk, "enc");
	struct buf blob = BUF_INIT, body = BUF_INIT, pt = BUF_INIT_SECURE;
	struct net_response rs = { 0 };
	struct aws_target t;
	int rc = -1;

	if (aws_target_from_entry(mk, &t, err) != 0)
		return -1;
	if (enc == NULL || b64_decode(B64_STD, enc->value, enc->len, &blob) != 0) {
		err_set(err, EX_ERROR, "error base64-decoding encrypted data key");
		goto out;
	}
	buf_adds(&body, "{\"CiphertextBlob\":\"");
	buf_add(&body, enc->value, enc->len);
	buf_adds(&body, "\"");
	add_context(&body, &t);
	buf_adds(&body, ",\"KeyId\":");
	njson_add_str(&body, t.arn, strlen(t.arn));
	if (buf_addc(&body, '}') != 0) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	if (kms_call(&t, "Decrypt", &body, &rs, err) != 0)
		goto out;
	if (njson_get(rs.body.data, rs.body.len, "Plaintext", &pt) != 0 ||
	    b64_decode(B64_STD, (char *)pt.data, pt.len, out) != 0) {
		err_set(err, EX_ERROR, "operation error KMS: Decrypt, malformed response");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		err_prefix(err, "failed to decrypt sops data key with AWS KMS: ");
	net_response_free(&rs);
	aws_target_free(&t);
	buf_free(&blob);
	buf_free(&body);
	buf_free(&pt);
	return rc;
}

static int add_fields(struct mk_new *out, const struct aws_target *t, const struct buf *enc)
{
	char created[32], name[128];
	time_t now = time(NULL);
	struct tm tm;
	const char *prof = t->profile ? t->profile : "";
	int rc = 0;

	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	out->type = "kms";
	rc |= mk_new_add(out, "arn", t->arn, strlen(t->arn));
	rc |= mk_new_add(out, "aws_profile", prof, strlen(prof));
	for (size_t i = 0; i < t->nctx && rc == 0; i++) {
		snprintf(name, sizeof(name), "context.%s", t->ctx_k[i]);
		rc |= mk_new_add(out, name, t->ctx_v[i], strlen(t->ctx_v[i]));
	}
	rc |= mk_new_add(out, "created_at", created, strlen(created));
	rc |= mk_new_add(out, "enc", (const char *)enc->data, enc->len);
	if (t->role != NULL)
		rc |= mk_new_add(out, "role", t->role, strlen(t->role));
	return rc;
}

static int kms_wrap(const char *recipient, const uint8_t *key, size_t len, struct mk_new *out,
		    struct sops_err *err)
{
	struct buf body = BUF_INIT_SECURE, enc = BUF_INIT;
	struct net_response rs = { 0 };
	struct aws_target t;
	int rc = -1;

	if (aws_target_from_recipient(recipient, &t, err) != 0)
		return -1;
	buf_adds(&body, "{\"KeyId\":");
	njson_add_str(&body, t.arn, strlen(t.arn));
	buf_adds(&body, ",\"Plaintext\":\"");
	b64_encode(B64_STD, key, len, &body);
	buf_addc(&body, '"');
	add_context(&body, &t);
	if (buf_addc(&body, '}') != 0) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	if (kms_call(&t, "Encrypt", &body, &rs, err) != 0)
		goto out;
	if (njson_get(rs.body.data, rs.body.len, "CiphertextBlob", &enc) != 0 || enc.len == 0) {
		err_set(err, EX_ERROR, "operation error KMS: Encrypt, malformed response");
		goto out;
	}
	if (add_fields(out, &t, &enc) != 0) {
		mk_new_free(out);
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		err_prefix(err, "failed to encrypt sops data key with AWS KMS: ");
	net_response_free(&rs);
	aws_target_free(&t);
	buf_free(&body);
	buf_free(&enc);
	return rc;
}

/* sops' MasterKey.ToString: arn[+role][|context][|profile]. */
static const char *kms_describe(const struct master_key *mk)
{
	static _Thread_local char s[1024];
	const struct mk_field *arn = mk_get(mk, "arn"), *role = mk_get(mk, "role");
	const struct mk_field *prof = mk_get(mk, "aws_profile");
	size_t n = 0;
	int first = 1;

	n += (size_t)snprintf(s + n, sizeof(s) - n, "%.*s", arn ? (int)arn->len : 0,
			      arn ? arn->value : "");
	if (role && role->len && n < sizeof(s))
		n += (size_t)snprintf(s + n, sizeof(s) - n, "+%.*s", (int)role->len, role->value);
	for (size_t i = 0; i < mk->nfields && n < sizeof(s); i++) {
		if (strncmp(mk->fields[i].name, "context.", 8) != 0)
			continue;
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s:%.*s", first ? "|" : ",",
				      mk->fields[i].name + 8, (int)mk->fields[i].len,
				      mk->fields[i].value);
		first = 0;
	}
	if (prof && prof->len && n < sizeof(s))
		snprintf(s + n, sizeof(s) - n, "%s|%.*s", first ? "|" : "", (int)prof->len,
			 prof->value);
	return s;
}

const struct provider aws_kms_provider = {
	.type = "kms",
	.unwrap = kms_unwrap,
	.wrap = kms_wrap,
	.describe = kms_describe,
};
