/* ent.c - the entry table: lookup by path (a hash table that grows),
 * references, renames, the overlay list and views (ent_sweep.c: what
 * leaves it over time). */
#include "ent.h"
#include "etable.h"
#include "../../common/secure_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIN_BITS 12

struct etable *etable_new(void)
{
	struct etable *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->bits = MIN_BITS;
	t->buckets = calloc((size_t)1 << t->bits, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

static void ent_destroy(struct ent *e)
{
	free(e->err);
	sm_free(e->view);
	buf_free(&e->content);
	ident_unref(e->id);
	ident_unref(e->tomb);
	pthread_mutex_destroy(&e->mu);
	free(e->path);
	free(e);
}

void etable_free(struct etable *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < ((size_t)1 << t->bits); i++) {
		struct ent *e = t->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->hnext;
			ent_destroy(e);
		}
	}
	for (size_t i = 0; i < t->nwiped; i++)
		free(t->wiped[i]);
	free(t->wiped);
	free(t->buckets);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static size_t hash_path(const struct etable *t, const char *p)
{
	uint64_t h = 5381;

	while (*p)
		h = h * 33 + (unsigned char)*p++;
	return (size_t)((h * 0x9E3779B97F4A7C15ULL) >> (64 - t->bits));
}

/* Twice the buckets once there are as many entries (allocation failure
 * keeps the table as it is: longer chains, still correct). */
static void grow(struct etable *t)
{
	size_t n = (size_t)1 << t->bits;
	struct ent **nb = calloc(n * 2, sizeof(*nb)), **old = t->buckets;

	if (nb == NULL)
		return;
	t->buckets = nb;
	t->bits++;
	for (size_t i = 0; i < n; i++)
		for (struct ent *e = old[i], *next; e != NULL; e = next) {
			size_t h = hash_path(t, e->path);

			next = e->hnext;
			e->hnext = nb[h];
			nb[h] = e;
		}
	free(old);
}

static void hash_insert(struct etable *t, struct ent *e)
{
	size_t h;

	if (++t->count > ((size_t)1 << t->bits))
		grow(t);
	h = hash_path(t, e->path);
	e->hnext = t->buckets[h];
	t->buckets[h] = e;
}

static struct ent *lookup(struct etable *t, const char *path)
{
	for (struct ent *e = t->buckets[hash_path(t, path)]; e != NULL; e = e->hnext)
		if (strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

static void unhash(struct etable *t, struct ent *e)
{
	struct ent **pp = &t->buckets[hash_path(t, e->path)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			t->count--;
			break;
		}
	e->hnext = NULL;
	e->in_table = 0;
}

void etable_lru_unlink(struct etable *t, struct ent *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else if (t->lru_head == e)
		t->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else if (t->lru_tail == e)
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_front(struct etable *t, struct ent *e)
{
	etable_lru_unlink(t, e);
	e->lru_next = t->lru_head;
	if (t->lru_head)
		t->lru_head->lru_prev = e;
	t->lru_head = e;
	if (t->lru_tail == NULL)
		t->lru_tail = e;
}

static void ov_unlink(struct etable *t, struct ent *e)
{
	if (!e->in_ov)
		return;
	if (e->ov_prev)
		e->ov_prev->ov_next = e->ov_next;
	else
		__atomic_store_n(&t->ov_head, e->ov_next, __ATOMIC_RELEASE);
	if (e->ov_next)
		e->ov_next->ov_prev = e->ov_prev;
	e->ov_prev = e->ov_next = NULL;
	e->in_ov = 0;
}

int ent_has_overlay(struct sopsfs *fs)
{
	return __atomic_load_n(&fs->ents->ov_head, __ATOMIC_ACQUIRE) != NULL;
}

void ent_overlay(struct sopsfs *fs, struct ent *e)
{
	struct etable *t = fs->ents;

	pthread_mutex_lock(&t->mu);
	if (!e->in_ov) {
		e->ov_prev = NULL;
		e->ov_next = t->ov_head;
		if (t->ov_head)
			t->ov_head->ov_prev = e;
		__atomic_store_n(&t->ov_head, e, __ATOMIC_RELEASE);
		e->in_ov = 1;
	}
	pthread_mutex_unlock(&t->mu);
}

struct ent *ent_ref(struct ent *e)
{
	if (e != NULL)
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
	return e;
}

struct ent *ent_find(struct sopsfs *fs, const char *path)
{
	struct ent *e;

	pthread_mutex_lock(&fs->ents->mu);
	e = ent_ref(lookup(fs->ents, path));
	pthread_mutex_unlock(&fs->ents->mu);
	return e;
}

struct ent *ent_get(struct sopsfs *fs, const char *path)
{
	struct etable *t = fs->ents;
	struct ent *e;

	pthread_mutex_lock(&t->mu);
	e = lookup(t, path);
	if (e == NULL && (e = calloc(1, sizeof(*e))) != NULL) {
		e->path = strdup(path);
		if (e->path == NULL) {
			free(e);
			e = NULL;
		} else {
			pthread_mutex_init(&e->mu, NULL);
			buf_init(&e->content, 1);
			e->refs = 1;            /* the table's */
			e->in_table = 1;
			hash_insert(t, e);
		}
	}
	ent_ref(e);
	pthread_mutex_unlock(&t->mu);
	return e;
}

void ent_put(struct sopsfs *fs, struct ent *e)
{
	int last;

	if (e == NULL)
		return;
	pthread_mutex_lock(&fs->ents->mu);
	last = __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0;
	if (last) {
		if (e->view != NULL) {
			fs->ents->view_bytes -= e->view_len;
			etable_lru_unlink(fs->ents, e);
		}
		if (e->in_table)
			unhash(fs->ents, e);
		ov_unlink(fs->ents, e);
	}
	pthread_mutex_unlock(&fs->ents->mu);
	if (last)
		ent_destroy(e);
}

void ent_remove(struct sopsfs *fs, struct ent *e)
{
	int drop = 0;

	pthread_mutex_lock(&fs->ents->mu);
	if (e->in_table) {
		unhash(fs->ents, e);
		drop = 1;
	}
	pthread_mutex_unlock(&fs->ents->mu);
	if (drop)
		ent_put(fs, e);          /* the table's reference */
}

int ent_rename(struct sopsfs *fs, struct ent *e, const char *newpath)
{
	struct etable *t = fs->ents;
	char *np = strdup(newpath);
	struct ent *old;

	if (np == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&t->mu);
	old = lookup(t, newpath);
	if (old != NULL && old != e)
		unhash(t, old);
	if (e->in_table)
		unhash(t, e);
	free(e->path);
	e->path = np;
	e->in_table = 1;
	hash_insert(t, e);
	pthread_mutex_unlock(&t->mu);
	if (old != NULL && old != e)
		ent_put(fs, old);
	return 0;
}

void ent_rename_dir(struct sopsfs *fs, const char *from, const char *to)
{
	struct etable *t = fs->ents;
	size_t fl = strlen(from);
	struct ent *moved = NULL, *displaced = NULL, *old;

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < ((size_t)1 << t->bits); i++) {
		struct ent **pp = &t->buckets[i];

		while (*pp != NULL) {
			struct ent *e = *pp;

			if (strncmp(e->path, from, fl) == 0 && e->path[fl] == '/') {
				*pp = e->hnext;        /* unhash; rehashed below */
				t->count--;
				e->hnext = moved;
				moved = e;
			} else {
				pp = &e->hnext;
			}
		}
	}
	while (moved != NULL) {
		struct ent *e = moved;
		char *np = malloc(strlen(to) + strlen(e->path + fl) + 1);

		moved = e->hnext;
		if (np != NULL) {
			strcpy(np, to);
			strcat(np, e->path + fl);
			free(e->path);
			e->path = np;
		}
		old = lookup(t, e->path);
		if (old != NULL) {              /* left over below the replaced dir */
			unhash(t, old);
			old->hnext = displaced;
			displaced = old;
		}
		hash_insert(t, e);
	}
	pthread_mutex_unlock(&t->mu);
	while (displaced != NULL) {
		old = displaced;
		displaced = old->hnext;
		old->hnext = NULL;
		ent_put(fs, old);               /* the table's reference */
	}
}

ino_t ent_show_ino(const struct ent *e, ino_t ino)
{
	return e != NULL && e->show_ino != 0 && e->show_for == ino ? e->show_ino : ino;
}

void ent_foreach_child(struct sopsfs *fs, const char *dir,
		       void (*fn)(void *arg, struct ent *e, const char *name), void *arg)
{
	size_t dl = strcmp(dir, "/") == 0 ? 0 : strlen(dir);

	pthread_mutex_lock(&fs->ents->mu);
	for (struct ent *e = fs->ents->ov_head; e != NULL; e = e->ov_next) {
		const char *p = e->path;

		if (!e->in_table || strncmp(p, dir, dl) != 0 || p[dl] != '/' ||
		    strchr(p + dl + 1, '/'))
			continue;
		fn(arg, e, p + dl + 1);
	}
	pthread_mutex_unlock(&fs->ents->mu);
}

void bident_from_stat(struct bident *b, const struct stat *st)
{
	b->dev = st->st_dev;
	b->ino = st->st_ino;
	b->size = st->st_size;
	b->mtime = bident_ns(st->st_mtim);
	b->ctime = bident_ns(st->st_ctim);
}

int bident_eq(const struct bident *a, const struct bident *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime == b->mtime && a->ctime == b->ctime;
}

int ent_set_view(struct sopsfs *fs, struct ent *e, const void *p, size_t n)
{
	uint8_t *v = sm_alloc(n);

	if (v == NULL)
		return -1;
	memcpy(v, p, n);
	ent_drop_view(fs, e);
	e->gen++;
	pthread_mutex_lock(&fs->ents->mu);
	e->view = v;
	e->view_len = n;
	fs->ents->view_bytes += n;
	lru_front(fs->ents, e);
	pthread_mutex_unlock(&fs->ents->mu);
	e->view_loaded = e->view_used = time(NULL);
	return 0;
}

void ent_drop_view(struct sopsfs *fs, struct ent *e)
{
	if (e->view == NULL)
		return;
	pthread_mutex_lock(&fs->ents->mu);
	fs->ents->view_bytes -= e->view_len;
	etable_lru_unlink(fs->ents, e);
	pthread_mutex_unlock(&fs->ents->mu);
	sm_free(e->view);
	e->view = NULL;
	e->view_len = 0;
}

const uint8_t *ent_data(const struct ent *e, size_t *len)
{
	if (e->has_draft || e->virt || e->pending) {
		*len = e->content.len;
		return e->content.data ? e->content.data : (const uint8_t *)"";
	}
	*len = e->view_len;
	return e->view ? e->view : (const uint8_t *)"";
}

size_t ent_view_bytes(struct sopsfs *fs)
{
	size_t n;

	pthread_mutex_lock(&fs->ents->mu);
	n = fs->ents->view_bytes;
	pthread_mutex_unlock(&fs->ents->mu);
	return n;
}

ino_t ent_new_ino(void)
{
	static ino_t next = (ino_t)1 << 62;

	return __atomic_add_fetch(&next, 1, __ATOMIC_RELAXED);
}
