/* test_fixtures.c - every decryptable real sops fixture (../shared/interop/sops)
 * decrypts with its known data key to exactly the leaves listed in
 * expected/leaves.json (AAD, type, plaintext, in MAC order), its MAC verifies
 * (or is missing where the fixture has none), comments decrypt, and the view
 * equals the expected .plain files byte for byte where sops states the output. */
#include "check.h"
#include "../../codec/core/sops_file.h"
#include "../../codec/core/walk.h"
#include "../../codec/core/value_codec.h"
#include "../../codec/core/iv_stash.h"

#include <jansson.h>

static char fixtures[512];

struct collect {
	struct sops_file *f;
	json_t *got;          /* [[aad, type, plain], ...] */
	json_t *comments;     /* [[aad, text], ...] */
	struct iv_stash *stash;
};

static int collect_leaf(void *arg, const struct leaf_visit *v, struct sops_err *err)
{
	struct collect *c = arg;
	struct tvalue tv;

	if (!v->encrypted || v->n->val.len == 0 || (v->is_comment &&
	    !enc_looks_like(v->n->val.s, v->n->val.len))) {
		const struct tvalue *tv0 = &v->n->val;
		json_t *val;

		if (v->is_comment)
			return 0;
		/* leaves.json keeps clear numbers as JSON numbers */
		if (!v->encrypted && tv0->type == VT_INT)
			val = json_integer(tv0->i);
		else if (!v->encrypted && tv0->type == VT_FLOAT)
			val = json_real(tv0->f);
		else
			val = json_stringn(tv0->s, tv0->len);
		json_array_append_new(c->got, json_pack("[s s o]", v->aad,
							v->encrypted ? "str" : "plain", val));
		return 0;
	}
	if (value_decrypt(c->f->doc, c->f->key, NULL, v->n->val.s, v->n->val.len, v->aad, v->aad_len,
			  c->stash, &tv, err) != 0) {
		if (v->is_comment)
			return 0;
		return -1;
	}
	if (v->is_comment)
		json_array_append_new(c->comments, json_pack("[s s#]", v->aad, tv.s, tv.len));
	else
		json_array_append_new(c->got, json_pack("[s s s#]", v->aad, vtype_tag(tv.type), tv.s, tv.len));
	return 0;
}

static int hexkey(const char *hex, uint8_t key[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		key[i] = (uint8_t)v;
	}
	return 0;
}

static void check_one(const char *name, json_t *exp)
{
	char path[1024], plain[1024];
	size_t len, plen;
	char *text, *want;
	uint8_t key[32];
	struct sops_opts opts = { 0 };
	struct sops_file *f = NULL;
	struct sops_err err;
	struct collect c;
	int no_mac = strncmp(json_string_value(json_object_get(exp, "mac_check")), "MAC OK", 6) != 0;

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	text = check_read_file(path, &len);
	CHECKF(text != NULL, "cannot read %.300s", path);
	CHECK(hexkey(json_string_value(json_object_get(exp, "data_key_hex")), key) == 0);
	opts.ignore_mac = no_mac;
	if (sops_file_open_with_key(name, text, len, key, &opts, &f, &err) != 0) {
		free(text);
		CHECKF(0, "%.100s: %.300s", name, err.msg);
	}
	CHECKF(no_mac || f->mac_ok, "%.200s: MAC not verified", name);
	c.f = f;
	c.got = json_array();
	c.comments = json_array();
	c.stash = iv_stash_new();
	CHECK(tree_walk(f->doc, &f->meta.rules, collect_leaf, &c, &err) == 0);
	if (!json_equal(c.got, json_object_get(exp, "leaves_in_mac_order"))) {
		char *a = json_dumps(c.got, JSON_COMPACT);
		CHECKF(0, "%.100s: leaves differ: got %.300s", name, a);
	}
	if (json_object_get(exp, "comments") &&
	    !json_equal(c.comments, json_object_get(exp, "comments"))) {
		char *a = json_dumps(c.comments, JSON_COMPACT);
		CHECKF(0, "%.100s: comments differ: got %.300s", name, a);
	}
	/* byte-exact view where sops states its output */
	snprintf(plain, sizeof(plain), "%s/expected/", fixtures);
	for (const char *p = name; *p; p++) {
		size_t l = strlen(plain);
		if (*p == '/') {
			strcat(plain, "__");
		} else {
			plain[l] = *p;
			plain[l + 1] = '\0';
		}
	}
	strcat(plain, ".plain");
	want = check_read_file(plain, &plen);
	if (want != NULL)
		CHECK_MEM(f->view.data, f->view.len, want, plen);
	free(want);
	iv_stash_free(c.stash);
	json_decref(c.got);
	json_decref(c.comments);
	sops_file_free(f);
	free(text);
}

static json_t *load_expected(void)
{
	const char *shared = check_shared_dir();
	char p[600];
	json_error_t je;

	if (shared == NULL)
		return NULL;
	snprintf(fixtures, sizeof(fixtures), "%s/interop/sops", shared);
	snprintf(p, sizeof(p), "%s/expected/leaves.json", fixtures);
	return json_load_file(p, 0, &je);
}

static json_t *expected;
static const char *current;

static void test_fixture(void)
{
	if (expected == NULL)
		SKIP("../shared/interop/sops is missing");
	check_one(current, json_object_get(expected, current));
}

int main(void)
{
	const char *name;
	json_t *v;

	expected = load_expected();
	if (expected == NULL) {
		RUN(test_fixture);
		return 0;
	}
	json_object_foreach(expected, name, v) {
		current = name;
		char label[600];

		snprintf(label, sizeof(label), "fixture %s", name);
		RUN_NAMED(test_fixture, label);
	}
	(void)v;
	json_decref(expected);
	return CHECK_DONE();
}
