/* re2.c - compiling a Go (RE2) pattern with PCRE2 and searching with it
 * (see re2.h). The pattern is translated by re2_syntax.c; matching uses
 * PCRE2's DFA matcher (no backtracking, like Go's linear-time engines);
 * a subject with invalid UTF-8 is matched as Go reads it, each invalid
 * byte as U+FFFD, from a copy in locked memory (subjects can be secret
 * comments).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "re2.h"
#include "re2_int.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct re2 {
	pcre2_code *code;
	char *pcre;              /* the translated pattern */
};

/* No PCRE2_MATCH_INVALID_UTF: the DFA matcher does not take it, and it
 * would not match "." against a bad byte as Go does; subjects are made
 * valid UTF-8 first (go_decode) instead. ^ and $ are always PCRE2's
 * multi-line ones: outside (?m) the translation writes \A and \z. */
#define RE2_OPTIONS (PCRE2_UTF | PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX | \
		     PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C | PCRE2_NO_AUTO_CAPTURE)

static pcre2_code *pcre_compile(const char *pat, int *code)
{
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	PCRE2_SIZE off;
	pcre2_code *re;

	if (cc == NULL) {
		*code = PCRE2_ERROR_HEAPLIMIT;
		return NULL;
	}
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_set_bsr(cc, PCRE2_BSR_ANYCRLF);
	pcre2_set_parens_nest_limit(cc, 4 * RE2_MAX_DEPTH + 16);
	pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALLOW_SURROGATE_ESCAPES);
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, RE2_OPTIONS, code, &off, cc);
	pcre2_compile_context_free(cc);
	return re;
}

struct re2 *re2_compile(const char *pat, struct sops_err *err)
{
	struct re2_tr t;
	struct re2 *re = NULL;
	int code = 0;

	if (re2_translate(&t, pat, err) != 0)
		goto out;
	re = calloc(1, sizeof(*re));
	if (re == NULL) {
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	re->code = pcre_compile((const char *)t.out.data, &code);
	if (re->code == NULL) {
		/* The grammar was Go's, so what PCRE2 still refuses is size. */
		err_set(err, EX_ERROR, "error parsing regexp: %s: `%.400s`",
			code == PCRE2_ERROR_HEAPLIMIT ? "out of memory" : "expression too large", pat);
		free(re);
		re = NULL;
		goto out;
	}
	re->pcre = (char *)buf_steal(&t.out, NULL);
out:
	buf_free(&t.out);
	free(t.fr);
	return re;
}

/* Length of the valid UTF-8 prefix of s[0..n). */
static size_t valid_prefix(const char *s, size_t n)
{
	size_t i = 0, len;
	int bad;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		re2_rune(s + i, n - i, &len, &bad);
		if (bad)
			return i;
		i += len;
	}
	return n;
}

/* s with every invalid byte replaced by U+FFFD, as Go decodes it. */
static int go_decode(const char *s, size_t n, struct buf *out)
{
	size_t i = 0, len;
	int bad;

	while (i < n) {
		size_t ok = valid_prefix(s + i, n - i);

		if (buf_add(out, s + i, ok) != 0)
			return -1;
		i += ok;
		if (i < n) {
			re2_rune(s + i, n - i, &len, &bad);
			if (buf_add(out, "\xef\xbf\xbd", 3) != 0)
				return -1;
			i += 1;
		}
	}
	return 0;
}

static int dfa_search(const struct re2 *re, const char *s, size_t n)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int small[64], *ws = small, wsize = 64, rc;

	if (md == NULL)
		return -1;
	for (;;) {
		rc = pcre2_dfa_match(re->code, (PCRE2_SPTR)(s != NULL ? s : ""), n, 0, PCRE2_NO_UTF_CHECK, md,
				     NULL, ws, (PCRE2_SIZE)wsize);
		if (rc != PCRE2_ERROR_DFA_WSSIZE || wsize >= (1 << 22))
			break;
		if (ws != small)
			free(ws);
		wsize *= 8;
		ws = malloc(sizeof(int) * (size_t)wsize);
		if (ws == NULL) {
			pcre2_match_data_free(md);
			return -1;
		}
	}
	if (ws != small)
		free(ws);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

int re2_search(const struct re2 *re, const char *s, size_t n)
{
	struct buf copy = BUF_INIT_SECURE;
	int rc;

	if (re == NULL)
		return -1;
	if (s == NULL || valid_prefix(s, n) == n)
		return dfa_search(re, s, s == NULL ? 0 : n);
	if (go_decode(s, n, &copy) != 0) {
		buf_free(&copy);
		return -1;
	}
	rc = dfa_search(re, (const char *)copy.data, copy.len);
	buf_free(&copy);
	return rc;
}

int re2_search_str(const struct re2 *re, const char *s)
{
	return re2_search(re, s, s != NULL ? strlen(s) : 0);
}

const char *re2_pcre_pattern(const struct re2 *re)
{
	return re->pcre;
}

void re2_free(struct re2 *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	buf_release_free(re->pcre, 0);
	free(re);
}
