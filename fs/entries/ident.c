/* ident.c - reference-counted encryption identities. */
#include "ident.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct ident *ident_from_file(struct sops_file *sf)
{
	struct ident *id = calloc(1, sizeof(*id));

	if (id == NULL) {
		sops_file_free(sf);
		return NULL;
	}
	id->refs = 1;
	id->sf = sf;
	return id;
}

struct ident *ident_from_rule(const struct creation_rule *rule, struct sops_config *cfg,
			      const char *path, struct sops_err *err)
{
	struct ident *id = calloc(1, sizeof(*id));

	if (id == NULL || (id->rule_path = strdup(path)) == NULL) {
		free(id);
		sops_config_free(cfg);
		err_set(err, EX_ERROR, "out of memory");
		return NULL;
	}
	id->refs = 1;
	id->cfg = cfg;
	if (spec_from_rule(rule, &id->spec, err) != 0) {
		ident_unref(id);
		return NULL;
	}
	return id;
}

struct ident *ident_ref(struct ident *id)
{
	if (id != NULL)
		__atomic_add_fetch(&id->refs, 1, __ATOMIC_RELAXED);
	return id;
}

void ident_unref(struct ident *id)
{
	if (id == NULL || __atomic_sub_fetch(&id->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	sops_file_free(id->sf);
	spec_free(&id->spec);
	sops_config_free(id->cfg);
	free(id->rule_path);
	free(id);
}
