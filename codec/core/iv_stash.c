/* iv_stash.c - (AAD, type, plaintext) -> IV hash table in locked memory. */
#include "iv_stash.h"
#include "../../common/secure_mem.h"

#include <string.h>

#define IV_MAX 64
#define IVS_PER_ENTRY 8

/* Almost every value has one IV: it is kept in the entry, the rest of an
 * entry's IVs (equal values under one AAD) in a side array made when the
 * second one comes. A small entry comes from the allocator's thread cache
 * (secure_mem.c); this runs for every value a mount decrypts. */
struct iv_entry {
	struct iv_entry *next;
	uint64_t hash;
	uint32_t aad_len, type_len, plain_len;
	uint8_t nivs, used;
	uint8_t iv_len[IVS_PER_ENTRY];
	uint8_t iv0[IV_MAX];                     /* the first IV */
	uint8_t (*more)[IV_MAX];                 /* IVs 2.. (locked), or NULL */
	uint8_t data[];          /* aad, type, plain */
};

/* The k-th IV of e. */
static uint8_t *iv_at(struct iv_entry *e, size_t k)
{
	return k == 0 ? e->iv0 : e->more[k - 1];
}

static void entry_free(struct iv_entry *e)
{
	sm_free(e->more);
	sm_free(e);
}

struct iv_stash {
	struct iv_entry **slots;
	size_t nslots, count;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h ^ 0xff;          /* separate fields */
}

static uint64_t key_hash(const char *aad, size_t al, const char *type,
			 const uint8_t *plain, size_t pl)
{
	uint64_t h = 14695981039346656037ULL;

	h = fnv(h, aad, al);
	h = fnv(h, type, strlen(type));
	return fnv(h, plain, pl);
}

struct iv_stash *iv_stash_new(void)
{
	struct iv_stash *s = sm_alloc(sizeof(*s));

	if (s == NULL)
		return NULL;
	s->nslots = 64;
	s->slots = sm_alloc(s->nslots * sizeof(*s->slots));
	if (s->slots == NULL) {
		sm_free(s);
		return NULL;
	}
	return s;
}

void iv_stash_free(struct iv_stash *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nslots; i++) {
		struct iv_entry *e = s->slots[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	sm_free(s->slots);
	sm_free(s);
}

static struct iv_entry *find(const struct iv_stash *s, uint64_t h, const char *aad,
			     size_t al, const char *type, const uint8_t *plain, size_t pl)
{
	size_t tl = strlen(type);

	for (struct iv_entry *e = s->slots[h % s->nslots]; e != NULL; e = e->next) {
		if (e->hash != h || e->aad_len != al || e->type_len != tl || e->plain_len != pl)
			continue;
		if (memcmp(e->data, aad, al) == 0 && memcmp(e->data + al, type, tl) == 0 &&
		    memcmp(e->data + al + tl, plain, pl) == 0)
			return e;
	}
	return NULL;
}

static int grow(struct iv_stash *s)
{
	size_t n = s->nslots * 4;
	struct iv_entry **ns = sm_alloc(n * sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (size_t i = 0; i < s->nslots; i++) {
		struct iv_entry *e = s->slots[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			e->next = ns[e->hash % n];
			ns[e->hash % n] = e;
		}
	}
	sm_free(s->slots);
	s->slots = ns;
	s->nslots = n;
	return 0;
}

int iv_stash_put(struct iv_stash *s, const char *aad, size_t al, const char *type,
		 const uint8_t *plain, size_t pl, const uint8_t *iv, size_t iv_len)
{
	uint64_t h = key_hash(aad, al, type, plain, pl);
	struct iv_entry *e = find(s, h, aad, al, type, plain, pl);
	size_t tl = strlen(type);

	if (iv_len > IV_MAX || al > UINT32_MAX || tl > UINT32_MAX || pl > UINT32_MAX)
		return -1;
	if (e == NULL) {
		if (s->count >= s->nslots && grow(s) != 0)
			return -1;
		e = sm_alloc(sizeof(*e) + al + tl + pl);
		if (e == NULL)
			return -1;
		e->hash = h;
		e->aad_len = (uint32_t)al;
		e->type_len = (uint32_t)tl;
		e->plain_len = (uint32_t)pl;
		memcpy(e->data, aad, al);
		memcpy(e->data + al, type, tl);
		memcpy(e->data + al + tl, plain, pl);
		e->next = s->slots[h % s->nslots];
		s->slots[h % s->nslots] = e;
		s->count++;
	}
	for (size_t i = 0; i < e->nivs; i++)
		if (e->iv_len[i] == iv_len && memcmp(iv_at(e, i), iv, iv_len) == 0)
			return 0;
	if (e->nivs == IVS_PER_ENTRY)
		return 0;           /* more equal values: later ones get fresh IVs */
	if (e->nivs == 1 && e->more == NULL &&
	    (e->more = sm_alloc((IVS_PER_ENTRY - 1) * sizeof(*e->more))) == NULL)
		return -1;
	memcpy(iv_at(e, e->nivs), iv, iv_len);
	e->iv_len[e->nivs++] = (uint8_t)iv_len;
	return 0;
}

size_t iv_stash_take(struct iv_stash *s, const char *aad, size_t al, const char *type,
		     const uint8_t *plain, size_t pl, uint8_t iv[64])
{
	uint64_t h = key_hash(aad, al, type, plain, pl);
	struct iv_entry *e = find(s, h, aad, al, type, plain, pl);
	size_t n;

	if (e == NULL || e->used >= e->nivs)
		return 0;
	n = e->iv_len[e->used];
	memcpy(iv, iv_at(e, e->used), n);
	e->used++;
	return n;
}

void iv_stash_rewind(struct iv_stash *s)
{
	for (size_t i = 0; i < s->nslots; i++)
		for (struct iv_entry *e = s->slots[i]; e != NULL; e = e->next)
			e->used = 0;
}

size_t iv_stash_count(const struct iv_stash *s)
{
	return s->count;
}

int iv_stash_merge(struct iv_stash *dst, const struct iv_stash *src)
{
	for (size_t i = 0; i < src->nslots; i++)
		for (struct iv_entry *e = src->slots[i]; e != NULL; e = e->next) {
			const char *aad = (const char *)e->data;
			char type[32];

			if (e->type_len >= sizeof(type))
				continue;
			memcpy(type, e->data + e->aad_len, e->type_len);
			type[e->type_len] = '\0';
			for (size_t k = 0; k < e->nivs; k++)
				if (iv_stash_put(dst, aad, e->aad_len, type,
						 e->data + e->aad_len + e->type_len, e->plain_len,
						 iv_at(e, k), e->iv_len[k]) != 0)
					return -1;
		}
	return 0;
}

void iv_stash_foreach(const struct iv_stash *s,
		      void (*fn)(void *arg, const char *type, size_t type_len,
				 const uint8_t *plain, size_t plain_len),
		      void *arg)
{
	for (size_t i = 0; i < s->nslots; i++)
		for (const struct iv_entry *e = s->slots[i]; e != NULL; e = e->next)
			fn(arg, (const char *)e->data + e->aad_len, e->type_len,
			   e->data + e->aad_len + e->type_len, e->plain_len);
}
