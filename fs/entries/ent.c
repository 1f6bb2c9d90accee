/* ent.c - the entry table: lookup by path, views, LRU eviction. */
#include "ent.h"
#include "../guard/guard.h"
#include "names.h"
#include "../writeback/commit.h"
#include "../../codec/core/sops_file.h"
#include "../../common/secure_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBUCKETS 4096

struct etable {
	pthread_mutex_t mu;
	char **wiped;                        /* paths whose views a sweep dropped */
	size_t nwiped, capwiped;
	struct ent *buckets[NBUCKETS];
	struct ent *lru_head, *lru_tail;     /* most recent first */
	struct ent *ov_head;                 /* overlay entries */
	size_t view_bytes;
};

struct etable *etable_new(void)
{
	struct etable *t = calloc(1, sizeof(*t));

	if (t != NULL)
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
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct ent *e = t->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->hnext;
			ent_destroy(e);
		}
	}
	for (size_t i = 0; i < t->nwiped; i++)
		free(t->wiped[i]);
	free(t->wiped);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static size_t hash_path(const char *p)
{
	size_t h = 5381;

	while (*p)
		h = h * 33 + (unsigned char)*p++;
	return h % NBUCKETS;
}

static struct ent *lookup(struct etable *t, const char *path)
{
	for (struct ent *e = t->buckets[hash_path(path)]; e != NULL; e = e->hnext)
		if (strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

static void unhash(struct etable *t, struct ent *e)
{
	struct ent **pp = &t->buckets[hash_path(e->path)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	e->hnext = NULL;
	e->in_table = 0;
}

static void lru_unlink(struct etable *t, struct ent *e)
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
	lru_unlink(t, e);
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
			e->hnext = t->buckets[hash_path(path)];
			t->buckets[hash_path(path)] = e;
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
			lru_unlink(fs->ents, e);
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
	e->hnext = t->buckets[hash_path(np)];
	t->buckets[hash_path(np)] = e;
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
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct ent **pp = &t->buckets[i];

		while (*pp != NULL) {
			struct ent *e = *pp;

			if (strncmp(e->path, from, fl) == 0 && e->path[fl] == '/') {
				*pp = e->hnext;        /* unhash; rehashed below */
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
		e->hnext = t->buckets[hash_path(e->path)];
		t->buckets[hash_path(e->path)] = e;
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
	b->mtime = st->st_mtim;
	b->ctime = st->st_ctim;
}

int bident_eq(const struct bident *a, const struct bident *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
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
	lru_unlink(fs->ents, e);
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

/* Drop least-recently-used views (of unreferenced entries) above the cap. */
void ent_evict(struct sopsfs *fs)
{
	struct etable *t = fs->ents;

	for (;;) {
		struct ent *e;

		pthread_mutex_lock(&t->mu);
		if (t->view_bytes <= fs->o.cache_bytes) {
			pthread_mutex_unlock(&t->mu);
			return;
		}
		for (e = t->lru_tail; e != NULL && e->refs > 1; e = e->lru_prev)
			;
		if (e == NULL) {
			pthread_mutex_unlock(&t->mu);
			return;
		}
		ent_ref(e);
		lru_unlink(t, e);
		pthread_mutex_unlock(&t->mu);
		if (pthread_mutex_trylock(&e->mu) == 0) {
			ent_drop_view(fs, e);
			if (e->kind == VF_SOPS && !e->has_draft)
				e->kind = VF_UNKNOWN;      /* reload on next use */
			pthread_mutex_unlock(&e->mu);
		}
		ent_put(fs, e);
	}
}

static void sweep_one(struct sopsfs *fs, struct ent *e, time_t now, int all)
{
	struct etable *t = fs->ents;
	int idle = now - e->view_used >= (time_t)fs->o.key_ttl;
	int old = now - e->view_loaded >= (time_t)fs->o.key_max_ttl;

	if (e->view != NULL && !e->has_draft && e->refs == 1 && (all || idle || old)) {
		if (t->nwiped == t->capwiped) {
			size_t nc = t->capwiped ? t->capwiped * 2 : 16;
			char **nw = realloc(t->wiped, nc * sizeof(*nw));

			if (nw != NULL) {
				t->wiped = nw;
				t->capwiped = nc;
			}
		}
		if (t->nwiped < t->capwiped && (t->wiped[t->nwiped] = strdup(e->path)) != NULL)
			t->nwiped++;
		e->gen++;
		t->view_bytes -= e->view_len;
		lru_unlink(t, e);
		sm_free(e->view);
		e->view = NULL;
		e->view_len = 0;
		e->kind = VF_UNKNOWN;
	}
	if (e->id != NULL && !e->has_draft && e->writers == 0 && (all || idle || old)) {
		ident_unref(e->id);
		e->id = NULL;
	}
	if (e->tomb != NULL && !e->whiteout && !e->virt && (all || now >= e->tomb_until)) {
		ident_unref(e->tomb);
		e->tomb = NULL;
	}
}

static void sweep_try(struct sopsfs *fs, struct ent *e, time_t now, int all)
{
	if (pthread_mutex_trylock(&e->mu) != 0)
		return;
	sweep_one(fs, e, now, all);
	pthread_mutex_unlock(&e->mu);
}

/* Only entries that hold something expire: views (the LRU list, oldest
 * first; a quick pass stops at the first view in use recently) and the
 * overlay entries (identities, tombstones). */
void ent_sweep(struct sopsfs *fs, time_t now, int all, int full)
{
	struct etable *t = fs->ents;
	struct ent *e, *prev;

	pthread_mutex_lock(&t->mu);
	for (e = t->lru_tail; e != NULL; e = prev) {
		prev = e->lru_prev;
		if (!all && !full && now - e->view_used < (time_t)fs->o.key_ttl)
			break;
		sweep_try(fs, e, now, all);
	}
	for (e = t->ov_head; e != NULL; e = e->ov_next)
		sweep_try(fs, e, now, all);
	pthread_mutex_unlock(&t->mu);
}

/* Every overlay entry is a candidate: its flags are read under e->mu
 * below (the table lock does not guard them; TSan). */
static void collect_pending(void *arg, struct ent *e)
{
	struct buf *list = arg;

	if (buf_add(list, &e, sizeof(e)) == 0)
		ent_ref(e);
}

void ent_flush_pending(struct sopsfs *fs, time_t now)
{
	struct buf list = BUF_INIT;
	struct ent **v;
	size_t n;

	pthread_mutex_lock(&fs->ents->mu);
	for (struct ent *o = fs->ents->ov_head; o != NULL; o = o->ov_next)
		collect_pending(&list, o);
	pthread_mutex_unlock(&fs->ents->mu);
	v = (struct ent **)list.data;
	n = list.len / sizeof(*v);
	for (size_t i = 0; i < n; i++) {
		struct ent *e = v[i];

		int forget = 0;

		pthread_mutex_lock(&e->mu);
		int rc = -EAGAIN;

		/* commit_failed: the leak guard refused it (written again: retried) */
		if (e->pending && !e->unlinked && e->writers == 0 && !e->commit_failed &&
		    (now == 0 || now >= e->flush_at)) {
			if (!e->virt)          /* a placeholder in SRC: settle in place */
				rc = commit_settle(fs, e);
			else if ((rc = commit_plain(fs, e->path,
						    e->content.data ? e->content.data : (uint8_t *)"",
						    e->content.len, e->mode & 07777)) == 0)
				commit_owner(fs, e->path, e->uid, e->gid);
		}
		if (rc == -EACCES)
			guard_refused_ent(fs, e);       /* leak guard: stays in memory */
		if (rc == 0 && !e->virt)
			/* an ordinary file now: the table need not remember it */
			forget = e->tomb == NULL && e->id == NULL && !e->whiteout && e->show_ino == 0;
		if (rc == 0) {
			e->pending = 0;
			e->virt = 0;
			e->has_draft = 0;
			e->dirty = 0;
			e->kind = VF_UNKNOWN;
			buf_free(&e->content);
		}
		pthread_mutex_unlock(&e->mu);
		if (forget)
			ent_remove(fs, e);
		ent_put(fs, e);
	}
	buf_free(&list);
}

char **ent_take_wiped(struct sopsfs *fs, size_t *n)
{
	char **w;

	pthread_mutex_lock(&fs->ents->mu);
	w = fs->ents->wiped;
	*n = fs->ents->nwiped;
	fs->ents->wiped = NULL;
	fs->ents->nwiped = fs->ents->capwiped = 0;
	pthread_mutex_unlock(&fs->ents->mu);
	return w;
}

ino_t ent_new_ino(void)
{
	static ino_t next = (ino_t)1 << 62;

	return __atomic_add_fetch(&next, 1, __ATOMIC_RELAXED);
}

void ent_count(struct sopsfs *fs, struct ent_counts *c)
{
	struct etable *t = fs->ents;

	memset(c, 0, sizeof(*c));
	pthread_mutex_lock(&t->mu);
	for (struct ent *e = t->lru_head; e != NULL; e = e->lru_next)
		c->views++;
	c->view_bytes = t->view_bytes;
	for (struct ent *e = t->ov_head; e != NULL; e = e->ov_next) {
		if (e->virt && !e->unlinked) {
			c->memfiles++;
			c->mem_bytes += e->content.len;
		} else if (e->has_draft) {
			c->drafts++;
			c->dirty += e->dirty;
		}
	}
	pthread_mutex_unlock(&t->mu);
}
