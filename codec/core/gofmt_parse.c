/* gofmt_parse.c - Go strconv parsing: Atoi, ParseBool and ParseFloat's
 * grammar (readFloat, special, underscoreOK); strtod does the rounding.
 */
#include "gofmt.h"
#include "gofmt_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
