/* pool.c - bump allocator over secure-memory blocks (see pool.h). */
#include "pool.h"
#include "secure_mem.h"

#include <stdint.h>
#include <string.h>

#define POOL_BLOCK (16 * 1024)

struct pool_block {
	struct pool_block *next;
	size_t used, cap;
	unsigned char *mem;
};

struct pool {
	struct pool_block *head;
	size_t total;
};

struct pool *pool_new(void)
{
	return sm_alloc(sizeof(struct pool));
}

static struct pool_block *pool_block_new(size_t cap)
{
	struct pool_block *b = sm_alloc(sizeof(*b));

	if (b == NULL)
		return NULL;
	b->mem = sm_alloc(cap);
	if (b->mem == NULL) {
		sm_free(b);
		return NULL;
	}
	b->cap = cap;
	return b;
}

void *pool_alloc(struct pool *p, size_t n)
{
	struct pool_block *b = p->head;
	size_t need = (n + 15) & ~(size_t)15;
	void *r;

	if (n > SIZE_MAX - 16)
		return NULL;
	if (need == 0)
		need = 16;
	if (b == NULL || b->cap - b->used < need) {
		b = pool_block_new(need > POOL_BLOCK ? need : POOL_BLOCK);
		if (b == NULL)
			return NULL;
		b->next = p->head;
		p->head = b;
	}
	r = b->mem + b->used;
	b->used += need;
	p->total += n;
	return r;
}

char *pool_strndup(struct pool *p, const char *s, size_t n)
{
	char *d;

	if (n == SIZE_MAX)
		return NULL;
	d = pool_alloc(p, n + 1);
	if (d == NULL)
		return NULL;
	if (n > 0)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *pool_strdup(struct pool *p, const char *s)
{
	return pool_strndup(p, s, strlen(s));
}

int pool_push(struct pool *p, void ***arr, size_t *n, size_t *cap, void *item)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void **na = pool_alloc(p, ncap * sizeof(void *));

		if (na == NULL)
			return -1;
		if (*n > 0)
			memcpy(na, *arr, *n * sizeof(void *));
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = item;
	return 0;
}

void pool_free(struct pool *p)
{
	struct pool_block *b, *next;

	if (p == NULL)
		return;
	for (b = p->head; b != NULL; b = next) {
		next = b->next;
		sm_free(b->mem);
		sm_free(b);
	}
	sm_free(p);
}

size_t pool_used(const struct pool *p)
{
	return p ? p->total : 0;
}
