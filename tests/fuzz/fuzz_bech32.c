/* fuzz_bech32.c - libFuzzer harness of bech32 and the age key strings.
 *
 * Decodes the input as bech32; what decodes is encoded again and must give
 * the input back (lower- or upper-cased as written). The input is also
 * parsed as an X25519 identity and as a recipient (age1..., ssh lines).
 */
#include "fuzz_common.h"
#include "../../crypto/age/age.h"

#include <ctype.h>

static void roundtrip(const char *s, size_t n)
{
	struct buf hrp, data, again;
	const char *why = NULL;

	buf_init(&hrp, 0);
	buf_init(&data, 0);
	buf_init(&again, 0);
	if (age_bech32_decode(s, n, &hrp, &data, &why) == 0) {
		if (buf_addc(&hrp, '\0') != 0 ||
		    age_bech32_encode((const char *)hrp.data, data.data, data.len, &again) != 0)
			abort();
		if (again.len != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (tolower((unsigned char)again.data[i]) != tolower((unsigned char)s[i]))
				abort();
	}
	buf_free(&hrp);
	buf_free(&data);
	buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct sops_err err = { 0 };
	struct age_identity *id = NULL;
	struct age_recipient r;

	roundtrip(s, size);
	if (age_x25519_identity_parse(s, size, &id, &err) == 0)
		age_identity_free(id);
	memset(&r, 0, sizeof(r));
	if (age_recipient_parse(s, &r, &err) == 0)
		age_recipient_free(&r);
	free(s);
	return 0;
}
