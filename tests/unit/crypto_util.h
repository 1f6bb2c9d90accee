/* crypto_util.h - helpers of the crypto unit tests (hex, shared fixtures). */
#ifndef SOPSFS_CRYPTO_UTIL_H
#define SOPSFS_CRYPTO_UTIL_H

/* Helpers shared by several test files; each file uses some of them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "check.h"
#include "../../crypto/aes_value.h"
#include "../../crypto/b64.h"
#include "../../crypto/hash.h"
#include "../../common/secure_mem.h"
#include "../../crypto/shamir.h"

#include <jansson.h>
#include <stdint.h>

/* ---- helpers ---- */

/* Compare a sops_err message (printed truncated: the buffer is large). */
#define CHECK_MSG(e, want) CHECKF(strcmp((e).msg, (want)) == 0, \
				  "expected \"%s\", got \"%.300s\"", (want), (e).msg)

static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static char *shared_file(const char *rel, size_t *len)
{
	char path[512];
	const char *sh = check_shared_dir();

	if (sh == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/interop/sops/%s", sh, rel);
	return check_read_file(path, len);
}

/* ---- base64 ---- */

#pragma GCC diagnostic pop

#endif
