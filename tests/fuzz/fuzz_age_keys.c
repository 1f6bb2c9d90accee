/* fuzz_age_keys.c - libFuzzer harness of age key material read from files:
 * SSH private keys (OpenSSH, PEM RSA, PKCS#8), SSH public key lines, and
 * age identity files (as SOPS_AGE_KEY, the loader the mount and CLI use).
 *
 * The first input byte picks the parser; the rest is the text.
 */
#include "fuzz_common.h"
#include "../../crypto/age/age.h"
#include "../../providers/age/age_provider.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Only SOPS_AGE_KEY is read: no key file, command or home directory. */
	unsetenv("SOPS_AGE_KEY_FILE");
	unsetenv("SOPS_AGE_KEY_CMD");
	unsetenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE");
	unsetenv("SOPS_AGE_SSH_PRIVATE_KEY_CMD");
	setenv("HOME", "/nonexistent-sopsfs-fuzz", 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent-sopsfs-fuzz", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sops_err err = { 0 };
	struct age_identity *id = NULL;
	struct age_recipient r;
	int encrypted = 0;
	char *s;

	if (size == 0)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		if (age_ssh_identity_parse(data + 1, size - 1, &id, &encrypted, &err) == 0)
			age_identity_free(id);
		break;
	case 1:
		memset(&r, 0, sizeof(r));
		(void)age_ssh_recipient_parse(s, &r, &err);
		age_recipient_free(&r);
		break;
	default:
		setenv("SOPS_AGE_KEY", s, 1);
		(void)age_identities_load(&err);
		age_identities_forget();
		break;
	}
	free(s);
	return 0;
}
