/* test_shamir.c - Shamir secret sharing over GF(2^8) as sops does it. */
#include "crypto_util.h"

/* ---- Shamir ---- */

static void test_shamir_vector(void)
{
	char *f = shared_file("synthetic/shamir_3groups_t2.datakey.hex", NULL), *line[4];
	uint8_t key[32], sh[3][33], out[32];
	const uint8_t *parts[3];
	struct sops_err err;
	static const int combos[][3] = { { 0, 1, -1 }, { 1, 0, -1 }, { 0, 2, -1 }, { 2, 1, -1 },
					  { 0, 1, 2 }, { 2, 0, 1 } };

	if (f == NULL)
		SKIP("../shared/interop/sops/synthetic missing");
	line[0] = strtok(f, "\n");
	for (int i = 1; i < 4; i++)
		line[i] = strtok(NULL, "\n");
	CHECK(line[3] != NULL && strlen(line[0]) == 64 && strlen(line[1]) == 66);
	CHECK(unhex(line[0], 32, key) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK(unhex(line[i + 1], 33, sh[i]) == 0);
		CHECK(sh[i][32] == i + 1);   /* sops >= 3.10: x = group index + 1 */
	}
	for (size_t c = 0; c < sizeof(combos) / sizeof(combos[0]); c++) {
		size_t n = combos[c][2] < 0 ? 2 : 3;

		for (size_t i = 0; i < n; i++)
			parts[i] = sh[combos[c][i]];
		memset(out, 0, sizeof(out));
		CHECK(shamir_combine(parts, n, 33, out, &err) == 0);
		CHECK_MEM(out, 32, key, 32);
	}
	parts[0] = sh[1];
	CHECK(shamir_combine(parts, 1, 33, out, &err) == -1);
	CHECK_MSG(err, "less than two parts cannot be used to reconstruct the secret");
	parts[1] = sh[1];
	CHECK(shamir_combine(parts, 2, 33, out, &err) == -1);
	CHECK_MSG(err, "duplicate part detected");
	free(f);
}

static void test_shamir_split_combine(void)
{
	uint8_t secret[32], out[32];
	uint8_t *shares[7];
	const uint8_t *parts[7];
	struct sops_err err;

	for (int i = 0; i < 7; i++) {
		shares[i] = sm_alloc(33);
		CHECK(shares[i] != NULL);
	}
	for (int t = 2; t <= 5; t++) {
		for (int round = 0; round < 5; round++) {
			int parts_n = t + round % 3;

			CHECK(crypto_random(secret, sizeof(secret)) == 0);
			CHECK(shamir_split(secret, 32, parts_n, t, shares, &err) == 0);
			for (int i = 0; i < parts_n; i++)
				CHECK(shares[i][32] == i + 1);
			/* any t shares (a rotating window) give the secret */
			for (int start = 0; start < parts_n; start++) {
				for (int i = 0; i < t; i++)
					parts[i] = shares[(start + i) % parts_n];
				CHECK(shamir_combine(parts, (size_t)t, 33, out, &err) == 0);
				CHECK_MEM(out, 32, secret, 32);
			}
			/* all shares also work */
			for (int i = 0; i < parts_n; i++)
				parts[i] = shares[i];
			CHECK(shamir_combine(parts, (size_t)parts_n, 33, out, &err) == 0);
			CHECK_MEM(out, 32, secret, 32);
			/* t-1 shares give something else (t >= 3; 2 shares always "combine") */
			if (t >= 3) {
				CHECK(shamir_combine(parts, (size_t)t - 1, 33, out, &err) == 0);
				CHECK(memcmp(out, secret, 32) != 0);
			}
		}
	}
	CHECK(shamir_split(secret, 32, 1, 2, shares, &err) == -1);
	CHECK_MSG(err, "parts cannot be less than threshold");
	CHECK(shamir_split(secret, 32, 3, 1, shares, &err) == -1);
	CHECK_MSG(err, "threshold must be at least 2");
	CHECK(shamir_split(secret, 32, 256, 2, shares, &err) == -1);
	CHECK_MSG(err, "parts cannot exceed 255");
	CHECK(shamir_split(secret, 0, 3, 2, shares, &err) == -1);
	CHECK_MSG(err, "cannot split an empty secret");
	parts[0] = shares[0];
	parts[1] = shares[1];
	CHECK(shamir_combine(parts, 2, 1, out, &err) == -1);
	CHECK_MSG(err, "parts must be at least two bytes");
	for (int i = 0; i < 7; i++)
		sm_free(shares[i]);
}

/* A hand-made share set: f(x) = s + 7x over GF(2^8) at x = 1, 2. */
static void test_shamir_field(void)
{
	/* 7*1 = 7, 7*2 = 14 in GF(2^8); y = s ^ 7x */
	uint8_t a[3] = { 0x42 ^ 0x07, 0x00 ^ 0x07, 1 }, b[3] = { 0x42 ^ 0x0e, 0x00 ^ 0x0e, 2 };
	/* 0x53 * 0xCA = 0x01 under 0x11B (the AES field): f(x) = s + 0xCA x gives
	 * y = s ^ 0x01 at x = 0x53 and y = s ^ 0xCA at x = 1. */
	uint8_t c[2] = { 0x99 ^ 0x01, 0x53 }, d[2] = { 0x99 ^ 0xCA, 0x01 };
	const uint8_t *p[2] = { a, b };
	uint8_t out[2];
	struct sops_err err;

	CHECK(shamir_combine(p, 2, 3, out, &err) == 0);
	CHECK(out[0] == 0x42 && out[1] == 0x00);
	p[0] = c;
	p[1] = d;
	CHECK(shamir_combine(p, 2, 2, out, &err) == 0);
	CHECK(out[0] == 0x99);
}

int main(void)
{
	RUN(test_shamir_vector);
	RUN(test_shamir_split_combine);
	RUN(test_shamir_field);
	return CHECK_DONE();
}
