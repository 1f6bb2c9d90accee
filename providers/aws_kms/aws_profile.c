/* aws_profile.c - profiles of the shared config files (~/.aws/credentials,
 * ~/.aws/config, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE): static
 * keys, role_arn with source_profile / credential_source, web identity
 * and credential_process, as the AWS SDK resolves them. */
#include "aws_creds.h"
#include "../net/json.h"
#include "../net/secret_file.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (1 << 20)
#define MAX_DEPTH 5

/* Value of key in section (creds file: "[name]"; config file: "[profile
 * name]" or "[default]") of the INI text. Appends to out; 0 if found. */
static int ini_get(const struct buf *text, const char *section, int config, const char *key,
		   struct buf *out)
{
	const char *p = (const char *)text->data, *end = p + text->len;
	int in = 0;

	if (p == NULL)
		return 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *b = p, *e = le;

		p = nl ? nl + 1 : end;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (*b == '[') {
			const char *n = b + 1, *ne = memchr(b, ']', (size_t)(e - b));

			if (ne == NULL)
				continue;
			while (n < ne && *n == ' ')
				n++;
			if (config && strcmp(section, "default") != 0) {
				if ((size_t)(ne - n) < 8 || strncmp(n, "profile ", 8) != 0) {
					in = 0;
					continue;
				}
				n += 8;
				while (n < ne && *n == ' ')
					n++;
			}
			while (ne > n && ne[-1] == ' ')
				ne--;
			in = (size_t)(ne - n) == strlen(section) && strncmp(n, section, strlen(section)) == 0;
			continue;
		}
		if (!in)
			continue;
		const char *eq = memchr(b, '=', (size_t)(e - b));
		if (eq == NULL)
			continue;
		const char *ke = eq;
		while (ke > b && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		if ((size_t)(ke - b) != strlen(key) || strncmp(b, key, strlen(key)) != 0)
			continue;
		const char *v = eq + 1;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		return buf_add(out, v, (size_t)(e - v));
	}
	return 1;
}

struct files {
	struct buf creds, config;
	int have_section;
};

static void files_load(struct files *f)
{
	struct buf path = BUF_INIT;
	const char *e;

	buf_init(&f->creds, 1);
	buf_init(&f->config, 1);
	e = getenv("AWS_SHARED_CREDENTIALS_FILE");
	if (e && *e)
		buf_adds(&path, e);
	else
		home_path(".aws/credentials", &path);
	if (path.data)
		secret_file_read((char *)path.data, MAX_FILE, 0, &f->creds);
	buf_truncate(&path, 0);
	e = getenv("AWS_CONFIG_FILE");
	if (e && *e)
		buf_adds(&path, e);
	else
		home_path(".aws/config", &path);
	if (path.data)
		secret_file_read((char *)path.data, MAX_FILE, 0, &f->config);
	buf_free(&path);
}

static void files_free(struct files *f)
{
	buf_free(&f->creds);
	buf_free(&f->config);
}

/* Credentials file first, then the config file. */
static int get(struct files *f, const char *prof, const char *key, struct buf *out)
{
	if (ini_get(&f->creds, prof, 0, key, out) == 0)
		return 0;
	return ini_get(&f->config, prof, 1, key, out);
}

static int has_profile(struct files *f, const char *prof)
{
	char hdr[300], hdr2[300];

	snprintf(hdr, sizeof(hdr), "[%s]", prof);
	snprintf(hdr2, sizeof(hdr2), "[profile %s]", prof);
	return (f->creds.data && memmem(f->creds.data, f->creds.len, hdr, strlen(hdr))) ||
	       (f->config.data && (memmem(f->config.data, f->config.len, hdr2, strlen(hdr2)) ||
		(strcmp(prof, "default") == 0 &&
		 memmem(f->config.data, f->config.len, hdr, strlen(hdr)))));
}

static int process_creds(const char *cmd, struct buf *out, time_t *exp, struct sops_err *err)
{
	struct buf js = BUF_INIT_SECURE;
	int rc = 0;

	if (secret_cmd_output(cmd, MAX_FILE, &js) != 0)
		rc = err_set(err, EX_ERROR, "credential_process failed: %s", cmd);
	else if (aws_creds_from_json(&js, "SessionToken", out, exp) != 0)
		rc = err_set(err, EX_ERROR, "credential_process: invalid output of %s", cmd);
	buf_free(&js);
	return rc;
}

static int resolve(struct files *f, const char *prof, const char *region, int depth,
		   struct buf *out, time_t *exp, struct sops_err *err);

static int role_creds(struct files *f, const char *prof, const char *region, int depth,
		      const char *role, struct buf *out, time_t *exp, struct sops_err *err)
{
	struct buf src = BUF_INIT, csrc = BUF_INIT, wit = BUF_INIT, sess = BUF_INIT;
	struct buf base = BUF_INIT_SECURE;
	struct aws_creds bc = { 0 };
	char sname[80];
	time_t bexp = 0;
	int rc = -1;

	if (get(f, prof, "role_session_name", &sess) != 0) {
		sts_session_name(sname, sizeof(sname));
		buf_adds(&sess, sname);
	}
	if (get(f, prof, "web_identity_token_file", &wit) == 0) {
		rc = sts_assume_role_web_identity(region, role, (char *)sess.data,
						  (char *)wit.data, out, exp, err);
		goto out;
	}
	if (get(f, prof, "source_profile", &src) == 0) {
		if (strcmp((char *)src.data, prof) == 0) {
			/* a profile that is its own source uses its static keys */
			struct buf a = BUF_INIT_SECURE, s = BUF_INIT_SECURE, t = BUF_INIT_SECURE;

			rc = get(f, prof, "aws_access_key_id", &a) | get(f, prof, "aws_secret_access_key", &s);
			get(f, prof, "aws_session_token", &t);
			rc = rc == 0 ? aws_creds_ser(&base, (char *)a.data, a.len, (char *)s.data,
						     s.len, t.len ? (char *)t.data : NULL, t.len) : -1;
			buf_free(&a);
			buf_free(&s);
			buf_free(&t);
			if (rc != 0)
				err_set(err, EX_ERROR, "profile %s: no static keys for its own role", prof);
		} else {
			rc = resolve(f, (char *)src.data, region, depth + 1, &base, &bexp, err);
			if (rc > 0)
				rc = err_set(err, EX_ERROR, "source profile %s has no credentials",
					     (char *)src.data);
		}
	} else if (get(f, prof, "credential_source", &csrc) == 0) {
		const char *c = (char *)csrc.data;

		if (strcmp(c, "Ec2InstanceMetadata") == 0)
			rc = aws_imds_creds(&base, &bexp, err);
		else if (strcmp(c, "EcsContainer") == 0)
			rc = aws_container_creds(&base, &bexp, err);
		else if (strcmp(c, "Environment") == 0)
			rc = aws_creds_resolve("", region, &bc, err) == 0 ?
				aws_creds_ser(&base, bc.akid, strlen(bc.akid), bc.secret,
					      strlen(bc.secret), bc.token,
					      bc.token ? strlen(bc.token) : 0) : -1;
		else
			rc = err_set(err, EX_ERROR, "profile %s: unknown credential_source %s", prof, c);
		if (rc > 0)
			rc = err_set(err, EX_ERROR, "profile %s: credential_source %s unavailable", prof, c);
	} else {
		rc = err_set(err, EX_ERROR, "profile %s: role_arn needs source_profile, "
			     "credential_source or web_identity_token_file", prof);
	}
	aws_creds_free(&bc);
	if (rc == 0 && aws_creds_parse(&base, &bc) == 0) {
		rc = sts_assume_role(region, role, (char *)sess.data, &bc, out, exp, err);
		aws_creds_free(&bc);
	} else if (rc == 0) {
		rc = err_set(err, EX_ERROR, "profile %s: malformed source credentials", prof);
	}
out:
	buf_free(&src);
	buf_free(&csrc);
	buf_free(&wit);
	buf_free(&sess);
	buf_free(&base);
	return rc;
}

static int resolve(struct files *f, const char *prof, const char *region, int depth,
		   struct buf *out, time_t *exp, struct sops_err *err)
{
	struct buf a = BUF_INIT_SECURE, s = BUF_INIT_SECURE, t = BUF_INIT_SECURE;
	struct buf role = BUF_INIT, proc = BUF_INIT;
	int rc = 1;

	if (depth > MAX_DEPTH)
		return err_set(err, EX_ERROR, "profile %s: source_profile chain too deep", prof);
	*exp = 0;
	if (get(f, prof, "role_arn", &role) == 0 && role.len > 0) {
		rc = role_creds(f, prof, region, depth, (char *)role.data, out, exp, err);
	} else if (get(f, prof, "aws_access_key_id", &a) == 0 &&
		   get(f, prof, "aws_secret_access_key", &s) == 0) {
		get(f, prof, "aws_session_token", &t);
		rc = aws_creds_ser(out, (char *)a.data, a.len, (char *)s.data, s.len,
				   t.len ? (char *)t.data : NULL, t.len) == 0 ? 0 :
			err_set(err, EX_ERROR, "profile %s: malformed static credentials", prof);
	} else if (get(f, prof, "credential_process", &proc) == 0) {
		rc = process_creds((char *)proc.data, out, exp, err);
	}
	buf_free(&a);
	buf_free(&s);
	buf_free(&t);
	buf_free(&role);
	buf_free(&proc);
	return rc;
}

int aws_profile_creds(const char *profile, const char *region, int explicit_profile,
		      struct buf *out, time_t *exp, struct sops_err *err)
{
	struct files f;
	int rc;

	files_load(&f);
	if (!has_profile(&f, profile)) {
		files_free(&f);
		if (explicit_profile)
			return err_set(err, EX_ERROR, "failed to get shared config profile, %s",
				       profile);
		return 1;
	}
	rc = resolve(&f, profile, region, 0, out, exp, err);
	files_free(&f);
	return rc;
}
