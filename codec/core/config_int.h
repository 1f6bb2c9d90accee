/* config_int.h - what the config_*.c files and sops_config.c share while
 * decoding .sops.yaml (internal to codec/core; not for other callers).
 */
#ifndef SOPSFS_CONFIG_INT_H
#define SOPSFS_CONFIG_INT_H

#include <stddef.h>
#include <yaml.h>
#include "sops_config.h"
#include "../../common/buf.h"

#define MAX_LEVELS 100
#define MAX_VISITS 100000
#define MAX_NEST 64

/* ---- yaml.v3-like decoding (config_yaml.c) ---- */

enum rtype { R_NULL, R_BOOL, R_INT, R_FLOAT, R_TIME, R_STR };

struct dec {
	yaml_document_t *doc;
	struct buf terrs;          /* "\n  line N: ..." */
	size_t visits;
	char fatal[256];           /* yaml.v3 failf() text, when set */
	int oom;
};

typedef int (*str_item_fn)(void *ctx, const char *s);
typedef int (*struct_item_fn)(struct dec *d, const yaml_node_t *m, void *ctx);

const yaml_node_t *dnode(struct dec *d, yaml_node_item_t idx);
const char *sval(const yaml_node_t *n);
const char *go_type(const yaml_node_t *n);
int visit(struct dec *d);
int is_null(const yaml_node_t *n);
const yaml_node_t *map_get(struct dec *d, const yaml_node_t *m, const char *key);
int dec_struct(struct dec *d, const yaml_node_t *n, const char *into);
int dec_string(struct dec *d, const yaml_node_t *n, char **out);
int dec_field_str(struct dec *d, const yaml_node_t *m, const char *key, char **out);
int dec_int(struct dec *d, const yaml_node_t *n, int *out);
int dec_bool(struct dec *d, const yaml_node_t *n, int *out);
int dec_strlist(struct dec *d, const yaml_node_t *n, str_item_fn fn, void *ctx);
int dec_structlist(struct dec *d, const yaml_node_t *n, const char *list_type,
		   const char *item_type, struct_item_fn fn, void *ctx);

/* ---- building the result (config_keys.c) ---- */

char *memdup_str(const char *s, size_t n);
struct cfg_key *group_add_key(struct cfg_group *g, const char *type,
			      const char *val, size_t len);
int key_add_attr(struct cfg_key *k, const char *name, const char *val);
void group_dedupe(struct cfg_group *g);
int add_split(struct cfg_group *g, const char *type, const char *s, int nospace);

/* ---- one creation rule (config_rules.c): a ctx is the sops_config ---- */

int add_rule(struct dec *d, const yaml_node_t *m, void *ctx);

/* ---- paths (config_paths.c) ---- */

int path_abs(const char *path, char *out, size_t outsz);

#endif
