/* svc_util.h - small helpers shared by the Azure Key Vault, Vault transit
 * and HuaweiCloud KMS providers: created_at stamps, reading a small secret
 * file into locked memory, and the service's error message out of a
 * (non-secret) JSON error body. */
#ifndef SOPSFS_SVC_UTIL_H
#define SOPSFS_SVC_UTIL_H

#include <stddef.h>
#include "../../common/buf.h"
#include "../../common/err.h"

/* The current UTC time as RFC 3339 ("2006-01-02T15:04:05Z"), as sops
 * writes created_at. out must hold 32 bytes. */
void svc_created_now(char out[32]);

/* Read a whole small file (at most max bytes) into the secure buffer out,
 * trimming surrounding ASCII whitespace (tokens, keys). Returns 0, 1 if the
 * file does not exist, -1 on another error (errno kept). */
int svc_read_secret_file(const char *path, size_t max, struct buf *out);
/* The same without trimming (binary files: PKCS#12). */
int svc_read_secret_raw(const char *path, size_t max, struct buf *out);

/* The text at the first of the dotted JSON paths (NULL-terminated list)
 * that holds a string in body, or, for an array of strings, those strings
 * joined with "; ". Control characters become spaces; at most 300 bytes.
 * Appends to out; returns 0 if something was found, else 1. The body must
 * not hold secrets (error answers only). */
int svc_json_error(const struct buf *body, const char *const *paths, struct buf *out);

/* "$HOME/<rel>" into out (heap). -1 when HOME is unset. */
int svc_home_path(const char *rel, struct buf *out);

#endif
