/* fuzz_age_header.c - libFuzzer harness of age files: header parsing and
 * whole-file decryption (armored or binary) with a fixed X25519 identity.
 *
 * A header that parses is marshalled again and must give back exactly the
 * bytes it was read from (age's header format is canonical).
 */
#include "fuzz_common.h"
#include "../../crypto/age/age.h"

static struct age_identity *fixed_identity(void)
{
	static struct age_identity *id;
	struct sops_err err = { 0 };
	uint8_t secret[32];
	struct buf s;

	if (id != NULL)
		return id;
	memset(secret, 0x42, sizeof(secret));
	buf_init(&s, 1);
	if (age_bech32_encode("AGE-SECRET-KEY-", secret, sizeof(secret), &s) != 0 ||
	    age_x25519_identity_parse((const char *)s.data, s.len, &id, &err) != 0)
		abort();
	buf_free(&s);
	return id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct age_identity *ids[1] = { fixed_identity() };
	enum age_decrypt_stage stage;
	struct sops_err err = { 0 };
	struct age_header h;
	size_t off = 0;
	struct buf out;

	memset(&h, 0, sizeof(h));
	if (age_header_parse(data, size, &h, &off, &err) == 0) {
		buf_init(&out, 0);
		if (age_header_marshal(&h, &out) != 0 || out.len != off ||
		    memcmp(out.data, data, off) != 0)
			abort();
		buf_free(&out);
	}
	age_header_free(&h);
	buf_init(&out, 1);
	(void)age_decrypt(data, size, ids, 1, &out, &stage, &err);
	buf_free(&out);
	return 0;
}
