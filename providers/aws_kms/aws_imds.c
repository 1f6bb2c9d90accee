/* aws_imds.c - container credentials (ECS/EKS pod identity) and EC2
 * instance metadata (IMDSv2: token PUT, then role name and credentials). */
#include "aws_creds.h"
#include "../net/http.h"
#include "../net/secret_file.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Metadata services answer fast or not at all: short timeout, no retries. */
static int meta_timeout(void)
{
	return net_config.timeout_ms < 2000 ? net_config.timeout_ms : 2000;
}

/* The SDK only sends container credentials over http to loopback or the
 * ECS/EKS link-local hosts; anything else must be https. */
static int container_host_ok(const char *url)
{
	static const char *const ok[] = {
		"127.0.0.1", "localhost", "[::1]", "169.254.170.2", "169.254.170.23",
		"[fd00:ec2::23]",
	};
	struct buf h = BUF_INIT;
	int good = 0;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	if (net_url_host(url, &h) == 0)
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			if (strcmp((char *)h.data, ok[i]) == 0)
				good = 1;
	buf_free(&h);
	return good;
}

int aws_container_creds(struct buf *out, time_t *exp, struct sops_err *err)
{
	const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tokf = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	struct buf url = BUF_INIT, auth = BUF_INIT_SECURE, ftok = BUF_INIT_SECURE;
	struct net_request rq = { .method = "GET", .allow_http = 1, .secret_response = 1,
				  .retries = -1 };
	struct net_response rs = { 0 };
	const char *hdr[1];
	int rc = -1;

	if (rel != NULL && *rel != '\0')
		buf_printf(&url, "http://169.254.170.2%s", rel);
	else if (full != NULL && *full != '\0')
		buf_adds(&url, full);
	else
		return 1;
	if (!container_host_ok((char *)url.data)) {
		err_set(err, EX_ERROR, "container credentials: host of %s is not allowed over http",
			(char *)url.data);
		goto out;
	}
	if (tokf != NULL && *tokf != '\0') {
		if (secret_file_read(tokf, 1 << 16, 1, &ftok) != 0) {
			err_set(err, EX_ERROR, "container credentials: cannot read %s", tokf);
			goto out;
		}
		tok = (char *)ftok.data;
	}
	if (tok != NULL && *tok != '\0') {
		buf_printf(&auth, "Authorization: %s", tok);
		hdr[0] = (char *)auth.data;
		rq.headers = hdr;
		rq.nheaders = 1;
	}
	rq.url = (char *)url.data;
	rq.timeout_ms = meta_timeout();
	if (net_request(&rq, &rs, err) != 0) {
		err_prefix(err, "container credentials: ");
		goto out;
	}
	if (rs.status != 200) {
		err_set(err, EX_ERROR, "container credentials: %s answered HTTP %ld",
			(char *)url.data, rs.status);
		goto out;
	}
	if (aws_creds_from_json(&rs.body, "Token", out, exp) != 0) {
		err_set(err, EX_ERROR, "container credentials: malformed answer");
		goto out;
	}
	rc = 0;
out:
	net_response_free(&rs);
	buf_free(&url);
	buf_free(&auth);
	buf_free(&ftok);
	return rc;
}

static int imds_get(const char *base, const char *path, const char *tokhdr, struct buf *out,
		    struct sops_err *err)
{
	struct buf url = BUF_INIT;
	const char *hdr[1] = { tokhdr };
	struct net_request rq = { .method = "GET", .allow_http = 1, .secret_response = 1,
				  .retries = -1, .headers = hdr, .nheaders = 1 };
	struct net_response rs = { 0 };
	int rc = -1;

	buf_printf(&url, "%s%s", base, path);
	rq.url = (char *)url.data;
	rq.timeout_ms = meta_timeout();
	if (net_request(&rq, &rs, err) == 0) {
		if (rs.status == 200)
			rc = buf_add(out, rs.body.data, rs.body.len);
		else
			err_set(err, EX_ERROR, "EC2 IMDS: GET %s answered HTTP %ld", path, rs.status);
	}
	net_response_free(&rs);
	buf_free(&url);
	return rc;
}

int aws_imds_creds(struct buf *out, time_t *exp, struct sops_err *err)
{
	const char *dis = getenv("AWS_EC2_METADATA_DISABLED");
	const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	static const char *const put_hdr[] = { "X-aws-ec2-metadata-token-ttl-seconds: 21600" };
	struct buf base = BUF_INIT, url = BUF_INIT, tokhdr = BUF_INIT_SECURE;
	struct buf role = BUF_INIT, js = BUF_INIT_SECURE, path = BUF_INIT;
	struct net_request rq = { .method = "PUT", .allow_http = 1, .secret_response = 1,
				  .retries = -1, .headers = put_hdr, .nheaders = 1,
				  .body = (const uint8_t *)"", .body_len = 0 };
	struct net_response rs = { 0 };
	int rc = -1;

	if (dis != NULL && strcasecmp(dis, "true") == 0)
		return 1;
	buf_adds(&base, ep && *ep ? ep : "http://169.254.169.254");
	while (base.len > 0 && base.data[base.len - 1] == '/')
		buf_truncate(&base, base.len - 1);
	buf_printf(&url, "%s/latest/api/token", (char *)base.data);
	rq.url = (char *)url.data;
	rq.timeout_ms = meta_timeout();
	if (net_request(&rq, &rs, err) != 0) {
		err_prefix(err, "EC2 IMDS: ");
		goto out;
	}
	if (rs.status != 200 || rs.body.len == 0) {
		err_set(err, EX_ERROR, "EC2 IMDS: token request answered HTTP %ld", rs.status);
		goto out;
	}
	buf_printf(&tokhdr, "X-aws-ec2-metadata-token: %.*s", (int)rs.body.len,
		   (char *)rs.body.data);
	if (imds_get((char *)base.data, "/latest/meta-data/iam/security-credentials/",
		     (char *)tokhdr.data, &role, err) != 0)
		goto out;
	role.len = strcspn((char *)role.data, "\r\n");
	if (role.len == 0) {
		err_set(err, EX_ERROR, "EC2 IMDS: no EC2 IMDS role found");
		goto out;
	}
	buf_printf(&path, "/latest/meta-data/iam/security-credentials/%.*s", (int)role.len,
		   (char *)role.data);
	if (imds_get((char *)base.data, (char *)path.data, (char *)tokhdr.data, &js, err) != 0)
		goto out;
	if (aws_creds_from_json(&js, "Token", out, exp) != 0) {
		err_set(err, EX_ERROR, "EC2 IMDS: malformed credentials");
		goto out;
	}
	rc = 0;
out:
	net_response_free(&rs);
	buf_free(&base);
	buf_free(&url);
	buf_free(&tokhdr);
	buf_free(&role);
	buf_free(&js);
	buf_free(&path);
	return rc;
}
