/* ident.h - the encryption identity a path carries in the mount.
 *
 * An existing SOPS file's identity is the opened file itself (its data key,
 * key groups, rules, metadata text and IV stash): re-encrypting with it
 * keeps everything but the changed values. A new file under a .sops.yaml
 * creation rule carries the rule's settings instead (a new data key is made
 * at its first commit). Identities follow paths (design.md "Path-based
 * identity") and are shared by reference.
 */
#ifndef SOPSFS_IDENT_H
#define SOPSFS_IDENT_H

#include "../../codec/core/sops_file.h"
#include "../../codec/core/new_spec.h"

struct ident {
	int refs;
	struct sops_file *sf;          /* existing file (NULL for a new one) */
	struct new_file_spec spec;     /* new file: the creation rule's keys */
	struct sops_config *cfg;       /* owns the rule strings of spec */
	char *rule_path;               /* new file: path used for the store */
};

struct ident *ident_from_file(struct sops_file *sf);     /* takes sf */
/* For a new file at path (relative to SRC) under the rule; takes cfg. */
struct ident *ident_from_rule(const struct creation_rule *rule, struct sops_config *cfg,
			      const char *path, struct sops_err *err);
struct ident *ident_ref(struct ident *id);
void ident_unref(struct ident *id);

#endif
