/* b64.h - base64 variants used by sops and age (RFC 4648), decoded exactly
 * like Go's encoding/base64.
 *
 * B64_STD        standard alphabet, '=' padding: Go StdEncoding.DecodeString
 *                (sops ENC fields). CR/LF are skipped, non-zero unused
 *                trailing bits are accepted (as Go does).
 * B64_RAW        standard alphabet, no padding, canonical: age's
 *                format.DecodeString (RawStdEncoding.Strict(), CR/LF rejected).
 * B64_URL_RAW    URL-safe alphabet, no padding: Go RawURLEncoding (Azure Key
 *                Vault enc); CR/LF skipped, not strict.
 * B64_STD_STRICT like B64_STD but the unused bits must be zero: Go
 *                StdEncoding.Strict() (age armor lines).
 * Decoders reject characters outside the alphabet and wrong padding.
 */
#ifndef SOPSFS_B64_H
#define SOPSFS_B64_H

#include <stddef.h>
#include <stdint.h>
#include "../common/buf.h"

enum b64_variant { B64_STD, B64_RAW, B64_URL_RAW, B64_STD_STRICT };

/* Append the encoding of in[0..n) to out. Returns 0 or -1 (OOM). */
int b64_encode(enum b64_variant v, const uint8_t *in, size_t n, struct buf *out);
/* Append the decoded bytes to out. Returns 0, or -1 if the input is not valid
 * for the variant (out is then truncated back to its old length). */
int b64_decode(enum b64_variant v, const char *in, size_t n, struct buf *out);
/* Same, and on failure *bad receives the offset Go reports in
 * "illegal base64 data at input byte N" (bad may be NULL). */
int b64_decode_pos(enum b64_variant v, const char *in, size_t n, struct buf *out,
		   size_t *bad);
/* Length of the encoding of n bytes. */
size_t b64_encoded_len(enum b64_variant v, size_t n);

#endif
