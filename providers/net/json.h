/* json.h - minimal JSON reading/writing for secret-bearing messages.
 *
 * Jansson copies strings into ordinary heap memory, which is wrong for
 * bodies that carry plaintext data keys or tokens. These helpers scan a
 * JSON text in place and copy only the requested value into the caller's
 * buffer (use a secure buffer for secrets). Non-secret messages may use
 * jansson directly.
 */
#ifndef SOPSFS_NET_JSON_H
#define SOPSFS_NET_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "../../common/buf.h"

/* Find the value at a dotted path of object members ("Plaintext",
 * "data.plaintext", "credential.access") in the JSON text js[0..len).
 * Strings: the unescaped string is appended to out. Numbers, true/false:
 * their text is appended. Objects/arrays: -1. Returns 0 if found, 1 if
 * absent (or null), -1 if the text is not valid JSON or the value is not a
 * scalar. */
int njson_get(const uint8_t *js, size_t len, const char *path, struct buf *out);

/* Same, the value as a long long (number or numeric string). */
int njson_get_ll(const uint8_t *js, size_t len, const char *path, long long *out);

/* Append s[0..n) as a JSON string literal (quotes and escapes) to out. */
int njson_add_str(struct buf *out, const char *s, size_t n);

#endif
