/* go_regex.h - Go (RE2) regular expressions, matched the way sops does.
 *
 * sops tests encrypted_regex, unencrypted_regex, the two comment regexes
 * and .sops.yaml path_regex values with Go's regexp package: RE2 syntax,
 * unanchored search (regexp.Match). This module translates the RE2 syntax
 * into POSIX extended syntax and matches with libc's regcomp/regexec.
 *
 * Supported: literals, escapes (\. \- \/ ..., \t \n \x41 \x{263a} \123,
 * \Q...\E), . ^ $ \A \z \b \B, | ( ), (?:...), (?P<name>...) and
 * (?<name>...) (plain groups), classes [..] [^..] with ranges, [:alpha:]
 * style names and \d \D \s \S \w \W inside and outside them, * + ? {n}
 * {n,} {n,m} and their lazy forms (treated as greedy: only match/no match
 * is computed), flags (?i) (?s) (?m) (?U) at the very start of the pattern
 * and (?s:...) (?U:...) groups anywhere.
 * Compile errors (Go's wording where Go has one): invalid syntax,
 * lookaround, backreferences, \pN Unicode classes, flags in the middle of
 * the pattern, large non-ASCII ranges. Thread-safe after compile.
 */
#ifndef SOPSFS_GO_REGEX_H
#define SOPSFS_GO_REGEX_H

#include <stddef.h>
#include "../../common/err.h"

struct go_regex;

/* Compile pat (NUL-terminated). NULL with err set (code EX_ERROR, message
 * "error parsing regexp: <what>: `<where>`") on failure. */
struct go_regex *go_regex_compile(const char *pat, struct sops_err *err);

/* Search s[0..n) (need not be NUL-terminated, may contain NUL bytes).
 * Returns 1 on a match, 0 on no match, -1 on an internal error (out of
 * memory): test the result with == 1 or == 0, never as a boolean. */
int go_regex_search(const struct go_regex *re, const char *s, size_t n);

/* NUL-terminated convenience form of go_regex_search. */
int go_regex_search_str(const struct go_regex *re, const char *s);

/* The POSIX ERE the pattern was translated to (for tests and debugging). */
const char *go_regex_posix(const struct go_regex *re);

void go_regex_free(struct go_regex *re);

#endif
