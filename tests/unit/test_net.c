/* test_net.c - providers/net helpers: the in-place JSON scanner, URL pieces,
 * timeout parsing, the credential cache and the circuit breaker. */
#include "check.h"
#include <time.h>
#include "../../providers/net/breaker.h"
#include "../../providers/net/cred_cache.h"
#include "../../providers/net/http.h"
#include "../../providers/net/json.h"

#define J(s) (const uint8_t *)(s), strlen(s)

static void test_json_get(void)
{
	struct buf b = BUF_INIT_SECURE;
	const char *js = "{\"KeyId\":\"arn:x\", \"n\": 12, \"Plaintext\" : \"a\\u00e9\\n\\\"b\","
			 " \"data\": {\"skip\": [1, {\"x\": \"}\"}], \"plaintext\": \"cGs=\"},"
			 " \"nul\": null}";

	CHECK(njson_get(J(js), "Plaintext", &b) == 0);
	CHECK_MEM(b.data, b.len, "a\xc3\xa9\n\"b", 6);
	buf_truncate(&b, 0);
	CHECK(njson_get(J(js), "data.plaintext", &b) == 0);
	CHECK_MEM(b.data, b.len, "cGs=", 4);
	buf_truncate(&b, 0);
	CHECK(njson_get(J(js), "missing", &b) == 1);
	CHECK(njson_get(J(js), "nul", &b) == 1);
	CHECK(njson_get(J(js), "data", &b) == -1);
	CHECK(njson_get(J("{\"a\": \"x"), "a", &b) == -1);
	CHECK(njson_get(J("[1]"), "a", &b) == -1);
	long long v = 0;
	CHECK(njson_get_ll(J(js), "n", &v) == 0 && v == 12);
	CHECK(njson_get_ll(J("{\"e\":\"3600\"}"), "e", &v) == 0 && v == 3600);
	buf_free(&b);
}

static void test_json_add_str(void)
{
	struct buf b = BUF_INIT;

	CHECK(njson_add_str(&b, "a\"\\\n\x01", 5) == 0);
	CHECK_MEM(b.data, b.len, "\"a\\\"\\\\\\u000a\\u0001\"", 19);
	buf_free(&b);
}

static void test_url(void)
{
	struct buf b = BUF_INIT;

	CHECK(net_url_origin("https://kms.eu-west-1.amazonaws.com/", &b) == 0);
	CHECK(strcmp((char *)b.data, "https://kms.eu-west-1.amazonaws.com:443") == 0);
	buf_truncate(&b, 0);
	CHECK(net_url_origin("http://127.0.0.1:8200/v1/x?y", &b) == 0);
	CHECK(strcmp((char *)b.data, "http://127.0.0.1:8200") == 0);
	buf_truncate(&b, 0);
	CHECK(net_url_host("https://[::1]:9/a", &b) == 0);
	CHECK(strcmp((char *)b.data, "[::1]") == 0);
	CHECK(net_url_origin("https://user@evil/", &b) == -1);
	CHECK(net_url_origin("nothing", &b) == -1);
	buf_truncate(&b, 0);
	CHECK(net_urlencode(&b, "a b/~=", 6) == 0);
	CHECK(strcmp((char *)b.data, "a%20b%2F~%3D") == 0);
	buf_free(&b);
}

static void test_timeout_parse(void)
{
	int ms = 0;

	CHECK(net_parse_timeout("10", &ms) == 0 && ms == 10000);
	CHECK(net_parse_timeout("2.5", &ms) == 0 && ms == 2500);
	CHECK(net_parse_timeout("500ms", &ms) == 0 && ms == 500);
	CHECK(net_parse_timeout("0", &ms) == -1);
	CHECK(net_parse_timeout("x", &ms) == -1);
	CHECK(net_parse_timeout("5m", &ms) == -1);
}

static int nfetch;

static int fetch_ok(void *ctx, struct buf *out, time_t *exp, struct sops_err *err)
{
	(void)err;
	nfetch++;
	*exp = *(time_t *)ctx;
	return buf_adds(out, "tok");
}

static int fetch_fail(void *ctx, struct buf *out, time_t *exp, struct sops_err *err)
{
	(void)ctx; (void)out; (void)exp;
	nfetch++;
	return err_set(err, EX_ERROR, "no credentials");
}

static void test_cred_cache(void)
{
	struct buf b = BUF_INIT_SECURE;
	struct sops_err err;
	time_t exp = time(NULL) + 3600;

	nfetch = 0;
	CHECK(cred_get("k1", fetch_ok, &exp, &b, &err) == 0);
	CHECK(cred_get("k1", fetch_ok, &exp, &b, &err) == 0);
	CHECK(nfetch == 1);
	CHECK_MEM(b.data, b.len, "toktok", 6);
	/* Expired: refreshed. */
	exp = time(NULL) - 1;
	CHECK(cred_get("k2", fetch_ok, &exp, &b, &err) == 0);
	CHECK(cred_get("k2", fetch_ok, &exp, &b, &err) == 0);
	CHECK(nfetch == 3);
	/* Failures are remembered for the breaker window. */
	CHECK(cred_get("k3", fetch_fail, NULL, &b, &err) == -1);
	CHECK(cred_get("k3", fetch_fail, NULL, &b, &err) == -1);
	CHECK(nfetch == 4);
	CHECK(strcmp(err.msg, "no credentials") == 0);
	cred_forget("k1");
	exp = 0;
	CHECK(cred_get("k1", fetch_ok, &exp, &b, &err) == 0);
	CHECK(nfetch == 5);
	cred_clear();
	buf_free(&b);
}

static void test_refused_urls(void)
{
	struct net_request rq = { .method = "GET", .url = "http://127.0.0.1:1/" };
	struct net_response rs = { 0 };
	struct sops_err err;

	CHECK(net_request(&rq, &rs, &err) == -1);
	CHECK(strstr(err.msg, "refusing non-HTTPS URL") != NULL);
	net_response_free(&rs);
	/* Connection refused, then the breaker answers at once. */
	rq.url = "https://127.0.0.1:1/";
	rq.retries = -1;
	CHECK(net_request(&rq, &rs, &err) == -1);
	CHECK(strstr(err.msg, "not retried") == NULL);
	net_response_free(&rs);
	CHECK(net_request(&rq, &rs, &err) == -1);
	CHECKF(strstr(err.msg, "not retried: the service failed") != NULL, "%.200s", err.msg);
	net_breaker_reset();
	net_response_free(&rs);
}

static void test_breaker_half_open(void)
{
	struct sops_err err;
	int saved = net_config.breaker_ms;
	struct timespec ts = { 0, 250 * 1000000L };

	net_config.breaker_ms = 200;
	breaker_trip("https://h:1", "POST https://h:1/: request timed out");
	CHECK(breaker_check("https://h:1", &err) == -1);
	CHECK(strstr(err.msg, "request timed out (not retried") != NULL);
	CHECK(breaker_check("https://other:1", &err) == 0);
	nanosleep(&ts, NULL);
	CHECK(breaker_check("https://h:1", &err) == 0);    /* the probe */
	CHECK(breaker_check("https://h:1", &err) == -1);   /* others still fail fast */
	breaker_trip("https://h:1", "again");
	CHECK(breaker_check("https://h:1", &err) == -1);
	nanosleep(&ts, NULL);
	CHECK(breaker_check("https://h:1", &err) == 0);
	breaker_ok("https://h:1");
	CHECK(breaker_check("https://h:1", &err) == 0);
	CHECK(breaker_check("https://h:1", &err) == 0);
	net_config.breaker_ms = saved;
	net_breaker_reset();
}

int main(void)
{
	RUN(test_json_get);
	RUN(test_json_add_str);
	RUN(test_url);
	RUN(test_timeout_parse);
	RUN(test_cred_cache);
	RUN(test_refused_urls);
	RUN(test_breaker_half_open);
	return CHECK_DONE();
}
