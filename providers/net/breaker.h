/* breaker.h - per-service circuit breaker used by http.c (internal).
 *
 * Keyed by origin ("https://host:port"). After a transport failure the
 * origin is "open" for net_config.breaker_ms: breaker_check fails at once
 * with the remembered message. Then one request is let through as a probe
 * (half-open) while the others still fail at once; its success closes the
 * breaker, its failure opens it again. Every request that passed
 * breaker_check ends in breaker_ok or breaker_trip.
 */
#ifndef SOPSFS_NET_BREAKER_H
#define SOPSFS_NET_BREAKER_H

#include "../../common/err.h"

/* 0 = go ahead; -1 = open (err filled with the last error). */
int breaker_check(const char *origin, struct sops_err *err);
void breaker_trip(const char *origin, const char *msg);
void breaker_ok(const char *origin);

#endif
