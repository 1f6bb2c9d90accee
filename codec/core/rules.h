/* rules.h - which values sops encrypts (sops-format.md section 6,
 * sops.go shouldBeEncrypted).
 *
 * At most one selection rule is active; none means unencrypted_suffix
 * "_unencrypted". Rules are tested against every component of a leaf's path
 * (subtree semantics) and, for the comment rules, against the stack of
 * comments that precede the leaf at each enclosing level.
 */
#ifndef SOPSFS_RULES_H
#define SOPSFS_RULES_H

#include <stddef.h>
#include "../../common/err.h"

enum sel_rule {
	RULE_UNENCRYPTED_SUFFIX,
	RULE_ENCRYPTED_SUFFIX,
	RULE_UNENCRYPTED_REGEX,
	RULE_ENCRYPTED_REGEX,
	RULE_UNENCRYPTED_COMMENT_REGEX,
	RULE_ENCRYPTED_COMMENT_REGEX,
	RULE_COUNT
};

/* Metadata field names, in enum order. */
extern const char *const sel_rule_names[RULE_COUNT];

#define DEFAULT_UNENCRYPTED_SUFFIX "_unencrypted"

struct re2;

struct sel_rules {
	enum sel_rule kind;         /* the active rule */
	char *value;                /* its suffix or regex (heap) */
	int defaulted;              /* no rule given: _unencrypted assumed */
	struct re2 *re;        /* compiled regex (NULL: never matches) */
	int re_shared;              /* re belongs to the process-wide cache */
	int mac_only_encrypted;
};

/* Set up from the six optional values (NULL or "" = unset). More than one
 * set -> error with sops' message (code 1 when read from a file; the caller
 * may change the code). */
int rules_init(struct sel_rules *r, const char *const values[RULE_COUNT],
	       int mac_only_encrypted, struct sops_err *err);
void rules_free(struct sel_rules *r);

/* A comment stack: for each nesting level, the comments seen since the last
 * non-comment item (sops.go walkBranch/walkSlice). */
struct comment_stack {
	const char **texts;    /* all comments, level after level */
	size_t *level_end;     /* texts[level_end[l-1] .. level_end[l]) */
	size_t nlevels;
};

/* Should the leaf with this path (components[0..n)) be encrypted? */
int rules_should_encrypt(const struct sel_rules *r, const char *const *comps,
			 const size_t *lens, size_t n,
			 const struct comment_stack *cs, int is_comment);

#endif
