/* test_gofmt_sops.c - Go RFC 3339 times (time.Parse, MarshalText) and
 * numbers as the sops 3.13.2 vectors in ../shared/interop/sops-vectors
 * print them. */
#include "gofmt_util.h"

/* ---- times ---- */

struct tcase {
	const char *in;
	const char *nano;     /* MarshalText, NULL if it fails */
	const char *secs;     /* Format(RFC3339) */
};

static const struct tcase time_ok[] = {
	{ "2001-12-14T21:59:43.10Z", "2001-12-14T21:59:43.1Z", "2001-12-14T21:59:43Z" },
	{ "2024-06-30T12:00:00.123456789Z", "2024-06-30T12:00:00.123456789Z",
	  "2024-06-30T12:00:00Z" },
	{ "2001-12-14T21:59:43+05:30", "2001-12-14T21:59:43+05:30", "2001-12-14T21:59:43+05:30" },
	{ "2019-12-10T22:45:55.000Z", "2019-12-10T22:45:55Z", "2019-12-10T22:45:55Z" },
	{ "2006-01-02T15:04:05+07:06", "2006-01-02T15:04:05+07:06", "2006-01-02T15:04:05+07:06" },
	{ "2024-02-29T23:59:59.5-08:00", "2024-02-29T23:59:59.5-08:00",
	  "2024-02-29T23:59:59-08:00" },
	{ "2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z" },
	{ "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z" },
	{ "2024-01-01T00:00:00-00:00", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z" },
	{ "2001-12-14T21:59:43.1234567891Z", "2001-12-14T21:59:43.123456789Z",
	  "2001-12-14T21:59:43Z" },
	{ "2001-12-14T21:59:43.000000001Z", "2001-12-14T21:59:43.000000001Z",
	  "2001-12-14T21:59:43Z" },
	{ "2001-12-14T1:59:43Z", "2001-12-14T01:59:43Z", "2001-12-14T01:59:43Z" },
	{ "2001-12-14T21:59:43,5Z", "2001-12-14T21:59:43.5Z", "2001-12-14T21:59:43Z" },
	{ "0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z" },
	{ "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z",
	  "9999-12-31T23:59:59Z" },
	{ "0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00+01:00" },
	{ "2024-01-01T00:00:00+24:00", NULL, "2024-01-01T00:00:00+24:00" },
	{ "2024-01-01T00:00:00-23:59", "2024-01-01T00:00:00-23:59", "2024-01-01T00:00:00-23:59" },
};

static const char *const time_bad[] = {
	"2001-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-30T00:00:00Z",
	"2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z",
	"2024-01-00T00:00:00Z", "2024-01-01t00:00:00Z", "2024-01-01 00:00:00Z",
	"2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z",
	"2024-01-01T00:00:00", "2024-01-01T00:00:00z", "2024-01-01T00:00:00+0530",
	"2024-01-01T00:00:00+05:30:00", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00Zx",
	"24-01-01T00:00:00Z", "2024-1-01T00:00:00Z", "2024-01-1T00:00:00Z",
	"2024-01-01T00:0:00Z", "2024-01-01T00:00:0Z", "2024-01-01T00:00:00+25:00",
	"2024-01-01T00:00:00+05:61", "", "2024-01-01T001:00:00Z", "2024-01-01",
	"+024-01-01T00:00:00Z", "2024-01-01T00:00:00 Z", "2024-01-01T00:00:00+5:30",
	"2024-01-01T00:00:00.1", "2024/01/01T00:00:00Z", "2024-01-01T00:00:00.-1Z",
};

static void test_time_parse_format(void)
{
	for (size_t i = 0; i < sizeof(time_ok) / sizeof(time_ok[0]); i++) {
		const struct tcase *c = &time_ok[i];
		struct gotime t;
		struct buf a = BUF_INIT, b = BUF_INIT;

		CHECKF(go_parse_rfc3339(c->in, strlen(c->in), &t) == 0, "rejected %s", c->in);
		if (c->nano != NULL) {
			CHECK(go_format_rfc3339nano(&a, &t) == 0);
			CHECKF(strcmp((char *)a.data, c->nano) == 0, "%s: nano %s", c->in,
			       (char *)a.data);
		} else {
			CHECK(go_format_rfc3339nano(&a, &t) == -1);
			CHECK(a.len == 0);
		}
		CHECK(go_format_rfc3339(&b, &t) == 0);
		CHECKF(strcmp((char *)b.data, c->secs) == 0, "%s: %s", c->in, (char *)b.data);
		buf_free(&a);
		buf_free(&b);
	}
	for (size_t i = 0; i < sizeof(time_bad) / sizeof(time_bad[0]); i++) {
		struct gotime t;

		CHECKF(go_parse_rfc3339(time_bad[i], strlen(time_bad[i]), &t) == -1,
		       "accepted %s", time_bad[i]);
	}
}

static void test_time_instants(void)
{
	static const struct { const char *in; int64_t sec; int32_t nsec, off; } t[] = {
		{ "1970-01-01T00:00:00Z", 0, 0, 0 },
		{ "2001-12-14T21:59:43.10Z", 1008367183, 100000000, 0 },
		{ "2001-12-14T21:59:43+05:30", 1008347383, 0, 19800 },
		{ "2024-02-29T23:59:59-08:00", 1709279999, 0, -28800 },
		{ "2000-03-01T00:00:00Z", 951868800, 0, 0 },
		{ "0001-01-01T00:00:00Z", -62135596800LL, 0, 0 },
		{ "0000-01-01T00:00:00Z", -62167219200LL, 0, 0 },
		{ "9999-12-31T23:59:59Z", 253402300799LL, 0, 0 },
		{ "1969-12-31T23:59:59.999999999Z", -1, 999999999, 0 },
	};
	struct gotime g, now;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(go_parse_rfc3339(t[i].in, strlen(t[i].in), &g) == 0);
		CHECKF(g.sec == t[i].sec && g.nsec == t[i].nsec && g.off == t[i].off,
		       "%s -> %lld.%d off %d", t[i].in, (long long)g.sec, g.nsec, g.off);
	}
	/* out-of-range years: MarshalText fails, Format still prints */
	g.sec = 253402300800LL;
	g.nsec = 0;
	g.off = 0;
	CHECK(go_format_rfc3339nano(&b, &g) == -1);
	CHECK(go_format_rfc3339(&b, &g) == 0);
	CHECK_STR((char *)b.data, "10000-01-01T00:00:00Z");
	buf_truncate(&b, 0);
	g.sec = -62167219200LL - 86400;
	CHECK(go_format_rfc3339nano(&b, &g) == -1);
	CHECK(go_format_rfc3339(&b, &g) == 0);
	CHECK_STR((char *)b.data, "-0001-12-31T00:00:00Z");
	buf_free(&b);
	go_now_utc(&now);
	CHECK(now.off == 0 && now.nsec == 0 && now.sec > 1700000000);
}

/* ---- cross-checks with the sops vectors ---- */

/* Value of "key: value" (YAML/dotenv "key=value", JSON "\"key\": value,")
 * in a flat file; copies at most cap-1 bytes. */
static int lookup(const char *text, const char *key, char sep, char *out, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = p, *e;
		size_t n;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '"')
			q++;
		if (strncmp(q, key, kl) != 0)
			continue;
		q += kl;
		if (*q == '"')
			q++;
		if (*q != sep)
			continue;
		q++;
		while (*q == ' ')
			q++;
		e = strchr(q, '\n');
		n = e ? (size_t)(e - q) : strlen(q);
		if (n > 0 && q[n - 1] == ',')
			n--;
		if (n >= cap)
			return -1;
		memcpy(out, q, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

static char *read_vec(const char *rel)
{
	char path[512];
	const char *sh = check_shared_dir();

	if (sh == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/interop/sops-vectors/%s", sh, rel);
	return check_read_file(path, NULL);
}

static void test_vector_yaml_floats(void)
{
	static const char *const keys[] = {
		"float_half", "float_five", "float_1e21", "float_1e20", "float_1e_7",
		"float_neg_zero", "float_sci", "float_exp_plus", "float_avogadro", "float_tiny",
		"float_long", "float_trailing_zeros", "float_dot5", "int_huge",
	};
	char *in = read_vec("yaml/scalars_typed.in.yaml");
	char *dec = read_vec("yaml/scalars_typed.dec.yaml");
	char iv[128], dv[128];

	if (in == NULL || dec == NULL) {
		free(in);
		free(dec);
		SKIP("../shared/interop/sops-vectors/yaml missing");
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct buf b = BUF_INIT;
		double v;

		CHECKF(lookup(in, keys[i], ':', iv, sizeof(iv)) == 0, "no %s in input", keys[i]);
		CHECKF(lookup(dec, keys[i], ':', dv, sizeof(dv)) == 0, "no %s in output", keys[i]);
		CHECKF(go_parse_float(iv, strlen(iv), &v) == 0, "cannot parse %s", iv);
		CHECK(go_format_float(&b, v, 'g') == 0);
		CHECKF(strcmp((char *)b.data, dv) == 0, "%s: %s -> %s, sops wrote %s", keys[i], iv,
		       (char *)b.data, dv);
		buf_free(&b);
	}
	/* RFC 3339 timestamps are re-emitted with MarshalText */
	for (int i = 0; i < 3; i++) {
		static const char *const tk[] = { "ts_full", "ts_offset", "ts_nanos" };
		struct buf b = BUF_INIT;
		struct gotime t;

		CHECK(lookup(in, tk[i], ':', iv, sizeof(iv)) == 0);
		CHECK(lookup(dec, tk[i], ':', dv, sizeof(dv)) == 0);
		CHECK(go_parse_rfc3339(iv, strlen(iv), &t) == 0);
		CHECK(go_format_rfc3339nano(&b, &t) == 0);
		CHECK_STR((char *)b.data, dv);
		buf_free(&b);
	}
	free(in);
	free(dec);
}

static void test_vector_cross_output(void)
{
	static const char *const keys[] = {
		"float_half", "float_int", "float_big", "float_small", "float_sci", "float_neg_zero",
	};
	char *in = read_vec("yaml/cross_output.in.yaml");
	char *env = read_vec("yaml/cross_output.dec-as-dotenv.env");
	char *json = read_vec("yaml/cross_output.dec-as-json.json");
	char iv[128], ev[128], jv[128];

	if (in == NULL || env == NULL || json == NULL) {
		free(in);
		free(env);
		free(json);
		SKIP("../shared/interop/sops-vectors/yaml missing");
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct buf b = BUF_INIT, j = BUF_INIT;
		double v;

		CHECK(lookup(in, keys[i], ':', iv, sizeof(iv)) == 0);
		CHECK(lookup(env, keys[i], '=', ev, sizeof(ev)) == 0);
		CHECK(lookup(json, keys[i], ':', jv, sizeof(jv)) == 0);
		CHECK(go_parse_float(iv, strlen(iv), &v) == 0);
		CHECK(go_format_float_dotenv(&b, v) == 0);
		CHECKF(strcmp((char *)b.data, ev) == 0, "dotenv %s: got %s, sops %s", keys[i],
		       (char *)b.data, ev);
		CHECK(go_format_json_float(&j, v) == 0);
		CHECKF(strcmp((char *)j.data, jv) == 0, "json %s: got %s, sops %s", keys[i],
		       (char *)j.data, jv);
		buf_free(&b);
		buf_free(&j);
	}
	free(in);
	free(env);
	free(json);
}

/* json/numbers: int literal fitting int64 -> int, anything else -> float64. */
static void test_vector_json_numbers(void)
{
	static const char *const keys[] = {
		"int", "zero", "neg", "neg_zero_int", "int64_max", "int64_min", "beyond_int64",
		"big", "float_one", "float_tenth", "float_half", "neg_zero", "exp_1e21",
		"exp_1e20", "exp_upper", "exp_neg", "exp_small", "sci", "pi", "huge",
	};
	char *in = read_vec("json/numbers.in.json");
	char *dec = read_vec("json/numbers.dec.json");
	char *yml = read_vec("json/numbers.dec-as-yaml.yaml");
	char iv[128], dv[128], yv[128];

	if (in == NULL || dec == NULL || yml == NULL) {
		free(in);
		free(dec);
		free(yml);
		SKIP("../shared/interop/sops-vectors/json missing");
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct buf j = BUF_INIT, y = BUF_INIT;
		int64_t iv64;
		double v;

		CHECK(lookup(in, keys[i], ':', iv, sizeof(iv)) == 0);
		CHECK(lookup(dec, keys[i], ':', dv, sizeof(dv)) == 0);
		CHECK(lookup(yml, keys[i], ':', yv, sizeof(yv)) == 0);
		if (strpbrk(iv, ".eE") == NULL && go_parse_int(iv, strlen(iv), &iv64) == 0) {
			CHECK(go_format_int(&j, iv64) == 0 && go_format_int(&y, iv64) == 0);
		} else {
			CHECK(go_parse_float(iv, strlen(iv), &v) == 0);
			CHECK(go_format_json_float(&j, v) == 0 && go_format_float(&y, v, 'g') == 0);
		}
		CHECKF(strcmp((char *)j.data, dv) == 0, "json %s: got %s, sops %s", keys[i],
		       (char *)j.data, dv);
		CHECKF(strcmp((char *)y.data, yv) == 0, "yaml %s: got %s, sops %s", keys[i],
		       (char *)y.data, yv);
		buf_free(&j);
		buf_free(&y);
	}
	free(in);
	free(dec);
	free(yml);
}

int main(void)
{
	RUN(test_time_parse_format);
	RUN(test_time_instants);
	RUN(test_vector_yaml_floats);
	RUN(test_vector_cross_output);
	RUN(test_vector_json_numbers);
	return CHECK_DONE();
}
