/* re2.c - compiling a Go (RE2) pattern with PCRE2 and searching with it
 * (see re2.h). The pattern is translated by re2_syntax.c. A search runs
 * PCRE2's matcher (JIT when available) under a match limit; a pattern that
 * makes it backtrack past the limit (nested repetition like (a+)+$) is
 * searched again with PCRE2's DFA matcher under a work budget, so a crafted
 * pattern costs bounded time. A subject with invalid UTF-8 is matched as Go
 * reads it, each invalid byte as U+FFFD, from a copy in locked memory
 * (subjects can be secret comments).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "re2.h"
#include "re2_int.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct re2 {
	pcre2_code *code;        /* for pcre2_match (JIT-compiled when possible) */
	pcre2_code *dfa;         /* the same with auto-callouts, for the budget */
	pcre2_match_context *limits;
	char *pcre;              /* the translated pattern */
};

#define MATCH_LIMIT 1000000      /* backtracking steps of one search */
#define DFA_BUDGET 2000000L      /* DFA callouts of the fallback search */
#define DFA_MAX_NS 100000000L    /* and at most 0.1 s of it */

struct budget {
	long left;
	struct timespec deadline;
};

/* No PCRE2_MATCH_INVALID_UTF: the DFA matcher does not take it, and it
 * would not match "." against a bad byte as Go does; subjects are made
 * valid UTF-8 first (go_decode) instead. ^ and $ are always PCRE2's
 * multi-line ones: outside (?m) the translation writes \A and \z. */
#define RE2_OPTIONS (PCRE2_UTF | PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX | \
		     PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C | PCRE2_NO_AUTO_CAPTURE)

static pcre2_code *pcre_compile(const char *pat, uint32_t extra, int *code)
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
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, RE2_OPTIONS | extra, code, &off,
			   cc);
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
	re->code = pcre_compile((const char *)t.out.data, 0, &code);
	if (re->code != NULL)
		re->dfa = pcre_compile((const char *)t.out.data, PCRE2_AUTO_CALLOUT, &code);
	re->limits = pcre2_match_context_create(NULL);
	if (re->code == NULL || re->dfa == NULL || re->limits == NULL) {
		/* The grammar was Go's, so what PCRE2 still refuses is size. */
		err_set(err, EX_ERROR, "error parsing regexp: %s: `%.400s`",
			code == PCRE2_ERROR_HEAPLIMIT ? "out of memory" : "expression too large", pat);
		re2_free(re);
		re = NULL;
		goto out;
	}
	pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);   /* optional: the interpreter works too */
	pcre2_set_match_limit(re->limits, MATCH_LIMIT);
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

/* Auto-callout of the DFA fallback: one unit of work; past the budget or
 * the deadline (checked every 1024 units) the search is abandoned. */
static int spend(pcre2_callout_block *cb, void *data)
{
	struct budget *b = data;
	struct timespec now;

	(void)cb;
	if (--b->left <= 0)
		return PCRE2_ERROR_CALLOUT;
	if ((b->left & 1023) == 0 && clock_gettime(CLOCK_MONOTONIC, &now) == 0 &&
	    (now.tv_sec > b->deadline.tv_sec ||
	     (now.tv_sec == b->deadline.tv_sec && now.tv_nsec > b->deadline.tv_nsec)))
		return PCRE2_ERROR_CALLOUT;
	return 0;
}

static int dfa_search(const struct re2 *re, const char *s, size_t n, pcre2_match_data *md)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	int small[64], *ws = small, wsize = 64, rc = PCRE2_ERROR_NOMEMORY;
	struct budget b = { DFA_BUDGET, { 0, 0 } };

	if (mc == NULL || clock_gettime(CLOCK_MONOTONIC, &b.deadline) != 0) {
		pcre2_match_context_free(mc);
		return -1;
	}
	b.deadline.tv_nsec += DFA_MAX_NS;
	b.deadline.tv_sec += b.deadline.tv_nsec / 1000000000L;
	b.deadline.tv_nsec %= 1000000000L;
	pcre2_set_callout(mc, spend, &b);
	for (;;) {
		rc = pcre2_dfa_match(re->dfa, (PCRE2_SPTR)s, n, 0, PCRE2_NO_UTF_CHECK, md, mc,
				     ws, (PCRE2_SIZE)wsize);
		if (rc != PCRE2_ERROR_DFA_WSSIZE || wsize >= (1 << 22))
			break;
		if (ws != small)
			free(ws);
		wsize *= 8;
		ws = malloc(sizeof(int) * (size_t)wsize);
		if (ws == NULL)
			break;
	}
	if (ws != small)
		free(ws);
	pcre2_match_context_free(mc);
	if (ws == NULL)
		return -1;
	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int search(const struct re2 *re, const char *s, size_t n)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (md == NULL)
		return -1;
	if (s == NULL)
		s = "";
	rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, PCRE2_NO_UTF_CHECK, md, re->limits);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = dfa_search(re, s, n, md);
	else
		rc = rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
	pcre2_match_data_free(md);
	return rc;
}

int re2_search(const struct re2 *re, const char *s, size_t n)
{
	struct buf copy = BUF_INIT_SECURE;
	int rc;

	if (re == NULL)
		return -1;
	if (s == NULL || valid_prefix(s, n) == n)
		return search(re, s, s == NULL ? 0 : n);
	if (go_decode(s, n, &copy) != 0) {
		buf_free(&copy);
		return -1;
	}
	rc = search(re, (const char *)copy.data, copy.len);
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
	pcre2_code_free(re->dfa);
	pcre2_match_context_free(re->limits);
	buf_release_free(re->pcre, 0);
	free(re);
}
