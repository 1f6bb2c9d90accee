/* conflict_git.c - the git repository holding SRC, read with libgit2:
 * is it merging (or rebasing, cherry-picking), which paths have conflict
 * stages in the index, and the stage blobs. One repository handle per
 * process, opened on first use; the state is re-read at most once a
 * second so the per-lookup cost outside merges is a clock read. libgit2
 * is loaded only once git_state.c finds a state file of a merge, rebase,
 * cherry-pick, revert or bisect (memory: libgit2 and what it pulls in are
 * megabytes), and the index only while git says one is in progress. */
#include "conflict.h"
#include "git_state.h"

#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int probed;             /* gitdir looked for */
	char *gitdir;           /* the work tree's git directory, or NULL */
	int tried;
	git_repository *repo;
	git_index *index;
	char *prefix;           /* SRC relative to the work tree, "" or "a/b" */
	time_t checked;
	int merging;
} g;

/* Open the repository that contains root (once). mu held. */
static int open_repo(const char *root)
{
	char real[PATH_MAX];
	const char *wd;
	size_t n;

	if (g.tried)
		return g.repo != NULL ? 0 : -1;
	g.tried = 1;
	git_libgit2_init();
	if (realpath(root, real) == NULL ||
	    git_repository_open_ext(&g.repo, real, 0, NULL) != 0)
		goto none;
	wd = git_repository_workdir(g.repo);
	n = wd ? strlen(wd) : 0;
	if (n == 0 || strncmp(real, wd, n - 1) != 0 || (real[n - 1] != '/' && real[n - 1] != '\0'))
		goto none;
	g.prefix = strdup(real[n - 1] == '\0' ? "" : real + n);
	if (g.prefix == NULL)
		goto none;
	return 0;
none:
	free(g.prefix);
	g.prefix = NULL;
	git_repository_free(g.repo);
	g.repo = NULL;
	return -1;
}

/* Is a merge / rebase / cherry-pick in progress (cached for a second)?
 * mu held. */
static int merging(const char *root)
{
	time_t now = time(NULL);

	if (!g.probed) {
		g.probed = 1;
		g.gitdir = git_state_dir(root);
	}
	if (g.gitdir == NULL)
		return 0;                       /* SRC is in no git work tree */
	if (now == g.checked)
		return g.merging;
	g.checked = now;
	g.merging = git_state_busy(g.gitdir) && open_repo(root) == 0 &&
		    git_repository_state(g.repo) != GIT_REPOSITORY_STATE_NONE;
	if (g.merging && g.index == NULL && git_repository_index(&g.index, g.repo) != 0) {
		g.index = NULL;
		g.merging = 0;
	} else if (g.merging) {
		git_index_read(g.index, 0);   /* re-read only if changed on disk */
	} else if (g.index != NULL) {
		git_index_free(g.index);      /* the merge is over */
		g.index = NULL;
	}
	return g.merging;
}

static char *rel_path(const char *path)
{
	size_t pl = strlen(g.prefix), n = pl + strlen(path) + 2;
	char *r = malloc(n);

	if (r != NULL)
		snprintf(r, n, "%s%s%s", g.prefix, pl ? "/" : "", path[0] == '/' ? path + 1 : path);
	return r;
}

/* mu held. */
static int has_stages(const char *path)
{
	char *rel = rel_path(path);
	int c;

	if (rel == NULL)
		return 0;
	c = git_index_get_bypath(g.index, rel, 2) != NULL ||
	    git_index_get_bypath(g.index, rel, 3) != NULL;
	free(rel);
	return c;
}

int cgit_conflicted(const char *root, const char *path)
{
	int c;

	pthread_mutex_lock(&mu);
	c = merging(root) && has_stages(path);
	pthread_mutex_unlock(&mu);
	return c;
}

static int read_blob(const git_index_entry *ie, char **text, size_t *len)
{
	git_blob *b = NULL;
	size_t n;

	if (git_blob_lookup(&b, g.repo, &ie->id) != 0)
		return -1;
	n = (size_t)git_blob_rawsize(b);
	*text = malloc(n + 1);
	if (*text != NULL) {
		memcpy(*text, git_blob_rawcontent(b), n);
		(*text)[n] = '\0';
		*len = n;
	}
	git_blob_free(b);
	return *text != NULL ? 0 : -1;
}

int cgit_versions(const char *root, const char *path, struct cgit_versions *v)
{
	char *rel;
	int rc = 0;

	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&mu);
	if (!merging(root) || !has_stages(path) || (rel = rel_path(path)) == NULL) {
		pthread_mutex_unlock(&mu);
		return 0;
	}
	for (int s = 1; s <= 3 && rc == 0; s++) {
		const git_index_entry *ie = git_index_get_bypath(g.index, rel, s);

		if (ie != NULL && read_blob(ie, &v->text[s - 1], &v->len[s - 1]) != 0)
			rc = -1;
	}
	free(rel);
	pthread_mutex_unlock(&mu);
	if (rc != 0)
		cgit_versions_free(v);
	return rc == 0 ? 1 : -1;
}

void cgit_versions_free(struct cgit_versions *v)
{
	for (int i = 0; i < 3; i++) {
		free(v->text[i]);
		v->text[i] = NULL;
	}
}

void cgit_close(void)
{
	pthread_mutex_lock(&mu);
	if (g.tried) {
		git_index_free(g.index);
		git_repository_free(g.repo);
		free(g.prefix);
		(void)git_libgit2_shutdown();   /* the count open_repo's init took */
	}
	free(g.gitdir);
	memset(&g, 0, sizeof(g));
	pthread_mutex_unlock(&mu);
}
