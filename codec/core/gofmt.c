/* gofmt.c - Go strconv/encoding-json compatible number, bool and RFC 3339
 * time text (see gofmt.h).
 *
 * Written by hand: no C library lays out floats the way Go's strconv does.
 * The shortest round-trip digits come from glibc (correctly rounded "%.*e"
 * checked with strtod), chosen exactly like Go's Ryu (shortest length whose
 * interval contains a candidate; the correctly rounded one if admissible,
 * else its admissible neighbour); the layout copies the semantics of Go's
 * ftoa.go (fmtE, fmtF and the %g decision with eprec = 6 for shortest).
 * Parsing (Go's grammar, then strtod) is in gofmt_parse.c; RFC 3339 times
 * are in gotime.c.
 */
#include "gofmt.h"
#include "gofmt_int.h"

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
double strtod_c(const char *s, char **end)
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
