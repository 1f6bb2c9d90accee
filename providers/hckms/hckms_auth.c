/* hckms_auth.c - HuaweiCloud AK/SK request signing
 * (API Gateway "SDK-HMAC-SHA256", as the HuaweiCloud SDKs sign):
 *
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n
 *                      CanonicalHeaders \n SignedHeaders \n hex(SHA256(body))
 *   CanonicalURI     = the path, ending with "/"
 *   CanonicalHeaders = "name:value\n" per signed header, lowercase names,
 *                      sorted, values trimmed
 *   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA256(CR))
 *   Signature        = hex(HMAC-SHA256(SK, StringToSign))
 *   Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=h1;h2, Signature=..
 * X-Sdk-Date is YYYYMMDDTHHMMSSZ (UTC). Signed: host, x-sdk-date,
 * x-project-id (project-level APIs), x-security-token (temporary keys);
 * Content-Type is not signed (as the Go SDK does).
 */
#include "hckms.h"
#include "../../common/secure_mem.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int hex_sha256(const uint8_t *p, size_t n, struct buf *out)
{
	unsigned char md[32];
	unsigned int ml = 0;
	int rc = 0;

	if (EVP_Digest(p, n, md, &ml, EVP_sha256(), NULL) != 1)
		return -1;
	for (unsigned int i = 0; i < ml; i++)
		rc |= buf_printf(out, "%02x", md[i]);
	return rc;
}

int hckms_signature(const char *sk, const char *method, const char *path, const char *query,
		    const char *const *hnames, const char *const *hvalues, size_t nh,
		    const uint8_t *body, size_t body_len, const char *date, struct buf *sig)
{
	struct buf cr = BUF_INIT, sts = BUF_INIT;
	unsigned char mac[32];
	unsigned int ml = 0;
	size_t pl = strlen(path);
	int rc = buf_printf(&cr, "%s\n%s%s\n%s\n", method, path,
			    pl > 0 && path[pl - 1] == '/' ? "" : "/", query);

	for (size_t i = 0; i < nh && rc == 0; i++)
		rc = buf_printf(&cr, "%s:%s\n", hnames[i], hvalues[i]);
	rc |= buf_addc(&cr, '\n');
	for (size_t i = 0; i < nh && rc == 0; i++)
		rc = buf_printf(&cr, "%s%s", i ? ";" : "", hnames[i]);
	rc |= buf_addc(&cr, '\n');
	rc |= hex_sha256(body != NULL ? body : (const uint8_t *)"", body_len, &cr);
	rc |= buf_printf(&sts, "SDK-HMAC-SHA256\n%s\n", date);
	rc |= hex_sha256(cr.data, cr.len, &sts);
	if (rc == 0 && HMAC(EVP_sha256(), sk, (int)strlen(sk), sts.data, sts.len, mac, &ml) != NULL) {
		for (unsigned int i = 0; i < ml; i++)
			rc |= buf_printf(sig, "%02x", mac[i]);
	} else {
		rc = -1;
	}
	explicit_bzero(mac, sizeof(mac));
	buf_free(&cr);
	buf_free(&sts);
	return rc;
}

static int push(char **arr, size_t *n, const char *name, const char *value)
{
	size_t len = strlen(name) + 2 + strlen(value);
	char *s = sm_alloc(len + 1);

	if (s == NULL)
		return -1;
	snprintf(s, len + 1, "%s: %s", name, value);
	arr[(*n)++] = s;
	return 0;
}

int hckms_sign(const struct net_request *req, void *vctx, char ***extra, size_t *nextra,
	       struct sops_err *err)
{
	const struct hckms_sign_ctx *ctx = vctx;
	const struct hckms_cred *c = ctx->cred;
	const char *names[4], *values[4];
	struct buf sig = BUF_INIT, signed_list = BUF_INIT, auth = BUF_INIT_SECURE;
	char date[32], **arr = calloc(6, sizeof(*arr));
	time_t now = time(NULL);
	struct tm tm;
	size_t nh = 0, n = 0;
	int rc;

	if (arr == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
	/* sorted lowercase names */
	names[nh] = "host", values[nh++] = ctx->host;
	if (ctx->project_header)
		names[nh] = "x-project-id", values[nh++] = c->project_id;
	names[nh] = "x-sdk-date", values[nh++] = date;
	if (c->token != NULL)
		names[nh] = "x-security-token", values[nh++] = c->token;
	rc = hckms_signature(c->sk, req->method, ctx->path, ctx->query, names, values, nh,
			     req->body, req->body_len, date, &sig);
	for (size_t i = 0; i < nh && rc == 0; i++)
		rc = buf_printf(&signed_list, "%s%s", i ? ";" : "", names[i]);
	if (rc == 0)
		rc = buf_printf(&auth, "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s",
				c->ak, (char *)signed_list.data, (char *)sig.data);
	if (rc == 0)
		rc = push(arr, &n, "Host", ctx->host) | push(arr, &n, "X-Sdk-Date", date) |
		     (ctx->project_header ? push(arr, &n, "X-Project-Id", c->project_id) : 0) |
		     (c->token ? push(arr, &n, "X-Security-Token", c->token) : 0) |
		     push(arr, &n, "Authorization", (char *)auth.data);
	buf_free(&sig);
	buf_free(&signed_list);
	buf_free(&auth);
	if (rc != 0) {
		net_headers_free(arr, n);
		return err_set(err, EX_ERROR, "cannot sign the HuaweiCloud request");
	}
	*extra = arr;
	*nextra = n;
	return 0;
}
