/* secret_file.h - read small files that hold credentials (token files,
 * service-account keys, shared credentials) straight into locked memory,
 * and run credential helper commands capturing their output the same way.
 */
#ifndef SOPSFS_NET_SECRET_FILE_H
#define SOPSFS_NET_SECRET_FILE_H

#include "../../common/buf.h"

/* Append the file's content (at most max bytes; more is an error) to out
 * (a secure buffer). Trailing newlines are kept unless trim is set.
 * 0, or -1 with errno set. */
int secret_file_read(const char *path, size_t max, int trim, struct buf *out);

/* Run "/bin/sh -c cmd" with stdin /dev/null and stderr inherited; append
 * its stdout (at most max bytes) to out (secure). 0 if it exited 0. */
int secret_cmd_output(const char *cmd, size_t max, struct buf *out);

/* $HOME/rel (or the password database's home) into out. */
int home_path(const char *rel, struct buf *out);

#endif
