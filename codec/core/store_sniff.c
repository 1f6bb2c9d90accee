/* store_sniff.c - pick the store from the content when the name implies
 * none. See store_sniff.h. */
#include "store_sniff.h"

#include <string.h>

static int has_line(const char *text, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; i + n <= len; i++)
		if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, prefix, n) == 0)
			return 1;
	return 0;
}

/* Does the JSON object have a top-level "data" key? (binary store form) */
static int json_has_data(const char *text, size_t len)
{
	struct sops_err err;
	struct sdoc *doc = sdoc_parse(&json_store, text, len, PARSE_ENCRYPTED, &err);
	int found = 0;

	if (doc == NULL)
		return 1;          /* not parseable as JSON either: leave it binary */
	for (size_t b = 0; b < doc->nbranches && !found; b++)
		for (size_t k = 0; k < doc->branches[b]->nkids; k++) {
			const struct node *n = doc->branches[b]->kids[k];

			if (n->key != NULL && n->keylen == 4 && memcmp(n->key, "data", 4) == 0)
				found = 1;
		}
	sdoc_free(doc);
	return found;
}

const struct store_ops *store_for_content(const char *path, const char *text, size_t len)
{
	const struct store_ops *s = store_for_path(path);
	size_t i = 0;

	if (s != &binary_store)
		return s;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i < len && text[i] == '{')
		return json_has_data(text, len) ? s : &json_store;
	if (has_line(text, len, "sops:"))
		return &yaml_store;
	if (has_line(text, len, "sops_version="))
		return &dotenv_store;
	if (has_line(text, len, "[sops]"))
		return &ini_store;
	return s;
}
