/* test_yaml_comments.c - YAML comment placement (yaml.v3's) and the AADs
 * of comments and leaves in sops fixtures. */
#include "yaml_util.h"

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

int main(void)
{
	RUN(test_comment_placement);
	RUN(test_fixture_comment_aads);
	RUN(test_fixture_leaf_aads);
	RUN(test_comment_lines_and_spans);
	return CHECK_DONE();
}
