/* config_paths.c - lexical paths for .sops.yaml (like Go's filepath.Abs /
 * path.Join) and finding the config file up the directory tree.
 */
#include "sops_config.h"
#include "config_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- paths (lexical, like Go's filepath.Abs / path.Join) ---- */

/* Clean an absolute path: no "", ".", ".." components, no trailing '/'. */
static int path_clean(const char *in, char *out, size_t outsz)
{
	size_t len = 0;
	const char *p = in;

	while (*p != '\0') {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		s = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		if (len + 1 + n + 1 > outsz)
			return -1;
		out[len++] = '/';
		memcpy(out + len, s, n);
		len += n;
	}
	if (outsz < 2)
		return -1;
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

int path_abs(const char *path, char *out, size_t outsz)
{
	char cwd[PATH_MAX], *tmp;
	int rc;

	if (path[0] == '/')
		return path_clean(path, out, outsz);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	tmp = malloc(strlen(cwd) + strlen(path) + 2);
	if (tmp == NULL)
		return -1;
	sprintf(tmp, "%s/%s", cwd, path);
	rc = path_clean(tmp, out, outsz);
	free(tmp);
	return rc;
}

static int path_within(const char *dir, const char *top)
{
	size_t n = strlen(top);

	if (strcmp(top, "/") == 0)
		return 1;
	return strncmp(dir, top, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

static void path_parent(char *dir)
{
	char *slash = strrchr(dir, '/');

	if (slash == dir)
		dir[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
}

int sops_config_find(const char *start_dir, const char *stop_dir, char *out, size_t outsz)
{
	char dir[PATH_MAX], stop[PATH_MAX], cand[PATH_MAX + 16];
	struct stat st;

	if (path_abs(start_dir, dir, sizeof(dir)) != 0 ||
	    (stop_dir != NULL && path_abs(stop_dir, stop, sizeof(stop)) != 0))
		return -1;
	if (stop_dir != NULL && !path_within(dir, stop))
		return 0;
	for (int i = 0; i < MAX_LEVELS; i++) {
		snprintf(cand, sizeof(cand), "%s%s.sops.yaml", dir,
			 strcmp(dir, "/") == 0 ? "" : "/");
		if (stat(cand, &st) == 0) {
			if (strlen(cand) >= outsz)
				return -1;
			memcpy(out, cand, strlen(cand) + 1);
			return 1;
		}
		if ((stop_dir != NULL && strcmp(dir, stop) == 0) || strcmp(dir, "/") == 0)
			return 0;
		path_parent(dir);
	}
	return 0;
}
