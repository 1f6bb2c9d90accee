/* cli_tree.h - helpers shared by the commands that work on many files
 * (updatekeys, rotate, check): walking PATH arguments, finding each file's
 * creation rule (.sops.yaml cached per config file), loading a file. */
#ifndef SOPSFS_CLI_TREE_H
#define SOPSFS_CLI_TREE_H

#include "cli.h"
#include "../codec/core/sops_config.h"
#include "../codec/core/sops_file.h"

/* Call fn for every regular file of paths (directories only with
 * recursive: walked in name order, ".git" skipped; without it a directory
 * is an error). fn returns 0 to go on, or an exit code (remembered; the
 * walk goes on). Returns the last non-zero code, or 0. */
typedef int (*cli_file_fn)(const char *path, void *arg);
int cli_walk(char **paths, int npaths, int recursive, const char *cmd, cli_file_fn fn,
	     void *arg);

/* Creation rules: from --config when set, else the .sops.yaml found
 * upwards from the file's directory. */
struct rule_cache {
	const char *config_flag;      /* --config, or NULL */
	char path[4096];              /* the loaded config's path */
	struct sops_config *cfg;
};
/* 1 and *rule when a rule covers file; 0 when no config, no creation
 * rules or no rule matches; -1 on error. */
int rule_for(struct rule_cache *rc, const char *file, const struct creation_rule **rule,
	     struct sops_err *err);
void rule_cache_free(struct rule_cache *rc);

/* Parse file's text only as far as its metadata (no decryption).
 * Returns 1 with *doc and *meta, 0 when it has no sops metadata, -1 on
 * error (bad syntax, bad metadata). */
int cli_load_meta(const char *path, const struct buf *text, struct sdoc **doc,
		  struct sops_meta *meta, struct sops_err *err);
/* The same with the store given (cli_load_meta: the name's store, or the
 * content's when the name implies none). */
int cli_load_meta_as(const struct store_ops *store, const struct buf *text, struct sdoc **doc,
		     struct sops_meta *meta, struct sops_err *err);

/* The store for path, or --input-type NAME when given. */
const struct store_ops *cli_store(const char *path, const char *type);

#endif
