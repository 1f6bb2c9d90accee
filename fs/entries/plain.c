/* plain.c - records of ordinary files known plain (plain.h): an open
 * addressing table of path hashes with the identity each was found plain
 * at. */
#include "plain.h"
#include "../conflict/conflict.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BITS 10

struct pid {                     /* a backing identity (bident), packed */
	uint64_t dev, ino, size;
	int64_t mtime, ctime;    /* ns */
};

struct prec {
	uint64_t h;              /* hash of the path; 0: empty slot */
	struct pid id;           /* identity found plain */
	int cached;              /* the kernel may keep its pages (keep_cache) */
};

struct plainset {
	pthread_mutex_t mu;
	struct prec *tab;        /* 1 << bits slots, grown at load 3/4 */
	unsigned bits;
	size_t count;
};

static uint64_t hash_path(const char *p)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h ? h : 1;
}

static struct pid pack(dev_t dev, ino_t ino, off_t size, int64_t m, int64_t c)
{
	struct pid id = { (uint64_t)dev, (uint64_t)ino, (uint64_t)size, m, c };

	return id;
}

static struct pid of_stat(const struct stat *st)
{
	return pack(st->st_dev, st->st_ino, st->st_size, bident_ns(st->st_mtim),
		    bident_ns(st->st_ctim));
}

static int same(const struct pid *a, const struct pid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime == b->mtime && a->ctime == b->ctime;
}

struct plainset *plainset_new(void)
{
	struct plainset *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->bits = MIN_BITS;
	p->tab = calloc((size_t)1 << p->bits, sizeof(*p->tab));
	if (p->tab == NULL) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

void plainset_free(struct plainset *p)
{
	if (p == NULL)
		return;
	free(p->tab);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* The slot of h: where it is, or the empty one where it goes (mu held). */
static struct prec *slot(const struct plainset *p, uint64_t h)
{
	size_t mask = ((size_t)1 << p->bits) - 1;
	size_t i = (size_t)((h * 0x9E3779B97F4A7C15ULL) >> (64 - p->bits));

	while (p->tab[i].h != 0 && p->tab[i].h != h)
		i = (i + 1) & mask;
	return &p->tab[i];
}

/* Twice the slots; on failure the table stays (mu held). 0 or -1. */
static int grow(struct plainset *p)
{
	struct prec *old = p->tab;
	size_t n = (size_t)1 << p->bits;

	p->tab = calloc(n * 2, sizeof(*p->tab));
	if (p->tab == NULL) {
		p->tab = old;
		return -1;
	}
	p->bits++;
	for (size_t i = 0; i < n; i++)
		if (old[i].h != 0)
			*slot(p, old[i].h) = old[i];
	free(old);
	return 0;
}

/* The record of path valid for st, or NULL (mu held). */
static struct prec *lookup(struct plainset *p, const char *path, const struct stat *st)
{
	struct prec *r = slot(p, hash_path(path));
	struct pid id = of_stat(st);

	return r->h != 0 && same(&r->id, &id) ? r : NULL;
}

/* A merge in progress may show this path as a conflict view. */
static int usable(struct sopsfs *fs, const char *path)
{
	return fs->plain != NULL && !cgit_conflicted(fs->b.root, path);
}

int plain_known(struct sopsfs *fs, const char *path, const struct stat *st)
{
	int known;

	if (!usable(fs, path))
		return 0;
	pthread_mutex_lock(&fs->plain->mu);
	known = lookup(fs->plain, path, st) != NULL;
	pthread_mutex_unlock(&fs->plain->mu);
	return known;
}

int plain_open(struct sopsfs *fs, const char *path, const struct stat *st, int writable,
	       int *keep_cache)
{
	struct prec *r;

	if (!usable(fs, path))
		return 0;
	pthread_mutex_lock(&fs->plain->mu);
	r = lookup(fs->plain, path, st);
	if (r != NULL) {
		*keep_cache = !writable && r->cached;
		r->cached = !writable;
	}
	pthread_mutex_unlock(&fs->plain->mu);
	return r != NULL;
}

/* Does e hold anything but "plain at bid"? */
static int holds_more(const struct ent *e)
{
	return e->kind != VF_PLAIN || e->virt || e->whiteout || e->unlinked || e->pending ||
	       e->has_draft || e->dirty || e->carry || e->tomb != NULL || e->id != NULL ||
	       e->show_ino != 0 || e->writers != 0 || e->err != NULL || e->view != NULL ||
	       e->content.len != 0;
}

/* (No merge check: a record is never consulted during a merge.) */
int plain_take(struct sopsfs *fs, struct ent *e)
{
	struct plainset *p = fs->plain;
	struct prec *r;
	uint64_t h;
	int taken = 0;

	if (p == NULL || holds_more(e))
		return 0;
	h = hash_path(e->path);
	pthread_mutex_lock(&p->mu);
	if ((p->count + 1) * 4 <= ((size_t)3 << p->bits) || grow(p) == 0) {
		r = slot(p, h);
		if (r->h == 0)
			p->count++;
		r->h = h;
		r->id = pack(e->bid.dev, e->bid.ino, e->bid.size, e->bid.mtime, e->bid.ctime);
		r->cached = e->plain_cached && bident_eq(&e->bid, &e->cached_bid);
		taken = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return taken;
}
