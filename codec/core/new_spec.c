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
			else
				return err_set(err, EX_ERROR, "sopsfs cannot encrypt to %s keys yet "
					       "(only age and pgp); change the creation rule", key->type);
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
		free(g->age);
		free(g->pgp);
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
