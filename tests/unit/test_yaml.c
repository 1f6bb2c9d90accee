/* test_yaml.c - the YAML store: typing, errors, comment placement, anchors,
 * token replacement both ways and the metadata text. The vector cases made
 * by the real sops are in test_yaml_vectors.c.
 */
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

static void test_typing(void)
{
	check_type("0", VT_INT, "0");
	check_type("007", VT_INT, "7");
	check_type("08", VT_FLOAT, "8");          /* not octal: a yaml-style float */
	check_type("1_000", VT_INT, "1000");
	check_type("0x1F", VT_INT, "31");
	check_type("0o17", VT_INT, "15");
	check_type("0b101", VT_INT, "5");
	check_type("-0b101", VT_INT, "-5");
	check_type("+5", VT_INT, "5");
	check_type("9223372036854775807", VT_INT, "9223372036854775807");
	check_type("-9223372036854775808", VT_INT, "-9223372036854775808");
	check_type("18446744073709551615", VT_INVALID, "uint64");
	check_type("123456789012345678901234567890", VT_FLOAT, "123456789012345680000000000000");
	check_type("1e400", VT_STR, "1e400");      /* out of range: a string */
	check_type(".5", VT_FLOAT, "0.5");
	check_type("-.inf", VT_FLOAT, "-Inf");
	check_type(".NaN", VT_FLOAT, "NaN");
	check_type("1.0e+3", VT_FLOAT, "1000");
	check_type("True", VT_BOOL, "True");
	check_type("FALSE", VT_BOOL, "False");
	check_type("yes", VT_STR, "yes");
	check_type("~", VT_NULL, "");
	check_type("", VT_NULL, "");
	check_type("2024-01-01", VT_TIME, "2024-01-01T00:00:00Z");
	check_type("2001-12-14t21:59:43.10-05:00", VT_TIME, "2001-12-14T21:59:43.1-05:00");
	check_type("2001-12-14 21:59:43.10", VT_TIME, "2001-12-14T21:59:43.1Z");
	check_type("2001-12-14 21:59:43.10 -5", VT_STR, "2001-12-14 21:59:43.10 -5");
	check_type("2024-2-30", VT_STR, "2024-2-30");  /* day out of range */
	check_type("'2024-01-01'", VT_STR, "2024-01-01");
	check_type("!!timestamp 2024-01-01", VT_TIME, "2024-01-01T00:00:00Z");
	check_type("!!int \"42\"", VT_INT, "42");
	check_type("!!float 1", VT_FLOAT, "1");
	check_type("!!str 0x10", VT_STR, "0x10");
	check_type("!custom 12", VT_STR, "12");
	check_type("!!binary aGVsbG8gd29ybGQ=", VT_STR, "hello world");
	check_type("<<", VT_STR, "<<");
}

/* ---- errors -------------------------------------------------------------------- */

static void test_errors(void)
{
	expect_error("a: 1\na: 2\n", 0, 2,
		     "yaml: unmarshal errors:\n  line 2: mapping key \"a\" already defined at line 1");
	/* a mapping with duplicates is not looked into; the others are */
	expect_error("x:\n  a: 1\n  'a': 2\ny:\n  b: 1\n  b: 2\n", 0, 2,
		     "yaml: unmarshal errors:\n  line 3: mapping key \"a\" already defined at line 2\n"
		     "  line 6: mapping key \"b\" already defined at line 5");
	expect_error("x:\n  a: 1\n  a: 2\nx: 1\n", 0, 2,
		     "yaml: unmarshal errors:\n  line 4: mapping key \"x\" already defined at line 1");
	expect_error("- a\n- b\n", 0, 2,
		     "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]interface {}");
	expect_error("hello\n", 0, 2,
		     "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str into map[string]interface {}");
	expect_error("a: [1, 2\n", 0, 2, "yaml: line 1: did not find expected ',' or ']'");
	expect_error("a: 1\nb: 2\nc 2\nd: 3\n", 0, 2, "yaml: line 3: could not find expected ':'");
	expect_error("value: -", 0, 2, "yaml: block sequence entries are not allowed in this context");
	expect_error("a: *b\n", 0, 2, "yaml: unknown anchor 'b' referenced");
	expect_error("a: &a\n  b: *a\n", 0, 2, "yaml: anchor 'a' value contains itself");
	expect_error("a: !!int abc\n", 0, 2, "yaml: cannot decode !!str as a !!int");
	expect_error("a: !!binary ==\n", 0, 2, "yaml: !!binary value contains invalid base64 data");
	expect_error("a:\n  <<: 1\n", 0, 2,
		     "yaml: map merge requires map or sequence of maps as the value");
	expect_error("a: \xff\n", 0, 2, "yaml: invalid leading UTF-8 octet");
	expect_error("0: [:!00 \xef", 0, 2, "yaml: incomplete UTF-8 octet sequence");
	expect_error("%YAML 1.2\n---\na: 1\n", 0, 2, "yaml: found incompatible YAML document");
	/* no document at all: yaml.v3's Decoder returns io.EOF to sops */
	expect_error("# only a comment\n", 0, 2, "EOF");
	/* documents after the first: sops' second pass wraps the error */
	expect_error("a: 1\n---\n- x\n", 0, 2,
		     "Error unmarshaling input YAML: YAML documents that are sequences are not supported");
	expect_error("a: 1\n---\nfoo\n", 0, 2,
		     "Error unmarshaling input YAML: YAML documents that are values are not supported");
	expect_error("a: 1\n--- [\n", 0, 2,
		     "Error unmarshaling input YAML: yaml: line 2: did not find expected node content");
	/* ... but document 1 is checked first */
	expect_error("a: 1\na: 2\n--- [\n", 0, 2,
		     "yaml: unmarshal errors:\n  line 2: mapping key \"a\" already defined at line 1");
}

static void test_empty_and_null_documents(void)
{
	struct sdoc *d = parse_n("", 0, PARSE_PLAIN);

	CHECK(d->nbranches == 0 && d->nleaves == 0);
	sdoc_free(d);
	d = parse("---\n# only a comment\n---\n~\n---\n");
	CHECK(d->nbranches == 3);
	CHECK(d->branches[0]->nkids == 1 && d->branches[0]->kids[0]->kind == NK_COMMENT);
	CHECK(d->branches[1]->nkids == 0 && d->branches[2]->nkids == 0);
	sdoc_free(d);
	/* sops accepts duplicate keys after the first document */
	d = parse("a: 1\n---\nb: 1\nb: 2\n");
	CHECK(d->nbranches == 2 && d->branches[1]->nkids == 2);
	sdoc_free(d);
}

static void test_deep_nesting(void)
{
	size_t n = 10000, len;
	char *t = malloc(n * 2 + 16), *b;

	CHECK(t != NULL);
	len = (size_t)sprintf(t, "a: ");
	memset(t + len, '[', n);
	memset(t + len + n, ']', n);
	len += 2 * n;
	t[len++] = '\n';
	expect_error(t, len, 2, "yaml: exceeded max depth of 1000");
	free(t);
	b = malloc(n * (n + 16) / 64 + 1);
	/* block style: "k0:\n k1:\n  k2:\n..." would be 50 MB at 10,000 levels;
	 * a sequence of sequences nests one level per 2 bytes on one line */
	t = malloc(n * 2 + 8);
	CHECK(t != NULL && b != NULL);
	for (size_t i = 0; i < n; i++) {
		t[2 * i] = '-';
		t[2 * i + 1] = ' ';
	}
	memcpy(t + 2 * n, "x\n", 2);
	expect_error(t, 2 * n + 2, 2, "yaml: exceeded max depth of 1000");
	/* and 1,001 levels of block mappings */
	len = 0;
	for (size_t i = 0; i < 1001; i++) {
		memset(b + len, ' ', i);
		len += i;
		len += (size_t)sprintf(b + len, "k:\n");
	}
	expect_error(b, len, 2, "yaml: exceeded max depth of 1000");
	free(b);
	free(t);
}

static void test_alias_bomb(void)
{
	const char *bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n"
			   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			   "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
			   "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
			   "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	char two[1200];

	expect_error(bomb, strlen(bomb), 2, "yaml: document contains excessive aliasing");
	/* in a later document (not checked by sops' first pass) too */
	snprintf(two, sizeof(two), "x: 1\n---\n%s", bomb);
	expect_error(two, strlen(two), 2,
		     "Error unmarshaling input YAML: yaml: document contains excessive aliasing");
}

/* ---- keys -------------------------------------------------------------------------- */

static void test_non_string_keys(void)
{
	struct sdoc *d = parse("1: one\ntrue: x\n2024-01-01: y\n1.5: z\n~: n\n"
			       "2001-12-14T21:59:43.10+05:30: q\n\"one\": s\n? |-\n  multi\n  line\n: v\n");
	static const char *const types[] = { "int", "bool", "time.Time", "float64", "<nil>",
					     "time.Time", NULL, NULL };
	static const char *const keys[] = { "%!s(int=1)", "%!s(bool=true)",
					    "2024-01-01 00:00:00 +0000 UTC", "%!s(float64=1.5)",
					    "%!s(<nil>)", "2001-12-14 21:59:43.1 +0530 +0530", "one",
					    "multi\nline" };

	CHECK(d->branches[0]->nkids == 8);
	for (int i = 0; i < 8; i++) {
		const struct node *n = d->branches[0]->kids[i];

		if (types[i] == NULL)
			CHECK(n->keytype == NULL);
		else
			CHECK_STR(n->keytype, types[i]);
		CHECKF(n->keylen == strlen(keys[i]) && memcmp(n->key, keys[i], n->keylen) == 0,
		       "key %d: %.*s", i, (int)n->keylen, n->key);
	}
	sdoc_free(d);
}

/* ---- comments ------------------------------------------------------------------------ */

/* "AAD|text" of every comment leaf, one per line. */
static void comment_aads(const struct sdoc *d, struct buf *out)
{
	buf_truncate(out, 0);
	for (size_t i = 0; i < d->nleaves; i++) {
		const struct node *n = d->leaves[i], *p;
		char path[512] = "";
		const struct node *chain[64];
		int k = 0;

		if (n->kind != NK_COMMENT)
			continue;
		for (p = n->parent; p != NULL && k < 64; p = p->parent)
			chain[k++] = p;
		while (k-- > 0)
			if (chain[k]->key != NULL && chain[k]->parent != NULL &&
			    chain[k]->parent->kind == NK_MAP)
				snprintf(path + strlen(path), sizeof(path) - strlen(path), "%.*s:",
					 (int)chain[k]->keylen, chain[k]->key);
		CHECK(buf_printf(out, "%s|%.*s%s%s\n", path[0] ? path : ":", (int)n->val.len, n->val.s,
				 (n->flags & NODE_SEQ_COMMENT) ? " (seq)" : "",
				 (n->flags & NODE_INLINE_COMMENT) ? "(inline)" : "") == 0);
	}
}

static void expect_comments(const char *text, const char *want)
{
	struct sdoc *d = parse(text);
	struct buf got = BUF_INIT;

	comment_aads(d, &got);
	CHECK_MEM(got.data, got.len, want, strlen(want));
	buf_free(&got);
	sdoc_free(d);
}

static void test_comment_placement(void)
{
	/* a comment after the last item of a nested map, at any column that
	 * is not the next key's, ends that innermost map (yaml.v3 foot) */
	expect_comments("a:\n    b:\n        c: 1\n    # x\nd: 1\n", "a:b:| x\n");
	expect_comments("a:\n    b:\n        c: 1\n        # x\nd: 1\n", "a:b:| x\n");
	/* at the next key's column it is that key's head comment */
	expect_comments("a:\n    b: 1\n# x\nd: 1\n", ":| x\n");
	expect_comments("a:\n    b: 1\n    # x\n    c: 1\n", "a:| x\n");
	/* "key: # c" before a nested block: the key's line comment, outside */
	expect_comments("a: # c\n    b: 1\n", ":| c\n");
	/* inline after a scalar: before its key, flagged inline */
	expect_comments("a: 1 # c\nb: 2\n", ":| c(inline)\n");
	/* in a sequence: list elements; after "- key: v" inside the item map */
	expect_comments("l:\n    # h\n    - a # i\n    - k: v # j\n    # end\nz: 1\n",
			"l:| h (seq)\nl:| i (seq)(inline)\nl:| j(inline)\nl:| end\n");
	/* a second dedented comment in the same gap is placed by position:
	 * yaml.v3 gives it to the next key, which moves it to the key before */
	expect_comments("l:\n    - k: v\n      # m\n    # end\nz: 1\n", "l:| m\n:| end\n");
	/* empty comment lines and blank lines */
	expect_comments("#\n\n# a\n\n# b\nk: v\n#\n", ":|\n:| a\n:| b\n:|\n");
	/* the first document's head comment and a foot at the end */
	expect_comments("# head\n\na: 1\n# foot\n", ":| head\n:| foot\n");
	/* flow collections */
	expect_comments("a: [\n  # x\n  1, # y\n  2\n]\n", "a:| x (seq)\na:| y (seq)(inline)\n");
}

/* The fixtures' comment AADs (expected/leaves.json, from a reference
 * decoder): our container paths must give the same AADs. */
static void test_fixture_comment_aads(void)
{
	static const struct {
		const char *path, *want;
	} fx[] = {
		{ "sops/example.yaml",
		  "app2:db:|\nthis:is:a:nested:|\nthis:is:a:nested:|\nthis:is:a:nested:|\n" },
		{ "sops/_history/pr1031-0b07dfbc5/example.yaml",
		  "app2:db:|\nthis:is:a:nested:|\nthis:is:a:nested:|\nthis:is:a:nested:|\n" },
		{ "sops/functional-tests/res/comments.enc.yaml", ":|\n:|\n" },
		{ "sops/functional-tests/res/comments_unencrypted_comments.yaml", ":|\n:|\n" },
	};
	const char *sh = check_shared_dir();

	if (sh == NULL)
		SKIP("../shared not found (set SOPSFS_SHARED)");
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		char path[1024];
		size_t len;
		char *t;
		struct sdoc *d;
		struct buf got = BUF_INIT, aads = BUF_INIT;

		snprintf(path, sizeof(path), "%s/interop/%s", sh, fx[i].path);
		t = check_read_file(path, &len);
		if (t == NULL)
			SKIP("missing %.400s", path);
		d = parse_n(t, len, PARSE_ENCRYPTED);
		comment_aads(d, &got);
		/* keep the AAD part of each line */
		for (size_t p = 0; p < got.len;) {
			size_t e = p;

			while (got.data[e] != '|')
				e++;
			CHECK(buf_add(&aads, got.data + p, e - p + 1) == 0 && buf_addc(&aads, '\n') == 0);
			while (got.data[p] != '\n')
				p++;
			p++;
		}
		CHECKF(aads.len == strlen(fx[i].want) && memcmp(aads.data, fx[i].want, aads.len) == 0,
		       "%s: %.*s", fx[i].path, (int)aads.len, (const char *)aads.data);
		buf_free(&got);
		buf_free(&aads);
		sdoc_free(d);
		free(t);
	}
}

/* Every value leaf of the YAML fixtures: same AAD (path) and type, in
 * sops' walk order, as the reference decoder listed in leaves.json. */
static void leaf_aad(const struct node *n, char *path, size_t cap)
{
	const struct node *chain[64];
	int k = 0;

	path[0] = '\0';
	for (const struct node *p = n; p != NULL && k < 64; p = p->parent)
		chain[k++] = p;
	while (k-- > 0)
		if (chain[k]->key != NULL && chain[k]->parent != NULL &&
		    chain[k]->parent->kind == NK_MAP)
			snprintf(path + strlen(path), cap - strlen(path), "%.*s:",
				 (int)chain[k]->keylen, chain[k]->key);
}

static void test_fixture_leaf_aads(void)
{
	const char *sh = check_shared_dir();
	char path[1024];
	json_t *all, *fx;
	const char *name;
	int checked = 0;

	if (sh == NULL)
		SKIP("../shared not found (set SOPSFS_SHARED)");
	snprintf(path, sizeof(path), "%s/interop/sops/expected/leaves.json", sh);
	all = json_load_file(path, 0, NULL);
	if (all == NULL)
		SKIP("missing %.400s", path);
	json_object_foreach(all, name, fx) {
		json_t *leaves = json_object_get(fx, "leaves_in_mac_order");
		size_t len, k = 0;
		char *t;
		struct sdoc *d;

		if (strcmp(json_string_value(json_object_get(fx, "store")), "yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/interop/sops/%s", sh, name);
		t = check_read_file(path, &len);
		CHECKF(t != NULL, "missing %s", name);
		d = parse_n(t, len, PARSE_ENCRYPTED);
		for (size_t i = 0; i < d->nleaves; i++) {
			const struct node *n = d->leaves[i];
			json_t *want = json_array_get(leaves, k);
			char aad[512], tag[16] = "plain";

			if (n->kind == NK_COMMENT || n->val.type == VT_NULL)
				continue;
			CHECKF(want != NULL, "%s: extra leaf %zu", name, i);
			leaf_aad(n, aad, sizeof(aad));
			if (n->val.len > 15 && memcmp(n->val.s, "ENC[AES256_GCM,", 15) == 0)
				snprintf(tag, sizeof(tag), "%.*s",
					 (int)(strchr(strstr(n->val.s, ",type:"), ']') -
					       strstr(n->val.s, ",type:") - 6),
					 strstr(n->val.s, ",type:") + 6);
			CHECKF(strcmp(aad, json_string_value(json_array_get(want, 0))) == 0 &&
			       strcmp(tag, json_string_value(json_array_get(want, 1))) == 0,
			       "%.80s leaf %zu: %.100s %s, want %.100s %.10s", name, k, aad, tag,
			       json_string_value(json_array_get(want, 0)),
			       json_string_value(json_array_get(want, 1)));
			k++;
		}
		CHECKF(k == json_array_size(leaves), "%s: %zu leaves, want %zu", name, k,
		       json_array_size(leaves));
		checked++;
		sdoc_free(d);
		free(t);
	}
	json_decref(all);
	CHECK(checked >= 5);
}

/* ---- anchors --------------------------------------------------------------------------- */

static void test_comment_lines_and_spans(void)
{
	const char *t = "a: 1\n# two\nb: 2 #three\n";
	struct sdoc *d = parse(t);

	CHECK(d->nleaves == 4);
	CHECK(d->leaves[1]->kind == NK_COMMENT && d->leaves[1]->line == 2);
	CHECK(d->leaves[1]->start == 6 && d->leaves[1]->end == 10);
	CHECK(d->leaves[2]->kind == NK_COMMENT && d->leaves[2]->line == 3);
	CHECK(d->leaves[2]->val.len == 5 && memcmp(t + d->leaves[2]->start, "three", 5) == 0);
	CHECK(d->leaves[3]->line == 3 && d->leaves[3]->start == 14 && d->leaves[3]->end == 15);
	sdoc_free(d);
}

static void test_anchors_and_merge(void)
{
	struct sdoc *d = parse("defaults: &d\n  adapter: pg\n  host: h\ndev:\n  <<: *d\n  db: x\n"
			       "alias_scalar: *d\n");
	const struct node *root = d->branches[0], *dev = root->kids[1], *merge = dev->kids[0];

	CHECK(root->kids[0]->flags & NODE_ANCHORED);
	CHECK(root->kids[0]->kids[0]->flags & NODE_ANCHORED);
	CHECK(merge->keylen == 2 && memcmp(merge->key, "<<", 2) == 0 && merge->kind == NK_MAP);
	CHECK(merge->flags & NODE_VIA_ALIAS);
	CHECK(merge->kids[0]->flags & NODE_VIA_ALIAS);
	/* copies share the original's span */
	CHECK(merge->kids[0]->start == root->kids[0]->kids[0]->start);
	CHECK(d->nleaves == 7);
	sdoc_free(d);
}

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

static void test_roundtrips(void)
{
	/* layouts sopsfs must read back byte for byte after writing them */
	roundtrip("a: x\nb: 'it''s'\nc: \"q\"\nd: '123'\ne: \"yes\"\n");
	roundtrip("top:\n  two: 1\n  list:\n  - a\n  - b: c\n    d: |\n      lit\n");
	roundtrip("m: {a: 1, b: \"x, y\", c: [1, two, \"q\"]}\n");
	roundtrip("# head\nk: v # inline\n# foot\n");
	roundtrip("a: |-\n    x\n    y\nb: |\n    z\nc: |+\n    w\n\nd: end\n");
	roundtrip("s:\n    - |\n      in list\n    - k: |-\n        in map\n        in list\n");
	roundtrip("crlf: |\r\n    a\r\n    b\r\nx: 1\r\n");
	roundtrip("d1: 1\n---\nd2: 2\n");
	roundtrip("u: caf\xc3\xa9 \xe2\x9c\x93\nt: 2024-01-01T10:00:00Z\nf: 1.5\nb: true\n");
	roundtrip("x: \"a\\tb\"\ny: 'a  b'\n");
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
	RUN(test_typing);
	RUN(test_errors);
	RUN(test_empty_and_null_documents);
	RUN(test_deep_nesting);
	RUN(test_alias_bomb);
	RUN(test_non_string_keys);
	RUN(test_comment_placement);
	RUN(test_fixture_comment_aads);
	RUN(test_fixture_leaf_aads);
	RUN(test_comment_lines_and_spans);
	RUN(test_anchors_and_merge);
	RUN(test_encrypt_in_place);
	RUN(test_metadata_placement);
	RUN(test_roundtrips);
	RUN(test_view_styles);
	RUN(test_view_cuts_metadata);
	RUN(test_meta_extract_patches);
	RUN(test_meta_emit);
	return CHECK_DONE();
}
