/* gofmt.c - Go strconv/encoding-json compatible number, bool and RFC 3339
 * time text (see gofmt.h).
 *
 * Written by hand: no C library lays out floats the way Go's strconv does.
 * The shortest round-trip digits come from glibc (correctly rounded "%.*e"
 * checked with strtod), chosen exactly like Go's Ryu (shortest length whose
 * interval contains a candidate; the correctly rounded one if admissible,
 * else its admissible neighbour); the layout copies the semantics of Go's
 * ftoa.go (fmtE, fmtF and the %g decision with eprec = 6 for shortest).
 * Parsing validates Go's grammar (readFloat, special, underscoreOK) and then
 * lets strtod do the correctly rounded conversion.
 * Times follow Go's time.Parse(time.RFC3339) (fast path plus what the
 * general layout parser additionally accepts) and appendFormatRFC3339.
 */
#include "gofmt.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Decimal digits d[0..nd) with the decimal point after dp digits:
 * value = 0.d1d2d3... * 10^dp (Go's decimalSlice). */
struct godec {
	char d[32];
	int nd;
	int dp;
};

/* ---- locale-independent strtod -------------------------------------------- */

static locale_t c_loc;
static pthread_once_t c_loc_once = PTHREAD_ONCE_INIT;

static void c_loc_init(void)
{
	c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* strtod in the "C" locale whatever setlocale() the program made. */
static double strtod_c(const char *s, char **end)
{
	pthread_once(&c_loc_once, c_loc_init);
	return c_loc != (locale_t)0 ? strtod_l(s, end, c_loc) : strtod(s, end);
}

/* ---- shortest digits ------------------------------------------------------ */

/* Parse "d.ddde[+-]x" as printed by %e into digits and exponent. */
static void split_e(const char *s, char *digits, int *nd, int *exp10)
{
	int n = 0;

	for (; *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			digits[n++] = *s;
	*nd = n;
	*exp10 = atoi(s + 1);
}

static int roundtrips(const char *digits, int nd, int exp10, double v)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%.1s.%.*se%d", digits, nd - 1, digits + 1, exp10);
	return strtod_c(buf, NULL) == v;
}

/* Add +1 or -1 unit in the last place of a digit string, in place. */
static void step_digits(char *digits, int nd, int *exp10, int up)
{
	int i = nd - 1;

	if (up) {
		while (i >= 0 && digits[i] == '9')
			digits[i--] = '0';
		if (i >= 0) {
			digits[i]++;
		} else {
			digits[0] = '1';   /* 99..9 -> 100..0 */
			(*exp10)++;
		}
		return;
	}
	while (i >= 0 && digits[i] == '0')
		digits[i--] = '9';
	digits[i]--;
	if (digits[0] == '0') {          /* 100..0 -> 99..9 */
		memmove(digits, digits + 1, (size_t)nd - 1);
		digits[nd - 1] = '9';
		(*exp10)--;
	}
}

/* Try the correctly rounded p+1 digit string and its two neighbours. */
static int try_precision(double v, int p, char *digits, int *exp10)
{
	char buf[48], cand[24];
	int nd, e, ce;

	snprintf(buf, sizeof(buf), "%.*e", p, v);
	split_e(buf, digits, &nd, &e);
	*exp10 = e;
	if (roundtrips(digits, nd, e, v))
		return 1;
	for (int up = 1; up >= 0; up--) {
		memcpy(cand, digits, (size_t)nd);
		ce = e;
		step_digits(cand, nd, &ce, up);
		if (roundtrips(cand, nd, ce, v)) {
			memcpy(digits, cand, (size_t)nd);
			*exp10 = ce;
			return 1;
		}
	}
	return 0;
}

/* v finite, > 0. */
static void shortest(double v, struct godec *dec)
{
	int e = 0, p;

	for (p = 0; p < 17; p++)
		if (try_precision(v, p, dec->d, &e))
			break;
	dec->nd = p + 1;
	while (dec->nd > 1 && dec->d[dec->nd - 1] == '0')
		dec->nd--;
	dec->dp = e + 1;
}

/* ---- layout (Go ftoa.go semantics) ---------------------------------------- */

static int fmt_e(struct buf *out, int neg, const struct godec *d, int prec, char ech)
{
	char tmp[64];
	int n = 0, exp;

	if (neg)
		tmp[n++] = '-';
	tmp[n++] = d->nd ? d->d[0] : '0';
	if (prec > 0) {
		tmp[n++] = '.';
		for (int i = 1; i <= prec; i++)
			tmp[n++] = i < d->nd ? d->d[i] : '0';
	}
	tmp[n++] = ech;
	exp = d->nd ? d->dp - 1 : 0;
	tmp[n++] = exp < 0 ? '-' : '+';
	if (exp < 0)
		exp = -exp;
	if (exp >= 100)
		tmp[n++] = (char)('0' + exp / 100);
	tmp[n++] = (char)('0' + exp / 10 % 10);
	tmp[n++] = (char)('0' + exp % 10);
	return buf_add(out, tmp, (size_t)n);
}

static int fmt_f(struct buf *out, int neg, const struct godec *d, int prec)
{
	size_t start = out->len;
	int ok = 0;

	if (neg)
		ok |= buf_addc(out, '-');
	if (d->dp > 0) {
		for (int i = 0; i < d->dp; i++)
			ok |= buf_addc(out, i < d->nd ? d->d[i] : '0');
	} else {
		ok |= buf_addc(out, '0');
	}
	if (prec > 0) {
		ok |= buf_addc(out, '.');
		for (int i = 1; i <= prec; i++) {
			int j = d->dp + i - 1;
			ok |= buf_addc(out, j >= 0 && j < d->nd ? d->d[j] : '0');
		}
	}
	if (ok != 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

static int special_float(struct buf *out, double v)
{
	if (isnan(v))
		return buf_adds(out, "NaN");
	return buf_adds(out, v > 0 ? "+Inf" : "-Inf");
}

int go_format_float(struct buf *out, double v, char fmt)
{
	struct godec d = { .nd = 0, .dp = 0 };
	int neg = signbit(v) != 0, exp;

	if (!isfinite(v))
		return special_float(out, v);
	if (v != 0)
		shortest(fabs(v), &d);
	switch (fmt) {
	case 'e':
	case 'E':
		return fmt_e(out, neg, &d, d.nd > 1 ? d.nd - 1 : 0, fmt);
	case 'f':
		return fmt_f(out, neg, &d, d.nd - d.dp > 0 ? d.nd - d.dp : 0);
	case 'g':
	case 'G':
		exp = d.dp - 1;
		if (exp < -4 || exp >= 6)   /* shortest: eprec = 6 */
			return fmt_e(out, neg, &d, d.nd - 1, fmt == 'g' ? 'e' : 'E');
		return fmt_f(out, neg, &d, d.nd - d.dp > 0 ? d.nd - d.dp : 0);
	default:
		return -1;
	}
}

int go_format_json_float(struct buf *out, double v)
{
	double a = fabs(v);
	size_t n;

	if (!isfinite(v))
		return -1;
	if (a == 0 || (a >= 1e-6 && a < 1e21))
		return go_format_float(out, v, 'f');
	if (go_format_float(out, v, 'e') != 0)
		return -1;
	/* clean up e-09 to e-9 */
	n = out->len;
	if (n >= 4 && out->data[n - 4] == 'e' && out->data[n - 3] == '-' &&
	    out->data[n - 2] == '0') {
		out->data[n - 2] = out->data[n - 1];
		buf_truncate(out, n - 1);
	}
	return 0;
}

int go_format_float_dotenv(struct buf *out, double v)
{
	size_t start = out->len;

	if (go_format_float(out, v, 'G') != 0)
		return -1;
	if (!isfinite(v) ||
	    memchr(out->data + start, '.', out->len - start) != NULL ||
	    memchr(out->data + start, 'E', out->len - start) != NULL)
		return 0;
	if (buf_adds(out, ".0") != 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int go_format_int(struct buf *out, int64_t v)
{
	return buf_printf(out, "%lld", (long long)v);
}

int go_format_bool_title(struct buf *out, int v)
{
	return buf_adds(out, v ? "True" : "False");
}

/* ---- parsing -------------------------------------------------------------- */

int go_parse_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t u = 0, lim;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned c = (unsigned char)s[i] - '0';

		if (c > 9)
			return -1;
		if (u > (lim - c) / 10)
			return -1;
		u = u * 10 + c;
	}
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int go_parse_bool(const char *s, size_t n, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < 6; i++) {
		if (strlen(yes[i]) == n && memcmp(s, yes[i], n) == 0) {
			*out = 1;
			return 0;
		}
		if (strlen(no[i]) == n && memcmp(s, no[i], n) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static char lower(char c)
{
	return (char)(c | ('x' - 'X'));
}

/* Case-insensitive length of the common prefix of s and lowercase p. */
static size_t common_prefix_ci(const char *s, size_t n, const char *p)
{
	size_t i = 0;

	while (i < n && p[i] != '\0') {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 'a' - 'A');
		if (c != p[i])
			break;
		i++;
	}
	return i;
}

/* Go's special(): [+-]inf, [+-]infinity, nan. Returns 1 when all of s is one. */
static int parse_special(const char *s, size_t n, double *out)
{
	size_t sign = 0, k;
	int neg = 0;

	if (n == 0)
		return 0;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		sign = 1;
	} else if (lower(s[0]) == 'n') {
		if (n == 3 && common_prefix_ci(s, n, "nan") == 3) {
			*out = NAN;
			return 1;
		}
		return 0;
	} else if (lower(s[0]) != 'i') {
		return 0;
	}
	k = common_prefix_ci(s + sign, n - sign, "infinity");
	if ((k == 3 || k == 8) && sign + k == n) {
		*out = neg ? -INFINITY : INFINITY;
		return 1;
	}
	return 0;
}

/* Go's underscoreOK: '_' only between digits or after a base prefix. */
static int underscore_ok(const char *s, size_t n)
{
	char saw = '^';
	size_t i = 0;
	int hex = 0;

	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	if (n >= 2 && s[0] == '0' &&
	    (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		char c = s[i];

		if ((c >= '0' && c <= '9') ||
		    (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
			saw = '0';
		} else if (c == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
		} else {
			if (saw == '_')
				return 0;
			saw = '!';
		}
	}
	return saw != '_';
}

static int is_digit_in(char c, int hex)
{
	return (c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f');
}

/* Go's readFloat grammar over all of s; returns 1 if s is a valid float. */
static int float_syntax_ok(const char *s, size_t n)
{
	size_t i = 0;
	int hex = 0, sawdot = 0, sawdigits = 0, underscores = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i + 2 < n && s[i] == '0' && lower(s[i + 1]) == 'x') {
		hex = 1;
		i += 2;
	}
	for (; i < n; i++) {
		if (s[i] == '_')
			underscores = 1;
		else if (s[i] == '.' && !sawdot)
			sawdot = 1;
		else if (is_digit_in(s[i], hex))
			sawdigits = 1;
		else
			break;
	}
	if (!sawdigits)
		return 0;
	if (i < n && lower(s[i]) == (hex ? 'p' : 'e')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			if (s[i] == '_')
				underscores = 1;
	} else if (hex) {
		return 0;
	}
	if (i != n)
		return 0;
	return !underscores || underscore_ok(s, n);
}

int go_parse_float(const char *s, size_t n, double *out)
{
	char stack[128], *clean = stack, *end;
	size_t k = 0;
	double v;
	int rc = 0;

	if (parse_special(s, n, out))
		return 0;
	if (!float_syntax_ok(s, n))
		return -1;
	if (n >= sizeof(stack) && (clean = malloc(n + 1)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			clean[k++] = s[i];
	clean[k] = '\0';
	errno = 0;
	v = strtod_c(clean, &end);
	if (end != clean + k)
		rc = -1;
	else if (errno == ERANGE && isinf(v))
		rc = -1;   /* Go: ErrRange, value +-Inf */
	if (clean != stack)
		free(clean);
	*out = v;
	return rc;
}

/* ---- RFC 3339 times ------------------------------------------------------- */

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int go_days_in_month(int m, int64_t y)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
int64_t go_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void go_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Exactly `width` decimal digits at s[*i]; returns -1 if not digits. */
static int fixed_num(const char *s, size_t n, size_t *i, int width)
{
	int v = 0;

	if (*i + (size_t)width > n)
		return -1;
	for (int k = 0; k < width; k++) {
		unsigned c = (unsigned char)s[*i + (size_t)k] - '0';

		if (c > 9)
			return -1;
		v = v * 10 + (int)c;
	}
	*i += (size_t)width;
	return v;
}

static int expect(const char *s, size_t n, size_t *i, char c)
{
	if (*i >= n || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

/* Go's layout parser reads the "15" hour with one or two digits. */
static int hour_num(const char *s, size_t n, size_t *i)
{
	if (*i < n && s[*i] >= '0' && s[*i] <= '9' &&
	    (*i + 1 >= n || s[*i + 1] < '0' || s[*i + 1] > '9')) {
		(*i)++;
		return s[*i - 1] - '0';
	}
	return fixed_num(s, n, i, 2);
}

/* Fraction after the seconds: [.,]digits; digits past the ninth ignored. */
static int32_t parse_fraction(const char *s, size_t n, size_t *i)
{
	int32_t ns = 0;
	int k = 0;

	if (*i + 1 >= n || (s[*i] != '.' && s[*i] != ',') ||
	    s[*i + 1] < '0' || s[*i + 1] > '9')
		return 0;
	for ((*i)++; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++, k++)
		if (k < 9)
			ns = ns * 10 + (s[*i] - '0');
	for (; k < 9; k++)
		ns *= 10;
	return ns;
}

/* "Z" or [+-]hh:mm (Go's general parser allows hh <= 24, mm <= 60). */
static int parse_zone(const char *s, size_t n, size_t *i, int32_t *off)
{
	int hh, mm, sign;

	if (*i < n && s[*i] == 'Z') {
		(*i)++;
		*off = 0;
		return 0;
	}
	if (*i + 6 > n || (s[*i] != '+' && s[*i] != '-') || s[*i + 3] != ':')
		return -1;
	sign = s[*i] == '-' ? -1 : 1;
	(*i)++;
	hh = fixed_num(s, n, i, 2);
	(*i)++;
	mm = fixed_num(s, n, i, 2);
	if (hh < 0 || mm < 0 || hh > 24 || mm > 60)
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

int go_parse_rfc3339(const char *s, size_t n, struct gotime *out)
{
	size_t i = 0;
	int y, mo, d, h, mi, se;
	int32_t ns, off;

	y = fixed_num(s, n, &i, 4);
	if (y < 0 || expect(s, n, &i, '-') != 0)
		return -1;
	mo = fixed_num(s, n, &i, 2);
	if (mo < 1 || mo > 12 || expect(s, n, &i, '-') != 0)
		return -1;
	d = fixed_num(s, n, &i, 2);
	if (d < 1 || d > go_days_in_month(mo, y) || expect(s, n, &i, 'T') != 0)
		return -1;
	h = hour_num(s, n, &i);
	if (h < 0 || h > 23 || expect(s, n, &i, ':') != 0)
		return -1;
	mi = fixed_num(s, n, &i, 2);
	if (mi < 0 || mi > 59 || expect(s, n, &i, ':') != 0)
		return -1;
	se = fixed_num(s, n, &i, 2);
	if (se < 0 || se > 59)
		return -1;
	ns = parse_fraction(s, n, &i);
	if (parse_zone(s, n, &i, &off) != 0 || i != n)
		return -1;
	out->sec = go_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	out->nsec = ns;
	out->off = off;
	return 0;
}

/* Go's appendInt(b, x, width): '-' then zero-padded to width. */
static int append_padded(struct buf *out, int64_t v, int width)
{
	if (v < 0)
		return buf_printf(out, "-%0*lld", width, (long long)-v);
	return buf_printf(out, "%0*lld", width, (long long)v);
}

static int format_time(struct buf *out, const struct gotime *t, int nanos)
{
	int64_t local = t->sec + t->off, days, y, secs;
	int m, d, zone, rc = 0;
	size_t start = out->len;

	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - days * 86400;
	go_civil_from_days(days, &y, &m, &d);
	rc |= append_padded(out, y, 4);
	rc |= buf_printf(out, "-%02d-%02dT%02d:%02d:%02d", m, d, (int)(secs / 3600),
			 (int)(secs / 60 % 60), (int)(secs % 60));
	if (nanos && t->nsec != 0) {
		char frac[16];
		int k = snprintf(frac, sizeof(frac), ".%09d", (int)t->nsec);

		while (frac[k - 1] == '0')
			k--;
		rc |= buf_add(out, frac, (size_t)k);
	}
	zone = t->off / 60;
	if (t->off == 0)
		rc |= buf_addc(out, 'Z');
	else
		rc |= buf_printf(out, "%c%02d:%02d", zone < 0 ? '-' : '+',
				 abs(zone) / 60, abs(zone) % 60);
	if (rc != 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int go_format_rfc3339nano(struct buf *out, const struct gotime *t)
{
	int64_t local = t->sec + t->off;

	/* MarshalText refuses years outside 0..9999 and zone hours >= 24. */
	if (local < -62167219200LL || local >= 253402300800LL ||
	    t->off / 3600 >= 24 || t->off / 3600 <= -24)
		return -1;
	return format_time(out, t, 1);
}

int go_format_rfc3339(struct buf *out, const struct gotime *t)
{
	return format_time(out, t, 0);
}

void go_now_utc(struct gotime *out)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	out->sec = (int64_t)ts.tv_sec;
	out->nsec = 0;
	out->off = 0;
}
