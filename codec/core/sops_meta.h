/* sops_meta.h - the metadata block of a sops file, read and written.
 *
 * Reading accepts every historical layout (sops-format.md 3): flat key
 * lists or key_groups, null / empty lists, struct-ordered or sorted fields,
 * Python-era extra fields, weakly typed values from flat stores. Master-key
 * entries are kept as they are (their text is never re-emitted for an
 * existing file: the store's meta_extract copies it byte for byte).
 * Writing (new files) builds a synthetic tree in sops 3.13 sorted layout for
 * the store's meta_emit.
 */
#ifndef SOPSFS_SOPS_META_H
#define SOPSFS_SOPS_META_H

#include "tree.h"
#include "rules.h"
#include "../../providers/provider.h"

struct key_group {
	struct master_key *keys;   /* in sops' internal order (kms, gcp_kms,
				      hckms, azure_kv, hc_vault, pgp, age) */
	size_t nkeys;
};

struct sops_meta {
	struct key_group *groups;
	size_t ngroups;
	int shamir_threshold;
	const char *lastmodified;          /* as written */
	struct gotime lastmodified_t;
	const char *mac;                   /* "" when missing */
	const char *version;
	struct sel_rules rules;
	/* Scalars to patch on re-encryption (NULL if absent). */
	const struct node *lastmodified_node;
	const struct node *mac_node;
};

/* Read doc->meta. Errors (code 1): "sops metadata not found", "Found sops
 * entry that is not a mapping", "Found duplicate sops entry", "No keys found
 * in file", "Version string empty", bad lastmodified, conflicting rules. */
int meta_load(struct sdoc *doc, struct sops_meta *out, struct sops_err *err);
void meta_free(struct sops_meta *m);

/* A digest of the key groups (threshold, every key's type and enc) that
 * identifies the data key: files with the same digest share it. */
int meta_key_id(const struct sops_meta *m, uint8_t out[32]);

/* Everything a new file's metadata needs. */
struct new_group {
	struct mk_new *keys;
	size_t nkeys;
};

struct meta_spec {
	struct new_group *groups;          /* wrapped keys */
	size_t ngroups;
	int shamir_threshold;              /* written when non-zero */
	const char *rule_values[RULE_COUNT];
	int mac_only_encrypted;
	const char *lastmodified;
	const char *mac;                   /* ENC[...] */
	const char *version;
	int binary_store;                  /* no default unencrypted_suffix */
};

/* Build the synthetic metadata tree (sorted 3.13 layout) in doc's pool. */
struct node *meta_build_tree(struct sdoc *doc, const struct meta_spec *spec,
			     struct sops_err *err);

/* The sops version we write. */
#define SOPSFS_SOPS_VERSION "3.13.2"

#endif
