/* fuzz_roundtrip.c - libFuzzer round-trip harness.
 *
 * The first byte picks the store; the rest is a plaintext. When it parses:
 *  - rendering it with every leaf kept gives text that parses to the same
 *    tree (same leaves: kind, type, bytes, key);
 *  - encrypting it as a new file (fixed X25519 recipient) gives a file
 *    whose decrypted view is the plaintext byte for byte (or, where sops
 *    normalises, reaches a fixed point), and re-opening that file with its data
 *    key gives the same view with a valid MAC.
 */
#include "fuzz_common.h"
#include "../../common/buf.h"
#include "../../crypto/age/age.h"

static const struct store_ops *const stores[] = {
	&yaml_store, &json_store, &ini_store, &dotenv_store, &binary_store,
};
static const char *const names[] = { "f.yaml", "f.json", "f.ini", "f.env", "f.bin" };

static char *recipient(void)
{
	static char *r;
	uint8_t pub[32], secret[32];
	struct buf s;

	if (r != NULL)
		return r;
	memset(secret, 0x42, sizeof(secret));
	if (age_x25519_base(pub, secret) != 0)
		abort();
	buf_init(&s, 0);
	if (age_x25519_recipient_string(pub, &s) != 0 || buf_addc(&s, '\0') != 0)
		abort();
	r = (char *)s.data;
	return r;
}

static int same_leaf(const struct node *a, const struct node *b)
{
	if (a->kind != b->kind || a->val.type != b->val.type || a->val.len != b->val.len ||
	    memcmp(a->val.s, b->val.s, a->val.len) != 0 || a->keylen != b->keylen)
		return 0;
	return a->keylen == 0 || memcmp(a->key, b->key, a->keylen) == 0;
}

static void render_parse(const struct store_ops *st, const struct sdoc *doc)
{
	struct rep *reps = calloc(doc->nleaves + 1, sizeof(*reps));
	struct sops_err err = { 0 };
	struct sdoc *again;
	struct buf out;

	if (reps == NULL)
		abort();
	buf_init(&out, 1);
	if (st->render(doc, reps, NULL, 0, &out, &err) != 0)
		abort();
	again = sdoc_parse(st, (const char *)out.data, out.len, PARSE_PLAIN, &err);
	if (again == NULL || again->nleaves != doc->nleaves)
		abort();
	for (size_t i = 0; i < doc->nleaves; i++)
		if (!same_leaf(doc->leaves[i], again->leaves[i]))
			abort();
	sdoc_free(again);
	buf_free(&out);
	free(reps);
}

/* Encrypt plain as a new file; its view must be what opening the file with
 * its data key gives (valid MAC). Returns the view (caller frees) or NULL
 * when plain cannot be encrypted. */
static char *encrypt_view(size_t which, const char *plain, size_t len, size_t *vlen)
{
	char *age[1] = { recipient() };
	struct recipient_group g = { .age = age, .nage = 1 };
	struct new_file_spec spec = { &g, 1, 0, { 0 }, 0 };
	struct sops_opts opts = { 0 };
	struct sops_err err = { 0 };
	struct sops_file *nf = NULL, *f2 = NULL;
	char *view = NULL;
	struct buf out;

	buf_init(&out, 0);
	if (sops_encrypt_new_open(names[which], plain, len, &spec, &out, &nf, &err) == 0) {
		if (sops_file_open_as(stores[which], (const char *)out.data, out.len, nf->key,
				      &opts, &f2, &err) != 0 || !f2->mac_ok ||
		    f2->view.len != nf->view.len || (nf->view.len > 0 &&
		    memcmp(f2->view.data, nf->view.data, nf->view.len) != 0))
			abort();
		view = fuzz_str(nf->view.len > 0 ? nf->view.data : (const uint8_t *)"", nf->view.len);
		*vlen = nf->view.len;
		sops_file_free(f2);
		sops_file_free(nf);
	}
	buf_free(&out);
	return view;
}

/* encrypt -> decrypt gives the plaintext back, except where sops itself
 * normalises (a comment-only YAML document decrypts as the comment and
 * "{}", sops-vectors yaml/multidoc; numbers are re-formatted the way Go
 * prints them, yaml/scalars_typed: -0.0 -> -0, which then reads as the
 * integer 0). There the view must reach a fixed point within 3 rounds. */
/* An INI view go-ini (and so sops 3.13.2) cannot read back as written
 * (docs/testing.md): a value wrapped in """ that holds """ itself, or a
 * line whose value ends in a backslash (read as a continuation, so each
 * round drops one). */
static int ini_unstable(const char *v, size_t n)
{
	if (memmem(v, n, "\"\"\"", 3) != NULL)
		return 1;
	for (size_t i = 0; i < n; i++) {
		size_t e = i;

		while (e < n && v[e] != '\n')
			e++;
		size_t t = e;

		while (t > i && (v[t - 1] == ' ' || v[t - 1] == '\t' || v[t - 1] == '\r'))
			t--;
		if (t > i && v[t - 1] == '\\')
			return 1;
		i = e;
	}
	return 0;
}

static void encrypt_decrypt(size_t which, const char *plain, size_t len)
{
	size_t vlen = 0, v2len = 0;
	char *view = encrypt_view(which, plain, len, &vlen), *v2;
	int rounds = 0, unstable = 0;

	if (view == NULL)
		return;
	if (vlen == len && memcmp(view, plain, len) == 0) {
		free(view);
		return;
	}
	for (;;) {
		/* INI views that go-ini's writer (as sops 3.13.2) makes but its
		 * reader does not read back the same (see ini_unstable): seen
		 * in any round, the sequence may fail or never settle */
		unstable |= stores[which] == &ini_store && ini_unstable(view, vlen);
		v2 = encrypt_view(which, view, vlen, &v2len);
		if ((v2 == NULL || rounds >= 3) && unstable)
			break;
		if (v2 == NULL || ++rounds > 3)
			abort();
		if (v2len == vlen && memcmp(v2, view, vlen) == 0)
			break;
		free(view);
		view = v2;
		vlen = v2len;
	}
	free(v2);
	free(view);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sops_err err = { 0 };
	size_t which;
	struct sdoc *doc;
	char *plain;

	if (size == 0)
		return 0;
	which = data[0] % 5;
	plain = fuzz_str(data + 1, size - 1);
	doc = sdoc_parse(stores[which], plain, size - 1, PARSE_PLAIN, &err);
	if (doc != NULL) {
		if (doc->meta == NULL) {
			render_parse(stores[which], doc);
			encrypt_decrypt(which, plain, size - 1);
		}
		sdoc_free(doc);
	}
	free(plain);
	return 0;
}
