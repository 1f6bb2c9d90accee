/* json_write.c - Go encoding/json output: scalars and indented trees. */
#include "json_write.h"
#include "json_lex.h"

#include <math.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

/* Bytes below 0x80 that json.Marshal (HTML-safe) writes as they are. */
static int html_safe(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

static int put_ascii_escape(struct buf *out, unsigned char c)
{
	static const char from[] = "\\\"\b\f\n\r\t", to[] = "\\\"bfnrt";
	const char *p = c ? memchr(from, c, sizeof(from) - 1) : NULL;
	char e[6] = { '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };

	if (p != NULL) {
		char two[2] = { '\\', to[p - from] };

		return buf_add(out, two, 2);
	}
	return buf_add(out, e, 6);
}

int json_put_string(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0;
	int rc = buf_addc(out, '"');

	while (i < n && rc == 0) {
		uint32_t r;
		size_t k;

		if (u[i] < 0x80) {
			if (html_safe(u[i])) {
				i++;
				continue;
			}
			rc = buf_add(out, s + start, i - start);
			if (rc == 0)
				rc = put_ascii_escape(out, u[i]);
			start = ++i;
			continue;
		}
		k = go_utf8_decode(u + i, n - i, &r);
		if (k == 0) {
			rc = buf_add(out, s + start, i - start);
			if (rc == 0)
				rc = buf_add(out, "\\ufffd", 6);
			start = ++i;
		} else if (r == 0x2028 || r == 0x2029) {
			rc = buf_add(out, s + start, i - start);
			if (rc == 0)
				rc = buf_add(out, r == 0x2028 ? "\\u2028" : "\\u2029", 6);
			i += k;
			start = i;
		} else {
			i += k;
		}
	}
	if (rc == 0)
		rc = buf_add(out, s + start, i - start);
	return rc == 0 ? buf_addc(out, '"') : -1;
}

static int put_base64(struct buf *out, const unsigned char *p, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int rc = buf_addc(out, '"');

	for (size_t i = 0; i < n && rc == 0; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		rc = buf_add(out, q, 4);
	}
	return rc == 0 ? buf_addc(out, '"') : -1;
}

static int unsupported(struct sops_err *err, const char *what)
{
	return err_set(err, EX_OUTPUT_STORE, "Error marshaling to json: Error encoding value : "
		       "json: unsupported value: %s", what);
}

int json_put_value(struct buf *out, const struct tvalue *v, struct sops_err *err)
{
	int rc;

	switch (v->type) {
	case VT_STR:
	case VT_COMMENT:
		rc = json_put_string(out, v->s, v->len);
		break;
	case VT_INT:
		rc = buf_add(out, v->s, v->len);
		break;
	case VT_FLOAT:
		if (isnan(v->f))
			return unsupported(err, "NaN");
		if (isinf(v->f))
			return unsupported(err, v->f > 0 ? "+Inf" : "-Inf");
		rc = go_format_json_float(out, v->f);
		break;
	case VT_BOOL:
		rc = buf_adds(out, v->b ? "true" : "false");
		break;
	case VT_NULL:
		rc = buf_adds(out, "null");
		break;
	case VT_TIME:
		rc = buf_addc(out, '"');
		if (rc == 0 && go_format_rfc3339nano(out, &v->t) != 0)
			return err_set(err, EX_OUTPUT_STORE, "Error marshaling to json: "
				       "Time.MarshalJSON: year outside of range [0,9999]");
		if (rc == 0)
			rc = buf_addc(out, '"');
		break;
	case VT_BYTES:
		rc = put_base64(out, (const unsigned char *)v->s, v->len);
		break;
	default:
		return err_set(err, EX_OUTPUT_STORE, "Error marshaling to json: unsupported value");
	}
	return rc == 0 ? 0 : err_set(err, EX_ERROR, "out of memory");
}

static int put_indent(struct buf *out, int depth, const char *unit, size_t unitlen)
{
	if (buf_addc(out, '\n') != 0)
		return -1;
	for (int d = 0; d < depth; d++)
		if (buf_add(out, unit, unitlen) != 0)
			return -1;
	return 0;
}

static size_t count_items(const struct node *n)
{
	size_t c = 0;

	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i]->kind != NK_COMMENT &&
		    !(n->kids[i]->kind == NK_SCALAR && n->kids[i]->val.type == VT_COMMENT))
			c++;
	return c;
}

int json_put_tree(struct buf *out, const struct node *n, int depth,
		  const char *unit, size_t unitlen, struct sops_err *err)
{
	size_t total, done = 0;
	int map = n->kind == NK_MAP;

	if (n->kind == NK_SCALAR)
		return json_put_value(out, &n->val, err);
	if (depth > 1000)
		return err_set(err, EX_ERROR, "document nesting is deeper than 1000 levels");
	total = count_items(n);
	if (buf_addc(out, map ? '{' : '[') != 0)
		goto oom;
	for (size_t i = 0; i < n->nkids; i++) {
		const struct node *k = n->kids[i];

		if (k->kind == NK_COMMENT || (k->kind == NK_SCALAR && k->val.type == VT_COMMENT))
			continue;
		if (put_indent(out, depth + 1, unit, unitlen) != 0)
			goto oom;
		if (map && (json_put_string(out, k->key ? k->key : "", k->keylen) != 0 ||
			    buf_add(out, ": ", 2) != 0))
			goto oom;
		if (json_put_tree(out, k, depth + 1, unit, unitlen, err) != 0)
			return -1;
		if (++done < total && buf_addc(out, ',') != 0)
			goto oom;
	}
	if (total > 0 && put_indent(out, depth, unit, unitlen) != 0)
		goto oom;
	if (buf_addc(out, map ? '}' : ']') != 0)
		goto oom;
	return 0;
oom:
	return err_set(err, EX_ERROR, "out of memory");
}

int json_reindent(struct buf *out, const char *s, size_t n, int depth,
		  const char *unit, size_t unitlen, struct sops_err *err)
{
	struct jlex lx;
	int need = 0, rc = 0;

	jlex_init(&lx, s, n);
	for (;;) {
		if (jlex_next(&lx, err) != 0)
			return -1;
		if (lx.tok == JT_EOF || lx.tok == JT_OTHER)
			break;
		if (need && lx.tok != JT_RBRACE && lx.tok != JT_RBRACK) {
			rc |= put_indent(out, depth, unit, unitlen);
			need = 0;
		}
		switch (lx.tok) {
		case JT_LBRACE:
		case JT_LBRACK:
			rc |= buf_addc(out, s[lx.start]);
			need = 1;
			depth++;
			break;
		case JT_RBRACE:
		case JT_RBRACK:
			depth--;
			if (!need)
				rc |= put_indent(out, depth, unit, unitlen);
			need = 0;
			rc |= buf_addc(out, s[lx.start]);
			break;
		case JT_COMMA:
			rc |= buf_addc(out, ',');
			rc |= put_indent(out, depth, unit, unitlen);
			break;
		case JT_COLON:
			rc |= buf_add(out, ": ", 2);
			break;
		default:
			rc |= buf_add(out, s + lx.start, lx.end - lx.start);
		}
	}
	if (lx.tok == JT_OTHER)
		return err_set(err, EX_ERROR, "internal error: bad metadata text");
	return rc == 0 ? 0 : err_set(err, EX_ERROR, "out of memory");
}

int json_detect_unit(const char *s, size_t n, int depth, const char **unit, size_t *len)
{
	const char *nl = memchr(s, '\n', n);
	size_t w = 0, u;

	if (nl == NULL || depth <= 0)
		return -1;
	nl++;
	while (nl + w < s + n && (nl[w] == ' ' || nl[w] == '\t'))
		w++;
	if (w == 0 || w % (size_t)depth != 0)
		return -1;
	u = w / (size_t)depth;
	for (size_t k = u; k < w; k++)
		if (nl[k] != nl[k - u])
			return -1;
	*unit = nl;
	*len = u;
	return 0;
}
