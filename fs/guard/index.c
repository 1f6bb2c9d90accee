/* index.c - secret values in locked memory, found in text by 4-byte grams
 * of their tails (a bitmap), then by their last 8 bytes (a hash table),
 * then by their first 8 bytes and a keyed hash. See index.h. */
#include "index.h"
#include "../../common/secure_mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MIN_TBITS 10
#define STEP 5                   /* text positions sampled (see index.h) */
#define MUL1 0x9E3779B97F4A7C15ULL
#define MUL2 0xC2B2AE3D27D4EB4FULL
#define VIDX_BITS 24             /* value indexes in vtab (at most 16 M values) */
#define VIDX_MASK ((1 << VIDX_BITS) - 1)
#define VTAG(h) ((int32_t)((h) & 0x7f) << VIDX_BITS)

struct gindex {
	struct gval *v;          /* locked */
	size_t nv, capv;
	uint8_t *key;            /* the values' hash key (locked) */
	int32_t *next;           /* one per value (locked): the values chained
				    by the bucket of their last 8 bytes */
	int32_t *tab;            /* bucket heads (locked), 1 << (tbits - 2):
				    load <= 1.6 */
	unsigned tbits;          /* 1 << tbits >= STEP * nv / 2 */
	uint64_t *bloom;         /* blocked Bloom filter of the grams: 1 << bbits
				    bits in 64-bit words, 4 bits per gram in one
				    word (one memory access per test; locked) */
	unsigned bbits;
	uint64_t *pre;           /* blocked Bloom filter of the prefixes: 4..7
				    bytes with their length in the top byte,
				    and 8-byte ones (locked), 1 << pbits bits;
				    a false positive only keeps a longer tail */
	unsigned pbits;
	int32_t *vtab;           /* values by keyed hash (duplicates; open
				    addressing, -1 empty, locked), 1 << (tbits
				    - 1) slots: load <= 0.8; a slot holds the
				    value's index and 7 more bits of its hash
				    (VTAG), so that a probe seldom reads a
				    value that is not the one looked for */
	struct gsrc *s;
	size_t ns, caps;
	int32_t *shash;          /* live sources by path hash (open addressing,
				    -1 empty), 1 << sbits slots */
	unsigned sbits;
	size_t bytes, maxlen;
};

int gindex_looks_secret(const uint8_t *p, size_t len)
{
	int lower = 0, upper = 0, digit = 0, other = 0;

	if (len >= 12)
		return 1;
	if (len < 8)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 'a' && p[i] <= 'z')
			lower = 1;
		else if (p[i] >= 'A' && p[i] <= 'Z')
			upper = 1;
		else if (p[i] >= '0' && p[i] <= '9')
			digit = 1;
		else
			other = 1;
	}
	return lower + upper + digit + other >= 2;
}

static uint64_t load8(const uint8_t *p)
{
	uint64_t k;

	memcpy(&k, p, 8);
	return k;
}

static uint32_t load4(const uint8_t *p)
{
	uint32_t k;

	memcpy(&k, p, 4);
	return k;
}

static size_t bloom_word(const struct gindex *g, uint32_t k, uint64_t *mask)
{
	uint64_t h = (uint64_t)k * MUL1;

	*mask = ((uint64_t)1 << (h & 63)) | ((uint64_t)1 << ((h >> 6) & 63)) |
		((uint64_t)1 << ((h >> 12) & 63)) | ((uint64_t)1 << ((h >> 18) & 63));
	return (size_t)(h >> (64 - (g->bbits - 6)));
}

static size_t bucket(const struct gindex *g, uint64_t tail)
{
	return (size_t)(((tail ^ (tail >> 31)) * MUL2) >> (64 - (g->tbits - 2)));
}

static uint64_t prefix_key(const uint8_t *p, size_t t)
{
	uint64_t k = 0;

	if (t == 8)
		return load8(p);
	memcpy(&k, p, t);
	return k | ((uint64_t)t << 56);
}

static size_t pre_word(const struct gindex *g, uint64_t k, uint64_t *mask)
{
	uint64_t h = (k ^ (k >> 29)) * MUL2;

	*mask = ((uint64_t)1 << (h & 63)) | ((uint64_t)1 << ((h >> 6) & 63)) |
		((uint64_t)1 << ((h >> 12) & 63)) | ((uint64_t)1 << ((h >> 18) & 63));
	return (size_t)(h >> (64 - (g->pbits - 6)));
}

static void pre_insert(struct gindex *g, uint64_t k)
{
	uint64_t mask;

	g->pre[pre_word(g, k, &mask)] |= mask;
}

static int pre_has(const struct gindex *g, uint64_t k)
{
	uint64_t mask;

	return (g->pre[pre_word(g, k, &mask)] & mask) == mask;
}

static uint64_t value_hash(const struct gindex *g, const uint8_t *p, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, p, len, g->key);
	memcpy(&h, out, sizeof(h));
	return h;
}

static size_t vslot(const struct gindex *g, uint64_t h)
{
	return (size_t)(h >> (64 - (g->tbits - 1)));
}

/* Is p[0..len) (with hash h) the value v? */
static int same_value(const struct gval *v, const uint8_t *p, size_t len, uint64_t h)
{
	return v->len == len && v->h == h && memcmp(v->head, p, 8) == 0 &&
	       memcmp(v->tail, p + len - 8, 8) == 0;
}

/* A value of length L has grams at L-8 .. L-4 (its last 8 bytes): an
 * occurrence covers one text position that is a multiple of STEP there. */
static void link_value(struct gindex *g, int32_t i)
{
	struct gval *v = &g->v[i];
	size_t h = bucket(g, load8(v->tail));

	for (uint32_t j = 0; j < STEP; j++) {
		uint64_t mask;

		g->bloom[bloom_word(g, load4(v->tail + j), &mask)] |= mask;
	}
	g->next[i] = g->tab[h];
	g->tab[h] = i;
	for (size_t t = 4; t <= 8; t++)
		pre_insert(g, prefix_key(v->head, t));
	size_t mask = ((size_t)1 << (g->tbits - 1)) - 1, k;

	for (k = vslot(g, v->h); g->vtab[k] >= 0; k = (k + 1) & mask)
		;
	g->vtab[k] = VTAG(v->h) | i;
}

/* (Re)build the tables for tbits (values kept). 0 or -1. */
static int rebuild(struct gindex *g, unsigned tbits)
{
	/* 8 to 16 Bloom bits per gram (STEP grams a value, 1 << tbits >=
	 * STEP * nv / 2: a false positive costs STEP tail lookups; 4 to 8
	 * made a scan 15 % slower), 4 to 8 per prefix (5 a value; a false
	 * positive only holds back the end of a write a little longer) */
	unsigned bbits = tbits + 4, pbits = tbits + 3;
	int32_t *tab = sm_alloc(((size_t)1 << (tbits - 2)) * sizeof(*tab));
	uint64_t *bloom = sm_alloc(((size_t)1 << bbits) / 8);
	uint64_t *pre = sm_alloc(((size_t)1 << pbits) / 8);
	int32_t *next = sm_alloc((g->capv ? g->capv : 1) * sizeof(*next));
	int32_t *vtab = sm_alloc(((size_t)1 << (tbits - 1)) * sizeof(*vtab));

	if (tab == NULL || bloom == NULL || pre == NULL || next == NULL || vtab == NULL) {
		sm_free(vtab);
		sm_free(tab);
		sm_free(bloom);
		sm_free(pre);
		sm_free(next);
		return -1;
	}
	sm_free(g->tab);
	sm_free(g->bloom);
	sm_free(g->pre);
	sm_free(g->next);
	sm_free(g->vtab);
	g->vtab = vtab;
	memset(vtab, 0xff, ((size_t)1 << (tbits - 1)) * sizeof(*vtab));
	g->tab = tab;
	g->bloom = bloom;
	g->pre = pre;
	g->next = next;
	g->tbits = tbits;
	g->bbits = bbits;
	g->pbits = pbits;
	memset(tab, 0xff, ((size_t)1 << (tbits - 2)) * sizeof(*tab));   /* -1: empty */
	g->maxlen = 0;
	for (size_t i = 0; i < g->nv; i++) {
		link_value(g, (int32_t)i);
		if (g->v[i].len > g->maxlen)
			g->maxlen = g->v[i].len;
	}
	return 0;
}

/* Bits for STEP grams per value, two per 1 << tbits: the Bloom filter
 * gets 8 to 16 bits a gram, the tail table 1 << (tbits - 2) buckets. */
static unsigned bits_for(size_t nv)
{
	unsigned tb = MIN_TBITS;

	while (nv * STEP > ((size_t)2 << tb))
		tb++;
	return tb;
}

struct gindex *gindex_new(void)
{
	struct gindex *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->key = sm_alloc(crypto_shorthash_KEYBYTES);
	if (g->key == NULL || rebuild(g, MIN_TBITS) != 0) {
		sm_free(g->key);
		free(g);
		return NULL;
	}
	crypto_shorthash_keygen(g->key);
	return g;
}

static void free_values(struct gindex *g)
{
	sm_wipe(g->v, g->nv * sizeof(*g->v));
	g->nv = 0;
	g->bytes = 0;
}

void gindex_clear(struct gindex *g)
{
	free_values(g);
	for (size_t i = 0; i < g->ns; i++)
		free(g->s[i].path);
	g->ns = 0;
	free(g->shash);
	g->shash = NULL;
	memset(g->tab, 0xff, ((size_t)1 << (g->tbits - 2)) * sizeof(*g->tab));
	memset(g->bloom, 0, ((size_t)1 << g->bbits) / 8);
	memset(g->pre, 0, ((size_t)1 << g->pbits) / 8);
	memset(g->vtab, 0xff, ((size_t)1 << (g->tbits - 1)) * sizeof(*g->vtab));
	g->maxlen = 0;
}

void gindex_free(struct gindex *g)
{
	if (g == NULL)
		return;
	gindex_clear(g);
	sm_free(g->v);
	sm_free(g->tab);
	sm_free(g->bloom);
	sm_free(g->pre);
	sm_free(g->next);
	sm_free(g->vtab);
	sm_free(g->key);
	free(g->shash);
	free(g->s);
	free(g);
}

static size_t path_slot(const struct gindex *g, const char *path)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h >> (64 - g->sbits));
}

/* Rebuild the path hash for at least n live sources. 0 or -1. */
static int shash_rebuild(struct gindex *g, size_t n)
{
	unsigned bits = 6;
	int32_t *t;

	while (((size_t)1 << bits) < n * 2)
		bits++;
	t = malloc(((size_t)1 << bits) * sizeof(*t));
	if (t == NULL)
		return -1;
	memset(t, 0xff, ((size_t)1 << bits) * sizeof(*t));
	free(g->shash);
	g->shash = t;
	g->sbits = bits;
	for (size_t i = 0; i < g->ns; i++) {
		size_t k = path_slot(g, g->s[i].path ? g->s[i].path : "");

		if (!g->s[i].live)
			continue;
		while (t[k] >= 0)
			k = (k + 1) & (((size_t)1 << bits) - 1);
		t[k] = (int32_t)i;
	}
	return 0;
}

int gindex_source(struct gindex *g, const char *path, const uint8_t id[GINDEX_ID_LEN])
{
	size_t mask, k, slot;

	if ((g->shash == NULL || (g->ns + 1) * 2 > ((size_t)1 << g->sbits)) &&
	    shash_rebuild(g, g->ns + 1) != 0)
		return -1;
	mask = ((size_t)1 << g->sbits) - 1;
	for (k = path_slot(g, path); g->shash[k] >= 0; k = (k + 1) & mask)
		if (strcmp(g->s[g->shash[k]].path, path) == 0) {
			memcpy(g->s[g->shash[k]].id, id, GINDEX_ID_LEN);
			return g->shash[k];
		}
	if (g->ns == g->caps) {
		size_t nc = g->caps ? g->caps * 2 : 16;
		struct gsrc *ns = realloc(g->s, nc * sizeof(*ns));

		if (ns == NULL)
			return -1;
		g->s = ns;
		g->caps = nc;
	}
	slot = g->ns;
	g->s[slot].path = strdup(path);
	if (g->s[slot].path == NULL)
		return -1;
	memcpy(g->s[slot].id, id, GINDEX_ID_LEN);
	g->s[slot].live = 1;
	g->ns++;
	g->shash[k] = (int32_t)slot;
	return (int)slot;
}

/* Is the value (hash h) indexed already? (Not through the gram chains:
 * values alike at the end, URLs ending in ".../app00001" say, share them.) */
static int known(const struct gindex *g, const uint8_t *p, size_t len, uint64_t h)
{
	size_t mask = ((size_t)1 << (g->tbits - 1)) - 1;
	int32_t x;

	for (size_t k = vslot(g, h); (x = g->vtab[k]) >= 0; k = (k + 1) & mask)
		if ((x & ~VIDX_MASK) == VTAG(h) && same_value(&g->v[x & VIDX_MASK], p, len, h))
			return 1;
	return 0;
}

static int add_one(struct gindex *g, int src, const uint8_t *p, size_t len)
{
	struct gval *v;
	uint64_t h;

	if (!gindex_looks_secret(p, len) || len > GINDEX_MAX_LEN)
		return 0;
	h = value_hash(g, p, len);
	if (known(g, p, len, h))
		return 0;
	if (g->nv > VIDX_MASK)
		return -1;              /* 16 M values: as if out of memory */
	if (g->nv == g->capv) {
		size_t nc = g->capv ? g->capv * 2 : 64;
		struct gval *nv = sm_realloc(g->v, nc * sizeof(*nv));
		int32_t *ne = sm_realloc(g->next, nc * sizeof(*ne));

		if (nv != NULL)
			g->v = nv;
		if (ne != NULL)
			g->next = ne;
		if (nv == NULL || ne == NULL)
			return -1;
		g->capv = nc;
	}
	v = &g->v[g->nv];
	memset(v, 0, sizeof(*v));
	memcpy(v->head, p, 8);
	memcpy(v->tail, p + len - 8, 8);
	v->len = (uint32_t)len & GINDEX_MAX_LEN;
	v->h = h;
	v->src = (uint32_t)src;
	g->nv++;
	g->bytes += len;
	if (len > g->maxlen)
		g->maxlen = len;
	if (bits_for(g->nv) > g->tbits)
		return rebuild(g, bits_for(g->nv));
	link_value(g, (int32_t)(g->nv - 1));
	return 0;
}

int gindex_add(struct gindex *g, int src, const uint8_t *p, size_t len)
{
	const uint8_t *nl = len ? memchr(p, '\n', len) : NULL;

	if (src < 0 || add_one(g, src, p, len) != 0)
		return -1;
	if (nl == NULL)
		return 0;
	/* each line of a multi-line value, without its indentation */
	for (size_t at = 0; at < len;) {
		const uint8_t *e = memchr(p + at, '\n', len - at);
		size_t end = e ? (size_t)(e - p) : len, b = at, l = end;

		while (b < l && (p[b] == ' ' || p[b] == '\t'))
			b++;
		while (l > b && (p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		if (l - b < len && add_one(g, src, p + b, l - b) != 0)
			return -1;
		at = end + 1;
	}
	return 0;
}

/* Remove dead sources, renumbering the values' sources. */
static void compact_sources(struct gindex *g)
{
	uint32_t *map = malloc((g->ns ? g->ns : 1) * sizeof(*map));
	size_t w = 0;

	if (map == NULL)
		return;                 /* dead slots stay: harmless */
	for (size_t i = 0; i < g->ns; i++) {
		map[i] = (uint32_t)w;
		if (g->s[i].live)
			g->s[w++] = g->s[i];
	}
	for (size_t i = 0; i < g->nv; i++)
		g->v[i].src = map[g->v[i].src];
	g->ns = w;
	free(map);
}

void gindex_drop_sources(struct gindex *g, int (*keep)(void *arg, const uint8_t *id), void *arg)
{
	size_t w = 0;
	int dropped = 0;

	for (size_t i = 0; i < g->ns; i++)
		if (g->s[i].live && !keep(arg, g->s[i].id)) {
			g->s[i].live = 0;
			free(g->s[i].path);
			g->s[i].path = NULL;
			dropped = 1;
		}
	if (!dropped)
		return;
	for (size_t i = 0; i < g->nv; i++) {
		if (g->s[g->v[i].src].live)
			g->v[w++] = g->v[i];
		else
			g->bytes -= g->v[i].len;
	}
	sm_wipe(g->v + w, (g->nv - w) * sizeof(*g->v));
	g->nv = w;
	compact_sources(g);
	rebuild(g, bits_for(g->nv));
	shash_rebuild(g, g->ns);
}

void gindex_mark_all(struct gindex *g, unsigned pub)
{
	for (size_t i = 0; i < g->nv; i++)
		g->v[i].pub = pub & 3;
}

size_t gindex_count(const struct gindex *g) { return g->nv; }
size_t gindex_bytes(const struct gindex *g) { return g->bytes; }
size_t gindex_maxlen(const struct gindex *g) { return g->maxlen; }

size_t gindex_sources(const struct gindex *g)
{
	size_t n = 0;

	for (size_t i = 0; i < g->ns; i++)
		n += g->s[i].live;
	return n;
}

const struct gsrc *gindex_src(const struct gindex *g, uint32_t i)
{
	return i < g->ns ? &g->s[i] : NULL;
}

/* The values whose last 8 bytes are d[t..t+8) and that overlap [lo, hi):
 * each is confirmed by its first 8 bytes, then its keyed hash. */
static struct gval *at_tail(struct gindex *g, const uint8_t *d, size_t t,
			    size_t lo, size_t hi, gindex_hit hit, void *arg)
{
	uint64_t tail = load8(d + t);
	size_t end = t + 8;

	for (int32_t i = g->tab[bucket(g, tail)]; i >= 0; i = g->next[i]) {
		struct gval *v = &g->v[i];
		size_t p;

		if (load8(v->tail) != tail || v->len > end)
			continue;
		p = end - v->len;
		if (p >= hi || end <= lo)
			continue;
		if (memcmp(d + p, v->head, 8) == 0 && value_hash(g, d + p, v->len) == v->h &&
		    hit(arg, v, d + p))
			return v;
	}
	return NULL;
}

/* The 4 bytes at q may be gram j of a value (Bloom filter): then the value
 * would end at q - j + 8, for j = 0 .. STEP - 1. */
static struct gval *at_sample(struct gindex *g, const uint8_t *d, size_t n, size_t q,
			      size_t lo, size_t hi, gindex_hit hit, void *arg)
{
	uint64_t mask;
	size_t b = bloom_word(g, load4(d + q), &mask);

	if ((g->bloom[b] & mask) != mask)
		return NULL;
	for (size_t j = 0; j < STEP && j <= q; j++) {
		struct gval *v = q - j + 8 <= n ? at_tail(g, d, q - j, lo, hi, hit, arg) : NULL;

		if (v != NULL)
			return v;
	}
	return NULL;
}

struct gval *gindex_scan(struct gindex *g, const uint8_t *d, size_t n, size_t lo, size_t hi,
			 gindex_hit hit, void *arg)
{
	/* an occurrence [p, p + len) overlapping [lo, hi) has its last 8 bytes
	 * in [lo - 8, hi + maxlen): one sampled q there starts a gram */
	size_t q = lo > 8 ? lo - 8 : 0, end = hi + g->maxlen;

	if (g->nv == 0 || n < 8)
		return NULL;
	q -= q % STEP;
	if (end > n - 3)
		end = n - 3;
	for (; q < end; q += STEP) {
		struct gval *v = at_sample(g, d, n, q, lo, hi, hit, arg);

		if (v != NULL)
			return v;
	}
	return NULL;
}

size_t gindex_tail(const struct gindex *g, const uint8_t *d, size_t n, size_t from)
{
	size_t p = n > g->maxlen ? n - g->maxlen + 1 : 0;

	if (g->nv == 0)
		return n;
	if (p < from)
		p = from;
	for (; p + 4 <= n; p++)
		if (pre_has(g, prefix_key(d + p, n - p < 8 ? n - p : 8)))
			return p;
	return n;
}
