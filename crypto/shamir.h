/* shamir.h - Shamir secret sharing over GF(2^8) exactly as sops uses it
 * (hashicorp/vault shamir): field polynomial x^8+x^4+x^3+x+1 (0x11B),
 * a share is len(secret)+1 bytes: y_1..y_n followed by x as the LAST byte.
 * Since sops 3.10 x = group index + 1; decoders read x from the last byte.
 */
#ifndef SOPSFS_SHAMIR_H
#define SOPSFS_SHAMIR_H

#include <stddef.h>
#include <stdint.h>
#include "../common/err.h"

/* Split secret (len bytes) into parts shares with threshold t (2 <= t <= parts
 * <= 255). shares[i] must each hold len+1 bytes; share i gets x = i+1.
 * Returns 0 or -1 with a message. */
int shamir_split(const uint8_t *secret, size_t len, int parts, int threshold,
		 uint8_t **shares, struct sops_err *err);

/* Combine n >= 2 shares of share_len bytes each (share_len >= 2) into
 * secret (share_len-1 bytes). Errors: "less than two parts cannot be used to
 * reconstruct the secret", "all parts must be the same length",
 * "duplicate part detected". */
int shamir_combine(const uint8_t *const *shares, size_t n, size_t share_len,
		   uint8_t *secret, struct sops_err *err);

#endif
