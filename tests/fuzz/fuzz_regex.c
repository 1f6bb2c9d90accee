/* fuzz_regex.c - libFuzzer harness of the regular-expression layer, used
 * the way the selection rules use it (rules_init + rules_should_encrypt).
 *
 * Input: "<pattern>\n<subject>"; the first byte picks the rule kind among
 * the four regex rules. The pattern is compiled and matched against the
 * subject split at ':' into path components (and as a comment).
 */
#include "fuzz_common.h"
#include "../../codec/core/rules.h"

static const enum sel_rule kinds[4] = {
	RULE_ENCRYPTED_REGEX, RULE_UNENCRYPTED_REGEX,
	RULE_ENCRYPTED_COMMENT_REGEX, RULE_UNENCRYPTED_COMMENT_REGEX,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *vals[RULE_COUNT] = { 0 };
	const char *comps[16];
	size_t lens[16], n = 0;
	struct sops_err err = { 0 };
	struct sel_rules r;
	const char *nl;
	char *pat, *subj;
	size_t plen;

	if (size == 0 || size > 4096)
		return 0;
	nl = memchr(data + 1, '\n', size - 1);
	plen = nl != NULL ? (size_t)(nl - (const char *)data - 1) : size - 1;
	pat = fuzz_str(data + 1, plen);
	subj = nl != NULL ? fuzz_str((const uint8_t *)nl + 1, size - plen - 2) : fuzz_str(data, 0);
	if (strlen(pat) != plen) {      /* patterns are C strings from YAML */
		free(pat);
		free(subj);
		return 0;
	}
	vals[kinds[data[0] & 3]] = pat;
	memset(&r, 0, sizeof(r));
	if (rules_init(&r, vals, 0, &err) == 0) {
		const char *p = subj;
		const char *texts[1] = { subj };
		size_t ends[1] = { 1 };
		struct comment_stack cs = { texts, ends, 1 };

		while (n < 16) {
			const char *c = strchr(p, ':');

			comps[n] = p;
			lens[n++] = c != NULL ? (size_t)(c - p) : strlen(p);
			if (c == NULL)
				break;
			p = c + 1;
		}
		(void)rules_should_encrypt(&r, comps, lens, n, &cs, 0);
		(void)rules_should_encrypt(&r, comps, lens, n, &cs, 1);
		rules_free(&r);
	}
	free(pat);
	free(subj);
	return 0;
}
