/* go_regex.c - Go (RE2) regular expressions on top of POSIX regcomp.
 *
 * Written by hand: no packaged C library takes RE2 syntax with Go's
 * semantics (RE2 itself is C++), so this file translates the syntax into
 * POSIX extended regular expressions and leaves the matching to libc
 * (regcomp/regexec, REG_STARTEND for explicit lengths). Only match / no
 * match is needed, so greediness and leftmost-first vs leftmost-longest
 * do not matter.
 *
 * Semantics kept from Go: '.' does not match '\n' unless (?s); '^'/'$'
 * anchor the whole text unless (?m); \d \s \w and [:name:] are ASCII;
 * classes work on code points (the C.UTF-8 locale is used, per thread,
 * while compiling and matching). Every character class is computed here
 * as a set of code point ranges and written back as a bracket expression,
 * because glibc's C.UTF-8 rejects ranges with non-ASCII ends: non-ASCII
 * members are listed one by one (at most MAX_ENUM of them, or of the
 * complement). Known differences: \b uses glibc's idea of a word
 * character (non-ASCII letters count), invalid UTF-8 in the subject does
 * not match '.' or classes (Go reads it as U+FFFD), case folding beyond
 * ASCII (plus K/U+212A, S/U+017F in classes) is glibc's.
 */
#include "go_regex.h"
#include "../../common/buf.h"

#include <locale.h>
#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUNE 0x10FFFFu
#define MAX_REPEAT 1000
#define MAX_DEPTH 1000
#define MAX_ENUM 1024
/* Positions of the pattern with every repetition expanded: glibc builds
 * them all, so nested counts ((a{100}){100}){100} take seconds and
 * gigabytes. Above this, "expression too large" (Go's own limit is about
 * 3.3 million instructions; this one keeps a crafted .sops.yaml under half
 * a second). */
#define MAX_EXPANDED 1000000ULL

struct go_regex {
	regex_t re;
	char *posix;
};

/* ---- the C.UTF-8 locale, switched on per thread around libc calls ---- */

static pthread_once_t loc_once = PTHREAD_ONCE_INIT;
static locale_t utf8_loc;

static void loc_init(void)
{
	utf8_loc = newlocale(LC_CTYPE_MASK | LC_COLLATE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8_loc == (locale_t)0)
		utf8_loc = newlocale(LC_CTYPE_MASK | LC_COLLATE_MASK, "C.utf8", (locale_t)0);
}

static int loc_available(void)
{
	pthread_once(&loc_once, loc_init);
	return utf8_loc != (locale_t)0;
}

/* Returns the previous locale, or (locale_t)0 when nothing was switched. */
static locale_t loc_enter(void)
{
	if (!loc_available())
		return (locale_t)0;
	return uselocale(utf8_loc);
}

static void loc_leave(locale_t old)
{
	if (old != (locale_t)0)
		uselocale(old);
}

/* ---- sets of code points ---- */

struct range {
	uint32_t lo, hi;
};

struct cset {
	struct range *r;
	size_t n, cap;
};

static int cset_add(struct cset *s, uint32_t lo, uint32_t hi)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		struct range *nr = realloc(s->r, ncap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		s->r = nr;
		s->cap = ncap;
	}
	s->r[s->n].lo = lo;
	s->r[s->n].hi = hi;
	s->n++;
	return 0;
}

static void cset_free(struct cset *s)
{
	free(s->r);
	s->r = NULL;
	s->n = s->cap = 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge overlapping or adjacent ranges. */
static void cset_norm(struct cset *s)
{
	size_t w = 0;

	if (s->n == 0)
		return;
	qsort(s->r, s->n, sizeof(*s->r), range_cmp);
	for (size_t i = 1; i < s->n; i++) {
		if (s->r[i].lo <= s->r[w].hi + 1) {
			if (s->r[i].hi > s->r[w].hi)
				s->r[w].hi = s->r[i].hi;
		} else {
			s->r[++w] = s->r[i];
		}
	}
	s->n = w + 1;
}

/* Complement of a normalized set within [lo, hi]. */
static int cset_complement(const struct cset *s, uint32_t lo, uint32_t hi,
			   struct cset *out)
{
	uint32_t next = lo;

	for (size_t i = 0; i < s->n; i++) {
		if (s->r[i].hi < lo || s->r[i].lo > hi)
			continue;
		if (s->r[i].lo > next && cset_add(out, next, s->r[i].lo - 1) != 0)
			return -1;
		if (s->r[i].hi >= hi)
			return 0;
		next = s->r[i].hi + 1;
	}
	return next <= hi ? cset_add(out, next, hi) : 0;
}

/* Replace s by its complement over all code points. */
static int cset_negate(struct cset *s)
{
	struct cset c = { 0 };

	cset_norm(s);
	if (cset_complement(s, 0, MAX_RUNE, &c) != 0) {
		cset_free(&c);
		return -1;
	}
	cset_free(s);
	*s = c;
	return 0;
}

static int cset_has(const struct cset *s, uint32_t c)
{
	for (size_t i = 0; i < s->n; i++)
		if (c >= s->r[i].lo && c <= s->r[i].hi)
			return 1;
	return 0;
}

/* Add the other case of every ASCII letter (Go folds classes under (?i)),
 * plus the two non-ASCII simple folds of ASCII letters. */
static int cset_fold(struct cset *s)
{
	size_t n = s->n;
	int k, sl;

	for (size_t i = 0; i < n; i++) {
		uint32_t lo = s->r[i].lo, hi = s->r[i].hi;
		uint32_t a = lo > 'A' ? lo : 'A', b = hi < 'Z' ? hi : 'Z';

		if (a <= b && cset_add(s, a + 32, b + 32) != 0)
			return -1;
		a = lo > 'a' ? lo : 'a';
		b = hi < 'z' ? hi : 'z';
		if (a <= b && cset_add(s, a - 32, b - 32) != 0)
			return -1;
	}
	k = cset_has(s, 'k') || cset_has(s, 'K') || cset_has(s, 0x212A);
	sl = cset_has(s, 's') || cset_has(s, 'S') || cset_has(s, 0x17F);
	if (k && (cset_add(s, 'k', 'k') || cset_add(s, 'K', 'K') ||
		  cset_add(s, 0x212A, 0x212A)))
		return -1;
	if (sl && (cset_add(s, 's', 's') || cset_add(s, 'S', 'S') ||
		   cset_add(s, 0x17F, 0x17F)))
		return -1;
	cset_norm(s);
	return 0;
}

/* Remove [lo, hi] from a normalized set. */
static int cset_remove(struct cset *s, uint32_t lo, uint32_t hi)
{
	struct cset gap = { 0 }, out = { 0 };
	int rc = -1;

	if (cset_complement(&(struct cset){ &(struct range){ lo, hi }, 1, 1 },
			    0, MAX_RUNE, &gap) != 0)
		goto done;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < gap.n; j++) {
			uint32_t a = s->r[i].lo > gap.r[j].lo ? s->r[i].lo : gap.r[j].lo;
			uint32_t b = s->r[i].hi < gap.r[j].hi ? s->r[i].hi : gap.r[j].hi;

			if (a <= b && cset_add(&out, a, b) != 0)
				goto done;
		}
	cset_norm(&out);
	cset_free(s);
	*s = out;
	out.r = NULL;
	rc = 0;
done:
	cset_free(&gap);
	cset_free(&out);
	return rc;
}

static uint64_t cset_count(const struct cset *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += (uint64_t)s->r[i].hi - s->r[i].lo + 1;
	return n;
}

/* ---- named classes (ASCII, as in Go) ---- */

struct named_class {
	const char *name;
	uint8_t r[8];      /* lo,hi pairs */
	size_t n;          /* number of pairs */
};

static const struct named_class posix_classes[] = {
	{ "alnum", { '0', '9', 'A', 'Z', 'a', 'z' }, 3 },
	{ "alpha", { 'A', 'Z', 'a', 'z' }, 2 },
	{ "ascii", { 0x00, 0x7f }, 1 },
	{ "blank", { '\t', '\t', ' ', ' ' }, 2 },
	{ "cntrl", { 0x00, 0x1f, 0x7f, 0x7f }, 2 },
	{ "digit", { '0', '9' }, 1 },
	{ "graph", { '!', '~' }, 1 },
	{ "lower", { 'a', 'z' }, 1 },
	{ "print", { ' ', '~' }, 1 },
	{ "punct", { '!', '/', ':', '@', '[', '`', '{', '~' }, 4 },
	{ "space", { '\t', '\r', ' ', ' ' }, 2 },
	{ "upper", { 'A', 'Z' }, 1 },
	{ "word", { '0', '9', 'A', 'Z', 'a', 'z', '_', '_' }, 4 },
	{ "xdigit", { '0', '9', 'A', 'F', 'a', 'f' }, 3 },
};

static const struct named_class perl_classes[] = {
	{ "d", { '0', '9' }, 1 },
	{ "s", { '\t', '\n', '\f', '\r', ' ', ' ' }, 3 },
	{ "w", { '0', '9', 'A', 'Z', 'a', 'z', '_', '_' }, 4 },
};

/* Add class nc (negated if neg) to s. */
static int cset_add_named(struct cset *s, const struct named_class *nc, int neg)
{
	struct cset c = { 0 };
	int rc = -1;

	for (size_t i = 0; i < nc->n; i++)
		if (cset_add(&c, nc->r[2 * i], nc->r[2 * i + 1]) != 0)
			goto done;
	if (neg && cset_negate(&c) != 0)
		goto done;
	for (size_t i = 0; i < c.n; i++)
		if (cset_add(s, c.r[i].lo, c.r[i].hi) != 0)
			goto done;
	rc = 0;
done:
	cset_free(&c);
	return rc;
}

/* ---- the translator ---- */

enum last_item { L_NONE, L_ATOM, L_ANCHOR, L_QUANT };

struct tr {
	const char *pat;
	const char *p;
	struct buf out;
	int utf8;
	int icase, dotnl, multiline;
	int depth;
	unsigned char saved_dotnl[MAX_DEPTH];
	enum last_item last;
	const char *last_quant;   /* start of the last quantifier's text */
	struct sops_err *err;
};

static int tr_fail(struct tr *t, const char *what, const char *at, size_t len)
{
	if (len > 200)
		len = 200;
	return err_set(t->err, EX_ERROR, "error parsing regexp: %s: `%.*s`",
		       what, (int)len, at);
}

static int tr_nomem(struct tr *t)
{
	return err_set(t->err, EX_ERROR, "error parsing regexp: out of memory");
}

static int tr_emit(struct tr *t, const char *s)
{
	return buf_adds(&t->out, s) == 0 ? 0 : tr_nomem(t);
}

/* Decode one UTF-8 sequence; returns its length or -1. */
static int utf8_decode(const unsigned char *p, uint32_t *cp)
{
	int n;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		c = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		c = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		c = p[0] & 0x07;
	} else {
		return -1;
	}
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (n == 4 && (c < 0x10000 || c > MAX_RUNE)))
		return -1;
	*cp = c;
	return n;
}

static int utf8_encode(uint32_t c, char out[5])
{
	int n;

	if (c < 0x80) {
		out[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		out[0] = (char)(0xF0 | (c >> 18));
		out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	out[n] = '\0';
	return n;
}

static int tr_emit_cp(struct tr *t, uint32_t c)
{
	char u[5];

	utf8_encode(c, u);
	return tr_emit(t, u);
}

/* A literal code point outside brackets. */
static int emit_literal(struct tr *t, uint32_t c)
{
	if (c == 0)
		return tr_fail(t, "unsupported NUL character", t->pat, strlen(t->pat));
	if (c < 0x80 && strchr(".[]()*+?{}|^$\\", (int)c) != NULL &&
	    tr_emit(t, "\\") != 0)
		return -1;
	if (c >= 0x80 && !t->utf8) {
		/* bytes of one character, quantified as a whole */
		if (tr_emit(t, "(") || tr_emit_cp(t, c) || tr_emit(t, ")"))
			return -1;
		return 0;
	}
	return tr_emit_cp(t, c);
}

static int is_bracket_special(uint32_t c)
{
	return c == 0 || c == '-' || c == '[' || c == ']' || c == '^';
}

/* ASCII range inside a bracket, leaving out the characters that need a
 * fixed place (see emit_bracket) and NUL. */
static int emit_ascii_range(struct tr *t, uint32_t lo, uint32_t hi)
{
	while (lo <= hi) {
		uint32_t end = lo;

		if (is_bracket_special(lo)) {
			lo++;
			continue;
		}
		while (end < hi && !is_bracket_special(end + 1))
			end++;
		if (tr_emit_cp(t, lo) != 0)
			return -1;
		if (end > lo + 1 && tr_emit(t, "-") != 0)
			return -1;
		if (end > lo && tr_emit_cp(t, end) != 0)
			return -1;
		lo = end + 1;
	}
	return 0;
}

/* [ or [^ + the ASCII ranges of a + the code points of high + ] */
static int emit_bracket(struct tr *t, const struct cset *a, const struct cset *high, int neg)
{
	int rbr = cset_has(a, ']'), lbr = cset_has(a, '['), caret = cset_has(a, '^');
	int dash = cset_has(a, '-'), others = 0, wrap;

	for (size_t i = 0; i < a->n && !others; i++)
		for (uint32_t c = a->r[i].lo; c <= a->r[i].hi && !others; c++)
			others = !is_bracket_special(c);
	if (high != NULL && high->n > 0)
		others = 1;
	if (!neg && !others && !rbr && !lbr) {
		if (caret && dash)
			return tr_emit(t, "[-^]");
		if (caret)
			return tr_emit(t, "\\^");
		if (dash)
			return tr_emit(t, "-");
		return tr_fail(t, "unsupported empty character class", t->pat, strlen(t->pat));
	}
	if (neg && !others && !rbr && !lbr && !caret && !dash)
		return tr_emit(t, t->multiline ? "(.|\n)" : ".");
	/* under REG_NEWLINE a [^...] never matches '\n' unless we add it */
	wrap = neg && t->multiline && !cset_has(a, '\n');
	if (tr_emit(t, wrap ? "([" : "[") || (neg && tr_emit(t, "^")) ||
	    (rbr && tr_emit(t, "]")))
		return -1;
	for (size_t i = 0; i < a->n; i++)
		if (emit_ascii_range(t, a->r[i].lo, a->r[i].hi) != 0)
			return -1;
	for (size_t i = 0; high != NULL && i < high->n; i++)
		for (uint32_t c = high->r[i].lo; c <= high->r[i].hi; c++)
			if (tr_emit_cp(t, c) != 0)
				return -1;
	if ((lbr && tr_emit(t, "[")) || (caret && tr_emit(t, "^")) ||
	    (dash && tr_emit(t, "-")))
		return -1;
	return tr_emit(t, wrap ? "]|\n)" : "]");
}

/* Write a set of code points (consumed) as one bracket expression. */
static int emit_set(struct tr *t, struct cset *s)
{
	struct cset a = { 0 }, high = { 0 }, comp = { 0 };
	uint64_t nhigh, all_high = MAX_RUNE - 0x7F - 0x800;
	int rc = -1;

	cset_norm(s);
	if (cset_remove(s, 0xD800, 0xDFFF) != 0)
		goto nomem;
	for (size_t i = 0; i < s->n; i++) {
		struct range r = s->r[i];

		if (r.lo < 0x80 && cset_add(&a, r.lo, r.hi < 0x80 ? r.hi : 0x7F) != 0)
			goto nomem;
		if (r.hi >= 0x80 && cset_add(&high, r.lo > 0x80 ? r.lo : 0x80, r.hi) != 0)
			goto nomem;
	}
	nhigh = cset_count(&high);
	if (nhigh == 0) {
		rc = emit_bracket(t, &a, NULL, 0);
	} else if (nhigh == all_high || (!t->utf8 && nhigh > 0)) {
		if (nhigh != all_high) {
			tr_fail(t, "unsupported non-ASCII character class without the C.UTF-8 locale",
				t->pat, strlen(t->pat));
			goto done;
		}
		if (cset_complement(&a, 0, 0x7F, &comp) != 0)
			goto nomem;
		rc = emit_bracket(t, &comp, NULL, 1);
	} else if (nhigh <= MAX_ENUM) {
		rc = emit_bracket(t, &a, &high, 0);
	} else if (all_high - nhigh <= MAX_ENUM) {
		struct cset hc = { 0 };

		if (cset_complement(&a, 0, 0x7F, &comp) != 0 ||
		    cset_complement(&high, 0x80, MAX_RUNE, &hc) != 0 ||
		    cset_remove(&hc, 0xD800, 0xDFFF) != 0) {
			cset_free(&hc);
			goto nomem;
		}
		rc = emit_bracket(t, &comp, &hc, 1);
		cset_free(&hc);
	} else {
		tr_fail(t, "unsupported large non-ASCII character range", t->pat, strlen(t->pat));
	}
	goto done;
nomem:
	tr_nomem(t);
done:
	cset_free(&a);
	cset_free(&high);
	cset_free(&comp);
	cset_free(s);
	return rc;
}

/* ---- escapes ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hex_escape(struct tr *t, const char *start, const char **pp, uint32_t *cp)
{
	const char *p = *pp;
	uint32_t v = 0;
	int n = 0;

	if (*p == '{') {
		for (p++; hexval(*p) >= 0; p++, n++) {
			v = v * 16 + (uint32_t)hexval(*p);
			if (v > MAX_RUNE)
				break;
		}
		if (n == 0 || *p != '}' || v > MAX_RUNE)
			return tr_fail(t, "invalid escape sequence", start, (size_t)(p - start) + (*p != 0));
		p++;
	} else {
		if (hexval(p[0]) < 0 || hexval(p[1]) < 0)
			return tr_fail(t, "invalid escape sequence", start, strnlen(start, 4));
		v = (uint32_t)(hexval(p[0]) * 16 + hexval(p[1]));
		p += 2;
	}
	*pp = p;
	*cp = v;
	return 0;
}

/* A character escape (Go parseEscape); *pp points at the backslash. */
static int parse_escape(struct tr *t, const char **pp, uint32_t *cp)
{
	const char *start = *pp, *p = *pp + 1;
	unsigned char c = (unsigned char)*p;

	if (c == '\0')
		return tr_fail(t, "trailing backslash at end of expression", "", 0);
	p++;
	if (c >= '1' && c <= '7' && (*p < '0' || *p > '7'))
		return tr_fail(t, "invalid escape sequence", start, 2);
	if (c >= '0' && c <= '7') {
		uint32_t v = c - '0';

		for (int i = 1; i < 3 && *p >= '0' && *p <= '7'; i++, p++)
			v = v * 8 + (uint32_t)(*p - '0');
		*cp = v;
	} else if (c == 'x') {
		if (parse_hex_escape(t, start, &p, cp) != 0)
			return -1;
	} else if (c != '\0' && strchr("afnrtv", c) != NULL) {
		static const char from[] = "afnrtv", to[] = "\a\f\n\r\t\v";

		*cp = (unsigned char)to[strchr(from, c) - from];
	} else if (c < 0x80 && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
		   !(c >= 'A' && c <= 'Z')) {
		*cp = c;
	} else {
		uint32_t u;
		int n = utf8_decode((const unsigned char *)start + 1, &u);

		return tr_fail(t, "invalid escape sequence", start, 1 + (size_t)(n > 0 ? n : 1));
	}
	*pp = p;
	return 0;
}

static const struct named_class *perl_class(char c, int *neg)
{
	const char *names = "dDsSwW", *at;

	if (c == '\0' || (at = strchr(names, c)) == NULL)
		return NULL;
	*neg = (at - names) % 2;
	return &perl_classes[(at - names) / 2];
}

/* ---- character classes [...] ---- */

static int class_char(struct tr *t, const char **pp, uint32_t *cp)
{
	int n;

	if (**pp == '\\')
		return parse_escape(t, pp, cp);
	n = utf8_decode((const unsigned char *)*pp, cp);
	if (n < 0)
		return tr_fail(t, "invalid UTF-8", *pp, 1);
	*pp += n;
	return 0;
}

/* [:name:] or [:^name:]; returns 1 when consumed, 0 when q is not one. */
static int class_named(struct tr *t, const char **qq, struct cset *s)
{
	const char *q = *qq, *end = strstr(q + 2, ":]");
	int neg = q[2] == '^';
	const char *name = q + 2 + neg;

	if (end == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(posix_classes) / sizeof(posix_classes[0]); i++) {
		const char *cn = posix_classes[i].name;

		if (strlen(cn) == (size_t)(end - name) && strncmp(cn, name, strlen(cn)) == 0) {
			if (cset_add_named(s, &posix_classes[i], neg) != 0)
				return tr_nomem(t);
			*qq = end + 2;
			return 1;
		}
	}
	return tr_fail(t, "invalid character class range", q, (size_t)(end + 2 - q));
}

static int class_item(struct tr *t, const char **qq, struct cset *s)
{
	const char *q = *qq, *rng = q;
	const struct named_class *pc;
	uint32_t lo, hi;
	int neg, rc;

	if (q[0] == '[' && q[1] == ':') {
		rc = class_named(t, qq, s);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	if (q[0] == '\\' && (q[1] == 'p' || q[1] == 'P'))
		return tr_fail(t, "unsupported Unicode class", q, 2);
	if (q[0] == '\\' && (pc = perl_class(q[1], &neg)) != NULL) {
		*qq = q + 2;
		return cset_add_named(s, pc, neg) == 0 ? 0 : tr_nomem(t);
	}
	if (class_char(t, &q, &lo) != 0)
		return -1;
	hi = lo;
	if (q[0] == '-' && q[1] != '\0' && q[1] != ']') {
		q++;
		if (class_char(t, &q, &hi) != 0)
			return -1;
		if (hi < lo)
			return tr_fail(t, "invalid character class range", rng, (size_t)(q - rng));
	}
	*qq = q;
	return cset_add(s, lo, hi) == 0 ? 0 : tr_nomem(t);
}

static int parse_class(struct tr *t)
{
	const char *start = t->p, *q = t->p + 1;
	struct cset s = { 0 };
	int neg = 0, first = 1;

	if (*q == '^') {
		neg = 1;
		q++;
	}
	while (*q != ']' || first) {
		if (*q == '\0') {
			cset_free(&s);
			return tr_fail(t, "missing closing ]", start, strlen(start));
		}
		first = 0;
		if (class_item(t, &q, &s) != 0) {
			cset_free(&s);
			return -1;
		}
	}
	t->p = q + 1;
	cset_norm(&s);
	if ((t->icase && cset_fold(&s) != 0) || (neg && cset_negate(&s) != 0)) {
		cset_free(&s);
		return tr_nomem(t);
	}
	t->last = L_ATOM;
	return emit_set(t, &s);
}

/* ---- groups, flags and repetition ---- */

/* Parse flags "imsU-" up to ':' or ')'; *pp points after "(?". */
static int parse_flags(struct tr *t, const char **pp, int *icase, int *dotnl, int *multi)
{
	const char *start = *pp - 2, *p = *pp;
	int sign = 1, saw = 0;

	for (;; p++) {
		switch (*p) {
		case 'i':
			*icase = sign > 0;
			saw = 1;
			break;
		case 's':
			*dotnl = sign > 0;
			saw = 1;
			break;
		case 'm':
			*multi = sign > 0;
			saw = 1;
			break;
		case 'U':
			saw = 1;
			break;
		case '-':
			if (sign < 0)
				goto bad;
			sign = -1;
			saw = 0;
			break;
		case ':':
		case ')':
			if (sign < 0 && !saw)
				goto bad;
			*pp = p;
			return 0;
		default:
			goto bad;
		}
	}
bad:
	return tr_fail(t, "invalid or unsupported Perl syntax", start, (size_t)(p - start) + (*p != 0));
}

static int push_group(struct tr *t)
{
	if (t->depth >= MAX_DEPTH)
		return tr_fail(t, "expression nests too deeply", t->pat, strlen(t->pat));
	t->saved_dotnl[t->depth++] = (unsigned char)t->dotnl;
	t->last = L_NONE;
	return tr_emit(t, "(");
}

static int is_word_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

/* (?P<name>  or (?<name> ; p points at '<'. */
static int open_named(struct tr *t, const char *p)
{
	const char *name = p + 1, *end = name;

	while (is_word_char(*end))
		end++;
	if (*end != '>' || end == name)
		return tr_fail(t, "invalid named capture", t->p, strnlen(t->p, (size_t)(end - t->p) + 1));
	t->p = end + 1;
	return push_group(t);
}

static int open_perl_group(struct tr *t)
{
	const char *p = t->p + 2;
	int icase = t->icase, dotnl = t->dotnl, multi = t->multiline;

	if (p[0] == 'P' && p[1] == '<')
		return open_named(t, p + 1);
	if (p[0] == '<' && p[1] != '=' && p[1] != '!')
		return open_named(t, p);
	if (parse_flags(t, &p, &icase, &dotnl, &multi) != 0)
		return -1;
	if (*p == ')') {
		/* (?flags): only before anything else, where it covers the whole pattern */
		if (t->depth != 0 || t->out.len != 0)
			return tr_fail(t, "unsupported flags in the middle of the expression",
				       t->p, (size_t)(p + 1 - t->p));
		t->icase = icase;
		t->dotnl = dotnl;
		t->multiline = multi;
		t->p = p + 1;
		return 0;
	}
	if (icase != t->icase || multi != t->multiline)
		return tr_fail(t, "unsupported scoped (?i:...) or (?m:...) group",
			       t->p, (size_t)(p + 1 - t->p));
	t->p = p + 1;
	if (push_group(t) != 0)
		return -1;
	t->dotnl = dotnl;
	return 0;
}

static int open_group(struct tr *t)
{
	if (t->p[1] == '?')
		return open_perl_group(t);
	t->p++;
	return push_group(t);
}

static int close_group(struct tr *t)
{
	if (t->depth == 0)
		return tr_fail(t, "unexpected )", t->pat, strlen(t->pat));
	if (t->last == L_NONE && tr_emit(t, "()") != 0)
		return -1;
	t->depth--;
	t->dotnl = t->saved_dotnl[t->depth];
	t->p++;
	t->last = L_ATOM;
	return tr_emit(t, ")");
}

/* Go's parseInt for repeat counts: no leading zeros, capped. */
static int repeat_int(const char **pp)
{
	const char *p = *pp;
	long v = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return -2;
	for (; *p >= '0' && *p <= '9'; p++)
		if (v <= 100000000)
			v = v * 10 + (*p - '0');
	*pp = p;
	return v > 100000000 ? -1 : (int)v;
}

/* {n} {n,} {n,m}: 1 and the counts when t->p starts one, else 0. */
static int parse_repeat(const char *p, int *min, int *max, const char **end)
{
	p++;
	if ((*min = repeat_int(&p)) == -2)
		return 0;
	*max = *min;
	if (*p == ',') {
		p++;
		*max = -1;
		if (*p != '}' && (*max = repeat_int(&p)) == -2)
			return 0;
	}
	if (*p != '}')
		return 0;
	*end = p + 1;
	return 1;
}

/* A quantifier spanning t->p .. end, written out as ere. */
static int quantify(struct tr *t, const char *end, const char *ere)
{
	const char *q = t->p;

	if (t->last == L_NONE)
		return tr_fail(t, "missing argument to repetition operator", q, (size_t)(end - q));
	if (t->last == L_QUANT)
		return tr_fail(t, "invalid nested repetition operator", t->last_quant,
			       (size_t)(end - t->last_quant));
	if (t->last == L_ANCHOR)
		return tr_fail(t, "unsupported repetition of an anchor", q, (size_t)(end - q));
	if (*end == '?')
		end++;          /* lazy: same matches */
	t->last_quant = q;
	t->p = end;
	t->last = L_QUANT;
	return tr_emit(t, ere);
}

static int parse_brace(struct tr *t)
{
	const char *end;
	char ere[32];
	int min, max;

	if (!parse_repeat(t->p, &min, &max, &end)) {
		t->p++;
		t->last = L_ATOM;
		return emit_literal(t, '{');
	}
	if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max))
		return tr_fail(t, "invalid repeat count", t->p, (size_t)(end - t->p));
	if (max < 0)
		snprintf(ere, sizeof(ere), "{%d,}", min);
	else if (max == min)
		snprintf(ere, sizeof(ere), "{%d}", min);
	else
		snprintf(ere, sizeof(ere), "{%d,%d}", min, max);
	return quantify(t, end, ere);
}

/* ---- the main loop ---- */

static int emit_perl_class(struct tr *t, const struct named_class *pc, int neg)
{
	struct cset s = { 0 };

	if (cset_add_named(&s, pc, neg) != 0) {
		cset_free(&s);
		return tr_nomem(t);
	}
	t->last = L_ATOM;
	return emit_set(t, &s);
}

static int emit_dot(struct tr *t)
{
	struct cset s = { 0 };

	if (cset_add(&s, 0, MAX_RUNE) != 0 || (!t->dotnl && cset_remove(&s, '\n', '\n') != 0)) {
		cset_free(&s);
		return tr_nomem(t);
	}
	t->p++;
	t->last = L_ATOM;
	return emit_set(t, &s);
}

static int emit_anchor(struct tr *t, const char *ere, size_t skip)
{
	t->p += skip;
	t->last = L_ANCHOR;
	return tr_emit(t, ere);
}

/* \Q...\E: every character literal. */
static int parse_quoted(struct tr *t)
{
	const char *p = t->p + 2;
	uint32_t c;

	while (*p != '\0' && !(p[0] == '\\' && p[1] == 'E')) {
		int n = utf8_decode((const unsigned char *)p, &c);

		if (n < 0)
			return tr_fail(t, "invalid UTF-8", p, 1);
		if (emit_literal(t, c) != 0)
			return -1;
		p += n;
		t->last = L_ATOM;
	}
	t->p = *p != '\0' ? p + 2 : p;
	return 0;
}

static int parse_backslash(struct tr *t)
{
	const struct named_class *pc;
	char c = t->p[1];
	uint32_t cp;
	int neg;

	if ((c == 'A' || c == 'z') && t->multiline)
		return tr_fail(t, "unsupported \\A or \\z with (?m)", t->p, 2);
	if (c == 'A')
		return emit_anchor(t, "^", 2);
	if (c == 'z')
		return emit_anchor(t, "$", 2);
	if (c == 'b')
		return emit_anchor(t, "\\b", 2);
	if (c == 'B')
		return emit_anchor(t, "\\B", 2);
	if (c == 'Q')
		return parse_quoted(t);
	if (c == 'p' || c == 'P')
		return tr_fail(t, "unsupported Unicode class", t->p, 2);
	if ((pc = perl_class(c, &neg)) != NULL) {
		t->p += 2;
		return emit_perl_class(t, pc, neg);
	}
	if (parse_escape(t, &t->p, &cp) != 0)
		return -1;
	t->last = L_ATOM;
	return emit_literal(t, cp);
}

static int tr_literal(struct tr *t)
{
	uint32_t c;
	int n = utf8_decode((const unsigned char *)t->p, &c);

	if (n < 0)
		return tr_fail(t, "invalid UTF-8", t->p, 1);
	t->p += n;
	t->last = L_ATOM;
	return emit_literal(t, c);
}

static int tr_step(struct tr *t)
{
	const char *p = t->p;

	switch (*p) {
	case '(':
		return open_group(t);
	case ')':
		return close_group(t);
	case '|':
		if (t->last == L_NONE && tr_emit(t, "()") != 0)
			return -1;
		t->p++;
		t->last = L_NONE;
		return tr_emit(t, "|");
	case '^':
		return emit_anchor(t, "^", 1);
	case '$':
		return emit_anchor(t, "$", 1);
	case '.':
		return emit_dot(t);
	case '[':
		return parse_class(t);
	case '*':
		return quantify(t, p + 1, "*");
	case '+':
		return quantify(t, p + 1, "+");
	case '?':
		return quantify(t, p + 1, "?");
	case '{':
		return parse_brace(t);
	case '\\':
		return parse_backslash(t);
	default:
		return tr_literal(t);
	}
}

static int translate(struct tr *t)
{
	while (*t->p != '\0')
		if (tr_step(t) != 0)
			return -1;
	if (t->depth > 0)
		return tr_fail(t, "missing closing )", t->pat, strlen(t->pat));
	if (t->last == L_NONE && tr_emit(t, "()") != 0)
		return -1;
	return 0;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return a != 0 && b > (MAX_EXPANDED + 1) / a ? MAX_EXPANDED + 1 : a * b;
}

/* Skip a bracket expression starting at p ('['); the character after it. */
static const char *skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char end = p[1];

			for (p += 2; *p != '\0' && !(p[0] == end && p[1] == ']'); p++)
				;
			p += *p ? 2 : 0;
		} else {
			p++;
		}
	}
	return *p ? p + 1 : p;
}

/* The expanded size of a translated ERE (an upper bound: alternatives add). */
static uint64_t ere_size(const char *p)
{
	uint64_t sum[MAX_DEPTH + 2];
	size_t d = 0;

	sum[0] = 0;
	while (*p != '\0') {
		uint64_t atom = 1;

		if (*p == '(') {
			if (d + 1 >= MAX_DEPTH + 2)
				return MAX_EXPANDED + 1;
			sum[++d] = 0;
			p++;
			continue;
		}
		if (*p == '|') {
			p++;
			continue;
		}
		if (*p == ')' && d > 0) {
			atom = sum[d--] + 1;
			p++;
		} else if (*p == '[') {
			p = skip_bracket(p);
		} else if (*p == '\\' && p[1] != '\0') {
			p += 2;
		} else {
			p++;
		}
		if (*p == '{') {
			unsigned long lo = strtoul(p + 1, (char **)&p, 10), hi = lo;

			if (*p == ',')
				hi = p[1] == '}' ? lo + 1 : strtoul(p + 1, (char **)&p, 10);
			while (*p != '\0' && *p != '}')
				p++;
			p += *p ? 1 : 0;
			atom = sat_mul(atom, hi ? hi : 1);
		} else if (*p == '*' || *p == '+' || *p == '?') {
			p++;
			atom += 1;
		}
		sum[d] = sum[d] + atom > MAX_EXPANDED ? MAX_EXPANDED + 1 : sum[d] + atom;
	}
	return sum[0];
}

struct go_regex *go_regex_compile(const char *pat, struct sops_err *err)
{
	struct tr *t = calloc(1, sizeof(*t));
	struct go_regex *re = NULL;
	locale_t old;
	int rc, cflags = REG_EXTENDED | REG_NOSUB;

	if (t == NULL || pat == NULL) {
		free(t);
		err_set(err, EX_ERROR, "error parsing regexp: %s", pat ? "out of memory" : "no pattern");
		return NULL;
	}
	t->pat = t->p = pat;
	t->err = err;
	t->utf8 = loc_available();
	buf_init(&t->out, 0);
	if (translate(t) != 0)
		goto done;
	if (ere_size(t->out.data ? (const char *)t->out.data : "") > MAX_EXPANDED) {
		err_set(err, EX_ERROR, "error parsing regexp: expression too large");
		goto done;
	}
	re = calloc(1, sizeof(*re));
	if (re == NULL) {
		tr_nomem(t);
		goto done;
	}
	re->posix = (char *)buf_steal(&t->out, NULL);
	cflags |= (t->icase ? REG_ICASE : 0) | (t->multiline ? REG_NEWLINE : 0);
	old = loc_enter();
	rc = regcomp(&re->re, re->posix, cflags);
	loc_leave(old);
	if (rc != 0) {
		char msg[128];

		regerror(rc, &re->re, msg, sizeof(msg));
		tr_fail(t, msg, pat, strlen(pat));
		free(re->posix);
		free(re);
		re = NULL;
	}
done:
	buf_free(&t->out);
	free(t);
	return re;
}

int go_regex_search(const struct go_regex *re, const char *s, size_t n)
{
	regmatch_t m[1];
	locale_t old;
	int rc;

	if (n > (size_t)INT32_MAX)
		return -1;
	if (s == NULL)
		s = "";
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)n;
	old = loc_enter();
	rc = regexec(&re->re, s, 1, m, REG_STARTEND);
	loc_leave(old);
	if (rc == 0)
		return 1;
	return rc == REG_NOMATCH ? 0 : -1;
}

int go_regex_search_str(const struct go_regex *re, const char *s)
{
	return go_regex_search(re, s, strlen(s));
}

const char *go_regex_posix(const struct go_regex *re)
{
	return re->posix;
}

void go_regex_free(struct go_regex *re)
{
	if (re == NULL)
		return;
	regfree(&re->re);
	free(re->posix);
	free(re);
}
