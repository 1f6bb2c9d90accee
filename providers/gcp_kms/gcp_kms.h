/* gcp_kms.h - GCP Cloud KMS master keys (metadata list "gcp_kms").
 *
 * Entry fields (sorted as sops 3.13 writes them): created_at, enc (std
 * base64 ciphertext as returned by the REST API), resource_id.
 * Recipient string for wrap(): the resource id
 * "projects/P/locations/L/keyRings/R/cryptoKeys/K" (spaces removed).
 */
#ifndef SOPSFS_GCP_KMS_H
#define SOPSFS_GCP_KMS_H

#include "../provider.h"

extern const struct provider gcp_kms_provider;

#endif
