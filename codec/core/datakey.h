/* datakey.h - recover a file's data key from its key groups, and wrap a new
 * one for new files (sops.go GetDataKeyWithKeyServices, UpdateMasterKeys).
 *
 * One group: the first key of the group that unwraps (in decryption order:
 * SOPS_DECRYPTION_ORDER or age, pgp, then the others) yields the key.
 * Several groups: every group is tried; at least shamir_threshold shares
 * are needed and all recovered shares are combined. Failure: sops' report
 * ("Failed to get the data key required to decrypt the SOPS file." with a
 * per-group, per-key breakdown), code 128.
 */
#ifndef SOPSFS_DATAKEY_H
#define SOPSFS_DATAKEY_H

#include <stdint.h>
#include "sops_meta.h"
#include "../../crypto/aes_value.h"

int datakey_get(const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN],
		struct sops_err *err);
/* The same; by (if not NULL) gets "TYPE KEY" of each master key that
 * unwrapped it (age recipient, PGP fingerprint), comma-separated. */
int datakey_get_by(const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN], struct buf *by,
		   struct sops_err *err);

/* A recipient of another provider: its metadata list name ("kms",
 * "gcp_kms", "azure_kv", "hc_vault", "hckms") and the string its wrap()
 * takes (see each provider's header). */
struct recipient {
	const char *type;       /* static string */
	char *value;
};

/* Recipients of one key group, as written on the command line or in
 * .sops.yaml (age recipients, PGP fingerprints, network key services). */
struct recipient_group {
	char **age;
	size_t nage;
	char **pgp;
	size_t npgp;
	struct recipient *other;
	size_t nother;
};

/* Wrap key for every recipient: one group -> the key itself; n >= 2 groups
 * -> Shamir shares (threshold t, 0 = all groups), share i for group i.
 * Fills *out with ngroups new_group (free with datakey_groups_free). */
int datakey_wrap(const uint8_t key[SOPS_DATA_KEY_LEN], const struct recipient_group *groups,
		 size_t ngroups, int threshold, struct new_group **out, struct sops_err *err);
void datakey_groups_free(struct new_group *g, size_t n);

/* Go's github.com/mitchellh/go-wordwrap WrapString (greedy, at spaces). */
int wordwrap(const char *s, size_t lim, struct buf *out);

#endif
