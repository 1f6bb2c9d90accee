/* key_plan.c - diff a file's master keys against target key groups and
 * wrap a data key for the targets (updatekeys, rotate). See key_plan.h. */
#include "key_plan.h"
#include "datakey.h"
#include "../../crypto/shamir.h"
#include "../../common/secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PLAN_GROUPS 64

static const char *field(const struct master_key *mk, const char *name, size_t *len)
{
	const struct mk_field *f = mk_get(mk, name);

	*len = f ? f->len : 0;
	return f ? f->value : "";
}

static int add_field(struct buf *out, const struct master_key *mk, const char *name)
{
	size_t len;
	const char *v = field(mk, name, &len);

	return buf_add(out, v, len);
}

int mk_ident(const struct master_key *mk, struct buf *out)
{
	const char *t = mk->type;

	if (strcmp(t, "age") == 0)
		return add_field(out, mk, "recipient");
	if (strcmp(t, "pgp") == 0)
		return add_field(out, mk, "fp");
	if (strcmp(t, "kms") == 0)
		return add_field(out, mk, "arn");
	if (strcmp(t, "gcp_kms") == 0)
		return add_field(out, mk, "resource_id");
	if (strcmp(t, "hckms") == 0)
		return add_field(out, mk, "key_id");
	if (strcmp(t, "azure_kv") == 0)
		return add_field(out, mk, "vault_url") || buf_adds(out, "/keys/") ||
		       add_field(out, mk, "name") || buf_addc(out, '/') ||
		       add_field(out, mk, "version");
	if (strcmp(t, "hc_vault") == 0)
		return add_field(out, mk, "vault_address") || buf_adds(out, "/v1/") ||
		       add_field(out, mk, "engine_path") || buf_adds(out, "/keys/") ||
		       add_field(out, mk, "key_name");
	return buf_adds(out, "?");
}

static int same_key(const char *type, const char *a, const char *b2type, const char *b)
{
	if (strcmp(type, b2type) != 0)
		return 0;
	return strcmp(type, "pgp") == 0 ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static char *ident_dup(const struct master_key *mk)
{
	struct buf b = BUF_INIT;
	char *s;

	if (mk_ident(mk, &b) != 0 || buf_addc(&b, '\0') != 0) {
		buf_free(&b);
		return NULL;
	}
	s = strdup((char *)b.data);
	buf_free(&b);
	return s;
}

static int push(struct plan_key **arr, size_t *n, const char *type, const char *ident,
		const struct master_key *old)
{
	struct plan_key *a = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (a == NULL)
		return -1;
	*arr = a;
	a[*n].type = type;
	a[*n].ident = strdup(ident);
	a[*n].old = old;
	if (a[*n].ident == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* The file's entry in group g matching (type, ident), or NULL. */
static const struct master_key *find_old(const struct sops_meta *m, size_t g, const char *type,
					 const char *ident)
{
	if (g >= m->ngroups)
		return NULL;
	for (size_t k = 0; k < m->groups[g].nkeys; k++) {
		const struct master_key *mk = &m->groups[g].keys[k];
		char *id = ident_dup(mk);
		int same = id != NULL && same_key(mk->type, id, type, ident);

		free(id);
		if (same)
			return mk;
	}
	return NULL;
}

static int in_group(const struct plan_group *pg, const char *type, const char *ident)
{
	for (size_t k = 0; k < pg->nkeys; k++)
		if (same_key(pg->keys[k].type, pg->keys[k].ident, type, ident))
			return 1;
	return 0;
}

/* Fill removed lists: the file's keys not kept in the same group. */
static int fill_removed(const struct sops_meta *m, struct key_plan *p)
{
	for (size_t g = 0; g < m->ngroups && g < p->ndiff; g++) {
		struct plan_group *pg = &p->groups[g];

		for (size_t k = 0; k < m->groups[g].nkeys; k++) {
			const struct master_key *mk = &m->groups[g].keys[k];
			char *id = ident_dup(mk);
			int rc = 0;

			if (id == NULL)
				return -1;
			if (!in_group(pg, mk->type, id))
				rc = push(&pg->removed, &pg->nremoved, mk->type, id, mk);
			free(id);
			if (rc != 0)
				return -1;
		}
	}
	return 0;
}

static int plan_alloc(const struct sops_meta *m, size_t ntarget, struct key_plan *p,
		      struct sops_err *err)
{
	memset(p, 0, sizeof(*p));
	p->ngroups = ntarget;
	p->ndiff = ntarget > m->ngroups ? ntarget : m->ngroups;
	if (p->ndiff > MAX_PLAN_GROUPS)
		return err_set(err, EX_ERROR, "too many key groups");
	p->groups = calloc(p->ndiff ? p->ndiff : 1, sizeof(*p->groups));
	if (p->groups == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	p->old_threshold = m->shamir_threshold;
	p->old_ngroups = m->ngroups;
	return 0;
}

int plan_from_rule(const struct sops_meta *m, const struct creation_rule *rule,
		   struct key_plan *p, struct sops_err *err)
{
	if (plan_alloc(m, rule->ngroups, p, err) != 0)
		return -1;
	for (size_t g = 0; g < rule->ngroups; g++) {
		const struct cfg_group *cg = &rule->groups[g];

		for (size_t k = 0; k < cg->nkeys; k++) {
			const struct cfg_key *ck = &cg->keys[k];

			if (in_group(&p->groups[g], ck->type, ck->value))
				continue;
			if (push(&p->groups[g].keys, &p->groups[g].nkeys, ck->type, ck->value,
				 find_old(m, g, ck->type, ck->value)) != 0)
				goto oom;
		}
	}
	p->new_threshold = m->shamir_threshold < (int)rule->ngroups ? m->shamir_threshold
								    : (int)rule->ngroups;
	if (fill_removed(m, p) != 0)
		goto oom;
	return 0;
oom:
	plan_free(p);
	return err_set(err, EX_ERROR, "out of memory");
}

static int is_removed(const struct key_ref *rm, size_t nrm, const char *type, const char *id)
{
	for (size_t i = 0; i < nrm; i++)
		if (same_key(rm[i].type, rm[i].ident, type, id))
			return 1;
	return 0;
}

int plan_from_edit(const struct sops_meta *m, const struct key_ref *add, size_t nadd,
		   const struct key_ref *rm, size_t nrm, struct key_plan *p,
		   struct sops_err *err)
{
	if (plan_alloc(m, m->ngroups, p, err) != 0)
		return -1;
	for (size_t g = 0; g < m->ngroups; g++) {
		struct plan_group *pg = &p->groups[g];

		for (size_t k = 0; k < m->groups[g].nkeys; k++) {
			const struct master_key *mk = &m->groups[g].keys[k];
			char *id = ident_dup(mk);
			int rc = 0;

			if (id == NULL)
				goto oom;
			if (!is_removed(rm, nrm, mk->type, id))
				rc = push(&pg->keys, &pg->nkeys, mk->type, id, mk);
			free(id);
			if (rc != 0)
				goto oom;
		}
		for (size_t i = 0; g == 0 && i < nadd; i++)
			if (!in_group(pg, add[i].type, add[i].ident) &&
			    !is_removed(rm, nrm, add[i].type, add[i].ident) &&
			    push(&pg->keys, &pg->nkeys, add[i].type, add[i].ident, NULL) != 0)
				goto oom;
	}
	p->new_threshold = m->shamir_threshold;
	if (fill_removed(m, p) != 0)
		goto oom;
	return 0;
oom:
	plan_free(p);
	return err_set(err, EX_ERROR, "out of memory");
}

int plan_changed(const struct key_plan *p)
{
	if (p->old_threshold != p->new_threshold)
		return 1;
	for (size_t g = 0; g < p->ndiff; g++) {
		if (p->groups[g].nremoved > 0)
			return 1;
		for (size_t k = 0; k < p->groups[g].nkeys; k++)
			if (p->groups[g].keys[k].old == NULL)
				return 1;
	}
	return 0;
}

static int describe_threshold(const struct key_plan *p, struct buf *out)
{
	char line[64];
	int rc = 0;

	if (p->old_threshold > 0 && p->old_threshold == p->new_threshold) {
		snprintf(line, sizeof(line), "shamir_threshold: %d\n", p->new_threshold);
		return buf_adds(out, line);
	}
	if (p->new_threshold > 0) {
		snprintf(line, sizeof(line), "+++ shamir_threshold: %d\n", p->new_threshold);
		rc |= buf_adds(out, line);
	}
	if (p->old_threshold > 0) {
		snprintf(line, sizeof(line), "--- shamir_threshold: %d\n", p->old_threshold);
		rc |= buf_adds(out, line);
	}
	return rc;
}

int plan_describe(const struct key_plan *p, struct buf *out)
{
	char head[32];
	int rc = describe_threshold(p, out);

	for (size_t g = 0; g < p->ndiff && rc == 0; g++) {
		const struct plan_group *pg = &p->groups[g];

		snprintf(head, sizeof(head), "Group %zu\n", g + 1);
		rc |= buf_adds(out, head);
		for (int pass = 0; pass < 2; pass++)
			for (size_t k = 0; k < pg->nkeys; k++)
				if ((pg->keys[k].old != NULL) == (pass == 0))
					rc |= buf_adds(out, pass == 0 ? "    " : "+++ ") ||
					      buf_adds(out, pg->keys[k].ident) || buf_addc(out, '\n');
		for (size_t k = 0; k < pg->nremoved; k++)
			rc |= buf_adds(out, "--- ") || buf_adds(out, pg->removed[k].ident) ||
			      buf_addc(out, '\n');
	}
	return rc ? -1 : 0;
}

static int copy_old(const struct master_key *mk, struct mk_new *k)
{
	const struct provider *pr = provider_for(mk->type);

	memset(k, 0, sizeof(*k));
	k->type = pr != NULL ? pr->type : mk->type;
	for (size_t f = 0; f < mk->nfields; f++)
		if (mk_new_add(k, mk->fields[f].name, mk->fields[f].value, mk->fields[f].len) != 0)
			return -1;
	return 0;
}

static int wrap_key(const struct plan_key *pk, const uint8_t *secret, size_t len,
		    struct mk_new *k, struct sops_err *err)
{
	const struct provider *pr = provider_for(pk->type);

	memset(k, 0, sizeof(*k));
	if (pr == NULL || pr->wrap == NULL)
		return err_set(err, EX_ERROR, "sopsfs cannot encrypt to %s keys", pk->type);
	if (pr->wrap(pk->ident, secret, len, k, err) != 0)
		return err_prefix(err, "could not encrypt the data key with %s key %s: ",
				  pk->type, pk->ident);
	k->type = pr->type;
	return 0;
}

static int wrap_group(const struct plan_group *pg, const uint8_t *secret, size_t len,
		      int keep_old, struct new_group *g, struct sops_err *err)
{
	if (pg->nkeys == 0)
		return err_set(err, EX_ERROR, "empty key group provided");
	g->keys = calloc(pg->nkeys, sizeof(*g->keys));
	if (g->keys == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	for (size_t k = 0; k < pg->nkeys; k++) {
		const struct plan_key *pk = &pg->keys[k];
		int rc = keep_old && pk->old != NULL
				 ? (copy_old(pk->old, &g->keys[k]) != 0
					    ? err_set(err, EX_ERROR, "out of memory") : 0)
				 : wrap_key(pk, secret, len, &g->keys[k], err);

		g->nkeys = k + 1;
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int effective_threshold(const struct key_plan *p)
{
	return p->ngroups > 1 && p->new_threshold == 0 ? (int)p->ngroups : p->new_threshold;
}

int plan_wrap(const struct key_plan *p, const uint8_t key[32], int keep_old,
	      struct new_group **out, struct sops_err *err)
{
	struct new_group *g;
	uint8_t *shares[MAX_PLAN_GROUPS] = { 0 };
	int rc = 0;

	*out = NULL;
	if (p->ngroups == 0)
		return err_set(err, EX_ERROR, "no key groups provided");
	g = calloc(p->ngroups, sizeof(*g));
	if (g == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (p->ngroups == 1)
		return wrap_group(&p->groups[0], key, 32, keep_old && p->old_ngroups == 1, &g[0],
				  err) == 0
			       ? (*out = g, 0) : (datakey_groups_free(g, 1), -1);
	for (size_t i = 0; i < p->ngroups && rc == 0; i++)
		if ((shares[i] = sm_alloc(33)) == NULL)
			rc = err_set(err, EX_ERROR, "out of memory");
	if (rc == 0)
		rc = shamir_split(key, 32, (int)p->ngroups, effective_threshold(p), shares, err);
	for (size_t i = 0; i < p->ngroups && rc == 0; i++)
		rc = wrap_group(&p->groups[i], shares[i], 33, 0, &g[i], err);
	for (size_t i = 0; i < p->ngroups; i++)
		sm_free(shares[i]);
	if (rc != 0) {
		datakey_groups_free(g, p->ngroups);
		return -1;
	}
	*out = g;
	return 0;
}

int plan_threshold(const struct key_plan *p)
{
	return effective_threshold(p);
}

void plan_free(struct key_plan *p)
{
	if (p->groups == NULL)
		return;
	for (size_t g = 0; g < p->ndiff; g++) {
		for (size_t k = 0; k < p->groups[g].nkeys; k++)
			free(p->groups[g].keys[k].ident);
		for (size_t k = 0; k < p->groups[g].nremoved; k++)
			free(p->groups[g].removed[k].ident);
		free(p->groups[g].keys);
		free(p->groups[g].removed);
	}
	free(p->groups);
	memset(p, 0, sizeof(*p));
}
