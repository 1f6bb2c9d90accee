/* re2.h - Go (RE2) regular expressions, matched the way sops does.
 *
 * sops tests encrypted_regex, unencrypted_regex, the two comment regexes
 * and .sops.yaml path_regex values with Go's regexp package: RE2 syntax,
 * unanchored search (regexp.Match). Here the pattern is checked against
 * Go's grammar (regexp/syntax, Perl flags) and rewritten into an explicit
 * PCRE2 pattern that means the same; PCRE2 (UTF mode) does the matching
 * under a work limit, so a crafted pattern costs bounded time (about 0.1 s
 * at most per search).
 *
 * Go semantics kept: what Go rejects is a compile error with Go's message
 * (lookaround, backreferences, possessive quantifiers, atomic groups, \Z,
 * \G, \K, \R, \h, \e, named groups with bad names, repeat counts over 1000
 * including nested products, ...); \d \w \s \b and [[:name:]] are ASCII;
 * \s is [\t\n\f\r ]; $ without (?m) matches only at the very end; . does
 * not match \n without (?s); flags i m s U, negated and scoped ((?i:...));
 * \pL \p{Greek} \PL \p{^Greek} with Go 1.25's names (case-insensitive,
 * aliases like Letter, Any, ASCII, Assigned); a '{' that is no repeat is a
 * literal. The subject may hold invalid UTF-8: like Go, each invalid byte
 * is U+FFFD; it never fails.
 * Known differences: under (?i), \p{Lu}-style classes are not case-folded;
 * the work limit above.
 * Thread-safe after compile.
 */
#ifndef SOPSFS_RE2_H
#define SOPSFS_RE2_H

#include <stddef.h>
#include "../../common/err.h"

struct re2;

/* Compile pat (NUL-terminated). NULL with err set (code EX_ERROR, message
 * "error parsing regexp: <what>: `<where>`", Go's words) on failure. */
struct re2 *re2_compile(const char *pat, struct sops_err *err);

/* Search s[0..n) (need not be NUL-terminated, may contain NUL bytes and
 * invalid UTF-8). Returns 1 on a match, 0 on no match, -1 when there is no
 * answer: out of memory, or a pathological pattern (nested repetition such
 * as (a+)+$ on a long subject) that exceeds the work limit, where Go would
 * still answer. Test with == 1 or == 0, never as a boolean. */
int re2_search(const struct re2 *re, const char *s, size_t n);

/* NUL-terminated convenience form of re2_search. */
int re2_search_str(const struct re2 *re, const char *s);

/* The PCRE2 pattern the Go pattern became (for tests and debugging). */
const char *re2_pcre_pattern(const struct re2 *re);

void re2_free(struct re2 *re);

#endif
