/* re2_syntax.c - Go's regexp/syntax grammar (Perl flags) checked and
 * rewritten into an explicit PCRE2 pattern: groups, alternation, flags,
 * repetition operators with Go's limits and Go's error messages.
 *
 * Every Go group becomes a non-capturing PCRE2 group (only match/no match
 * is computed); assertions become "(?:^)" so that Go's "^*" stays legal;
 * a '{' that is not a repeat is a literal; an operator after a flag group
 * ("a(?i)*") is moved before it, as Go applies it to the atom before.
 */
#include "re2_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int re2_fail(struct re2_tr *t, const char *code, const char *expr, size_t n)
{
	if (n > 400)
		n = 400;
	return err_set(t->err, EX_ERROR, "error parsing regexp: %s: `%.*s`", code, (int)n, expr);
}

uint32_t re2_rune(const char *str, size_t n, size_t *len, int *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need;
	uint32_t r;

	*bad = 0;
	*len = 1;
	if (n == 0 || s[0] < 0x80)
		return n == 0 ? 0xFFFD : s[0];
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 1;
		r = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 2;
		r = s[0] & 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 3;
		r = s[0] & 0x07;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	} else {
		*bad = 1;
		return 0xFFFD;
	}
	if (n <= need || s[1] < lo || s[1] > hi) {
		*bad = 1;
		return 0xFFFD;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i > 1 && (s[i] < 0x80 || s[i] > 0xBF)) {
			*bad = 1;
			return 0xFFFD;
		}
		r = (r << 6) | (s[i] & 0x3F);
	}
	*len = need + 1;
	return r;
}

static struct re2_frame *top(struct re2_tr *t)
{
	return &t->fr[t->depth];
}

static int oom(struct re2_tr *t)
{
	return err_set(t->err, EX_ERROR, "out of memory");
}

static int emit(struct re2_tr *t, const char *s)
{
	return buf_adds(&t->out, s) == 0 ? 0 : oom(t);
}

/* Insert n bytes of s at output offset at. */
static int insert(struct re2_tr *t, size_t at, const char *s, size_t n)
{
	if (buf_reserve(&t->out, n) != 0)
		return oom(t);
	memmove(t->out.data + at + n, t->out.data + at, t->out.len - at);
	memcpy(t->out.data + at, s, n);
	t->out.len += n;
	t->out.data[t->out.len] = '\0';
	return 0;
}

/* The text from output offset at to the end is the new last atom. */
static void set_atom(struct re2_tr *t, size_t at, long weight)
{
	struct re2_frame *f = top(t);

	f->has_atom = 1;
	f->atom_at = at;
	f->atom_end = t->out.len;
	f->atom_repeated = 0;
	f->atom_weight = weight;
	if (weight > f->max_weight)
		f->max_weight = weight;
}

static int open_group(struct re2_tr *t, const char *text, int multi_line)
{
	struct re2_frame *f;

	if (t->depth + 1 > RE2_MAX_DEPTH)
		return re2_fail(t, "expression nests too deeply", t->whole, strlen(t->whole));
	if (t->depth + 1 >= t->nfr) {
		int n = t->nfr * 4 > RE2_MAX_DEPTH + 1 ? RE2_MAX_DEPTH + 1 : t->nfr * 4;
		struct re2_frame *nf = realloc(t->fr, (size_t)n * sizeof(*nf));

		if (nf == NULL)
			return oom(t);
		t->fr = nf;
		t->nfr = n;
	}
	f = &t->fr[++t->depth];
	memset(f, 0, sizeof(*f));
	f->open_at = t->out.len;
	f->max_weight = 1;
	f->multi_line = multi_line;
	return emit(t, text);
}

static int close_group(struct re2_tr *t)
{
	struct re2_frame *f;

	if (t->depth == 0)
		return re2_fail(t, "unexpected )", t->whole, strlen(t->whole));
	f = top(t);
	if (emit(t, ")") != 0)
		return -1;
	t->depth--;
	set_atom(t, f->open_at, f->max_weight);
	return 0;
}

/* Go's parsePerlFlags: "(?P<name>", "(?<name>", "(?flags)", "(?flags:". */
static int named_group(struct re2_tr *t, size_t begin)
{
	const char *s = t->p, *gt = memchr(s, '>', (size_t)(t->end - s));
	const char *name = s + begin, *q;
	size_t len;
	int bad;

	for (q = gt != NULL ? name : s; q < (gt != NULL ? gt : t->end); q += len) {
		re2_rune(q, (size_t)(t->end - q), &len, &bad);
		if (bad)
			return re2_fail(t, "invalid UTF-8", q, (size_t)((gt != NULL ? gt : t->end) - q));
	}
	if (gt == NULL)
		return re2_fail(t, "invalid named capture", s, (size_t)(t->end - s));
	if (gt == name)
		return re2_fail(t, "invalid named capture", s, (size_t)(gt + 1 - s));
	for (q = name; q < gt; q++)
		if (!(*q == '_' || (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') ||
		      (*q >= 'A' && *q <= 'Z')))
			return re2_fail(t, "invalid named capture", s, (size_t)(gt + 1 - s));
	t->p = gt + 1;
	return open_group(t, "(?:", top(t)->multi_line);
}

static int perl_flags(struct re2_tr *t)
{
	const char *s = t->p, *q = s + 2;
	char on[8] = "", off[8] = "", text[24];
	size_t avail = (size_t)(t->end - s), len;
	int sign = 1, saw = 0, bad, ml = top(t)->multi_line;

	if (avail > 4 && s[2] == 'P' && s[3] == '<')
		return named_group(t, 4);
	if (avail > 3 && s[2] == '<')
		return named_group(t, 3);
	while (q < t->end) {
		uint32_t c = re2_rune(q, (size_t)(t->end - q), &len, &bad);

		if (bad)
			return re2_fail(t, "invalid UTF-8", q, (size_t)(t->end - q));
		q += len;
		if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
			char *set = sign > 0 ? on : off;

			if (c == 'm')   /* kept here: PCRE2's m is always on */
				ml = sign > 0;
			else if (strchr(set, (int)c) == NULL)
				set[strlen(set)] = (char)c;
			saw = 1;
		} else if (c == '-') {
			if (sign < 0)
				break;
			sign = -1;
			saw = 0;
		} else if (c == ':' || c == ')') {
			if (sign < 0 && !saw)
				break;
			t->p = q;
			snprintf(text, sizeof(text), "(?%s%s%s%c", on, off[0] ? "-" : "", off, (char)c);
			if (c == ':')
				return open_group(t, on[0] || off[0] ? text : "(?:", ml);
			top(t)->multi_line = ml;
			return on[0] || off[0] ? emit(t, text) : 0;
		} else {
			break;
		}
	}
	return re2_fail(t, "invalid or unsupported Perl syntax", s, (size_t)(q - s));
}

/* Go's parseInt: digits without a leading zero; -1 when too big. */
static int parse_int(const char **pp, const char *end, long *out)
{
	const char *p = *pp;
	long n = 0;

	if (p >= end || *p < '0' || *p > '9')
		return 0;
	if (end - p >= 2 && p[0] == '0' && p[1] >= '0' && p[1] <= '9')
		return 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		n = (n >= 100000000 || n < 0) ? -1 : n * 10 + (*p - '0');
	*pp = p;
	*out = n;
	return 1;
}

/* Go's parseRepeat: {min} {min,} {min,max}; 0 when s is not one. */
static int parse_repeat(const char *s, const char *end, long *min, long *max, const char **after)
{
	const char *p = s + 1;

	if (!parse_int(&p, end, min) || p >= end)
		return 0;
	if (*p != ',') {
		*max = *min;
	} else {
		p++;
		if (p >= end)
			return 0;
		if (*p == '}')
			*max = -1;
		else if (!parse_int(&p, end, max))
			return 0;
		else if (*max < 0)
			*min = -1;
	}
	if (p >= end || *p != '}')
		return 0;
	*after = p + 1;
	return 1;
}

/* Go's repeat(): before..op_end is the operator; a trailing '?' makes it
 * lazy. counted: {n,m} with its bounds. */
static int repeat(struct re2_tr *t, const char *before, const char *op_end,
		  const char *last_repeat, int counted, long min, long max)
{
	struct re2_frame *f = top(t);
	const char *after = op_end;
	long m = max >= 0 ? max : min;

	if (after < t->end && *after == '?')
		after++;
	if (last_repeat != NULL)
		return re2_fail(t, "invalid nested repetition operator", last_repeat,
				(size_t)(after - last_repeat));
	if (!f->has_atom)
		return re2_fail(t, "missing argument to repetition operator", before,
				(size_t)(after - before));
	if (counted && (min >= 2 || max >= 2) && m != 0 &&
	    (m > RE2_MAX_REPEAT || f->atom_weight > RE2_MAX_REPEAT / m))
		return re2_fail(t, "invalid repeat count", before, (size_t)(after - before));
	if (f->atom_repeated) {
		if (insert(t, f->atom_at, "(?:", 3) != 0 || insert(t, f->atom_end + 3, ")", 1) != 0)
			return -1;
		f->atom_end += 4;
	}
	if (insert(t, f->atom_end, before, (size_t)(after - before)) != 0)
		return -1;
	f->atom_end += (size_t)(after - before);
	f->atom_repeated = 1;
	if (counted && m != 0)
		f->atom_weight *= m;
	if (f->atom_weight > f->max_weight)
		f->max_weight = f->atom_weight;
	t->p = after;
	return 0;
}

static int literal(struct re2_tr *t)
{
	size_t len, at = t->out.len;
	int bad;
	uint32_t r = re2_rune(t->p, (size_t)(t->end - t->p), &len, &bad);

	if (bad)
		return re2_fail(t, "invalid UTF-8", t->p, (size_t)(t->end - t->p));
	t->p += len;
	if (re2_put_rune(t, r) != 0)
		return -1;
	set_atom(t, at, 1);
	return 0;
}

static int simple_atom(struct re2_tr *t, const char *text)
{
	size_t at = t->out.len;

	t->p++;
	if (emit(t, text) != 0)
		return -1;
	set_atom(t, at, 1);
	return 0;
}

/* One step of Go's parse loop; *rep is set to the operator's start when
 * the step was a repetition operator. */
static int step(struct re2_tr *t, const char *last_repeat, const char **rep)
{
	const char *s = t->p, *after;
	long min, max;
	size_t at;

	switch (*s) {
	case '(':
		if (t->end - s >= 2 && s[1] == '?')
			return perl_flags(t);
		t->p++;
		return open_group(t, "(?:", top(t)->multi_line);
	case '|':
		t->p++;
		top(t)->has_atom = 0;
		return emit(t, "|");
	case ')':
		t->p++;
		return close_group(t);
	case '^':   /* Go: OpBeginLine with (?m), else OpBeginText */
		return simple_atom(t, top(t)->multi_line ? "(?:^)" : "(?:\\A)");
	case '$':   /* Go: OpEndLine with (?m), else OpEndText */
		return simple_atom(t, top(t)->multi_line ? "(?:$)" : "(?:\\z)");
	case '.':
		return simple_atom(t, ".");
	case '[':
		at = t->out.len;
		if (re2_class(t) != 0)
			return -1;
		set_atom(t, at, 1);
		return 0;
	case '*': case '+': case '?':
		*rep = s;
		return repeat(t, s, s + 1, last_repeat, 0, 0, 0);
	case '{':
		if (!parse_repeat(s, t->end, &min, &max, &after))
			return literal(t);
		if (min < 0 || min > RE2_MAX_REPEAT || max > RE2_MAX_REPEAT || (max >= 0 && min > max))
			return re2_fail(t, "invalid repeat count", s, (size_t)(after - s));
		*rep = s;
		return repeat(t, s, after, last_repeat, 1, min, max);
	case '\\':
		return re2_escape_atom(t);
	default:
		return literal(t);
	}
}

/* Called by re2_class.c for the atoms it appends (escapes, \Q..\E). */
void re2_atom_done(struct re2_tr *t, size_t at)
{
	set_atom(t, at, 1);
}

int re2_translate(struct re2_tr *t, const char *pattern, struct sops_err *err)
{
	const char *last_repeat = NULL;

	memset(t, 0, sizeof(*t));
	t->whole = pattern;
	t->p = pattern;
	t->end = pattern + strlen(pattern);
	t->err = err;
	buf_init(&t->out, 0);
	t->nfr = 8;             /* most patterns nest a group or two */
	t->fr = calloc((size_t)t->nfr, sizeof(*t->fr));
	if (t->fr == NULL || buf_reserve(&t->out, (size_t)(t->end - t->p) * 2 + 16) != 0)
		return oom(t);
	t->fr[0].max_weight = 1;
	while (t->p < t->end) {
		const char *rep = NULL;

		if (step(t, last_repeat, &rep) != 0)
			return -1;
		last_repeat = rep;
	}
	if (t->depth != 0)
		return re2_fail(t, "missing closing )", t->whole, strlen(t->whole));
	return 0;
}
