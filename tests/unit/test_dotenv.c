/* test_dotenv.c - the dotenv store and metadata flattening against sops
 * 3.13.2 vectors, plus error cases. */
#include "store_check.h"
#include "../../codec/core/flatten.h"

static struct sdoc *parse_str(const char *s, enum parse_mode mode, struct sops_err *err)
{
	return sc_parse(&dotenv_store, s, strlen(s), mode, err);
}

static void test_basic(void)
{
	struct sc_case c = { &dotenv_store, "sops-vectors/dotenv/basic.in.env",
			     "sops-vectors/dotenv/basic.enc.env",
			     "sops-vectors/dotenv/basic.dec.env", 0, 0 };

	sc_check_case(&c);
}

static void test_crlf(void)
{
	struct sc_case c = { &dotenv_store, "sops-vectors/dotenv/crlf.in.env",
			     "sops-vectors/dotenv/crlf.enc.env",
			     "sops-vectors/dotenv/crlf.dec.env", 0, 0 };

	sc_check_case(&c);
}

static void test_shamir_groups(void)
{
	struct sc_case c = { &dotenv_store, "sops-vectors/groups/shamir_dotenv.in.env",
			     "sops-vectors/groups/shamir_dotenv.enc.env",
			     "sops-vectors/groups/shamir_dotenv.dec-age-pgp.env", 0, 0 };

	sc_check_case(&c);
}

static void test_unencrypted_suffix(void)
{
	struct sc_case c = { &dotenv_store, "sops-vectors/rules/dotenv_unencrypted_suffix.in.env",
			     "sops-vectors/rules/dotenv_unencrypted_suffix.enc.env",
			     "sops-vectors/rules/dotenv_unencrypted_suffix.dec.env", 0, 0 };

	sc_check_case(&c);
}

static void test_edit_set(void)
{
	struct sc_case c = { &dotenv_store, "sops-vectors/edit/set_dotenv.after.dec.env",
			     "sops-vectors/edit/set_dotenv.after.env",
			     "sops-vectors/edit/set_dotenv.after.dec.env", 0, 0 };

	sc_check_case(&c);
}

/* sops 3.13.1 fixture: key "foo " (AAD "foo :"), value " bar". */
static void test_fixture_format(void)
{
	struct sc_case c = { &dotenv_store, "sops/expected/functional-tests__res__format.enc.env.plain",
			     "sops/functional-tests/res/format.enc.env",
			     "sops/expected/functional-tests__res__format.enc.env.plain", 0, 0 };
	struct sops_err err = { 0, "" };
	size_t n;
	char *t = sc_vector("sops/functional-tests/res/format.enc.env", &n);
	struct sdoc *d = sc_parse(&dotenv_store, t, n, PARSE_ENCRYPTED, &err);

	sc_check_case(&c);
	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->nleaves == 1 && d->leaves[0]->keylen == 4);
	CHECK(memcmp(d->leaves[0]->key, "foo ", 4) == 0);
	/* metadata: unflattened and sorted, values with real newlines */
	CHECK(d->meta->nkids == 5);
	CHECK_STR(d->meta->kids[2]->key, "pgp");
	CHECK(d->meta->kids[2]->kind == NK_LIST && d->meta->kids[2]->nkids == 1);
	CHECK_STR(d->meta->kids[2]->kids[0]->kids[1]->key, "enc");
	CHECK(strncmp(d->meta->kids[2]->kids[0]->kids[1]->val.s,
		      "-----BEGIN PGP MESSAGE-----\n\n", 29) == 0);
	sdoc_free(d);
	free(t);
}

static void test_bad_line(void)
{
	struct sops_err err = { 0, "" };
	size_t n;
	char *t = sc_vector("sops-vectors/errors/enc_dotenv_bad_line.in.env", &n);
	char *want = sc_vector("sops-vectors/errors/enc_dotenv_bad_line.err.txt", NULL);
	const char *inner = strstr(want, "invalid dotenv");

	CHECK(sc_parse(&dotenv_store, t, n, PARSE_PLAIN, &err) == NULL);
	CHECK(err.code == 2 && inner != NULL);
	/* sops' words, but the line is named by number, never quoted */
	CHECK(strncmp(err.msg, "invalid dotenv input line: ", 27) == 0);
	CHECK(strstr(err.msg, "indented comment") == NULL);
	CHECK(parse_str("A=1\nthis-line-has-no-equals-sign-s3cr3t\n", PARSE_PLAIN, &err) == NULL);
	CHECK_STR(err.msg, "invalid dotenv input line: line 2 has no '=' (its content is not shown)");
	free(t);
	free(want);
}

static void test_sops_prefix_in_plain(void)
{
	struct sops_err err = { 0, "" };
	size_t n;
	char *t = sc_vector("sops-vectors/errors/enc_sops_prefix.in.env", &n);
	struct sdoc *d = sc_parse(&dotenv_store, t, n, PARSE_PLAIN, &err);

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->meta != NULL && d->nleaves == 1);
	sdoc_free(d);
	/* broken flattening: an error for an encrypted file, "has metadata"
	 * for new plaintext */
	CHECK(parse_str("sops_a=1\nsops_a__map_b=2\n", PARSE_ENCRYPTED, &err) == NULL);
	CHECK(strcmp(err.msg, "Error while unflattening: Type mismatch") == 0);
	d = parse_str("sops_a=1\nsops_a__map_b=2\n", PARSE_PLAIN, &err);
	CHECK(d != NULL && d->meta != NULL);
	sdoc_free(d);
	CHECK(parse_str("sops_l__list_1=x\n", PARSE_ENCRYPTED, &err) == NULL);
	CHECK(strcmp(err.msg, "Error while unflattening: Incomplete list") == 0);
	CHECK(parse_str("sops_v=1\nsops_v=2\n", PARSE_ENCRYPTED, &err) == NULL);
	CHECK(strcmp(err.msg, "Error while unflattening \"v\": Duplicate value") == 0);
	free(t);
}

static void test_unflatten_shapes(void)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str("sops_l__list_1__map_b=y\nsops_z=1\nsops_l__list_0__map_a=x\n"
				   "sops_e__map_=\nsops___map_x=q\n", PARSE_ENCRYPTED, &err);
	const struct node *m;

	CHECKF(d != NULL, "%.300s", err.msg);
	m = d->meta;
	CHECK(m->nkids == 4);
	CHECK_STR(m->kids[0]->key, "");
	CHECK_STR(m->kids[0]->kids[0]->key, "x");
	CHECK_STR(m->kids[1]->key, "e");
	CHECK(m->kids[1]->kind == NK_MAP && m->kids[1]->nkids == 1);
	CHECK_STR(m->kids[2]->key, "l");
	CHECK(m->kids[2]->kind == NK_LIST && m->kids[2]->nkids == 2);
	CHECK_STR(m->kids[2]->kids[0]->kids[0]->val.s, "x");
	CHECK(m->kids[2]->kids[0]->key == NULL);
	CHECK_STR(m->kids[3]->key, "z");
	sdoc_free(d);
}

static int collect(void *arg, const char *key, size_t keylen, const struct node *val,
		   struct sops_err *err)
{
	struct buf *b = arg;

	(void)err;
	buf_add(b, key, keylen);
	buf_addc(b, '=');
	flat_val_to_string(b, &val->val);
	return buf_addc(b, ';');
}

/* Flattening a synthetic tree: ints and bools as ValToString, empty lists
 * and maps produce nothing, list indices skip comments. */
static void test_flatten_values(void)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str("A=1\n", PARSE_PLAIN, &err);
	struct node *root, *l, *n;
	struct buf out = BUF_INIT;

	CHECK(d != NULL);
	root = node_new(d, NK_MAP);
	l = node_new(d, NK_LIST);
	l->key = "kg";
	l->keylen = 2;
	node_add_kid(d, root, l);
	n = node_new(d, NK_COMMENT);
	node_add_kid(d, l, n);
	n = node_new(d, NK_MAP);
	node_add_kid(d, l, n);
	{
		struct node *e = node_new(d, NK_LIST), *b = node_new(d, NK_SCALAR);

		e->key = "age";
		e->keylen = 3;
		node_add_kid(d, n, e);
		b->key = "on";
		b->keylen = 2;
		tvalue_bool(d, &b->val, 1);
		node_add_kid(d, n, b);
	}
	n = node_new(d, NK_SCALAR);
	n->key = "shamir_threshold";
	n->keylen = 16;
	tvalue_int(d, &n->val, 2);
	node_add_kid(d, root, n);
	CHECK(flat_flatten(root, "sops_", collect, &out, &err) == 0);
	CHECK_STR((char *)out.data, "sops_kg__list_0__map_on=true;sops_shamir_threshold=2;");
	buf_free(&out);
	sdoc_free(d);
}

static void test_render_values(void)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str("#c\nA=x\nB=y\n\nsops_version=3.13.2\nC=z", PARSE_ENCRYPTED, &err);
	struct rep r[4] = { { 0 } };
	struct buf out = BUF_INIT;

	CHECKF(d != NULL && d->nleaves == 4, "%.300s", err.msg);
	r[0].kind = REP_PLAIN;
	r[0].val.type = VT_STR;
	r[0].val.s = " note";
	r[0].val.len = 5;
	r[1].kind = REP_PLAIN;
	r[1].val.type = VT_STR;
	r[1].val.s = "l1\nl2";
	r[1].val.len = 5;
	r[2].kind = REP_PLAIN;
	r[2].val.type = VT_FLOAT;
	r[2].val.f = 5.0;
	r[3].kind = REP_PLAIN;
	r[3].val.type = VT_NULL;
	CHECK(dotenv_store.render(d, r, NULL, 0, &out, &err) == 0);
	CHECK_STR((char *)out.data, "# note\nA=l1\\nl2\nB=5.0\n\nC=<nil>");
	buf_truncate(&out, 0);
	memset(r, 0, sizeof(r));
	CHECK(dotenv_store.render(d, r, "sops_x=1\n", 9, &out, &err) == 0);
	CHECK_STR((char *)out.data, "#c\nA=x\nB=y\n\nC=z\nsops_x=1\n");
	buf_free(&out);
	sdoc_free(d);
}

int main(void)
{
	RUN(test_basic);
	RUN(test_crlf);
	RUN(test_shamir_groups);
	RUN(test_unencrypted_suffix);
	RUN(test_edit_set);
	RUN(test_fixture_format);
	RUN(test_bad_line);
	RUN(test_sops_prefix_in_plain);
	RUN(test_unflatten_shapes);
	RUN(test_flatten_values);
	RUN(test_render_values);
	return CHECK_DONE();
}
