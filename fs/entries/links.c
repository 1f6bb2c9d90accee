/* links.c - names seen for each hard-linked file (see links.h). */
#include "links.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define LINK_BUCKETS 1024
#define LINK_NAMES 8           /* names kept per file (the latest ones) */

struct lfile {
	struct lfile *next;
	dev_t dev;
	ino_t ino;
	char *names[LINK_NAMES];
	unsigned n, at;
};

static pthread_mutex_t links_mu = PTHREAD_MUTEX_INITIALIZER;
static struct lfile **links_tab;

int links_init(void)
{
	links_tab = calloc(LINK_BUCKETS, sizeof(*links_tab));
	return links_tab ? 0 : -1;
}

void links_free(void)
{
	for (size_t i = 0; links_tab != NULL && i < LINK_BUCKETS; i++) {
		struct lfile *f = links_tab[i], *next;

		for (; f != NULL; f = next) {
			next = f->next;
			for (unsigned k = 0; k < f->n; k++)
				free(f->names[k]);
			free(f);
		}
	}
	free(links_tab);
	links_tab = NULL;
}

static struct lfile **slot(dev_t dev, ino_t ino)
{
	struct lfile **pp = &links_tab[(size_t)(ino ^ dev) % LINK_BUCKETS];

	while (*pp != NULL && ((*pp)->dev != dev || (*pp)->ino != ino))
		pp = &(*pp)->next;
	return pp;
}

void links_note(dev_t dev, ino_t ino, const char *path)
{
	struct lfile **pp, *f;
	char *copy;

	if (links_tab == NULL)
		return;
	pthread_mutex_lock(&links_mu);
	pp = slot(dev, ino);
	f = *pp;
	if (f == NULL && (f = calloc(1, sizeof(*f))) != NULL) {
		f->dev = dev;
		f->ino = ino;
		*pp = f;
	}
	for (unsigned k = 0; f != NULL && k < f->n; k++)
		if (strcmp(f->names[k], path) == 0)
			f = NULL;                      /* known already */
	if (f != NULL && (copy = strdup(path)) != NULL) {
		if (f->n < LINK_NAMES) {
			f->names[f->n++] = copy;
		} else {
			free(f->names[f->at]);        /* replace the oldest */
			f->names[f->at] = copy;
			f->at = (f->at + 1) % LINK_NAMES;
		}
	}
	pthread_mutex_unlock(&links_mu);
}

void links_drop(dev_t dev, ino_t ino, const char *path)
{
	struct lfile **pp, *f;

	if (links_tab == NULL)
		return;
	pthread_mutex_lock(&links_mu);
	pp = slot(dev, ino);
	f = *pp;
	for (unsigned k = 0; f != NULL && k < f->n; k++) {
		if (strcmp(f->names[k], path) != 0)
			continue;
		free(f->names[k]);
		f->names[k] = f->names[--f->n];
		f->at = 0;
		break;
	}
	if (f != NULL && f->n == 0) {
		*pp = f->next;
		free(f);
	}
	pthread_mutex_unlock(&links_mu);
}

char **links_others(dev_t dev, ino_t ino, const char *except)
{
	struct lfile *f;
	char **out = NULL;
	size_t n = 0;

	if (links_tab == NULL)
		return NULL;
	pthread_mutex_lock(&links_mu);
	f = *slot(dev, ino);
	if (f != NULL && (out = calloc(f->n + 1, sizeof(*out))) != NULL)
		for (unsigned k = 0; k < f->n; k++)
			if ((except == NULL || strcmp(f->names[k], except) != 0) &&
			    (out[n] = strdup(f->names[k])) != NULL)
				n++;
	pthread_mutex_unlock(&links_mu);
	return out;
}
