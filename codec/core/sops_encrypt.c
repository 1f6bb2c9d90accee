/* sops_encrypt.c - re-encrypt a new plaintext with a file's own identity,
 * and encrypt new files. */
#include "sops_file.h"
#include "rekey.h"
#include "walk.h"
#include "value_codec.h"
#include "iv_stash.h"
#include "../../crypto/hash.h"
#include "../../common/secure_mem.h"
#include "re2.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

const char sops_already_encrypted_msg[] =
	"The file you have provided contains a top-level entry called 'sops', or for\n"
	"flat file formats top-level entries starting with 'sops_'. This is\n"
	"generally due to the file already being encrypted. SOPS uses a top-level\n"
	"entry called 'sops' to store the metadata required to decrypt the file. For\n"
	"this reason, SOPS can not encrypt files that already contain such an entry.\n\n"
	"If this is an unencrypted file, rename the 'sops' entry.\n\n"
	"If this is an encrypted file and you want to edit it, use the editor mode,\n"
	"for example: `sops edit my_file.yaml`";

static const uint8_t mac_only_init[32] = {
	0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3,
	0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6,
	0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
};

struct enc_ctx {
	struct sdoc *doc;
	const uint8_t *key;
	const struct sel_rules *rules;
	struct iv_stash *stash;           /* NULL for new files */
	struct rep *reps;
	struct sha512_ctx *mac;
	struct buf encs;                   /* all ENC strings, NUL separated */
	size_t *offsets;                   /* leaf id -> offset in encs + 1 (0 = none) */
};

static int is_aliased(const struct node *n)
{
	for (; n != NULL; n = n->parent)
		if (n->flags & (NODE_VIA_ALIAS | NODE_ANCHORED))
			return 1;
	return 0;
}

static int enc_leaf(struct enc_ctx *c, const struct leaf_visit *v, struct sops_err *err)
{
	const struct tvalue *val = &v->n->val;
	const char *type = v->is_comment ? "comment" : vtype_tag(val->type);
	size_t start = c->encs.len;

	if (val->len == 0 && (val->type == VT_STR || v->is_comment))
		return 0;           /* "" and empty comments stay as they are */
	if (!v->is_comment && is_aliased(v->n))
		return err_set(err, EX_ENCRYPT_WALK, "YAML anchors and aliases cannot be used for "
			       "values that are encrypted (line %d): write the value out in full",
			       v->n->line);
	if (value_encrypt(c->key, val, type, v->aad, v->aad_len, c->stash, &c->encs, err) != 0)
		return -1;
	if (v->is_comment && c->rules->kind == RULE_UNENCRYPTED_COMMENT_REGEX && c->rules->re &&
	    re2_search(c->rules->re, (char *)c->encs.data + start, c->encs.len - start) == 1)
		return err_set(err, EX_ENCRYPT_WALK, "Encrypted comment matches "
			       "UnencryptedCommentRegex! Make sure that UnencryptedCommentRegex "
			       "cannot match an encrypted comment.");
	if (buf_addc(&c->encs, '\0') != 0)
		return err_set(err, EX_ERROR, "out of memory");
	c->offsets[v->n->id] = start + 1;
	return 0;
}

static int on_leaf(void *arg, const struct leaf_visit *v, struct sops_err *err)
{
	struct enc_ctx *c = arg;

	if (!v->is_comment && (!c->rules->mac_only_encrypted || v->encrypted))
		if (sha512_update(c->mac, v->n->val.s, v->n->val.len) != 0)
			return err_set(err, EX_ERROR, "hash failure");
	if (!v->encrypted)
		return 0;
	return enc_leaf(c, v, err);
}

/* Walk doc, encrypting every leaf the rules select; fills reps and the MAC
 * hex. Walk errors are prefixed like sops' encrypt. */
static int encrypt_tree(struct enc_ctx *c, char mac_hex[129], struct sops_err *err)
{
	uint8_t digest[64];
	int rc;

	c->mac = sha512_new();
	c->offsets = calloc(c->doc->nleaves + 1, sizeof(*c->offsets));
	buf_init(&c->encs, 0);
	if (c->mac == NULL || c->offsets == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (c->rules->mac_only_encrypted)
		sha512_update(c->mac, mac_only_init, sizeof(mac_only_init));
	rc = tree_walk(c->doc, c->rules, on_leaf, c, err);
	sha512_final(c->mac, digest);
	c->mac = NULL;
	hex_upper(digest, sizeof(digest), mac_hex);
	sm_wipe(digest, sizeof(digest));
	if (rc != 0)
		return err_prefix(err, "Error encrypting tree: Error walking tree: ");
	for (size_t i = 0; i < c->doc->nleaves; i++) {
		if (c->offsets[i] == 0)
			continue;
		c->reps[i].kind = REP_ENC;
		c->reps[i].enc = (const char *)c->encs.data + c->offsets[i] - 1;
		c->reps[i].enc_len = strlen(c->reps[i].enc);
	}
	return 0;
}

static void enc_ctx_free(struct enc_ctx *c)
{
	sha512_abort(c->mac);
	buf_free(&c->encs);
	free(c->offsets);
}

/* lastmodified = now; mac = ENC(mac_hex) with AAD = lastmodified. */
static int seal_mac(const uint8_t *key, const char *mac_hex, struct iv_stash *stash,
		    struct buf *lastmod, struct buf *mac_enc, struct sops_err *err)
{
	struct gotime now;
	struct tvalue v;

	go_now_utc(&now);
	if (go_format_rfc3339(lastmod, &now) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	memset(&v, 0, sizeof(v));
	v.type = VT_STR;
	v.s = mac_hex;
	v.len = strlen(mac_hex);
	return value_encrypt(key, &v, "str", (char *)lastmod->data, lastmod->len, stash,
			     mac_enc, err);
}

static struct sdoc *parse_plain(const struct store_ops *store, const char *plain, size_t len,
				struct sops_err *err)
{
	struct sdoc *doc = sdoc_parse(store, plain, len, PARSE_PLAIN, err);

	if (doc == NULL) {
		err_prefix(err, "Error unmarshalling file: ");
		err->code = EX_COULD_NOT_READ;
		return NULL;
	}
	if (doc->meta != NULL || doc->meta_bad || doc->meta_dup) {
		err_set(err, EX_ALREADY_ENCRYPTED, "%s", sops_already_encrypted_msg);
		sdoc_free(doc);
		return NULL;
	}
	return doc;
}

/* Render plain doc with reps and the metadata text, into out. */
static int render_with_meta(struct sdoc *doc, struct rep *reps, const struct buf *meta,
			    struct buf *out, struct sops_err *err)
{
	return doc->store->render(doc, reps, (const char *)meta->data, meta->len, out, err);
}

/* f's metadata text for the new content: only lastmodified and mac
 * patched, or (rotate) new key groups. */
static int new_file_meta(const struct sops_file *f, struct sdoc *doc, const struct rekey *rk,
			 const struct buf *lastmod, const struct buf *mac_enc, struct buf *meta,
			 struct sops_err *err)
{
	struct meta_patch patches[2];

	if (rk != NULL)
		return rekey_meta_text(f, doc, rk, (char *)lastmod->data, (char *)mac_enc->data,
				       meta, err);
	if (f->meta.lastmodified_node == NULL || f->meta.mac_node == NULL)
		return err_set(err, EX_ERROR, "sopsfs: the file's metadata has no lastmodified or "
			       "mac field to update");
	patches[0] = (struct meta_patch){ f->meta.lastmodified_node, (char *)lastmod->data, lastmod->len };
	patches[1] = (struct meta_patch){ f->meta.mac_node, (char *)mac_enc->data, mac_enc->len };
	return f->store->meta_extract(f->doc, patches, 2, meta, err);
}

/* Item 9: the new text equals f's apart from lastmodified and mac (same
 * values, same ciphertexts): nothing to write. */
static int same_but_meta(const struct sops_file *f, struct sdoc *doc, const struct rep *reps)
{
	struct buf meta = BUF_INIT, text = BUF_INIT;
	struct sops_err e;
	int same;

	same = f->store->meta_extract(f->doc, NULL, 0, &meta, &e) == 0 &&
	       doc->store->render(doc, reps, (const char *)meta.data, meta.len, &text, &e) == 0 &&
	       text.len == f->len && memcmp(text.data, f->text, f->len) == 0;
	buf_free(&meta);
	buf_free(&text);
	return same;
}

static int reencrypt(const struct sops_file *f, const char *plain, size_t len,
		     const struct rekey *rk, struct buf *out, struct sops_file **newf,
		     struct sops_err *err)
{
	struct enc_ctx c;
	struct buf lastmod = BUF_INIT, mac_enc = BUF_INIT, meta = BUF_INIT;
	const uint8_t *key = rk != NULL ? rk->key : f->key;
	char mac_hex[129];
	int rc = -1;

	*newf = NULL;
	if (rk == NULL && len == f->view.len && memcmp(plain, f->view.data, len) == 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.doc = parse_plain(f->store, plain, len, err);
	if (c.doc == NULL)
		return -1;
	c.key = key;
	c.rules = &f->meta.rules;
	c.stash = f->stash;
	iv_stash_rewind(f->stash);
	c.reps = sm_alloc((c.doc->nleaves + 1) * sizeof(*c.reps));
	if (c.reps == NULL) {
		err_set(err, EX_ERROR, "out of memory");
		goto done;
	}
	if (encrypt_tree(&c, mac_hex, err) != 0)
		goto done;
	if (rk == NULL && same_but_meta(f, c.doc, c.reps)) {
		rc = 0;
		goto done;
	}
	if (seal_mac(key, mac_hex, NULL, &lastmod, &mac_enc, err) != 0 ||
	    new_file_meta(f, c.doc, rk, &lastmod, &mac_enc, &meta, err) != 0 ||
	    render_with_meta(c.doc, c.reps, &meta, out, err) != 0)
		goto done;
	/* Self-check: the new file must decrypt with a valid MAC. */
	rc = sops_file_open_as(f->store, (char *)out->data, out->len, key, NULL, newf, err);
	if (rc != 0)
		err_prefix(err, "sopsfs: internal check failed, nothing was written: ");
done:
	sm_wipe(mac_hex, sizeof(mac_hex));
	enc_ctx_free(&c);
	sm_free(c.reps);
	sdoc_free(c.doc);
	buf_free(&lastmod);
	buf_free(&mac_enc);
	buf_free(&meta);
	return rc;
}

int sops_file_reencrypt(const struct sops_file *f, const char *plain, size_t len,
			struct buf *out, struct sops_file **newf, struct sops_err *err)
{
	return reencrypt(f, plain, len, NULL, out, newf, err);
}

int sops_file_rotate(const struct sops_file *f, const struct rekey *rk, struct buf *out,
		     struct sops_err *err)
{
	struct sops_file *nf = NULL;
	int rc = reencrypt(f, (const char *)f->view.data, f->view.len, rk, out, &nf, err);

	sops_file_free(nf);
	return rc;
}

/* Default rule: unencrypted_suffix, except for the binary store. */
static int new_rules(const struct new_file_spec *spec, const struct store_ops *store,
		     struct sel_rules *rules, const char *vals[RULE_COUNT], struct sops_err *err)
{
	int any = 0;

	for (int k = 0; k < RULE_COUNT; k++) {
		vals[k] = spec->rule_values[k];
		any |= vals[k] != NULL && vals[k][0] != '\0';
	}
	if (store == &binary_store) {
		for (int k = 0; k < RULE_COUNT; k++)
			vals[k] = NULL;
	} else if (!any) {
		vals[RULE_UNENCRYPTED_SUFFIX] = DEFAULT_UNENCRYPTED_SUFFIX;
	}
	if (rules_init(rules, vals, spec->mac_only_encrypted, err) != 0) {
		err->code = EX_CONFIG;
		snprintf(err->msg, sizeof(err->msg), "Error: cannot use more than one of "
			 "encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, "
			 "encrypted_comment_regex, or unencrypted_comment_regex in the same file");
		return -1;
	}
	return 0;
}

static int new_meta_text(struct sdoc *doc, const struct new_file_spec *spec,
			 const char *vals[RULE_COUNT], struct new_group *groups,
			 const struct buf *lastmod, const struct buf *mac_enc, struct buf *meta,
			 struct sops_err *err)
{
	struct meta_spec ms;
	struct node *tree;

	memset(&ms, 0, sizeof(ms));
	ms.groups = groups;
	ms.ngroups = spec->ngroups;
	ms.shamir_threshold = spec->ngroups > 1 && spec->shamir_threshold == 0
				      ? (int)spec->ngroups : spec->shamir_threshold;
	for (int k = 0; k < RULE_COUNT; k++)
		ms.rule_values[k] = vals[k];
	ms.mac_only_encrypted = spec->mac_only_encrypted;
	ms.lastmodified = (const char *)lastmod->data;
	ms.mac = (const char *)mac_enc->data;
	ms.version = SOPSFS_SOPS_VERSION;
	ms.binary_store = doc->store == &binary_store;
	tree = meta_build_tree(doc, &ms, err);
	if (tree == NULL)
		return -1;
	return doc->store->meta_emit(tree, meta, err);
}

int sops_encrypt_new(const char *path, const char *plain, size_t len,
		     const struct new_file_spec *spec, struct buf *out, struct sops_err *err)
{
	return sops_encrypt_new_open(path, plain, len, spec, out, NULL, err);
}

int sops_encrypt_new_open(const char *path, const char *plain, size_t len,
			  const struct new_file_spec *spec, struct buf *out,
			  struct sops_file **newf, struct sops_err *err)
{
	const struct store_ops *store = store_for_path(path);
	struct enc_ctx c;
	struct sel_rules rules;
	const char *vals[RULE_COUNT];
	struct new_group *groups = NULL;
	struct buf lastmod = BUF_INIT, mac_enc = BUF_INIT, meta = BUF_INIT;
	uint8_t *key = sm_alloc(SOPS_DATA_KEY_LEN);
	struct sops_file *check = NULL;
	char mac_hex[129];
	int rc = -1;

	memset(&c, 0, sizeof(c));
	memset(&rules, 0, sizeof(rules));
	if (key == NULL || crypto_random(key, SOPS_DATA_KEY_LEN) != 0) {
		err_set(err, EX_ERROR, "Could not generate random key");
		goto done;
	}
	if (new_rules(spec, store, &rules, vals, err) != 0)
		goto done;
	c.doc = parse_plain(store, plain, len, err);
	if (c.doc == NULL)
		goto done;
	if (c.doc->nbranches == 0) {
		err_set(err, EX_EMPTY_FILE, "File cannot be completely empty, it must contain at "
			"least one document");
		goto done;
	}
	c.key = key;
	c.rules = &rules;
	c.reps = sm_alloc((c.doc->nleaves + 1) * sizeof(*c.reps));
	if (c.reps == NULL) {
		err_set(err, EX_ERROR, "out of memory");
		goto done;
	}
	if (encrypt_tree(&c, mac_hex, err) != 0 ||
	    datakey_wrap(key, spec->groups, spec->ngroups, spec->shamir_threshold, &groups, err) != 0 ||
	    seal_mac(key, mac_hex, NULL, &lastmod, &mac_enc, err) != 0 ||
	    new_meta_text(c.doc, spec, vals, groups, &lastmod, &mac_enc, &meta, err) != 0 ||
	    render_with_meta(c.doc, c.reps, &meta, out, err) != 0)
		goto done;
	rc = sops_file_open_as(store, (char *)out->data, out->len, key, NULL, &check, err);
	if (rc != 0)
		err_prefix(err, "sopsfs: internal check failed: ");
	if (rc == 0 && newf != NULL)
		*newf = check;
	else
		sops_file_free(check);
done:
	sm_wipe(mac_hex, sizeof(mac_hex));
	enc_ctx_free(&c);
	sm_free(c.reps);
	sdoc_free(c.doc);
	rules_free(&rules);
	datakey_groups_free(groups, spec->ngroups);
	buf_free(&lastmod);
	buf_free(&mac_enc);
	buf_free(&meta);
	sm_free(key);
	return rc;
}
