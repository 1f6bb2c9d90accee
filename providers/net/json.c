/* json.c - in-place JSON scanning for secret-bearing bodies (see json.h). */
#include "json.h"

#include <stdlib.h>
#include <string.h>

struct scan {
	const uint8_t *p, *end;
	int depth;
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int put_utf8(struct buf *out, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return buf_add(out, u, n);
}

static int hex4(struct scan *s, unsigned long *v)
{
	*v = 0;
	if (s->end - s->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexv(s->p[i]);

		if (h < 0)
			return -1;
		*v = (*v << 4) | (unsigned long)h;
	}
	s->p += 4;
	return 0;
}

/* String at s->p (the opening quote); unescaped into out if out != NULL. */
static int str(struct scan *s, struct buf *out)
{
	if (s->p >= s->end || *s->p != '"')
		return -1;
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		uint8_t c = *s->p++;
		unsigned long cp, lo;

		if (c != '\\') {
			if (c < 0x20 || (out && buf_addc(out, (char)c) != 0))
				return -1;
			continue;
		}
		if (s->p >= s->end)
			return -1;
		c = *s->p++;
		switch (c) {
		case '"': case '\\': case '/': break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (hex4(s, &cp) != 0)
				return -1;
			if (cp >= 0xD800 && cp < 0xDC00 && s->end - s->p >= 6 && s->p[0] == '\\' &&
			    s->p[1] == 'u') {
				s->p += 2;
				if (hex4(s, &lo) != 0)
					return -1;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			if (out && put_utf8(out, cp) != 0)
				return -1;
			continue;
		default:
			return -1;
		}
		if (out && buf_addc(out, (char)c) != 0)
			return -1;
	}
	if (s->p >= s->end)
		return -1;
	s->p++;
	return 0;
}

static int value(struct scan *s, struct buf *out, int *is_scalar);

static int container(struct scan *s, char close, int is_obj)
{
	int sc;

	if (++s->depth > 64)
		return -1;
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		ws(s);
		if (is_obj) {
			if (str(s, NULL) != 0)
				return -1;
			ws(s);
			if (s->p >= s->end || *s->p++ != ':')
				return -1;
		}
		if (value(s, NULL, &sc) != 0)
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			s->depth--;
			return 0;
		}
		return -1;
	}
}

/* Skip (or copy, for scalars) one value. */
static int value(struct scan *s, struct buf *out, int *is_scalar)
{
	ws(s);
	*is_scalar = 1;
	if (s->p >= s->end)
		return -1;
	if (*s->p == '"')
		return str(s, out);
	if (*s->p == '{' || *s->p == '[') {
		*is_scalar = 0;
		return container(s, *s->p == '{' ? '}' : ']', *s->p == '{');
	}
	const uint8_t *b = s->p;
	while (s->p < s->end && strchr(",}] \t\r\n", *s->p) == NULL)
		s->p++;
	if (s->p == b)
		return -1;
	if (s->p - b == 4 && memcmp(b, "null", 4) == 0)
		*is_scalar = 2;
	return out && *is_scalar == 1 ? buf_add(out, b, (size_t)(s->p - b)) : 0;
}

/* Position s at the value of member name[0..nlen) of the object at s->p. */
static int member(struct scan *s, const char *name, size_t nlen)
{
	int sc;

	ws(s);
	if (s->p >= s->end || *s->p != '{')
		return -1;
	s->p++;
	for (;;) {
		struct buf k = BUF_INIT;
		int match;

		ws(s);
		if (s->p < s->end && *s->p == '}')
			return 1;
		if (str(s, &k) != 0) {
			buf_free(&k);
			return -1;
		}
		match = k.len == nlen && memcmp(k.data, name, nlen) == 0;
		buf_free(&k);
		ws(s);
		if (s->p >= s->end || *s->p++ != ':')
			return -1;
		if (match)
			return 0;
		if (value(s, NULL, &sc) != 0)
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else if (s->p < s->end && *s->p == '}')
			return 1;
		else
			return -1;
	}
}

int njson_get(const uint8_t *js, size_t len, const char *path, struct buf *out)
{
	struct scan s = { js, js + len, 0 };
	size_t before = out->len;
	int sc, rc;

	while (*path) {
		size_t n = strcspn(path, ".");

		rc = member(&s, path, n);
		if (rc != 0)
			return rc;
		path += n;
		if (*path == '.')
			path++;
	}
	if (value(&s, out, &sc) != 0 || sc == 0) {
		buf_truncate(out, before);
		return -1;
	}
	return sc == 2 ? 1 : 0;
}

int njson_get_ll(const uint8_t *js, size_t len, const char *path, long long *out)
{
	struct buf b = BUF_INIT;
	char *end;
	int rc = njson_get(js, len, path, &b);

	if (rc == 0) {
		*out = strtoll(b.data ? (char *)b.data : "", &end, 10);
		if (b.len == 0 || (*end != '\0' && *end != '.'))
			rc = -1;
	}
	buf_free(&b);
	return rc;
}

int njson_add_str(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	if (buf_addc(out, '"') != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int rc;

		if (c == '"' || c == '\\')
			rc = buf_addc(out, '\\') || buf_addc(out, (char)c);
		else if (c < 0x20)
			rc = buf_printf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		else
			rc = buf_addc(out, (char)c);
		if (rc != 0)
			return -1;
	}
	return buf_addc(out, '"');
}
