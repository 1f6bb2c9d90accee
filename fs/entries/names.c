/* names.c - scratch-file patterns and read-only paths. */
#include "names.h"
#include "../../common/atomic_write.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const names_default_scratch[] = {
	".*.sw?", ".*.sw??",         /* vim/nvim/nano swap and lock: .x.swp .x.swx */
	"*~",                        /* backups (vim, emacs, nano -B), vim undo .x.un~ */
	"4913",                      /* vim's write-permission probe */
	"#*#",                       /* emacs auto-save */
	".#*",                       /* emacs lock symlink */
	"sed??????",                 /* GNU sed -i */
	"XX??????",                  /* perl -i (XXxxxxxx) */
	"*___jb_tmp___", "*___jb_old___", /* JetBrains safe write */
	"*.vsctmp",                  /* VS Code atomic write */
	".fuse_hidden*",             /* libfuse hidden files */
	".nfs*",
	NULL,
};

static char **extra_pats;

int names_init(const char *extra)
{
	size_t n = 0;
	char *copy, *save = NULL;

	names_free();
	if (extra == NULL || extra[0] == '\0')
		return 0;
	copy = strdup(extra);
	if (copy == NULL)
		return -1;
	extra_pats = calloc(strlen(extra) + 2, sizeof(char *));
	if (extra_pats == NULL) {
		free(copy);
		return -1;
	}
	for (char *p = strtok_r(copy, ":", &save); p != NULL; p = strtok_r(NULL, ":", &save))
		if ((extra_pats[n] = strdup(p)) != NULL)
			n++;
	free(copy);
	return 0;
}

void names_free(void)
{
	for (size_t i = 0; extra_pats != NULL && extra_pats[i] != NULL; i++)
		free(extra_pats[i]);
	free(extra_pats);
	extra_pats = NULL;
}

static const char *last(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int names_is_scratch(const char *path)
{
	const char *name = last(path);

	for (size_t i = 0; names_default_scratch[i] != NULL; i++)
		if (fnmatch(names_default_scratch[i], name, 0) == 0)
			return 1;
	for (size_t i = 0; extra_pats != NULL && extra_pats[i] != NULL; i++)
		if (fnmatch(extra_pats[i], name, 0) == 0)
			return 1;
	return 0;
}

int names_is_internal(const char *name)
{
	return strncmp(last(name), ATOMIC_TMP_PREFIX, strlen(ATOMIC_TMP_PREFIX)) == 0;
}

int names_in_git(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, ".git")) != NULL) {
		int start = p == path || p[-1] == '/';
		int end = p[4] == '\0' || p[4] == '/';

		if (start && end)
			return 1;
		p += 4;
	}
	return 0;
}

/* rsync writes ".NAME.XXXXXX" (6 random characters) next to NAME. */
int names_rsync_target(const char *path, char *out, size_t outsz)
{
	const char *name = last(path);
	size_t n = strlen(name), dir = (size_t)(name - path);

	if (n < 9 || name[0] != '.' || name[n - 7] != '.' || dir + n - 7 >= outsz)
		return 0;
	for (size_t i = n - 6; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return 0;
	}
	memcpy(out, path, dir);
	memcpy(out + dir, name + 1, n - 8);
	out[dir + n - 8] = '\0';
	return 1;
}

char *names_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", strcmp(dir, "/") ? dir : "", name);
	return p;
}
