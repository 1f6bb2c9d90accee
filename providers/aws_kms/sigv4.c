/* sigv4.c - AWS Signature Version 4 (see sigv4.h). */
#include "sigv4.h"
#include "../net/http.h"
#include "../../common/buf.h"
#include "../../common/secure_mem.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

void aws_creds_free(struct aws_creds *c)
{
	sm_free(c->akid);
	sm_free(c->secret);
	sm_free(c->token);
	c->akid = c->secret = c->token = NULL;
}

static void hexs(const uint8_t *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hmac(const uint8_t *k, size_t kl, const char *msg, uint8_t out[32])
{
	unsigned int ol = 32;

	return HMAC(EVP_sha256(), k, (int)kl, (const uint8_t *)msg, strlen(msg), out, &ol) ?
		0 : -1;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request") */
static int signing_key(const char *secret, const char *date, const char *region,
		       const char *service, uint8_t out[32])
{
	char *k = sm_alloc(strlen(secret) + 5);
	uint8_t a[32], b[32];
	int rc;

	if (k == NULL)
		return -1;
	memcpy(k, "AWS4", 4);
	memcpy(k + 4, secret, strlen(secret));
	rc = hmac((uint8_t *)k, strlen(secret) + 4, date, a) | hmac(a, 32, region, b) |
	     hmac(b, 32, service, a) | hmac(a, 32, "aws4_request", out);
	sm_free(k);
	sm_wipe(a, sizeof(a));
	sm_wipe(b, sizeof(b));
	return rc;
}

static int push(char ***arr, size_t *n, const char *s, size_t len)
{
	char **na = realloc(*arr, (*n + 1) * sizeof(char *));

	if (na == NULL)
		return -1;
	*arr = na;
	na[*n] = sm_strndup(s, len);
	if (na[*n] == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* Host header value: host[:port] as in the URL. */
static int host_of(const char *url, struct buf *out)
{
	const char *h = strstr(url, "://");

	if (h == NULL)
		return -1;
	h += 3;
	return buf_add(out, h, strcspn(h, "/?#"));
}

int sigv4_headers(const struct sigv4_in *in, const struct aws_creds *c, char ***out,
		  size_t *nout, struct sops_err *err)
{
	struct buf host = BUF_INIT, canon = BUF_INIT_SECURE, sts = BUF_INIT, line = BUF_INIT_SECURE;
	char amzdate[17], date[9], bodyhash[65], canonhash[65], sighex[65];
	uint8_t h[32], key[32], sig[32];
	time_t now = in->now ? in->now : time(NULL);
	struct tm tm;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	gmtime_r(&now, &tm);
	strftime(amzdate, sizeof(amzdate), "%Y%m%dT%H%M%SZ", &tm);
	memcpy(date, amzdate, 8);
	date[8] = '\0';
	if (host_of(in->url, &host) != 0)
		goto out;
	SHA256(in->body ? in->body : (const uint8_t *)"", in->body_len, h);
	hexs(h, 32, bodyhash);
	/* canonical request: method, path, query, headers, signed names, hash */
	buf_printf(&canon, "POST\n/\n\ncontent-type:%s\nhost:%s\nx-amz-date:%s\n",
		   in->content_type, (char *)host.data, amzdate);
	if (c->token != NULL)
		buf_printf(&canon, "x-amz-security-token:%s\n", c->token);
	if (in->target != NULL)
		buf_printf(&canon, "x-amz-target:%s\n", in->target);
	const char *signed_names = c->token != NULL ?
		(in->target ? "content-type;host;x-amz-date;x-amz-security-token;x-amz-target" :
			      "content-type;host;x-amz-date;x-amz-security-token") :
		(in->target ? "content-type;host;x-amz-date;x-amz-target" :
			      "content-type;host;x-amz-date");
	if (buf_printf(&canon, "\n%s\n%s", signed_names, bodyhash) != 0)
		goto out;
	SHA256(canon.data, canon.len, h);
	hexs(h, 32, canonhash);
	if (buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amzdate, date,
		       in->region, in->service, canonhash) != 0)
		goto out;
	if (signing_key(c->secret, date, in->region, in->service, key) != 0 ||
	    hmac(key, 32, (char *)sts.data, sig) != 0)
		goto out;
	hexs(sig, 32, sighex);
	rc = 0;
	buf_printf(&line, "Host: %s", (char *)host.data);
	rc |= push(out, nout, (char *)line.data, line.len);
	buf_truncate(&line, 0);
	buf_printf(&line, "Content-Type: %s", in->content_type);
	rc |= push(out, nout, (char *)line.data, line.len);
	buf_truncate(&line, 0);
	buf_printf(&line, "X-Amz-Date: %s", amzdate);
	rc |= push(out, nout, (char *)line.data, line.len);
	if (in->target != NULL) {
		buf_truncate(&line, 0);
		buf_printf(&line, "X-Amz-Target: %s", in->target);
		rc |= push(out, nout, (char *)line.data, line.len);
	}
	if (c->token != NULL) {
		buf_truncate(&line, 0);
		buf_printf(&line, "X-Amz-Security-Token: %s", c->token);
		rc |= push(out, nout, (char *)line.data, line.len);
	}
	buf_truncate(&line, 0);
	buf_printf(&line, "Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
		   "SignedHeaders=%s, Signature=%s", c->akid, date, in->region, in->service,
		   signed_names, sighex);
	rc |= push(out, nout, (char *)line.data, line.len);
out:
	sm_wipe(key, sizeof(key));
	buf_free(&host);
	buf_free(&canon);
	buf_free(&sts);
	buf_free(&line);
	if (rc != 0) {
		net_headers_free(*out, *nout);
		*out = NULL;
		*nout = 0;
		return err_set(err, EX_ERROR, "cannot sign the AWS request");
	}
	return 0;
}
