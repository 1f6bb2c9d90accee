/* test_gofmt.c - Go strconv / encoding/json / time text, byte for byte.
 * Expected strings follow Go's semantics (strconv.FormatFloat shortest,
 * json floatEncoder, time.Parse(RFC3339), Time.MarshalText) and the sops
 * 3.13.2 vectors in ../shared/interop/sops-vectors. */
#include "check.h"
#include "../../codec/core/gofmt.h"

#include <math.h>
#include <stdint.h>

struct fcase {
	double v;
	char fmt;
	const char *want;
};

static const struct fcase float_cases[] = {
	/* 'f' (sops' plaintext for floats) */
	{ 0.5, 'f', "0.5" },
	{ 25.4, 'f', "25.4" },
	{ 1234568000.0, 'f', "1234568000" },
	{ 1e21, 'f', "1000000000000000000000" },
	{ 1e20, 'f', "100000000000000000000" },
	{ 1e23, 'f', "100000000000000000000000" },
	{ 1e-7, 'f', "0.0000001" },
	{ 5.0, 'f', "5" },
	{ -0.0, 'f', "-0" },
	{ 0.0, 'f', "0" },
	{ -1.5, 'f', "-1.5" },
	{ 100, 'f', "100" },
	{ 123456789, 'f', "123456789" },
	{ 0.1 + 0.2, 'f', "0.30000000000000004" },
	{ 0.000001, 'f', "0.000001" },
	{ 0.0025, 'f', "0.0025" },
	{ 3.141592653589793, 'f', "3.141592653589793" },
	{ 9007199254740993.0, 'f', "9007199254740992" },
	{ 9223372036854775808.0, 'f', "9223372036854776000" },
	{ 1.2345678901234568e+29, 'f', "123456789012345680000000000000" },
	{ 1.5e-8, 'f', "0.000000015" },
	{ 123.456, 'f', "123.456" },
	{ 1.0 / 3.0, 'f', "0.3333333333333333" },
	{ 2.0 / 3.0, 'f', "0.6666666666666666" },
	{ 100.125, 'f', "100.125" },
	{ INFINITY, 'f', "+Inf" },
	{ -INFINITY, 'f', "-Inf" },
	{ NAN, 'f', "NaN" },
	/* 'g' (YAML output) */
	{ 0.5, 'g', "0.5" },
	{ 1234568000.0, 'g', "1.234568e+09" },
	{ 1e21, 'g', "1e+21" },
	{ 1e20, 'g', "1e+20" },
	{ 1e-7, 'g', "1e-07" },
	{ 5.0, 'g', "5" },
	{ -0.0, 'g', "-0" },
	{ 0.0, 'g', "0" },
	{ 100000, 'g', "100000" },
	{ 1e6, 'g', "1e+06" },
	{ 999999, 'g', "999999" },
	{ 999999.5, 'g', "999999.5" },
	{ 123456.7, 'g', "123456.7" },
	{ 1234567.0, 'g', "1.234567e+06" },
	{ 0.0001, 'g', "0.0001" },
	{ 0.000123, 'g', "0.000123" },
	{ 0.00001, 'g', "1e-05" },
	{ 123456789, 'g', "1.23456789e+08" },
	{ 6.02e23, 'g', "6.02e+23" },
	{ 1.5e-300, 'g', "1.5e-300" },
	{ 1e100, 'g', "1e+100" },
	{ 1000, 'g', "1000" },
	{ 3.141592653589793, 'g', "3.141592653589793" },
	{ 1.2345678901234568e+29, 'g', "1.2345678901234568e+29" },
	{ 9223372036854775808.0, 'g', "9.223372036854776e+18" },
	{ 5e-324, 'g', "5e-324" },
	{ 1.7976931348623157e308, 'g', "1.7976931348623157e+308" },
	{ 2.2250738585072014e-308, 'g', "2.2250738585072014e-308" },
	{ 0.1 + 0.2, 'g', "0.30000000000000004" },
	{ -2.5e-3, 'g', "-0.0025" },
	{ INFINITY, 'g', "+Inf" },
	{ NAN, 'g', "NaN" },
	/* 'G' (dotenv) */
	{ 1e21, 'G', "1E+21" },
	{ 1e-7, 'G', "1E-07" },
	{ 1234568000.0, 'G', "1.234568E+09" },
	{ 0.5, 'G', "0.5" },
	{ -INFINITY, 'G', "-Inf" },
	/* 'e' / 'E' */
	{ 0.0, 'e', "0e+00" },
	{ -0.0, 'e', "-0e+00" },
	{ 1, 'e', "1e+00" },
	{ 0.1, 'e', "1e-01" },
	{ 1234.5, 'e', "1.2345e+03" },
	{ 5e-324, 'e', "5e-324" },
	{ 1e100, 'e', "1e+100" },
	{ 1234.5, 'E', "1.2345E+03" },
	{ 1e-10, 'E', "1E-10" },
};

static void test_format_float_table(void)
{
	for (size_t i = 0; i < sizeof(float_cases) / sizeof(float_cases[0]); i++) {
		const struct fcase *c = &float_cases[i];
		struct buf b = BUF_INIT;

		CHECK(go_format_float(&b, c->v, c->fmt) == 0);
		CHECKF(strcmp((char *)b.data, c->want) == 0, "case %zu (%c): want %s got %s",
		       i, c->fmt, c->want, (char *)b.data);
		buf_free(&b);
	}
}

/* Values whose 'f' text is too long for the table. */
static void test_format_float_extremes(void)
{
	struct buf b = BUF_INIT;
	char want[400];
	int n = 0;

	CHECK(go_format_float(&b, 5e-324, 'f') == 0);
	n = snprintf(want, sizeof(want), "0.");
	for (int i = 0; i < 323; i++)
		want[n++] = '0';
	want[n++] = '5';
	want[n] = '\0';
	CHECK_STR((char *)b.data, want);
	buf_free(&b);

	CHECK(go_format_float(&b, 1.7976931348623157e308, 'f') == 0);
	n = snprintf(want, sizeof(want), "17976931348623157");
	for (int i = 0; i < 292; i++)
		want[n++] = '0';
	want[n] = '\0';
	CHECK_STR((char *)b.data, want);
	buf_free(&b);

	CHECK(go_format_float(&b, 1.0, 'x') == -1);
}

/* Shortest digits must round-trip and be no longer than %.17g. */
static void test_format_float_roundtrip(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;

	for (int i = 0; i < 20000; i++) {
		struct buf b = BUF_INIT;
		double v, back;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		CHECK(go_format_float(&b, v, 'e') == 0);
		CHECK(go_parse_float((char *)b.data, b.len, &back) == 0);
		CHECKF(back == v, "%s does not round-trip", (char *)b.data);
		buf_free(&b);
		CHECK(go_format_float(&b, v, 'g') == 0);
		back = strtod((char *)b.data, NULL);
		CHECKF(back == v, "%s does not round-trip", (char *)b.data);
		buf_free(&b);
	}
}

static void test_format_json_float(void)
{
	static const struct { double v; const char *want; } t[] = {
		{ 1, "1" }, { 5.0, "5" }, { 0, "0" }, { -0.0, "-0" }, { 0.5, "0.5" },
		{ 1e21, "1e+21" }, { 1e20, "100000000000000000000" }, { 1e-7, "1e-7" },
		{ 1e-6, "0.000001" }, { 9.99e-7, "9.99e-7" }, { 1.5e-8, "1.5e-8" },
		{ 1e-10, "1e-10" }, { 1e-100, "1e-100" }, { 1.5e300, "1.5e+300" },
		{ 1.2345678901234568e+29, "1.2345678901234568e+29" },
		{ 1234568000.0, "1234568000" }, { 0.0025, "0.0025" }, { 5e-324, "5e-324" },
		{ 9223372036854775808.0, "9223372036854776000" }, { -1e21, "-1e+21" },
	};
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_truncate(&b, 0);
		CHECK(go_format_json_float(&b, t[i].v) == 0);
		CHECK_STR((char *)b.data, t[i].want);
	}
	buf_truncate(&b, 0);
	CHECK(go_format_json_float(&b, NAN) == -1);
	CHECK(go_format_json_float(&b, INFINITY) == -1);
	CHECK(b.len == 0);
	buf_free(&b);
}

static void test_format_float_dotenv(void)
{
	static const struct { double v; const char *want; } t[] = {
		{ 5.0, "5.0" }, { -0.0, "-0.0" }, { 0.5, "0.5" }, { 1e21, "1E+21" },
		{ 1e-7, "1E-07" }, { 1234568000.0, "1.234568E+09" }, { 100000, "100000.0" },
		{ 42, "42.0" }, { INFINITY, "+Inf" }, { NAN, "NaN" },
	};
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_truncate(&b, 0);
		CHECK(go_format_float_dotenv(&b, t[i].v) == 0);
		CHECK_STR((char *)b.data, t[i].want);
	}
	buf_free(&b);
}

static void test_ints(void)
{
	static const struct { const char *s; int ok; int64_t v; } t[] = {
		{ "0", 1, 0 }, { "-5", 1, -5 }, { "007", 1, 7 }, { "+5", 1, 5 }, { "-0", 1, 0 },
		{ "9223372036854775807", 1, INT64_MAX }, { "-9223372036854775808", 1, INT64_MIN },
		{ "00000000000000000000000042", 1, 42 },
		{ "9223372036854775808", 0, 0 }, { "-9223372036854775809", 0, 0 },
		{ "99999999999999999999", 0, 0 }, { "", 0, 0 }, { "+", 0, 0 }, { "-", 0, 0 },
		{ "1_000", 0, 0 }, { " 1", 0, 0 }, { "1 ", 0, 0 }, { "0x1F", 0, 0 },
		{ "1.0", 0, 0 }, { "--1", 0, 0 }, { "+-1", 0, 0 },
	};
	struct buf b = BUF_INIT;
	int64_t v;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		CHECKF((go_parse_int(t[i].s, strlen(t[i].s), &v) == 0) == t[i].ok,
		       "parse_int(\"%s\")", t[i].s);
		if (t[i].ok)
			CHECKF(v == t[i].v, "parse_int(\"%s\") = %lld", t[i].s, (long long)v);
	}
	CHECK(go_format_int(&b, INT64_MIN) == 0);
	CHECK(buf_adds(&b, " ") == 0 && go_format_int(&b, 0) == 0);
	CHECK(buf_adds(&b, " ") == 0 && go_format_int(&b, -42) == 0);
	CHECK(buf_adds(&b, " ") == 0 && go_format_int(&b, INT64_MAX) == 0);
	CHECK_STR((char *)b.data, "-9223372036854775808 0 -42 9223372036854775807");
	buf_free(&b);
}

static void test_bools(void)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
	static const char *const bad[] = { "", "yes", "tRUE", "TRue", "on", "2", "true ",
					   "False\n", "y", "n", "no" };
	struct buf b = BUF_INIT;
	int v;

	for (int i = 0; i < 6; i++) {
		v = -1;
		CHECK(go_parse_bool(yes[i], strlen(yes[i]), &v) == 0 && v == 1);
		v = -1;
		CHECK(go_parse_bool(no[i], strlen(no[i]), &v) == 0 && v == 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(go_parse_bool(bad[i], strlen(bad[i]), &v) == -1, "accepted \"%s\"", bad[i]);
	CHECK(go_format_bool_title(&b, 1) == 0 && go_format_bool_title(&b, 0) == 0);
	CHECK_STR((char *)b.data, "TrueFalse");
	buf_free(&b);
}

static void test_parse_float(void)
{
	static const struct { const char *s; int rc; double v; } t[] = {
		{ "1e21", 0, 1e21 }, { ".5", 0, 0.5 }, { "5.", 0, 5 }, { "+1.5", 0, 1.5 },
		{ "1.50", 0, 1.5 }, { "1.0e+3", 0, 1000 }, { "1E2", 0, 100 },
		{ "3.141592653589793238", 0, 3.141592653589793 }, { "007.5", 0, 7.5 },
		{ "0x1p-2", 0, 0.25 }, { "0x1.8p1", 0, 3 }, { "0X_1P0", 0, 1 },
		{ "-0x.8p1", 0, -1 }, { "0x1_0p0", 0, 16 },
		{ "1_000.5", 0, 1000.5 }, { "1e5_0", 0, 1e50 },
		{ "123456789012345678901234567890", 0, 1.2345678901234568e+29 },
		{ "4.9e-324", 0, 5e-324 }, { "1e-400", 0, 0 },
		{ "1.7976931348623157e308", 0, 1.7976931348623157e308 },
		{ "inf", 0, INFINITY }, { "+Inf", 0, INFINITY }, { "-infinity", 0, -INFINITY },
		{ "INFINITY", 0, INFINITY }, { "-INF", 0, -INFINITY },
		{ "1e400", -1, INFINITY }, { "-1e400", -1, -INFINITY },
		{ "1.7976931348623159e308", -1, INFINITY }, { "0x1p2000", -1, INFINITY },
		{ "0x1.fffffffffffff8p1023", -1, INFINITY },
		{ "1__0", -1, 0 }, { "_1", -1, 0 }, { "1_", -1, 0 }, { "1_.5", -1, 0 },
		{ "1._5", -1, 0 }, { "0x1p", -1, 0 }, { "0x1", -1, 0 }, { "0x", -1, 0 },
		{ "0xp1", -1, 0 }, { "infin", -1, 0 }, { "infx", -1, 0 }, { "+nan", -1, 0 },
		{ "-nan", -1, 0 }, { "nanx", -1, 0 }, { "1e", -1, 0 }, { "e1", -1, 0 },
		{ ".", -1, 0 }, { "", -1, 0 }, { " 1", -1, 0 }, { "1 ", -1, 0 },
		{ "1.5.5", -1, 0 }, { "1e+", -1, 0 }, { "1e_5", -1, 0 }, { "+-1", -1, 0 },
		{ "1,5", -1, 0 }, { "0x1.8e1", -1, 0 }, { ".e1", -1, 0 }, { "1p5", -1, 0 },
	};
	double v;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = go_parse_float(t[i].s, strlen(t[i].s), &v);

		CHECKF(rc == t[i].rc, "parse_float(\"%s\") rc %d", t[i].s, rc);
		if (rc == 0 || isinf(t[i].v))
			CHECKF(v == t[i].v, "parse_float(\"%s\") = %.17g", t[i].s, v);
	}
	CHECK(go_parse_float("-0.0", 4, &v) == 0 && v == 0 && signbit(v));
	CHECK(go_parse_float("nan", 3, &v) == 0 && isnan(v));
	CHECK(go_parse_float("NaN", 3, &v) == 0 && isnan(v));
	CHECK(go_parse_float("NAN", 3, &v) == 0 && isnan(v));
}

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
	RUN(test_format_float_table);
	RUN(test_format_float_extremes);
	RUN(test_format_float_roundtrip);
	RUN(test_format_json_float);
	RUN(test_format_float_dotenv);
	RUN(test_ints);
	RUN(test_bools);
	RUN(test_parse_float);
	RUN(test_time_parse_format);
	RUN(test_time_instants);
	RUN(test_vector_yaml_floats);
	RUN(test_vector_cross_output);
	RUN(test_vector_json_numbers);
	return CHECK_DONE();
}
