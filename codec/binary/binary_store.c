/* binary_store.c - the binary store: any file as one "data" string.
 *
 * Plaintext (PARSE_PLAIN) is the whole text as one str value under key
 * "data" (a synthetic tree). The encrypted file is sops' JSON envelope
 * {"data": "ENC[...]", "sops": {...}} and is parsed and rendered by the JSON
 * code; its decrypted view is exactly the bytes of data (no newline added).
 */
#include "../json/json_doc.h"
#include "../json/json_write.h"

#include <string.h>

static int oom(struct sops_err *err)
{
	return err_set(err, EX_ERROR, "out of memory");
}

static int parse_raw(struct sdoc *doc, struct sops_err *err)
{
	struct json_doc *jd = pool_alloc(doc->pool, sizeof(*jd));
	struct node *root = node_new(doc, NK_MAP);
	struct node *leaf = node_new(doc, NK_SCALAR);

	doc->branches = pool_alloc(doc->pool, sizeof(*doc->branches));
	if (jd == NULL || root == NULL || leaf == NULL || doc->branches == NULL)
		return oom(err);
	jd->raw = 1;
	doc->priv = jd;
	root->flags |= NODE_SYNTH;
	leaf->flags |= NODE_SYNTH;
	leaf->key = "data";
	leaf->keylen = 4;
	leaf->end = doc->len;
	leaf->line = 1;
	if (tvalue_set(doc, &leaf->val, VT_STR, doc->len ? doc->text : "", doc->len) != 0 ||
	    node_add_kid(doc, root, leaf) != 0)
		return oom(err);
	doc->branches[0] = root;
	doc->nbranches = 1;
	return sdoc_index_leaves(doc) == 0 ? 0 : oom(err);
}

static int binary_parse(struct sdoc *doc, enum parse_mode mode, struct sops_err *err)
{
	if (mode == PARSE_PLAIN)
		return parse_raw(doc, err);
	return json_parse_doc(doc, err);
}

static int no_string(struct sops_err *err)
{
	return err_set(err, EX_OUTPUT_STORE, "error emitting binary store: 'data' key in tree "
		       "does not have a string value");
}

/* The bytes of data as sops' BinaryStore.EmitPlainFile writes them. */
static int put_plain(const struct node *n, const struct rep *r, struct buf *out,
		     struct sops_err *err)
{
	const struct tvalue *v = &n->val;

	if (n->kind != NK_SCALAR)
		return no_string(err);
	if (r->kind == REP_ENC)
		return buf_add(out, r->enc, r->enc_len) == 0 ? 0 : oom(err);
	if (r->kind == REP_PLAIN)
		v = &r->val;
	if (v->type != VT_STR)
		return no_string(err);
	return buf_add(out, v->s, v->len) == 0 ? 0 : oom(err);
}

static int render_view(const struct sdoc *doc, const struct rep *reps, struct buf *out,
		       struct sops_err *err)
{
	const struct json_doc *jd = doc->priv;

	if (jd->raw)
		return put_plain(doc->leaves[0], &reps[0], out, err);
	for (size_t k = 0; k < jd->nmembers; k++) {
		const struct json_member *m = jd->members[k];

		if (m->is_sops || m->n->keylen != 4 || memcmp(m->n->key, "data", 4) != 0)
			continue;
		if (m->n->kind != NK_SCALAR)
			return no_string(err);
		return put_plain(m->n, &reps[m->n->id], out, err);
	}
	return err_set(err, EX_OUTPUT_STORE,
		       "error emitting binary store: no binary data found in tree");
}

/* {"data": ..., "sops": ...} in sops' layout (the metadata's own indent). */
static int render_envelope(const struct sdoc *doc, const struct rep *r, const char *meta,
			   size_t meta_len, struct buf *out, struct sops_err *err)
{
	const struct node *n = doc->leaves[0];
	const char *u;
	size_t ulen;
	int rc;

	json_meta_unit(meta, meta_len, &u, &ulen);
	if (buf_add(out, "{\n", 2) || buf_add(out, u, ulen) || buf_add(out, "\"data\": ", 8))
		return oom(err);
	if (r->kind == REP_ENC)
		rc = json_put_string(out, r->enc, r->enc_len) == 0 ? 0 : oom(err);
	else
		rc = json_put_value(out, r->kind == REP_PLAIN ? &r->val : &n->val, err);
	if (rc != 0)
		return -1;
	if (buf_add(out, ",\n", 2) || buf_add(out, u, ulen) || buf_add(out, meta, meta_len) ||
	    buf_add(out, "\n}\n", 3))
		return oom(err);
	return 0;
}

static int binary_render(const struct sdoc *doc, const struct rep *reps, const char *meta,
			 size_t meta_len, struct buf *out, struct sops_err *err)
{
	const struct json_doc *jd = doc->priv;

	if (meta == NULL)
		return render_view(doc, reps, out, err);
	if (jd->raw)
		return render_envelope(doc, &reps[0], meta, meta_len, out, err);
	return json_render_doc(doc, reps, meta, meta_len, out, err);
}

static int binary_meta_extract(const struct sdoc *doc, const struct meta_patch *patches,
			       size_t npatches, struct buf *out, struct sops_err *err)
{
	const struct json_doc *jd = doc->priv;

	if (jd->raw || doc->meta == NULL)
		return err_set(err, EX_ERROR, "sops metadata not found");
	return json_meta_extract(doc, patches, npatches, out, err);
}

const struct store_ops binary_store = {
	.name = "binary",
	.parse = binary_parse,
	.render = binary_render,
	.meta_extract = binary_meta_extract,
	.meta_emit = json_meta_emit,
	.free_priv = NULL,
};
