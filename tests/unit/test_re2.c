/* test_re2.c - Go (RE2) regular expressions through PCRE2 (codec/core/re2):
 * one table of patterns with the subject each is searched in and what Go's
 * regexp.MatchString says (match, no match, or the compile error in Go's
 * words), plus the rule vectors made by the real sops.
 */
#include "check.h"
#include "../../codec/core/re2.h"

#include <ctype.h>
#include <time.h>

enum { N = 0, M = 1, R = 2 };   /* no match, match, rejected */

struct case_ {
	const char *pat;
	const char *s;           /* subject (M/N) */
	int want;
	int len;                 /* subject length when it holds a NUL; 0: strlen */
	const char *msg;         /* R: Go's error, NULL: any "error parsing regexp: " */
};

#define REJ(p, m) { p, NULL, R, 0, m }

static const struct case_ cases[] = {
	/* ---- kept from the POSIX translator's tests ---- */
	/* regexes of the rule vectors (sops-vectors/rules, yaml) */
	{ "^(data|stringData)$", "data", M, 0, NULL },
	{ "^(data|stringData)$", "stringData", M, 0, NULL },
	{ "^(data|stringData)$", "metadata", N, 0, NULL },
	{ "^(data|stringData)$", "data2", N, 0, NULL },
	{ "^(data|stringData)$", "", N, 0, NULL },
	{ "data", "metadata", M, 0, NULL },
	{ "data", "dat", N, 0, NULL },
	{ "^(public|.*_plain)", "public_list", M, 0, NULL },
	{ "^(public|.*_plain)", "host_plain", M, 0, NULL },
	{ "^(public|.*_plain)", "db_secret", N, 0, NULL },
	{ "^(public|.*_plain)", "xpublic", N, 0, NULL },
	{ "sops:nocrypt", " sops:nocrypt", M, 0, NULL },
	{ "sops:nocrypt", " plain comment in parent", N, 0, NULL },
	{ "sops:enc", " sops:enc", M, 0, NULL },
	{ "^(database|token)$", "token", M, 0, NULL },
	{ "^(database|token)$", "tokens", N, 0, NULL },
	/* typical path_regex values */
	{ ".*\\.yaml$", "secrets/a.yaml", M, 0, NULL },
	{ ".*\\.yaml$", "a.yml", N, 0, NULL },
	{ ".*\\.yaml$", "a.yaml.bak", N, 0, NULL },
	{ ".*\\.yaml$", "ayaml", N, 0, NULL },
	{ ".*\\.yaml$", "a.yaml\n", N, 0, NULL },
	{ "secrets/.*\\.enc\\.json", "a/secrets/b/c.enc.json", M, 0, NULL },
	{ "secrets/.*\\.enc\\.json", "secrets/x.json", N, 0, NULL },
	{ "secrets/.*\\.enc\\.json", "secrets/xenc.json", N, 0, NULL },
	{ "(?i)prod", "clusters/PROD/x", M, 0, NULL },
	{ "(?i)prod", "Production", M, 0, NULL },
	{ "(?i)prod", "pr0d", N, 0, NULL },
	{ "\\d+", "v2", M, 0, NULL },
	{ "\\d+", "abc", N, 0, NULL },
	/* Perl and POSIX classes (ASCII) */
	{ "\\D", "123", N, 0, NULL },
	{ "\\D", "12a", M, 0, NULL },
	{ "\\s", "a\tb", M, 0, NULL },
	{ "\\s", "a\vb", N, 0, NULL },
	{ "[[:space:]]", "a\vb", M, 0, NULL },
	{ "^\\W+$", "!-/", M, 0, NULL },
	{ "^\\W+$", "a!", N, 0, NULL },
	{ "^\\w+$", "a_Z9", M, 0, NULL },
	{ "^\\w+$", "\xc3\xa9", N, 0, NULL },
	{ "[[:^alpha:]]", "abc", N, 0, NULL },
	{ "[[:^alpha:]]", "ab1", M, 0, NULL },
	{ "^[[:word:]]$", "_", M, 0, NULL },
	{ "^[\\d.-]+$", "1.2-3", M, 0, NULL },
	{ "^[\\d.-]+$", "1x", N, 0, NULL },
	{ "[^\\S]", "ab", N, 0, NULL },
	{ "[^\\S]", "a b", M, 0, NULL },
	/* dot, newlines, flags */
	{ "a.c", "abc", M, 0, NULL },
	{ "a.c", "a\nc", N, 0, NULL },
	{ "(?s)a.c", "a\nc", M, 0, NULL },
	{ "(?s:a.)c", "a\nc", M, 0, NULL },
	{ "(?s:a.)c.", "a\nc\n", N, 0, NULL },
	{ "a.c", "a\xc3\xa9" "c", M, 0, NULL },
	{ "^.$", "\xc3\xa9", M, 0, NULL },
	{ "^.$", "ab", N, 0, NULL },
	{ "b.c", "b\0c", M, 3, NULL },
	{ "[^a]", "\n", M, 0, NULL },
	{ "[^a]", "a", N, 0, NULL },
	{ "(?m)^b$", "a\nb\nc", M, 0, NULL },
	{ "^b$", "a\nb\nc", N, 0, NULL },
	{ "(?m)^a[^x]b", "a\nb", M, 0, NULL },
	{ "(?m)a.b", "a\nb", N, 0, NULL },
	{ "(?ms)a.b", "a\nb", M, 0, NULL },
	{ "(?i)^[a-c]+$", "AbC", M, 0, NULL },
	{ "(?i)[^a]", "A", N, 0, NULL },
	{ "(?i)k", "K", M, 0, NULL },
	{ "(?U)a+b", "aab", M, 0, NULL },
	/* non-ASCII classes (code points, not bytes) */
	{ "^[\xc3\xa0-\xc3\xbf]+$", "\xc3\xa9\xc3\xa8", M, 0, NULL },
	{ "^[\xc3\xa0-\xc3\xbf]+$", "e", N, 0, NULL },
	{ "[^\xc3\xa9]", "\xc3\xa9", N, 0, NULL },
	{ "[^\xc3\xa9]", "\xc3\xa8", M, 0, NULL },
	{ "^\xc3\xa9+$", "\xc3\xa9\xc3\xa9", M, 0, NULL },
	{ "\\x{e9}", "\xc3\xa9", M, 0, NULL },
	/* empty pieces */
	{ "x*", "", M, 0, NULL },
	{ "", "anything", M, 0, NULL },
	{ "a|", "zzz", M, 0, NULL },
	{ "(|a)b", "b", M, 0, NULL },
	{ "()", "", M, 0, NULL },
	/* repetition */
	{ "^a{2}$", "a", N, 0, NULL },
	{ "^a{2}$", "aa", M, 0, NULL },
	{ "^a{2,}$", "aaa", M, 0, NULL },
	{ "^a{1,2}$", "aaa", N, 0, NULL },
	{ "a{,2}", "a{,2}", M, 0, NULL },
	{ "^a{,2}$", "a", N, 0, NULL },
	{ "a{01}", "a{01}", M, 0, NULL },
	{ "^x{0}y$", "y", M, 0, NULL },
	{ "a+?b", "aab", M, 0, NULL },
	{ "^a??b$", "b", M, 0, NULL },
	{ "^a*?$", "aaa", M, 0, NULL },
	{ "^a{1,3}?$", "aa", M, 0, NULL },
	/* groups */
	{ "^(?:ab)+$", "abab", M, 0, NULL },
	{ "^(?:ab)+$", "aba", N, 0, NULL },
	{ "^(?P<name>ab)c$", "abc", M, 0, NULL },
	{ "^(?<n>ab)c$", "abc", M, 0, NULL },
	{ "^((a|b)(c|))$", "a", M, 0, NULL },
	/* escapes */
	{ "\\.", "a.b", M, 0, NULL },
	{ "\\.", "ab", N, 0, NULL },
	{ "^\\-\\/$", "-/", M, 0, NULL },
	{ "^\\Qa.b*\\E$", "a.b*", M, 0, NULL },
	{ "^\\Qa.b*\\E$", "axbb", N, 0, NULL },
	{ "^\\Qa.b", "a.b", M, 0, NULL },
	{ "\\x41", "A", M, 0, NULL },
	{ "\\101", "A", M, 0, NULL },
	{ "^\\t\\n$", "\t\n", M, 0, NULL },
	{ "\\Aab\\z", "ab", M, 0, NULL },
	{ "\\Aab\\z", "xab", N, 0, NULL },
	{ "\\Aab\\z", "ab\n", N, 0, NULL },
	{ "\\bfoo\\b", "a foo b", M, 0, NULL },
	{ "\\bfoo\\b", "afoob", N, 0, NULL },
	{ "\\Boo", "foo", M, 0, NULL },
	{ "^\\$\\^$", "$^", M, 0, NULL },
	{ "^\\{\\}$", "{}", M, 0, NULL },
	{ "^x}$", "x}", M, 0, NULL },
	{ "^a]$", "a]", M, 0, NULL },
	{ "^\\|\\(\\)\\[\\]\\*\\+\\?\\\\$", "|()[]*+?\\", M, 0, NULL },
	/* bracket expressions with characters POSIX places specially */
	{ "^[]a]$", "]", M, 0, NULL },
	{ "^[^]a]$", "]", N, 0, NULL },
	{ "^[^]a]$", "b", M, 0, NULL },
	{ "^[a-]$", "-", M, 0, NULL },
	{ "^[-^]$", "^", M, 0, NULL },
	{ "^[-^]$", "a", N, 0, NULL },
	{ "^[\\^]$", "^", M, 0, NULL },
	{ "^[\\^]$", "a", N, 0, NULL },
	{ "^[\\^x]$", "x", M, 0, NULL },
	{ "^[[]$", "[", M, 0, NULL },
	{ "^[\\[.:=]+$", "[.:=", M, 0, NULL },
	{ "^[\\[.:=]+$", "[a", N, 0, NULL },
	{ "^a[^\\]]b$", "a]b", N, 0, NULL },
	{ "^a[^\\]]b$", "axb", M, 0, NULL },
	{ "^[!-/]+$", "!-/", M, 0, NULL },
	{ "^[Z-a]+$", "[\\]^_`", M, 0, NULL },
	{ "^[\\x00-\\x{10FFFF}]$", "a", M, 0, NULL },

	REJ("(abc", "error parsing regexp: missing closing ): `(abc`"),
	REJ("abc)", "error parsing regexp: unexpected ): `abc)`"),
	REJ("[a", "error parsing regexp: missing closing ]: `[a`"),
	REJ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
	REJ("x++", "error parsing regexp: invalid nested repetition operator: `++`"),
	REJ("a*??", "error parsing regexp: invalid nested repetition operator: `*??`"),
	REJ("*a", "error parsing regexp: missing argument to repetition operator: `*`"),
	REJ("(+a)", "error parsing regexp: missing argument to repetition operator: `+`"),
	REJ("(?=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
	REJ("(?!x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"),
	/* Go 1.22+ reads "(?<" as a named group */
	REJ("(?<=x)", "error parsing regexp: invalid named capture: `(?<=x)`"),
	REJ("(?P=n)", "error parsing regexp: invalid or unsupported Perl syntax: `(?P`"),
	REJ("\\8", "error parsing regexp: invalid escape sequence: `\\8`"),
	REJ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
	REJ("\\q", "error parsing regexp: invalid escape sequence: `\\q`"),
	REJ("a{2,1}", "error parsing regexp: invalid repeat count: `{2,1}`"),
	REJ("a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
	REJ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
	REJ("[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`"),
	REJ("a\\", "error parsing regexp: trailing backslash at end of expression: ``"),
	REJ("(?P<>a)", "error parsing regexp: invalid named capture: `(?P<>`"),
	REJ("\\x{110000}", "error parsing regexp: invalid escape sequence: `\\x{110000`"),
	REJ("\xff", "error parsing regexp: invalid UTF-8: `\xff`"),
	/* the old translator refused these; Go accepts them */
	{ "\\pL", "\xc3\xa9", M, 0, NULL },
	{ "a(?i)b", "aB", M, 0, NULL },
	{ "a(?i)b", "AB", N, 0, NULL },
	{ "(?i:a)b", "Ab", M, 0, NULL },
	{ "(?i:a)b", "AB", N, 0, NULL },
	{ "^*a", "a", M, 0, NULL },

	/* ---- what Go rejects and PCRE2 would accept ---- */
	REJ("(?<!x)", "error parsing regexp: invalid named capture: `(?<!x)`"),
	REJ("(?>ab)", "error parsing regexp: invalid or unsupported Perl syntax: `(?>`"),
	REJ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
	REJ("a?+", "error parsing regexp: invalid nested repetition operator: `?+`"),
	REJ("a{2}+", "error parsing regexp: invalid nested repetition operator: `{2}+`"),
	REJ("a{2}{3}", "error parsing regexp: invalid nested repetition operator: `{2}{3}`"),
	REJ("a\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
	REJ("\\Ga", "error parsing regexp: invalid escape sequence: `\\G`"),
	REJ("a\\Kb", "error parsing regexp: invalid escape sequence: `\\K`"),
	REJ("\\R", "error parsing regexp: invalid escape sequence: `\\R`"),
	REJ("\\h", "error parsing regexp: invalid escape sequence: `\\h`"),
	REJ("\\e", "error parsing regexp: invalid escape sequence: `\\e`"),
	REJ("\\X", "error parsing regexp: invalid escape sequence: `\\X`"),
	REJ("\\C", "error parsing regexp: invalid escape sequence: `\\C`"),
	REJ("(a)\\k<a>", "error parsing regexp: invalid escape sequence: `\\k`"),
	REJ("(a)\\g1", "error parsing regexp: invalid escape sequence: `\\g`"),
	REJ("\\\xc3\xa9", "error parsing regexp: invalid escape sequence: `\\\xc3\xa9`"),
	REJ("(?|a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?|`"),
	REJ("(?#note)", "error parsing regexp: invalid or unsupported Perl syntax: `(?#`"),
	REJ("(?x)a b", "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"),
	REJ("(?i-)a", "error parsing regexp: invalid or unsupported Perl syntax: `(?i-)`"),
	REJ("(?i", "error parsing regexp: invalid or unsupported Perl syntax: `(?i`"),
	REJ("(*UTF)a", "error parsing regexp: missing argument to repetition operator: `*`"),
	REJ("(?R)", "error parsing regexp: invalid or unsupported Perl syntax: `(?R`"),
	REJ("(?1)", "error parsing regexp: invalid or unsupported Perl syntax: `(?1`"),
	REJ("(?P<a-b>x)", "error parsing regexp: invalid named capture: `(?P<a-b>`"),
	REJ("(?P<n", "error parsing regexp: invalid named capture: `(?P<n`"),
	REJ("[a-\\d]", "error parsing regexp: invalid escape sequence: `\\d`"),
	REJ("[\\b]", "error parsing regexp: invalid escape sequence: `\\b`"),
	REJ("\\p{Foo}", "error parsing regexp: invalid character class range: `\\p{Foo}`"),
	REJ("\\p{Greek", "error parsing regexp: invalid character class range: `\\p{Greek`"),
	REJ("\\p{Alphabetic}", "error parsing regexp: invalid character class range: `\\p{Alphabetic}`"),
	REJ("\\p", "error parsing regexp: invalid character class range: `\\p`"),
	REJ("x{1,1001}", "error parsing regexp: invalid repeat count: `{1,1001}`"),
	REJ("(a{2}){501}", "error parsing regexp: invalid repeat count: `{501}`"),
	REJ("((a{10}){10}){11}", "error parsing regexp: invalid repeat count: `{11}`"),
	REJ("a|*", "error parsing regexp: missing argument to repetition operator: `*`"),
	REJ("(?i)*", "error parsing regexp: missing argument to repetition operator: `*`"),

	/* ---- Perl classes, \b and POSIX classes are ASCII ---- */
	{ "\\d", "\xd9\xa3", N, 0, NULL },            /* ARABIC-INDIC DIGIT THREE */
	{ "\\D", "\xd9\xa3", M, 0, NULL },
	{ "\\w", "\xc3\xa9", N, 0, NULL },
	{ "\\W", "\xc3\xa9", M, 0, NULL },
	{ "\\s", "\xc2\xa0", N, 0, NULL },            /* NO-BREAK SPACE */
	{ "\\s", "\f", M, 0, NULL },
	{ "^\\S$", "\v", M, 0, NULL },
	{ "^[\\S]$", "\v", M, 0, NULL },
	{ "^[\\s]$", "\v", N, 0, NULL },
	{ "\\bx", "\xc3\xa9x", M, 0, NULL },
	{ "\xc3\xa9\\b", "\xc3\xa9x", M, 0, NULL },   /* é is no word char, x is */
	{ "a\\b", "a\xc3\xa9", M, 0, NULL },
	{ "\xc3\xa9\\B", "\xc3\xa9\xc3\xa9", M, 0, NULL },
	{ "[[:alpha:]]", "\xc3\xa9", N, 0, NULL },
	{ "[[:alpha:]]", "a", M, 0, NULL },
	{ "^[[:upper:][:digit:]]+$", "A1", M, 0, NULL },
	{ "^[:alpha:]+$", "ahpla:", M, 0, NULL },     /* outside [] it is a plain class */
	{ "^[[.a.]]$", "[", N, 0, NULL },
	{ "^[[.a.]]$", ".]", M, 0, NULL },

	/* ---- $, ^, . and newlines ---- */
	{ "a$", "a\n", N, 0, NULL },
	{ "(?m)a$", "a\n", M, 0, NULL },
	{ "^$", "\n", N, 0, NULL },
	{ "(?m)^$", "a\n", M, 0, NULL },
	{ "(?m)^b", "a\nb", M, 0, NULL },
	{ "(?m)(?-m)^b", "a\nb", N, 0, NULL },
	{ "(?m:^b)", "a\nb", M, 0, NULL },
	{ "(?m:a$)b", "a\nb", N, 0, NULL },
	{ "(?m:a$)\n", "a\nb", M, 0, NULL },
	{ "(?m:x)^b", "a\nb", N, 0, NULL },
	{ "a\\z", "a\n", N, 0, NULL },
	{ "\\Aa", "ba", N, 0, NULL },
	{ ".", "\n", N, 0, NULL },
	{ "(?s).", "\n", M, 0, NULL },
	{ "(?s:.)x", "\nx", M, 0, NULL },
	{ "(?s:.).", "\n\n", N, 0, NULL },
	{ "\\n", "\n", M, 0, NULL },
	{ "\\r", "\r", M, 0, NULL },

	/* ---- flags ---- */
	{ "(?i)abc", "xABCx", M, 0, NULL },
	{ "(?i)a(?-i)b", "Ab", M, 0, NULL },
	{ "(?i)a(?-i)b", "AB", N, 0, NULL },
	{ "(?i)[a-c]", "B", M, 0, NULL },
	{ "(?i)k", "\xe2\x84\xaa", M, 0, NULL },      /* KELVIN SIGN folds to k */
	{ "(?i)\xc3\xa9", "\xc3\x89", M, 0, NULL },
	{ "(?U)^a+$", "aaa", M, 0, NULL },
	{ "(?U)^a+?$", "aaa", M, 0, NULL },
	{ "(?sm)^a.b$", "x\na\nb", M, 0, NULL },
	{ "(?i:A|b)c", "ac", M, 0, NULL },
	{ "(?:(?i)a)b", "AB", N, 0, NULL },
	{ "()(?i)", "x", M, 0, NULL },
	{ "(?)a", "a", M, 0, NULL },
	{ "a(?i)*", "b", M, 0, NULL },                /* the operator applies to a */
	{ "^a*(?i)*$", "aaa", M, 0, NULL },
	{ "^a*(?i)*$", "AAA", N, 0, NULL },

	/* ---- Unicode classes (Go 1.25 names) ---- */
	{ "\\pL", "1", N, 0, NULL },
	{ "\\PL", "1", M, 0, NULL },
	{ "\\p{Greek}", "\xce\xb1", M, 0, NULL },
	{ "\\p{Greek}", "a", N, 0, NULL },
	{ "\\p{^Greek}", "a", M, 0, NULL },
	{ "\\P{^Greek}", "\xce\xb1", M, 0, NULL },
	{ "^[\\p{Greek}\\d]+$", "\xce\xb1" "5", M, 0, NULL },
	{ "^[^\\p{Greek}]$", "\xce\xb1", N, 0, NULL },
	{ "\\p{Lu}", "A", M, 0, NULL },
	{ "\\p{Lu}", "a", N, 0, NULL },
	{ "\\p{greek}", "\xce\xb1", M, 0, NULL },
	{ "\\p{Letter}", "\xc3\xa9", M, 0, NULL },
	{ "\\p{Uppercase_Letter}", "a", N, 0, NULL },
	{ "\\p{Any}", "\n", M, 0, NULL },
	{ "\\P{Any}", "a", N, 0, NULL },
	{ "\\p{ASCII}", "\xc3\xa9", N, 0, NULL },
	{ "\\p{ASCII}", "~", M, 0, NULL },
	{ "\\p{Assigned}", "a", M, 0, NULL },
	{ "\\p{LC}", "a", M, 0, NULL },
	{ "\\p{Nd}", "\xd9\xa3", M, 0, NULL },
	{ "\\pN", "5", M, 0, NULL },

	/* ---- invalid UTF-8 in the subject: Go reads each bad byte as U+FFFD ---- */
	{ "a.c", "a\xff" "c", M, 0, NULL },
	{ "^.$", "\xff", M, 0, NULL },
	{ "^..$", "\xe2\x82", M, 0, NULL },           /* truncated: two bad bytes */
	{ "^...$", "\xed\xa0\x80", M, 0, NULL },      /* a surrogate: three bad bytes */
	{ "\\x{fffd}", "\xff", M, 0, NULL },
	{ "[^a]", "\xff", M, 0, NULL },
	{ "^a$", "a\xff", N, 0, NULL },
	{ "^\\C*$", NULL, R, 0, "error parsing regexp: invalid escape sequence: `\\C`" },
	{ "b", "\xff" "b\xfe", M, 0, NULL },

	/* ---- repetition ---- */
	{ "^a{1000}$", "a", N, 0, NULL },
	{ "^(a{10}){100}$", "a", N, 0, NULL },
	{ "^(?:a{0}){1000}b$", "b", M, 0, NULL },
	{ "a{2", "a{2", M, 0, NULL },
	{ "{", "{", M, 0, NULL },
	{ "^x{1,}$", "xx", M, 0, NULL },
	{ "^\\d{3}-\\d{4}$", "555-1234", M, 0, NULL },
	{ "^(a|ab)(c|bcd)(d*)$", "abcd", M, 0, NULL },
	{ "(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", N, 0, NULL },

	/* ---- groups and escapes ---- */
	{ "(?P<1a>x)", "x", M, 0, NULL },             /* Go allows a leading digit */
	{ "^(?P<a>x)(?P<a>y)$", "xy", M, 0, NULL },   /* and duplicate names */
	{ "\\0", "\0", M, 1, NULL },
	{ "\\12", "\n", M, 0, NULL },
	{ "\\x{41}\\x4a", "AJ", M, 0, NULL },
	{ "\\a\\f\\v", "\a\f\v", M, 0, NULL },
	{ "\\_", "_", M, 0, NULL },
	{ "\\Q(?=x)\\E", "(?=x)", M, 0, NULL },
	REJ("^[\\Qa\\E]$", "error parsing regexp: invalid escape sequence: `\\Q`"),
	{ "[[.a.]", ".", M, 0, NULL },      /* no collating elements: [ . a . */
};

/* One case; 0 when Go's answer came out, else -1 with why. */
static int run_case(const struct case_ *c, char *why, size_t cap)
{
	struct sops_err err = { 0, "" };
	struct re2 *re = re2_compile(c->pat, &err);
	int got, ok = 1;

	if (c->want == R) {
		if (re != NULL)
			snprintf(why, cap, "/%s/ compiled (pcre %.200s)", c->pat, re2_pcre_pattern(re));
		else if (err.code != EX_ERROR || (c->msg != NULL && strcmp(err.msg, c->msg) != 0) ||
			 strncmp(err.msg, "error parsing regexp: ", 22) != 0)
			snprintf(why, cap, "/%s/: got \"%.200s\"", c->pat, err.msg);
		else
			return 0;
		re2_free(re);
		return -1;
	}
	if (re == NULL) {
		snprintf(why, cap, "compile /%s/: %.200s", c->pat, err.msg);
		return -1;
	}
	got = re2_search(re, c->s, c->len > 0 ? (size_t)c->len : strlen(c->s));
	if (got != c->want) {
		snprintf(why, cap, "/%s/ on \"%s\": got %d, want %d (pcre %.200s)",
			 c->pat, c->s, got, c->want, re2_pcre_pattern(re));
		ok = 0;
	}
	re2_free(re);
	return ok ? 0 : -1;
}

static void test_table(void)
{
	char why[600], first[600] = "";
	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (run_case(&cases[i], why, sizeof(why)) != 0) {
			fprintf(stderr, "  case %zu: %s\n", i, why);
			if (bad++ == 0)
				snprintf(first, sizeof(first), "%s", why);
		}
	CHECKF(bad == 0, "%d of %zu cases wrong, first: %.400s", bad,
	       sizeof(cases) / sizeof(cases[0]), first);
}

static void test_explicit_length(void)
{
	struct sops_err err;
	struct re2 *re = re2_compile("^data$", &err);

	CHECK(re != NULL);
	CHECK(re2_search(re, "data\0zzz", 4) == 1);
	CHECK(re2_search(re, "data\0zzz", 8) == 0);
	CHECK(re2_search(re, "datazzz", 4) == 1);
	CHECK(re2_search(re, NULL, 0) == 0);
	CHECK(re2_search_str(re, "data") == 1);
	re2_free(re);
}

static void test_deep_nesting(void)
{
	/* Go allows far more nesting than PCRE2's default of 250 */
	char pat[1300];
	struct sops_err err;
	struct re2 *re;
	size_t k = 0;

	for (int i = 0; i < 400; i++)
		pat[k++] = '(';
	pat[k++] = 'a';
	for (int i = 0; i < 400; i++)
		pat[k++] = ')';
	pat[k] = '\0';
	re = re2_compile(pat, &err);
	CHECKF(re != NULL, "%.200s", err.msg);
	CHECK(re2_search_str(re, "xax") == 1);
	re2_free(re);
	memset(pat, '(', 1100);
	pat[1100] = '\0';
	re = re2_compile(pat, &err);
	CHECK(re == NULL);
	CHECKF(strncmp(err.msg, "error parsing regexp: expression nests too deeply: `((", 54) == 0,
	       "%.100s", err.msg);
}

static void test_long_subject(void)
{
	/* typical patterns on a 1 MiB subject: linear and right */
	size_t n = 1 << 20;
	char *s = malloc(n);
	struct sops_err err;
	struct re2 *re = re2_compile("^(data|stringData)$|\\.enc\\.ya?ml$", &err);

	CHECK(s != NULL && re != NULL);
	memset(s, 'a', n);
	CHECK(re2_search(re, s, n) == 0);
	memcpy(s + n - 9, ".enc.yml", 9);
	CHECK(re2_search(re, s, n - 1) == 1);
	re2_free(re);
	free(s);
}

static void test_pathological_bounded(void)
{
	/* nested repetition that backtracks exponentially: each search ends
	 * quickly with the right answer or "no answer" (-1), never a wrong one */
	static const char *const pats[] = { "(a+)+$", "(a|aa)+$", "((a+)+)+c", "(a*)*(a|b)$c" };
	static const int on_aa[] = { 1, 1, 0, 0 };
	char s[4001];
	struct timespec t0, t1;

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = 'b';
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct sops_err err;
		struct re2 *re = re2_compile(pats[i], &err);
		int got;
		double secs;

		CHECK(re != NULL);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		got = re2_search(re, s, sizeof(s));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		CHECKF(got == 0 || got == -1, "/%s/: %d", pats[i], got);
		CHECKF(secs < 2.0, "/%s/ took %.2f s", pats[i], secs);
		CHECKF(re2_search(re, "aab", 3) == 0 && re2_search(re, "aa", 2) == on_aa[i], "/%s/", pats[i]);
		re2_free(re);
	}
}

/* ---- the rule vectors: a key is encrypted iff the regex says so ---- */

struct walk {
	struct re2 *re;
	int encrypted_rule;     /* 1 encrypted_regex, 0 unencrypted_regex */
	char stack[16][128];
	size_t indent[16];
	size_t depth;
	int checked;
};

/* Does the regex match any component of the path plus key? */
static int path_matches(struct walk *w, const char *key)
{
	for (size_t i = 0; i < w->depth; i++)
		if (re2_search_str(w->re, w->stack[i]) == 1)
			return 1;
	return re2_search_str(w->re, key) == 1;
}

/* One "<indent>key: value" line of a sops-written YAML file. */
static void walk_line(struct walk *w, const char *line, size_t len)
{
	size_t ind = 0, k;
	char key[128];
	const char *val;
	int enc, want;

	while (ind < len && line[ind] == ' ')
		ind++;
	if (ind == len || line[ind] == '#' || line[ind] == '-')
		return;
	for (k = ind; k < len && line[k] != ':'; k++)
		;
	if (k == len || k - ind >= sizeof(key))
		return;
	memcpy(key, line + ind, k - ind);
	key[k - ind] = '\0';
	while (w->depth > 0 && w->indent[w->depth - 1] >= ind)
		w->depth--;
	val = line + k + 1;
	if (val >= line + len) {  /* a mapping or list follows */
		CHECK(w->depth < 16);
		snprintf(w->stack[w->depth], sizeof(w->stack[0]), "%s", key);
		w->indent[w->depth++] = ind;
		return;
	}
	enc = strncmp(val, " ENC[", 5) == 0;
	want = w->encrypted_rule ? path_matches(w, key) : !path_matches(w, key);
	CHECKF(enc == want, "key %s: encrypted %d, regex says %d", key, enc, want);
	w->checked++;
}

static void walk_file(const char *dir, const char *file, const char *pat, int encrypted_rule)
{
	char path[512];
	struct sops_err err;
	struct walk w = { 0 };
	char *text, *line, *nl;

	snprintf(path, sizeof(path), "%s/interop/sops-vectors/rules/%s", dir, file);
	text = check_read_file(path, NULL);
	CHECKF(text != NULL, "cannot read %.200s", path);
	w.re = re2_compile(pat, &err);
	w.encrypted_rule = encrypted_rule;
	CHECK(w.re != NULL);
	for (line = text; *line != '\0' && strncmp(line, "sops:", 5) != 0; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		walk_line(&w, line, (size_t)(nl - line));
	}
	CHECKF(w.checked >= 4, "%s: only %d keys checked", file, w.checked);
	re2_free(w.re);
	free(text);
}

static void test_rule_vectors(void)
{
	const char *dir = check_shared_dir();

	if (dir == NULL)
		SKIP("../shared not found");
	walk_file(dir, "k8s_encrypted_regex.enc.yaml", "^(data|stringData)$", 1);
	walk_file(dir, "encrypted_regex_unanchored.enc.yaml", "data", 1);
	walk_file(dir, "unencrypted_regex.enc.yaml", "^(public|.*_plain)", 0);
	walk_file(dir, "mac_only_encrypted.enc.yaml", "^(data|stringData)$", 1);
}

static void test_concurrent_use_same_regex(void)
{
	/* the compiled form is immutable: repeated searches give the same
	 * answers (each search has its own match data) */
	struct sops_err err;
	struct re2 *re = re2_compile("(?i)^[a-z]+\\.ENC\\.yaml$", &err);

	CHECK(re != NULL);
	for (int i = 0; i < 3; i++) {
		CHECK(re2_search_str(re, "Secrets.enc.YAML") == 1);
		CHECK(re2_search_str(re, "secrets/x.enc.yaml") == 0);
	}
	re2_free(re);
}

int main(void)
{
	RUN(test_table);
	RUN(test_explicit_length);
	RUN(test_deep_nesting);
	RUN(test_long_subject);
	RUN(test_pathological_bounded);
	RUN(test_rule_vectors);
	RUN(test_concurrent_use_same_regex);
	return CHECK_DONE();
}
