/* fuzz_common.h - shared helpers of the libFuzzer harnesses (tests/fuzz).
 *
 * Every harness defines LLVMFuzzerTestOneInput and feeds outside input to
 * one parser. Store harnesses go through fuzz_store(): parse as an encrypted
 * file and as plaintext, render the decrypted view, extract the metadata
 * text, load the metadata and open the file with a fixed data key (so
 * ENC[...] values and the MAC are decoded too). Any crash, leak, hang or
 * sanitizer report is a finding; parse errors are normal.
 */
#ifndef SOPSFS_FUZZ_COMMON_H
#define SOPSFS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../codec/core/sops_file.h"
#include "../../codec/core/store.h"
#include "../../codec/core/sops_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed data key of the harnesses: 32 times 'f', the key of the value
 * cipher vector in sops' aes/cipher_test.go (seeds use it). */
static inline const uint8_t *fuzz_key(void)
{
	static uint8_t k[SOPS_DATA_KEY_LEN];

	memset(k, 'f', sizeof(k));
	return k;
}

/* A NUL-terminated heap copy of the input (parsers take C strings). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Render doc with every leaf kept and the metadata cut out. */
static inline void fuzz_render_keep(const struct sdoc *doc)
{
	struct rep *reps = calloc(doc->nleaves + 1, sizeof(*reps));
	struct sops_err err = { 0 };
	struct buf out;

	if (reps == NULL)
		abort();
	buf_init(&out, 1);
	(void)doc->store->render(doc, reps, NULL, 0, &out, &err);
	buf_free(&out);
	free(reps);
}

static inline void fuzz_meta(struct sdoc *doc)
{
	struct sops_err err = { 0 };
	struct sops_meta m;
	struct buf out;

	if (doc->meta == NULL)
		return;
	buf_init(&out, 0);
	(void)doc->store->meta_extract(doc, NULL, 0, &out, &err);
	buf_free(&out);
	memset(&m, 0, sizeof(m));
	if (meta_load(doc, &m, &err) == 0)
		meta_free(&m);
}

static inline void fuzz_store(const struct store_ops *st, const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct sops_err err = { 0 };
	struct sops_opts opts = { 0 };
	struct sops_file *f = NULL;
	struct sdoc *doc;

	doc = sdoc_parse(st, text, size, PARSE_ENCRYPTED, &err);
	if (doc != NULL) {
		fuzz_render_keep(doc);
		fuzz_meta(doc);
		sdoc_free(doc);
	}
	doc = sdoc_parse(st, text, size, PARSE_PLAIN, &err);
	if (doc != NULL) {
		fuzz_render_keep(doc);
		sdoc_free(doc);
	}
	if (sops_file_open_as(st, text, size, fuzz_key(), &opts, &f, &err) == 0)
		sops_file_free(f);
	free(text);
}

#endif
