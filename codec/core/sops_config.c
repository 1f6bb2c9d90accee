/* sops_config.c - .sops.yaml: find it, load it, choose a creation rule.
 *
 * The YAML is read with libyaml's document loader (yaml_parser_load gives
 * a node graph with aliases pointing at their anchors). The typed decoding
 * below is written by hand because it has to mimic go.yaml.in/yaml/v3
 * Unmarshal into sops' config structs (config/config.go): unknown keys
 * ignored, duplicate keys and wrong types rejected with yaml.v3's
 * messages, merge keys (<<) honoured, only the first document read.
 * Errors sops only reports for the rule it picks (conflicting selection
 * rules, bad flat key fields) are kept in the rule and raised by
 * sops_config_match.
 */
#include "sops_config.h"
#include "config_int.h"
#include "re2.h"
#include "../../common/buf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_CONFIG_SIZE (16u << 20)

static int dec_indent(struct dec *d, const yaml_node_t *stores, const char *name,
		      const char *type, int *out)
{
	const yaml_node_t *s = map_get(d, stores, name);

	if (!dec_struct(d, s, type))
		return visit(d);
	return dec_int(d, map_get(d, s, "indent"), out);
}

static int dec_stores(struct dec *d, const yaml_node_t *n, struct sops_config *cfg)
{
	if (!dec_struct(d, n, "config.StoresConfig"))
		return visit(d);
	if (dec_indent(d, n, "yaml", "config.YAMLStoreConfig", &cfg->yaml_indent) != 0 ||
	    dec_indent(d, n, "json", "config.JSONStoreConfig", &cfg->json_indent) != 0 ||
	    dec_indent(d, n, "json_binary", "config.JSONBinaryStoreConfig",
		       &cfg->json_binary_indent) != 0)
		return -1;
	dec_struct(d, map_get(d, n, "dotenv"), "config.DotenvStoreConfig");
	dec_struct(d, map_get(d, n, "ini"), "config.INIStoreConfig");
	return visit(d);
}

static int dec_top(struct dec *d, const yaml_node_t *root, struct sops_config *cfg)
{
	const yaml_node_t *rules;

	if (root == NULL || !dec_struct(d, root, "config.configFile"))
		return 0;
	rules = map_get(d, root, "creation_rules");
	cfg->has_creation_rules = rules != NULL && !is_null(rules);
	if (dec_structlist(d, rules, "[]config.creationRule", "config.creationRule",
			   add_rule, cfg) != 0)
		return -1;
	return dec_stores(d, map_get(d, root, "stores"), cfg);
}

/* ---- loading ---- */

static int read_all(const char *path, unsigned char **data, size_t *len, struct sops_err *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192], why[128];
	size_t n;

	if (f == NULL)
		goto fail;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > MAX_CONFIG_SIZE) {
			errno = EFBIG;
			goto fail;
		}
		if (buf_add(&b, chunk, n) != 0)
			goto fail;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = b.len;
	*data = buf_steal(&b, NULL);
	return *data != NULL ? 0 : err_set(err, EX_ERROR, "could not read config file: out of memory");
fail:
	snprintf(why, sizeof(why), "%s", strerror(errno));
	why[0] = (char)tolower((unsigned char)why[0]);   /* Go's wording */
	if (f != NULL)
		fclose(f);
	buf_free(&b);
	return err_set(err, EX_ERROR, "could not read config file: %s %s: %s",
		       f != NULL ? "read" : "open", path, why);
}

/* yaml.v3's parser.fail(): "yaml: line N: <problem>". */
static int yaml_fail(const yaml_parser_t *p, const char *path, struct sops_err *err)
{
	size_t line = 0;
	int scanner = p->error == YAML_SCANNER_ERROR;
	char where[32] = "";

	if (p->context_mark.line != 0)
		line = p->context_mark.line + (size_t)scanner;
	else if (p->problem_mark.line != 0)
		line = p->problem_mark.line + (size_t)scanner;
	if (line != 0)
		snprintf(where, sizeof(where), "line %zu: ", line);
	return err_set(err, EX_ERROR, "error loading config: Could not unmarshal config file: "
		       "yaml: %s%s (%s)", where,
		       p->problem != NULL ? p->problem : "unknown problem parsing YAML content", path);
}

static int decode_doc(yaml_document_t *doc, struct sops_config *cfg, const char *path,
		      struct sops_err *err)
{
	struct dec d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.doc = doc;
	buf_init(&d.terrs, 0);
	rc = dec_top(&d, yaml_document_get_root_node(doc), cfg);
	if (d.oom)
		rc = err_set(err, EX_ERROR, "error loading config: out of memory");
	else if (d.fatal[0] != '\0')
		rc = err_set(err, EX_ERROR, "error loading config: Could not unmarshal config "
			     "file: yaml: %s (%s)", d.fatal, path);
	else if (d.terrs.len > 0)
		rc = err_set(err, EX_ERROR, "error loading config: Could not unmarshal config "
			     "file: yaml: unmarshal errors:%s (%s)", (char *)d.terrs.data, path);
	buf_free(&d.terrs);
	return rc;
}

static int set_paths(struct sops_config *cfg, const char *path, struct sops_err *err)
{
	char abs[PATH_MAX], *slash;

	cfg->path = strdup(path);
	if (cfg->path == NULL || path_abs(path, abs, sizeof(abs)) != 0)
		return err_set(err, EX_ERROR, "could not read config file: bad path %s", path);
	slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	cfg->dir = strdup(abs);
	return cfg->dir != NULL ? 0 : err_set(err, EX_ERROR, "error loading config: out of memory");
}

struct sops_config *sops_config_load(const char *path, struct sops_err *err)
{
	struct sops_config *cfg = calloc(1, sizeof(*cfg));
	unsigned char *data = NULL;
	size_t len = 0;
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = -1;

	if (cfg == NULL) {
		err_set(err, EX_ERROR, "error loading config: out of memory");
		return NULL;
	}
	cfg->json_indent = cfg->json_binary_indent = -1;
	if (set_paths(cfg, path, err) != 0 || read_all(path, &data, &len, err) != 0)
		goto done;
	if (!yaml_parser_initialize(&parser)) {
		err_set(err, EX_ERROR, "error loading config: out of memory");
		goto done;
	}
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_fail(&parser, path, err);
	} else {
		rc = decode_doc(&doc, cfg, path, err);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
done:
	buf_release_free(data, 0);
	if (rc != 0) {
		sops_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* ---- matching ---- */

static int rule_matches(const struct creation_rule *r, const char *rel, struct sops_err *err)
{
	struct re2 *re;
	int m;

	if (r->path_regex[0] == '\0')
		return 1;
	re = re2_compile(r->path_regex, err);
	if (re == NULL)
		return err_prefix(err, "can not compile regexp: ");
	m = re2_search_str(re, rel);
	re2_free(re);
	if (m < 0)
		return err_set(err, EX_ERROR, "error loading config: path_regex too costly to "
			       "match (or out of memory): `%.200s`", r->path_regex);
	return m;
}

int sops_config_match(const struct sops_config *cfg, const char *file_path,
		      const struct creation_rule **out, struct sops_err *err)
{
	char abs[PATH_MAX];
	const char *rel = abs;
	size_t dl = strlen(cfg->dir);

	*out = NULL;
	if (!cfg->has_creation_rules)
		return 0;
	/* PCRE2's JIT reads whole words past the subject's end (harmless, but
	 * memcheck reports the uninitialised bytes it looks at) */
	memset(abs, 0, sizeof(abs));
	if (path_abs(file_path, abs, sizeof(abs)) != 0)
		return err_set(err, EX_ERROR, "error loading config: bad file path");
	/* strings.TrimPrefix(filePath, configDir + "/") */
	if (strncmp(abs, cfg->dir, dl) == 0 && abs[dl] == '/')
		rel = abs + dl + 1;
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct creation_rule *r = &cfg->rules[i];
		int m = rule_matches(r, rel, err);

		if (m < 0)
			return -1;
		if (m == 0)
			continue;
		if (r->deferred_code != 0)
			return err_set(err, r->deferred_code, "%s",
				       r->deferred_msg ? r->deferred_msg : "error loading config");
		*out = r;
		return 0;
	}
	return err_set(err, EX_ERROR, "error loading config: no matching creation rules found");
}

int creation_rule_check_groups(const struct creation_rule *rule, struct sops_err *err)
{
	if (rule->ngroups == 0)
		return err_set(err, EX_ERROR, "empty key group provided");
	for (size_t i = 0; i < rule->ngroups; i++)
		if (rule->groups[i].nkeys == 0)
			return err_set(err, EX_ERROR, "empty key group provided");
	return 0;
}
