/* re2_class.c - Go's escapes and character classes in PCRE2 form:
 * parseEscape (octal, \x, C escapes, punctuation), \A \b \B \z \Q..\E,
 * Perl classes \d \s \w (ASCII; Go's \s has no \v), POSIX [:name:] classes,
 * Unicode classes \pL \p{Greek} with Go 1.25's name lookup, and bracket
 * expressions rewritten item by item so PCRE2 reads each one literally.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "re2_int.h"

#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int emit(struct re2_tr *t, const char *s)
{
	return buf_adds(&t->out, s) == 0 ? 0 : err_set(t->err, EX_ERROR, "out of memory");
}

int re2_put_rune(struct re2_tr *t, uint32_t r)
{
	char tmp[16];

	if ((r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_') {
		tmp[0] = (char)r;
		tmp[1] = '\0';
	} else {
		snprintf(tmp, sizeof(tmp), "\\x{%x}", (unsigned)r);
	}
	return emit(t, tmp);
}

static int unhex(uint32_t c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* Go's nextRune: one rune at *q, or the "invalid UTF-8" error. At the end
 * it gives U+FFFD without moving (as Go's DecodeRuneInString of ""). */
static int next_rune(struct re2_tr *t, const char **q, uint32_t *c)
{
	size_t len;
	int bad;

	if (*q >= t->end) {
		*c = 0xFFFD;
		return 0;
	}
	*c = re2_rune(*q, (size_t)(t->end - *q), &len, &bad);
	if (bad)
		return re2_fail(t, "invalid UTF-8", *q, (size_t)(t->end - *q));
	*q += len;
	return 0;
}

/* Go's parseEscape at s ('\\'): the rune, *rest after it. */
static int parse_escape(struct re2_tr *t, const char *s, uint32_t *r, const char **rest)
{
	const char *q = s + 1;
	uint32_t c, v = 0;
	int nhex = 0;

	if (q >= t->end)
		return re2_fail(t, "trailing backslash at end of expression", "", 0);
	if (next_rune(t, &q, &c) != 0)
		return -1;
	if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
		*r = c;
		*rest = q;
		return 0;
	}
	switch (c) {
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		if (q >= t->end || *q < '0' || *q > '7')
			break;
		/* fall through */
	case '0':
		v = c - '0';
		for (int i = 1; i < 3 && q < t->end && *q >= '0' && *q <= '7'; i++)
			v = v * 8 + (uint32_t)(*q++ - '0');
		*r = v;
		*rest = q;
		return 0;
	case 'x':
		if (q >= t->end)
			break;
		if (next_rune(t, &q, &c) != 0)
			return -1;
		if (c == '{') {
			for (;;) {
				if (q >= t->end)
					goto invalid;
				if (next_rune(t, &q, &c) != 0)
					return -1;
				if (c == '}')
					break;
				if (unhex(c) < 0)
					goto invalid;
				v = v * 16 + (uint32_t)unhex(c);
				if (v > 0x10FFFF)
					goto invalid;
				nhex++;
			}
			if (nhex == 0)
				break;
			*r = v;
			*rest = q;
			return 0;
		} else {
			int x = unhex(c), y;

			if (next_rune(t, &q, &c) != 0)
				return -1;
			y = unhex(c);
			if (x < 0 || y < 0)
				break;
			*r = (uint32_t)(x * 16 + y);
			*rest = q;
			return 0;
		}
	case 'a': *r = '\a'; *rest = q; return 0;
	case 'f': *r = '\f'; *rest = q; return 0;
	case 'n': *r = '\n'; *rest = q; return 0;
	case 'r': *r = '\r'; *rest = q; return 0;
	case 't': *r = '\t'; *rest = q; return 0;
	case 'v': *r = '\v'; *rest = q; return 0;
	default:
		break;
	}
invalid:
	return re2_fail(t, "invalid escape sequence", s, (size_t)(q - s));
}

/* ---- Perl and POSIX classes ---- */

/* \d \D \s \S \w \W: PCRE2 text outside and inside a bracket expression. */
static const char *perl_class(char c, int in_class)
{
	switch (c) {
	case 'd': return in_class ? "0-9" : "[0-9]";
	case 'D': return in_class ? "\\D" : "[^0-9]";
	case 's': return in_class ? "\\t\\n\\f\\r\\x{20}" : "[\\t\\n\\f\\r\\x{20}]";
	case 'S': return in_class ? "\\S\\x{b}" : "[^\\t\\n\\f\\r\\x{20}]";
	case 'w': return in_class ? "0-9A-Za-z_" : "[0-9A-Za-z_]";
	case 'W': return in_class ? "\\W" : "[^0-9A-Za-z_]";
	default: return NULL;
	}
}

static const char *const posix_names[] = {
	"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower",
	"print", "punct", "space", "upper", "word", "xdigit",
};

/* Go's parseNamedClass at q ("[:"): 1 and *rest when it is one, 0 when it
 * is not (no ":]"), -1 for an unknown name. */
static int posix_class(struct re2_tr *t, const char *q, const char **rest)
{
	const char *close = NULL, *name = q + 2;
	size_t n;

	for (const char *x = q + 2; x + 1 < t->end; x++)
		if (x[0] == ':' && x[1] == ']') {
			close = x;
			break;
		}
	if (close == NULL)
		return 0;
	if (name < close && *name == '^')
		name++;
	n = (size_t)(close - name);
	for (size_t i = 0; i < sizeof(posix_names) / sizeof(posix_names[0]); i++)
		if (strlen(posix_names[i]) == n && memcmp(posix_names[i], name, n) == 0) {
			if (buf_add(&t->out, q, (size_t)(close + 2 - q)) != 0)
				return err_set(t->err, EX_ERROR, "out of memory");
			*rest = close + 2;
			return 1;
		}
	return re2_fail(t, "invalid character class range", q, (size_t)(close + 2 - q));
}

/* ---- Unicode classes ---- */

/* Go 1.25 unicodeTable names (compared after canonicalName, here in lower
 * case) and the PCRE2 property each one is. */
static const char *const categories[] = {
	"C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu",
	"M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe",
	"Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs",
};

static const struct { const char *alias, *cat; } aliases[] = {
	{ "casedletter", "L&" }, { "closepunctuation", "Pe" }, { "combiningmark", "M" },
	{ "connectorpunctuation", "Pc" }, { "control", "Cc" }, { "currencysymbol", "Sc" },
	{ "dashpunctuation", "Pd" }, { "decimalnumber", "Nd" }, { "enclosingmark", "Me" },
	{ "finalpunctuation", "Pf" }, { "format", "Cf" }, { "initialpunctuation", "Pi" },
	{ "letter", "L" }, { "letternumber", "Nl" }, { "lineseparator", "Zl" },
	{ "lowercaseletter", "Ll" }, { "mark", "M" }, { "mathsymbol", "Sm" },
	{ "modifierletter", "Lm" }, { "modifiersymbol", "Sk" }, { "nonspacingmark", "Mn" },
	{ "number", "N" }, { "openpunctuation", "Ps" }, { "other", "C" },
	{ "otherletter", "Lo" }, { "othernumber", "No" }, { "otherpunctuation", "Po" },
	{ "othersymbol", "So" }, { "paragraphseparator", "Zp" }, { "privateuse", "Co" },
	{ "punctuation", "P" }, { "separator", "Z" }, { "spaceseparator", "Zs" },
	{ "spacingmark", "Mc" }, { "surrogate", "Cs" }, { "symbol", "S" },
	{ "titlecaseletter", "Lt" }, { "unassigned", "Cn" }, { "uppercaseletter", "Lu" },
	{ "cntrl", "Cc" }, { "digit", "Nd" }, { "punct", "P" },
	{ "lc", "L&" }, { "any", "Any" }, { "ascii", "ASCII" },
};

/* Does PCRE2 know the script? (The name is letters and digits only.) */
static int pcre_has_script(const char *name)
{
	char pat[96];
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;

	snprintf(pat, sizeof(pat), "\\p{sc:%s}", name);
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
	pcre2_code_free(re);
	return re != NULL;
}

/* PCRE2 property text for a Go class name; sign flips for Assigned. */
static int unicode_prop(const char *name, size_t n, char *out, size_t cap, int *sign)
{
	char canon[64];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (c == '_' || c == '-' || c == ' ')
			continue;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ||
		    k + 1 >= sizeof(canon))
			return -1;
		canon[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	canon[k] = '\0';
	if (k == 0)
		return -1;
	if (strcmp(canon, "assigned") == 0) {
		*sign = -*sign;
		snprintf(out, cap, "Cn");
		return 0;
	}
	for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
		if (strcasecmp(categories[i], canon) == 0 && strcmp(canon, "lc") != 0) {
			snprintf(out, cap, "%s", categories[i]);
			return 0;
		}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].alias, canon) == 0) {
			snprintf(out, cap, "%s", aliases[i].cat);
			return 0;
		}
	if (!pcre_has_script(canon))
		return -1;
	snprintf(out, cap, "sc:%s", canon);
	return 0;
}

/* Go's parseUnicodeClass at q ("\\p" or "\\P"): appends the property. */
static int unicode_class(struct re2_tr *t, const char *q, const char **rest)
{
	const char *s = q, *name, *seq_end, *p = q + 2;
	char prop[80], text[96];
	int sign = q[1] == 'P' ? -1 : 1;
	uint32_t c;
	size_t n;

	if (next_rune(t, &p, &c) != 0)
		return -1;
	if (c != '{') {
		seq_end = p;
		name = q + 2;
		n = (size_t)(p - name);
	} else {
		const char *close = memchr(s, '}', (size_t)(t->end - s));

		if (close == NULL) {
			for (const char *x = s; x < t->end; ) {
				uint32_t r;

				if (next_rune(t, &x, &r) != 0)
					return -1;
			}
			return re2_fail(t, "invalid character class range", s, (size_t)(t->end - s));
		}
		seq_end = close + 1;
		name = q + 3;
		n = (size_t)(close - name);
		for (const char *x = name; x < close; ) {
			uint32_t r;

			if (next_rune(t, &x, &r) != 0)
				return -1;
		}
	}
	if (n > 0 && name[0] == '^') {
		sign = -sign;
		name++;
		n--;
	}
	if (unicode_prop(name, n, prop, sizeof(prop), &sign) != 0)
		return re2_fail(t, "invalid character class range", s, (size_t)(seq_end - s));
	snprintf(text, sizeof(text), "\\%c{%s}", sign > 0 ? 'p' : 'P', prop);
	*rest = seq_end;
	return emit(t, text);
}

/* ---- escapes outside brackets ---- */

static int escape_literal(struct re2_tr *t, const char *s)
{
	size_t at = t->out.len;
	uint32_t r;
	const char *rest;

	if (parse_escape(t, s, &r, &rest) != 0 || re2_put_rune(t, r) != 0)
		return -1;
	t->p = rest;
	re2_atom_done(t, at);
	return 0;
}

/* \Q...\E: every rune up to \E (or the end) is a literal atom. */
static int quoted(struct re2_tr *t)
{
	const char *q = t->p + 2, *stop = q, *resume;

	while (stop < t->end && !(stop + 1 < t->end && stop[0] == '\\' && stop[1] == 'E'))
		stop++;
	resume = stop < t->end ? stop + 2 : t->end;
	while (q < stop) {
		size_t len, at = t->out.len;
		int bad;
		uint32_t r = re2_rune(q, (size_t)(stop - q), &len, &bad);

		if (bad)
			return re2_fail(t, "invalid UTF-8", q, (size_t)(stop - q));
		q += len;
		if (re2_put_rune(t, r) != 0)
			return -1;
		re2_atom_done(t, at);
	}
	t->p = resume;
	return 0;
}

int re2_escape_atom(struct re2_tr *t)
{
	const char *s = t->p, *rest = NULL;
	const char *assert_text = NULL, *cls;
	size_t at = t->out.len;

	if (t->end - s >= 2) {
		switch (s[1]) {
		case 'A': assert_text = "(?:\\A)"; break;
		case 'b': assert_text = "(?:\\b)"; break;
		case 'B': assert_text = "(?:\\B)"; break;
		case 'z': assert_text = "(?:\\z)"; break;
		case 'C': return re2_fail(t, "invalid escape sequence", s, 2);
		case 'Q': return quoted(t);
		default: break;
		}
		if (assert_text != NULL) {
			t->p += 2;
			if (emit(t, assert_text) != 0)
				return -1;
			re2_atom_done(t, at);
			return 0;
		}
		if (s[1] == 'p' || s[1] == 'P') {
			if (unicode_class(t, s, &rest) != 0)
				return -1;
			t->p = rest;
			re2_atom_done(t, at);
			return 0;
		}
		cls = perl_class(s[1], 0);
		if (cls != NULL) {
			t->p += 2;
			if (emit(t, cls) != 0)
				return -1;
			re2_atom_done(t, at);
			return 0;
		}
	}
	return escape_literal(t, s);
}

/* ---- bracket expressions (Go's parseClass) ---- */

/* One class character (parseClassChar): whole is the class for errors. */
static int class_char(struct re2_tr *t, const char **q, const char *whole, uint32_t *r)
{
	if (*q >= t->end)
		return re2_fail(t, "missing closing ]", whole, (size_t)(t->end - whole));
	if (**q == '\\')
		return parse_escape(t, *q, r, q);
	return next_rune(t, q, r);
}

static int class_item(struct re2_tr *t, const char **qp, const char *whole)
{
	const char *q = *qp, *rng = q, *rest = NULL;
	uint32_t lo, hi;
	const char *cls;
	int rc;

	if (t->end - q > 2 && q[0] == '[' && q[1] == ':') {
		rc = posix_class(t, q, &rest);
		if (rc != 0) {
			*qp = rest;
			return rc < 0 ? -1 : 0;
		}
	}
	if (t->end - q >= 2 && q[0] == '\\' && (q[1] == 'p' || q[1] == 'P')) {
		if (unicode_class(t, q, &rest) != 0)
			return -1;
		*qp = rest;
		return 0;
	}
	if (t->end - q >= 2 && q[0] == '\\' && (cls = perl_class(q[1], 1)) != NULL) {
		*qp = q + 2;
		return emit(t, cls);
	}
	if (class_char(t, &q, whole, &lo) != 0)
		return -1;
	hi = lo;
	if (t->end - q >= 2 && q[0] == '-' && q[1] != ']') {
		q++;
		if (class_char(t, &q, whole, &hi) != 0)
			return -1;
		if (hi < lo)
			return re2_fail(t, "invalid character class range", rng, (size_t)(q - rng));
	}
	*qp = q;
	if (re2_put_rune(t, lo) != 0)
		return -1;
	if (hi != lo && (emit(t, "-") != 0 || re2_put_rune(t, hi) != 0))
		return -1;
	return 0;
}

int re2_class(struct re2_tr *t)
{
	const char *whole = t->p, *q = t->p + 1;
	int first = 1;

	if (q < t->end && *q == '^') {
		q++;
		if (emit(t, "[^") != 0)
			return -1;
	} else if (emit(t, "[") != 0) {
		return -1;
	}
	while (q >= t->end || *q != ']' || first) {
		first = 0;
		if (class_item(t, &q, whole) != 0)
			return -1;
	}
	t->p = q + 1;
	return emit(t, "]");
}
