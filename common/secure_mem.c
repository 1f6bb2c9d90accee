/* secure_mem.c - the locked, non-dumpable arena behind sm_alloc (see
 * secure_mem.h and docs/secure-memory.md).
 *
 * Written by hand: libsodium's sodium_malloc costs 4 pages and one mlock per
 * allocation, which does not scale to thousands of small keys.
 *
 * Layout. Small requests (< SM_BIG) are carved from chunks:
 *   [guard page][chunk header | block | block | ... | end sentinel][guard page]
 * Each block starts with a 32-byte header holding its own size and the size
 * of the block before it (boundary tags), so a freed block merges with free
 * neighbours in O(1). Free blocks sit in size-binned doubly linked lists
 * (first fit inside a bin, any block of a higher bin fits).
 * Big requests get a mapping of their own: [guard][header | data][guard].
 * Every mapping is madvise(MADV_DONTDUMP), MADV_WIPEONFORK where available,
 * and mlock'ed once; mlock failure is recorded, not fatal.
 * Invariant: the user area of a free block is zero except the two list
 * pointers at its start; sm_free wipes, sm_alloc zeroes again anyway. Both
 * do that outside the arena's lock (the block is the caller's then), so
 * threads contend only for the bins.
 */
#include "secure_mem.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SM_CHUNK (256 * 1024)          /* usable bytes per chunk */
#define SM_BIG (64 * 1024)             /* dedicated mapping from this size */
#define SM_HDR 32                      /* block header, keeps 16-alignment */
#define SM_MIN_BLOCK (SM_HDR + 16)     /* room for the free-list links */
#define SM_EXACT 64                    /* bins of one 16-byte size class each */
#define SM_NBINS (SM_EXACT + 20)       /* then one bin per power of two */
#define SM_MAGIC_USED 0x5ec0a110u
#define SM_MAGIC_FREE 0x5ec0f4eeu
#define SM_MAGIC_BIG 0x5ec0b16bu
#define SM_MAGIC_END 0x5ec0e4d0u
#define SM_MAGIC_CACHED 0x5ec0cac8u     /* free, in a thread's cache */

struct sm_block {
	size_t size;        /* whole block incl. header; 0 for the sentinel */
	size_t prev_size;   /* size of the block before, 0 for the first */
	size_t req;         /* requested bytes (used blocks and big maps) */
	uint32_t magic;
	uint32_t pad;
};

/* Read under the lock while an owner switches its block between used and
 * cached without it (thread caches; neither is FREE): relaxed atomics. */
#define MAGIC_OF(b) __atomic_load_n(&(b)->magic, __ATOMIC_RELAXED)
#define SET_MAGIC(b, m) __atomic_store_n(&(b)->magic, (m), __ATOMIC_RELAXED)

struct sm_free_links {
	struct sm_block *next, *prev;
};

struct sm_chunk {
	struct sm_chunk *next, *prev;
	size_t usable;      /* bytes between the guard pages */
	int locked;
	char pad[64 - 2 * sizeof(void *) - sizeof(size_t) - sizeof(int)];
};

_Static_assert(sizeof(struct sm_block) == SM_HDR, "block header size");
_Static_assert(sizeof(struct sm_chunk) == 64, "chunk header size");

static pthread_mutex_t sm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sm_chunk *sm_chunks;
static struct sm_block *sm_bins[SM_NBINS];
static struct sm_stats sm_st;
static size_t sm_page;

void sm_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

static size_t page_size(void)
{
	if (sm_page == 0) {
		long ps = sysconf(_SC_PAGESIZE);
		sm_page = ps > 0 ? (size_t)ps : 4096;
	}
	return sm_page;
}

/* ---- mappings ---------------------------------------------------------- */

/* mlock/munlock as direct system calls: sanitizer runtimes (ASan) intercept
 * the libc wrappers and turn them into no-ops, which would silently leave
 * the test builds unlocked. */
static int lock_range(void *p, size_t n)
{
	return (int)syscall(SYS_mlock, p, n);
}

static void unlock_range(void *p, size_t n)
{
	(void)syscall(SYS_munlock, p, n);
}

/* Map `usable` bytes (page multiple) between two PROT_NONE guard pages,
 * protect them from dumps and forks, and try to lock them. */
static void *map_protected(size_t usable, int *locked)
{
	size_t ps = page_size();
	uint8_t *base, *mid;

	base = mmap(NULL, usable + 2 * ps, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	mid = base + ps;
	if (mprotect(mid, usable, PROT_READ | PROT_WRITE) != 0) {
		munmap(base, usable + 2 * ps);
		return NULL;
	}
	(void)madvise(base, usable + 2 * ps, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
	(void)madvise(mid, usable, MADV_WIPEONFORK);
#endif
	*locked = lock_range(mid, usable) == 0;
	if (!*locked)
		sm_st.mlock_failed = 1;
	sm_st.bytes_mapped += usable;
	if (*locked)
		sm_st.bytes_locked += usable;
	return mid;
}

static void unmap_protected(void *mid, size_t usable, int locked)
{
	size_t ps = page_size();

	explicit_bzero(mid, usable);
	if (locked) {
		unlock_range(mid, usable);
		sm_st.bytes_locked -= usable;
	}
	sm_st.bytes_mapped -= usable;
	munmap((uint8_t *)mid - ps, usable + 2 * ps);
}

/* ---- free-list bins ------------------------------------------------------ */

/* Free blocks are kept by size: below SM_EXACT * 16 bytes one bin per
 * 16-byte class (every block of a bin has the same size, so its first block
 * fits), above one bin per power of two. */
static int bin_of(size_t size)
{
	int b = SM_EXACT;

	if (size / 16 < SM_EXACT)
		return (int)(size / 16);
	size /= SM_EXACT * 16;
	while (size > 1 && b < SM_NBINS - 1) {
		size >>= 1;
		b++;
	}
	return b;
}

static struct sm_free_links *links(struct sm_block *b)
{
	return (struct sm_free_links *)(void *)((uint8_t *)b + SM_HDR);
}

static void bin_insert(struct sm_block *b)
{
	int i = bin_of(b->size);
	struct sm_free_links *l = links(b);

	b->magic = SM_MAGIC_FREE;
	b->req = 0;
	l->prev = NULL;
	l->next = sm_bins[i];
	if (sm_bins[i] != NULL)
		links(sm_bins[i])->prev = b;
	sm_bins[i] = b;
}

static void bin_remove(struct sm_block *b)
{
	struct sm_free_links *l = links(b);

	if (l->prev != NULL)
		links(l->prev)->next = l->next;
	else
		sm_bins[bin_of(b->size)] = l->next;
	if (l->next != NULL)
		links(l->next)->prev = l->prev;
	l->next = l->prev = NULL;
}

static struct sm_block *next_block(struct sm_block *b)
{
	return (struct sm_block *)(void *)((uint8_t *)b + b->size);
}

static struct sm_block *prev_block(struct sm_block *b)
{
	return (struct sm_block *)(void *)((uint8_t *)b - b->prev_size);
}

/* The smallest-class free block of at least need bytes (need is a
 * multiple of 16). In an exact bin the first block fits; in a power-of-two
 * bin it is searched; every block of a higher bin fits, so the first
 * non-empty one gives its first block. */
static struct sm_block *bin_find(size_t need)
{
	int first = bin_of(need);

	if (first >= SM_EXACT)
		for (struct sm_block *b = sm_bins[first]; b != NULL; b = links(b)->next)
			if (b->size >= need)
				return b;
	for (int i = first; i < SM_NBINS; i++)
		if (sm_bins[i] != NULL && sm_bins[i]->size >= need)
			return sm_bins[i];
	return NULL;
}

/* ---- chunks -------------------------------------------------------------- */

static struct sm_block *chunk_first(struct sm_chunk *c)
{
	return (struct sm_block *)(void *)((uint8_t *)c + sizeof(*c));
}

static size_t chunk_span(struct sm_chunk *c)
{
	return c->usable - sizeof(*c) - SM_HDR;   /* all blocks, no sentinel */
}

static int chunk_new(void)
{
	int locked;
	struct sm_chunk *c = map_protected(SM_CHUNK, &locked);
	struct sm_block *b, *end;

	if (c == NULL)
		return -1;
	c->usable = SM_CHUNK;
	c->locked = locked;
	c->prev = NULL;
	c->next = sm_chunks;
	if (sm_chunks != NULL)
		sm_chunks->prev = c;
	sm_chunks = c;
	b = chunk_first(c);
	b->size = chunk_span(c);
	b->prev_size = 0;
	end = next_block(b);
	end->size = 0;
	end->prev_size = b->size;
	end->magic = SM_MAGIC_END;
	bin_insert(b);
	return 0;
}

static void chunk_release(struct sm_chunk *c)
{
	bin_remove(chunk_first(c));
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		sm_chunks = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	unmap_protected(c, c->usable, c->locked);
}

/* ---- small blocks -------------------------------------------------------- */

static void *small_alloc(size_t n)
{
	size_t need = (n + SM_HDR + 15) & ~(size_t)15;
	struct sm_block *b, *rest;

	if (need < SM_MIN_BLOCK)
		need = SM_MIN_BLOCK;
	b = bin_find(need);
	if (b == NULL) {
		if (chunk_new() != 0)
			return NULL;
		b = bin_find(need);
	}
	bin_remove(b);
	if (b->size - need >= SM_MIN_BLOCK) {
		rest = (struct sm_block *)(void *)((uint8_t *)b + need);
		rest->size = b->size - need;
		rest->prev_size = need;
		next_block(rest)->prev_size = rest->size;
		b->size = need;
		bin_insert(rest);
	}
	b->magic = SM_MAGIC_USED;
	b->req = n;
	return (uint8_t *)b + SM_HDR;     /* zeroed by the caller (zero_small) */
}

/* Zero a small block just taken from the bins. Outside the lock: the
 * block is the caller's, and only its own header's size is read. */
static void zero_small(void *p)
{
	struct sm_block *b = (struct sm_block *)(void *)((uint8_t *)p - SM_HDR);

	if (b->magic == SM_MAGIC_USED)
		memset(p, 0, b->size - SM_HDR);
}

/* Merge b (free, not in a bin) with its free right neighbour. */
static void merge_next(struct sm_block *b)
{
	struct sm_block *n = next_block(b);

	if (MAGIC_OF(n) != SM_MAGIC_FREE)
		return;
	bin_remove(n);
	b->size += n->size;
	next_block(b)->prev_size = b->size;
	explicit_bzero(n, SM_HDR);
}

/* Wipe a small block's user bytes (before it goes back to the bins; done
 * outside the lock by sm_free, see zero_small). */
static void wipe_small(struct sm_block *b)
{
	explicit_bzero((uint8_t *)b + SM_HDR, b->size - SM_HDR);
}

/* Return a wiped small block to the bins, merging with free neighbours. */
static void small_free(struct sm_block *b)
{
	struct sm_block *p;

	b->magic = SM_MAGIC_FREE;
	b->req = 0;
	merge_next(b);
	if (b->prev_size != 0) {
		p = prev_block(b);
		if (MAGIC_OF(p) == SM_MAGIC_FREE) {
			bin_remove(p);
			p->size += b->size;
			next_block(p)->prev_size = p->size;
			explicit_bzero(b, SM_HDR);
			b = p;
		}
	}
	bin_insert(b);
}

/* ---- big mappings -------------------------------------------------------- */

static void *big_alloc(size_t n)
{
	size_t ps = page_size();
	size_t usable;
	int locked;
	struct sm_block *b;

	if (n > SIZE_MAX - SM_HDR - ps)
		return NULL;
	usable = (n + SM_HDR + ps - 1) & ~(ps - 1);
	b = map_protected(usable, &locked);
	if (b == NULL)
		return NULL;
	b->size = usable;
	b->prev_size = (size_t)locked;   /* big maps have no neighbour: lock flag */
	b->req = n;
	b->magic = SM_MAGIC_BIG;
	return (uint8_t *)b + SM_HDR;
}

static void big_free(struct sm_block *b)
{
	unmap_protected(b, b->size, (int)b->prev_size);
}

/* ---- public API ------------------------------------------------------------ */

static struct sm_block *header_of(const void *p)
{
	return (struct sm_block *)(void *)((uint8_t *)p - SM_HDR);
}

/* A pointer that is not a live allocation (double free, foreign pointer)
 * means memory corruption: stop rather than corrupt the arena. */
static void check_live(const struct sm_block *b)
{
	if (b->magic != SM_MAGIC_USED && b->magic != SM_MAGIC_BIG)
		abort();
}

/* bytes_in_use and allocations change outside the lock too (the thread
 * caches below), so they are only touched atomically. */
static void count_use(ptrdiff_t bytes, int allocs)
{
	__atomic_fetch_add(&sm_st.bytes_in_use, (size_t)bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sm_st.allocations, (size_t)(ptrdiff_t)allocs, __ATOMIC_RELAXED);
}

static void *alloc_locked(size_t n)
{
	void *p = n >= SM_BIG ? big_alloc(n) : small_alloc(n);

	if (p != NULL) {
		count_use((ptrdiff_t)n, 1);
	}
	return p;
}

/* Release a live block; a small one must be wiped already (wipe_small). */
static void free_locked(struct sm_block *b)
{
	count_use(-(ptrdiff_t)b->req, -1);
	if (b->magic == SM_MAGIC_BIG)
		big_free(b);
	else
		small_free(b);
}

/* ---- thread caches ------------------------------------------------------- */

/* Each thread keeps a few freed small blocks of each size class up to
 * SM_TC_CLASSES * 16 bytes (wiped, marked SM_MAGIC_CACHED, linked through
 * their first user bytes) and hands them out again without the arena's
 * lock: the daemon's decrypting threads allocate and free several buffers
 * per value, and all of them waited on one lock. A thread's blocks go back
 * to the arena when it exits. */
#define SM_TC_CLASSES 24               /* blocks of up to 384 bytes */
#define SM_TC_MAX 8                    /* kept per class and thread */

struct sm_tcache {
	struct sm_block *head[SM_TC_CLASSES];
	unsigned char count[SM_TC_CLASSES];
	int registered;                /* the exit flush is armed */
};

static __thread struct sm_tcache sm_tc;
static pthread_key_t sm_tc_key;
static pthread_once_t sm_tc_once = PTHREAD_ONCE_INIT;
static int sm_tc_ok;

static struct sm_block **tc_next(struct sm_block *b)
{
	return (struct sm_block **)(void *)((uint8_t *)b + SM_HDR);
}

/* At thread exit: every cached block back to the bins. */
static void tc_flush(void *arg)
{
	struct sm_tcache *t = arg;

	pthread_mutex_lock(&sm_lock);
	for (int c = 0; c < SM_TC_CLASSES; c++)
		while (t->head[c] != NULL) {
			struct sm_block *b = t->head[c];

			t->head[c] = *tc_next(b);
			*tc_next(b) = NULL;     /* wiped again, as small_free wants */
			small_free(b);
		}
	pthread_mutex_unlock(&sm_lock);
	memset(t->count, 0, sizeof(t->count));
}

static void tc_init(void)
{
	sm_tc_ok = pthread_key_create(&sm_tc_key, tc_flush) == 0;
}

/* The class of a block of size bytes, or -1 if it is not cached. */
static int tc_class(size_t size)
{
	return size / 16 < SM_TC_CLASSES ? (int)(size / 16) : -1;
}

static void *tc_get(size_t n)
{
	size_t need = (n + SM_HDR + 15) & ~(size_t)15;
	int c = tc_class(need < SM_MIN_BLOCK ? SM_MIN_BLOCK : need);
	struct sm_block *b;

	if (c < 0 || (b = sm_tc.head[c]) == NULL)
		return NULL;
	sm_tc.head[c] = *tc_next(b);
	sm_tc.count[c]--;
	*tc_next(b) = NULL;             /* the rest of the block is zero */
	SET_MAGIC(b, SM_MAGIC_USED);
	b->req = n;
	count_use((ptrdiff_t)n, 1);
	return (uint8_t *)b + SM_HDR;
}

/* Keep a wiped small block in this thread's cache (1), or 0. */
static int tc_put(struct sm_block *b)
{
	int c = tc_class(b->size);

	if (c < 0 || sm_tc.count[c] >= SM_TC_MAX)
		return 0;
	if (!sm_tc.registered) {
		pthread_once(&sm_tc_once, tc_init);
		if (!sm_tc_ok || pthread_setspecific(sm_tc_key, &sm_tc) != 0)
			return 0;
		sm_tc.registered = 1;
	}
	count_use(-(ptrdiff_t)b->req, -1);
	SET_MAGIC(b, SM_MAGIC_CACHED);
	b->req = 0;
	*tc_next(b) = sm_tc.head[c];
	sm_tc.head[c] = b;
	sm_tc.count[c]++;
	return 1;
}

/* ---- public API, continued ---------------------------------------------- */

void *sm_alloc(size_t n)
{
	void *p;

	if (n < SM_BIG && (p = tc_get(n)) != NULL)
		return p;
	pthread_mutex_lock(&sm_lock);
	p = alloc_locked(n);
	pthread_mutex_unlock(&sm_lock);
	if (p != NULL)
		zero_small(p);    /* big mappings are fresh, hence zero */
	return p;
}

void sm_free(void *p)
{
	struct sm_block *b;

	if (p == NULL)
		return;
	b = header_of(p);
	check_live(b);            /* the caller's block: its header is stable */
	if (b->magic == SM_MAGIC_USED) {
		wipe_small(b);    /* outside the lock: other threads go on */
		if (tc_put(b))
			return;
	}
	pthread_mutex_lock(&sm_lock);
	check_live(b);
	free_locked(b);
	pthread_mutex_unlock(&sm_lock);
}

size_t sm_size(const void *p)
{
	size_t n = 0;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&sm_lock);
	check_live(header_of(p));
	n = header_of(p)->req;
	pthread_mutex_unlock(&sm_lock);
	return n;
}

/* Bytes a block can hold without moving. */
static size_t capacity(const struct sm_block *b)
{
	return b->size - SM_HDR;
}

void *sm_realloc(void *p, size_t n)
{
	struct sm_block *b;
	void *np;
	size_t old;

	if (p == NULL)
		return sm_alloc(n);
	b = header_of(p);
	pthread_mutex_lock(&sm_lock);
	check_live(b);
	old = b->req;
	if (n <= capacity(b) && (b->magic == SM_MAGIC_BIG) == (n >= SM_BIG)) {
		if (n < old)
			explicit_bzero((uint8_t *)p + n, old - n);
		count_use((ptrdiff_t)n - (ptrdiff_t)old, 0);
		b->req = n;
		pthread_mutex_unlock(&sm_lock);
		return p;
	}
	np = alloc_locked(n);
	if (np != NULL) {
		zero_small(np);
		memcpy(np, p, old < n ? old : n);
		if (b->magic == SM_MAGIC_USED)
			wipe_small(b);
		free_locked(b);
	}
	pthread_mutex_unlock(&sm_lock);
	return np;
}

char *sm_strndup(const char *s, size_t n)
{
	char *d;

	if (n == SIZE_MAX)
		return NULL;
	d = sm_alloc(n + 1);
	if (d == NULL)
		return NULL;
	if (n > 0)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void sm_stats(struct sm_stats *out)
{
	pthread_mutex_lock(&sm_lock);
	out->bytes_in_use = __atomic_load_n(&sm_st.bytes_in_use, __ATOMIC_RELAXED);
	out->allocations = __atomic_load_n(&sm_st.allocations, __ATOMIC_RELAXED);
	out->bytes_mapped = sm_st.bytes_mapped;
	out->bytes_locked = sm_st.bytes_locked;
	out->mlock_failed = sm_st.mlock_failed;
	pthread_mutex_unlock(&sm_lock);
}

void sm_trim(void)
{
	struct sm_chunk *c, *next;

	tc_flush(&sm_tc);               /* this thread's cached blocks first */
	pthread_mutex_lock(&sm_lock);
	for (c = sm_chunks; c != NULL; c = next) {
		struct sm_block *b = chunk_first(c);

		next = c->next;
		if (MAGIC_OF(b) == SM_MAGIC_FREE && b->size == chunk_span(c))
			chunk_release(c);
	}
	pthread_mutex_unlock(&sm_lock);
}
