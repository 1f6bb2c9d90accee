/* aws_creds.h - the AWS credential chain (SDK v2 order), STS calls and
 * endpoints, internal to the AWS KMS provider.
 *
 * Order: the entry's aws_profile (if set) -> environment keys
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN]) -> web
 * identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN) -> the profile
 * (AWS_PROFILE or "default") in the shared files (static keys,
 * role_arn + source_profile, web_identity_token_file, credential_process)
 * -> container credentials -> EC2 IMDSv2. Results are cached (locked
 * memory) until shortly before they expire.
 */
#ifndef SOPSFS_AWS_CREDS_H
#define SOPSFS_AWS_CREDS_H

#include <time.h>
#include "sigv4.h"
#include "../../common/buf.h"

/* Resolve credentials for profile (NULL/"" = none given in the entry).
 * region is the key's region (for STS). On failure the message names
 * every source tried. */
int aws_creds_resolve(const char *profile, const char *region, struct aws_creds *out,
		      struct sops_err *err);

/* Credentials for role_arn assumed with base (STS AssumeRole, session
 * name "sops@<hostname>"), cached per role and base key id. */
int aws_creds_assume(const char *role_arn, const char *region, const struct aws_creds *base,
		     struct aws_creds *out, struct sops_err *err);

/* Drop the cached credentials of profile (and of role), after the service
 * rejected them. */
void aws_creds_forget(const char *profile, const char *role, const char *region);

/* Serialise / parse "akid\nsecret\ntoken" (token may be empty) in locked
 * memory, the cache's format. */
int aws_creds_ser(struct buf *out, const char *akid, size_t al, const char *sk, size_t sl,
		  const char *tok, size_t tl);
int aws_creds_parse(const struct buf *in, struct aws_creds *out);

/* Endpoint for service ("kms", "sts") in region: AWS_ENDPOINT_URL_<SVC>,
 * else AWS_ENDPOINT_URL, else https://<svc>.<region>.amazonaws.com[.cn]/.
 * Always ends with "/". */
int aws_endpoint(const char *service, const char *region, struct buf *out);

/* AWS_CA_BUNDLE (the SDK's own CA bundle variable) or NULL. */
const char *aws_ca_bundle(void);

/* STS (aws_sts.c). */
int sts_assume_role(const char *region, const char *role_arn, const char *session,
		    const struct aws_creds *base, struct buf *out, time_t *exp,
		    struct sops_err *err);
int sts_assume_role_web_identity(const char *region, const char *role_arn,
				 const char *session, const char *token_file,
				 struct buf *out, time_t *exp, struct sops_err *err);
/* sops' session name: "sops@" + sanitised hostname, at most 64 bytes. */
int sts_session_name(char *out, size_t n);

/* Shared config files (aws_profile.c): resolve one profile's credentials
 * (static keys, role chain, web identity, credential_process). Returns 1
 * if the profile holds no credentials at all (so the chain goes on). */
int aws_profile_creds(const char *profile, const char *region, int explicit_profile,
		      struct buf *out, time_t *exp, struct sops_err *err);

/* Container credentials and IMDSv2 (aws_imds.c). 1 = not configured. */
int aws_container_creds(struct buf *out, time_t *exp, struct sops_err *err);
int aws_imds_creds(struct buf *out, time_t *exp, struct sops_err *err);

/* Helpers (aws_sts.c): the text of <tag>...</tag> in an XML body; an
 * ISO 8601 UTC time. */
int aws_xml_get(const struct buf *xml, const char *tag, struct buf *out);
time_t aws_parse_time(const char *s);
/* Credentials JSON of IMDS / container / credential_process. */
int aws_creds_from_json(const struct buf *js, const char *token_field, struct buf *out,
			time_t *exp);

#endif
