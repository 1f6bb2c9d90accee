/* provider.h - master-key providers: wrap and unwrap a file's data key.
 *
 * Each provider owns one metadata list ("age", "pgp"; later "kms",
 * "gcp_kms", "azure_kv", "hc_vault", "hckms") and knows the fields of its
 * entries. The codec never looks inside an `enc` blob; it asks the provider
 * of the entry's list. Adding a provider = one file + one line in
 * providers/registry.c; codec/ does not change.
 */
#ifndef SOPSFS_PROVIDER_H
#define SOPSFS_PROVIDER_H

#include <stddef.h>
#include <stdint.h>
#include "../common/buf.h"
#include "../common/err.h"

/* One master key entry as read from a file's metadata. Strings point into
 * the document (valid while it lives); fields has every scalar field of the
 * entry (name -> value) in file order. */
struct mk_field {
	const char *name;
	const char *value;
	size_t len;
};

#define MK_MAX_FIELDS 16

struct master_key {
	const char *type;               /* metadata list name, e.g. "age" */
	struct mk_field fields[MK_MAX_FIELDS];
	size_t nfields;
};

/* Value of field name in mk, or NULL. */
const struct mk_field *mk_get(const struct master_key *mk, const char *name);

/* A new master key entry produced by wrap(); fields in the order sops 3.13
 * writes them (sorted by name). Strings are heap-allocated; free with
 * mk_new_free. None of them is secret (enc is ciphertext). */
struct mk_new {
	const char *type;
	char *names[MK_MAX_FIELDS];
	char *values[MK_MAX_FIELDS];
	size_t nfields;
};
int mk_new_add(struct mk_new *mk, const char *name, const char *value, size_t len);
void mk_new_free(struct mk_new *mk);

struct provider {
	const char *type;      /* metadata list name */
	/* Decrypt the entry's enc. out is a secure buffer that receives the
	 * data key (32 bytes) or Shamir share (33 bytes). On failure return -1
	 * with a short reason for the per-group report (sops' words, e.g.
	 * "failed to load age identities. Did not find keys in locations ..."
	 * or "no identity matched any of the recipients"). */
	int (*unwrap)(const struct master_key *mk, struct buf *out, struct sops_err *err);
	/* Wrap key[0..len) for one recipient as written on the command line or
	 * in .sops.yaml (age: "age1...", "ssh-ed25519 AAAA...", pgp:
	 * fingerprint). Fills out (type and fields). */
	int (*wrap)(const char *recipient, const uint8_t *key, size_t len,
		    struct mk_new *out, struct sops_err *err);
	/* A short human id of the entry for reports (recipient, fp, arn...). */
	const char *(*describe)(const struct master_key *mk);
};

/* The registry (providers/registry.c). Unknown types: NULL. */
const struct provider *provider_for(const char *type);
/* Types in sops' default decryption order: age, pgp, then the others. */
extern const char *const provider_decryption_order[];

#endif
