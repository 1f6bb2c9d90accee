/* new_spec.h - build a new file's encryption settings (struct new_file_spec)
 * from a .sops.yaml creation rule or from command-line recipients. Used by
 * `sopsfs encrypt` and by the mount for new files under a creation rule. */
#ifndef SOPSFS_NEW_SPEC_H
#define SOPSFS_NEW_SPEC_H

#include "sops_file.h"
#include "sops_config.h"

/* Fill spec from rule (key groups, threshold, selection rules,
 * mac_only_encrypted). Key types we cannot wrap yet give an error. */
int spec_from_rule(const struct creation_rule *rule, struct new_file_spec *spec,
		   struct sops_err *err);

/* Add one group made of comma-separated age recipients and PGP
 * fingerprints (either may be NULL or ""). */
int spec_add_group(struct new_file_spec *spec, const char *age_list, const char *pgp_list,
		   struct sops_err *err);

/* Add network key service recipients of one type ("kms", "gcp_kms",
 * "azure_kv", "hc_vault", "hckms") from a comma list to the last group
 * (made if there is none); suffix (may be NULL) is appended to each item
 * (kms: "|context|profile" from the command line). */
int spec_add_typed(struct new_file_spec *spec, const char *type, const char *list,
		   const char *suffix, struct sops_err *err);

/* Free what spec_from_rule / spec_add_group allocated (not rule_values of
 * a rule: those point into the rule). */
void spec_free(struct new_file_spec *spec);

/* Find .sops.yaml upwards from start_dir (not above stop_dir if given),
 * load it and pick the rule for file_path. *rule = NULL (and 0) when there
 * is no config or it has no creation rules; *cfg must be freed with
 * sops_config_free (it owns the rule). */
int spec_find_rule(const char *start_dir, const char *stop_dir, const char *file_path,
		   struct sops_config **cfg, const struct creation_rule **rule,
		   struct sops_err *err);

#endif
