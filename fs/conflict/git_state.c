/* git_state.c - is the git work tree holding SRC perhaps in a merge,
 * rebase, cherry-pick, revert or bisect? Answered without libgit2 (memory:
 * libgit2 and the libraries it pulls in are megabytes mapped, and its
 * index of a large work tree megabytes more), so conflict_git.c loads
 * libgit2 only when one of the state files libgit2's
 * git_repository_state() looks at exists.
 *
 * The git directory is found as libgit2 opens a repository with no flags:
 * from SRC up to the root, without crossing a file system, the first
 * ".git" that is a directory, or a file saying "gitdir: PATH" (work trees,
 * submodules; PATH relative to that file's directory).
 */
#include "git_state.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The git directory named by a ".git" file in dir, or NULL. */
static char *gitdir_from_file(const char *dir, const char *file)
{
	char buf[PATH_MAX + 16], path[2 * PATH_MAX + 2];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 8 || strncmp(buf, "gitdir: ", 8) != 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	p = buf + 8;
	if (p[0] == '/')
		return strdup(p);
	snprintf(path, sizeof(path), "%s/%s", dir, p);
	return realpath(path, NULL);
}

char *git_state_dir(const char *root)
{
	char *dir = realpath(root, NULL), *found = NULL;
	struct stat st;
	dev_t dev;

	if (dir == NULL || stat(dir, &st) != 0) {
		free(dir);
		return NULL;
	}
	dev = st.st_dev;
	for (;;) {
		char dotgit[PATH_MAX + 8];

		snprintf(dotgit, sizeof(dotgit), "%s/.git", strcmp(dir, "/") == 0 ? "" : dir);
		if (lstat(dotgit, &st) == 0 && S_ISDIR(st.st_mode)) {
			found = strdup(dotgit);
			break;
		}
		if (lstat(dotgit, &st) == 0 && S_ISREG(st.st_mode)) {
			found = gitdir_from_file(dir, dotgit);
			break;
		}
		char *slash = strrchr(dir, '/');

		if (slash == NULL || strcmp(dir, "/") == 0)
			break;
		if (slash == dir)
			slash[1] = '\0';            /* up to "/" */
		else
			*slash = '\0';
		if (stat(dir, &st) != 0 || st.st_dev != dev)
			break;
	}
	free(dir);
	return found;
}

int git_state_busy(const char *gitdir)
{
	static const char *const names[] = {
		"rebase-merge", "rebase-apply", "MERGE_HEAD", "REVERT_HEAD",
		"CHERRY_PICK_HEAD", "BISECT_LOG",
	};
	char path[PATH_MAX + 32];
	struct stat st;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", gitdir, names[i]);
		if (lstat(path, &st) == 0)
			return 1;
	}
	return 0;
}
