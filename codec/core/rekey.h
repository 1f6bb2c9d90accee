/* rekey.h - give an existing sops file new master keys (updatekeys: same
 * data key, only the metadata block changes) or a new data key (rotate:
 * every value re-encrypted, IVs kept, as sops rotate does). */
#ifndef SOPSFS_REKEY_H
#define SOPSFS_REKEY_H

#include "sops_file.h"

/* The new keys of a file: wrapped groups and the threshold to write. */
struct rekey {
	const uint8_t *key;               /* data key (rotate: the new one) */
	const struct new_group *groups;
	size_t ngroups;
	int threshold;
};

/* f's metadata block (its rules, mac_only_encrypted and version) with
 * rk's groups, lastmodified and mac, in f's store syntax (sops 3.13
 * sorted layout). The tree is built in doc's pool. */
int rekey_meta_text(const struct sops_file *f, struct sdoc *doc, const struct rekey *rk,
		    const char *lastmod, const char *mac, struct buf *out,
		    struct sops_err *err);

/* updatekeys: f's text with only its metadata replaced (values, mac and
 * lastmodified untouched). out is checked to decrypt with rk->key. */
int sops_file_set_keys(const struct sops_file *f, const struct rekey *rk, struct buf *out,
		       struct sops_err *err);

/* rotate: f's view re-encrypted with rk->key (IVs of f reused), new
 * metadata, lastmodified and mac (implemented in sops_encrypt.c). */
int sops_file_rotate(const struct sops_file *f, const struct rekey *rk, struct buf *out,
		     struct sops_err *err);

#endif
