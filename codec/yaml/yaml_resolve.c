/* yaml_resolve.c - scalar typing exactly as go.yaml.in/yaml v3 resolves it
 * (resolve.go, decode.go scalar()) and as sops then sees the Go value:
 * null, bool, int (Go int), uint64 (sops cannot walk it), float64,
 * time.Time (the four timestamp layouts of resolve.go, parsed with Go's
 * time.Parse rules), string; !!binary decoded. Also Go's %T/%s text of a
 * non-string key for sops' "non-string key" error.
 */
#include "yaml_int.h"
#include "../../crypto/b64.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Go strconv.ParseInt / ParseUint ------------------------------------- */

static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Unsigned digits in base (2..36), no sign, no underscores. */
static int parse_digits(const char *s, size_t n, int base, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = digit_val(s[i]);

		if (d >= base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* base 0: Go's prefixes 0x 0o 0b and a leading 0 for octal. */
static int parse_uint(const char *s, size_t n, int base, uint64_t *out)
{
	if (base == 0) {
		base = 10;
		if (n >= 1 && s[0] == '0') {
			if (n >= 3 && (s[1] == 'x' || s[1] == 'X')) {
				base = 16; s += 2; n -= 2;
			} else if (n >= 3 && (s[1] == 'o' || s[1] == 'O')) {
				base = 8; s += 2; n -= 2;
			} else if (n >= 3 && (s[1] == 'b' || s[1] == 'B')) {
				base = 2; s += 2; n -= 2;
			} else if (n >= 2 && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' ||
					      s[1] == 'O' || s[1] == 'b' || s[1] == 'B')) {
				return -1;
			} else {
				base = 8; s += 1; n -= 1;
				if (n == 0)
					return (*out = 0), 0;
			}
		}
	}
	return parse_digits(s, n, base, out);
}

static int parse_int(const char *s, size_t n, int base, int64_t *out)
{
	int neg = 0;
	uint64_t u;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	if (parse_uint(s, n, base, &u) != 0)
		return -1;
	if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	} else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
		if (i < n && s[i] == '.')
			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
				;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* ---- timestamps: Go time.Parse with resolve.go's four layouts -------------- */


/* Go getnum(s, false): one or two digits. */
static int getnum(const char *s, size_t n, size_t *i, int *v)
{
	if (*i >= n || s[*i] < '0' || s[*i] > '9')
		return -1;
	*v = s[(*i)++] - '0';
	if (*i < n && s[*i] >= '0' && s[*i] <= '9')
		*v = *v * 10 + (s[(*i)++] - '0');
	return 0;
}

static int lit(const char *s, size_t n, size_t *i, char c)
{
	if (*i >= n || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

static int parse_frac(const char *s, size_t n, size_t *i, int32_t *nsec)
{
	size_t k, digits;
	int64_t ns = 0;

	if (*i + 1 >= n || (s[*i] != '.' && s[*i] != ',') || s[*i + 1] < '0' || s[*i + 1] > '9')
		return 0;
	for (k = *i + 1; k < n && s[k] >= '0' && s[k] <= '9'; k++)
		;
	digits = k - *i - 1;
	for (size_t j = 0; j < digits && j < 9; j++)
		ns = ns * 10 + (s[*i + 1 + j] - '0');
	for (size_t j = digits; j < 9; j++)
		ns *= 10;
	*nsec = (int32_t)ns;
	*i = k;
	return 0;
}

static int parse_zone(const char *s, size_t n, size_t *i, int32_t *off)
{
	int hr, mm;

	if (*i < n && s[*i] == 'Z') {
		(*i)++;
		*off = 0;
		return 0;
	}
	if (n - *i < 6 || s[*i + 3] != ':')
		return -1;
	for (size_t k = 1; k < 6; k++)
		if (k != 3 && (s[*i + k] < '0' || s[*i + k] > '9'))
			return -1;
	hr = (s[*i + 1] - '0') * 10 + (s[*i + 2] - '0');
	mm = (s[*i + 4] - '0') * 10 + (s[*i + 5] - '0');
	if (hr > 24 || mm > 60 || (s[*i] != '+' && s[*i] != '-'))
		return -1;
	*off = (hr * 60 + mm) * 60 * (s[*i] == '-' ? -1 : 1);
	*i += 6;
	return 0;
}

/* layout: 0 "2006-1-2T15:4:5.999999999Z07:00", 1 same with 't',
 * 2 "2006-1-2 15:4:5.999999999", 3 "2006-1-2". */
static int parse_layout(const char *s, size_t n, int layout, struct gotime *t)
{
	size_t i = 4;
	int mon, day, hh = 0, mi = 0, ss = 0;
	int32_t nsec = 0, off = 0;
	int64_t year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');

	if (lit(s, n, &i, '-') || getnum(s, n, &i, &mon) || lit(s, n, &i, '-') ||
	    getnum(s, n, &i, &day))
		return -1;
	if (mon < 1 || mon > 12)
		return -1;
	if (layout < 3) {
		if (lit(s, n, &i, "Tt "[layout]) || getnum(s, n, &i, &hh) || lit(s, n, &i, ':') ||
		    getnum(s, n, &i, &mi) || lit(s, n, &i, ':') || getnum(s, n, &i, &ss))
			return -1;
		if (hh >= 24 || mi >= 60 || ss >= 60)
			return -1;
		parse_frac(s, n, &i, &nsec);
		if (layout < 2 && parse_zone(s, n, &i, &off) != 0)
			return -1;
	}
	if (i != n || day < 1 || day > go_days_in_month(mon, year))
		return -1;
	t->sec = go_days_from_civil(year, mon, day) * 86400 + hh * 3600 + mi * 60 + ss - off;
	t->nsec = nsec;
	t->off = off;
	return 0;
}

int yres_is_timestamp(const char *s, size_t n, struct gotime *t)
{
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i != 4 || i == n || s[i] != '-')
		return 0;
	for (int layout = 0; layout < 4; layout++)
		if (parse_layout(s, n, layout, t) == 0)
			return 1;
	return 0;
}

/* ---- resolve ------------------------------------------------------------------ */

static int eq(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

static int in_list(const char *s, size_t n, const char *const *l)
{
	for (; *l; l++)
		if (eq(s, n, *l))
			return 1;
	return 0;
}

static int resolvable(const char *tag)
{
	static const char *const ok[] = { "", "!!str", "!!bool", "!!int", "!!float", "!!null",
					  "!!timestamp", NULL };

	return in_list(tag, strlen(tag), ok);
}

static char hint_of(const char *in, size_t n)
{
	unsigned char c;

	if (n == 0)
		return 'N';
	c = (unsigned char)in[0];
	if (c == '+' || c == '-')
		return 'S';
	if (c >= '0' && c <= '9')
		return 'D';
	if (strchr("yYnNtTfFoO~", c) != NULL && c != 0)
		return 'M';
	if (c == '.')
		return '.';
	return 0;
}

static int lookup_map(const char *in, size_t n, struct yresolved *r)
{
	static const char *const t[] = { "true", "True", "TRUE", NULL };
	static const char *const f[] = { "false", "False", "FALSE", NULL };
	static const char *const nul[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const nan[] = { ".nan", ".NaN", ".NAN", NULL };
	static const char *const inf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };

	if (in_list(in, n, t) || in_list(in, n, f)) {
		r->kind = YR_BOOL;
		r->b = in_list(in, n, t);
		r->tag = "!!bool";
	} else if (in_list(in, n, nul)) {
		r->kind = YR_NULL;
		r->tag = "!!null";
	} else if (in_list(in, n, nan) || in_list(in, n, inf) || in_list(in, n, ninf)) {
		r->kind = YR_FLOAT;
		r->f = in_list(in, n, nan) ? NAN : in_list(in, n, inf) ? INFINITY : -INFINITY;
		r->tag = "!!float";
	} else if (eq(in, n, "<<")) {
		r->kind = YR_MERGE;
		r->tag = "!!merge";
	} else {
		return 0;
	}
	return 1;
}

static int set_int(struct yresolved *r, int64_t v)
{
	r->kind = YR_INT;
	r->i = v;
	r->tag = "!!int";
	return 1;
}

/* The numeric cases of resolve() (hint 'D' or 'S'). */
static int resolve_number(const char *tag, const char *in, size_t n, char *plain,
			  struct yresolved *r)
{
	size_t m = 0;
	int64_t iv;
	uint64_t uv;
	double fv;

	if ((tag[0] == '\0' || strcmp(tag, "!!timestamp") == 0) && yres_is_timestamp(in, n, &r->t)) {
		r->kind = YR_TIME;
		r->tag = "!!timestamp";
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (in[i] != '_')
			plain[m++] = in[i];
	plain[m] = '\0';
	if (parse_int(plain, m, 0, &iv) == 0)
		return set_int(r, iv);
	if (parse_uint(plain, m, 0, &uv) == 0) {
		r->kind = YR_UINT;
		r->u = uv;
		r->tag = "!!int";
		return 1;
	}
	if (yaml_style_float(plain, m) && go_parse_float(plain, m, &fv) == 0) {
		r->kind = YR_FLOAT;
		r->f = fv;
		r->tag = "!!float";
		return 1;
	}
	if (m >= 2 && plain[0] == '0' && (plain[1] == 'b' || plain[1] == 'o')) {
		int base = plain[1] == 'b' ? 2 : 8;

		if (parse_int(plain + 2, m - 2, base, &iv) == 0)
			return set_int(r, iv);
		if (parse_uint(plain + 2, m - 2, base, &uv) == 0) {
			r->kind = YR_UINT;
			r->u = uv;
			r->tag = "!!int";
			return 1;
		}
	} else if (m >= 3 && plain[0] == '-' && plain[1] == '0' &&
		   (plain[2] == 'b' || plain[2] == 'o')) {
		int base = plain[2] == 'b' ? 2 : 8;

		plain[2] = '-';         /* "-" + plain[3:] */
		if (parse_int(plain + 2, m - 2, base, &iv) == 0)
			return set_int(r, iv);
	}
	return 0;
}

static int resolve_untyped(const char *tag, const char *in, size_t n, struct yresolved *r,
			   char *plain)
{
	char hint = hint_of(in, n);
	double fv;

	if (hint == 0 || strcmp(tag, "!!str") == 0 || strcmp(tag, "!!binary") == 0)
		return 0;
	if (lookup_map(in, n, r))
		return 1;
	if (hint == '.') {
		if (go_parse_float(in, n, &fv) == 0) {
			r->kind = YR_FLOAT;
			r->f = fv;
			r->tag = "!!float";
			return 1;
		}
		return 0;
	}
	if (hint == 'D' || hint == 'S')
		return resolve_number(tag, in, n, plain, r);
	return 0;
}

int yres_resolve(const char *tag, const char *in, size_t n, struct yresolved *r,
		 struct sops_err *err)
{
	char small[128];
	int rc;

	memset(r, 0, sizeof(*r));
	if (!resolvable(tag)) {
		r->kind = YR_OTHER;
		r->tag = tag;
		return 0;
	}
	if (n < sizeof(small)) {
		rc = resolve_untyped(tag, in, n, r, small);
		explicit_bzero(small, sizeof(small));
	} else {
		struct buf b = BUF_INIT_SECURE;

		if (buf_reserve(&b, n + 1) != 0)
			return err_set(err, EX_ERROR, "out of memory");
		rc = resolve_untyped(tag, in, n, r, (char *)b.data);
		buf_free(&b);
	}
	if (!rc) {
		r->kind = YR_STR;
		r->tag = "!!str";
	}
	if (tag[0] == '\0' || strcmp(tag, r->tag) == 0 || strcmp(tag, "!!str") == 0 ||
	    strcmp(tag, "!!binary") == 0)
		return 0;
	if (strcmp(tag, "!!float") == 0 && r->kind == YR_INT) {
		r->kind = YR_FLOAT;
		r->f = (double)r->i;
		r->tag = "!!float";
		return 0;
	}
	/* yaml.v3 also quotes the value; it may be a secret, so it is left out */
	return err_set(err, EX_COULD_NOT_READ, "yaml: cannot decode %s as a %s", r->tag, tag);
}

/* ---- values as sops sees them ------------------------------------------------ */

/* yaml.v3 Node.indicatedString(): a quoted/block scalar without another tag. */
static int indicated_string(const struct ynode *n)
{
	return strcmp(n->tag, "!!str") == 0 ||
	       ((n->tag[0] == '\0' || strcmp(n->tag, "!") == 0) &&
		(n->style & (YS_SINGLE | YS_DOUBLE | YS_LITERAL | YS_FOLDED)) != 0);
}

static int set_str(struct sdoc *doc, struct tvalue *out, const char *s, size_t n)
{
	return tvalue_set(doc, out, VT_STR, s, n);
}

static int decode_binary(struct sdoc *doc, const struct ynode *n, struct tvalue *out,
			 struct sops_err *err)
{
	struct buf b = BUF_INIT_SECURE;
	int rc;

	if (b64_decode(B64_STD, n->value, n->vlen, &b) != 0) {
		buf_free(&b);
		return err_set(err, EX_COULD_NOT_READ,
			       "yaml: !!binary value contains invalid base64 data");
	}
	rc = set_str(doc, out, b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	return rc == 0 ? 0 : err_set(err, EX_ERROR, "out of memory");
}

int yres_value(struct sdoc *doc, const struct ynode *n, struct tvalue *out,
	       struct sops_err *err)
{
	struct yresolved r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->s = "";
	if (indicated_string(n))
		return set_str(doc, out, n->value, n->vlen) == 0 ? 0 :
		       err_set(err, EX_ERROR, "out of memory");
	if (yres_resolve(n->tag, n->value, n->vlen, &r, err) != 0)
		return -1;
	if (r.kind == YR_OTHER && strcmp(r.tag, "!!binary") == 0)
		return decode_binary(doc, n, out, err);
	switch (r.kind) {
	case YR_NULL:
		out->type = VT_NULL;
		return 0;
	case YR_BOOL: rc = tvalue_bool(doc, out, r.b); break;
	case YR_INT: rc = tvalue_int(doc, out, r.i); break;
	case YR_FLOAT: rc = tvalue_float(doc, out, r.f); break;
	case YR_TIME:
		rc = tvalue_time(doc, out, &r.t);
		if (rc != 0)
			return err_set(err, EX_COULD_NOT_READ,
				       "yaml: timestamp out of range for Go's MarshalText");
		return 0;
	case YR_UINT:
		/* sops cannot walk a Go uint64; i keeps the bits for a key's %s */
		rc = tvalue_set(doc, out, VT_INVALID, "uint64", 6);
		out->i = (int64_t)r.u;
		break;
	default:
		rc = set_str(doc, out, n->value, n->vlen);
		break;
	}
	return rc == 0 ? 0 : err_set(err, EX_ERROR, "out of memory");
}

/* ---- Go %T / %s of a non-string key ------------------------------------------ */

static int fmt_time_string(struct buf *b, const struct gotime *t)
{
	int64_t local = t->sec + t->off, days = local / 86400, rem = local % 86400, y;
	int m, d, off = t->off;
	char frac[16];
	int nf = 0;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	go_civil_from_days(days, &y, &m, &d);
	if (t->nsec != 0) {
		int32_t ns = t->nsec;

		nf = snprintf(frac, sizeof(frac), ".%09d", (int)ns);
		while (nf > 1 && frac[nf - 1] == '0')
			nf--;
		frac[nf] = '\0';
	}
	if (buf_printf(b, "%04lld-%02d-%02d %02d:%02d:%02d%s %c%02d%02d ", (long long)y, m, d,
		       (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), nf ? frac : "",
		       off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60) != 0)
		return -1;
	if (off == 0)
		return buf_adds(b, "UTC");
	return buf_printf(b, "%c%02d%02d", off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60);
}

int yres_key_text(struct sdoc *doc, const struct tvalue *v, const char **type,
		  const char **text, size_t *len)
{
	struct buf b = BUF_INIT_SECURE;
	int rc = 0;

	switch (v->type) {
	case VT_INT:
		*type = "int";
		rc = buf_printf(&b, "%%!s(int=%s)", v->s);
		break;
	case VT_BOOL:
		*type = "bool";
		rc = buf_adds(&b, v->b ? "%!s(bool=true)" : "%!s(bool=false)");
		break;
	case VT_FLOAT:
		*type = "float64";
		rc = buf_adds(&b, "%!s(float64=") | go_format_float(&b, v->f, 'g') |
		     buf_addc(&b, ')');
		break;
	case VT_NULL:
		*type = "<nil>";
		rc = buf_adds(&b, "%!s(<nil>)");
		break;
	case VT_TIME:
		*type = "time.Time";
		rc = fmt_time_string(&b, &v->t);
		break;
	case VT_INVALID:
		*type = "uint64";
		rc = buf_printf(&b, "%%!s(uint64=%llu)", (unsigned long long)(uint64_t)v->i);
		break;
	default:
		*type = NULL;
		*text = v->s;
		*len = v->len;
		return 0;
	}
	if (rc == 0) {
		*text = pool_strndup(doc->pool, b.data ? (const char *)b.data : "", b.len);
		*len = b.len;
	}
	buf_free(&b);
	return rc == 0 && *text != NULL ? 0 : -1;
}
