/* hckms_cred.c - HuaweiCloud credentials in the SDK's basic chain order:
 *   1. HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN,
 *      HUAWEICLOUD_SDK_PROJECT_ID);
 *   2. the [basic] section of ~/.huaweicloud/credentials (ak, sk,
 *      security_token, project_id; HUAWEICLOUD_SDK_CREDENTIALS_FILE names
 *      another file);
 *   3. the ECS metadata service: temporary keys from
 *      GET http://169.254.169.254/openstack/latest/securitykey (probed with a
 *      1 s bound; SOPSFS_HUAWEICLOUD_METADATA_ENDPOINT replaces the address,
 *      for tests and unusual networks: only the user's environment sets it),
 *      cached in locked memory until shortly before they expire.
 * Everything secret lives in locked memory (common/secure_mem.h).
 */
#include "hckms.h"
#include "../net/cred_cache.h"
#include "../net/json.h"
#include "../svc/svc_util.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CRED_FILE_MAX (64 * 1024)

static char *sdup(const char *s)
{
	return s != NULL && s[0] != '\0' ? sm_strndup(s, strlen(s)) : NULL;
}

void hckms_cred_free(struct hckms_cred *c)
{
	sm_free(c->ak);
	sm_free(c->sk);
	sm_free(c->token);
	sm_free(c->project_id);
	memset(c, 0, sizeof(*c));
}

/* "key = value" lines of the [basic] section of the credentials file. */
static void parse_profile(char *text, struct hckms_cred *c)
{
	int in_basic = 0;

	for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
		char *eq, *k, *v, *e;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '[') {
			in_basic = strncasecmp(line, "[basic]", 7) == 0;
			continue;
		}
		if (!in_basic || *line == '#' || *line == ';' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		k = line;
		v = eq + 1;
		for (e = eq; e > k && (e[-1] == ' ' || e[-1] == '\t'); )
			*--e = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		for (e = v + strlen(v); e > v && strchr(" \t\r", e[-1]); )
			*--e = '\0';
		if (strcasecmp(k, "ak") == 0 && c->ak == NULL)
			c->ak = sdup(v);
		else if (strcasecmp(k, "sk") == 0 && c->sk == NULL)
			c->sk = sdup(v);
		else if (strcasecmp(k, "security_token") == 0 && c->token == NULL)
			c->token = sdup(v);
		else if (strcasecmp(k, "project_id") == 0 && c->project_id == NULL)
			c->project_id = sdup(v);
	}
}

/* cred_cache fetch: "AK\nSK\nTOKEN" from the metadata service. */
static int fetch_metadata(void *ctx, struct buf *out, time_t *expires, struct sops_err *err)
{
	const char *base = getenv("SOPSFS_HUAWEICLOUD_METADATA_ENDPOINT");
	static const char *const fields[] = { "credential.access", "credential.secret",
					      "credential.securitytoken" };
	struct buf url = BUF_INIT, exp = BUF_INIT;
	struct net_response resp;
	struct net_request req;
	struct tm tm;
	int rc = 0;

	(void)ctx;
	if (base == NULL || base[0] == '\0')
		base = "http://169.254.169.254";
	memset(&resp, 0, sizeof(resp));
	memset(&req, 0, sizeof(req));
	if (buf_printf(&url, "%s/openstack/latest/securitykey", base) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	req.method = "GET";
	req.url = (char *)url.data;
	req.allow_http = 1;
	req.secret_response = 1;
	req.timeout_ms = 1000;
	req.retries = -1;
	req.no_breaker = 1;
	if (net_request(&req, &resp, err) != 0 || resp.status != 200)
		rc = err_set(err, EX_ERROR, "no answer from the ECS metadata service");
	for (int i = 0; i < 3 && rc == 0; i++)
		if ((i > 0 && buf_addc(out, '\n') != 0) ||
		    njson_get(resp.body.data, resp.body.len, fields[i], out) != 0)
			rc = err_set(err, EX_ERROR, "the ECS metadata answer has no %s", fields[i]);
	*expires = time(NULL) + 600;
	memset(&tm, 0, sizeof(tm));
	if (rc == 0 && njson_get(resp.body.data, resp.body.len, "credential.expires_at", &exp) == 0 &&
	    exp.data != NULL && strptime((char *)exp.data, "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
		*expires = timegm(&tm);
	net_response_free(&resp);
	buf_free(&url);
	buf_free(&exp);
	return rc;
}

static int metadata_cred(struct hckms_cred *c)
{
	struct buf v = BUF_INIT_SECURE;
	struct sops_err err;
	char *p, *nl1, *nl2;

	if (cred_get("hckms:metadata", fetch_metadata, NULL, &v, &err) != 0 || v.data == NULL) {
		buf_free(&v);
		return -1;
	}
	p = (char *)v.data;
	nl1 = strchr(p, '\n');
	nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
	if (nl2 != NULL) {
		*nl1 = *nl2 = '\0';
		c->ak = sdup(p);
		c->sk = sdup(nl1 + 1);
		c->token = sdup(nl2 + 1);
		c->project_id = sdup(getenv("HUAWEICLOUD_SDK_PROJECT_ID"));
	}
	buf_free(&v);
	return c->ak != NULL && c->sk != NULL ? 0 : -1;
}

int hckms_cred_load(struct hckms_cred *c, struct sops_err *err)
{
	const char *file = getenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE");
	struct buf path = BUF_INIT, text = BUF_INIT_SECURE;
	int rc;

	memset(c, 0, sizeof(*c));
	c->ak = sdup(getenv("HUAWEICLOUD_SDK_AK"));
	c->sk = sdup(getenv("HUAWEICLOUD_SDK_SK"));
	if (c->ak != NULL && c->sk != NULL) {
		c->token = sdup(getenv("HUAWEICLOUD_SDK_SECURITY_TOKEN"));
		c->project_id = sdup(getenv("HUAWEICLOUD_SDK_PROJECT_ID"));
		return 0;
	}
	hckms_cred_free(c);
	if (file != NULL && file[0] != '\0')
		rc = buf_adds(&path, file);
	else
		rc = svc_home_path(".huaweicloud/credentials", &path);
	if (rc == 0 && (rc = svc_read_secret_file((char *)path.data, CRED_FILE_MAX, &text)) == 0)
		parse_profile((char *)text.data, c);
	buf_free(&path);
	buf_free(&text);
	if (c->ak != NULL && c->sk != NULL) {
		if (c->project_id == NULL)
			c->project_id = sdup(getenv("HUAWEICLOUD_SDK_PROJECT_ID"));
		return 0;
	}
	hckms_cred_free(c);
	if (metadata_cred(c) == 0)
		return 0;
	hckms_cred_free(c);
	return err_set(err, EX_ERROR, "failed to get HuaweiCloud credentials: no AK/SK found (tried "
		       "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, then ak/sk in the [basic] "
		       "section of %s, then the ECS metadata service)",
		       file != NULL && file[0] ? "HUAWEICLOUD_SDK_CREDENTIALS_FILE" :
		       "~/.huaweicloud/credentials");
}
