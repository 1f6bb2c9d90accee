/* gotime.c - Go RFC 3339 times: time.Parse(time.RFC3339) (fast path plus
 * what the general layout parser also accepts), appendFormatRFC3339, and
 * civil-date arithmetic.
 */
#include "gofmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
