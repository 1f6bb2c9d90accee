/* cli_staged.c - `sopsfs check --staged`: check the files of the git index
 * (what a commit would contain), read through libgit2, instead of the
 * working tree. Creation rules come from the working tree's .sops.yaml. */
#include "cli_check.h"

#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Does the repository-relative path lie under one of prefixes? */
static int selected(const char *path, char **prefixes, int n)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(prefixes[i]);

		if (len == 0 || (strncmp(path, prefixes[i], len) == 0 &&
				 (path[len] == '\0' || path[len] == '/' || prefixes[i][len - 1] == '/')))
			return 1;
	}
	return 0;
}

/* PATH arguments made relative to the work tree (heap strings). */
static int prefixes_of(const char *workdir, char **paths, int n, char **out)
{
	char cwd[PATH_MAX], abs[PATH_MAX * 2], real[PATH_MAX * 2];
	size_t wl = strlen(workdir);

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		snprintf(abs, sizeof(abs), "%s%s%s", paths[i][0] == '/' ? "" : cwd,
			 paths[i][0] == '/' ? "" : "/", paths[i]);
		if (realpath(abs, real) == NULL)
			snprintf(real, sizeof(real), "%s", abs);
		if (strncmp(real, workdir, wl - 1) != 0)
			return -1;
		out[i] = strdup(strlen(real) >= wl ? real + wl : "");
		if (out[i] == NULL)
			return -1;
	}
	return 0;
}

static int check_entry(struct chk_ctx *c, git_repository *repo, const char *workdir,
		       const git_index_entry *e)
{
	git_blob *blob = NULL;
	struct buf text = BUF_INIT;
	char full[PATH_MAX * 2];
	const char *base = strrchr(e->path, '/');
	int rc = 0;

	base = base ? base + 1 : e->path;
	if (strcmp(base, ".sops.yaml") == 0 || git_index_entry_stage(e) != 0)
		return 0;
	if (git_blob_lookup(&blob, repo, &e->id) != 0) {
		fprintf(stderr, "sopsfs check: cannot read the staged %s\n", e->path);
		return EX_COULD_NOT_READ;
	}
	snprintf(full, sizeof(full), "%s%s", workdir, e->path);
	if (buf_add(&text, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) != 0 ||
	    buf_reserve(&text, 1) != 0)
		rc = EX_ERROR;
	else
		rc = check_text(c, e->path, full, &text);
	buf_free(&text);
	git_blob_free(blob);
	return rc;
}

int check_staged(struct chk_ctx *c, char **paths, int npaths)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	char **pre = calloc((size_t)npaths + 1, sizeof(*pre));
	const char *workdir;
	int rc = 0;

	git_libgit2_init();
	if (pre == NULL || git_repository_open_ext(&repo, ".", 0, NULL) != 0 ||
	    (workdir = git_repository_workdir(repo)) == NULL ||
	    git_repository_index(&index, repo) != 0) {
		const git_error *ge = git_error_last();

		fprintf(stderr, "sopsfs check --staged: not in a git work tree%s%s\n",
			ge ? ": " : "", ge ? ge->message : "");
		rc = EX_ERROR;
		goto done;
	}
	if (prefixes_of(workdir, paths, npaths, pre) != 0) {
		fprintf(stderr, "sopsfs check --staged: a PATH is outside the work tree\n");
		rc = EX_INVALID_ARGS;
		goto done;
	}
	for (size_t i = 0; i < git_index_entrycount(index); i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);

		if (e != NULL && selected(e->path, pre, npaths)) {
			int r = check_entry(c, repo, workdir, e);

			if (r != 0)
				rc = r;
		}
	}
done:
	for (int i = 0; i < npaths && pre != NULL; i++)
		free(pre[i]);
	free(pre);
	git_index_free(index);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
