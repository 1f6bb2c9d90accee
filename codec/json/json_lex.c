/* json_lex.c - JSON tokens with spans; Go's string decoding (json_lex.h).
 *
 * Hand-written: jansson has no token positions and no ordered duplicate
 * keys (see json_lex.h).
 */
#include "json_lex.h"

#include <stdio.h>
#include <string.h>

void jlex_init(struct jlex *lx, const char *s, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = s;
	lx->len = len;
}

void json_quote_char(unsigned char c, char out[16])
{
	static const char esc[] = "\a" "a" "\b" "b" "\f" "f" "\n" "n" "\r" "r" "\t" "t" "\v" "v";
	const char *e;

	if (c == '\'') {
		snprintf(out, 16, "'\\''");
		return;
	}
	if (c == '\\') {
		snprintf(out, 16, "'\\\\'");
		return;
	}
	if (c >= 0x20 && c < 0x7f) {
		snprintf(out, 16, "'%c'", c);
		return;
	}
	if (c != 0 && (e = memchr(esc, c, sizeof(esc) - 1)) != NULL && (e - esc) % 2 == 0) {
		snprintf(out, 16, "'\\%c'", e[1]);
		return;
	}
	if (c < 0x80)
		snprintf(out, 16, "'\\x%02x'", c);
	else if (c < 0xa1 || c == 0xad)
		snprintf(out, 16, "'\\u%04x'", c);     /* not printable in Go */
	else
		snprintf(out, 16, "'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
}

static int fail_char(struct jlex *lx, size_t at, const char *ctx, struct sops_err *err)
{
	char q[16];

	if (at >= lx->len)
		return err_set(err, EX_COULD_NOT_READ, "unexpected EOF");
	json_quote_char((unsigned char)lx->s[at], q);
	return err_set(err, EX_COULD_NOT_READ, "invalid character %s %s", q, ctx);
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int lex_string(struct jlex *lx, struct sops_err *err)
{
	size_t i = lx->start + 1;

	while (i < lx->len) {
		unsigned char c = (unsigned char)lx->s[i];

		if (c == '"') {
			lx->end = i + 1;
			return 0;
		}
		if (c < 0x20)
			return fail_char(lx, i, "in string literal", err);
		if (c != '\\') {
			i++;
			continue;
		}
		i++;
		if (i >= lx->len)
			break;
		c = (unsigned char)lx->s[i];
		if (c == 'u') {
			for (int k = 1; k <= 4; k++)
				if (i + k >= lx->len || !is_hex((unsigned char)lx->s[i + k]))
					return fail_char(lx, i + k, "in \\u hexadecimal character escape", err);
			i += 5;
		} else if (strchr("\"\\/bfnrt", c) != NULL && c != 0) {
			i++;
		} else {
			return fail_char(lx, i, "in string escape code", err);
		}
	}
	return err_set(err, EX_COULD_NOT_READ, "unexpected EOF");
}

static int is_digit(const struct jlex *lx, size_t i)
{
	return i < lx->len && lx->s[i] >= '0' && lx->s[i] <= '9';
}

static int lex_number(struct jlex *lx, struct sops_err *err)
{
	size_t i = lx->start;

	lx->is_int = 1;
	if (lx->s[i] == '-')
		i++;
	if (!is_digit(lx, i))
		return fail_char(lx, i, "in numeric literal", err);
	if (lx->s[i] == '0')
		i++;
	else
		while (is_digit(lx, i))
			i++;
	if (i < lx->len && lx->s[i] == '.') {
		lx->is_int = 0;
		if (!is_digit(lx, ++i))
			return fail_char(lx, i, "after decimal point in numeric literal", err);
		while (is_digit(lx, i))
			i++;
	}
	if (i < lx->len && (lx->s[i] == 'e' || lx->s[i] == 'E')) {
		lx->is_int = 0;
		i++;
		if (i < lx->len && (lx->s[i] == '+' || lx->s[i] == '-'))
			i++;
		if (!is_digit(lx, i))
			return fail_char(lx, i, "in exponent of numeric literal", err);
		while (is_digit(lx, i))
			i++;
	}
	lx->end = i;
	return 0;
}

static int lex_word(struct jlex *lx, const char *w, enum jtok t, struct sops_err *err)
{
	size_t n = strlen(w);

	for (size_t k = 1; k < n; k++) {
		size_t at = lx->start + k;

		if (at >= lx->len)
			return err_set(err, EX_COULD_NOT_READ, "unexpected EOF");
		if (lx->s[at] != w[k]) {
			char q[16], ctx[64];

			json_quote_char((unsigned char)lx->s[at], q);
			snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')", w, w[k]);
			return err_set(err, EX_COULD_NOT_READ, "invalid character %s %s", q, ctx);
		}
	}
	lx->end = lx->start + n;
	lx->tok = t;
	return 0;
}

int jlex_next(struct jlex *lx, struct sops_err *err)
{
	static const char delims[] = "{}[]:,";
	static const enum jtok dtok[] = {
		JT_LBRACE, JT_RBRACE, JT_LBRACK, JT_RBRACK, JT_COLON, JT_COMMA,
	};
	const char *d;
	unsigned char c;

	while (lx->pos < lx->len && strchr(" \t\r\n", lx->s[lx->pos]) != NULL &&
	       lx->s[lx->pos] != '\0')
		lx->pos++;
	lx->start = lx->end = lx->pos;
	if (lx->pos >= lx->len) {
		lx->tok = JT_EOF;
		return 0;
	}
	c = (unsigned char)lx->s[lx->pos];
	if (c != 0 && (d = strchr(delims, c)) != NULL) {
		lx->tok = dtok[d - delims];
		lx->end = lx->start + 1;
	} else if (c == '"') {
		lx->tok = JT_STRING;
		if (lex_string(lx, err) != 0)
			return -1;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		lx->tok = JT_NUMBER;
		if (lex_number(lx, err) != 0)
			return -1;
	} else if (c == 't') {
		if (lex_word(lx, "true", JT_TRUE, err) != 0)
			return -1;
	} else if (c == 'f') {
		if (lex_word(lx, "false", JT_FALSE, err) != 0)
			return -1;
	} else if (c == 'n') {
		if (lex_word(lx, "null", JT_NULL, err) != 0)
			return -1;
	} else {
		lx->tok = JT_OTHER;
		lx->c = c;
		lx->end = lx->start + 1;
	}
	lx->pos = lx->end;
	return 0;
}

size_t go_utf8_decode(const unsigned char *s, size_t n, uint32_t *rune)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;
	uint32_t r;

	if (c < 0x80) {
		*rune = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		need = 2;
		r = c & 0x1f;
	} else if (c < 0xf0) {
		need = 3;
		r = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else {
		need = 4;
		r = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	}
	if (n < need)
		return 0;
	for (size_t k = 1; k < need; k++) {
		unsigned char b = s[k];

		if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
			return 0;
		r = (r << 6) | (b & 0x3f);
	}
	*rune = r;
	return need;
}

int go_utf8_encode(struct buf *out, uint32_t r)
{
	unsigned char b[4];
	size_t n;

	if (r < 0x80) {
		b[0] = (unsigned char)r;
		n = 1;
	} else if (r < 0x800) {
		b[0] = (unsigned char)(0xc0 | (r >> 6));
		b[1] = (unsigned char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (r >> 12));
		b[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (r >> 18));
		b[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (r & 0x3f));
		n = 4;
	}
	return buf_add(out, b, n);
}

static int32_t getu4(const char *s, size_t n)
{
	int32_t r = 0;

	if (n < 6 || s[0] != '\\' || s[1] != 'u')
		return -1;
	for (int k = 2; k < 6; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c >= '0' && c <= '9')
			r = r * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			r = r * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			r = r * 16 + (c - 'A' + 10);
		else
			return -1;
	}
	return r;
}

/* One \uXXXX escape (or a surrogate pair) at s; returns bytes consumed. */
static size_t unquote_u(const char *s, size_t n, struct buf *out, int *rc)
{
	int32_t r = getu4(s, n), r2;

	if (r >= 0xd800 && r < 0xe000) {
		r2 = getu4(s + 6, n - 6);
		if (r < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000) {
			uint32_t full = 0x10000 + (((uint32_t)r - 0xd800) << 10) +
					((uint32_t)r2 - 0xdc00);

			*rc = go_utf8_encode(out, full);
			return 12;
		}
		r = 0xfffd;
	}
	*rc = go_utf8_encode(out, (uint32_t)r);
	return 6;
}

int json_unquote(const char *s, size_t n, struct buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t i = 1, end = n - 1;
	int rc = 0;

	while (i < end && rc == 0) {
		unsigned char c = (unsigned char)s[i];
		uint32_t r;
		size_t k;

		if (c == '\\' && s[i + 1] == 'u') {
			i += unquote_u(s + i, end - i, out, &rc);
		} else if (c == '\\') {
			const char *p = strchr(from, s[i + 1]);

			rc = buf_addc(out, p ? to[p - from] : s[i + 1]);
			i += 2;
		} else if (c < 0x80) {
			for (k = i; k < end && (unsigned char)s[k] < 0x80 && s[k] != '\\'; k++)
				;
			rc = buf_add(out, s + i, k - i);
			i = k;
		} else if ((k = go_utf8_decode((const unsigned char *)s + i, end - i, &r)) > 0) {
			rc = buf_add(out, s + i, k);
			i += k;
		} else {
			rc = buf_add(out, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	return rc;
}
