/* ini_value.c - key names and values as gopkg.in/ini.v1 reads them
 * (parser.go readKeyName, readValue, readMultilines, readContinuationLines):
 * ';' or '#' starts an inline comment even inside double quotes; "v" and 'v'
 * lose their quotes; `v` and """v""" protect everything and may span lines;
 * a trailing backslash joins the next line. Hand-written (no C library
 * follows these rules).
 */
#include "ini_parser.h"

#include <string.h>

/* readKeyName: the key and where its value starts (just after = or :). */
int ini_key_name(struct iparse *p, const struct iline *l, size_t a, size_t *ka, size_t *kb,
		 size_t *off)
{
	const char *t = p->t;
	size_t q = 0, d;

	if (t[a] == '"')
		q = l->next - a > 6 && memcmp(t + a, "\"\"\"", 3) == 0 ? 3 : 1;
	else if (t[a] == '`')
		q = 1;
	if (q > 0) {
		const char *close = memmem(t + a + q, l->next - a - q, t + a, q);

		if (close == NULL)
			return ini_bad_line(p, "missing closing key quote", l, a);
		*ka = a + q;
		*kb = (size_t)(close - t);
		d = *kb + q;
	} else {
		*ka = a;
		d = a;
	}
	while (d < l->next && t[d] != '=' && t[d] != ':')
		d++;
	if (d >= l->next)
		return ini_bad_line(p, "key-value delimiter not found", l, a);
	if (q == 0) {
		if (d == a)
			return ini_bad_line(p, "empty key name", l, a);
		*kb = d;
	}
	*ka = ini_trim_left(t, *ka, *kb);
	*kb = ini_trim_right(t, *ka, *kb);
	*off = d + 1;
	return 0;
}

static size_t last_index(const char *t, size_t a, size_t b, const char *q, size_t qlen)
{
	for (size_t i = b; i >= a + qlen; i--)
		if (memcmp(t + i - qlen, q, qlen) == 0)
			return i - qlen;
	return (size_t)-1;
}

/* readMultilines: a `...` or """...""" value continued on later lines. */
static int multiline(struct iparse *p, const struct iline *first, size_t a, size_t q,
		     struct ival *v)
{
	struct iline l;

	if (buf_add(&p->tmp, p->t + a + q, first->next - a - q) != 0)
		return ini_oom(p);
	while (ini_read_line(p, &l)) {
		size_t pos = last_index(p->t, l.start, l.next, p->t + a, q);

		if (pos != (size_t)-1) {
			if (buf_add(&p->tmp, p->t + l.start, pos - l.start) != 0)
				return ini_oom(p);
			v->vs = a;
			v->ve = pos + q;
			v->last_next = l.next;
			for (size_t i = pos; i < l.next; i++)
				if (p->t[i] == ';' || p->t[i] == '#')
					return ini_add_piece(p, i, ini_trim_right(p->t, i, l.next), &l, 1);
			return 0;
		}
		if (buf_add(&p->tmp, p->t + l.start, l.next - l.start) != 0)
			return ini_oom(p);
		if (l.next == l.end)    /* last line, no LF */
			break;
	}
	return err_set(p->err, EX_COULD_NOT_READ, "missing closing key quote of a multi-line value");
}

/* readContinuationLines: "first \" + next lines while they end in '\'. */
static int continuation(struct iparse *p, size_t a, size_t b, struct ival *v)
{
	struct iline l;

	v->vs = a;
	v->ve = b;
	if (buf_add(&p->tmp, p->t + a, b - 1 - a) != 0)
		return ini_oom(p);
	while (ini_read_line(p, &l)) {
		size_t ca = ini_trim_left(p->t, l.start, l.next);
		size_t cb = ini_trim_right(p->t, ca, l.next);

		if (ca == cb)
			break;
		if (buf_add(&p->tmp, p->t + ca, cb - ca) != 0)
			return ini_oom(p);
		v->ve = cb;
		v->last_next = l.next;
		if (p->tmp.data[p->tmp.len - 1] != '\\')
			break;
		buf_truncate(&p->tmp, p->tmp.len - 1);
	}
	return 0;
}

static int surrounded(const char *t, size_t a, size_t b, char q)
{
	return b - a >= 2 && t[a] == q && t[b - 1] == q && memchr(t + a + 1, q, b - a - 2) == NULL;
}

/* readValue: the value text goes to p->tmp. */
int ini_read_value(struct iparse *p, const struct iline *l, size_t off, struct ival *v)
{
	const char *t = p->t;
	size_t a = ini_trim_left(t, off, l->next), b, q = 0;

	buf_truncate(&p->tmp, 0);
	v->last_next = l->next;
	if (a >= l->next) {
		v->vs = v->ve = ini_trim_right(t, off, l->end);
		return 0;
	}
	if (l->next - a > 3 && memcmp(t + a, "\"\"\"", 3) == 0)
		q = 3;
	else if (t[a] == '`')
		q = 1;
	if (q > 0) {
		size_t pos = last_index(t, a + q, l->next, t + a, q);

		if (pos == (size_t)-1)
			return multiline(p, l, a, q, v);
		v->vs = a;
		v->ve = pos + q;
		return buf_add(&p->tmp, t + a + q, pos - a - q) == 0 ? 0 : ini_oom(p);
	}
	b = ini_trim_right(t, a, l->next);
	if (t[b - 1] == '\\')
		return continuation(p, a, b, v);
	for (size_t i = a; i < b; i++)
		if (t[i] == ';' || t[i] == '#') {
			if (ini_add_piece(p, i, b, l, 1) != 0)
				return -1;
			b = ini_trim_right(t, a, i);
			break;
		}
	v->vs = a;
	v->ve = b;
	if (surrounded(t, a, b, '\'') || surrounded(t, a, b, '"'))
		a++, b--;
	return buf_add(&p->tmp, t + a, b - a) == 0 ? 0 : ini_oom(p);
}

/* A metadata value: `\n` (two bytes) means LF (sops' EscapeNewlines). */
void ini_unescape_tmp(struct iparse *p)
{
	size_t w = 0;
	char *s = (char *)p->tmp.data;

	for (size_t i = 0; i < p->tmp.len; i++) {
		if (s[i] == '\\' && i + 1 < p->tmp.len && s[i + 1] == 'n') {
			s[w++] = '\n';
			i++;
		} else {
			s[w++] = s[i];
		}
	}
	buf_truncate(&p->tmp, w);
}

