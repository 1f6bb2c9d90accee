/* test_guard.c - the leak guard's value index (fs/guard/index.c): what
 * counts as a secret, exact matches only where new bytes are, values split
 * across the scanned region, tails that start a value, multi-line values,
 * dropping a file's values, 10,000 values at once, most sources dropped
 * (a 6,000-byte value kept), values alike but for their middle (only their
 * ends and a keyed hash are kept), and a differential against a naive
 * search. */
#include "check.h"
#include "../../fs/guard/index.h"

#include <stdint.h>

static int stop(void *arg, struct gval *v, const uint8_t *at)
{
	(void)arg;
	(void)v;
	(void)at;
	return 1;
}

static int go_on(void *arg, struct gval *v, const uint8_t *at)
{
	(*(int *)arg)++;
	(void)v;
	(void)at;
	return 0;
}

/* Counts hits whose reported place really holds a value of that length
 * with those ends, inside the text. */
struct where {
	const uint8_t *text;
	size_t n;
	int hits, bad;
};

static int go_on_where(void *arg, struct gval *v, const uint8_t *at)
{
	struct where *w = arg;

	w->hits++;
	if (at < w->text || at + v->len > w->text + w->n || memcmp(at, v->head, 8) != 0 ||
	    memcmp(at + v->len - 8, v->tail, 8) != 0)
		w->bad++;
	return 0;
}

static const uint8_t id0[GINDEX_ID_LEN] = { 1 }, id1[GINDEX_ID_LEN] = { 2 };

static struct gval *scan(struct gindex *g, const char *s, size_t lo, size_t hi)
{
	return gindex_scan(g, (const uint8_t *)s, strlen(s), lo, hi, stop, NULL);
}

static void test_looks_secret(void)
{
	CHECK(!gindex_looks_secret((const uint8_t *)"postgres", 8));     /* one class */
	CHECK(gindex_looks_secret((const uint8_t *)"postgr3s", 8));      /* two */
	CHECK(!gindex_looks_secret((const uint8_t *)"Ab3$xyz", 7));      /* too short */
	CHECK(gindex_looks_secret((const uint8_t *)"aaaaaaaaaaaa", 12));
	CHECK(!gindex_looks_secret((const uint8_t *)"aaaaaaaaaaa", 11));
}

static void test_scan(void)
{
	struct gindex *g = gindex_new();
	int src = gindex_source(g, "/secrets/db.yaml", id0);
	const char *t = "password: tk0123456789abcdef\n";

	CHECK(g != NULL && src == 0);
	CHECK(gindex_add(g, src, (const uint8_t *)"tk0123456789abcdef", 18) == 0);
	CHECK(gindex_add(g, src, (const uint8_t *)"postgres", 8) == 0);   /* skipped */
	CHECK(gindex_count(g) == 1);
	CHECK(scan(g, t, 0, strlen(t)) != NULL);
	CHECK(strcmp(gindex_src(g, scan(g, t, 0, strlen(t))->src)->path, "/secrets/db.yaml") == 0);
	/* only occurrences overlapping the new bytes count */
	CHECK(scan(g, t, 28, 29) == NULL);
	CHECK(scan(g, t, 27, 29) != NULL);
	CHECK(scan(g, t, 0, 11) != NULL);
	CHECK(scan(g, t, 0, 10) == NULL);
	/* near misses */
	CHECK(scan(g, "tk0123456789abcdeX", 0, 18) == NULL);
	CHECK(scan(g, "tk0123456789abcde", 0, 17) == NULL);
	CHECK(scan(g, "user postgres here", 0, 18) == NULL);
	gindex_free(g);
}

static void test_tail(void)
{
	struct gindex *g = gindex_new();
	int src = gindex_source(g, "/a.yaml", id0);
	const char *t1 = "key: tk01234", *t2 = "key: tk0123456789", *t3 = "key: tk0";

	CHECK(gindex_add(g, src, (const uint8_t *)"tk0123456789abcdef", 18) == 0);
	CHECK(gindex_tail(g, (const uint8_t *)t1, strlen(t1), 0) == 5);
	CHECK(gindex_tail(g, (const uint8_t *)t2, strlen(t2), 0) == 5);
	CHECK(gindex_tail(g, (const uint8_t *)t3, strlen(t3), 0) == strlen(t3));  /* 3 bytes */
	CHECK(gindex_tail(g, (const uint8_t *)"key: tk02", 9, 0) == 9);
	CHECK(gindex_tail(g, (const uint8_t *)t1, strlen(t1), 6) == strlen(t1));
	gindex_free(g);
}

static void test_lines_and_drop(void)
{
	struct gindex *g = gindex_new();
	int a = gindex_source(g, "/a.yaml", id0), b = gindex_source(g, "/b.yaml", id1);
	const char *pem = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----\n";
	const char *view = "key: |\n    MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n";
	int hits = 0;

	CHECK(gindex_add(g, a, (const uint8_t *)pem, strlen(pem)) == 0);
	CHECK(gindex_add(g, b, (const uint8_t *)"Zz9-other-secret", 16) == 0);
	CHECK(scan(g, view, 0, strlen(view)) != NULL);      /* one line of it */
	CHECK(gindex_scan(g, (const uint8_t *)pem, strlen(pem), 0, strlen(pem), go_on, &hits) == NULL);
	CHECK(hits >= 3);                                    /* the value and its lines */
	gindex_free(g);
}

static int keep_id1(void *arg, const uint8_t *id)
{
	(void)arg;
	return id[0] == 2;
}

static void test_drop(void)
{
	struct gindex *g = gindex_new();
	int a = gindex_source(g, "/a.yaml", id0), b = gindex_source(g, "/b.yaml", id1);

	CHECK(gindex_add(g, a, (const uint8_t *)"Aa1-first-secret", 16) == 0);
	CHECK(gindex_add(g, b, (const uint8_t *)"Bb2-other-secret", 16) == 0);
	gindex_drop_sources(g, keep_id1, NULL);
	CHECK(gindex_count(g) == 1 && gindex_sources(g) == 1);
	CHECK(scan(g, "x Aa1-first-secret", 0, 18) == NULL);
	CHECK(scan(g, "x Bb2-other-secret", 0, 18) != NULL);
	/* sources renumbered: the value still names its file; paths found again */
	CHECK(strcmp(gindex_src(g, scan(g, "x Bb2-other-secret", 0, 18)->src)->path, "/b.yaml") == 0);
	CHECK(gindex_source(g, "/b.yaml", id1) == 0);
	CHECK(gindex_source(g, "/c.yaml", id0) == 1 && gindex_sources(g) == 2);
	for (int i = 0; i < 3000; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/f%d.yaml", i);
		CHECK(gindex_source(g, p, id0) == i + 2);
	}
	CHECK(gindex_source(g, "/f1234.yaml", id0) == 1236);
	gindex_clear(g);
	CHECK(gindex_count(g) == 0 && scan(g, "x Bb2-other-secret", 0, 18) == NULL);
	gindex_free(g);
}

static void test_many(void)
{
	struct gindex *g = gindex_new();
	int src = gindex_source(g, "/big.yaml", id0);
	char v[32], text[64];

	for (int i = 0; i < 10000; i++) {
		snprintf(v, sizeof(v), "s%08d-Secret", i);
		CHECK(gindex_add(g, src, (const uint8_t *)v, strlen(v)) == 0);
	}
	CHECK(gindex_count(g) == 10000);
	/* each value again (the table found each through its hash tag), and
	 * values that differ from them in one byte (new) */
	for (int i = 0; i < 10000; i++) {
		snprintf(v, sizeof(v), "s%08d-Secret", i);
		CHECK(gindex_add(g, src, (const uint8_t *)v, strlen(v)) == 0);
	}
	CHECKF(gindex_count(g) == 10000, "%zu values after adding each twice", gindex_count(g));
	for (int i = 0; i < 1000; i++) {
		snprintf(v, sizeof(v), "s%08d-Secreu", i);
		CHECK(gindex_add(g, src, (const uint8_t *)v, strlen(v)) == 0);
	}
	CHECKF(gindex_count(g) == 11000, "%zu values, want 11000", gindex_count(g));
	for (int i = 0; i < 10000; i += 997) {
		snprintf(text, sizeof(text), "value = s%08d-Secret;", i);
		CHECKF(scan(g, text, 0, strlen(text)) != NULL, "value %d not found", i);
		snprintf(text, sizeof(text), "value = s%08d-Secrex;", i);
		CHECK(scan(g, text, 0, strlen(text)) == NULL);
	}
	gindex_free(g);
}
/* Random values over a four-letter alphabet (many shared grams and
 * partial overlaps) in random texts: the scan reports exactly the
 * occurrences a naive search finds, each once. */
static void test_scan_matches_naive(void)
{
	struct gindex *g = gindex_new();
	int src = gindex_source(g, "/r.yaml", id0);
	static char vals[200][24];
	int dup[200] = { 0 };
	char text[1024];
	unsigned seed = 12345;
	size_t nv = 0, total = 0;

#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff)
	for (int i = 0; i < 200; i++) {
		size_t len = 8 + RND() % 15;

		for (size_t k = 0; k < len; k++)
			vals[i][k] = "aB1-"[RND() % 4];
		vals[i][len] = '\0';
		CHECK(gindex_add(g, src, (const uint8_t *)vals[i], len) == 0);
	}
	for (int i = 0; i < 200; i++)
		for (int k = 0; k < i && !dup[i]; k++)
			dup[i] = strcmp(vals[k], vals[i]) == 0;
	nv = gindex_count(g);
	CHECK(nv > 150);               /* a few random duplicates are skipped */
	for (int t = 0; t < 100; t++) {
		size_t n = 0, naive = 0;
		int hits = 0;

		while (n < sizeof(text) - 40) {
			if (RND() % 8 == 0) {
				const char *v = vals[RND() % 200];

				memcpy(text + n, v, strlen(v));
				n += strlen(v);
			} else {
				text[n++] = "aB1-xyz"[RND() % 7];
			}
		}
		for (int i = 0; i < 200; i++) {
			size_t len = strlen(vals[i]);

			for (size_t p = 0; !dup[i] && p + len <= n; p++)
				naive += memcmp(text + p, vals[i], len) == 0;
		}
		struct where w = { (const uint8_t *)text, n, 0, 0 };

		gindex_scan(g, (const uint8_t *)text, n, 0, n, go_on_where, &w);
		hits = w.hits;
		CHECKF((size_t)hits == naive && w.bad == 0, "text %d: %d hits (%d misplaced), naive %zu",
		       t, hits, w.bad, naive);
		total += naive;
	}
	CHECKF(total > 1000, "only %zu occurrences in all", total);
#undef RND
	gindex_free(g);
}

/* Most sources dropped: the survivors are still found, the dropped are
 * not, and a 6,000-byte value survives the rebuilds. */
static void test_drop_most(void)
{
	struct gindex *g = gindex_new();
	char v[64], text[96], big[6000];
	int keep = gindex_source(g, "/keep.yaml", id1);

	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + (i * 7) % 26);
	big[sizeof(big) - 1] = '\0';
	memcpy(big + sizeof(big) - 12, "Zq9-end-tail", 11);
	CHECK(gindex_add(g, keep, (const uint8_t *)big, strlen(big)) == 0);
	for (int f = 0; f < 200; f++) {
		char path[32];
		int src;

		snprintf(path, sizeof(path), "/f%03d.yaml", f);
		src = gindex_source(g, path, f % 10 == 0 ? id1 : id0);
		for (int i = 0; i < 50; i++) {
			snprintf(v, sizeof(v), "pw-%03d-%03d-Xy7-%s", f, i, f % 10 == 0 ? "kept" : "gone");
			CHECK(gindex_add(g, src, (const uint8_t *)v, strlen(v)) == 0);
		}
	}
	CHECK(gindex_count(g) == 200 * 50 + 1);
	gindex_drop_sources(g, keep_id1, NULL);
	CHECK(gindex_count(g) == 20 * 50 + 1 && gindex_sources(g) == 21);
	for (int f = 0; f < 200; f++)
		for (int i = 0; i < 50; i += 7) {
			snprintf(text, sizeof(text), "k: pw-%03d-%03d-Xy7-%s\n", f, i,
				 f % 10 == 0 ? "kept" : "gone");
			CHECKF((scan(g, text, 0, strlen(text)) != NULL) == (f % 10 == 0),
			       "file %d value %d", f, i);
		}
	CHECK(scan(g, big, 0, strlen(big)) != NULL);
	CHECK(gindex_tail(g, (const uint8_t *)"x: pw-010-0", 11, 0) == 3);
	gindex_free(g);
}

/* Values of one length with the same first and last 8 bytes, different in
 * the middle: each is its own value, found only as itself. */
static void test_alike_values(void)
{
	struct gindex *g = gindex_new();
	int src = gindex_source(g, "/alike.yaml", id0);
	const char *a = "Head1234-AAAA-Tail5678", *b = "Head1234-BBBB-Tail5678";

	CHECK(gindex_add(g, src, (const uint8_t *)a, strlen(a)) == 0);
	CHECK(gindex_add(g, src, (const uint8_t *)b, strlen(b)) == 0);
	CHECK(gindex_add(g, src, (const uint8_t *)a, strlen(a)) == 0);   /* known */
	CHECK(gindex_count(g) == 2);
	CHECK(scan(g, "x: Head1234-AAAA-Tail5678", 0, 25) != NULL);
	CHECK(scan(g, "x: Head1234-BBBB-Tail5678", 0, 25) != NULL);
	CHECK(scan(g, "x: Head1234-CCCC-Tail5678", 0, 25) == NULL);
	CHECK(scan(g, "x: Head1234-AAAB-Tail5678", 0, 25) == NULL);
	gindex_free(g);
}

int main(void)
{
	RUN(test_looks_secret);
	RUN(test_scan);
	RUN(test_tail);
	RUN(test_lines_and_drop);
	RUN(test_drop);
	RUN(test_many);
	RUN(test_drop_most);
	RUN(test_alike_values);
	RUN(test_scan_matches_naive);
	return CHECK_DONE();
}
