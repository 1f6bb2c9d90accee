/* config_keys.c - building and freeing the decoded config: keys, their
 * attributes, key groups (deduplicated), comma-separated key lists.
 */
#include "sops_config.h"
#include "config_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- building the result ---- */

static void key_free(struct cfg_key *k)
{
	for (size_t i = 0; i < k->nattrs; i++) {
		free(k->attrs[i].name);
		free(k->attrs[i].value);
	}
	free(k->attrs);
	free(k->value);
}

static void group_free(struct cfg_group *g)
{
	for (size_t i = 0; i < g->nkeys; i++)
		key_free(&g->keys[i]);
	free(g->keys);
	g->keys = NULL;
	g->nkeys = 0;
}

static void rule_free(struct creation_rule *r)
{
	for (size_t i = 0; i < r->ngroups; i++)
		group_free(&r->groups[i]);
	free(r->groups);
	free(r->path_regex);
	free(r->unencrypted_suffix);
	free(r->encrypted_suffix);
	free(r->unencrypted_regex);
	free(r->encrypted_regex);
	free(r->unencrypted_comment_regex);
	free(r->encrypted_comment_regex);
	free(r->deferred_msg);
}

void sops_config_free(struct sops_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->nrules; i++)
		rule_free(&cfg->rules[i]);
	free(cfg->rules);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}

char *memdup_str(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

struct cfg_key *group_add_key(struct cfg_group *g, const char *type,
				     const char *val, size_t len)
{
	struct cfg_key *nk = realloc(g->keys, (g->nkeys + 1) * sizeof(*nk)), *k;

	if (nk == NULL)
		return NULL;
	g->keys = nk;
	k = &g->keys[g->nkeys];
	memset(k, 0, sizeof(*k));
	k->type = type;
	k->value = memdup_str(val, len);
	if (k->value == NULL)
		return NULL;
	g->nkeys++;
	return k;
}

int key_add_attr(struct cfg_key *k, const char *name, const char *val)
{
	struct cfg_attr *na = realloc(k->attrs, (k->nattrs + 1) * sizeof(*na));

	if (na == NULL)
		return -1;
	k->attrs = na;
	na[k->nattrs].name = strdup(name);
	na[k->nattrs].value = strdup(val);
	if (na[k->nattrs].name == NULL || na[k->nattrs].value == NULL) {
		free(na[k->nattrs].name);
		free(na[k->nattrs].value);
		return -1;
	}
	k->nattrs++;
	return 0;
}

static const char *attr_get(const struct cfg_key *k, const char *name)
{
	for (size_t i = 0; i < k->nattrs; i++)
		if (strcmp(k->attrs[i].name, name) == 0)
			return k->attrs[i].value;
	return "";
}

/* sops' deduplicateKeygroup: same type and same ToString, first one kept. */
static int same_key(const struct cfg_key *a, const struct cfg_key *b)
{
	if (strcmp(a->type, b->type) != 0 || strcmp(a->value, b->value) != 0)
		return 0;
	return strcmp(a->type, "kms") != 0 || strcmp(attr_get(a, "role"), attr_get(b, "role")) == 0;
}

void group_dedupe(struct cfg_group *g)
{
	size_t w = 0;

	for (size_t i = 0; i < g->nkeys; i++) {
		int dup = 0;

		for (size_t j = 0; j < w && !dup; j++)
			dup = same_key(&g->keys[j], &g->keys[i]);
		if (dup)
			key_free(&g->keys[i]);
		else
			g->keys[w++] = g->keys[i];
	}
	g->nkeys = w;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Split s at ',' and add each trimmed, non-empty item (spaces removed
 * when nospace, as pgp and kms do) to g. */
int add_split(struct cfg_group *g, const char *type, const char *s, int nospace)
{
	while (*s != '\0') {
		const char *end = strchr(s, ',');
		size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
		char *item = memdup_str(s, n), *w = item;
		size_t len = 0;

		if (item == NULL)
			return -1;
		while (is_space(*w))
			w++;
		for (const char *r = w; *r != '\0'; r++)
			if (!(nospace && *r == ' '))
				item[len++] = *r;
		while (len > 0 && is_space(item[len - 1]))
			len--;
		if (len > 0 && group_add_key(g, type, item, len) == NULL) {
			free(item);
			return -1;
		}
		free(item);
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}
