/* enc_audit.c - find values left in clear that the rules say to encrypt.
 * See enc_audit.h. */
#include "enc_audit.h"
#include "walk.h"

#include <string.h>

struct audit {
	struct buf *report;
	int count;
};

static int on_leaf(void *arg, const struct leaf_visit *v, struct sops_err *err)
{
	struct audit *a = arg;
	const struct tvalue *val = &v->n->val;
	static const char enc[] = "ENC[AES256_GCM,";

	if (!v->encrypted || v->is_comment || val->type == VT_NULL ||
	    (val->type == VT_STR && val->len == 0))
		return 0;
	if (val->type == VT_STR && val->len > sizeof(enc) - 1 &&
	    memcmp(val->s, enc, sizeof(enc) - 1) == 0)
		return 0;
	a->count++;
	if (buf_adds(a->report, "value at ") || buf_add(a->report, v->aad, v->aad_len) ||
	    buf_adds(a->report, " is not encrypted\n"))
		return err_set(err, EX_ERROR, "out of memory");
	return 0;
}

int audit_clear_values(const struct sdoc *doc, const struct sel_rules *rules,
		       struct buf *report, struct sops_err *err)
{
	struct audit a = { report, 0 };

	if (tree_walk(doc, rules, on_leaf, &a, err) != 0)
		return -1;
	return a.count;
}
