/* kms_opts.h - the mount options of the key services: kms_parallel=N,
 * kms_timeout=SECONDS, prefetch=on|off, checked and applied (the network
 * layer's timeout, the prefetch pool size). */
#ifndef SOPSFS_KMS_OPTS_H
#define SOPSFS_KMS_OPTS_H

#include "../fuse/sopsfs.h"

/* Values as given (NULL/0 = default). Prints the problem and returns -1
 * on a bad value. */
int kms_opts_apply(struct sopsfs *fs, unsigned parallel, const char *timeout,
		   const char *prefetch);

/* Start / stop the prefetch pool (after daemonising; before the key cache
 * is freed). */
int kms_start(struct sopsfs *fs);
void kms_stop(struct sopsfs *fs);

#endif
