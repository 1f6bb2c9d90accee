/* fuzz_meta.c - libFuzzer harness of the `sops:` metadata reader.
 *
 * The input becomes the body of a metadata block so the fuzzer stays in
 * meta_load: first byte even -> YAML (input lines indented under `sops:`),
 * odd -> dotenv (input lines prefixed with `sops_`). The block is loaded,
 * its key id computed and the file opened with the fixed data key.
 */
#include "fuzz_common.h"
#include "../../common/buf.h"

static void wrap(struct buf *b, int yaml, const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (buf_adds(b, yaml ? "a: ENC[AES256_GCM,data:AA==,iv:AAAAAAAAAAAAAAAAAAAAAA==,"
			       "tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\nsops:\n" : "a=b\n") != 0)
		abort();
	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '\n')
			j++;
		if (buf_adds(b, yaml ? "    " : "sops_") != 0 || buf_add(b, p + i, j - i) != 0 ||
		    buf_addc(b, '\n') != 0)
			abort();
		i = j + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct store_ops *st;
	struct sops_err err = { 0 };
	struct sops_meta m;
	struct sdoc *doc;
	struct buf b;
	int yaml;

	if (size == 0)
		return 0;
	yaml = (data[0] & 1) == 0;
	st = yaml ? &yaml_store : &dotenv_store;
	buf_init(&b, 0);
	wrap(&b, yaml, data + 1, size - 1);
	doc = sdoc_parse(st, (const char *)b.data, b.len, PARSE_ENCRYPTED, &err);
	if (doc != NULL) {
		memset(&m, 0, sizeof(m));
		if (doc->meta != NULL && meta_load(doc, &m, &err) == 0) {
			uint8_t id[32];

			(void)meta_key_id(&m, id);
			meta_free(&m);
		}
		sdoc_free(doc);
	}
	fuzz_store(st, b.data, b.len);
	buf_free(&b);
	return 0;
}
