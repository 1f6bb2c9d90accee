/* fuzz_json.c - libFuzzer harness of the json store: parse (encrypted and
 * plain), render, metadata, open with a fixed data key (fuzz_common.h). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_store(&json_store, data, size);
	return 0;
}
