/* yaml_scalar.c - a value written as go.yaml.in/yaml v3 writes it (what
 * `sops decrypt` prints): encode.go stringv() picks plain, double-quoted or
 * literal; emitterc.go analyze_scalar/select_scalar_style may downgrade to
 * single or double quotes; the writers escape exactly like yaml.v3,
 * including its quirks (uppercase \x7F, \U0001F600 for non-BMP, every
 * character escaped after a leading BOM, |4- indicators, no line folding).
 * Hand-written: libyaml's emitter differs from yaml.v3's in these details.
 */
#include "yaml_int.h"
#include "../../crypto/b64.h"

#include <string.h>

struct yana {
	int multiline, flow_plain, block_plain, single_ok, block_ok;
};

static unsigned char byte_at(const char *v, size_t n, size_t i)
{
	return i < n ? (unsigned char)v[i] : 0;
}

static int is_printable(const char *v, size_t n, size_t i)
{
	unsigned char c = byte_at(v, n, i), c1 = byte_at(v, n, i + 1), c2 = byte_at(v, n, i + 2);

	return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c == 0xC2 && c1 >= 0xA0) ||
	       (c > 0xC2 && c < 0xED) || (c == 0xED && c1 < 0xA0) || c == 0xEE ||
	       (c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)));
}

static int is_break(const char *v, size_t n, size_t i)
{
	unsigned char c = byte_at(v, n, i);

	return c == '\r' || c == '\n' || (c == 0xC2 && byte_at(v, n, i + 1) == 0x85) ||
	       (c == 0xE2 && byte_at(v, n, i + 1) == 0x80 &&
		(byte_at(v, n, i + 2) == 0xA8 || byte_at(v, n, i + 2) == 0xA9));
}

static int is_blank(const char *v, size_t n, size_t i)
{
	unsigned char c = byte_at(v, n, i);

	return c == ' ' || c == '\t';
}

static int is_blankz(const char *v, size_t n, size_t i)
{
	return i >= n || is_blank(v, n, i) || is_break(v, n, i) || byte_at(v, n, i) == 0;
}

static int utf8_valid(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t w;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			w = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			w = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			w = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + w > n)
			return 0;
		for (size_t k = 1; k < w; k++) {
			if (((unsigned char)s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
		}
		if ((w == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (w == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		i += w;
	}
	return 1;
}

/* What yaml_emitter_analyze_scalar notices while walking the value. */
struct yscan_flags {
	int block_ind, flow_ind, line_breaks, special, tabs;
	int lead_space, lead_break, trail_space, trail_break, break_space, space_break;
	int prev_space, prev_break;
};

static void indicators(const char *v, size_t n, size_t i, size_t w, int preceded_ws,
		       struct yscan_flags *f)
{
	unsigned char c = (unsigned char)v[i];
	int followed_ws = is_blankz(v, n, i + w);

	if (i == 0) {
		if (c != 0 && strchr("#,[]{}&*!|>'\"%@`", c)) {
			f->flow_ind = f->block_ind = 1;
		} else if (c == '?' || c == ':') {
			f->flow_ind = 1;
			if (followed_ws)
				f->block_ind = 1;
		} else if (c == '-' && followed_ws) {
			f->flow_ind = f->block_ind = 1;
		}
	} else if (c != 0 && strchr(",?[]{}", c)) {
		f->flow_ind = 1;
	} else if (c == ':') {
		f->flow_ind = 1;
		if (followed_ws)
			f->block_ind = 1;
	} else if (c == '#' && preceded_ws) {
		f->flow_ind = f->block_ind = 1;
	}
}

static void spaces_and_breaks(const char *v, size_t n, size_t i, size_t w, struct yscan_flags *f)
{
	if (v[i] == '\t')
		f->tabs = 1;
	else if (!is_printable(v, n, i))
		f->special = 1;
	if (v[i] == ' ') {
		f->lead_space |= i == 0;
		f->trail_space |= i + w == n;
		f->break_space |= f->prev_break;
		f->prev_space = 1;
		f->prev_break = 0;
	} else if (is_break(v, n, i)) {
		f->line_breaks = 1;
		f->lead_break |= i == 0;
		f->trail_break |= i + w == n;
		f->space_break |= f->prev_space;
		f->prev_space = 0;
		f->prev_break = 1;
	} else {
		f->prev_space = f->prev_break = 0;
	}
}

/* A printable ASCII character that is neither a blank nor an indicator
 * after the first position: it changes nothing but "previous was a space
 * or break" (most characters of most values). */
static int quiet_ascii(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7F)
		return 0;
	switch (c) {
	case ',': case '?': case '[': case ']': case '{': case '}': case ':': case '#':
		return 0;
	default:
		return 1;
	}
}

/* yaml_emitter_analyze_scalar (unicode on). */
static void analyze(const char *v, size_t n, struct yana *a)
{
	struct yscan_flags f;
	int preceded_ws = 1;

	memset(&f, 0, sizeof(f));
	if (n == 0) {
		a->multiline = 0;
		a->flow_plain = 0;
		a->block_plain = 1;
		a->single_ok = 1;
		a->block_ok = 0;
		return;
	}
	if (n >= 3 && ((v[0] == '-' && v[1] == '-' && v[2] == '-') ||
		       (v[0] == '.' && v[1] == '.' && v[2] == '.')))
		f.block_ind = f.flow_ind = 1;
	for (size_t i = 0, w; i < n; i += w) {
		if (i > 0 && quiet_ascii((unsigned char)v[i])) {
			f.prev_space = f.prev_break = 0;    /* what the calls below */
			preceded_ws = 0;                    /* would note, faster */
			w = 1;
			continue;
		}
		w = yaml_utf8_width((unsigned char)v[i]);
		indicators(v, n, i, w, preceded_ws, &f);
		spaces_and_breaks(v, n, i, w, &f);
		preceded_ws = is_blankz(v, n, i);
	}
	a->multiline = f.line_breaks;
	a->flow_plain = a->block_plain = a->single_ok = a->block_ok = 1;
	if (f.lead_space || f.lead_break || f.trail_space || f.trail_break)
		a->flow_plain = a->block_plain = 0;
	if (f.trail_space)
		a->block_ok = 0;
	if (f.break_space || f.space_break || f.tabs || f.special)
		a->flow_plain = a->block_plain = a->single_ok = 0;
	if (f.space_break || f.special)
		a->block_ok = 0;
	if (f.line_breaks)
		a->flow_plain = a->block_plain = 0;
	if (f.flow_ind)
		a->flow_plain = 0;
	if (f.block_ind)
		a->block_plain = 0;
}

/* ---- encode.go stringv ------------------------------------------------------ */

static int is_old_bool(const char *s, size_t n)
{
	static const char *const l[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N",
					 "no", "No", "NO", "off", "Off", "OFF", NULL };

	for (const char *const *p = l; *p; p++)
		if (strlen(*p) == n && memcmp(*p, s, n) == 0)
			return 1;
	return 0;
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static int is_base60_float(const char *s, size_t n)
{
	size_t i = 0, groups = 0;

	if (n == 0 || memchr(s, ':', n) == NULL)
		return 0;
	if (s[0] == '+' || s[0] == '-')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	for (i++; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
		;
	while (i < n && s[i] == ':') {
		size_t d = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9' && i - d < 2)
			i++;
		if (i == d || (i - d == 2 && s[d] > '5'))
			return 0;
		groups++;
	}
	if (groups == 0)
		return 0;
	if (i < n && s[i] == '.')
		for (i++; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			;
	return i == n;
}

static unsigned select_style(unsigned style, const struct yana *a, size_t n, int flow)
{
	if (style == 0) {
		if ((flow && !a->flow_plain) || (!flow && !a->block_plain))
			style = YS_SINGLE;
		if (n == 0 && flow)
			style = YS_SINGLE;
	}
	if (style == YS_SINGLE && !a->single_ok)
		style = YS_DOUBLE;
	if (style == YS_LITERAL && (!a->block_ok || flow))
		style = YS_DOUBLE;
	return style;
}

/* encode.go stringv's style for s, given its analysis a. */
static unsigned canonical_style(const char *s, size_t n, int flow, const struct yana *a)
{
	struct yresolved r;
	unsigned style;
	int plain_ok;

	plain_ok = yres_resolve("", s, n, &r, NULL) == 0 && r.kind == YR_STR &&
		   !is_base60_float(s, n) && !is_old_bool(s, n);
	if (memchr(s, '\n', n) != NULL)
		style = flow ? YS_DOUBLE : YS_LITERAL;
	else
		style = plain_ok ? 0 : YS_DOUBLE;
	style = select_style(style, a, n, flow);
	/* yaml.v3 would end a literal block with a raw U+2028/2029 and then
	 * a line break, which reads back with an extra "\n": quote instead */
	if (style == YS_LITERAL && n >= 3 && (unsigned char)s[n - 3] == 0xE2 &&
	    (unsigned char)s[n - 2] == 0x80 &&
	    ((unsigned char)s[n - 1] == 0xA8 || (unsigned char)s[n - 1] == 0xA9))
		style = YS_DOUBLE;
	return style;
}

unsigned yscalar_canonical_style(const char *s, size_t n, int flow)
{
	struct yana a;

	analyze(s, n, &a);
	return canonical_style(s, n, flow, &a);
}

/* ---- writers --------------------------------------------------------------------- */

static int put_indent(struct buf *b, int indent)
{
	for (int i = 0; i < indent; i++)
		if (buf_addc(b, ' ') != 0)
			return -1;
	return 0;
}

/* write_break: '\n' becomes the line break in use, other breaks are copied. */
static int put_break_char(struct buf *b, const char *v, size_t n, size_t *i, const char *nl)
{
	size_t w = yaml_utf8_width((unsigned char)v[*i]);

	if (v[*i] == '\n') {
		(*i)++;
		return buf_adds(b, nl);
	}
	if (*i + w > n)
		w = n - *i;
	*i += w;
	return buf_add(b, v + *i - w, w);
}

static int write_single(struct buf *b, const char *v, size_t n, const struct yspot *sp)
{
	int breaks = 0, rc = buf_addc(b, '\'');

	for (size_t i = 0; i < n && rc == 0;) {
		if (v[i] == ' ') {
			rc = buf_addc(b, ' ');
			i++;
		} else if (is_break(v, n, i)) {
			if (!breaks && v[i] == '\n')
				rc = buf_adds(b, sp->nl);
			rc |= put_break_char(b, v, n, &i, sp->nl);
			breaks = 1;
		} else {
			size_t w = yaml_utf8_width((unsigned char)v[i]);

			if (breaks)
				rc |= put_indent(b, sp->indent);
			if (v[i] == '\'')
				rc |= buf_addc(b, '\'');
			if (i + w > n)
				w = n - i;
			rc |= buf_add(b, v + i, w);
			i += w;
			breaks = 0;
		}
	}
	return rc | buf_addc(b, '\'');
}

static int escape_char(struct buf *b, uint32_t c)
{
	static const char hexd[] = "0123456789ABCDEF";
	char esc = 0;
	int digits;

	switch (c) {
	case 0x00: esc = '0'; break;
	case 0x07: esc = 'a'; break;
	case 0x08: esc = 'b'; break;
	case 0x09: esc = 't'; break;
	case 0x0A: esc = 'n'; break;
	case 0x0B: esc = 'v'; break;
	case 0x0C: esc = 'f'; break;
	case 0x0D: esc = 'r'; break;
	case 0x1B: esc = 'e'; break;
	case 0x22: esc = '"'; break;
	case 0x5C: esc = '\\'; break;
	case 0x85: esc = 'N'; break;
	case 0xA0: esc = '_'; break;
	case 0x2028: esc = 'L'; break;
	case 0x2029: esc = 'P'; break;
	default: break;
	}
	if (buf_addc(b, '\\') != 0)
		return -1;
	if (esc)
		return buf_addc(b, esc);
	digits = c <= 0xFF ? 2 : c <= 0xFFFF ? 4 : 8;
	if (buf_addc(b, digits == 2 ? 'x' : digits == 4 ? 'u' : 'U') != 0)
		return -1;
	for (int k = (digits - 1) * 4; k >= 0; k -= 4)
		if (buf_addc(b, hexd[(c >> k) & 0xF]) != 0)
			return -1;
	return 0;
}

static int write_double(struct buf *b, const char *v, size_t n)
{
	int bom = n >= 3 && (unsigned char)v[0] == 0xEF && (unsigned char)v[1] == 0xBB &&
		  (unsigned char)v[2] == 0xBF;
	int rc = buf_addc(b, '"');

	for (size_t i = 0; i < n && rc == 0;) {
		unsigned char c = (unsigned char)v[i];
		size_t w = yaml_utf8_width(c);

		if (i + w > n)
			w = n - i;
		if (!is_printable(v, n, i) || bom || is_break(v, n, i) || c == '"' || c == '\\') {
			uint32_t cp = w == 1 ? c : w == 2 ? (c & 0x1F) : w == 3 ? (c & 0x0F) : (c & 0x07);

			for (size_t k = 1; k < w; k++)
				cp = (cp << 6) | ((unsigned char)v[i + k] & 0x3F);
			rc = escape_char(b, cp);
		} else {
			rc = buf_add(b, v + i, w);
		}
		i += w;
	}
	return rc | buf_addc(b, '"');
}

/* The header of a literal block ("|", "|-", "|+", "|4-"...). */
static int literal_header(struct buf *b, const char *v, size_t n, const struct yspot *sp)
{
	int rc = buf_addc(b, '|');

	/* yaml.v3 adds the indentation indicator for a leading space or break;
	 * a leading tab needs it too, or the block cannot be read back */
	if (n > 0 && (v[0] == ' ' || v[0] == '\t' || is_break(v, n, 0))) {
		int ind = sp->block_indent >= 0 ? sp->indent - sp->block_indent : sp->indent;

		if (ind < 1 || ind > 9)
			ind = sp->indent > 9 ? 9 : sp->indent;
		rc |= buf_addc(b, (char)('0' + ind));
	}
	if (n == 0) {
		rc |= buf_addc(b, '-');
	} else {
		size_t i = n - 1;

		while (i > 0 && ((unsigned char)v[i] & 0xC0) == 0x80)
			i--;
		if (!is_break(v, n, i)) {
			rc |= buf_addc(b, '-');
		} else if (i == 0) {
			rc |= buf_addc(b, '+');
		} else {
			i--;
			while (i > 0 && ((unsigned char)v[i] & 0xC0) == 0x80)
				i--;
			if (is_break(v, n, i))
				rc |= buf_addc(b, '+');
		}
	}
	return rc;
}

/* The body of a literal block: the header's line break, then the lines. */
static int literal_body(struct buf *b, const char *v, size_t n, const struct yspot *sp)
{
	int breaks = 1, rc = buf_adds(b, sp->nl);

	for (size_t i = 0; i < n && rc == 0;) {
		if (is_break(v, n, i)) {
			rc = put_break_char(b, v, n, &i, sp->nl);
			breaks = 1;
		} else {
			size_t w = yaml_utf8_width((unsigned char)v[i]);

			if (breaks)
				rc = put_indent(b, sp->indent);
			if (i + w > n)
				w = n - i;
			rc |= buf_add(b, v + i, w);
			i += w;
			breaks = 0;
		}
	}
	return rc;
}

/* encode.go encodeBase64: 70-column lines when it does not fit on one. */
static int base64_text(struct buf *t, const char *s, size_t n)
{
	struct buf e = BUF_INIT_SECURE;
	size_t lines;
	int rc = b64_encode(B64_STD, (const uint8_t *)s, n, &e);

	lines = e.len / 70 + 1;
	for (size_t i = 0; rc == 0 && i < e.len; i += 70) {
		size_t k = e.len - i < 70 ? e.len - i : 70;

		rc = buf_add(t, e.data + i, k);
		if (rc == 0 && lines > 1)
			rc = buf_addc(t, '\n');
	}
	buf_free(&e);
	return rc;
}

static int write_string(const char *s, size_t n, const struct yspot *sp, unsigned style,
			struct buf *out, struct buf *body)
{
	if (style == YS_LITERAL && body == NULL)
		style = YS_DOUBLE;
	switch (style) {
	case YS_SINGLE: return write_single(out, s, n, sp);
	case YS_DOUBLE: return write_double(out, s, n);
	case YS_LITERAL:
		return literal_header(out, s, n, sp) | literal_body(body, s, n, sp);
	default:
		if (n == 2 && memcmp(s, "<<", 2) == 0)
			return buf_adds(out, "!!merge <<");
		return buf_add(out, s, n);
	}
}

static int write_binary(const char *s, size_t n, const struct yspot *sp, struct buf *out,
			struct buf *body)
{
	struct buf t = BUF_INIT_SECURE;
	struct yana a;
	unsigned style;
	int rc = base64_text(&t, s, n);

	if (rc == 0) {
		style = memchr(t.data, '\n', t.len) ? YS_LITERAL : 0;
		analyze((const char *)t.data, t.len, &a);
		style = select_style(style, &a, t.len, sp->flow);
		rc = buf_adds(out, "!!binary ") |
		     write_string((const char *)t.data, t.len, sp, style, out, body);
	}
	buf_free(&t);
	return rc;
}

static int write_str(const struct tvalue *v, const struct yspot *sp, struct buf *out,
		     struct buf *body)
{
	struct yana a;
	unsigned style;

	if (!utf8_valid(v->s, v->len))
		return write_binary(v->s, v->len, sp, out, body);
	analyze(v->s, v->len, &a);
	if (sp->prefer == YS_DOUBLE)
		return write_double(out, v->s, v->len);
	if (sp->prefer == YS_SINGLE && a.single_ok)
		return write_single(out, v->s, v->len, sp);
	style = canonical_style(v->s, v->len, sp->flow, &a);
	return write_string(v->s, v->len, sp, style, out, body);
}

int yscalar_write(const struct tvalue *v, const struct yspot *spot, struct buf *out,
		  struct buf *body, struct sops_err *err)
{
	int rc;

	switch (v->type) {
	case VT_STR:
	case VT_BYTES:
		rc = write_str(v, spot, out, body);
		break;
	case VT_INT:
	case VT_TIME:
		rc = buf_add(out, v->s, v->len);
		break;
	case VT_BOOL:
		rc = buf_adds(out, v->b ? "true" : "false");
		break;
	case VT_NULL:
		rc = buf_adds(out, "null");
		break;
	case VT_FLOAT:
		if (v->f != v->f)
			rc = buf_adds(out, ".nan");
		else if (v->f > 1.7976931348623157e308)
			rc = buf_adds(out, ".inf");
		else if (v->f < -1.7976931348623157e308)
			rc = buf_adds(out, "-.inf");
		else
			rc = go_format_float(out, v->f, 'g');
		break;
	default:
		return err_set(err, EX_ERROR, "cannot write a value of type %s as YAML",
			       v->type == VT_INVALID ? v->s : vtype_tag(v->type));
	}
	return rc == 0 ? 0 : err_set(err, EX_ERROR, "out of memory");
}
