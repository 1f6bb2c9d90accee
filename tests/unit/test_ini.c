/* test_ini.c - the INI store against sops 3.13.2 vectors (gopkg.in/ini.v1
 * parsing rules), metadata sections and error cases. */
#include "store_check.h"

static struct sdoc *parse_str(const char *s, enum parse_mode mode, struct sops_err *err)
{
	return sc_parse(&ini_store, s, strlen(s), mode, err);
}

static void case_ini(const char *dir, const char *name, const char *dec)
{
	char in[160], enc[160], de[160];
	struct sc_case c = { &ini_store, in, enc, de, 0, 0 };

	snprintf(in, sizeof(in), "sops-vectors/%s/%s.in.ini", dir, name);
	snprintf(enc, sizeof(enc), "sops-vectors/%s/%s.enc.ini", dir, name);
	snprintf(de, sizeof(de), "sops-vectors/%s/%s.%s.ini", dir, name, dec);
	sc_check_case(&c);
}

static void test_basic(void) { case_ini("ini", "basic", "dec"); }
static void test_quoting(void) { case_ini("ini", "quoting", "dec"); }
static void test_encrypted_regex(void) { case_ini("rules", "ini_encrypted_regex", "dec"); }
static void test_shamir_groups(void) { case_ini("groups", "shamir_ini", "dec-age-pgp"); }

static void test_edit_set(void)
{
	struct sc_case c = { &ini_store, "sops-vectors/edit/set_ini.after.dec.ini",
			     "sops-vectors/edit/set_ini.after.ini",
			     "sops-vectors/edit/set_ini.after.dec.ini", 0, 0 };

	sc_check_case(&c);
}

static void test_fixture_format(void)
{
	struct sc_case c = { &ini_store, "sops/expected/functional-tests__res__format.enc.ini.plain",
			     "sops/functional-tests/res/format.enc.ini",
			     "sops/expected/functional-tests__res__format.enc.ini.plain", 0, 0 };

	sc_check_case(&c);
}

/* sops 3.13.1 wrote metadata values with real newlines in """...""". */
static void test_fixture_format2_3131(void)
{
	struct sc_case c = { &ini_store, "sops/expected/functional-tests__res__format-2.enc.ini.plain",
			     "sops/functional-tests/res/format-2.enc.ini",
			     "sops/expected/functional-tests__res__format-2.enc.ini.plain", 0, 1 };
	struct sops_err err = { 0, "" };
	size_t n;
	char *t = sc_vector("sops/functional-tests/res/format-2.enc.ini", &n);
	struct sdoc *d = sc_parse(&ini_store, t, n, PARSE_ENCRYPTED, &err);
	const struct node *pgp, *enc;

	sc_check_case(&c);
	CHECKF(d != NULL, "%.300s", err.msg);
	pgp = d->meta->kids[2];
	CHECK_STR(pgp->key, "pgp");
	enc = pgp->kids[0]->kids[1];
	CHECK_STR(enc->key, "enc");
	CHECK(strncmp(enc->val.s, "-----BEGIN PGP MESSAGE-----\n\nwcBMAy", 34) == 0);
	CHECK(enc->val.s[enc->val.len - 1] == '-');
	sdoc_free(d);
	free(t);
}

/* sops 3.5.0: unsorted [sops] keys, a section comment (AAD "name:"). */
static void test_fixture_example_350(void)
{
	struct sops_err err = { 0, "" };
	size_t n;
	char *t = sc_vector("sops/example.ini", &n);
	struct sdoc *d = sc_parse(&ini_store, t, n, PARSE_ENCRYPTED, &err);
	const struct node *root;
	struct rep *r;
	struct buf out = BUF_INIT;

	CHECKF(d != NULL, "%.300s", err.msg);
	root = d->branches[0];
	CHECK(root->nkids == 5);
	CHECK_STR(root->kids[0]->key, "DEFAULT");
	CHECK(root->kids[0]->nkids == 0);
	CHECK_STR(root->kids[1]->key, "name");
	CHECK(root->kids[1]->kids[0]->kind == NK_COMMENT);
	CHECK_STR(root->kids[4]->key, "not private");
	CHECK(d->nleaves == 11);
	CHECK(d->meta->nkids == 5);
	CHECK_STR(d->meta->kids[2]->key, "pgp");
	CHECK(d->meta->kids[2]->nkids == 2);
	/* the view keeps the layout and cuts [sops] with the blank line before */
	r = calloc(d->nleaves, sizeof(*r));
	CHECK(r != NULL);
	CHECK(ini_store.render(d, r, NULL, 0, &out, &err) == 0);
	CHECK(out.len > 0 && strstr((char *)out.data, "[sops]") == NULL);
	/* ...and the blank line after it: sops 3.13.2 ends with the last key */
	{
		static const char end[] = "[not private]\nnotsecret_unencrypted = hi there!\n";

		CHECK(out.len > sizeof(end));
		CHECK_MEM(out.data + out.len - (sizeof(end) - 1), sizeof(end) - 1, end, sizeof(end) - 1);
	}
	free(r);
	buf_free(&out);
	sdoc_free(d);
	free(t);
}

static void expect_error(const char *text, const char *msg)
{
	struct sops_err err = { 0, "" };

	CHECKF(parse_str(text, PARSE_PLAIN, &err) == NULL, "accepted: %s", text);
	CHECK(err.code == 2);
	CHECK_MEM(err.msg, strlen(err.msg), msg, strlen(msg));
}

static void test_errors(void)
{
	/* ini.v1's words; the offending line is named by number, never quoted */
	expect_error("[a\n", "Could not unmarshal input data: unclosed section: "
		     "line 1 (its content is not shown)");
	expect_error("[]\n", "Could not unmarshal input data: empty section name");
	expect_error("k=v\njust a line\n", "Could not unmarshal input data: key-value delimiter "
		     "not found: line 2 (its content is not shown)");
	expect_error("= v\n", "Could not unmarshal input data: empty key name: "
		     "line 1 (its content is not shown)");
	expect_error("k = \"\"\"never closed\nmore\n",
		     "Could not unmarshal input data: missing closing key quote of a multi-line value");
	expect_error("a-secret-s3cr3t-without-delimiter\n",
		     "Could not unmarshal input data: key-value delimiter not found: "
		     "line 1 (its content is not shown)");
}

static const struct node *leaf(const struct sdoc *d, size_t i)
{
	CHECK(i < d->nleaves);
	return d->leaves[i];
}

/* ini.v1 details: repeated keys, auto-increment keys, BOM, ':' keys,
 * comments gathered from several lines. */
static void test_parse_rules(void)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str("\xef\xbb\xbf; a\n# b\n[s] ; c\nk = 1 ; d\n- = x\n- = y\n"
				   "k = 2\n\"q:k\" = v\n; end\n", PARSE_PLAIN, &err);
	const struct node *s;

	CHECKF(d != NULL, "%.300s", err.msg);
	s = d->branches[0]->kids[1];
	CHECK_STR(s->key, "s");
	/* section comment: both lines and the header's comment */
	CHECK_STR(leaf(d, 0)->val.s, "a\n# b\n; c");
	/* the repeated k keeps the last value (and no comment) */
	CHECK_STR(leaf(d, 1)->key, "#1");
	CHECK_STR(leaf(d, 2)->key, "#2");
	CHECK_STR(leaf(d, 3)->key, "k");
	CHECK_STR(leaf(d, 3)->val.s, "2");
	CHECK_STR(leaf(d, 4)->key, "q:k");
	CHECK(d->nleaves == 5);
	sdoc_free(d);
}

static void test_values(void)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str("[v]\na = \"x\"y\"\nb = 'q'\nc = `a;b` ; gone\nd = \"\"\"l1\nl2\"\"\" ; kept\n"
				   "e = one \\\n  two \\\n\n  three = 3\nf =\n", PARSE_PLAIN, &err);

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK_STR(leaf(d, 0)->val.s, "\"x\"y\"");
	CHECK_STR(leaf(d, 1)->val.s, "q");
	CHECK_STR(leaf(d, 2)->val.s, "a;b");
	CHECK_STR(leaf(d, 3)->val.s, "l1\nl2");
	CHECK_STR(leaf(d, 4)->val.s, "kept");
	CHECK(leaf(d, 4)->kind == NK_COMMENT);
	CHECK_STR(leaf(d, 5)->val.s, "one two ");   /* ini.v1 keeps it */
	CHECK_STR(leaf(d, 6)->key, "three");
	CHECK(leaf(d, 7)->val.len == 0 && leaf(d, 7)->start == leaf(d, 7)->end);
	sdoc_free(d);
}

static void set_plain(struct rep *r, const char *s)
{
	r->kind = REP_PLAIN;
	r->val.type = VT_STR;
	r->val.s = s;
	r->val.len = strlen(s);
}

/* Rendering decrypted values and comments the way ini.v1 writes them, and
 * encrypting a user's file: ENC in place, extra comment pieces cut, the
 * [sops] section appended after a blank line, dropped text removed. */
static void test_render(void)
{
	struct sops_err err = { 0, "" };
	const char *t = "; one\n; two\nk = v ; inl\nx = 1\nx = 2\n[s]\nm = `a` ; c\n; orphan\n";
	struct sdoc *d = parse_str(t, PARSE_PLAIN, &err);
	struct rep r[8];
	struct buf out = BUF_INIT;

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->nleaves == 4);
	memset(r, 0, sizeof(r));
	set_plain(&r[0], " spaced ");
	set_plain(&r[1], "one\n# two\ninl");
	set_plain(&r[2], "");
	set_plain(&r[3], "say #1");
	CHECKF(ini_store.render(d, r, NULL, 0, &out, &err) == 0, "%.300s", err.msg);
	CHECK_STR((char *)out.data, "; one\n# two\n; inl\nk = \" spaced \"\nx = 1\nx = \n[s]\n"
		  "m = `say #1` ; c\n; orphan\n");
	memset(r, 0, sizeof(r));
	for (int i = 0; i < 4; i++) {
		r[i].kind = REP_ENC;
		r[i].enc = i == 1 ? "ENC[c]" : "ENC[v]";
		r[i].enc_len = 6;
	}
	buf_truncate(&out, 0);
	CHECK(ini_store.render(d, r, "[sops]\nversion = 1\n", 19, &out, &err) == 0);
	CHECK_STR((char *)out.data, "; ENC[c]\nk = ENC[v]\nx = ENC[v]\n[s]\nm = ENC[v] ; c\n\n"
		  "[sops]\nversion = 1\n");
	buf_free(&out);
	sdoc_free(d);
}

/* CRLF files: the CR is whitespace around tokens, never part of them. */
static void test_crlf(void)
{
	struct sops_err err = { 0, "" };
	const char *t = "[a]\r\nk = v\r\n; c\r\nj = \"w \"\r\n";
	struct sdoc *d = parse_str(t, PARSE_PLAIN, &err);
	struct rep r[3];
	struct buf out = BUF_INIT;

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->nleaves == 3);
	CHECK_STR(leaf(d, 0)->val.s, "v");
	CHECK_STR(leaf(d, 1)->val.s, "w ");
	CHECK_STR(leaf(d, 2)->val.s, "c");
	memset(r, 0, sizeof(r));
	for (int i = 0; i < 3; i++) {
		r[i].kind = REP_ENC;
		r[i].enc = "ENC[x]";
		r[i].enc_len = 6;
	}
	CHECK(ini_store.render(d, r, "[sops]\n", 7, &out, &err) == 0);
	CHECK_STR((char *)out.data, "[a]\r\nk = ENC[x]\r\n; ENC[x]\r\nj = ENC[x]\r\n\n[sops]\n");
	buf_free(&out);
	sdoc_free(d);
}

static void test_sops_sections(void)
{
	struct sops_err err = { 0, "" };
	const char *t = "a = 1\n\n; c\n[sops]\nversion = 1\nmac = x\\ny\n\n[b]\nk = v\n\n[sops]\nz = 1\n";
	struct sdoc *d = parse_str(t, PARSE_ENCRYPTED, &err);
	struct rep r[2] = { { 0 } };
	struct buf out = BUF_INIT;
	struct meta_patch p;

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->meta != NULL && d->meta_dup == 1 && d->nleaves == 2);
	CHECK_STR(d->meta->kids[0]->key, "mac");
	CHECK_STR(d->meta->kids[0]->val.s, "x\ny");
	CHECK(ini_store.render(d, r, NULL, 0, &out, &err) == 0);
	CHECK_STR((char *)out.data, "a = 1\n\n[b]\nk = v\n");
	buf_truncate(&out, 0);
	p.n = d->meta->kids[0];
	p.value = "new\nmac;";
	p.len = 8;
	CHECK(ini_store.meta_extract(d, &p, 1, &out, &err) == 0);
	CHECK_STR((char *)out.data, "[sops]\nversion = 1\nmac = `new\\nmac;`\n");
	buf_free(&out);
	sdoc_free(d);
}

int main(void)
{
	RUN(test_basic);
	RUN(test_quoting);
	RUN(test_encrypted_regex);
	RUN(test_shamir_groups);
	RUN(test_edit_set);
	RUN(test_fixture_format);
	RUN(test_fixture_format2_3131);
	RUN(test_fixture_example_350);
	RUN(test_errors);
	RUN(test_parse_rules);
	RUN(test_values);
	RUN(test_render);
	RUN(test_crlf);
	RUN(test_sops_sections);
	return CHECK_DONE();
}
