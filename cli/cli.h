/* cli.h - the command-line subcommands (decrypt, encrypt, replace). */
#ifndef SOPSFS_CLI_H
#define SOPSFS_CLI_H

#include <stddef.h>
#include "../common/buf.h"
#include "../common/err.h"

int cli_decrypt(int argc, char **argv);
int cli_encrypt(int argc, char **argv);
int cli_replace(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_merge_driver(int argc, char **argv);
/* sopsfs status / lock MNT (cmd_status.c, cmd_lock.c): the mount's control
 * socket; cli_ctl_request sends one command and prints the answer. */
int cli_status(int argc, char **argv);
int cli_lock(int argc, char **argv);
int cli_ctl_request(const char *mnt, const char *cmd);
int cli_updatekeys(int argc, char **argv);
int cli_rotate(int argc, char **argv);
int cli_set(int argc, char **argv);
int cli_unset(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_filestatus(int argc, char **argv);

/* Read a whole file ("-" = stdin) into b. */
int cli_read_file(const char *path, struct buf *b, struct sops_err *err);
/* Print err->msg to stderr and return its exit code. */
int cli_fail(const struct sops_err *err);

#endif
