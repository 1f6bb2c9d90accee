/* fuzz_age_armor.c - libFuzzer harness of age's ASCII armor.
 *
 * What decodes is encoded again; that encoding must decode to the same
 * bytes (armor_encode's output is the canonical form).
 */
#include "fuzz_common.h"
#include "../../crypto/age/age.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sops_err err = { 0 };
	struct buf out, enc, again;

	(void)age_is_armored(data, size);
	buf_init(&out, 0);
	if (age_armor_decode(data, size, &out, &err) == 0) {
		buf_init(&enc, 0);
		buf_init(&again, 0);
		if (age_armor_encode(out.data, out.len, &enc) != 0 ||
		    age_armor_decode(enc.data, enc.len, &again, &err) != 0 ||
		    again.len != out.len || (out.len > 0 && memcmp(again.data, out.data, out.len) != 0))
			abort();
		buf_free(&enc);
		buf_free(&again);
	}
	buf_free(&out);
	return 0;
}
