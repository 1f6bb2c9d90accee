/* vault_addr.h - Vault transit key URIs and the allowlist of Vault
 * addresses (see vault_addr.c for the rules). */
#ifndef SOPSFS_VAULT_ADDR_H
#define SOPSFS_VAULT_ADDR_H

#include "../../common/err.h"

struct vault_key {
	char *address;       /* scheme://host[:port] */
	char *engine_path;   /* may contain '/' */
	char *key_name;
};

/* "https://vault.example.org:8200/v1/<engine...>/keys/<name>" -> parts,
 * with sops' error texts. Free with vault_key_free. */
int vault_uri_parse(const char *uri, struct vault_key *k, struct sops_err *err);
void vault_key_free(struct vault_key *k);

/* 1 if a is exactly scheme://host[:port] (http or https). */
int vault_addr_is_origin(const char *a);

/* 0 if the address may be contacted, else -1 with
 * "Allowlist does not allow <addr>" (and why). Decided before any
 * connection. */
int vault_allowed(const char *addr, struct sops_err *err);

#endif
