/* test_yaml_vectors.c - the YAML store against what sops 3.13.2 wrote.
 *
 * For each vector case X (X.in.yaml plaintext, X.enc.yaml = sops encrypt,
 * X.dec.yaml = sops decrypt):
 *  1. X.in and X.enc have the same leaves in walk order; every ENC leaf's
 *     type tag is the type we give the plaintext value (typing check); clear
 *     leaves are equal.
 *  2. the view (X.enc rendered with X.in's values, metadata cut) == X.dec.
 *     Cases with encrypted inline comments: sops decrypt prints them on
 *     their own line before the key, we keep them inline (design.md), so
 *     our view is compared after moving them the way sops does.
 *  3. meta_emit of a synthetic copy of X.enc's metadata == meta_extract.
 *  4. X.dec re-encrypted (X.enc's ENC strings, X.enc's metadata text)
 *     parses back and its view == X.dec (the round trip the product
 *     relies on); and, where X.dec has no moved inline comments, the bytes
 *     == X.enc (we write sops' own layout).
 */
#include "check.h"
#include "../../codec/core/store.h"
#include "../../common/pool.h"

#include <string.h>



static char *vec(const char *rel, size_t *len)
{
	const char *sh = check_shared_dir();
	char path[1024];
	char *t;

	if (sh == NULL)
		SKIP("../shared not found (set SOPSFS_SHARED)");
	snprintf(path, sizeof(path), "%s/interop/sops-vectors/%s", sh, rel);
	t = check_read_file(path, len);
	if (t == NULL)
		SKIP("missing %.400s", path);
	return t;
}

static struct sdoc *parse(const char *t, size_t n, enum parse_mode m)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = sdoc_parse(&yaml_store, t, n, m, &err);

	CHECKF(d != NULL, "parse: %.300s", err.msg);
	return d;
}

static int is_enc(const struct node *n)
{
	return n->val.type == VT_STR && n->val.len > 16 &&
	       memcmp(n->val.s, "ENC[AES256_GCM,", 15) == 0;
}

static void enc_type(const struct node *n, char *out, size_t cap)
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

static struct node *synth_copy(struct sdoc *doc, const struct node *n)
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
		CHECK(node_add_kid(doc, c, synth_copy(doc, n->kids[i])) == 0);
	return c;
}

static void render(const struct sdoc *doc, const struct rep *reps, const char *meta, size_t mlen,
		   struct buf *out)
{
	struct sops_err err = { 0, "" };

	buf_truncate(out, 0);
	CHECKF(doc->store->render(doc, reps, meta, mlen, out, &err) == 0, "render: %.300s", err.msg);
}

/* sops decrypt moves each decrypted inline comment to its own line, at the
 * line's indentation, before the line it was on. */
static void move_inline(const struct buf *view, const struct sdoc *enc, const struct rep *plain,
			struct buf *out)
{
	const char *v = (const char *)view->data;
	size_t pos = 0, k = 0;

	buf_truncate(out, 0);
	while (pos < view->len) {
		size_t eol = pos, lead = 0;
		int moved = 0;

		while (eol < view->len && v[eol] != '\n')
			eol++;
		while (pos + lead < eol && v[pos + lead] == ' ')
			lead++;
		while (k < enc->nleaves && !(enc->leaves[k]->kind == NK_COMMENT &&
					     (enc->leaves[k]->flags & NODE_INLINE_COMMENT) &&
					     plain[k].kind == REP_PLAIN))
			k++;
		if (k < enc->nleaves) {
			const struct tvalue *t = &plain[k].val;
			size_t tl = t->len + 1;

			if (eol - pos > tl && v[eol - tl] == '#' &&
			    memcmp(v + eol - t->len, t->s, t->len) == 0 && v[eol - tl - 1] == ' ') {
				size_t cut = eol - tl;

				while (cut > pos && v[cut - 1] == ' ')
					cut--;
				CHECK(buf_add(out, v + pos, lead) == 0 && buf_addc(out, '#') == 0 &&
				      buf_add(out, t->s, t->len) == 0 && buf_addc(out, '\n') == 0 &&
				      buf_add(out, v + pos, cut - pos) == 0);
				moved = 1;
				k++;
			}
		}
		if (!moved)
			CHECK(buf_add(out, v + pos, eol - pos) == 0);
		if (eol < view->len)
			CHECK(buf_addc(out, '\n') == 0);
		pos = eol + 1;
	}
}

struct vcase {
	const char *in, *enc, *dec;
	int inline_moved;       /* dec has sops-moved inline comments */
	int dec_layout_differs; /* dec was not written with the enc's layout */
};

static void check_case(const struct vcase *c)
{
	size_t lin, lenc, ldec;
	char *tin = vec(c->in, &lin), *tenc = vec(c->enc, &lenc), *tdec = vec(c->dec, &ldec);
	struct sdoc *din = parse(tin, lin, PARSE_PLAIN), *denc = parse(tenc, lenc, PARSE_ENCRYPTED);
	struct sdoc *ddec, *dback;
	struct rep *plain, *enc;
	struct buf out = BUF_INIT, view = BUF_INIT, meta = BUF_INIT, emit = BUF_INIT;
	struct sops_err err = { 0, "" };
	size_t nenc = 0;

	CHECKF(denc->meta != NULL && !denc->meta_bad, "%s: no metadata", c->enc);
	CHECKF(din->meta == NULL, "%s: metadata in plaintext", c->in);
	CHECKF(din->nleaves == denc->nleaves, "%s: %zu leaves, %s: %zu", c->in, din->nleaves,
	       c->enc, denc->nleaves);
	plain = calloc(denc->nleaves + 1, sizeof(*plain));
	enc = calloc(denc->nleaves + 1, sizeof(*enc));
	CHECK(plain != NULL && enc != NULL);
	for (size_t i = 0; i < denc->nleaves; i++) {
		const struct node *e = denc->leaves[i], *p = din->leaves[i];
		char tag[32];

		if (!is_enc(e)) {
			CHECKF(e->kind == p->kind && e->val.type == p->val.type &&
			       e->val.len == p->val.len && memcmp(e->val.s, p->val.s, p->val.len) == 0,
			       "%s: clear leaf %zu differs", c->enc, i);
			continue;
		}
		enc_type(e, tag, sizeof(tag));
		CHECKF(strcmp(tag, p->kind == NK_COMMENT ? "comment" : vtype_tag(p->val.type)) == 0,
		       "%s: leaf %zu (line %d): ENC type %s, we typed %s", c->enc, i, e->line, tag,
		       p->kind == NK_COMMENT ? "comment" : vtype_tag(p->val.type));
		plain[i].kind = REP_PLAIN;
		plain[i].val = p->val;
		if (p->kind == NK_COMMENT && e->kind == NK_SCALAR)
			plain[i].val.type = VT_COMMENT;     /* sops 3.13.2 list comment */
		enc[i].kind = REP_ENC;
		enc[i].enc = e->val.s;
		enc[i].enc_len = e->val.len;
		nenc++;
	}
	CHECK(nenc > 0);
	/* 2. the view */
	render(denc, plain, NULL, 0, &view);
	if (c->inline_moved) {
		move_inline(&view, denc, plain, &out);
		CHECK_MEM(out.data, out.len, tdec, ldec);
	} else {
		CHECK_MEM(view.data, view.len, tdec, ldec);
	}
	/* 3. metadata */
	CHECKF(yaml_store.meta_extract(denc, NULL, 0, &meta, &err) == 0, "extract: %.300s", err.msg);
	if (!c->dec_layout_differs) {
		struct node *copy = synth_copy(din, denc->meta);

		CHECKF(yaml_store.meta_emit(copy, &emit, &err) == 0, "emit: %.300s", err.msg);
		CHECK_MEM(emit.data, emit.len, meta.data, meta.len);
	}
	/* 4. round trip through sops' plaintext */
	ddec = parse(tdec, ldec, PARSE_PLAIN);
	CHECKF(ddec->nleaves == denc->nleaves, "%s: %zu leaves, %s has %zu", c->dec, ddec->nleaves,
	       c->enc, denc->nleaves);
	render(ddec, enc, (const char *)meta.data, meta.len, &out);
	if (!c->inline_moved && !c->dec_layout_differs)
		CHECK_MEM(out.data, out.len, tenc, lenc);
	dback = parse((const char *)out.data, out.len, PARSE_ENCRYPTED);
	CHECK(dback->nleaves == denc->nleaves && dback->meta != NULL);
	render(dback, plain, NULL, 0, &view);
	CHECK_MEM(view.data, view.len, tdec, ldec);
	sdoc_free(dback);
	sdoc_free(ddec);
	free(plain);
	free(enc);
	buf_free(&out);
	buf_free(&view);
	buf_free(&meta);
	buf_free(&emit);
	sdoc_free(din);
	sdoc_free(denc);
	free(tin);
	free(tenc);
	free(tdec);
}

#define CASE(fn, dir, name, dec, moved, differs) \
	static void fn(void) \
	{ \
		struct vcase c = { dir "/" name ".in.yaml", dir "/" name ".enc.yaml", \
				   dir "/" name "." dec ".yaml", moved, differs }; \
		check_case(&c); \
	}

CASE(yaml_scalars_strings, "yaml", "scalars_strings", "dec", 0, 0)
CASE(yaml_scalars_typed, "yaml", "scalars_typed", "dec", 0, 0)
CASE(yaml_structures, "yaml", "structures", "dec", 0, 0)
CASE(yaml_nesting_layout, "yaml", "nesting_layout", "dec", 0, 0)
/* encrypted with --indent 2: the view keeps 2 = `sops --indent 2 decrypt` */
CASE(yaml_indent2, "yaml", "indent2", "dec-indent2", 0, 1)
CASE(yaml_comments, "yaml", "comments", "dec", 1, 0)
/* sops 3.13.2 cannot decrypt this one (MAC); dec = what --ignore-mac prints */
CASE(yaml_comments_list, "yaml", "comments_list", "dec-ignore-mac", 1, 0)
CASE(yaml_comment_regex_unencrypted, "yaml", "comment_regex_unencrypted", "dec", 1, 0)
CASE(yaml_comment_regex_encrypted, "yaml", "comment_regex_encrypted", "dec", 0, 0)
CASE(yaml_multidoc, "yaml", "multidoc", "dec", 0, 0)
CASE(yaml_layout, "yaml", "layout", "dec", 0, 0)
CASE(yaml_cross_output, "yaml", "cross_output", "dec", 0, 0)
CASE(rules_default_unencrypted, "rules", "default_unencrypted", "dec", 0, 0)
CASE(rules_encrypted_regex_unanchored, "rules", "encrypted_regex_unanchored", "dec", 0, 0)
CASE(rules_encrypted_suffix, "rules", "encrypted_suffix", "dec", 0, 0)
CASE(rules_k8s_encrypted_regex, "rules", "k8s_encrypted_regex", "dec", 0, 0)
CASE(rules_mac_only_encrypted, "rules", "mac_only_encrypted", "dec", 0, 0)
CASE(rules_unencrypted_regex, "rules", "unencrypted_regex", "dec", 0, 0)
CASE(rules_unencrypted_suffix, "rules", "unencrypted_suffix", "dec", 0, 0)
CASE(groups_pgp_only, "groups", "pgp_only", "dec", 0, 0)
CASE(groups_threshold_one_group, "groups", "threshold_one_group", "dec", 0, 0)
CASE(groups_shamir_yaml, "groups", "shamir_yaml", "dec-age-age2", 0, 0)
CASE(groups_two_recipients, "groups", "two_recipients", "dec-age-only", 0, 0)
CASE(errors_base, "errors", "base", "dec", 0, 0)

/* The view of enc rendered with the values of plain (same tree) must be
 * plain byte for byte. */
static void expect_view_is(const char *enc_rel, const char *plain_rel, int moved)
{
	size_t le, lp;
	char *te = vec(enc_rel, &le), *tp = vec(plain_rel, &lp);
	struct sdoc *de = parse(te, le, PARSE_ENCRYPTED), *dp = parse(tp, lp, PARSE_PLAIN);
	struct rep *r = calloc(de->nleaves + 1, sizeof(*r));
	struct buf view = BUF_INIT, out = BUF_INIT;

	CHECK(r != NULL);
	CHECKF(de->nleaves == dp->nleaves, "%s: %zu leaves, %s: %zu", enc_rel, de->nleaves,
	       plain_rel, dp->nleaves);
	for (size_t i = 0; i < de->nleaves; i++)
		if (is_enc(de->leaves[i])) {
			r[i].kind = REP_PLAIN;
			r[i].val = dp->leaves[i]->val;
		}
	render(de, r, NULL, 0, &view);
	if (moved) {
		move_inline(&view, de, r, &out);
		CHECK(buf_add(&view, "", 0) == 0);
		buf_truncate(&view, 0);
		CHECK(buf_add(&view, out.data, out.len) == 0);
	}
	CHECKF(view.len == lp && memcmp(view.data, tp, lp) == 0, "%s: view differs from %s",
	       enc_rel, plain_rel);
	buf_free(&view);
	buf_free(&out);
	free(r);
	sdoc_free(de);
	sdoc_free(dp);
	free(te);
	free(tp);
}

/* sops edit/set/rotate/updatekeys outputs: the view of each file before is
 * the plaintext it was made from (its inline comment stays inline, as the
 * user wrote it), the view of each file after is what sops decrypt printed
 * (sops had moved that comment to its own line in the file itself; an
 * inline comment the editor added is compared after moving it). */
static void edit_ops_views(void)
{
	static const char *const before[] = {
		"edit_add_key", "edit_noop", "edit_reinline", "edit_value", "edit_version_bump",
		"rotate", "rotate_add_age", "set_idempotent", "set_list_item", "set_new_subtree",
		"set_number", "set_string", "set_version_kept", "updatekeys", "updatekeys_shamir",
	};
	static const char *const after[] = {
		"edit_add_key", "edit_reinline", "edit_value", "rotate", "set_idempotent",
		"set_list_item", "set_new_subtree", "set_number", "set_string", "updatekeys",
		"updatekeys_shamir",
	};
	char a[128], b[128];

	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		snprintf(a, sizeof(a), "edit/%s.before.yaml", before[i]);
		expect_view_is(a, "edit/base.in.yaml", 0);
	}
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		snprintf(a, sizeof(a), "edit/%s.after.yaml", after[i]);
		snprintf(b, sizeof(b), "edit/%s.after.dec.yaml", after[i]);
		expect_view_is(a, b, 1);
	}
}

/* The error vectors: the message we give is sops' (the codec adds
 * "Error unmarshalling file: " and maps the exit code). */
static void expect_vector_error(const char *rel, const char *err_rel)
{
	size_t lt, le;
	char *t = vec(rel, &lt), *e = vec(err_rel, &le), *msg;
	struct sops_err err = { 0, "" };
	struct sdoc *d = sdoc_parse(&yaml_store, t, lt, PARSE_PLAIN, &err);

	CHECKF(d == NULL, "%s parsed", rel);
	CHECK(err.code == EX_COULD_NOT_READ);
	msg = strchr(e, '\n') + 1;                 /* line 1: exit code */
	if (strncmp(msg, "Error unmarshalling file: ", 26) == 0)
		msg += 26;
	while (le > 0 && e[le - 1] == '\n')
		e[--le] = '\0';
	CHECK_STR(err.msg, msg);
	free(t);
	free(e);
}

/* Values and keys sops refuses when it walks the tree (exit 23): the
 * store gives the Go type and text the codec needs for the message. */
static void expect_walk_error(const char *rel, const char *type, const char *key_text)
{
	size_t lt;
	char *t = vec(rel, &lt);
	struct sdoc *d = parse(t, lt, PARSE_PLAIN);
	const struct node *n = d->branches[0]->kids[0];

	if (strcmp(type, "uint64") == 0) {
		CHECK(n->val.type == VT_INVALID);
		CHECK_STR(n->val.s, "uint64");
	} else {
		CHECK_STR(n->keytype, type);
		CHECKF(n->keylen == strlen(key_text) && memcmp(n->key, key_text, n->keylen) == 0,
		       "key %.*s", (int)n->keylen, n->key);
	}
	sdoc_free(d);
	free(t);
}

static void error_vectors(void)
{
	size_t l;
	char *t;
	struct sdoc *d;

	expect_vector_error("errors/enc_duplicate_key.in.yaml", "errors/enc_duplicate_key.err.txt");
	expect_vector_error("errors/enc_top_level_list.in.yaml", "errors/enc_top_level_list.err.txt");
	expect_vector_error("errors/duplicate_sops_yaml.enc.yaml", "errors/duplicate_sops_yaml.err.txt");
	expect_walk_error("errors/enc_int_key.in.yaml", "int", "%!s(int=1)");
	expect_walk_error("errors/enc_bool_key.in.yaml", "bool", "%!s(bool=true)");
	expect_walk_error("errors/enc_time_key.in.yaml", "time.Time", "2024-01-01 00:00:00 +0000 UTC");
	expect_walk_error("errors/enc_uint64.in.yaml", "uint64", NULL);
	/* a top-level sops key lands in meta so the codec can refuse it */
	t = vec("errors/enc_sops_key.in.yaml", &l);
	d = parse(t, l, PARSE_PLAIN);
	CHECK(d->meta != NULL && d->meta_bad && d->branches[0]->nkids == 1);
	sdoc_free(d);
	free(t);
	t = vec("errors/sops_not_mapping.enc.yaml", &l);
	d = parse(t, l, PARSE_ENCRYPTED);
	CHECK(d->meta != NULL && d->meta_bad);
	sdoc_free(d);
	free(t);
	t = vec("errors/no_metadata.enc.yaml", &l);
	d = parse(t, l, PARSE_ENCRYPTED);
	CHECK(d->meta == NULL);
	sdoc_free(d);
	free(t);
	/* an empty file has no documents */
	t = vec("errors/enc_empty_yaml.in.yaml", &l);
	d = parse(t, l, PARSE_PLAIN);
	CHECK(l == 0 && d->nbranches == 0);
	sdoc_free(d);
	free(t);
}

int main(void)
{
	RUN(yaml_scalars_strings);
	RUN(yaml_scalars_typed);
	RUN(yaml_structures);
	RUN(yaml_nesting_layout);
	RUN(yaml_indent2);
	RUN(yaml_comments);
	RUN(yaml_comments_list);
	RUN(yaml_comment_regex_unencrypted);
	RUN(yaml_comment_regex_encrypted);
	RUN(yaml_multidoc);
	RUN(yaml_layout);
	RUN(yaml_cross_output);
	RUN(rules_default_unencrypted);
	RUN(rules_encrypted_regex_unanchored);
	RUN(rules_encrypted_suffix);
	RUN(rules_k8s_encrypted_regex);
	RUN(rules_mac_only_encrypted);
	RUN(rules_unencrypted_regex);
	RUN(rules_unencrypted_suffix);
	RUN(groups_pgp_only);
	RUN(groups_threshold_one_group);
	RUN(groups_shamir_yaml);
	RUN(groups_two_recipients);
	RUN(errors_base);
	RUN(edit_ops_views);
	RUN(error_vectors);
	return CHECK_DONE();
}
