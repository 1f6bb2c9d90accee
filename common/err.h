/* err.h - explicit error reporting: a sops-style exit code plus a message.
 *
 * Every fallible function in sopsfs returns 0 on success or -1 on failure and
 * fills a caller-provided struct sops_err. Messages use sops' own wording where
 * sops has one, and must never contain key material or plaintext values.
 */
#ifndef SOPSFS_ERR_H
#define SOPSFS_ERR_H

#include <stddef.h>

/* Exit codes, from sops cmd/sops/codes/codes.go (see sops-format.md section 10). */
enum sops_exit {
	EX_OK = 0,
	EX_ERROR = 1,             /* generic, "sops metadata not found", ... */
	EX_COULD_NOT_READ = 2,    /* input parse errors */
	EX_COULD_NOT_WRITE = 3,
	EX_OUTPUT_STORE = 4,      /* output-store errors (dotenv nested, ...) */
	EX_INVALID_ARGS = 7,      /* sopsfs: bad command line */
	EX_CONFIG = 8,            /* conflicting rules / bad config */
	EX_ENCRYPT_WALK = 23,     /* walk errors at encrypt time */
	EX_DECRYPT_VALUE = 25,    /* "Error decrypting tree: ..." */
	EX_MAC = 51,              /* MAC mismatch / cannot decrypt MAC */
	EX_EMPTY_FILE = 92,
	EX_NO_DATA_KEY = 128,     /* "Failed to get the data key ..." */
	EX_FILE_HAS_NOT_CHANGED = 200,
	EX_ALREADY_ENCRYPTED = 203,
};

#define SOPS_ERR_MSG_MAX 16384   /* a data-key report lists every key: ~400 bytes an age key */

struct sops_err {
	int code;                      /* enum sops_exit */
	char msg[SOPS_ERR_MSG_MAX];
};

/* Set code and message (printf-style). Returns -1 so callers can
 * `return err_set(err, ...)`. err may be NULL. */
int err_set(struct sops_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the existing message: "<prefix><old message>". Returns -1. */
int err_prefix(struct sops_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void err_clear(struct sops_err *err);

#endif
