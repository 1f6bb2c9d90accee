/* rekey.c - new master keys for an existing file (updatekeys) and the
 * metadata text shared with rotate. See rekey.h. */
#include "rekey.h"
#include "../../common/secure_mem.h"

#include <stdlib.h>
#include <string.h>

int rekey_meta_text(const struct sops_file *f, struct sdoc *doc, const struct rekey *rk,
		    const char *lastmod, const char *mac, struct buf *out,
		    struct sops_err *err)
{
	struct meta_spec ms;
	struct node *tree;

	memset(&ms, 0, sizeof(ms));
	ms.groups = (struct new_group *)rk->groups;
	ms.ngroups = rk->ngroups;
	ms.shamir_threshold = rk->threshold;
	if (!f->meta.rules.defaulted && f->meta.rules.value != NULL)
		ms.rule_values[f->meta.rules.kind] = f->meta.rules.value;
	ms.mac_only_encrypted = f->meta.rules.mac_only_encrypted;
	ms.lastmodified = lastmod;
	ms.mac = mac;
	ms.version = f->meta.version != NULL ? f->meta.version : SOPSFS_SOPS_VERSION;
	ms.binary_store = f->store == &binary_store;
	tree = meta_build_tree(doc, &ms, err);
	if (tree == NULL)
		return -1;
	return f->store->meta_emit(tree, out, err);
}

int sops_file_set_keys(const struct sops_file *f, const struct rekey *rk, struct buf *out,
		       struct sops_err *err)
{
	struct rep *reps = calloc(f->doc->nleaves + 1, sizeof(*reps));
	struct buf meta = BUF_INIT;
	struct sops_file *check = NULL;
	int rc = -1;

	if (reps == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (f->meta.lastmodified == NULL || f->meta.mac == NULL || f->meta.mac[0] == '\0') {
		err_set(err, EX_ERROR, "sopsfs: the file's metadata has no lastmodified or mac");
		goto done;
	}
	if (rekey_meta_text(f, f->doc, rk, f->meta.lastmodified, f->meta.mac, &meta, err) != 0 ||
	    f->store->render(f->doc, reps, (const char *)meta.data, meta.len, out, err) != 0)
		goto done;
	rc = sops_file_open_as(f->store, (char *)out->data, out->len, rk->key, NULL, &check, err);
	if (rc != 0)
		err_prefix(err, "sopsfs: internal check failed, nothing was written: ");
	else if (check->view.len != f->view.len ||
		 memcmp(check->view.data, f->view.data, f->view.len) != 0)
		rc = err_set(err, EX_ERROR, "sopsfs: internal check failed (the values changed), "
			     "nothing was written");
done:
	sops_file_free(check);
	buf_free(&meta);
	free(reps);
	return rc;
}
