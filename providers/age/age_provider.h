/* age_provider.h - the age master-key provider and its identity store.
 *
 * The provider itself is `const struct provider age_provider` (type "age",
 * see provider.h). Identities are loaded from every source sops 3.13 reads
 * (sops-format.md 5.1), in sops' order:
 *   SOPS_AGE_SSH_PRIVATE_KEY_FILE, SOPS_AGE_SSH_PRIVATE_KEY_CMD,
 *   ~/.ssh/id_ed25519, ~/.ssh/id_rsa, SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,
 *   SOPS_AGE_KEY_CMD, $XDG_CONFIG_HOME/sops/age/keys.txt (or
 *   ~/.config/sops/age/keys.txt).
 * They live in locked memory until age_identities_forget(). Not supported
 * (skipped, and named in the failure report): post-quantum identities
 * (AGE-SECRET-KEY-PQ-1...), plugin identities (AGE-PLUGIN-...),
 * passphrase-protected SSH keys and age-encrypted identity files.
 */
#ifndef SOPSFS_AGE_PROVIDER_H
#define SOPSFS_AGE_PROVIDER_H

#include <stddef.h>
#include "../../common/err.h"
#include "../../crypto/age/age.h"
#include "../provider.h"

extern const struct provider age_provider;

/* Load the identities now (the mount calls this at mount time). Idempotent:
 * returns 0 at once when identities are already loaded. Returns -1 with
 * sops' "failed to load age identities. ..." text when none was found (a
 * later unwrap then tries again). The key commands run with
 * SOPS_AGE_RECIPIENT set to "" (no recipient is known yet); an unwrap that
 * has to load lazily sets it to the entry's recipient, as sops does. */
int age_identities_load(struct sops_err *err);
/* Wipe and drop every loaded identity (next use reloads). */
void age_identities_forget(void);
/* Number of identities currently loaded. */
size_t age_identities_count(void);

/* ---- used by age_provider.c (age_identities.c) ---------------------- */

/* Take the store (a read lock: unwraps run in parallel), loading it first
 * if nothing is loaded yet (recipient goes to SOPS_AGE_RECIPIENT for key
 * commands), and return the identities; *n is 0 when none could be
 * loaded. Every call is paired with age_identities_release(). */
struct age_identity *const *age_identities_acquire(const char *recipient, size_t *n);
void age_identities_release(void);
/* With the store taken: sops' formatError(msg, reason, errs, unused) for the
 * last load: "<msg>[: <reason>][. Errors while loading age identities:
 * ...][. Did not find keys in location(s) ...]". reason may be NULL. */
int age_identities_error(struct sops_err *err, const char *msg, const char *reason);

/* Run a key command like sops (split shell-like, no shell; stdout captured
 * into out, a secure buffer; env SOPS_AGE_RECIPIENT=recipient added).
 * Errors: "failed to parse command ..." / "failed to execute command ...".
 * (age_cmd.c) */
int age_run_key_cmd(const char *cmdline, const char *recipient, struct buf *out,
		    struct sops_err *err);
/* google/shlex.Split: words separated by whitespace, '...' literal, "..."
 * with backslash escapes, backslash outside quotes, '#' comments. The
 * result is a malloc'ed NULL-terminated array of malloc'ed strings (free
 * with age_shlex_free). Returns -1 with *why on unterminated quotes. */
int age_shlex_split(const char *s, char ***argv, size_t *argc, const char **why);
void age_shlex_free(char **argv);

#endif
