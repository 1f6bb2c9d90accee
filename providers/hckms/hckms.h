/* hckms.h - internals of the "hckms" provider (HuaweiCloud KMS): AK/SK
 * credentials (hckms_cred.c) and request signing (hckms_auth.c), used by
 * hckms_provider.c. */
#ifndef SOPSFS_HCKMS_H
#define SOPSFS_HCKMS_H

#include "../../common/buf.h"
#include "../../common/err.h"
#include "../net/http.h"

/* Credentials in locked memory (free with hckms_cred_free). */
struct hckms_cred {
	char *ak;
	char *sk;
	char *token;        /* security token of temporary AK/SK, or NULL */
	char *project_id;   /* or NULL: looked up through IAM per region */
};

/* The SDK's basic chain (hckms_cred.c): HUAWEICLOUD_SDK_AK / _SK
 * (+ _SECURITY_TOKEN, _PROJECT_ID), else the [basic] section of
 * ~/.huaweicloud/credentials (HUAWEICLOUD_SDK_CREDENTIALS_FILE overrides the
 * path), else the ECS metadata service. The error names all three when none
 * has keys. */
int hckms_cred_load(struct hckms_cred *c, struct sops_err *err);
void hckms_cred_free(struct hckms_cred *c);

/* Per-request signing context for net_request's sign hook. */
struct hckms_sign_ctx {
	const struct hckms_cred *cred;
	const char *host;         /* Host header value: host[:port] */
	const char *path;         /* URL path, e.g. /v1.0/<pid>/kms/encrypt-data */
	const char *query;        /* canonical query string ("" if none) */
	int project_header;       /* send and sign X-Project-Id */
};

/* net_sign_fn: X-Sdk-Date, Host, X-Project-Id, X-Security-Token and
 * Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=...,
 * Signature=hex(HMAC-SHA256(SK, string to sign)). */
int hckms_sign(const struct net_request *req, void *ctx, char ***extra, size_t *nextra,
	       struct sops_err *err);

/* The canonical request's parts for given inputs (exposed for the unit
 * test): appends hex(HMAC-SHA256(sk, "SDK-HMAC-SHA256\n" date "\n"
 * hex(SHA256(canonical request)))) to sig. */
int hckms_signature(const char *sk, const char *method, const char *path, const char *query,
		    const char *const *hnames, const char *const *hvalues, size_t nh,
		    const uint8_t *body, size_t body_len, const char *date, struct buf *sig);

#endif
