/* key_plan.h - master-key changes of a sops file: the target key groups
 * (from a .sops.yaml creation rule for updatekeys, or the file's own
 * groups plus/minus keys for rotate), the per-group diff sops prints
 * (common.DiffKeyGroups: keys compared by sops' ToString), and wrapping a
 * data key for the target groups.
 *
 * A key is named by its type (metadata list name) and its identity, sops'
 * ToString: age recipient, PGP fingerprint, KMS ARN, GCP resource id,
 * Azure "<vault_url>/keys/<name>/<version>", Vault
 * "<address>/v1/<engine>/keys/<name>", HCKMS key id. That identity is
 * also the recipient string handed to the provider's wrap().
 */
#ifndef SOPSFS_KEY_PLAN_H
#define SOPSFS_KEY_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include "sops_meta.h"
#include "sops_config.h"
#include "../../common/buf.h"

struct plan_key {
	const char *type;
	char *ident;                       /* heap */
	const struct master_key *old;      /* the file's entry, when it has it */
};

struct plan_group {
	struct plan_key *keys;             /* target keys, in target order */
	size_t nkeys;
	struct plan_key *removed;          /* the file's keys not in the target */
	size_t nremoved;
};

struct key_plan {
	struct plan_group *groups;         /* max(old, target) groups */
	size_t ngroups;                    /* target groups (<= ndiff) */
	size_t ndiff;
	size_t old_ngroups;                /* the file's groups */
	int old_threshold;
	int new_threshold;
};

/* A key to add or remove on the command line (rotate --add-age ...). */
struct key_ref {
	const char *type;
	const char *ident;
};

/* sops' ToString of a file entry into out. */
int mk_ident(const struct master_key *mk, struct buf *out);

/* updatekeys: target = the rule's key groups; threshold = min(file's,
 * number of groups) (sops ignores the rule's threshold). */
int plan_from_rule(const struct sops_meta *m, const struct creation_rule *rule,
		   struct key_plan *p, struct sops_err *err);
/* rotate: target = the file's groups, add[] appended to group 0, rm[]
 * dropped from every group. */
int plan_from_edit(const struct sops_meta *m, const struct key_ref *add, size_t nadd,
		   const struct key_ref *rm, size_t nrm, struct key_plan *p,
		   struct sops_err *err);
/* 1 if keys or threshold change. */
int plan_changed(const struct key_plan *p);
/* sops' report ("Group 1\n    kept\n+++ added\n--- removed\n"), with the
 * threshold line first when it changes. */
int plan_describe(const struct key_plan *p, struct buf *out);
/* Wrap key for the target groups. keep_old: reuse the file's entries for
 * keys it already has (same data key; only when the file and the target
 * have one group each: a file's entry in several groups wraps a Shamir
 * share, not the key); otherwise every
 * key is wrapped anew (Shamir shares when several groups). */
int plan_wrap(const struct key_plan *p, const uint8_t key[32], int keep_old,
	      struct new_group **out, struct sops_err *err);
/* The threshold to write (several groups and none set: all groups). */
int plan_threshold(const struct key_plan *p);
void plan_free(struct key_plan *p);

#endif
