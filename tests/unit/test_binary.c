/* test_binary.c - the binary store against sops 3.13.2 vectors. */
#include "store_check.h"

static void case_bin(const char *name, const char *ext)
{
	char in[128], enc[128], dec[128];
	struct sc_case c = { &binary_store, in, enc, dec, 0, 0 };

	snprintf(in, sizeof(in), "sops-vectors/binary/%s.in.%s", name, ext);
	snprintf(enc, sizeof(enc), "sops-vectors/binary/%s.enc.%s", name, ext);
	snprintf(dec, sizeof(dec), "sops-vectors/binary/%s.dec.%s", name, ext);
	sc_check_case(&c);
}

static void test_bytes(void) { case_bin("bytes", "bin"); }
static void test_empty(void) { case_bin("empty", "bin"); }
static void test_no_newline(void) { case_bin("no_newline", "bin"); }
static void test_text(void) { case_bin("text", "txt"); }

/* After `sops edit`: the metadata gained unencrypted_suffix. */
static void test_edit_binary(void)
{
	struct sc_case c = { &binary_store, "sops-vectors/edit/edit_binary.after.dec.bin",
			     "sops-vectors/edit/edit_binary.after.bin",
			     "sops-vectors/edit/edit_binary.after.dec.bin", 0, 0 };

	struct sc_case b = { &binary_store, "sops-vectors/edit/edit_binary.seen.bin",
			     "sops-vectors/edit/edit_binary.before.bin",
			     "sops-vectors/edit/edit_binary.seen.bin", 0, 0 };

	sc_check_case(&c);
	sc_check_case(&b);
}

/* sops 3.5.0 and 3.7.1 envelopes (older metadata layouts). */
static void test_fixture_example_txt(void)
{
	struct sc_case c = { &binary_store, "sops/expected/example.txt.plain",
			     "sops/example.txt", "sops/expected/example.txt.plain", 1, 1 };
	struct sc_case h = { &binary_store,
			     "sops/expected/_history__pr1031-0b07dfbc5__example.txt.plain",
			     "sops/_history/pr1031-0b07dfbc5/example.txt",
			     "sops/expected/_history__pr1031-0b07dfbc5__example.txt.plain", 1, 1 };

	sc_check_case(&c);
	sc_check_case(&h);
}

static void test_no_data(void)
{
	struct sops_err err = { 0, "" };
	const char *t = "{\n\t\"other\": \"x\",\n\t\"sops\": {}\n}\n";
	struct sdoc *d = sc_parse(&binary_store, t, strlen(t), PARSE_ENCRYPTED, &err);
	char *want = sc_vector("sops-vectors/errors/output_binary_no_data.err.txt", NULL);
	const char *inner = strstr(want, "error emitting");
	struct rep r[1] = { { 0 } };
	struct buf out = BUF_INIT;

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->meta != NULL && d->nleaves == 1);
	CHECK(binary_store.render(d, r, NULL, 0, &out, &err) != 0);
	CHECK(err.code == 4 && inner != NULL);
	CHECK_MEM(err.msg, strlen(err.msg), inner, strcspn(inner, "\n"));
	sdoc_free(d);
	/* data that is not a string */
	t = "{\"data\": 5}";
	d = sc_parse(&binary_store, t, strlen(t), PARSE_ENCRYPTED, &err);
	CHECK(d != NULL);
	CHECK(binary_store.render(d, r, NULL, 0, &out, &err) != 0);
	CHECK(strstr(err.msg, "does not have a string value") != NULL);
	sdoc_free(d);
	buf_free(&out);
	free(want);
}

/* Plain input is any bytes; the view of a plain doc is the bytes again,
 * and the envelope takes the metadata's indentation. */
static void test_plain_envelope(void)
{
	struct sops_err err = { 0, "" };
	const char t[] = "a\0b\xff\n";
	struct sdoc *d = sc_parse(&binary_store, t, sizeof(t) - 1, PARSE_PLAIN, &err);
	struct rep r[1] = { { 0 } };
	struct buf out = BUF_INIT;
	const char *meta = "\"sops\": {\n    \"version\": \"3.13.2\"\n  }";

	CHECKF(d != NULL, "%.300s", err.msg);
	CHECK(d->nleaves == 1 && d->leaves[0]->val.len == 5 && d->meta == NULL);
	CHECK(strcmp(d->leaves[0]->key, "data") == 0 && (d->leaves[0]->flags & NODE_SYNTH));
	CHECK(binary_store.render(d, r, NULL, 0, &out, &err) == 0);
	CHECK_MEM(out.data, out.len, t, sizeof(t) - 1);
	buf_truncate(&out, 0);
	CHECK(binary_store.render(d, r, meta, strlen(meta), &out, &err) == 0);
	CHECK_STR((char *)out.data, "{\n  \"data\": \"a\\u0000b\\ufffd\\n\",\n  \"sops\": {\n"
		  "    \"version\": \"3.13.2\"\n  }\n}\n");
	buf_free(&out);
	sdoc_free(d);
}

int main(void)
{
	RUN(test_bytes);
	RUN(test_empty);
	RUN(test_no_newline);
	RUN(test_text);
	RUN(test_edit_binary);
	RUN(test_fixture_example_txt);
	RUN(test_no_data);
	RUN(test_plain_envelope);
	return CHECK_DONE();
}
