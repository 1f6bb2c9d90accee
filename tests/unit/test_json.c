/* test_json.c - the JSON store against sops 3.13.2 vectors and error cases. */
#include "store_check.h"
#include "../../codec/json/json_write.h"

static struct sdoc *parse_str(const char *s, enum parse_mode mode, struct sops_err *err)
{
	return sc_parse(&json_store, s, strlen(s), mode, err);
}

static void case_json(const char *name)
{
	char in[128], enc[128], dec[128];
	struct sc_case c = { &json_store, in, enc, dec, 0, 0 };

	snprintf(in, sizeof(in), "sops-vectors/json/%s.in.json", name);
	snprintf(enc, sizeof(enc), "sops-vectors/json/%s.enc.json", name);
	snprintf(dec, sizeof(dec), "sops-vectors/json/%s.dec.json", name);
	sc_check_case(&c);
}

static void test_order_dups(void) { case_json("order_dups"); }
static void test_escapes(void) { case_json("escapes"); }
static void test_numbers(void) { case_json("numbers"); }
static void test_nested(void) { case_json("nested"); }
static void test_empty_object(void) { case_json("empty_object"); }

/* Encrypted with --indent 2: the view keeps the file's 2 spaces (it equals
 * sops' `--indent 2 decrypt`), and re-encrypting keeps them too. */
static void test_indent2(void)
{
	struct sc_case c = { &json_store, "sops-vectors/json/indent2.in.json",
			     "sops-vectors/json/indent2.enc.json",
			     "sops-vectors/json/indent2.dec-indent2.json", 0, 1 };

	sc_check_case(&c);
}

static void test_shamir_groups(void)
{
	struct sc_case c = { &json_store, "sops-vectors/groups/shamir_json.in.json",
			     "sops-vectors/groups/shamir_json.enc.json",
			     "sops-vectors/groups/shamir_json.dec-age-pgp.json", 0, 0 };

	sc_check_case(&c);
}

static void test_edit_set_json(void)
{
	struct sc_case c = { &json_store, "sops-vectors/edit/set_json.after.dec.json",
			     "sops-vectors/edit/set_json.after.json",
			     "sops-vectors/edit/set_json.after.dec.json", 0, 0 };

	sc_check_case(&c);
}

/* What `sops edit` showed the editor is the view of the file before. */
static void test_edit_seen(void)
{
	struct sc_case c = { &json_store, "sops-vectors/edit/edit_json.seen.json",
			     "sops-vectors/edit/edit_json.before.json",
			     "sops-vectors/edit/edit_json.seen.json", 0, 0 };
	struct sc_case a = { &json_store, "sops-vectors/edit/edit_json.after.dec.json",
			     "sops-vectors/edit/edit_json.after.json",
			     "sops-vectors/edit/edit_json.after.dec.json", 0, 0 };

	sc_check_case(&c);
	sc_check_case(&a);
}

static void test_fixture_format_3131(void)
{
	struct sc_case c = { &json_store, "sops/expected/functional-tests__res__format.enc.json.plain",
			     "sops/functional-tests/res/format.enc.json",
			     "sops/expected/functional-tests__res__format.enc.json.plain", 0, 0 };

	sc_check_case(&c);
}

static void test_fixture_types_synthetic(void)
{
	struct sc_case c = { &json_store, "sops/synthetic/types_age.plain.json",
			     "sops/synthetic/types_age.json",
			     "sops/synthetic/types_age.plain.json", 0, 0 };

	sc_check_case(&c);
}

/* sops 3.5.0: old metadata layout ("kms": null ...), floats for numbers, no
 * final newline (sops 3.13.2 decrypt prints one, and so does the view). */
static void test_fixture_example_350(void)
{
	struct sc_case c = { &json_store, "sops/expected/example.json.plain.inferred",
			     "sops/example.json", "sops/expected/example.json.plain.inferred",
			     1, 1 };

	sc_check_case(&c);
}

static void test_top_level_array(void)
{
	struct sops_err err = { 0, "" };
	size_t n;
	char *t = sc_vector("sops-vectors/errors/enc_json_top_array.in.json", &n);
	char *want = sc_vector("sops-vectors/errors/enc_json_top_array.err.txt", NULL);
	const char *inner = strstr(want, "Could not unmarshal");

	CHECK(sc_parse(&json_store, t, n, PARSE_PLAIN, &err) == NULL);
	CHECK(err.code == 2);
	CHECK(inner != NULL);
	CHECK_MEM(err.msg, strlen(err.msg), inner, strcspn(inner, "\n"));
	free(t);
	free(want);
}

static void expect_error(const char *text, const char *msg)
{
	struct sops_err err = { 0, "" };

	CHECKF(parse_str(text, PARSE_PLAIN, &err) == NULL, "accepted: %s", text);
	CHECK(err.code == 2);
	CHECK_MEM(err.msg, strlen(err.msg), msg, strlen(msg));
}

static void test_syntax_errors(void)
{
	const char *pre = "Could not unmarshal input data: ";
	char m[512];

	expect_error("", "Could not unmarshal input data: EOF");
#define E(text, want) do { snprintf(m, sizeof(m), "%s%s", pre, want); expect_error(text, m); } while (0)
	E("{\"a\": }", "invalid character '}' looking for beginning of value");
	E("{\"a\" 1}", "invalid character '1' after object key");
	E("{\"a\":1,}", "invalid character '}' looking for beginning of object key string");
	E("{\"a\":1 \"b\":2}", "invalid character '\"' after object key:value pair");
	E("{\"a\":[1 2]}", "invalid character '2' after array element");
	E("{", "Expected JSON object key, got %!s(<nil>) of type <nil> instead");
	E("{\"a\":1", "Expected JSON object key, got %!s(<nil>) of type <nil> instead");
	E("{\"a\":\"x", "unexpected EOF");
	E("{\"a\":\"x\ty\"}", "invalid character '\\t' in string literal");
	E("{\"a\":\"\\q\"}", "invalid character 'q' in string escape code");
	E("{\"a\":01}", "invalid character '1' after object key:value pair");
	E("{\"a\":1.}", "invalid character '}' after decimal point in numeric literal");
	E("{\"a\":tru}", "invalid character '}' in literal true (expecting 'e')");
	E("{\"a\":1e999}", "strconv.ParseFloat: parsing a number: value out of range");
	E("\"secret\"", "SOPS only supports JSON files with a top-level object (starting with "
	  "'{'), not other JSON types. Got a value of type string instead");
	E("5", "SOPS only supports JSON files with a top-level object (starting with "
	  "'{'), not other JSON types. Got a value of type int instead");
#undef E
}

static void test_text_after_object(void)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str("{\"a\": \"x\"} trailing", PARSE_PLAIN, &err);
	struct rep r[1] = { { REP_ENC, { 0 }, "ENC[x]", 6 } };
	struct buf out = BUF_INIT;

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->nleaves == 1);
	CHECK(json_store.render(d, r, "\"sops\": {}", 10, &out, &err) == 0);
	CHECK_STR((char *)out.data, "{\"a\": \"ENC[x]\",\n\t\"sops\": {}\n}\n");
	buf_free(&out);
	sdoc_free(d);
}

static void test_deep_nesting(void)
{
	struct sops_err err = { 0, "" };
	size_t n = 10000;
	char *t = malloc(2 * n + 16);
	size_t k = 0;

	CHECK(t != NULL);
	t[k++] = '{';
	memcpy(t + k, "\"a\":", 4);
	k += 4;
	for (size_t i = 0; i < n; i++)
		t[k++] = '[';
	t[k] = '\0';
	CHECK(parse_str(t, PARSE_PLAIN, &err) == NULL);
	CHECK(strstr(err.msg, "deeper than 1000") != NULL);
	free(t);
}

static void test_invalid_utf8(void)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str("{\"k\": \"a\xff" "b\xed\xa0\x80" "c\\ud800\\u0041\"}",
				   PARSE_PLAIN, &err);
	struct buf out = BUF_INIT;

	CHECKF(d != NULL, "%.300s", err.msg);
	/* decoding: every bad byte and the lone surrogate become U+FFFD */
	CHECK_STR(d->leaves[0]->val.s, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		  "c\xef\xbf\xbd" "A");
	/* encoding: Go writes the escape \ufffd for invalid bytes */
	CHECK(json_put_string(&out, "x\xff<\xe2\x80\xa8\x7f\x01", 8) == 0);
	CHECK_STR((char *)out.data, "\"x\\ufffd\\u003c\\u2028\x7f\\u0001\"");
	buf_free(&out);
	sdoc_free(d);
}

static void test_duplicate_and_bad_sops(void)
{
	struct sops_err err = { 0, "" };
	size_t n;
	char *t = sc_vector("sops-vectors/errors/duplicate_sops_json.enc.json", &n);
	struct sdoc *d = sc_parse(&json_store, t, n, PARSE_ENCRYPTED, &err);

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->meta != NULL && d->meta_dup == 1 && !d->meta_bad);
	CHECK(d->nleaves == 2);
	sdoc_free(d);
	d = parse_str("{\"sops\": 5, \"a\": 1}", PARSE_ENCRYPTED, &err);
	CHECK(d != NULL && d->meta == NULL && d->meta_bad == 1 && d->nleaves == 1);
	sdoc_free(d);
	free(t);
}

/* Where the metadata goes when encrypting new plaintext. */
static void check_insert(const char *plain, const char *meta, const char *want)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str(plain, PARSE_PLAIN, &err);
	struct rep *r;
	struct buf out = BUF_INIT;

	CHECKF(d != NULL, "%.300s", err.msg);
	r = calloc(d->nleaves + 1, sizeof(*r));
	CHECK(r != NULL);
	CHECKF(json_store.render(d, r, meta, strlen(meta), &out, &err) == 0, "%.300s", err.msg);
	CHECK_STR((char *)out.data, want);
	free(r);
	buf_free(&out);
	sdoc_free(d);
}

static void check_view(const char *enc, const char *want)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str(enc, PARSE_ENCRYPTED, &err);
	struct rep *r;
	struct buf out = BUF_INIT;

	CHECKF(d != NULL && d->meta != NULL, "%.300s", err.msg);
	r = calloc(d->nleaves + 1, sizeof(*r));
	CHECK(r != NULL);
	CHECK(json_store.render(d, r, NULL, 0, &out, &err) == 0);
	CHECK_STR((char *)out.data, want);
	free(r);
	buf_free(&out);
	sdoc_free(d);
}

static void test_insert_meta(void)
{
	const char *m = "\"sops\": {\n\t\t\"version\": \"3.13.2\"\n\t}";

	check_insert("{}", m, "{\n\t\"sops\": {\n\t\t\"version\": \"3.13.2\"\n\t}\n}\n");
	check_insert("{\n}\n", m, "{\n\t\"sops\": {\n\t\t\"version\": \"3.13.2\"\n\t}\n}\n");
	check_insert("{\"a\":1}", m, "{\"a\":1,\n\t\"sops\": {\n\t\t\"version\": \"3.13.2\"\n\t}\n}\n");
	/* ...and the view of that compact object is the object again */
	check_view("{\"a\":1,\n\t\"sops\": {\n\t\t\"version\": \"3.13.2\"\n\t}\n}\n", "{\"a\":1}\n");
	/* the user's 2-space layout: the metadata is re-indented to match */
	check_insert("{\n  \"a\": [\n    1\n  ]\n}\n", m,
		     "{\n  \"a\": [\n    1\n  ],\n  \"sops\": {\n    \"version\": \"3.13.2\"\n  }\n}\n");
	/* a sops member in the plaintext is replaced */
	check_insert("{\n\t\"sops\": {},\n\t\"a\": 1\n}\n", m,
		     "{\n\t\"a\": 1,\n\t\"sops\": {\n\t\t\"version\": \"3.13.2\"\n\t}\n}\n");
}

static void test_view_cuts(void)
{
	struct sops_err err = { 0, "" };
	const char *t = "{\"sops\": {\"x\": 1}, \"a\": 1, \"sops\": [], \"b\": 2}";
	struct sdoc *d = parse_str(t, PARSE_ENCRYPTED, &err);
	struct rep r[2] = { { 0 } };
	struct buf out = BUF_INIT;

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->meta != NULL && d->meta_dup == 1 && d->nleaves == 2);
	CHECK(json_store.render(d, r, NULL, 0, &out, &err) == 0);
	CHECK_STR((char *)out.data, "{\"a\": 1, \"b\": 2}\n");
	sdoc_free(d);
	buf_free(&out);
}

static void test_values_like_go(void)
{
	struct sops_err err = { 0, "" };
	struct sdoc *d = parse_str("{\"l\": [1, 2, 3], \"f\": 0.5, \"t\": false, \"s\": \"x\"}",
				   PARSE_PLAIN, &err);
	struct rep r[6] = { { 0 } };
	struct buf out = BUF_INIT;

	CHECKF(d != NULL && d->nleaves == 6, "%.300s", err.msg);
	CHECK(d->leaves[3]->val.type == VT_FLOAT && d->leaves[4]->val.type == VT_BOOL);
	/* a decrypted comment inside a list is dropped, like sops' JSON output */
	r[1].kind = REP_PLAIN;
	r[1].val.type = VT_COMMENT;
	r[1].val.s = "c";
	r[1].val.len = 1;
	r[3].kind = REP_PLAIN;
	r[3].val.type = VT_FLOAT;
	r[3].val.f = 1e21;
	r[5].kind = REP_PLAIN;
	r[5].val.type = VT_STR;
	r[5].val.s = "a&b\n";
	r[5].val.len = 4;
	CHECKF(json_store.render(d, r, NULL, 0, &out, &err) == 0, "%.300s", err.msg);
	CHECK_STR((char *)out.data, "{\"l\": [1, 3], \"f\": 1e+21, \"t\": false, "
		  "\"s\": \"a\\u0026b\\n\"}\n");
	r[3].val.f = 0.0 / 0.0;
	CHECK(json_store.render(d, r, NULL, 0, &out, &err) != 0);
	CHECK(err.code == 4 && strstr(err.msg, "unsupported value: NaN") != NULL);
	buf_free(&out);
	sdoc_free(d);
}

static void test_meta_patch(void)
{
	struct sops_err err = { 0, "" };
	const char *t = "{\n\t\"a\": 1,\n\t\"sops\": {\n\t\t\"mac\": \"old\",\n\t\t\"n\": 2\n\t}\n}\n";
	struct sdoc *d = parse_str(t, PARSE_ENCRYPTED, &err);
	struct meta_patch p;
	struct buf out = BUF_INIT;

	CHECKF(d != NULL && d->meta != NULL, "%.300s", err.msg);
	p.n = d->meta->kids[0];
	p.value = "<new>";
	p.len = 5;
	CHECK(json_store.meta_extract(d, &p, 1, &out, &err) == 0);
	CHECK_STR((char *)out.data, "\"sops\": {\n\t\t\"mac\": \"\\u003cnew\\u003e\",\n\t\t\"n\": 2\n\t}");
	buf_free(&out);
	sdoc_free(d);
}

int main(void)
{
	RUN(test_order_dups);
	RUN(test_escapes);
	RUN(test_numbers);
	RUN(test_nested);
	RUN(test_empty_object);
	RUN(test_indent2);
	RUN(test_shamir_groups);
	RUN(test_edit_set_json);
	RUN(test_edit_seen);
	RUN(test_fixture_format_3131);
	RUN(test_fixture_types_synthetic);
	RUN(test_fixture_example_350);
	RUN(test_top_level_array);
	RUN(test_syntax_errors);
	RUN(test_text_after_object);
	RUN(test_deep_nesting);
	RUN(test_invalid_utf8);
	RUN(test_duplicate_and_bad_sops);
	RUN(test_insert_meta);
	RUN(test_view_cuts);
	RUN(test_values_like_go);
	RUN(test_meta_patch);
	return CHECK_DONE();
}
