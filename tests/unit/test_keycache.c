/* test_keycache.c - the mount's data-key cache (crypto/keycache.c): keys
 * found by identity, refreshed and replaced, dropped on expiry (idle and
 * hard) and wipe; thousands of keys through several rehashes; labels kept
 * once each and shown per key by keycache_list, a label for an unknown id
 * ignored, labels past the cap left empty. */
#include "check.h"
#include "../../crypto/keycache.h"

#include <stdint.h>

static void make_id(uint8_t id[KEYCACHE_ID_LEN], uint32_t n)
{
	memset(id, 0, KEYCACHE_ID_LEN);
	/* slot_of reads the first 8 bytes: spread them */
	uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL;

	memcpy(id, &h, sizeof(h));
	memcpy(id + 8, &n, sizeof(n));
}

static void make_key(uint8_t key[KEYCACHE_KEY_LEN], uint32_t n)
{
	for (int i = 0; i < KEYCACHE_KEY_LEN; i++)
		key[i] = (uint8_t)(n * 31 + (uint32_t)i);
}

static void test_put_get(void)
{
	struct keycache *c = keycache_new(600, 7200);
	uint8_t id[KEYCACHE_ID_LEN], key[KEYCACHE_KEY_LEN], got[KEYCACHE_KEY_LEN];

	CHECK(c != NULL);
	make_id(id, 1);
	make_key(key, 1);
	CHECK(!keycache_get(c, id, got));
	CHECK(keycache_put(c, id, key) == 0);
	CHECK(keycache_get(c, id, got) && memcmp(got, key, sizeof(key)) == 0);
	make_key(key, 2);                               /* replaced */
	CHECK(keycache_put(c, id, key) == 0);
	CHECK(keycache_get(c, id, got) && memcmp(got, key, sizeof(key)) == 0);
	CHECK(keycache_count(c) == 1 && keycache_has(c, id));
	keycache_wipe(c);
	CHECK(keycache_count(c) == 0 && !keycache_get(c, id, got));
	keycache_free(c);
}

static void test_expiry(void)
{
	struct keycache *c = keycache_new(600, 7200);
	uint8_t id[KEYCACHE_ID_LEN], key[KEYCACHE_KEY_LEN];
	time_t now = time(NULL);

	for (uint32_t i = 0; i < 10; i++) {
		make_id(id, i);
		make_key(key, i);
		CHECK(keycache_put(c, id, key) == 0);
	}
	CHECK(keycache_expire(c, now + 10) == 0);
	CHECK(keycache_expire(c, now + 601) == 10);     /* idle TTL */
	CHECK(keycache_count(c) == 0);
	make_id(id, 3);
	CHECK(!keycache_has(c, id));
	keycache_free(c);
}

/* 5,000 keys (several rehashes), two labels shared by all, one label set
 * for an id never put: every key and its label come back. */
static void test_many_and_labels(void)
{
	struct keycache *c = keycache_new(600, 7200);
	static struct keycache_info info[6000];
	uint8_t id[KEYCACHE_ID_LEN], key[KEYCACHE_KEY_LEN], got[KEYCACHE_KEY_LEN];
	size_t n, age = 0, kms = 0;

	for (uint32_t i = 0; i < 5000; i++) {
		make_id(id, i);
		make_key(key, i);
		CHECK(keycache_put(c, id, key) == 0);
		keycache_set_label(c, id, i % 3 ? "age age1example" : "aws_kms arn:aws:kms:eu-west-1:1:key/k");
	}
	make_id(id, 99999);
	keycache_set_label(c, id, "never put");
	CHECK(!keycache_has(c, id));
	for (uint32_t i = 0; i < 5000; i++) {
		make_id(id, i);
		make_key(key, i);
		CHECKF(keycache_get(c, id, got) && memcmp(got, key, sizeof(key)) == 0, "key %u", i);
	}
	n = keycache_list(c, info, 6000);
	CHECK(n == 5000);
	for (size_t i = 0; i < n; i++) {
		uint32_t k;

		memcpy(&k, info[i].id + 8, sizeof(k));
		if (strcmp(info[i].label, k % 3 ? "age age1example" : "aws_kms arn:aws:kms:eu-west-1:1:key/k") != 0)
			CHECKF(0, "key %u label '%s'", k, info[i].label);
		age += k % 3 != 0;
		kms += k % 3 == 0;
	}
	CHECK(age == 3333 && kms == 1667);
	keycache_free(c);
}

/* More distinct labels than the cache keeps: the extra ones show empty;
 * a label longer than the info's field is cut to fit. */
static void test_label_cap(void)
{
	struct keycache *c = keycache_new(600, 7200);
	static struct keycache_info info[5000];
	uint8_t id[KEYCACHE_ID_LEN], key[KEYCACHE_KEY_LEN];
	char label[400];
	size_t n, empty = 0, cut = 0;

	for (uint32_t i = 0; i < 4200; i++) {
		make_id(id, i);
		make_key(key, i);
		CHECK(keycache_put(c, id, key) == 0);
		if (i == 0) {
			memset(label, 'x', sizeof(label) - 1);
			label[sizeof(label) - 1] = '\0';
		} else {
			snprintf(label, sizeof(label), "label-%u", i);
		}
		keycache_set_label(c, id, label);
	}
	n = keycache_list(c, info, 5000);
	CHECK(n == 4200);
	for (size_t i = 0; i < n; i++) {
		empty += info[i].label[0] == '\0';
		cut += strlen(info[i].label) == KEYCACHE_LABEL_LEN - 1;
	}
	CHECKF(empty == 4200 - 4096 && cut == 1, "empty %zu cut %zu", empty, cut);
	keycache_free(c);
}

int main(void)
{
	RUN(test_put_get);
	RUN(test_expiry);
	RUN(test_many_and_labels);
	RUN(test_label_cap);
	return CHECK_DONE();
}
