/* test_git_state.c - finding the git directory of the work tree holding
 * SRC without libgit2 (fs/conflict/git_state.c): a ".git" directory some
 * levels up, a ".git" file naming the directory relatively (a work tree)
 * or absolutely (a submodule), no repository at all; and the state files
 * of a merge, rebase, cherry-pick, revert and bisect. */
#include "check.h"
#include "../../fs/conflict/git_state.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[PATH_MAX];

static void mk(const char *rel)
{
	char p[2 * PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	CHECKF(mkdir(p, 0755) == 0, "mkdir %s", rel);
}

static void put(const char *rel, const char *text)
{
	char p[2 * PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = s ? strlen(s) : 0, b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

static char *dir_of(const char *rel)
{
	char p[2 * PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return git_state_dir(p);
}

static void test_find(void)
{
	char text[2 * PATH_MAX], *d;

	mk("repo"); mk("repo/.git"); mk("repo/a"); mk("repo/a/b");
	d = dir_of("repo/a/b");
	CHECKF(ends_with(d, "/repo/.git"), "%s", d ? d : "NULL");
	free(d);
	/* a work tree: .git is a file naming the directory relatively */
	mk("repo/.git/worktrees"); mk("repo/.git/worktrees/w"); mk("wt"); mk("wt/x");
	put("wt/.git", "gitdir: ../repo/.git/worktrees/w\n");
	d = dir_of("wt/x");
	CHECKF(ends_with(d, "/repo/.git/worktrees/w"), "%s", d ? d : "NULL");
	free(d);
	/* absolutely (and without a newline) */
	mk("sub");
	snprintf(text, sizeof(text), "gitdir: %s/repo/.git/worktrees/w", base);
	put("sub/.git", text);
	d = dir_of("sub");
	CHECKF(ends_with(d, "/repo/.git/worktrees/w"), "%s", d ? d : "NULL");
	free(d);
	/* a ".git" file that is not a gitdir line: no repository there */
	mk("odd");
	put("odd/.git", "not a git file\n");
	d = dir_of("odd");
	CHECKF(d == NULL, "%s", d ? d : "NULL");
}

static void test_states(void)
{
	static const char *const files[] = { "MERGE_HEAD", "REVERT_HEAD", "CHERRY_PICK_HEAD",
					     "BISECT_LOG" };
	char gd[2 * PATH_MAX], p[2 * PATH_MAX];

	mk("st"); mk("st/.git");
	snprintf(gd, sizeof(gd), "%s/st/.git", base);
	CHECK(git_state_busy(gd) == 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "st/.git/%s", files[i]);
		put(p, "0123\n");
		CHECKF(git_state_busy(gd) == 1, "%s", files[i]);
		snprintf(p, sizeof(p), "%s/st/.git/%s", base, files[i]);
		unlink(p);
		CHECK(git_state_busy(gd) == 0);
	}
	mk("st/.git/rebase-merge");
	CHECK(git_state_busy(gd) == 1);
	snprintf(p, sizeof(p), "%s/st/.git/rebase-merge", base);
	rmdir(p);
	mk("st/.git/rebase-apply");
	CHECK(git_state_busy(gd) == 1);
}

int main(void)
{
	char tmpl[] = "/tmp/sopsfs-gitstate.XXXXXX";
	char cmd[2 * PATH_MAX];
	int rc;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	if (realpath(tmpl, base) == NULL)
		return 1;
	RUN(test_find);
	RUN(test_states);
	rc = CHECK_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", base);
	return rc;
}
