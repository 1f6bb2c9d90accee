/* convert.c - decrypted documents written in another store's syntax, and
 * --extract. See convert.h. */
#include "convert.h"
#include "gofmt.h"
#include "../json/json_write.h"

#include <string.h>

static int json_unit(int indent, char *unit, size_t *len)
{
	if (indent < 0) {
		unit[0] = '\t';
		*len = 1;
		return 0;
	}
	if (indent > 64)
		indent = 64;
	memset(unit, ' ', (size_t)indent);
	*len = (size_t)indent;
	return 0;
}

static int dotenv_value(struct buf *out, const struct tvalue *v)
{
	switch (v->type) {
	case VT_STR:
		for (size_t i = 0; i < v->len; i++)
			if (v->s[i] == '\n' ? buf_adds(out, "\\n") : buf_addc(out, v->s[i]))
				return -1;
		return 0;
	case VT_FLOAT:
		return go_format_float_dotenv(out, v->f);
	case VT_BOOL:
		return buf_adds(out, v->b ? "true" : "false");
	case VT_NULL:
		return buf_adds(out, "<nil>");
	default:
		return buf_add(out, v->s, v->len);
	}
}

static int to_dotenv(const struct node *root, struct buf *out, struct sops_err *err)
{
	for (size_t k = 0; k < root->nkids; k++) {
		const struct node *n = root->kids[k];

		if (n->kind == NK_MAP || n->kind == NK_LIST)
			return err_set(err, EX_OUTPUT_STORE, "Error dumping file: cannot use complex "
				       "value in dotenv file; offending key %.*s", (int)n->keylen,
				       n->key);
		if ((n->kind == NK_COMMENT ? buf_addc(out, '#') || buf_add(out, n->val.s, n->val.len)
					   : buf_add(out, n->key, n->keylen) || buf_addc(out, '=') ||
					     dotenv_value(out, &n->val)) ||
		    buf_addc(out, '\n'))
			return err_set(err, EX_ERROR, "out of memory");
	}
	return 0;
}

int convert_doc(const struct sdoc *doc, const struct store_ops *to, int indent,
		struct buf *out, struct sops_err *err)
{
	char unit[64];
	size_t ulen;

	if (doc->nbranches == 0)
		return err_set(err, EX_OUTPUT_STORE, "Error dumping file: no document");
	if (to == &json_store) {
		json_unit(indent, unit, &ulen);
		if (json_put_tree(out, doc->branches[0], 0, unit, ulen, err) != 0)
			return -1;
		return buf_addc(out, '\n') ? err_set(err, EX_ERROR, "out of memory") : 0;
	}
	if (to == &dotenv_store)
		return to_dotenv(doc->branches[0], out, err);
	return err_set(err, EX_OUTPUT_STORE, "sopsfs: converting %s to %s is not supported yet "
		       "(json and dotenv outputs are)", doc->store->name, to->name);
}

int convert_extract(const struct sdoc *doc, const struct tree_path *p,
		    const struct store_ops *to, int indent, struct buf *out,
		    struct sops_err *err)
{
	const struct node *n = tree_path_find(doc, p);
	char unit[64];
	size_t ulen;

	if (n == NULL)
		return err_set(err, EX_ERROR, "component not found");
	if (n->kind == NK_SCALAR && n->val.type == VT_STR)
		return buf_add(out, n->val.s, n->val.len) ? err_set(err, EX_ERROR, "out of memory") : 0;
	if (n->kind == NK_SCALAR && to == &dotenv_store)
		return err_set(err, EX_ERROR, "the dotenv store only supports emitting strings");
	json_unit(indent, unit, &ulen);
	if (json_put_tree(out, n, 0, unit, ulen, err) != 0)
		return -1;
	if (to == &yaml_store && n->kind == NK_SCALAR)
		return buf_addc(out, '\n') ? err_set(err, EX_ERROR, "out of memory") : 0;
	return 0;
}
