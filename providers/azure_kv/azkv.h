/* azkv.h - internals of the "azure_kv" provider (Azure Key Vault), shared
 * by its files: azkv_provider.c (entries, vault calls), azkv_cred.c (the
 * DefaultAzureCredential-like chain), azkv_cert.c (client certificate
 * assertions), azkv_cli.c (the Azure CLI's token). */
#ifndef SOPSFS_AZKV_H
#define SOPSFS_AZKV_H

#include <time.h>
#include "../../common/buf.h"
#include "../../common/err.h"

/* Check a vault_url ("https://host[:port]", nothing else; the host on an
 * Azure Key Vault domain or in SOPSFS_AZURE_KV_ALLOW) and pick the token
 * scope of its cloud. -1 with an error when the URL is refused. */
int azkv_vault_scope(const char *url, const char **scope, struct sops_err *err);

/* An access token for scope ("https://vault.azure.net/.default") into the
 * secure buffer tok, from the cache or the credential chain. Errors name
 * every credential tried. */
int azkv_token(const char *scope, struct buf *tok, struct sops_err *err);
/* Forget the cached token for scope (after a 401). */
void azkv_token_forget(const char *scope);

/* A client assertion (RS256 JWT, x5t header) for client_id and audience
 * aud, signed with the private key of the certificate file at path (PEM
 * with certificate and key, or PKCS#12 with password pass, may be NULL).
 * Appended to the secure buffer out. */
int azkv_cert_assertion(const char *path, const char *pass, const char *client_id,
			const char *aud, struct buf *out, struct sops_err *err);

/* `az account get-access-token --output json --resource <resource>
 * [--tenant T]`: the token into tok, its expiry into *expires. Returns 0,
 * 1 when az is not on PATH, -1 on failure (err says why). */
int azkv_cli_token(const char *resource, const char *tenant, struct buf *tok,
		   time_t *expires, struct sops_err *err);

#endif
