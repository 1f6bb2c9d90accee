/* aws_kms_int.h - internals of the AWS KMS provider shared by its files. */
#ifndef SOPSFS_AWS_KMS_INT_H
#define SOPSFS_AWS_KMS_INT_H

#include "aws_kms.h"

#define AWS_MAX_CTX 8

/* One KMS key as the provider uses it (heap strings, none secret). */
struct aws_target {
	char *arn;
	char *role;        /* NULL if none */
	char *profile;     /* NULL if none */
	char region[64];
	char *ctx_k[AWS_MAX_CTX];
	char *ctx_v[AWS_MAX_CTX];
	size_t nctx;       /* sorted by key */
};

/* The region of a KMS ARN (sops' arnRegex), checked to be a host label. */
int aws_arn_region(const char *arn, char *region, size_t n, struct sops_err *err);
int aws_target_from_recipient(const char *rcp, struct aws_target *t, struct sops_err *err);
int aws_target_from_entry(const struct master_key *mk, struct aws_target *t,
			  struct sops_err *err);
void aws_target_free(struct aws_target *t);

#endif
