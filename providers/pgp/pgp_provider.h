/* pgp_provider.h - the "pgp" master-key provider (GnuPG through gpgme).
 *
 * Entries: fields "created_at", "enc" (ASCII-armored OpenPGP message of
 * the data key or Shamir share), "fp" (fingerprint the key was wrapped
 * for). Decryption uses whatever secret key gpg has (fp is not used), via
 * gpg-agent and $GNUPGHOME, like sops' gpg fallback (docs/sops-format.md
 * 5.2). The provider itself is `pgp_provider` (providers/provider.h).
 */
#ifndef SOPSFS_PGP_PROVIDER_H
#define SOPSFS_PGP_PROVIDER_H

#include "../provider.h"

extern const struct provider pgp_provider;

/* Initialise gpgme once (thread-safe; called by wrap/unwrap too). Returns
 * 0, or -1 with the reason (no gpgme / no usable OpenPGP engine). */
int pgp_init(struct sops_err *err);

/* Largest plaintext accepted from gpg (a data key is 32 bytes, a share 33). */
#define PGP_MAX_KEY_LEN 1024

#endif
