/* proc.h - a process's identity for audit lines, and JSON strings. */
#ifndef SOPSFS_AUDIT_PROC_H
#define SOPSFS_AUDIT_PROC_H

#include <stddef.h>
#include <sys/types.h>
#include "../../common/buf.h"

struct sopsfs;

/* Append s[0..n) as a JSON string (bytes >= 0x7f as \u00XX). */
void json_str(struct buf *b, const char *s, size_t n);
/* Append ,"comm":..,"exe":..,"cmdline":[..] of pid (what /proc shows). */
void proc_describe(struct sopsfs *fs, pid_t pid, struct buf *b);

#endif
