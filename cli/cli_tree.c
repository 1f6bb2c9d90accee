/* cli_tree.c - walking PATH arguments, per-file creation rules and
 * metadata-only loading for the many-file commands. See cli_tree.h. */
#include "cli_tree.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int walk_dir(const char *dir, const char *cmd, cli_file_fn fn, void *arg)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort), last = 0;

	if (n < 0) {
		fprintf(stderr, "sopsfs %s: cannot read directory %s\n", cmd, dir);
		return EX_COULD_NOT_READ;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char path[PATH_MAX];
		struct stat st;
		int rc = 0;

		if (strcmp(name, ".") && strcmp(name, "..") && strcmp(name, ".git") &&
		    snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) &&
		    lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = walk_dir(path, cmd, fn, arg);
			else if (S_ISREG(st.st_mode))
				rc = fn(path, arg);
		}
		if (rc != 0)
			last = rc;
		free(ents[i]);
	}
	free(ents);
	return last;
}

int cli_walk(char **paths, int npaths, int recursive, const char *cmd, cli_file_fn fn,
	     void *arg)
{
	int last = 0;

	for (int i = 0; i < npaths; i++) {
		struct stat st;
		int rc;

		if (stat(paths[i], &st) != 0) {
			fprintf(stderr, "sopsfs %s: %s: no such file or directory\n", cmd, paths[i]);
			rc = EX_COULD_NOT_READ;
		} else if (S_ISDIR(st.st_mode) && !recursive) {
			fprintf(stderr, "sopsfs %s: %s is a directory (use -r)\n", cmd, paths[i]);
			rc = EX_INVALID_ARGS;
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk_dir(paths[i], cmd, fn, arg);
		} else {
			rc = fn(paths[i], arg);
		}
		if (rc != 0)
			last = rc;
	}
	return last;
}

static int abs_path(const char *file, char *out, size_t n)
{
	char cwd[PATH_MAX];

	if (file[0] == '/')
		return snprintf(out, n, "%s", file) < (int)n ? 0 : -1;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	return snprintf(out, n, "%s/%s", cwd, file) < (int)n ? 0 : -1;
}

static int load_config(struct rule_cache *rc, const char *file, struct sops_err *err)
{
	char path[4096], dir[PATH_MAX];
	int found = 1;

	if (rc->config_flag != NULL) {
		snprintf(path, sizeof(path), "%s", rc->config_flag);
	} else {
		char *slash;

		snprintf(dir, sizeof(dir), "%s", file);
		slash = strrchr(dir, '/');
		*slash = '\0';
		found = sops_config_find(dir[0] ? dir : "/", NULL, path, sizeof(path));
		if (found < 0)
			return err_set(err, EX_ERROR, "could not look for .sops.yaml from %s", dir);
	}
	if (found == 0) {
		sops_config_free(rc->cfg);
		rc->cfg = NULL;
		rc->path[0] = '\0';
		return 0;
	}
	if (rc->cfg != NULL && strcmp(rc->path, path) == 0)
		return 0;
	sops_config_free(rc->cfg);
	rc->cfg = sops_config_load(path, err);
	snprintf(rc->path, sizeof(rc->path), "%s", path);
	return rc->cfg == NULL ? -1 : 0;
}

int rule_for(struct rule_cache *rc, const char *file, const struct creation_rule **rule,
	     struct sops_err *err)
{
	char abs[PATH_MAX];

	*rule = NULL;
	if (abs_path(file, abs, sizeof(abs)) != 0)
		return err_set(err, EX_ERROR, "path too long: %s", file);
	if (load_config(rc, abs, err) != 0)
		return -1;
	if (rc->cfg == NULL)
		return 0;
	if (sops_config_match(rc->cfg, abs, rule, err) != 0) {
		if (strstr(err->msg, "no matching creation rules found") != NULL) {
			err_clear(err);
			return 0;
		}
		return -1;
	}
	return *rule != NULL;
}

void rule_cache_free(struct rule_cache *rc)
{
	sops_config_free(rc->cfg);
	rc->cfg = NULL;
}

const struct store_ops *cli_store(const char *path, const char *type)
{
	return type != NULL ? store_by_name(type) : store_for_path(path);
}

int cli_load_meta(const char *path, const struct buf *text, struct sdoc **doc,
		  struct sops_meta *meta, struct sops_err *err)
{
	return cli_load_meta_as(store_for_content(path, (const char *)text->data, text->len),
				text, doc, meta, err);
}

int cli_load_meta_as(const struct store_ops *store, const struct buf *text, struct sdoc **doc,
		     struct sops_meta *meta, struct sops_err *err)
{
	*doc = sdoc_parse(store, (const char *)text->data, text->len, PARSE_ENCRYPTED, err);
	if (*doc == NULL)
		return -1;
	if ((*doc)->meta == NULL && !(*doc)->meta_bad && !(*doc)->meta_dup) {
		sdoc_free(*doc);
		*doc = NULL;
		return 0;
	}
	if (meta_load(*doc, meta, err) != 0) {
		sdoc_free(*doc);
		*doc = NULL;
		return -1;
	}
	return 1;
}
