/* new_spec.c - new-file encryption settings from rules or recipients. */
#include "new_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int push(char ***arr, size_t *n, const char *s, size_t len)
{
	char **na = realloc(*arr, (*n + 1) * sizeof(**arr));
	char *c;

	if (na == NULL)
		return -1;
	*arr = na;
	c = strndup(s, len);
	if (c == NULL)
		return -1;
	na[(*n)++] = c;
	return 0;
}

/* Split a comma list, trimming spaces, skipping empty items. */
static int push_list(char ***arr, size_t *n, const char *list)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ",");
		const char *s = p, *e = p + len;

		while (s < e && (*s == ' ' || *s == '\t' || *s == '\n'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
			e--;
		if (e > s && push(arr, n, s, (size_t)(e - s)) != 0)
			return -1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static struct recipient_group *new_group(struct new_file_spec *spec)
{
	struct recipient_group *g = realloc(spec->groups, (spec->ngroups + 1) * sizeof(*g));

	if (g == NULL)
		return NULL;
	spec->groups = g;
	memset(&g[spec->ngroups], 0, sizeof(*g));
	return &g[spec->ngroups++];
}

/* The static name of a network key service type, or NULL. */
static const char *service_type(const char *t)
{
	static const char *const types[] = { "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i], t) == 0)
			return types[i];
	return NULL;
}

static int push_other(struct recipient_group *g, const char *type, const char *v, size_t len,
		      const char *suffix)
{
	struct recipient *na = realloc(g->other, (g->nother + 1) * sizeof(*na));
	size_t sl = suffix != NULL ? strlen(suffix) : 0;
	char *c;

	if (na == NULL)
		return -1;
	g->other = na;
	c = malloc(len + sl + 1);
	if (c == NULL)
		return -1;
	memcpy(c, v, len);
	memcpy(c + len, suffix != NULL ? suffix : "", sl);
	c[len + sl] = '\0';
	na[g->nother].type = type;
	na[g->nother++].value = c;
	return 0;
}

/* kms from a rule: "ARN[+ROLE][|k:v,k2:v2[|PROFILE]]" (aws_kms.h). */
static int push_rule_kms(struct recipient_group *g, const struct cfg_key *key)
{
	const char *role = NULL, *profile = NULL;
	struct buf b = BUF_INIT, ctx = BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < key->nattrs; i++) {
		const struct cfg_attr *a = &key->attrs[i];

		if (strcmp(a->name, "role") == 0)
			role = a->value;
		else if (strcmp(a->name, "aws_profile") == 0)
			profile = a->value;
		else if (strncmp(a->name, "context.", 8) == 0)
			rc |= buf_printf(&ctx, "%s%s:%s", ctx.len ? "," : "", a->name + 8, a->value);
	}
	rc |= buf_adds(&b, key->value);
	if (role != NULL && role[0] != '\0')
		rc |= buf_printf(&b, "+%s", role);
	if (ctx.len > 0 || (profile != NULL && profile[0] != '\0'))
		rc |= buf_printf(&b, "|%s", ctx.len ? (char *)ctx.data : "");
	if (profile != NULL && profile[0] != '\0')
		rc |= buf_printf(&b, "|%s", profile);
	if (rc == 0)
		rc = push_other(g, "kms", (char *)b.data, b.len, NULL);
	buf_free(&b);
	buf_free(&ctx);
	return rc;
}

int spec_add_typed(struct new_file_spec *spec, const char *type, const char *list,
		   const char *suffix, struct sops_err *err)
{
	const char *t = service_type(type), *p = list;
	struct recipient_group *g;

	if (t == NULL)
		return err_set(err, EX_ERROR, "unknown key type %s", type);
	g = spec->ngroups > 0 ? &spec->groups[spec->ngroups - 1] : new_group(spec);
	if (g == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ",");
		const char *s = p, *e = p + len;

		while (s < e && (*s == ' ' || *s == '\t' || *s == '\n'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
			e--;
		if (e > s && push_other(g, t, s, (size_t)(e - s), suffix) != 0)
			return err_set(err, EX_ERROR, "out of memory");
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int spec_add_group(struct new_file_spec *spec, const char *age_list, const char *pgp_list,
		   struct sops_err *err)
{
	struct recipient_group *g = new_group(spec);

	if (g == NULL || push_list(&g->age, &g->nage, age_list) != 0 ||
	    push_list(&g->pgp, &g->npgp, pgp_list) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	return 0;
}

int spec_from_rule(const struct creation_rule *rule, struct new_file_spec *spec,
		   struct sops_err *err)
{
	if (creation_rule_check_groups(rule, err) != 0) {
		char why[256];

		snprintf(why, sizeof(why), "%.200s", err->msg);
		return err_set(err, err->code, "Could not generate data key: [%s]", why);
	}
	for (size_t i = 0; i < rule->ngroups; i++) {
		struct recipient_group *g = new_group(spec);

		if (g == NULL)
			return err_set(err, EX_ERROR, "out of memory");
		for (size_t k = 0; k < rule->groups[i].nkeys; k++) {
			const struct cfg_key *key = &rule->groups[i].keys[k];
			int rc;

			if (strcmp(key->type, "age") == 0)
				rc = push(&g->age, &g->nage, key->value, strlen(key->value));
			else if (strcmp(key->type, "pgp") == 0)
				rc = push(&g->pgp, &g->npgp, key->value, strlen(key->value));
			else if (strcmp(key->type, "kms") == 0)
				rc = push_rule_kms(g, key);
			else if (service_type(key->type) != NULL)
				rc = push_other(g, service_type(key->type), key->value,
						strlen(key->value), NULL);
			else
				return err_set(err, EX_ERROR, "sopsfs cannot encrypt to %s keys; "
					       "change the creation rule", key->type);
			if (rc != 0)
				return err_set(err, EX_ERROR, "out of memory");
		}
	}
	spec->shamir_threshold = rule->shamir_threshold;
	spec->rule_values[RULE_UNENCRYPTED_SUFFIX] = rule->unencrypted_suffix;
	spec->rule_values[RULE_ENCRYPTED_SUFFIX] = rule->encrypted_suffix;
	spec->rule_values[RULE_UNENCRYPTED_REGEX] = rule->unencrypted_regex;
	spec->rule_values[RULE_ENCRYPTED_REGEX] = rule->encrypted_regex;
	spec->rule_values[RULE_UNENCRYPTED_COMMENT_REGEX] = rule->unencrypted_comment_regex;
	spec->rule_values[RULE_ENCRYPTED_COMMENT_REGEX] = rule->encrypted_comment_regex;
	spec->mac_only_encrypted = rule->mac_only_encrypted;
	return 0;
}

void spec_free(struct new_file_spec *spec)
{
	for (size_t i = 0; i < spec->ngroups; i++) {
		struct recipient_group *g = &spec->groups[i];

		for (size_t k = 0; k < g->nage; k++)
			free(g->age[k]);
		for (size_t k = 0; k < g->npgp; k++)
			free(g->pgp[k]);
		for (size_t k = 0; k < g->nother; k++)
			free(g->other[k].value);
		free(g->age);
		free(g->pgp);
		free(g->other);
	}
	free(spec->groups);
	spec->groups = NULL;
	spec->ngroups = 0;
}

int spec_find_rule(const char *start_dir, const char *stop_dir, const char *file_path,
		   struct sops_config **cfg, const struct creation_rule **rule,
		   struct sops_err *err)
{
	char path[4096];
	int found = sops_config_find(start_dir, stop_dir, path, sizeof(path));

	*cfg = NULL;
	*rule = NULL;
	if (found < 0)
		return err_set(err, EX_ERROR, "could not look for .sops.yaml from %s", start_dir);
	if (found == 0)
		return 0;
	*cfg = sops_config_load(path, err);
	if (*cfg == NULL)
		return -1;
	return sops_config_match(*cfg, file_path, rule, err);
}
