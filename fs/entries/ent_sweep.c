/* ent_sweep.c - what leaves the entry table over time: views evicted
 * above the cache cap or expired with their keys, identities and
 * tombstones, pending new files written through, and the counts
 * `sopsfs status` shows. */
#include "ent.h"
#include "etable.h"
#include "../guard/guard.h"
#include "../writeback/commit.h"
#include "../../common/secure_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Remember path so the housekeeper drops the kernel's pages and
 * attributes of it (drop_kernel_pages in mount.c). Table lock held. */
static void note_wiped(struct etable *t, const char *path)
{
	if (t->nwiped == t->capwiped) {
		size_t nc = t->capwiped ? t->capwiped * 2 : 16;
		char **nw = realloc(t->wiped, nc * sizeof(*nw));

		if (nw != NULL) {
			t->wiped = nw;
			t->capwiped = nc;
		}
	}
	if (t->nwiped < t->capwiped && (t->wiped[t->nwiped] = strdup(path)) != NULL)
		t->nwiped++;
}

/* Views over cache_mb go, least recently used first (of unreferenced
 * entries); the kernel's pages of them go too
 * (no plaintext outlives its view in the page cache: key expiry and
 * SIGUSR1 only reach files that still have a view). */
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
		etable_lru_unlink(t, e);
		pthread_mutex_unlock(&t->mu);
		if (pthread_mutex_trylock(&e->mu) == 0) {
			int had = e->view != NULL;

			ent_drop_view(fs, e);
			if (e->kind == VF_SOPS && !e->has_draft)
				e->kind = VF_UNKNOWN;      /* reload on next use */
			if (had) {
				e->gen++;
				pthread_mutex_lock(&t->mu);
				note_wiped(t, e->path);
				pthread_mutex_unlock(&t->mu);
			}
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
		note_wiped(t, e->path);
		e->gen++;
		t->view_bytes -= e->view_len;
		etable_lru_unlink(t, e);
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
