/* test_gofmt.c - Go strconv / encoding/json number and bool text, byte for
 * byte (strconv.FormatFloat shortest, json floatEncoder, ParseFloat). */
#include "gofmt_util.h"

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
	return CHECK_DONE();
}
