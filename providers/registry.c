/* registry.c - the list of master-key providers and entry helpers. */
#include "provider.h"

#include <stdlib.h>
#include <string.h>

extern const struct provider age_provider;
extern const struct provider pgp_provider;
extern const struct provider aws_kms_provider;   /* providers/aws_kms */
extern const struct provider gcp_kms_provider;   /* providers/gcp_kms */
/* kms2: Azure Key Vault, Vault transit, HuaweiCloud KMS */
extern const struct provider azure_kv_provider;
extern const struct provider hc_vault_provider;
extern const struct provider hckms_provider;

static const struct provider *const providers[] = {
	&age_provider,
	&pgp_provider,
	&aws_kms_provider,
	&gcp_kms_provider,
	&azure_kv_provider,
	&hc_vault_provider,
	&hckms_provider,
};

const char *const provider_decryption_order[] = {
	"age", "pgp", "kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", NULL,
};

const struct provider *provider_for(const char *type)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i]->type, type) == 0)
			return providers[i];
	return NULL;
}

const struct mk_field *mk_get(const struct master_key *mk, const char *name)
{
	for (size_t i = 0; i < mk->nfields; i++)
		if (strcmp(mk->fields[i].name, name) == 0)
			return &mk->fields[i];
	return NULL;
}

int mk_new_add(struct mk_new *mk, const char *name, const char *value, size_t len)
{
	char *n, *v;

	if (mk->nfields >= MK_MAX_FIELDS)
		return -1;
	n = strdup(name);
	v = malloc(len + 1);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return -1;
	}
	memcpy(v, value, len);
	v[len] = '\0';
	mk->names[mk->nfields] = n;
	mk->values[mk->nfields] = v;
	mk->nfields++;
	return 0;
}

void mk_new_free(struct mk_new *mk)
{
	for (size_t i = 0; i < mk->nfields; i++) {
		free(mk->names[i]);
		free(mk->values[i]);
	}
	mk->nfields = 0;
}
