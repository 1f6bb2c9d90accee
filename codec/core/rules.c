/* rules.c - the encryption-selection rules (sops.go shouldBeEncrypted). */
#include "rules.h"
#include "re2.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const char *const sel_rule_names[RULE_COUNT] = {
	"unencrypted_suffix", "encrypted_suffix", "unencrypted_regex",
	"encrypted_regex", "unencrypted_comment_regex", "encrypted_comment_regex",
};

static int is_regex_rule(enum sel_rule k)
{
	return k == RULE_UNENCRYPTED_REGEX || k == RULE_ENCRYPTED_REGEX ||
	       k == RULE_UNENCRYPTED_COMMENT_REGEX || k == RULE_ENCRYPTED_COMMENT_REGEX;
}

/* Compiled rule regexes shared by every file with the same pattern: a
 * repository has a handful (its .sops.yaml rules) and a mount opens
 * thousands of files, where compiling (and JIT-compiling) each file's
 * regex was a tenth of its decryption. A compiled re2 is read-only, so
 * threads share it; entries live as long as the process. Past
 * RE_CACHE_MAX patterns each file compiles its own again. */
#define RE_CACHE_MAX 32

static struct {
	char *pat;
	struct re2 *re;          /* NULL: the pattern does not compile */
} re_cache[RE_CACHE_MAX];
static size_t re_cached;
static pthread_mutex_t re_mu = PTHREAD_MUTEX_INITIALIZER;

/* pat compiled (NULL: invalid); *shared says whether the cache owns it. */
static struct re2 *rule_regex(const char *pat, int *shared)
{
	struct sops_err ignored;
	struct re2 *re = NULL;
	size_t i;

	pthread_mutex_lock(&re_mu);
	for (i = 0; i < re_cached && strcmp(re_cache[i].pat, pat) != 0; i++)
		;
	if (i < re_cached) {
		re = re_cache[i].re;
	} else if (re_cached < RE_CACHE_MAX && (re_cache[i].pat = strdup(pat)) != NULL) {
		re = re_cache[i].re = re2_compile(pat, &ignored);
		re_cached++;
	} else {
		i = RE_CACHE_MAX;
	}
	pthread_mutex_unlock(&re_mu);
	*shared = i < RE_CACHE_MAX;
	return *shared ? re : re2_compile(pat, &ignored);
}

int rules_init(struct sel_rules *r, const char *const values[RULE_COUNT],
	       int mac_only_encrypted, struct sops_err *err)
{
	int count = 0;

	memset(r, 0, sizeof(*r));
	r->mac_only_encrypted = mac_only_encrypted;
	for (int k = 0; k < RULE_COUNT; k++) {
		if (values[k] == NULL || values[k][0] == '\0')
			continue;
		count++;
		r->kind = (enum sel_rule)k;
	}
	if (count > 1)
		return err_set(err, EX_ERROR, "Cannot use more than one of encrypted_suffix, "
			       "unencrypted_suffix, encrypted_regex, unencrypted_regex, "
			       "encrypted_comment_regex, or unencrypted_comment_regex in the same file");
	if (count == 0) {
		r->kind = RULE_UNENCRYPTED_SUFFIX;
		r->defaulted = 1;
		r->value = strdup(DEFAULT_UNENCRYPTED_SUFFIX);
	} else {
		r->value = strdup(values[r->kind]);
	}
	if (r->value == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	/* Go: "Invalid regexes silently never match" - keep re NULL then. */
	if (is_regex_rule(r->kind))
		r->re = rule_regex(r->value, &r->re_shared);
	return 0;
}

void rules_free(struct sel_rules *r)
{
	free(r->value);
	if (r->re != NULL && !r->re_shared)
		re2_free(r->re);
	memset(r, 0, sizeof(*r));
}

static int has_suffix(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);

	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

static int match(const struct sel_rules *r, const char *s, size_t n)
{
	return r->re != NULL && re2_search(r->re, s, n) == 1;
}

static int any_component(const struct sel_rules *r, const char *const *comps,
			 const size_t *lens, size_t n, int suffix)
{
	for (size_t i = 0; i < n; i++) {
		if (suffix ? has_suffix(comps[i], lens[i], r->value)
			   : match(r, comps[i], lens[i]))
			return 1;
	}
	return 0;
}

static int comment_rule(const struct sel_rules *r, const struct comment_stack *cs,
			int is_comment)
{
	size_t last = cs->nlevels ? cs->level_end[cs->nlevels - 1] : 0;
	size_t lastlevel_start = cs->nlevels > 1 ? cs->level_end[cs->nlevels - 2] : 0;

	for (size_t i = 0; i < last; i++) {
		/* encrypted_comment_regex: the marker comment itself (the last
		 * comment of the innermost level) does not count for itself. */
		if (r->kind == RULE_ENCRYPTED_COMMENT_REGEX && is_comment &&
		    i == last - 1 && last > lastlevel_start)
			continue;
		if (match(r, cs->texts[i], strlen(cs->texts[i])))
			return 1;
	}
	return 0;
}

int rules_should_encrypt(const struct sel_rules *r, const char *const *comps,
			 const size_t *lens, size_t n,
			 const struct comment_stack *cs, int is_comment)
{
	switch (r->kind) {
	case RULE_UNENCRYPTED_SUFFIX:
		return !any_component(r, comps, lens, n, 1);
	case RULE_ENCRYPTED_SUFFIX:
		return any_component(r, comps, lens, n, 1);
	case RULE_UNENCRYPTED_REGEX:
		return !any_component(r, comps, lens, n, 0);
	case RULE_ENCRYPTED_REGEX:
		return any_component(r, comps, lens, n, 0);
	case RULE_UNENCRYPTED_COMMENT_REGEX:
		return !comment_rule(r, cs, is_comment);
	case RULE_ENCRYPTED_COMMENT_REGEX:
		return comment_rule(r, cs, is_comment);
	default:
		return 1;
	}
}
