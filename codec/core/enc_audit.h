/* enc_audit.h - does an encrypted document hold in clear a value that a
 * creation rule says must be encrypted? (`sopsfs check`) */
#ifndef SOPSFS_ENC_AUDIT_H
#define SOPSFS_ENC_AUDIT_H

#include "tree.h"
#include "rules.h"
#include "../../common/buf.h"

/* Append to report one line per leaf that rules select for encryption
 * but whose value is not an ENC[...] string ("value at KEY:PATH: is not
 * encrypted"). Empty strings, nulls and comments are ignored (sops never
 * encrypts them). Returns the count, or -1 on error (err). */
int audit_clear_values(const struct sdoc *doc, const struct sel_rules *rules,
		       struct buf *report, struct sops_err *err);

#endif
