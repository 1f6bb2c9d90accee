/* cli_check.h - `sopsfs check` internals shared by the working-tree walk
 * (cli_check.c) and the git index reader (cli_staged.c). */
#ifndef SOPSFS_CLI_CHECK_H
#define SOPSFS_CLI_CHECK_H

#include "cli_tree.h"

struct chk_file {
	char *path;
	int is_sops;
};

struct chk_ctx {
	struct rule_cache rules;
	int no_decrypt;
	struct chk_file *files;
	size_t nfiles;
	int problems;
	int checked;            /* SOPS files and files under a rule */
	int unverified;         /* MAC not verified: no key */
};

/* Check one file: shown as name, rules looked up for rule_path. */
int check_text(struct chk_ctx *c, const char *name, const char *rule_path,
	       const struct buf *text);

/* Check the files of the git index under paths (relative to the current
 * directory). Returns 0, or an exit code on a git error. */
int check_staged(struct chk_ctx *c, char **paths, int npaths);

#endif
