/* test_yaml_text.c - YAML token replacement both ways (encrypt in place,
 * plaintext view) and the metadata text. */
#include "yaml_util.h"

/* ---- encrypting in place ------------------------------------------------------------------ */

static void expect_encrypted_full(const char *text, const char *want)
{
	struct buf out = BUF_INIT;

	encrypt_text(text, &out);
	CHECK_MEM(out.data, out.len, want, strlen(want));
	buf_free(&out);
}

static void expect_encrypted(const char *text, const char *want)
{
	char full[2048];

	snprintf(full, sizeof(full), "%s%s", want, FAKE_META);
	expect_encrypted_full(text, full);
}

#define E(i, t) "ENC[AES256_GCM,data:" #i ",iv:AAAA,tag:BBBB,type:" t "]"

static void test_encrypt_in_place(void)
{
	expect_encrypted("a: x\n", "a: " E(0, "str") "\n");
	/* quotes kept where the value's own style differs */
	expect_encrypted("a: 'x'\nb: \"x\"\n", "a: '" E(0, "str") "'\nb: \"" E(1, "str") "\"\n");
	/* ... and not where yaml.v3 would quote anyway */
	expect_encrypted("a: \"123\"\nb: ' x'\n", "a: " E(0, "str") "\nb: " E(1, "str") "\n");
	/* flow context: double quotes for a double-quoted string, else single */
	expect_encrypted("a: [x, \"y\", 'z', 1]\n",
			 "a: ['" E(0, "str") "', \"" E(1, "str") "\", '" E(2, "str") "', '" E(3, "int")
			 "']\n");
	/* block scalars: one line, blank lines after a clipped block stay */
	expect_encrypted("a: |\n  x\n  y\n\nb: >-\n  f\n  g\nc: |+\n  k\n\nd: 1\n",
			 "a: " E(0, "str") "\n\nb: " E(1, "str") "\nc: " E(2, "str") "\nd: " E(3, "int") "\n");
	/* the comment on the header line stays */
	expect_encrypted("a: | # c\n  x\n", "a: " E(1, "str") " #" E(0, "comment") "\n");
	/* tags go, anchors stay; aliases are left as they are */
	expect_encrypted("a: &x !!str 5\nb: *x\n", "a: &x " E(0, "str") "\nb: *x\n");
	/* comments; null and "" are never encrypted */
	expect_encrypted("# c\na: ~\nb: \"\"\n#\n", "#" E(0, "comment") "\na: ~\nb: \"\"\n#\n");
	/* no final line break */
	expect_encrypted("a: 1", "a: " E(0, "int") "\n");
	/* found by fuzzing: a block header glued to its comment, a block
	 * scalar alone on a line at its key's column */
	expect_encrypted("a: |# c\n  x\n", "a: " E(1, "str") " #" E(0, "comment") "\n");
	expect_encrypted("a:\n>\n  x\n", "a:\n " E(0, "str") "\n");
}

static void test_metadata_placement(void)
{
	/* every document gets the entry, before the next "---" */
	expect_encrypted("a: 1\n---\n# c\n---\nb: 2",
			 "a: " E(0, "int") "\n" FAKE_META "---\n#" E(1, "comment") "\n" FAKE_META
			 "---\nb: " E(2, "int") "\n");
	/* an empty flow mapping is replaced */
	expect_encrypted("{}\n", "");
	/* an explicit end marker */
	expect_encrypted_full("a: 1\n...\n", "a: " E(0, "int") "\n" FAKE_META "...\n");
	{
		struct buf out = BUF_INIT;
		struct sops_err err = { 0, "" };
		struct sdoc *d = parse("{a: 1}\n");

		CHECK(yaml_store.render(d, NULL, FAKE_META, strlen(FAKE_META), &out, &err) != 0);
		CHECK_STR(err.msg, "sopsfs: cannot add sops metadata to a top-level flow mapping; "
				   "write it in block style");
		CHECK(err.code == 2);
		buf_free(&out);
		sdoc_free(d);
	}
}

/* ---- decrypted view ----------------------------------------------------------------------------- */

static void expect_view(const char *enc_text, const struct tvalue *vals, size_t nvals,
			const char *want)
{
	struct sdoc *d = parse_n(enc_text, strlen(enc_text), PARSE_ENCRYPTED);
	struct rep *r = calloc(d->nleaves + 1, sizeof(*r));
	struct buf out = BUF_INIT;
	size_t k = 0;

	CHECK(r != NULL);
	for (size_t i = 0; i < d->nleaves && k < nvals; i++) {
		if (d->leaves[i]->val.len < 4 || memcmp(d->leaves[i]->val.s, "ENC[", 4) != 0)
			continue;
		r[i].kind = REP_PLAIN;
		r[i].val = vals[k++];
	}
	CHECK(k == nvals);
	render(d, r, NULL, &out);
	CHECK_MEM(out.data, out.len, want, strlen(want));
	buf_free(&out);
	free(r);
	sdoc_free(d);
}

static struct tvalue str(const char *s)
{
	struct tvalue v;

	memset(&v, 0, sizeof(v));
	v.type = VT_STR;
	v.s = s;
	v.len = strlen(s);
	return v;
}

static void test_view_styles(void)
{
	struct tvalue v[3];

	/* flow context: only flow-safe styles; a double-quoted ENC keeps its
	 * quotes, a single-quoted one means yaml.v3's own style */
	v[0] = str("a, b");
	v[1] = str("multi\nline");
	v[2] = str("plain");
	expect_view("k: [\"ENC[x]\", \"ENC[y]\", \"ENC[z]\"]\n", v, 3,
		    "k: [\"a, b\", \"multi\\nline\", \"plain\"]\n");
	v[0] = str("a, b");
	v[1] = str("plain");
	expect_view("k: ['ENC[x]', 'ENC[y]']\n", v, 2, "k: ['a, b', plain]\n");
	/* the ENC token's quotes are kept when they can hold the value */
	v[0] = str("it's");
	v[1] = str("plain");
	expect_view("a: 'ENC[x]'\nb: \"ENC[y]\"\n", v, 2, "a: 'it''s'\nb: \"plain\"\n");
	/* literal blocks in sequences and maps in sequences, CRLF kept */
	v[0] = str("l1\nl2\n");
	v[1] = str("m1\nm2");
	expect_view("s:\r\n  - ENC[x] # c\r\n  - k: ENC[y]\r\n", v, 2,
		    "s:\r\n  - | # c\r\n    l1\r\n    l2\r\n  - k: |-\r\n      m1\r\n      m2\r\n");
	/* leading space: indentation indicator relative to the mapping */
	v[0] = str(" x\ny");
	expect_view("m:\n  - k: ENC[x]\n", v, 1, "m:\n  - k: |2-\n       x\n      y\n");
	/* end of file without a line break */
	v[0] = str("a\nb\n");
	expect_view("k: ENC[x]", v, 1, "k: |\n    a\n    b\n");
	/* an ENC string written as a block scalar */
	v[0] = str("a\nb");
	v[1] = str("x");
	expect_view("k: | # c\n  ENC[x]\nj: |\n  ENC[y]\n\nz: 1\n", v, 2,
		    "k: |- # c\n    a\n    b\nj: x\n\nz: 1\n");
	/* bytes that are not UTF-8: yaml.v3 writes them as !!binary */
	v[0] = str("\xff\xfe");
	expect_view("k: ENC[x]\n", v, 1, "k: !!binary //4=\n");
	/* found by fuzzing: comments indented under a block must stay out of
	 * it; a leading tab needs an indicator; a trailing U+2028 would not
	 * read back from a literal block */
	v[0] = str("a\nb");
	expect_view("k: ENC[x]\n      # deep comment\nz: 1\n", v, 1,
		    "k: |-\n       a\n       b\n      # deep comment\nz: 1\n");
	v[0] = str("\tx\ny");
	expect_view("k: ENC[x]\n", v, 1, "k: |4-\n    \tx\n    y\n");
	v[0] = str("a\n\xe2\x80\xa8");
	expect_view("k: ENC[x]\n", v, 1, "k: \"a\\n\\L\"\n");
	/* a sops 3.13.2 comment element of a sequence */
	v[0] = str(" note");
	v[0].type = VT_COMMENT;
	v[1] = str("x");
	expect_view("l:\n    - ENC[c]\n    - ENC[x]\n", v, 2, "l:\n    # note\n    - x\n");
}

static void test_view_cuts_metadata(void)
{
	struct tvalue v[1];

	v[0] = str("1");
	/* a document left without items is written {} */
	expect_view("# c\nsops:\n    version: 3.13.2\n---\nk: ENC[x]\nsops:\n    version: 3.13.2\n",
		    v, 1, "# c\n{}\n---\nk: \"1\"\n");
}

/* ---- metadata text ------------------------------------------------------------------------------ */

static void test_meta_extract_patches(void)
{
	const char *t = "k: v\nsops:\n    lastmodified: \"2020-01-01T00:00:00Z\"\n"
			"    mac: ENC[old]\n    version: 3.13.2\n";
	struct sdoc *d = parse_n(t, strlen(t), PARSE_ENCRYPTED);
	struct meta_patch p[2];
	struct buf out = BUF_INIT;
	struct sops_err err = { 0, "" };
	const char *want = "sops:\n    lastmodified: \"2026-11-29T23:35:04Z\"\n"
			   "    mac: ENC[AES256_GCM,data:new]\n    version: 3.13.2\n";

	CHECK(d->meta != NULL && d->meta->nkids == 3);
	p[0].n = d->meta->kids[0];
	p[0].value = "2026-11-29T23:35:04Z";
	p[0].len = strlen(p[0].value);
	p[1].n = d->meta->kids[1];
	p[1].value = "ENC[AES256_GCM,data:new]";
	p[1].len = strlen(p[1].value);
	CHECKF(yaml_store.meta_extract(d, p, 2, &out, &err) == 0, "%.300s", err.msg);
	CHECK_MEM(out.data, out.len, want, strlen(want));
	buf_free(&out);
	sdoc_free(d);
}

static void test_meta_emit(void)
{
	const char *t = "sops:\n    key_groups:\n        - age:\n            - enc: |\n"
			"                a\n                b\n              recipient: r\n"
			"          hc_vault: []\n    shamir_threshold: 2\n    mac_only_encrypted: true\n"
			"    lastmodified: \"2026-11-29T23:35:04Z\"\n    version: 3.13.2\n";
	struct sdoc *d = parse_n(t, strlen(t), PARSE_ENCRYPTED);
	struct buf out = BUF_INIT;
	struct sops_err err = { 0, "" };

	CHECK(d->meta != NULL && !d->meta_bad);
	CHECKF(yaml_store.meta_emit(d->meta, &out, &err) == 0, "%.300s", err.msg);
	CHECK_MEM(out.data, out.len, t, strlen(t));
	buf_free(&out);
	sdoc_free(d);
	d = parse_n("sops: 5\n", 8, PARSE_PLAIN);
	CHECK(d->meta != NULL && d->meta_bad && d->nbranches == 1 && d->branches[0]->nkids == 0);
	sdoc_free(d);
}

int main(void)
{
	RUN(test_encrypt_in_place);
	RUN(test_metadata_placement);
	RUN(test_view_styles);
	RUN(test_view_cuts_metadata);
	RUN(test_meta_extract_patches);
	RUN(test_meta_emit);
	return CHECK_DONE();
}
