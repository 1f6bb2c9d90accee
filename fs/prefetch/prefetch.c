/* prefetch.c - directory prefetch of data keys with a worker pool (see
 * prefetch.h). */
#include "prefetch.h"
#include "unwrap.h"
#include "../entries/names.h"
#include "../../codec/core/sops_file.h"
#include "../../common/dirents.h"
#include "../../common/jobq.h"
#include "../../common/recent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PF_MAX_QUEUE 100000

struct prefetch {
	struct sopsfs *fs;
	int enabled;
	struct jobq *q;          /* the workers (NULL when disabled) */
	pthread_mutex_t mu;      /* fetched, seen */
	unsigned long fetched;
	struct recent seen;      /* directories queued lately */
};

/* Cheap test before parsing: a SOPS file (as ent_load.c) that names a
 * key-service list (kms, gcp_kms, hckms, azure_kv, hc_vault), so an
 * age-only tree costs the workers one read per file and no parse. */
static int may_be_sops(const char *t, size_t n)
{
	return memmem(t, n, "sops", 4) != NULL &&
	       (memmem(t, n, "ENC[AES256_GCM", 14) != NULL || memmem(t, n, "mac", 3) != NULL) &&
	       (memmem(t, n, "kms", 3) != NULL || memmem(t, n, "azure_kv", 8) != NULL ||
		memmem(t, n, "hc_vault", 8) != NULL);
}

/* Does the file have a key-service master key? Files with only age and
 * PGP keys are left to the reader: they need no round trip, and a PGP
 * unwrap may ask for a passphrase, which a directory listing must not. */
int pf_has_network_key(const struct sops_meta *m)
{
	for (size_t g = 0; g < m->ngroups; g++)
		for (size_t k = 0; k < m->groups[g].nkeys; k++) {
			const char *t = m->groups[g].keys[k].type;

			if (strcmp(t, "age") != 0 && strcmp(t, "pgp") != 0)
				return 1;
		}
	return 0;
}

/* get_key hook: fetch the key into the cache, then stop the decryption
 * (the view is made when the file is read). */
/* The file a worker is prefetching (named in the key-unwrap audit line). */
static __thread const char *fetching;

static int fetch_only(void *arg, const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN],
		      struct sops_err *err)
{
	struct prefetch *p = arg;
	int rc = pf_has_network_key(m) ? pf_get_key(p->fs, m, key, fetching, err) : -1;

	if (rc == 0) {
		pthread_mutex_lock(&p->mu);
		p->fetched++;
		pthread_mutex_unlock(&p->mu);
	}
	return err_set(err, EX_ERROR, "prefetch only");
}

static void fetch_file(struct prefetch *p, const char *path)
{
	const struct store_ops *first = store_for_path(path);
	const struct store_ops *all[] = { first, &yaml_store, &json_store, &dotenv_store, &ini_store };
	struct sops_opts o = { .get_key = fetch_only, .get_key_arg = p };
	struct sops_file *sf = NULL;
	struct sops_err err;
	char *text = NULL;
	size_t len = 0;
	int found = 0;

	o.found_meta = &found;
	if (backing_read_all(&p->fs->b, path, p->fs->o.max_file, &text, &len) != 0)
		return;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && may_be_sops(text, len); i++) {
		if (i > 0 && all[i] == first)
			continue;
		if (sops_file_open_as(all[i], text, len, NULL, &o, &sf, &err) == 0)
			sops_file_free(sf);   /* not reached: fetch_only stops it */
		if (found)
			break;
	}
	free(text);
}

static void run(void *arg, const char *path, int kind)
{
	(void)kind;
	fetching = path;
	fetch_file(arg, path);
	fetching = NULL;
}

struct prefetch *prefetch_new(struct sopsfs *fs, int nthreads, int enabled)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->fs = fs;
	p->enabled = enabled;
	pthread_mutex_init(&p->mu, NULL);
	if (enabled)     /* no worker started: unwraps stay on demand */
		p->q = jobq_new(nthreads, PF_MAX_QUEUE, run, p, NULL);
	return p;
}

void prefetch_free(struct prefetch *p)
{
	if (p == NULL)
		return;
	jobq_free(p->q);
	recent_clear(&p->seen);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

void prefetch_dir(struct prefetch *p, const char *dir)
{
	const struct dirent64 *de;
	struct dirents *d;

	if (p == NULL || p->q == NULL)
		return;
	/* speed: nothing to win before a key-service file has been read (an
	 * age/PGP-only tree would pay a listing and a read of every file) */
	if (!pf_network_seen())
		return;
	pthread_mutex_lock(&p->mu);
	int skip = recent_seen(&p->seen, dir, (time_t)p->fs->o.key_ttl);
	pthread_mutex_unlock(&p->mu);
	if (skip)
		return;
	d = dirents_open(backing_open_path(&p->fs->b, dir, O_RDONLY | O_DIRECTORY, 0));
	if (d == NULL)
		return;
	while ((de = dirents_next(d)) != NULL) {
		if (de->d_type != DT_REG || names_is_internal(de->d_name))
			continue;
		if (jobq_push(p->q, names_join(dir, de->d_name), 0) != 0)
			break;                  /* the queue is full */
	}
	dirents_close(d);
}

void prefetch_parent(struct prefetch *p, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n;

	if (p == NULL || !p->enabled || slash == NULL)
		return;
	n = (size_t)(slash - path);
	if (n >= sizeof(dir))
		return;
	memcpy(dir, path, n);
	dir[n] = '\0';
	prefetch_dir(p, n == 0 ? "/" : dir);
}

unsigned long prefetch_count(struct prefetch *p)
{
	unsigned long n;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->mu);
	n = p->fetched;
	pthread_mutex_unlock(&p->mu);
	return n;
}
