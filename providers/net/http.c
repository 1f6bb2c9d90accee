/* http.c - one HTTP request through libcurl with TLS verification, timeout,
 * retries with backoff and jitter, and the per-host circuit breaker (see
 * http.h for the rules). */
#include "http.h"
#include "breaker.h"
#include "../../common/secure_mem.h"
#include "../../common/may_block.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct net_config net_config = { 10000, 3, 5000, 0, 0 };

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;
static pthread_key_t handle_key;

static void handle_destroy(void *h)
{
	curl_easy_cleanup(h);
}

static void global_init(void)
{
	const char *t = getenv("SOPSFS_KMS_TIMEOUT");
	int ms;

	/* the CLI's kms timeout (the mount sets net_config from -o kms_timeout=) */
	if (t != NULL && *t != '\0' && !net_config.timeout_set && net_parse_timeout(t, &ms) == 0)
		net_config.timeout_ms = ms;
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (init_rc == CURLE_OK && pthread_key_create(&handle_key, handle_destroy) != 0)
		init_rc = CURLE_FAILED_INIT;
}

/* One easy handle per thread, so connections (and TLS sessions) to a
 * service are reused across requests of the same worker thread. */
static CURL *thread_handle(void)
{
	CURL *h = pthread_getspecific(handle_key);

	if (h == NULL) {
		h = curl_easy_init();
		if (h != NULL && pthread_setspecific(handle_key, h) != 0) {
			curl_easy_cleanup(h);
			h = NULL;
		}
	} else {
		curl_easy_reset(h);
	}
	return h;
}

int net_parse_timeout(const char *s, int *ms_out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v <= 0 || v > 3600)
		return -1;
	if (strcmp(end, "ms") == 0)
		*ms_out = (int)v;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		*ms_out = (int)(v * 1000);
	else
		return -1;
	return *ms_out > 0 ? 0 : -1;
}

void net_headers_free(char **h, size_t n)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		sm_free(h[i]);
	free(h);
}

void net_response_free(struct net_response *resp)
{
	buf_free(&resp->body);
	resp->status = 0;
}

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	struct buf *b = ud;

	if (buf_add(b, p, sz * n) != 0)
		return 0;
	return sz * n;
}

/* Header lists are copied by curl into ordinary heap: wipe before free. */
static void slist_wipe_free(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static int add_header(struct curl_slist **l, const char *h)
{
	struct curl_slist *n = curl_slist_append(*l, h);

	if (n == NULL)
		return -1;
	*l = n;
	return 0;
}

static void set_ca(CURL *h, const struct net_request *req)
{
	const char *f = getenv("CURL_CA_BUNDLE");
	const char *d = getenv("SSL_CERT_DIR");

	if (req->ca_file != NULL || req->ca_path != NULL) {
		if (req->ca_file != NULL)
			curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
		if (req->ca_path != NULL)
			curl_easy_setopt(h, CURLOPT_CAPATH, req->ca_path);
		return;
	}
	if (f == NULL || *f == '\0')
		f = getenv("SSL_CERT_FILE");
	if (f != NULL && *f != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, f);
	if (d != NULL && *d != '\0')
		curl_easy_setopt(h, CURLOPT_CAPATH, d);
}

static int setup(CURL *h, const struct net_request *req, struct curl_slist *hdrs,
		 struct buf *body, char *errbuf, int timeout)
{
	CURLcode c = CURLE_OK;

	c |= curl_easy_setopt(h, CURLOPT_URL, req->url);
	c |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, req->allow_http ? "http,https" : "https");
	c |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	c |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	c |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	c |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	c |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout);
	c |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout);
	c |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	c |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	c |= curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	c |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	c |= curl_easy_setopt(h, CURLOPT_USERAGENT, "sopsfs");
	/* No proxy from the environment for loopback/link-local metadata. */
	c |= curl_easy_setopt(h, CURLOPT_NOPROXY, "127.0.0.1,localhost,169.254.169.254,[::1]");
	if (req->body != NULL) {
		c |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)req->body);
		c |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	}
	if (strcmp(req->method, "GET") == 0 && req->body == NULL)
		c |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else if (strcmp(req->method, "POST") != 0)
		c |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	set_ca(h, req);
	return c == CURLE_OK ? 0 : -1;
}

static int is_throttle_body(const struct buf *b)
{
	static const char *const words[] = {
		"Throttling", "TooManyRequests", "RequestLimitExceeded", "SlowDown",
		"RESOURCE_EXHAUSTED",
	};

	if (b->data == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (memmem(b->data, b->len, words[i], strlen(words[i])) != NULL)
			return 1;
	return 0;
}

enum outcome { OUT_DONE, OUT_RETRY, OUT_FAIL_FINAL };

/* One attempt. Classifies the result; fills msg on failure. */
static enum outcome attempt(const struct net_request *req, struct net_response *resp,
			    int timeout, char *msg, size_t msgsz, struct sops_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	char **extra = NULL;
	size_t nextra = 0;
	CURL *h = thread_handle();
	CURLcode c;
	enum outcome out = OUT_FAIL_FINAL;

	buf_free(&resp->body);
	resp->body.secure = req->secret_response;
	resp->status = 0;
	if (h == NULL) {
		snprintf(msg, msgsz, "%s %s: cannot create an HTTP client", req->method, req->url);
		return OUT_FAIL_FINAL;
	}
	if (req->sign != NULL && req->sign(req, req->sign_ctx, &extra, &nextra, err) != 0) {
		snprintf(msg, msgsz, "%.700s", err->msg);
		return OUT_FAIL_FINAL;
	}
	for (size_t i = 0; i < req->nheaders; i++)
		if (add_header(&hdrs, req->headers[i]) != 0)
			goto done;
	for (size_t i = 0; i < nextra; i++)
		if (add_header(&hdrs, extra[i]) != 0)
			goto done;
	if (add_header(&hdrs, "Expect:") != 0)
		goto done;
	if (setup(h, req, hdrs, &resp->body, errbuf, timeout) != 0) {
		snprintf(msg, msgsz, "%s %s: cannot set up the request", req->method, req->url);
		goto done;
	}
	may_block();                    /* the mount: others' requests go on */
	c = curl_easy_perform(h);
	if (c != CURLE_OK) {
		snprintf(msg, msgsz, "%s %s: %s", req->method, req->url,
			 c == CURLE_OPERATION_TIMEDOUT ? "request timed out" :
			 errbuf[0] ? errbuf : curl_easy_strerror(c));
		if (c == CURLE_OPERATION_TIMEDOUT)
			snprintf(msg, msgsz, "%s %s: request timed out after %d ms", req->method,
				 req->url, timeout);
		out = (c == CURLE_OPERATION_TIMEDOUT || c == CURLE_PEER_FAILED_VERIFICATION ||
		       c == CURLE_SSL_CACERT_BADFILE || c == CURLE_UNSUPPORTED_PROTOCOL ||
		       c == CURLE_URL_MALFORMAT) ? OUT_FAIL_FINAL : OUT_RETRY;
		goto done;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->status == 429 || resp->status >= 500 ||
	    (resp->status == 400 && is_throttle_body(&resp->body))) {
		snprintf(msg, msgsz, "%s %s: HTTP %ld%s", req->method, req->url, resp->status,
			 resp->status >= 500 ? " (server error)" : " (throttled)");
		out = OUT_RETRY;
		goto done;
	}
	out = OUT_DONE;
done:
	slist_wipe_free(hdrs);
	net_headers_free(extra, nextra);
	return out;
}

static void backoff_sleep(int n)
{
	unsigned int r = 0;
	long cap = 100L << (n < 5 ? n : 5);
	struct timespec ts;

	if (cap > 2000)
		cap = 2000;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned int)time(NULL);
	long ms = cap / 2 + (long)(r % (unsigned long)(cap / 2 + 1));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int net_request(const struct net_request *req, struct net_response *resp,
		struct sops_err *err)
{
	struct buf origin = BUF_INIT;
	char msg[768] = "";
	int timeout, retries;
	enum outcome o = OUT_FAIL_FINAL;
	int rc = -1;

	pthread_once(&init_once, global_init);
	timeout = req->timeout_ms > 0 ? req->timeout_ms : net_config.timeout_ms;
	retries = req->retries < 0 ? 0 : req->retries > 0 ? req->retries : net_config.retries;
	if (init_rc != CURLE_OK)
		return err_set(err, EX_ERROR, "cannot initialise libcurl");
	if (net_url_origin(req->url, &origin) != 0) {
		buf_free(&origin);
		return err_set(err, EX_ERROR, "invalid URL '%s'", req->url);
	}
	if (!req->allow_http && strncmp(req->url, "https://", 8) != 0) {
		err_set(err, EX_ERROR, "refusing non-HTTPS URL '%s'", req->url);
		goto out;
	}
	if (!req->no_breaker && breaker_check((char *)origin.data, err) != 0)
		goto out;
	for (int n = 0; n <= retries; n++) {
		if (n > 0)
			backoff_sleep(n - 1);
		o = attempt(req, resp, timeout, msg, sizeof(msg), err);
		if (net_config.verbose > 0)
			fprintf(stderr, "sopsfs: net: %s %s -> %ld%s\n", req->method,
				(char *)origin.data, resp->status, o == OUT_DONE ? "" : " (failed)");
		if (o != OUT_RETRY)
			break;
	}
	if (o == OUT_DONE) {
		if (!req->no_breaker && resp->status < 500)
			breaker_ok((char *)origin.data);
		rc = 0;
		goto out;
	}
	if (o == OUT_RETRY && retries > 0)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " (%d attempts)",
			 retries + 1);
	if (!req->no_breaker)
		breaker_trip((char *)origin.data, msg);
	err_set(err, EX_ERROR, "%s", msg);
out:
	buf_free(&origin);
	return rc;
}
