/* sigv4.h - AWS Signature Version 4 for the JSON/query APIs we call (KMS,
 * STS): computed with OpenSSL HMAC-SHA256 over the canonical request. */
#ifndef SOPSFS_AWS_SIGV4_H
#define SOPSFS_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "../../common/err.h"

/* Credentials (all strings in locked memory, owned by the holder). */
struct aws_creds {
	char *akid;
	char *secret;
	char *token;      /* session token or NULL */
};

/* The values to sign one POST to path "/" (no query) of url. */
struct sigv4_in {
	const char *url;           /* https://host[:port]/ */
	const char *region;
	const char *service;       /* "kms", "sts" */
	const char *content_type;
	const char *target;        /* X-Amz-Target or NULL */
	const uint8_t *body;
	size_t body_len;
	time_t now;                /* 0 = time(NULL) */
};

/* Build the header lines of one signed request: Host, Content-Type,
 * X-Amz-Date, [X-Amz-Target], [X-Amz-Security-Token], Authorization. The
 * array is malloc'ed, strings are sm_strndup'ed (free with
 * net_headers_free). */
int sigv4_headers(const struct sigv4_in *in, const struct aws_creds *c, char ***out,
		  size_t *nout, struct sops_err *err);

/* Free the strings of c (sm_free) and clear it. */
void aws_creds_free(struct aws_creds *c);

#endif
