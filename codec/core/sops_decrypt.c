/* sops_decrypt.c - open a sops file: parse, unwrap the data key, decrypt
 * every value, verify the MAC and render the plaintext view. */
#include "sops_file.h"
#include "store_sniff.h"
#include "walk.h"
#include "value_codec.h"
#include "iv_stash.h"
#include "../../crypto/hash.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dec_ctx {
	struct sops_file *f;
	struct rep *reps;
	struct sha512_ctx *mac;       /* sops' MAC (comments never hashed) */
	struct sha512_ctx *mac_alt;   /* 3.13.2 decrypt: sequence comments hashed
					 (NULL until the first: the same as mac) */
	int seq_comments;             /* a scalar decrypted to type comment */
	struct buf cand;              /* candidate AADs for comments */
	struct enc_key *ek;           /* the data key set up once (or NULL) */
};

static int hash_value(struct dec_ctx *c, const struct tvalue *v, int alt_only)
{
	if (alt_only && c->mac_alt == NULL && (c->mac_alt = sha512_dup(c->mac)) == NULL)
		return -1;      /* the first comment: the two hashes part here */
	if (!alt_only && sha512_update(c->mac, v->s, v->len) != 0)
		return -1;
	return c->mac_alt == NULL ? 0 : sha512_update(c->mac_alt, v->s, v->len);
}

/* Containers whose AAD a comment may have been encrypted with: its parent,
 * the ancestors, and the nested collections just before and after it (sops
 * and we may attach a head/foot comment to different levels). */
static size_t comment_candidates(const struct node *n, const struct node **out, size_t max)
{
	size_t k = 0;

	for (const struct node *p = n->parent; p != NULL && k < max; p = p->parent)
		out[k++] = p;
	for (size_t i = 0; n->parent != NULL && i < n->parent->nkids; i++) {
		const struct node *t;

		if (n->parent->kids[i] != n)
			continue;
		/* previous sibling: down its chain of last children */
		for (t = i > 0 ? n->parent->kids[i - 1] : NULL;
		     t != NULL && (t->kind == NK_MAP || t->kind == NK_LIST) && k < max;
		     t = t->nkids ? t->kids[t->nkids - 1] : NULL)
			out[k++] = t;
		/* next sibling: down its chain of first children */
		for (t = i + 1 < n->parent->nkids ? n->parent->kids[i + 1] : NULL;
		     t != NULL && (t->kind == NK_MAP || t->kind == NK_LIST) && k < max;
		     t = t->nkids ? t->kids[0] : NULL)
			out[k++] = t;
		break;
	}
	return k;
}

static int decrypt_comment(struct dec_ctx *c, const struct leaf_visit *v, struct tvalue *out)
{
	const struct node *cands[48];
	const struct node *n = v->n;
	size_t nc;
	struct sops_err e;

	if (value_decrypt(c->f->doc, c->f->key, c->ek, n->val.s, n->val.len, v->aad, v->aad_len,
			  c->f->stash, out, &e) == 0)
		return 0;
	nc = comment_candidates(n, cands, sizeof(cands) / sizeof(cands[0]));
	for (size_t i = 0; i < nc; i++) {
		buf_truncate(&c->cand, 0);
		if (walk_container_aad(cands[i], &c->cand) != 0)
			return -1;
		if (c->cand.len == v->aad_len && memcmp(c->cand.data, v->aad, v->aad_len) == 0)
			continue;
		if (value_decrypt(c->f->doc, c->f->key, c->ek, n->val.s, n->val.len,
				  (char *)c->cand.data, c->cand.len, c->f->stash, out, &e) == 0)
			return 0;
	}
	return -1;
}

static int on_comment(struct dec_ctx *c, const struct leaf_visit *v, struct sops_err *err)
{
	struct rep *r = &c->reps[v->n->id];

	(void)err;
	if (!v->encrypted || v->n->val.len == 0 || !enc_looks_like(v->n->val.s, v->n->val.len))
		return 0;         /* clear comment (or sops < 3.5): kept verbatim */
	if (decrypt_comment(c, v, &r->val) != 0) {
		memset(r, 0, sizeof(*r));
		return 0;         /* sops warns and keeps it */
	}
	r->val.type = VT_STR;
	r->kind = REP_PLAIN;
	return 0;
}

static int on_leaf(void *arg, const struct leaf_visit *v, struct sops_err *err)
{
	struct dec_ctx *c = arg;
	struct node *n = v->n;
	struct rep *r = &c->reps[n->id];
	const struct tvalue *hv = &n->val;

	if (v->is_comment)
		return on_comment(c, v, err);
	if (v->encrypted) {
		if (n->val.type != VT_STR)
			return err_set(err, EX_DECRYPT_VALUE, "Error decrypting tree: Error walking "
				       "tree: Expected encrypted value as string, but got %s",
				       vtype_go_name(n->val.type));
		if (value_decrypt(c->f->doc, c->f->key, c->ek, n->val.s, n->val.len, v->aad, v->aad_len,
				  c->f->stash, &r->val, err) != 0)
			return err_prefix(err, "Error decrypting tree: Error walking tree: "
					  "Could not decrypt value: ");
		r->kind = REP_PLAIN;
		hv = &r->val;
		if (hv->type == VT_COMMENT)
			c->seq_comments = 1;
	}
	if (c->f->meta.rules.mac_only_encrypted && !v->encrypted)
		return 0;
	if (hash_value(c, hv, hv->type == VT_COMMENT) != 0)
		return err_set(err, EX_ERROR, "hash failure");
	return 0;
}

static void finish_mac(struct sha512_ctx *h, char hex[129])
{
	uint8_t d[64];

	sha512_final(h, d);
	hex_upper(d, sizeof(d), hex);
}

static int verify_mac(struct sops_file *f, const char *computed, const char *alt,
		      struct sops_err *err)
{
	struct buf aad = BUF_INIT;
	struct tvalue stored;
	int rc;

	if (f->meta.mac[0] == '\0')
		return err_set(err, EX_MAC, "MAC mismatch. File has no MAC, computed [redacted]");
	if (go_format_rfc3339(&aad, &f->meta.lastmodified_t) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	rc = value_decrypt(f->doc, f->key, NULL, f->meta.mac, strlen(f->meta.mac), (char *)aad.data,
			   aad.len, f->stash, &stored, err);
	buf_free(&aad);
	if (rc != 0) {
		err->code = EX_MAC;
		return err_prefix(err, "Cannot decrypt MAC: ");
	}
	if (strcmp(stored.s, computed) == 0 || (alt != NULL && strcmp(stored.s, alt) == 0)) {
		f->mac_ok = 1;
		return 0;
	}
	return err_set(err, EX_MAC, "MAC mismatch. File has [redacted], computed [redacted]");
}

static int decrypt_tree(struct sops_file *f, const struct sops_opts *opts, struct rep *reps,
			struct sops_err *err)
{
	struct dec_ctx c = { f, reps, sha512_new(), NULL, 0, BUF_INIT, enc_key_new(f->key) };
	static const uint8_t mac_only_init[32] = {
		0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3,
		0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6,
		0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
	};
	char mac[129], alt[129];
	int rc;

	if (c.mac == NULL) {
		enc_key_free(c.ek);
		return err_set(err, EX_ERROR, "out of memory");
	}
	if (f->meta.rules.mac_only_encrypted)
		sha512_update(c.mac, mac_only_init, sizeof(mac_only_init));
	rc = tree_walk(f->doc, &f->meta.rules, on_leaf, &c, err);
	enc_key_free(c.ek);
	finish_mac(c.mac, mac);
	if (c.mac_alt != NULL)
		finish_mac(c.mac_alt, alt);
	else
		memcpy(alt, mac, sizeof(alt));  /* no comment: the same hash */
	buf_free(&c.cand);
	if (rc == 0 && !opts->ignore_mac)
		rc = verify_mac(f, mac, c.seq_comments ? alt : NULL, err);
	sm_wipe(mac, sizeof(mac));
	sm_wipe(alt, sizeof(alt));
	return rc;
}

/* Parse and load the metadata (no key yet). */
static int load(const struct store_ops *store, const char *text, size_t len,
		const struct sops_opts *opts, struct sops_file **out, struct sops_err *err)
{
	struct sops_file *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (f == NULL || (f->text = malloc(len + 1)) == NULL) {
		free(f);
		return err_set(err, EX_ERROR, "out of memory");
	}
	memcpy(f->text, text, len);
	f->text[len] = '\0';
	f->len = len;
	f->store = store;
	buf_init(&f->view, 1);
	*out = f;
	f->doc = sdoc_parse(f->store, f->text, f->len, PARSE_ENCRYPTED, err);
	if (f->doc == NULL) {
		err->code = EX_ERROR;
		return -1;
	}
	if (opts->found_meta != NULL)
		*opts->found_meta = f->doc->meta != NULL || f->doc->meta_bad || f->doc->meta_dup;
	if (meta_load(f->doc, &f->meta, err) != 0)
		return -1;
	f->key = sm_alloc(SOPS_DATA_KEY_LEN);
	f->stash = iv_stash_new();
	if (f->key == NULL || f->stash == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	return 0;
}

static int finish_open(struct sops_file *f, const struct sops_opts *opts, struct sops_err *err)
{
	struct rep *reps = sm_alloc((f->doc->nleaves + 1) * sizeof(*reps));
	int rc;

	if (reps == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	rc = decrypt_tree(f, opts, reps, err);
	if (rc == 0 && f->store->render(f->doc, reps, NULL, 0, &f->view, err) != 0) {
		/* sops: EmitPlainFile failed (decrypt.go) */
		rc = -1;
		err_prefix(err, "Error dumping file: ");
		if (f->store == &binary_store && err->code == EX_OUTPUT_STORE) {
			size_t n = strlen(err->msg);

			snprintf(err->msg + n, sizeof(err->msg) - n, "\n\nThis is likely not an "
				 "encrypted binary file? If not, use --output-type to select the "
				 "correct output type.");
		}
	}
	for (size_t i = 0; rc == 0 && opts->keep_values && i < f->doc->nleaves; i++)
		if (reps[i].kind == REP_PLAIN)
			f->doc->leaves[i]->val = reps[i].val;
	sm_free(reps);
	return rc;
}

int sops_file_open_as(const struct store_ops *store, const char *text, size_t len,
		      const uint8_t *key, const struct sops_opts *opts, struct sops_file **out,
		      struct sops_err *err)
{
	static const struct sops_opts none;
	struct sops_file *f;
	int rc;

	if (opts == NULL)
		opts = &none;
	if (opts->found_meta != NULL)
		*opts->found_meta = 0;
	rc = load(store, text, len, opts, &f, err);
	if (rc == 0) {
		if (key != NULL)
			memcpy(f->key, key, SOPS_DATA_KEY_LEN);
		else if (opts->get_key != NULL)
			rc = opts->get_key(opts->get_key_arg, &f->meta, f->key, err);
		else
			rc = datakey_get(&f->meta, f->key, err);
	}
	if (rc == 0)
		rc = finish_open(f, opts, err);
	if (rc != 0) {
		sops_file_free(f);
		return -1;
	}
	*out = f;
	return 0;
}

int sops_file_open(const char *path, const char *text, size_t len,
		   const struct sops_opts *opts, struct sops_file **out, struct sops_err *err)
{
	return sops_file_open_as(store_for_content(path, text, len), text, len, NULL, opts, out,
				 err);
}

int sops_file_open_with_key(const char *path, const char *text, size_t len,
			    const uint8_t key[SOPS_DATA_KEY_LEN], const struct sops_opts *opts,
			    struct sops_file **out, struct sops_err *err)
{
	return sops_file_open_as(store_for_content(path, text, len), text, len, key, opts, out,
				 err);
}

void sops_file_free(struct sops_file *f)
{
	if (f == NULL)
		return;
	meta_free(&f->meta);
	sdoc_free(f->doc);
	sm_free(f->key);
	iv_stash_free(f->stash);
	buf_free(&f->view);
	free(f->text);
	free(f);
}
