/* store_check.h - shared checks for the store unit tests (JSON, dotenv, INI,
 * binary): parse a vector case made by the real sops 3.13.2 and prove that
 * rendering by token replacement reproduces sops' bytes both ways.
 *
 * For a case X with X.in, X.enc and X.dec:
 *  1. X.in (plain) and X.enc have the same leaves in walk order; each ENC
 *     leaf's type tag is the type of the plain value.
 *  2. X.enc rendered with the plain values and no metadata == X.dec.
 *  3. X.dec rendered with X.enc's ENC strings and X.enc's metadata text ==
 *     X.enc, and that output decrypts back to X.dec.
 *  4. meta_emit of a synthetic copy of X.enc's metadata == meta_extract.
 * Included by one test file each (static functions).
 */
#ifndef SOPSFS_STORE_CHECK_H
#define SOPSFS_STORE_CHECK_H

#include "check.h"
#include "../../codec/core/store.h"
#include "../../common/pool.h"

#include <string.h>

static struct sdoc *sc_parse(const struct store_ops *st, const char *text, size_t len,
			     enum parse_mode mode, struct sops_err *err)
{
	struct pool *p = pool_new();
	struct sdoc *doc;

	if (p == NULL)
		return NULL;
	doc = pool_alloc(p, sizeof(*doc));
	if (doc == NULL) {
		pool_free(p);
		return NULL;
	}
	doc->pool = p;
	doc->store = st;
	doc->text = text;
	doc->len = len;
	if (st->parse(doc, mode, err) != 0) {
		sdoc_free(doc);
		return NULL;
	}
	return doc;
}

static char *sc_vector(const char *rel, size_t *len)
{
	const char *sh = check_shared_dir();
	char path[1024];
	char *t;

	if (sh == NULL)
		SKIP("../shared not found (set SOPSFS_SHARED)");
	snprintf(path, sizeof(path), "%s/interop/%s", sh, rel);
	t = check_read_file(path, len);
	if (t == NULL)
		SKIP("missing %.400s", path);
	return t;
}

static int sc_is_enc(const struct node *n)
{
	return n->val.type == VT_STR && n->val.len > 16 &&
	       memcmp(n->val.s, "ENC[AES256_GCM,", 15) == 0;
}

/* The type tag at the end of an ENC string ("str", "comment", ...). */
static void sc_enc_type(const struct node *n, char *out, size_t cap)
{
	const char *t = strstr(n->val.s, ",type:");
	size_t k = 0;

	out[0] = '\0';
	if (t == NULL)
		return;
	for (t += 6; *t != ']' && *t != '\0' && k + 1 < cap; t++)
		out[k++] = *t;
	out[k] = '\0';
}

static struct node *sc_copy(struct sdoc *doc, const struct node *n)
{
	struct node *c = node_new(doc, n->kind);

	CHECK(c != NULL);
	c->flags = NODE_SYNTH;
	if (n->key != NULL) {
		c->key = pool_strndup(doc->pool, n->key, n->keylen);
		c->keylen = n->keylen;
	}
	if (n->kind == NK_SCALAR)
		CHECK(tvalue_set(doc, &c->val, n->val.type, n->val.s, n->val.len) == 0);
	for (size_t i = 0; i < n->nkids; i++)
		CHECK(node_add_kid(doc, c, sc_copy(doc, n->kids[i])) == 0);
	return c;
}

struct sc_case {
	const struct store_ops *st;
	const char *in, *enc, *dec;     /* paths under interop/ */
	int skip_roundtrip;             /* dec was not made from this layout */
	int skip_emit;                  /* metadata written by an older sops */
};

static void sc_render(const struct sdoc *doc, const struct rep *reps, const char *meta,
		      size_t mlen, struct buf *out)
{
	struct sops_err err = { 0, "" };

	buf_truncate(out, 0);
	CHECKF(doc->store->render(doc, reps, meta, mlen, out, &err) == 0, "render: %.300s", err.msg);
}

static void sc_check_case(const struct sc_case *c)
{
	struct sops_err err = { 0, "" };
	size_t lin, lenc, ldec;
	char *tin = sc_vector(c->in, &lin), *tenc = sc_vector(c->enc, &lenc);
	char *tdec = sc_vector(c->dec, &ldec);
	struct sdoc *din, *denc, *ddec, *dback;
	struct rep *plain, *enc;
	struct buf out = BUF_INIT, meta = BUF_INIT, emit = BUF_INIT;
	struct node *copy;

	din = sc_parse(c->st, tin, lin, PARSE_PLAIN, &err);
	CHECKF(din != NULL, "%.100s: %.300s", c->in, err.msg);
	denc = sc_parse(c->st, tenc, lenc, PARSE_ENCRYPTED, &err);
	CHECKF(denc != NULL, "%.100s: %.300s", c->enc, err.msg);
	CHECKF(denc->meta != NULL && !denc->meta_bad && !denc->meta_dup, "%s: no metadata", c->enc);
	CHECKF(din->nleaves == denc->nleaves, "%s: %zu leaves, %s: %zu", c->in, din->nleaves,
	       c->enc, denc->nleaves);
	plain = calloc(denc->nleaves + 1, sizeof(*plain));
	enc = calloc(denc->nleaves + 1, sizeof(*enc));
	CHECK(plain != NULL && enc != NULL);
	for (size_t i = 0; i < denc->nleaves; i++) {
		const struct node *e = denc->leaves[i], *p = din->leaves[i];
		char tag[32];

		CHECKF(e->kind == p->kind, "%s: leaf %zu kind", c->enc, i);
		if (!sc_is_enc(e)) {
			CHECKF(e->val.type == p->val.type && e->val.len == p->val.len &&
			       memcmp(e->val.s, p->val.s, p->val.len) == 0,
			       "%s: clear leaf %zu differs", c->enc, i);
			continue;
		}
		sc_enc_type(e, tag, sizeof(tag));
		CHECK_STR(tag, e->kind == NK_COMMENT ? "comment" : vtype_tag(p->val.type));
		plain[i].kind = REP_PLAIN;
		plain[i].val = p->val;
		enc[i].kind = REP_ENC;
		enc[i].enc = e->val.s;
		enc[i].enc_len = e->val.len;
	}
	/* 2. the decrypted view */
	sc_render(denc, plain, NULL, 0, &out);
	CHECK_MEM(out.data, out.len, tdec, ldec);
	/* 4. metadata: emitted from a synthetic tree == extracted */
	CHECKF(c->st->meta_extract(denc, NULL, 0, &meta, &err) == 0, "extract: %.300s", err.msg);
	if (!c->skip_emit) {
		copy = sc_copy(din, denc->meta);
		CHECKF(c->st->meta_emit(copy, &emit, &err) == 0, "emit: %.300s", err.msg);
		CHECK_MEM(emit.data, emit.len, meta.data, meta.len);
	}
	if (!c->skip_roundtrip) {
		/* 3. re-encrypting sops' plaintext gives sops' file back */
		ddec = sc_parse(c->st, tdec, ldec, PARSE_PLAIN, &err);
		CHECKF(ddec != NULL, "%.100s: %.300s", c->dec, err.msg);
		CHECKF(ddec->nleaves == denc->nleaves, "%s: leaf count", c->dec);
		sc_render(ddec, enc, (const char *)meta.data, meta.len, &out);
		CHECK_MEM(out.data, out.len, tenc, lenc);
		dback = sc_parse(c->st, (const char *)out.data, out.len, PARSE_ENCRYPTED, &err);
		CHECKF(dback != NULL, "re-parse: %.300s", err.msg);
		CHECK(dback->nleaves == denc->nleaves);
		{
			struct buf view = BUF_INIT;

			sc_render(dback, plain, NULL, 0, &view);
			CHECK_MEM(view.data, view.len, tdec, ldec);
			buf_free(&view);
		}
		sdoc_free(dback);
		sdoc_free(ddec);
	}
	free(plain);
	free(enc);
	buf_free(&out);
	buf_free(&meta);
	buf_free(&emit);
	sdoc_free(din);
	sdoc_free(denc);
	free(tin);
	free(tenc);
	free(tdec);
}

#endif
