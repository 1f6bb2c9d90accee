/* guard.c - the leak guard's checks on the write paths (see guard.h). */
#include "guard.h"
#include "index.h"
#include "public.h"
#include "guard_int.h"
#include "../fuse/sopsfs.h"
#include "../entries/ent.h"
#include "../audit/audit.h"
#include "../../codec/core/sops_file.h"
#include "../../codec/core/iv_stash.h"
#include "../../common/secure_mem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_EVERY 10             /* s between identical refusal lines */

int guard_parse_mode(const char *s)
{
	if (s == NULL || strcmp(s, "deny") == 0)
		return LEAK_DENY;
	if (strcmp(s, "warn") == 0)
		return LEAK_WARN;
	if (strcmp(s, "off") == 0)
		return LEAK_OFF;
	return -1;
}

struct guard *guard_new(int mode)
{
	struct guard *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->ix = gindex_new();
	if (g->ix == NULL) {
		free(g);
		return NULL;
	}
	pthread_rwlock_init(&g->lk, NULL);
	pthread_mutex_init(&g->mu, NULL);
	g->mode = mode;
	g->ver = 1;
	return g;
}

void guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	gindex_free(g->ix);
	for (int i = 0; i < RECENT; i++) {
		free(g->recent[i].path);
		free(g->recent[i].why);
	}
	pthread_rwlock_destroy(&g->lk);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

struct note {
	struct gindex *ix;
	int src;
	int failed;
};

static void note_value(void *arg, const char *type, size_t type_len, const uint8_t *p, size_t n)
{
	struct note *nt = arg;

	(void)type;
	(void)type_len;
	if (!nt->failed && gindex_add(nt->ix, nt->src, p, n) != 0)
		nt->failed = 1;
}

void guard_note_file(struct sopsfs *fs, const char *path, const struct sops_file *sf)
{
	struct guard *g = fs->guard;
	uint8_t id[GINDEX_ID_LEN];
	struct note nt;

	if (g == NULL || g->mode == LEAK_OFF || sf == NULL || sf->stash == NULL ||
	    meta_key_id(&sf->meta, id) != 0)
		return;
	pthread_rwlock_wrlock(&g->lk);
	nt.ix = g->ix;
	nt.src = gindex_source(g->ix, path, id);
	nt.failed = nt.src < 0;
	if (!nt.failed)
		iv_stash_foreach(sf->stash, note_value, &nt);
	g->ver++;
	pthread_rwlock_unlock(&g->lk);
	if (nt.failed)
		sopsfs_log("leak guard: out of memory indexing the values of %s", path);
}

static int key_cached(void *arg, const uint8_t *id)
{
	return keycache_has(arg, id);
}

void guard_expire(struct sopsfs *fs)
{
	struct guard *g = fs->guard;

	if (g == NULL)
		return;
	pthread_rwlock_wrlock(&g->lk);
	gindex_drop_sources(g->ix, key_cached, fs->keys);
	pthread_rwlock_unlock(&g->lk);
}

void guard_wipe(struct sopsfs *fs)
{
	struct guard *g = fs->guard;

	if (g == NULL)
		return;
	pthread_rwlock_wrlock(&g->lk);
	gindex_clear(g->ix);
	pthread_rwlock_unlock(&g->lk);
}

/* ---- deciding a match ---- */

struct scan {
	struct sopsfs *fs;
};

static int on_match(void *arg, struct gval *v, const uint8_t *at)
{
	struct scan *s = arg;
	struct guard *g = s->fs->guard;
	time_t now = time(NULL);
	int secret;

	(void)at;
	pthread_mutex_lock(&g->mu);
	if (v->pub == GPUB_UNKNOWN || now - g->public_at >= PUBLIC_TTL) {
		guard_public_sweep(s->fs, g->ix);   /* decides every value */
		g->public_at = now;
	}
	secret = v->pub == GPUB_SECRET;
	pthread_mutex_unlock(&g->mu);
	return secret;
}

/* Remember (and log, not too often) a refusal or warning for path. */
static void record(struct guard *g, const char *path, const char *why, int refused)
{
	time_t now = time(NULL);
	int slot = 0, same = 0;

	pthread_mutex_lock(&g->mu);
	if (refused)
		g->refused++;
	else
		g->warned++;
	for (int i = 0; i < RECENT; i++) {
		if (g->recent[i].path != NULL && strcmp(g->recent[i].path, path) == 0) {
			slot = i;
			same = strcmp(g->recent[i].why, why) == 0 && now - g->recent[i].at < LOG_EVERY;
			break;
		}
		if (g->recent[i].at < g->recent[slot].at)
			slot = i;
	}
	if (!same) {
		sopsfs_log("%s", why);
		free(g->recent[slot].path);
		free(g->recent[slot].why);
		g->recent[slot].path = strdup(path);
		g->recent[slot].why = strdup(why);
		g->recent[slot].at = now;
		if (g->recent[slot].path == NULL || g->recent[slot].why == NULL) {
			free(g->recent[slot].path);
			free(g->recent[slot].why);
			g->recent[slot].path = g->recent[slot].why = NULL;
			g->recent[slot].at = 0;
		}
	}
	atomic_store(&g->nrecent, 1);
	pthread_mutex_unlock(&g->mu);
}

/* A match of v in path: refuse (or warn). Guard read lock held (v valid). */
static int matched(struct sopsfs *fs, const char *path, const struct gval *v)
{
	struct guard *g = fs->guard;
	const struct gsrc *src = gindex_src(g->ix, v->src);
	const char *from = src && src->path ? src->path : "?";
	char why[PATH_MAX * 2 + 200];
	int deny = g->mode == LEAK_DENY;

	if (deny)
		snprintf(why, sizeof(why), "leak guard: refused: %s would store a secret value of "
			 "%s unencrypted in the source directory (-o leak_guard=warn to allow)",
			 path, from);
	else
		snprintf(why, sizeof(why), "leak guard: warning: %s stores a secret value of %s "
			 "unencrypted in the source directory", path, from);
	record(g, path, why, deny);
	audit_event(fs, deny ? "leak-refused" : "leak-warned", path, "source", from);
	return deny ? -EACCES : 0;
}

static int scan_bytes(struct sopsfs *fs, const char *path, const uint8_t *d, size_t n,
		      size_t lo, size_t hi)
{
	struct scan s = { fs };
	struct gval *v = gindex_scan(fs->guard->ix, d, n, lo, hi, on_match, &s);

	return v == NULL ? 0 : matched(fs, path, v);
}

/* Bytes of context needed on each side of new bytes. Read lock held. */
size_t guard_context_len(struct guard *g)
{
	size_t ctx = gindex_maxlen(g->ix);

	return ctx > CONTEXT_MAX ? CONTEXT_MAX : ctx > 0 ? ctx - 1 : 0;
}

/* New bytes nw[0..n) between before[0..nb) and after[0..na) (each at most
 * context_len): the new bytes in place, then small copies around each edge
 * for values that cross it. Read lock held. */
int guard_scan_parts(struct sopsfs *fs, const char *path, const uint8_t *before, size_t nb,
		      const uint8_t *nw, size_t n, const uint8_t *after, size_t na)
{
	size_t ctx = guard_context_len(fs->guard), m = n < ctx ? n : ctx, extra;
	uint8_t *d;
	int rc = scan_bytes(fs, path, nw, n, 0, n);

	if (rc == 0 && nb > 0) {
		extra = n < ctx ? (na < ctx - n ? na : ctx - n) : 0;
		if ((d = sm_alloc(nb + m + extra)) == NULL)
			return -ENOMEM;
		memcpy(d, before, nb);
		memcpy(d + nb, nw, m);
		if (extra)
			memcpy(d + nb + m, after, extra);
		rc = scan_bytes(fs, path, d, nb + m + extra, nb, nb);
		sm_free(d);
	}
	if (rc == 0 && na > 0) {
		if ((d = sm_alloc(m + na)) == NULL)
			return -ENOMEM;
		memcpy(d, nw + n - m, m);
		memcpy(d + m, after, na);
		rc = scan_bytes(fs, path, d, m + na, m, m);
		sm_free(d);
	}
	return rc;
}

/* user.sopsfs.error of e (e->mu held); the refusal is logged already. */
static void set_err(struct ent *e, const char *why)
{
	char *copy = strdup(why);

	if (copy == NULL)
		return;
	free(e->err);
	e->err = copy;
}

int guard_active(struct sopsfs *fs)
{
	return fs->guard != NULL && fs->guard->mode != LEAK_OFF;
}

int guard_check_bytes(struct sopsfs *fs, const char *path, const void *data, size_t len)
{
	int rc;

	if (!guard_active(fs))
		return 0;
	pthread_rwlock_rdlock(&fs->guard->lk);
	rc = scan_bytes(fs, path, data, len, 0, len);
	pthread_rwlock_unlock(&fs->guard->lk);
	return rc;
}

int guard_check_ent(struct sopsfs *fs, struct ent *e)
{
	int rc = 0;

	if (!guard_active(fs))
		return 0;
	pthread_mutex_lock(&e->mu);
	pthread_rwlock_rdlock(&fs->guard->lk);
	if (e->guard_ver != fs->guard->ver || e->guard_gen != e->gen) {
		rc = scan_bytes(fs, e->path, e->content.data ? e->content.data : (uint8_t *)"",
				e->content.len, 0, e->content.len);
		if (rc == 0) {          /* fsync then close: scanned once */
			e->guard_ver = fs->guard->ver;
			e->guard_gen = e->gen;
		}
	}
	pthread_rwlock_unlock(&fs->guard->lk);
	if (rc != 0) {
		guard_refused_ent(fs, e);
		rc = -EIO;
	}
	pthread_mutex_unlock(&e->mu);
	return rc;
}

void guard_refused_ent(struct sopsfs *fs, struct ent *e)
{
	char why[PATH_MAX * 2 + 200];

	if (guard_reason(fs, e->path, why, sizeof(why)) > 0)
		set_err(e, why);
	e->commit_failed = 1;           /* not retried until written again */
}

static int any_match(void *arg, struct gval *v, const uint8_t *at)
{
	(void)arg;
	(void)v;
	(void)at;
	return 1;
}

int guard_contains(struct sopsfs *fs, const void *d, size_t n)
{
	int yes;

	if (fs->guard == NULL)
		return 0;
	pthread_rwlock_rdlock(&fs->guard->lk);
	yes = gindex_scan(fs->guard->ix, d, n, 0, n, any_match, NULL) != NULL;
	pthread_rwlock_unlock(&fs->guard->lk);
	return yes;
}

size_t guard_reason(struct sopsfs *fs, const char *path, char *out, size_t size)
{
	struct guard *g = fs->guard;
	size_t n = 0;

	if (g == NULL || !atomic_load(&g->nrecent) || size == 0)
		return 0;
	pthread_mutex_lock(&g->mu);
	for (int i = 0; i < RECENT; i++)
		if (g->recent[i].path != NULL && strcmp(g->recent[i].path, path) == 0) {
			n = strlen(g->recent[i].why);
			n = n < size - 1 ? n : size - 1;
			memcpy(out, g->recent[i].why, n);
			out[n] = '\0';
			break;
		}
	pthread_mutex_unlock(&g->mu);
	return n;
}

void guard_stats(struct sopsfs *fs, struct guard_stats *st)
{
	struct guard *g = fs->guard;

	memset(st, 0, sizeof(*st));
	st->mode = LEAK_OFF;
	if (g == NULL)
		return;
	pthread_rwlock_rdlock(&g->lk);
	st->values = gindex_count(g->ix);
	st->sources = gindex_sources(g->ix);
	st->bytes = gindex_bytes(g->ix);
	pthread_rwlock_unlock(&g->lk);
	pthread_mutex_lock(&g->mu);
	st->refused = g->refused;
	st->warned = g->warned;
	pthread_mutex_unlock(&g->mu);
	st->mode = g->mode;
}
