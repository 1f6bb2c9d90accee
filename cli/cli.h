/* cli.h - the command-line subcommands (decrypt, encrypt, replace). */
#ifndef SOPSFS_CLI_H
#define SOPSFS_CLI_H

#include <stddef.h>
#include "../common/buf.h"
#include "../common/err.h"

int cli_decrypt(int argc, char **argv);
int cli_encrypt(int argc, char **argv);
int cli_replace(int argc, char **argv);
int cli_updatekeys(int argc, char **argv);
int cli_rotate(int argc, char **argv);
int cli_set(int argc, char **argv);
int cli_unset(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_filestatus(int argc, char **argv);
int cli_exec_env(int argc, char **argv);
int cli_exec_file(int argc, char **argv);
int cli_exec(int argc, char **argv);

/* Read a whole file ("-" = stdin) into b. */
int cli_read_file(const char *path, struct buf *b, struct sops_err *err);
/* Print err->msg to stderr and return its exit code. */
int cli_fail(const struct sops_err *err);

#endif
