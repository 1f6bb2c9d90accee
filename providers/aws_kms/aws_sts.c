/* aws_sts.c - STS AssumeRole / AssumeRoleWithWebIdentity over the query API,
 * endpoints, and the small parsers shared by the credential sources. */
#include "aws_creds.h"
#include "../net/http.h"
#include "../net/json.h"
#include "../net/secret_file.h"
#include "../../common/secure_mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int aws_endpoint(const char *service, const char *region, struct buf *out)
{
	char name[64];
	const char *e;

	snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", service);
	for (char *p = name; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	e = getenv(name);
	if (e == NULL || *e == '\0')
		e = getenv("AWS_ENDPOINT_URL");
	if (e != NULL && *e != '\0') {
		const char *path = strstr(e, "://");

		if (buf_adds(out, e) != 0)
			return -1;
		path = path ? strchr(path + 3, '/') : NULL;
		return path == NULL ? buf_addc(out, '/') : 0;
	}
	return buf_printf(out, "https://%s.%s.amazonaws.com%s/", service, region,
			  strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
}

const char *aws_ca_bundle(void)
{
	const char *b = getenv("AWS_CA_BUNDLE");

	return b != NULL && *b != '\0' ? b : NULL;
}

int aws_creds_ser(struct buf *out, const char *akid, size_t al, const char *sk, size_t sl,
		  const char *tok, size_t tl)
{
	if (al == 0 || sl == 0 || memchr(akid, '\n', al) || memchr(sk, '\n', sl) ||
	    (tok && memchr(tok, '\n', tl)))
		return -1;
	return buf_add(out, akid, al) | buf_addc(out, '\n') | buf_add(out, sk, sl) |
	       buf_addc(out, '\n') | (tok ? buf_add(out, tok, tl) : 0);
}

int aws_creds_parse(const struct buf *in, struct aws_creds *out)
{
	const char *p = (const char *)in->data, *end = p + in->len;
	const char *n1 = memchr(p, '\n', in->len), *n2;

	memset(out, 0, sizeof(*out));
	if (n1 == NULL || (n2 = memchr(n1 + 1, '\n', (size_t)(end - n1 - 1))) == NULL)
		return -1;
	out->akid = sm_strndup(p, (size_t)(n1 - p));
	out->secret = sm_strndup(n1 + 1, (size_t)(n2 - n1 - 1));
	if (n2 + 1 < end)
		out->token = sm_strndup(n2 + 1, (size_t)(end - n2 - 1));
	if (out->akid == NULL || out->secret == NULL || (n2 + 1 < end && out->token == NULL)) {
		aws_creds_free(out);
		return -1;
	}
	return 0;
}

int aws_xml_get(const struct buf *xml, const char *tag, struct buf *out)
{
	char open[64], close[64];
	const char *s, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if (xml->data == NULL || (s = memmem(xml->data, xml->len, open, strlen(open))) == NULL)
		return 1;
	s += strlen(open);
	e = memmem(s, xml->len - (size_t)(s - (const char *)xml->data), close, strlen(close));
	if (e == NULL)
		return -1;
	return buf_add(out, s, (size_t)(e - s));
}

time_t aws_parse_time(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return 0;
	return timegm(&tm);
}

int aws_creds_from_json(const struct buf *js, const char *token_field, struct buf *out,
			time_t *exp)
{
	struct buf a = BUF_INIT_SECURE, s = BUF_INIT_SECURE, t = BUF_INIT_SECURE, e = BUF_INIT;
	int rc = -1;

	if (njson_get(js->data, js->len, "AccessKeyId", &a) != 0 ||
	    njson_get(js->data, js->len, "SecretAccessKey", &s) != 0 ||
	    njson_get(js->data, js->len, token_field, &t) < 0)
		goto out;
	*exp = 0;
	if (njson_get(js->data, js->len, "Expiration", &e) == 0 && e.len > 0)
		*exp = aws_parse_time((char *)e.data);
	rc = aws_creds_ser(out, (char *)a.data, a.len, (char *)s.data, s.len,
			   t.len ? (char *)t.data : NULL, t.len);
out:
	buf_free(&a);
	buf_free(&s);
	buf_free(&t);
	buf_free(&e);
	return rc;
}

int sts_session_name(char *out, size_t n)
{
	char host[256], clean[256];
	size_t j = 0;

	if (gethostname(host, sizeof(host)) != 0)
		return -1;
	host[sizeof(host) - 1] = '\0';
	/* Go: [^a-zA-Z0-9=,.@-_]+ removed; "@-_" is the range 0x40..0x5F. */
	for (size_t i = 0; host[i]; i++) {
		unsigned char c = (unsigned char)host[i];

		if (isalnum(c) || c == '=' || c == ',' || c == '.' || (c >= '@' && c <= '_'))
			clean[j++] = (char)c;
	}
	clean[j] = '\0';
	snprintf(out, n, "sops@%s", clean);
	if (strlen(out) >= 64)
		out[64] = '\0';
	return 0;
}

struct sts_sign {
	const char *region;
	const struct aws_creds *creds;
};

static int sts_sign_fn(const struct net_request *req, void *ctx, char ***extra,
		       size_t *nextra, struct sops_err *err)
{
	struct sts_sign *s = ctx;
	struct sigv4_in in = {
		.url = req->url, .region = s->region, .service = "sts",
		.content_type = "application/x-www-form-urlencoded; charset=utf-8",
		.body = req->body, .body_len = req->body_len,
	};

	return sigv4_headers(&in, s->creds, extra, nextra, err);
}

static int sts_call(const char *action, const char *region, const struct buf *form,
		    const struct aws_creds *base, const char *role, struct buf *out,
		    time_t *exp, struct sops_err *err)
{
	static const char *const plain_hdr[] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
	};
	struct buf url = BUF_INIT, a = BUF_INIT_SECURE, s = BUF_INIT_SECURE, t = BUF_INIT_SECURE;
	struct buf code = BUF_INIT, msg = BUF_INIT, e = BUF_INIT;
	struct sts_sign sg = { region, base };
	struct net_request rq = { .method = "POST", .body = form->data, .body_len = form->len,
				  .secret_response = 1 };
	struct net_response rs = { 0 };
	int rc = -1;

	if (aws_endpoint("sts", region, &url) != 0)
		goto out;
	rq.url = (char *)url.data;
	rq.ca_file = aws_ca_bundle();
	if (base != NULL) {
		rq.sign = sts_sign_fn;
		rq.sign_ctx = &sg;
	} else {
		rq.headers = plain_hdr;
		rq.nheaders = 1;
	}
	if (net_request(&rq, &rs, err) != 0) {
		err_prefix(err, "operation error STS: %s, ", action);
		goto out;
	}
	if (rs.status != 200) {
		aws_xml_get(&rs.body, "Code", &code);
		aws_xml_get(&rs.body, "Message", &msg);
		err_set(err, EX_ERROR, "operation error STS: %s, https response error StatusCode: "
			"%ld, api error %s: %.300s", action, rs.status,
			code.data ? (char *)code.data : "Unknown",
			msg.data ? (char *)msg.data : "");
		goto out;
	}
	if (aws_xml_get(&rs.body, "AccessKeyId", &a) != 0 ||
	    aws_xml_get(&rs.body, "SecretAccessKey", &s) != 0 ||
	    aws_xml_get(&rs.body, "SessionToken", &t) != 0 ||
	    aws_creds_ser(out, (char *)a.data, a.len, (char *)s.data, s.len, (char *)t.data,
			  t.len) != 0) {
		err_set(err, EX_ERROR, "operation error STS: %s: malformed response for %s",
			action, role);
		goto out;
	}
	*exp = aws_xml_get(&rs.body, "Expiration", &e) == 0 && e.data ?
		aws_parse_time((char *)e.data) : time(NULL) + 900;
	rc = 0;
out:
	net_response_free(&rs);
	buf_free(&url);
	buf_free(&a);
	buf_free(&s);
	buf_free(&t);
	buf_free(&code);
	buf_free(&msg);
	buf_free(&e);
	return rc;
}

int sts_assume_role(const char *region, const char *role_arn, const char *session,
		    const struct aws_creds *base, struct buf *out, time_t *exp,
		    struct sops_err *err)
{
	struct buf form = BUF_INIT;
	int rc;

	buf_adds(&form, "Action=AssumeRole&RoleArn=");
	net_urlencode(&form, role_arn, strlen(role_arn));
	buf_adds(&form, "&RoleSessionName=");
	net_urlencode(&form, session, strlen(session));
	rc = buf_adds(&form, "&Version=2011-06-15");
	rc = rc ? err_set(err, EX_ERROR, "out of memory") :
		sts_call("AssumeRole", region, &form, base, role_arn, out, exp, err);
	buf_free(&form);
	return rc;
}

int sts_assume_role_web_identity(const char *region, const char *role_arn,
				 const char *session, const char *token_file,
				 struct buf *out, time_t *exp, struct sops_err *err)
{
	struct buf form = BUF_INIT_SECURE, tok = BUF_INIT_SECURE;
	int rc;

	if (secret_file_read(token_file, 1 << 16, 1, &tok) != 0 || tok.len == 0) {
		buf_free(&tok);
		return err_set(err, EX_ERROR, "failed to read web identity token file %s",
			       token_file);
	}
	buf_adds(&form, "Action=AssumeRoleWithWebIdentity&RoleArn=");
	net_urlencode(&form, role_arn, strlen(role_arn));
	buf_adds(&form, "&RoleSessionName=");
	net_urlencode(&form, session, strlen(session));
	buf_adds(&form, "&Version=2011-06-15&WebIdentityToken=");
	rc = net_urlencode(&form, (char *)tok.data, tok.len);
	rc = rc ? err_set(err, EX_ERROR, "out of memory") :
		sts_call("AssumeRoleWithWebIdentity", region, &form, NULL, role_arn, out, exp,
			 err);
	buf_free(&form);
	buf_free(&tok);
	return rc;
}
