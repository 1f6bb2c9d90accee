/* yaml_util.h - helpers of the YAML store unit tests (test_yaml*.c):
 * parsing, encrypting in place, round trips. */
#ifndef SOPSFS_YAML_UTIL_H
#define SOPSFS_YAML_UTIL_H

/* Helpers shared by several test files; each file uses some of them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "check.h"
#include "../../codec/core/store.h"
#include "../../common/pool.h"

#include <jansson.h>
#include <string.h>

#define FAKE_META "sops:\n    mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n" \
		  "    version: 3.13.2\n"

static struct sdoc *parse_n(const char *t, size_t n, enum parse_mode m)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = sdoc_parse(&yaml_store, t, n, m, &err);

	CHECKF(d != NULL, "parse: %.300s", err.msg);
	return d;
}

static struct sdoc *parse(const char *t)
{
	return parse_n(t, strlen(t), PARSE_PLAIN);
}

static void expect_error(const char *t, size_t n, int code, const char *msg)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d;

	if (n == 0)
		n = strlen(t);
	d = sdoc_parse(&yaml_store, t, n, PARSE_PLAIN, &err);
	if (d != NULL)
		sdoc_free(d);
	CHECKF(d == NULL, "no error for %.60s", t);
	CHECKF(err.code == code, "code %d for %.60s", err.code, t);
	CHECK_STR(err.msg, msg);
}

static void render(const struct sdoc *doc, const struct rep *reps, const char *meta,
		   struct buf *out)
{
	struct sops_err err = { 0, "" };

	buf_truncate(out, 0);
	CHECKF(yaml_store.render(doc, reps, meta, meta ? strlen(meta) : 0, out, &err) == 0,
	       "render: %.300s", err.msg);
}

/* Fake ENC strings: data = leaf index, type = the value's type. */
static char encs[64][96];

static int encryptable(const struct node *n)
{
	if (n->flags & NODE_VIA_ALIAS)
		return 0;
	if (n->kind == NK_COMMENT)
		return n->val.len > 0;
	return n->val.type != VT_NULL && !(n->val.type == VT_STR && n->val.len == 0);
}

static struct rep *enc_reps(const struct sdoc *d)
{
	struct rep *r = calloc(d->nleaves + 1, sizeof(*r));

	CHECK(r != NULL && d->nleaves < 64);
	for (size_t i = 0; i < d->nleaves; i++) {
		const struct node *n = d->leaves[i];

		if (!encryptable(n))
			continue;
		snprintf(encs[i], sizeof(encs[i]), "ENC[AES256_GCM,data:%zu,iv:AAAA,tag:BBBB,type:%s]", i,
			 n->kind == NK_COMMENT ? "comment" : vtype_tag(n->val.type));
		r[i].kind = REP_ENC;
		r[i].enc = encs[i];
		r[i].enc_len = strlen(encs[i]);
	}
	return r;
}

/* text encrypted (fake) with FAKE_META appended. */
static void encrypt_text(const char *text, struct buf *out)
{
	struct sdoc *d = parse(text);
	struct rep *r = enc_reps(d);

	render(d, r, FAKE_META, out);
	free(r);
	sdoc_free(d);
}

/* Encrypt text, check the ENC leaves, decrypt the result with the original
 * values: the view must be the original bytes. */
static void roundtrip(const char *text)
{
	struct sdoc *d = parse(text), *e;
	struct rep *r = enc_reps(d), *p;
	struct buf enc = BUF_INIT, view = BUF_INIT;

	render(d, r, FAKE_META, &enc);
	e = parse_n((const char *)enc.data, enc.len, PARSE_ENCRYPTED);
	CHECKF(e->meta != NULL, "no metadata in %.300s", (const char *)enc.data);
	CHECKF(e->nleaves == d->nleaves, "leaves %zu vs %zu in %.300s", e->nleaves, d->nleaves,
	       (const char *)enc.data);
	p = calloc(d->nleaves + 1, sizeof(*p));
	CHECK(p != NULL);
	for (size_t i = 0; i < d->nleaves; i++) {
		if (r[i].kind != REP_ENC)
			continue;
		CHECKF(e->leaves[i]->val.len == r[i].enc_len &&
		       memcmp(e->leaves[i]->val.s, r[i].enc, r[i].enc_len) == 0,
		       "leaf %zu not encrypted in %.300s", i, (const char *)enc.data);
		p[i].kind = REP_PLAIN;
		p[i].val = d->leaves[i]->val;
	}
	render(e, p, NULL, &view);
	CHECK_MEM(view.data, view.len, text, strlen(text));
	free(p);
	free(r);
	buf_free(&enc);
	buf_free(&view);
	sdoc_free(e);
	sdoc_free(d);
}

/* ---- typing ------------------------------------------------------------------ */

static void check_type(const char *yaml_value, enum vtype type, const char *canon)
{
	char text[256];
	struct sdoc *d;

	snprintf(text, sizeof(text), "k: %s\n", yaml_value);
	d = parse(text);
	CHECKF(d->nleaves == 1, "%s: %zu leaves", yaml_value, d->nleaves);
	CHECKF(d->leaves[0]->val.type == type, "%s: type %d, want %d", yaml_value,
	       d->leaves[0]->val.type, type);
	CHECKF(strcmp(d->leaves[0]->val.s, canon) == 0, "%s: canonical \"%s\", want \"%s\"",
	       yaml_value, d->leaves[0]->val.s, canon);
	sdoc_free(d);
}

#pragma GCC diagnostic pop

#endif
