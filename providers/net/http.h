/* http.h - the one HTTP client of the key-service providers (libcurl).
 *
 * One call = one logical request: method, URL, headers, body -> status and
 * body, with retries, timeout, TLS verification and a per-host circuit
 * breaker applied here so every provider behaves the same way.
 *
 * Rules (shared by every network provider, AWS/GCP/Azure/Vault/Huawei):
 * - curl_global_init runs lazily, once, thread-safe, on the first call of
 *   net_request (never at start-up: an age-only decrypt never touches curl).
 * - TLS is always verified (peer and host name). CA bundle: the per-call
 *   ca_file / ca_path if given (VAULT_CACERT / VAULT_CAPATH), else
 *   CURL_CA_BUNDLE, else SSL_CERT_FILE (and SSL_CERT_DIR), else the system
 *   default. Redirects are never followed. Only https:// URLs are accepted
 *   unless req->allow_http (metadata services on link-local / loopback,
 *   Vault dev servers: the provider decides, not the file).
 * - Timeout: every attempt is bounded by net_config.timeout_ms (mount
 *   option kms_timeout=, else the SOPSFS_KMS_TIMEOUT environment variable,
 *   default 10 s), unless req->timeout_ms > 0.
 * - Retries: on connection errors, timeouts, HTTP 429, 5xx, and 400 bodies
 *   naming throttling (ThrottlingException, TooManyRequests,
 *   RequestLimitExceeded, Throttling, SlowDown), up to net_config.retries
 *   more attempts with exponential backoff + full jitter (base 100 ms,
 *   capped at 2 s). A timeout is not retried (a hung service costs one
 *   timeout, not several). Requests are rebuilt by the caller's sign hook
 *   before each attempt when req->sign is set (fresh SigV4 dates).
 * - Circuit breaker, keyed by scheme://host:port: when a request to a host
 *   ends in a transport failure (connection error, timeout, 5xx or
 *   throttling after the retries), further requests to that host within
 *   net_config.breaker_ms fail at once with the last error
 *   ("... (not retried: the service failed N ms ago)"); after that one
 *   request probes the service while the others still fail fast. An HTTP
 *   answer below 500 closes it.
 *   4xx answers (bad key, bad auth) never trip it. req->no_breaker skips it.
 * - Secrets: header values (Authorization, X-Vault-Token, tokens...) and
 *   request bodies may hold secrets and are never logged. The response body
 *   goes to a secure buffer (locked memory, wiped on free) when
 *   req->secret_response is set: set it whenever the answer may carry key
 *   material or a credential (Decrypt, token endpoints). Error messages
 *   built here name the method, host and status only, never bodies.
 *
 * Thread-safe: many threads may call net_request at once (the mount unwraps
 * in parallel).
 */
#ifndef SOPSFS_NET_HTTP_H
#define SOPSFS_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "../../common/buf.h"
#include "../../common/err.h"

/* Global settings (set once at start-up, before requests; read at each
 * request). Defaults: timeout_ms 10000, retries 3, breaker_ms 5000. */
struct net_config {
	int timeout_ms;   /* per attempt, connect included */
	int retries;      /* extra attempts after the first */
	int breaker_ms;   /* how long a failed host is not asked again */
	int verbose;      /* >0: log one line per attempt (method, host, status,
			   * ms) to stderr; never headers or bodies */
	int timeout_set;  /* timeout_ms set by an option: SOPSFS_KMS_TIMEOUT
			   * (read at the first request) does not override it */
};
extern struct net_config net_config;

/* Fill net_config.timeout_ms from a "kms_timeout=" value: seconds, with
 * optional "ms" or "s" suffix ("10", "2.5", "500ms"). 0 or -1 on error. */
int net_parse_timeout(const char *s, int *ms_out);

struct net_request;
/* Called before every attempt (first one included) to (re)compute headers
 * that depend on the time, e.g. AWS SigV4. It fills *extra with a malloc'ed
 * array of "Name: value" lines, each allocated with sm_strndup (locked);
 * net_request frees them with net_headers_free after the attempt. */
typedef int (*net_sign_fn)(const struct net_request *req, void *ctx,
			   char ***extra, size_t *nextra, struct sops_err *err);

struct net_request {
	const char *method;            /* "GET", "POST", "PUT" */
	const char *url;
	const char *const *headers;    /* "Name: value" strings, may be NULL;
				        * count in nheaders */
	size_t nheaders;
	const uint8_t *body;           /* may be NULL (no body) */
	size_t body_len;
	const char *ca_file;           /* replaces the CA bundle for this call */
	const char *ca_path;           /* CA directory for this call */
	int allow_http;                /* accept http:// (see rules above) */
	int secret_response;           /* response body into locked memory */
	int timeout_ms;                /* >0: overrides net_config.timeout_ms */
	int retries;                   /* <0: no retries; 0: net_config.retries */
	int no_breaker;                /* neither check nor trip the breaker */
	net_sign_fn sign;              /* optional per-attempt header hook */
	void *sign_ctx;
};

struct net_response {
	long status;          /* HTTP status of the last attempt (0: none) */
	struct buf body;      /* secure when req->secret_response */
};

/* Perform the request. Returns 0 when an HTTP answer arrived (any status:
 * the caller interprets 4xx bodies), -1 on transport failure, refused URL,
 * open breaker or exhausted retries on 429/5xx (err: EX_NO_DATA_KEY-free
 * generic code EX_ERROR; message like "POST kms.eu-west-1.amazonaws.com:
 * request timed out after 10000 ms"). On -1 resp->status may still hold
 * the last status (5xx/429) and resp->body its body.
 * resp must be zero-initialised by the caller; free with
 * net_response_free in every case. */
int net_request(const struct net_request *req, struct net_response *resp,
		struct sops_err *err);
void net_response_free(struct net_response *resp);

/* "scheme://host:port" of url into out (heap buffer, for breaker keys and
 * messages). -1 if the URL cannot be parsed. */
int net_url_origin(const char *url, struct buf *out);
/* Host name of url (no port) into out. */
int net_url_host(const char *url, struct buf *out);

/* Percent-encode s for a URL query / form value (RFC 3986 unreserved
 * characters kept). Appends to out. */
int net_urlencode(struct buf *out, const char *s, size_t len);

/* Free a header list made by a sign hook (strings with sm_free, the array
 * with free). */
void net_headers_free(char **h, size_t n);

/* Reset every breaker (tests, SIGHUP). */
void net_breaker_reset(void);

#endif
