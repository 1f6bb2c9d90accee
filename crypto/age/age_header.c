/* age_header.c - the age v1 header: parse, marshal and MAC.
 *
 * Written by hand (no library implements the age format). Layout:
 *   age-encryption.org/v1\n
 *   -> TYPE ARG...\n  + body in raw base64, 64 columns, last line short
 *   --- MAC\n         (HMAC-SHA-256 of everything before " MAC")
 * Parsing is as strict as age's internal/format and its errors use age's
 * words, so a header that parses re-marshals to the same bytes.
 */
#include "age.h"
#include "../b64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INTRO "age-encryption.org/v1\n"
#define COLUMNS 64
#define BYTES_PER_LINE 48

struct cursor {
	const uint8_t *in;
	size_t n, pos;
};

/* Next line including its '\n'; -1 at EOF before a newline. */
static int next_line(struct cursor *c, const char **line, size_t *len)
{
	const uint8_t *nl;

	if (c->pos >= c->n)    /* also an empty input, whose pointer may be NULL */
		return -1;
	nl = memchr(c->in + c->pos, '\n', c->n - c->pos);
	if (nl == NULL)
		return -1;
	*line = (const char *)c->in + c->pos;
	*len = (size_t)(nl - (c->in + c->pos)) + 1;
	c->pos += *len;
	return 0;
}

/* err = prefix + %q(line) + suffix */
static int err_line(struct sops_err *err, const char *prefix, const char *line, size_t len,
		    const char *suffix)
{
	struct buf q = BUF_INIT;

	age_goquote(&q, line, len);
	err_set(err, EX_ERROR, "%s%s%s", prefix, q.data ? (char *)q.data : "\"\"", suffix);
	buf_free(&q);
	return -1;
}

static int valid_arg(const char *a, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)a[i] < 33 || (unsigned char)a[i] > 126)
			return 0;
	return 1;
}

/* Split "PREFIX ARG ARG" (line without '\n') at single spaces into a new
 * stanza's args; the prefix itself must equal want. */
static int split_args(const char *line, size_t len, const char *want, struct age_stanza *s)
{
	size_t wl = strlen(want), start;

	if (len < wl || memcmp(line, want, wl) != 0 || (len > wl && line[wl] != ' '))
		return -1;
	if (len == wl)
		return 0;
	start = wl + 1;
	for (size_t i = start; i <= len; i++) {
		char **na;

		if (i < len && line[i] != ' ')
			continue;
		/* a NUL is not a valid argument byte (and strndup would cut it) */
		if (memchr(line + start, '\0', i - start) != NULL)
			return -1;
		na = realloc(s->args, (s->nargs + 1) * sizeof(*na));
		if (na == NULL)
			return -1;
		s->args = na;
		s->args[s->nargs] = strndup(line + start, i - start);
		if (s->args[s->nargs] == NULL)
			return -1;
		s->nargs++;
		start = i + 1;
	}
	return 0;
}

static void stanza_free(struct age_stanza *s)
{
	for (size_t i = 0; i < s->nargs; i++)
		free(s->args[i]);
	free(s->args);
	free(s->body);
	memset(s, 0, sizeof(*s));
}

static int read_body(struct cursor *c, struct age_stanza *s, struct sops_err *err)
{
	struct buf body = BUF_INIT;
	const char *line;
	char suffix[64];
	size_t len, bad = 0;

	for (;;) {
		size_t before = body.len;

		if (next_line(c, &line, &len) != 0) {
			buf_free(&body);
			return err_set(err, EX_ERROR, "failed to parse header: failed to read line: EOF");
		}
		if (b64_decode_pos(B64_RAW, line, len - 1, &body, &bad) != 0) {
			buf_free(&body);
			if ((len >= 3 && memcmp(line, "---", 3) == 0) ||
			    (len >= 2 && memcmp(line, "->", 2) == 0))
				return err_line(err, "failed to parse header: malformed body line ", line, len,
						": stanza ended without a short line\nnote: this might be a file "
						"encrypted with an old beta version of age or rage; use age "
						"v1.0.0-beta6 or rage to decrypt it");
			snprintf(suffix, sizeof(suffix), ": illegal base64 data at input byte %zu", bad);
			return err_line(err, "failed to parse header: parsing age header: malformed body line ",
					line, len, suffix);
		}
		if (body.len - before > BYTES_PER_LINE) {
			buf_free(&body);
			return err_line(err, "failed to parse header: parsing age header: malformed body line ",
					line, len, ": too long");
		}
		if (body.len - before < BYTES_PER_LINE)
			break;
	}
	s->body_len = body.len;
	s->body = buf_steal(&body, NULL);
	return s->body == NULL ? err_set(err, EX_ERROR, "out of memory") : 0;
}

static int read_stanza(struct cursor *c, struct age_stanza *s, struct sops_err *err)
{
	const char *line;
	size_t len;

	if (next_line(c, &line, &len) != 0)
		return err_set(err, EX_ERROR, "failed to parse header: failed to read line: EOF");
	if (len < 2 || memcmp(line, "->", 2) != 0)
		return err_line(err, "failed to parse header: malformed stanza opening line: ", line, len, "");
	if (split_args(line, len - 1, "->", s) != 0 || s->nargs < 1)
		return err_line(err, "failed to parse header: malformed stanza: ", line, len, "");
	for (size_t i = 0; i < s->nargs; i++)
		if (!valid_arg(s->args[i], strlen(s->args[i])))
			return err_line(err, "failed to parse header: malformed stanza: ", line, len, "");
	return read_body(c, s, err);
}

static int read_footer(struct cursor *c, struct age_header *h, struct sops_err *err)
{
	struct age_stanza tmp = { 0 };
	struct buf mac = BUF_INIT;
	const char *line;
	char suffix[64];
	size_t len, pos = 0;
	int rc = -1, bad;

	if (next_line(c, &line, &len) != 0)
		return err_set(err, EX_ERROR, "failed to read header: EOF");
	if (split_args(line, len - 1, "---", &tmp) != 0 || tmp.nargs != 1) {
		err_line(err, "parsing age header: malformed closing line: ", line, len, "");
		goto out;
	}
	bad = b64_decode_pos(B64_RAW, tmp.args[0], strlen(tmp.args[0]), &mac, &pos) != 0;
	if (bad || mac.len != AGE_MAC_LEN) {
		snprintf(suffix, sizeof(suffix), bad ? ": illegal base64 data at input byte %zu" : ": <nil>",
			 pos);
		err_line(err, "parsing age header: malformed closing line ", line, len, suffix);
		goto out;
	}
	memcpy(h->mac, mac.data, AGE_MAC_LEN);
	rc = 0;
out:
	stanza_free(&tmp);
	buf_free(&mac);
	return rc;
}

static int add_parsed(struct age_header *h, struct age_stanza *s)
{
	struct age_stanza *ns = realloc(h->stanzas, (h->nstanzas + 1) * sizeof(*ns));

	if (ns == NULL)
		return -1;
	h->stanzas = ns;
	h->stanzas[h->nstanzas++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

int age_header_parse(const uint8_t *in, size_t n, struct age_header *h, size_t *payload_off,
		     struct sops_err *err)
{
	struct cursor c = { in, n, 0 };
	const char *line;
	size_t len;

	memset(h, 0, sizeof(*h));
	if (next_line(&c, &line, &len) != 0)
		return err_set(err, EX_ERROR, "parsing age header: file is empty");
	if (len != strlen(INTRO) || memcmp(line, INTRO, len) != 0)
		return err_line(err, "parsing age header: unexpected intro: ", line, len, "");
	for (;;) {
		struct age_stanza s = { 0 };

		if (c.n - c.pos < 3) {
			age_header_free(h);
			return err_set(err, EX_ERROR, "parsing age header: failed to read header: EOF");
		}
		if (memcmp(c.in + c.pos, "---", 3) == 0)
			break;
		if (read_stanza(&c, &s, err) != 0 || add_parsed(h, &s) != 0) {
			stanza_free(&s);
			age_header_free(h);
			return -1;
		}
	}
	if (read_footer(&c, h, err) != 0) {
		age_header_free(h);
		return -1;
	}
	*payload_off = c.pos;
	return 0;
}

int age_header_add_stanza(struct age_header *h, const char *const *args, size_t nargs,
			  const uint8_t *body, size_t body_len)
{
	struct age_stanza s = { 0 };

	s.args = calloc(nargs, sizeof(*s.args));
	s.body = malloc(body_len ? body_len : 1);
	if (s.args == NULL || s.body == NULL)
		goto fail;
	for (; s.nargs < nargs; s.nargs++) {
		s.args[s.nargs] = strdup(args[s.nargs]);
		if (s.args[s.nargs] == NULL)
			goto fail;
	}
	if (body_len)
		memcpy(s.body, body, body_len);
	s.body_len = body_len;
	if (add_parsed(h, &s) != 0)
		goto fail;
	return 0;
fail:
	stanza_free(&s);
	return -1;
}

/* Body in raw base64, a newline every 64 columns, then a final newline (so
 * the last line is shorter than 64 columns, possibly empty). */
static int marshal_body(const struct age_stanza *s, struct buf *out)
{
	struct buf enc = BUF_INIT;
	size_t off = 0;
	int rc = -1;

	if (b64_encode(B64_RAW, s->body, s->body_len, &enc) != 0)
		goto out;
	for (; enc.len - off >= COLUMNS; off += COLUMNS)
		if (buf_add(out, enc.data + off, COLUMNS) != 0 || buf_addc(out, '\n') != 0)
			goto out;
	if (enc.len > off && buf_add(out, enc.data + off, enc.len - off) != 0)
		goto out;
	if (buf_addc(out, '\n') != 0)
		goto out;
	rc = 0;
out:
	buf_free(&enc);
	return rc;
}

int age_header_marshal_nomac(const struct age_header *h, struct buf *out)
{
	if (buf_adds(out, INTRO) != 0)
		return -1;
	for (size_t i = 0; i < h->nstanzas; i++) {
		const struct age_stanza *s = &h->stanzas[i];

		if (buf_adds(out, "->") != 0)
			return -1;
		for (size_t j = 0; j < s->nargs; j++)
			if (buf_addc(out, ' ') != 0 || buf_adds(out, s->args[j]) != 0)
				return -1;
		if (buf_addc(out, '\n') != 0 || marshal_body(s, out) != 0)
			return -1;
	}
	return buf_adds(out, "---");
}

int age_header_marshal(const struct age_header *h, struct buf *out)
{
	if (age_header_marshal_nomac(h, out) != 0 || buf_addc(out, ' ') != 0 ||
	    b64_encode(B64_RAW, h->mac, AGE_MAC_LEN, out) != 0)
		return -1;
	return buf_addc(out, '\n');
}

int age_header_mac(const uint8_t *file_key, size_t key_len, const struct age_header *h,
		   uint8_t mac[AGE_MAC_LEN])
{
	uint8_t hmac_key[32];
	struct buf text = BUF_INIT;
	int rc = -1;

	if (age_hkdf_sha256(file_key, key_len, NULL, 0, "header", hmac_key, sizeof(hmac_key)) != 0)
		goto out;
	if (age_header_marshal_nomac(h, &text) != 0)
		goto out;
	rc = age_hmac_sha256(hmac_key, sizeof(hmac_key), text.data, text.len, mac);
out:
	explicit_bzero(hmac_key, sizeof(hmac_key));
	buf_free(&text);
	return rc;
}

void age_header_free(struct age_header *h)
{
	for (size_t i = 0; i < h->nstanzas; i++)
		stanza_free(&h->stanzas[i]);
	free(h->stanzas);
	memset(h, 0, sizeof(*h));
}
