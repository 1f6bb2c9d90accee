/* prefetch.c - directory prefetch of data keys with a worker pool (see
 * prefetch.h). */
#include "prefetch.h"
#include "unwrap.h"
#include "../entries/names.h"
#include "../../codec/core/sops_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PF_MAX_QUEUE 100000
#define PF_SEEN 512

struct job {
	char *path;
	struct job *next;
};

struct prefetch {
	struct sopsfs *fs;
	int enabled, stop, nthreads;
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	size_t queued;
	unsigned long fetched;
	struct { char *dir; time_t when; } seen[PF_SEEN];   /* recently listed */
	size_t seen_next;
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

static void *worker(void *arg)
{
	struct prefetch *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->head == NULL)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		struct job *j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->queued--;
		pthread_mutex_unlock(&p->mu);
		fetching = j->path;
		fetch_file(p, j->path);
		fetching = NULL;
		free(j->path);
		free(j);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct prefetch *prefetch_new(struct sopsfs *fs, int nthreads, int enabled)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->fs = fs;
	p->enabled = enabled;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (!enabled)
		return p;
	p->threads = calloc((size_t)nthreads, sizeof(pthread_t));
	if (p->threads == NULL) {
		free(p);
		return NULL;
	}
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break;
		p->nthreads++;
	}
	return p;
}

void prefetch_free(struct prefetch *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	while (p->head != NULL) {
		struct job *j = p->head;

		p->head = j->next;
		free(j->path);
		free(j);
	}
	for (size_t i = 0; i < PF_SEEN; i++)
		free(p->seen[i].dir);
	free(p->threads);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

/* 1 if dir was queued within the key TTL; otherwise remember it now. */
static int seen_recently(struct prefetch *p, const char *dir)
{
	time_t now = time(NULL);
	size_t slot;

	for (size_t i = 0; i < PF_SEEN; i++)
		if (p->seen[i].dir != NULL && strcmp(p->seen[i].dir, dir) == 0) {
			if (now - p->seen[i].when < (time_t)p->fs->o.key_ttl)
				return 1;
			p->seen[i].when = now;
			return 0;
		}
	slot = p->seen_next++ % PF_SEEN;
	free(p->seen[slot].dir);
	p->seen[slot].dir = strdup(dir);
	p->seen[slot].when = now;
	return 0;
}

static void enqueue(struct prefetch *p, const char *dir, const char *name)
{
	struct job *j = malloc(sizeof(*j));
	size_t n = strlen(dir) + strlen(name) + 2;

	if (j == NULL || (j->path = malloc(n)) == NULL) {
		free(j);
		return;
	}
	snprintf(j->path, n, "%s/%s", strcmp(dir, "/") ? dir : "", name);
	j->next = NULL;
	if (p->tail != NULL)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
}

void prefetch_dir(struct prefetch *p, const char *dir)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (p == NULL || !p->enabled || p->nthreads == 0)
		return;
	/* speed: nothing to win before a key-service file has been read (an
	 * age/PGP-only tree would pay a listing and a read of every file) */
	if (!pf_network_seen())
		return;
	pthread_mutex_lock(&p->mu);
	int skip = seen_recently(p, dir);
	pthread_mutex_unlock(&p->mu);
	if (skip)
		return;
	fd = backing_open_path(&p->fs->b, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	pthread_mutex_lock(&p->mu);
	while ((de = readdir(d)) != NULL && p->queued < PF_MAX_QUEUE) {
		if (de->d_type != DT_REG || names_is_internal(de->d_name))
			continue;
		enqueue(p, dir, de->d_name);
	}
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	closedir(d);
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
