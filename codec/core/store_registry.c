/* store_registry.c - pick a store by file name or name; parse helper. */
#include "store.h"

#include <string.h>

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

const struct store_ops *store_for_path(const char *path)
{
	if (has_suffix(path, ".yaml") || has_suffix(path, ".yml"))
		return &yaml_store;
	if (has_suffix(path, ".json"))
		return &json_store;
	if (has_suffix(path, ".env"))
		return &dotenv_store;
	if (has_suffix(path, ".ini"))
		return &ini_store;
	return &binary_store;
}

const struct store_ops *store_by_name(const char *name)
{
	static const struct store_ops *const all[] = {
		&yaml_store, &json_store, &dotenv_store, &ini_store, &binary_store,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

struct sdoc *sdoc_parse(const struct store_ops *store, const char *text, size_t len,
			enum parse_mode mode, struct sops_err *err)
{
	struct pool *p = pool_new();
	struct sdoc *doc;

	if (p == NULL) {
		err_set(err, EX_ERROR, "out of memory");
		return NULL;
	}
	doc = pool_alloc(p, sizeof(*doc));
	if (doc == NULL) {
		pool_free(p);
		err_set(err, EX_ERROR, "out of memory");
		return NULL;
	}
	doc->pool = p;
	doc->store = store;
	doc->text = text;
	doc->len = len;
	if (store->parse(doc, mode, err) != 0) {
		sdoc_free(doc);
		return NULL;
	}
	return doc;
}
