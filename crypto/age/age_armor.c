/* age_armor.c - age's ASCII armor ("-----BEGIN AGE ENCRYPTED FILE-----").
 *
 * Written by hand (the format is age's own strict PEM variant): standard
 * padded base64 in 64-column lines, no headers. Decoding follows age's
 * armor reader: up to 1024 bytes of whitespace around the armor, LF or
 * CRLF lines, every line full (48 bytes) except the last one, canonical
 * base64, nothing after the END line but whitespace.
 */
#include "age.h"
#include "../b64.h"

#include <stdio.h>
#include <string.h>

#define COLUMNS 64
#define BYTES_PER_LINE 48
#define MAX_WHITESPACE 1024

int age_armor_encode(const uint8_t *in, size_t n, struct buf *out)
{
	struct buf enc = BUF_INIT;
	size_t off = 0;
	int rc = -1;

	if (b64_encode(B64_STD, in, n, &enc) != 0 || buf_adds(out, AGE_ARMOR_BEGIN "\n") != 0)
		goto out;
	for (; enc.len - off >= COLUMNS; off += COLUMNS)
		if (buf_add(out, enc.data + off, COLUMNS) != 0 || buf_addc(out, '\n') != 0)
			goto out;
	if (enc.len > off && (buf_add(out, enc.data + off, enc.len - off) != 0 ||
			      buf_addc(out, '\n') != 0))
		goto out;
	if (buf_adds(out, AGE_ARMOR_END "\n") != 0)
		goto out;
	rc = 0;
out:
	buf_free(&enc);
	return rc;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int all_space(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space(p[i]))
			return 0;
	return 1;
}

struct lines {
	const uint8_t *in;
	size_t n, pos;
};

/* Next line without "\n" and one trailing "\r"; -1 at end of input. */
static int get_line(struct lines *l, const char **line, size_t *len)
{
	const uint8_t *start = l->in + l->pos, *nl;

	if (l->pos >= l->n)
		return -1;
	nl = memchr(start, '\n', l->n - l->pos);
	*len = nl ? (size_t)(nl - start) : l->n - l->pos;
	l->pos += *len + (nl ? 1 : 0);
	if (*len > 0 && start[*len - 1] == '\r')
		(*len)--;
	*line = (const char *)start;
	return 0;
}

static int is_line(const char *line, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(line, want, len) == 0;
}

static int armor_err(struct sops_err *err, const char *why, const char *line, size_t len)
{
	struct buf q = BUF_INIT;

	if (line != NULL)
		age_goquote(&q, line, len);
	err_set(err, EX_ERROR, "invalid armor: %s%s", why, q.data ? (char *)q.data : "");
	buf_free(&q);
	return -1;
}

static int drain_trailing(const struct lines *l, struct sops_err *err)
{
	size_t rest = l->n - l->pos;

	if (rest > MAX_WHITESPACE)
		rest = MAX_WHITESPACE;
	if (!all_space(l->in + l->pos, rest))
		return armor_err(err, "trailing data after armored file", NULL, 0);
	if (rest == MAX_WHITESPACE)
		return armor_err(err, "too much trailing whitespace", NULL, 0);
	return 0;
}

static int find_begin(struct lines *l, struct sops_err *err)
{
	size_t removed = 0, len;
	const char *line;

	for (;;) {
		if (get_line(l, &line, &len) != 0)
			return armor_err(err, "unexpected EOF", NULL, 0);
		if (all_space((const uint8_t *)line, len)) {
			removed += len + 1;
			if (removed > MAX_WHITESPACE)
				return armor_err(err, "too much leading whitespace", NULL, 0);
			continue;
		}
		if (!is_line(line, len, AGE_ARMOR_BEGIN))
			return armor_err(err, "invalid first line: ", line, len);
		return 0;
	}
}

static int decode_lines(struct lines *l, struct buf *out, struct sops_err *err)
{
	const char *line;
	char why[64];
	size_t len, bad = 0;

	for (;;) {
		size_t before = out->len;

		if (get_line(l, &line, &len) != 0)
			return armor_err(err, "unexpected EOF", NULL, 0);
		if (is_line(line, len, AGE_ARMOR_END))
			return drain_trailing(l, err);
		if (len == 0)
			return armor_err(err, "empty line in armored data", NULL, 0);
		if (len > COLUMNS)
			return armor_err(err, "column limit exceeded", NULL, 0);
		if (b64_decode_pos(B64_STD_STRICT, line, len, out, &bad) != 0) {
			snprintf(why, sizeof(why), "illegal base64 data at input byte %zu", bad);
			return armor_err(err, why, NULL, 0);
		}
		if (out->len - before < BYTES_PER_LINE)
			break;
	}
	if (get_line(l, &line, &len) != 0)
		return armor_err(err, "unexpected EOF", NULL, 0);
	if (!is_line(line, len, AGE_ARMOR_END))
		return armor_err(err, "invalid closing line: ", line, len);
	return drain_trailing(l, err);
}

int age_armor_decode(const uint8_t *in, size_t n, struct buf *out, struct sops_err *err)
{
	struct lines l = { in, n, 0 };
	size_t start = out->len;

	if (find_begin(&l, err) != 0 || decode_lines(&l, out, err) != 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int age_is_armored(const uint8_t *in, size_t n)
{
	size_t i = 0, bl = strlen(AGE_ARMOR_BEGIN);

	while (i < n && is_space(in[i]))
		i++;
	return n - i >= bl && memcmp(in + i, AGE_ARMOR_BEGIN, bl) == 0;
}
