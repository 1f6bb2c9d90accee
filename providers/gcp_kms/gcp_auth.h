/* gcp_auth.h - Google access tokens for the GCP KMS provider.
 *
 * Order (sops' newKMSClient, then Application Default Credentials):
 * GOOGLE_CREDENTIALS (a path to, or the content of, a credentials JSON),
 * GOOGLE_OAUTH_ACCESS_TOKEN (a bearer token as is),
 * GOOGLE_APPLICATION_CREDENTIALS, gcloud's
 * application_default_credentials.json (CLOUDSDK_CONFIG or
 * ~/.config/gcloud), the metadata server (GCE_METADATA_HOST).
 * Credentials JSON: "service_account" (RS256 JWT assertion to its
 * token_uri) or "authorized_user" (refresh token). Tokens are cached in
 * locked memory until shortly before expiry.
 */
#ifndef SOPSFS_GCP_AUTH_H
#define SOPSFS_GCP_AUTH_H

#include "../../common/buf.h"
#include "../../common/err.h"

/* Append "Authorization: Bearer <token>" to out (secure buffer). */
int gcp_auth_header(struct buf *out, struct sops_err *err);

/* Drop cached tokens (after a 401). */
void gcp_auth_forget(void);

#endif
