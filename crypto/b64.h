/* b64.h - base64 variants used by sops and age (RFC 4648).
 *
 * std   = standard alphabet with '=' padding (sops ENC fields, age armor).
 * raw   = standard alphabet, no padding (age stanza args and bodies).
 * url   = URL-safe alphabet, no padding (Azure Key Vault enc).
 * Decoders are strict: they reject characters outside the alphabet, wrong
 * padding and non-canonical trailing bits (as Go's encoding/base64 Strict
 * would for raw; std accepts what Go's StdEncoding.DecodeString accepts).
 */
#ifndef SOPSFS_B64_H
#define SOPSFS_B64_H

#include <stddef.h>
#include <stdint.h>
#include "../common/buf.h"

enum b64_variant { B64_STD, B64_RAW, B64_URL_RAW };

/* Append the encoding of in[0..n) to out. Returns 0 or -1 (OOM). */
int b64_encode(enum b64_variant v, const uint8_t *in, size_t n, struct buf *out);
/* Append the decoded bytes to out. Returns 0, or -1 if the input is not valid
 * for the variant (out is then truncated back to its old length). */
int b64_decode(enum b64_variant v, const char *in, size_t n, struct buf *out);
/* Length of the encoding of n bytes. */
size_t b64_encoded_len(enum b64_variant v, size_t n);

#endif
