/* yaml_store.c - the YAML store (store.h): parse with libyaml's scanner and
 * yaml.v3's rules into the sops tree; render by token replacement. The
 * pipeline is described in yaml_int.h.
 */
#include "yaml_int.h"

#include <stdlib.h>
#include <string.h>

static void scan_free(struct yscan *S)
{
	free(S->toks);
	free(S->cmts);
	free(S->c2b);
	memset(S, 0, sizeof(*S));
}

/* sops wraps errors of documents after the first (its second decoding
 * pass) in "Error unmarshaling input YAML: ". */
static int doc_error(struct sops_err *err, int doc_index)
{
	if (err != NULL && err->code != EX_ERROR && doc_index > 0 &&
	    strncmp(err->msg, "Error unmarshaling input YAML: ", 31) != 0)
		err_prefix(err, "Error unmarshaling input YAML: ");
	return -1;
}

static int scan_stage(struct yscan *S, struct sops_err *err)
{
	if (yscan_tokens(S, err) != 0) {
		size_t last = S->ntoks > 0 ? S->toks[S->ntoks - 1].s.byte : 0;

		return doc_error(err, yscan_error_doc(S, last));
	}
	return ycomments_find(S, err);
}

static int yaml_parse(struct sdoc *doc, enum parse_mode mode, struct sops_err *err)
{
	struct yscan S;
	struct ypriv *P = pool_alloc(doc->pool, sizeof(*P));
	struct ynode **docs = NULL;
	size_t ndocs = 0;
	int err_doc = 0, rc = -1;

	(void)mode;
	if (P == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	doc->priv = P;
	/* A UTF-8 byte-order mark: yaml.v3 (sops) reads past it and never
	 * writes one, so the document starts after it (renders drop it). */
	if (doc->len >= 3 && memcmp(doc->text, "\xef\xbb\xbf", 3) == 0) {
		doc->text += 3;
		doc->len -= 3;
	}
	P->indent = 4;
	memset(&S, 0, sizeof(S));
	S.text = doc->text;
	S.len = doc->len;
	S.pool = doc->pool;
	if (doc->len == 0) {
		doc->nbranches = 0;
		return sdoc_index_leaves(doc);
	}
	if (scan_stage(&S, err) != 0)
		goto out;
	if (ynodes_build(&S, &docs, &ndocs, &err_doc, err) != 0) {
		/* sops decodes document 1 on its own first: its errors win */
		struct sops_err first = { 0, "" };

		if (err_doc > 0 && ndocs > 0 && ycheck_first_doc(doc->pool, docs[0], &first) != 0) {
			if (err != NULL)
				*err = first;
			goto out;
		}
		doc_error(err, err_doc);
		goto out;
	}
	if (ndocs == 0) {
		/* yaml.v3's Decoder returns io.EOF when no document is found */
		err_set(err, EX_COULD_NOT_READ, "EOF");
		goto out;
	}
	if (ycheck_first_doc(doc->pool, docs[0], err) != 0)
		goto out;
	if (ytree_build(doc, P, &S, docs, ndocs, err) != 0)
		goto out;
	if (sdoc_index_leaves(doc) != 0) {
		err_set(err, EX_COULD_NOT_READ, "yaml: exceeded max depth of %d", YAML_MAX_DEPTH);
		goto out;
	}
	rc = 0;
out:
	free(docs);
	scan_free(&S);
	return rc;
}

static void yaml_free_priv(struct sdoc *doc)
{
	struct ypriv *P = doc->priv;

	if (P == NULL)
		return;
	free(P->scal);
	P->scal = NULL;
	doc->priv = NULL;
}

const struct store_ops yaml_store = {
	.name = "yaml",
	.parse = yaml_parse,
	.render = yrender,
	.meta_extract = ymeta_extract,
	.meta_emit = ymeta_emit,
	.free_priv = yaml_free_priv,
};
