/* cred_cache.h - process-wide cache of credentials (tokens, temporary keys).
 *
 * Entries are keyed by a string chosen by the provider ("aws:role:<arn>",
 * "gcp:sa:<email>", "azure:<tenant>:<client>"...). Values are opaque bytes
 * (often a small JSON or "AKID\nSECRET\nTOKEN") kept in locked memory and
 * wiped when replaced or dropped; never logged.
 *
 * cred_get returns a copy of the cached value if it is still valid for at
 * least the refresh margin (5 minutes, or a quarter of its lifetime when
 * shorter); otherwise it calls fetch once - concurrent callers of the same
 * key wait for that one fetch instead of each asking the service. A failed
 * fetch is remembered for net_config.breaker_ms: callers during that window
 * get the same error without a new attempt.
 */
#ifndef SOPSFS_NET_CRED_CACHE_H
#define SOPSFS_NET_CRED_CACHE_H

#include <time.h>
#include "../../common/buf.h"
#include "../../common/err.h"

/* Fetch a fresh value into out (a secure buffer) and set *expires (0 =
 * never expires, otherwise a time(NULL)-based deadline). */
typedef int (*cred_fetch_fn)(void *ctx, struct buf *out, time_t *expires,
			     struct sops_err *err);

/* out must be a secure buffer (BUF_INIT_SECURE); the value is appended. */
int cred_get(const char *key, cred_fetch_fn fetch, void *ctx, struct buf *out,
	     struct sops_err *err);

/* Drop one entry (e.g. after the service answered 401/403 with it). */
void cred_forget(const char *key);
/* Drop every entry whose key starts with prefix. */
void cred_forget_prefix(const char *prefix);
/* Drop everything (wiped). */
void cred_clear(void);

#endif
