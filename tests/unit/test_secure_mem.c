/* test_secure_mem.c - the locked arena: contents, wiping, stats, protections. */
#include "check.h"
#include "../../common/secure_mem.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#define NALLOC 3000

static size_t size_for(int i)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 32, 33, 100, 255, 1000,
					4096, 5000, 20000, 65535, 65536, 70000 };

	return sizes[(size_t)i % (sizeof(sizes) / sizeof(sizes[0]))] + (size_t)(i % 7);
}

static void fill(uint8_t *p, size_t n, int seed)
{
	for (size_t k = 0; k < n; k++)
		p[k] = (uint8_t)(seed * 31 + (int)k * 7 + 1);
}

static int same(const uint8_t *p, size_t n, int seed)
{
	for (size_t k = 0; k < n; k++)
		if (p[k] != (uint8_t)(seed * 31 + (int)k * 7 + 1))
			return 0;
	return 1;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (p[k] != 0)
			return 0;
	return 1;
}

static void test_mixed_sizes_keep_contents(void)
{
	static uint8_t *ptr[NALLOC];
	struct sm_stats before, mid, after;
	size_t want = 0;

	sm_stats(&before);
	for (int i = 0; i < NALLOC; i++) {
		size_t n = size_for(i);

		ptr[i] = sm_alloc(n);
		CHECK(ptr[i] != NULL);
		CHECK(((uintptr_t)ptr[i] & 15) == 0);
		CHECK(all_zero(ptr[i], n));
		CHECK(sm_size(ptr[i]) == n);
		fill(ptr[i], n, i);
		want += n;
	}
	sm_stats(&mid);
	CHECK(mid.allocations == before.allocations + NALLOC);
	CHECK(mid.bytes_in_use == before.bytes_in_use + want);
	CHECK(mid.bytes_mapped >= mid.bytes_in_use);
	/* free every third, then check the rest survived */
	for (int i = 0; i < NALLOC; i += 3) {
		sm_free(ptr[i]);
		ptr[i] = NULL;
	}
	for (int i = 0; i < NALLOC; i++)
		if (ptr[i] != NULL)
			CHECKF(same(ptr[i], size_for(i), i), "allocation %d corrupted", i);
	/* reallocate into the holes, check again */
	for (int i = 0; i < NALLOC; i += 3) {
		ptr[i] = sm_alloc(size_for(i));
		CHECK(ptr[i] != NULL);
		CHECK(all_zero(ptr[i], size_for(i)));
		fill(ptr[i], size_for(i), i);
	}
	for (int i = 0; i < NALLOC; i++)
		CHECKF(same(ptr[i], size_for(i), i), "allocation %d corrupted", i);
	for (int i = NALLOC - 1; i >= 0; i--)
		sm_free(ptr[i]);
	sm_stats(&after);
	CHECK(after.allocations == before.allocations);
	CHECK(after.bytes_in_use == before.bytes_in_use);
}

static void test_free_wipes_small(void)
{
	/* Keep a neighbour alive so the freed block stays mapped. */
	uint8_t *keep = sm_alloc(64), *p = sm_alloc(200), *q;

	CHECK(keep != NULL && p != NULL);
	memset(p, 0xA5, 200);
	sm_free(p);
	/* bytes past the free-list links (first 16 bytes) must be zero now */
	CHECK(all_zero(p + 16, 200 - 16));
	q = sm_alloc(200);
	CHECK(q != NULL);
	CHECK(all_zero(q, 200));
	sm_free(q);
	sm_free(keep);
}

static void test_big_alloc_and_realloc(void)
{
	struct sm_stats s0, s1, s2;
	uint8_t *p, *q;
	size_t big = 3 * 1024 * 1024 + 5;

	sm_stats(&s0);
	p = sm_alloc(big);
	CHECK(p != NULL);
	CHECK(all_zero(p, big));
	sm_stats(&s1);
	CHECK(s1.bytes_mapped >= s0.bytes_mapped + big);
	CHECK(s1.bytes_in_use == s0.bytes_in_use + big);
	fill(p, big, 9);
	q = sm_realloc(p, big * 2);
	CHECK(q != NULL);
	CHECK(same(q, big, 9));
	CHECK(all_zero(q + big, big));
	CHECK(sm_size(q) == big * 2);
	/* shrink into a chunk block */
	p = sm_realloc(q, 100);
	CHECK(p != NULL);
	CHECK(sm_size(p) == 100);
	CHECK(same(p, 100, 9));
	/* grow in place within the block: new bytes are zero */
	q = sm_realloc(p, 104);
	CHECK(q != NULL && sm_size(q) == 104);
	CHECK(same(q, 100, 9) && all_zero(q + 100, 4));
	/* shrink then grow: the cut tail must come back as zeros */
	q = sm_realloc(q, 10);
	q = sm_realloc(q, 100);
	CHECK(q != NULL && same(q, 10, 9) && all_zero(q + 10, 90));
	sm_free(q);
	sm_stats(&s2);
	CHECK(s2.bytes_in_use == s0.bytes_in_use);
	CHECK(s2.allocations == s0.allocations);
	p = sm_realloc(NULL, 5);
	CHECK(p != NULL && sm_size(p) == 5 && all_zero(p, 5));
	sm_free(p);
}

static void test_strndup_and_zero(void)
{
	char *s = sm_strndup("secret-xyz", 6);
	void *a = sm_alloc(0), *b = sm_alloc(0);

	CHECK_STR(s, "secret");
	CHECK(sm_size(s) == 7);
	CHECK(a != NULL && b != NULL && a != b);
	CHECK(sm_size(a) == 0);
	sm_free(s);
	sm_free(a);
	sm_free(b);
	sm_free(NULL);
}

static void test_trim_releases_chunks(void)
{
	static uint8_t *ptr[2000];
	struct sm_stats s0, s1, s2;

	sm_trim();
	sm_stats(&s0);
	for (int i = 0; i < 2000; i++) {
		ptr[i] = sm_alloc(1000);
		CHECK(ptr[i] != NULL);
	}
	sm_stats(&s1);
	/* at most one partly used chunk (256 KiB) can have absorbed some */
	CHECK(s1.bytes_mapped + 256 * 1024 >= s0.bytes_mapped + 2000 * 1000);
	for (int i = 0; i < 2000; i++)
		sm_free(ptr[i]);
	sm_trim();
	sm_stats(&s2);
	CHECK(s2.bytes_mapped <= s0.bytes_mapped);
	CHECK(s2.bytes_locked <= s2.bytes_mapped);
}

/* Find the smaps entry containing addr; copy its VmFlags line. */
static int vmflags_of(const void *addr, char *flags, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, cap, "%s", line + 8);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

static int has_flag(const char *flags, const char *fl)
{
	char pat[8];

	snprintf(pat, sizeof(pat), " %s", fl);
	for (const char *p = flags; (p = strstr(p, pat)) != NULL; p++)
		if (p[3] == ' ' || p[3] == '\n' || p[3] == '\0')
			return 1;
	return 0;
}

static void test_smaps_locked_dontdump(void)
{
	uint8_t *small = sm_alloc(32), *big = sm_alloc(200000);
	char flags[256];
	struct sm_stats st;
	struct rlimit rl;

	CHECK(small != NULL && big != NULL);
	CHECK(vmflags_of(small, flags, sizeof(flags)) == 0);
	CHECKF(has_flag(flags, "dd"), "chunk not MADV_DONTDUMP: %s", flags);
	sm_stats(&st);
	getrlimit(RLIMIT_MEMLOCK, &rl);
	if (!st.mlock_failed) {
		CHECKF(has_flag(flags, "lo"), "chunk not locked: %s", flags);
		CHECK(st.bytes_locked == st.bytes_mapped);
	}
#ifdef MADV_WIPEONFORK
	CHECKF(has_flag(flags, "wf"), "chunk not MADV_WIPEONFORK: %s", flags);
#endif
	CHECK(vmflags_of(big, flags, sizeof(flags)) == 0);
	CHECKF(has_flag(flags, "dd"), "big map not MADV_DONTDUMP: %s", flags);
	if (!st.mlock_failed)
		CHECKF(has_flag(flags, "lo"), "big map not locked: %s", flags);
	/* the page right before a big allocation's mapping is a guard (no access) */
	CHECK(vmflags_of(big - 4096 - 32, flags, sizeof(flags)) == 0);
	CHECKF(!has_flag(flags, "rd") && !has_flag(flags, "wr"), "guard page accessible: %s", flags);
	sm_free(small);
	sm_free(big);
	if (st.mlock_failed && geteuid() == 0)
		CHECKF(0, "mlock failed although running as root");
}

static void *thread_body(void *arg)
{
	int id = (int)(intptr_t)arg, bad = 0;
	uint8_t *p[200];

	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 200; i++) {
			p[i] = sm_alloc(size_for(i + id) % 3000);
			if (p[i] == NULL)
				return (void *)1;
			fill(p[i], size_for(i + id) % 3000, i + id);
		}
		for (int i = 0; i < 200; i++) {
			bad |= !same(p[i], size_for(i + id) % 3000, i + id);
			sm_free(p[i]);
		}
	}
	return (void *)(intptr_t)bad;
}

static void test_threads(void)
{
	pthread_t t[4];
	void *rc;
	struct sm_stats s0, s1;

	sm_stats(&s0);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, thread_body, (void *)(intptr_t)(i * 13)) == 0);
	for (int i = 0; i < 4; i++) {
		CHECK(pthread_join(t[i], &rc) == 0);
		CHECK(rc == NULL);
	}
	sm_stats(&s1);
	CHECK(s1.allocations == s0.allocations);
	CHECK(s1.bytes_in_use == s0.bytes_in_use);
}

/* A thread allocating and freeing small blocks keeps some (its cache):
 * they come back wiped to that thread, and go back to the arena when it
 * exits, so trimming can then release every chunk it used. */
static void *cache_body(void *arg)
{
	static uint8_t *p[4000];        /* about 700 KiB: more than the free
					   room of a chunk, so new chunks */
	int ok = 1;

	(void)arg;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4000; i++) {
			size_t n = 16 + (size_t)(i % 20) * 16;

			p[i] = sm_alloc(n);
			ok &= p[i] != NULL && all_zero(p[i], n);
			if (p[i] != NULL)
				memset(p[i], 0x5A, n);
		}
		for (int i = 4000; i-- > 0;)    /* the newest first: cached */
			sm_free(p[i]);
	}
	return ok ? NULL : (void *)1;
}

static void test_thread_cache(void)
{
	pthread_t t;
	void *rc = (void *)1;
	struct sm_stats s0, s1;

	sm_trim();
	sm_stats(&s0);
	CHECK(pthread_create(&t, NULL, cache_body, NULL) == 0);
	CHECK(pthread_join(t, &rc) == 0);
	CHECK(rc == NULL);              /* every reused block came back zeroed */
	sm_stats(&s1);
	CHECK(s1.allocations == s0.allocations && s1.bytes_in_use == s0.bytes_in_use);
	sm_trim();
	sm_stats(&s1);
	CHECK(s1.bytes_mapped <= s0.bytes_mapped);   /* nothing left pinned */
}

static void test_wipe(void)
{
	uint8_t b[40];

	memset(b, 0x77, sizeof(b));
	sm_wipe(b + 4, 30);
	CHECK(b[3] == 0x77 && b[34] == 0x77);
	CHECK(all_zero(b + 4, 30));
	sm_wipe(NULL, 0);
}

int main(void)
{
	RUN(test_mixed_sizes_keep_contents);
	RUN(test_free_wipes_small);
	RUN(test_big_alloc_and_realloc);
	RUN(test_strndup_and_zero);
	RUN(test_trim_releases_chunks);
	RUN(test_smaps_locked_dontdump);
	RUN(test_threads);
	RUN(test_thread_cache);
	RUN(test_wipe);
	return CHECK_DONE();
}
