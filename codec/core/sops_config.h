/* sops_config.h - .sops.yaml: finding it, loading it, choosing a creation rule.
 *
 * Follows sops 3.13.2 config/config.go (see docs/sops-format.md section 8):
 * the first creation rule whose path_regex is empty or matches (Go regex
 * search, codec/core/re2.h) the file path relative to the config file's
 * directory wins; its keys become key groups; at most one selection rule.
 * Nothing here is secret (recipients, fingerprints, ARNs), so plain heap
 * memory is used.
 */
#ifndef SOPSFS_SOPS_CONFIG_H
#define SOPSFS_SOPS_CONFIG_H

#include <stddef.h>
#include "../../common/err.h"

/* An extra field of a key: kms "role", "aws_profile", "context.<name>";
 * azure_kv "vaultUrl", "key", "version". */
struct cfg_attr {
	char *name;
	char *value;
};

/* One master key of a rule, as the matching provider's wrap() takes it. */
struct cfg_key {
	const char *type;       /* metadata list name: "age", "pgp", "kms",
				 * "gcp_kms", "azure_kv", "hc_vault", "hckms" */
	char *value;            /* age recipient, pgp fingerprint (spaces
				 * removed), kms ARN (role split off), gcp
				 * resource id, azure key URL
				 * "<vaultUrl>/keys/<key>[/<version>]",
				 * vault transit URI, hckms key id */
	struct cfg_attr *attrs;
	size_t nattrs;
};

struct cfg_group {
	struct cfg_key *keys;
	size_t nkeys;
};

struct creation_rule {
	char *path_regex;               /* "" when absent */
	/* Key groups: key_groups when it has entries (duplicates removed in
	 * each group, "merge" groups first), else one group of the flat
	 * fields in sops' order age, pgp, kms, gcp_kms, hckms, azure_keyvault,
	 * hc_vault_transit_uri. A group may be empty: see
	 * creation_rule_check_groups. */
	struct cfg_group *groups;
	size_t ngroups;
	int shamir_threshold;           /* 0 when absent */
	/* Selection rules: NULL when absent or empty; at most one is set in a
	 * rule that sops_config_match returns. */
	char *unencrypted_suffix;
	char *encrypted_suffix;
	char *unencrypted_regex;
	char *encrypted_regex;
	char *unencrypted_comment_regex;
	char *encrypted_comment_regex;
	int mac_only_encrypted;
	/* private: an error sops reports only when this rule is chosen (its
	 * message NULL when there was no room for it) */
	int deferred_code;
	char *deferred_msg;
};

struct sops_config {
	char *path;                     /* as given to sops_config_load */
	char *dir;                      /* absolute, cleaned directory of path */
	int has_creation_rules;         /* creation_rules present and not null */
	struct creation_rule *rules;
	size_t nrules;
	/* stores: as sops keeps them (yaml 0 = default 4; json -1 = TAB) */
	int yaml_indent;
	int json_indent;
	int json_binary_indent;
};

/* Look for ".sops.yaml" in start_dir, then its parents (at most 100
 * levels), never above stop_dir when stop_dir is not NULL (a start_dir
 * outside stop_dir finds nothing). Relative paths are taken from the
 * current directory; ".." is resolved by name, like sops. ".sops.yml" is
 * not used. Writes the path into out. Returns 1 found, 0 none, -1 error
 * (path too long / no current directory). */
int sops_config_find(const char *start_dir, const char *stop_dir, char *out, size_t outsz);

/* Load and check a config file. Errors (code EX_ERROR) in sops' words:
 * "could not read config file: ...", "error loading config: Could not
 * unmarshal config file: yaml: line N: <problem>" (and "yaml: unmarshal
 * errors: ..." for wrong types), each followed by " (<path>)". */
struct sops_config *sops_config_load(const char *path, struct sops_err *err);
void sops_config_free(struct sops_config *cfg);

/* Choose the creation rule for file_path (made absolute and cleaned; the
 * config's directory + "/" is stripped as a prefix). *out = NULL and 0
 * when the config has no creation_rules (sops: as if there were no
 * config). Errors (-1, code EX_ERROR): "error loading config: no matching
 * creation rules found", "can not compile regexp: error parsing regexp:
 * ...", "error loading config: cannot use more than one of
 * encrypted_suffix, unencrypted_suffix, encrypted_regex,
 * unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex
 * for the same rule", "invalid age key configuration: ...". */
int sops_config_match(const struct sops_config *cfg, const char *file_path,
		      const struct creation_rule **out, struct sops_err *err);

/* -1 with "empty key group provided" (EX_ERROR) if the rule has no group
 * or an empty one; sops reports it when it generates the data key, as
 * "Could not generate data key: [empty key group provided]". Call it only
 * when the rule's keys are used (CLI key flags replace them). */
int creation_rule_check_groups(const struct creation_rule *rule, struct sops_err *err);

#endif
