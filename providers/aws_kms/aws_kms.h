/* aws_kms.h - AWS KMS master keys (metadata list "kms").
 *
 * Entry fields (sops 3.13 writes them sorted): arn, aws_profile (always,
 * "" if none), context (map, keys sorted, omitted if empty; read/written
 * through master_key fields named "context.<key>"), created_at (RFC 3339,
 * UTC, seconds), enc (std base64 of the CiphertextBlob), role (omitted if
 * empty).
 *
 * Recipient string accepted by wrap() (what the CLI --kms/SOPS_KMS_ARN and
 * .sops.yaml code passes), the same shape as sops' MasterKey.ToString():
 *     ARN[+ROLE_ARN][|CONTEXT[|AWS_PROFILE]]
 * CONTEXT = "k1:v1,k2:v2" (as --encryption-context; may be empty when only
 * a profile is given: "ARN||profile"). Spaces in the ARN part are removed
 * and the role is split at "+arn:" like sops' NewMasterKeyFromArn.
 */
#ifndef SOPSFS_AWS_KMS_H
#define SOPSFS_AWS_KMS_H

#include "../provider.h"

extern const struct provider aws_kms_provider;

#endif
