/* aws_creds.c - the AWS credential chain in the SDK's order, cached in
 * locked memory (see aws_creds.h). */
#include "aws_creds.h"
#include "../net/cred_cache.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chain_ctx {
	const char *profile;   /* "" = not given by the entry */
	const char *region;
};

static const char *env(const char *n)
{
	const char *v = getenv(n);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int env_keys(struct buf *out)
{
	const char *a = env("AWS_ACCESS_KEY_ID"), *s = env("AWS_SECRET_ACCESS_KEY");
	const char *t = env("AWS_SESSION_TOKEN");

	if (a == NULL)
		a = env("AWS_ACCESS_KEY");
	if (s == NULL)
		s = env("AWS_SECRET_KEY");
	if (a == NULL || s == NULL)
		return 1;
	return aws_creds_ser(out, a, strlen(a), s, strlen(s), t, t ? strlen(t) : 0);
}

static int web_identity(const char *region, struct buf *out, time_t *exp, struct sops_err *err)
{
	const char *f = env("AWS_WEB_IDENTITY_TOKEN_FILE"), *role = env("AWS_ROLE_ARN");
	const char *sess = env("AWS_ROLE_SESSION_NAME");
	char def[64];

	if (f == NULL)
		return 1;
	if (role == NULL)
		return err_set(err, EX_ERROR, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set "
			       "but AWS_ROLE_ARN is not");
	if (sess == NULL) {
		snprintf(def, sizeof(def), "sopsfs-%lld", (long long)time(NULL));
		sess = def;
	}
	return sts_assume_role_web_identity(region, role, sess, f, out, exp, err);
}

/* One source; records what was tried and why it failed. rc 1 = absent. */
static int note(struct buf *tried, const char *what, int rc, const struct sops_err *e)
{
	if (tried->len > 0)
		buf_adds(tried, "; ");
	if (rc > 0)
		buf_printf(tried, "%s: not set", what);
	else
		buf_printf(tried, "%s: %.300s", what, e->msg);
	return rc;
}

static int fetch_chain(void *arg, struct buf *out, time_t *exp, struct sops_err *err)
{
	struct chain_ctx *c = arg;
	struct buf tried = BUF_INIT;
	struct sops_err e;
	const char *prof = c->profile[0] ? c->profile : env("AWS_PROFILE");
	char what[300];
	int rc;

	*exp = 0;
	if (c->profile[0]) {   /* the entry names a profile: only that one */
		rc = aws_profile_creds(c->profile, c->region, 1, out, exp, err);
		if (rc > 0)
			rc = err_set(err, EX_ERROR, "profile %s holds no credentials", c->profile);
		return rc;
	}
	err_clear(&e);
	if ((rc = env_keys(out)) <= 0)
		goto done;
	note(&tried, "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)", rc, &e);
	if ((rc = web_identity(c->region, out, exp, &e)) <= 0)
		goto done;
	note(&tried, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)", rc, &e);
	snprintf(what, sizeof(what), "shared config profile \"%s\" (~/.aws/credentials, "
		 "~/.aws/config)", prof ? prof : "default");
	if ((rc = aws_profile_creds(prof ? prof : "default", c->region, prof != NULL, out, exp,
				    &e)) <= 0)
		goto done;
	note(&tried, what, rc, &e);
	if ((rc = aws_container_creds(out, exp, &e)) <= 0)
		goto done;
	note(&tried, "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, "
	     "AWS_CONTAINER_CREDENTIALS_FULL_URI)", rc, &e);
	if ((rc = aws_imds_creds(out, exp, &e)) <= 0)
		goto done;
	note(&tried, "EC2 instance metadata (IMDSv2)", rc, &e);
	err_set(err, EX_ERROR, "no valid credential sources found (tried %s)",
		(char *)tried.data);
	buf_free(&tried);
	return -1;
done:
	if (rc < 0) {
		/* a configured source failed: report it with what came before */
		if (tried.len > 0)
			err_set(err, EX_ERROR, "%s (tried before: %s)", e.msg, (char *)tried.data);
		else
			err_set(err, e.code ? e.code : EX_ERROR, "%s", e.msg);
	}
	buf_free(&tried);
	return rc;
}

int aws_creds_resolve(const char *profile, const char *region, struct aws_creds *out,
		      struct sops_err *err)
{
	struct chain_ctx c = { profile ? profile : "", region };
	struct buf v = BUF_INIT_SECURE;
	char key[320];
	int rc;

	snprintf(key, sizeof(key), "aws:chain:%s", c.profile);
	rc = cred_get(key, fetch_chain, &c, &v, err);
	if (rc == 0 && aws_creds_parse(&v, out) != 0)
		rc = err_set(err, EX_ERROR, "malformed cached credentials");
	if (rc != 0)
		err_prefix(err, "get credentials: ");
	buf_free(&v);
	return rc;
}

void aws_creds_forget(const char *profile, const char *role, const char *region)
{
	char key[1024];

	snprintf(key, sizeof(key), "aws:chain:%s", profile ? profile : "");
	cred_forget(key);
	if (role != NULL) {
		/* the role's entry is keyed by the base key id, which may have
		 * changed: drop every role entry of this role and region */
		snprintf(key, sizeof(key), "aws:role:%s:%s:", role, region);
		cred_forget_prefix(key);
	}
}

struct assume_ctx {
	const char *role, *region;
	const struct aws_creds *base;
};

static int fetch_assume(void *arg, struct buf *out, time_t *exp, struct sops_err *err)
{
	struct assume_ctx *a = arg;
	char sess[80];

	if (sts_session_name(sess, sizeof(sess)) != 0)
		return err_set(err, EX_ERROR, "failed to construct STS session name");
	return sts_assume_role(a->region, a->role, sess, a->base, out, exp, err);
}

int aws_creds_assume(const char *role_arn, const char *region, const struct aws_creds *base,
		     struct aws_creds *out, struct sops_err *err)
{
	struct assume_ctx a = { role_arn, region, base };
	struct buf v = BUF_INIT_SECURE;
	char key[1024];
	int rc;

	snprintf(key, sizeof(key), "aws:role:%s:%s:%s", role_arn, region, base->akid);
	rc = cred_get(key, fetch_assume, &a, &v, err);
	if (rc == 0 && aws_creds_parse(&v, out) != 0)
		rc = err_set(err, EX_ERROR, "malformed cached credentials");
	if (rc != 0)
		err_prefix(err, "failed to assume role '%s': ", role_arn);
	buf_free(&v);
	return rc;
}
