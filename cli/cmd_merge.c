/* cmd_merge.c - `sopsfs merge` and `sopsfs merge-driver` (git's merge
 * driver interface: %O %A %B %P): three-way merge of a SOPS file's
 * decrypted values, re-encrypted with ours' data key (codec/merge/).
 * Conflicts are reported by key path only; no plaintext is ever written. */
#include "cli.h"
#include "../common/atomic_write.h"
#include "../codec/merge/merge.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read the three versions and merge them (name picks the store). */
static int run_merge(const char *cmd, const char *name, const char *const files[3],
		     struct merge_outcome *out, struct sops_err *err)
{
	struct buf t[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	struct merge_version v[3];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 3 && rc == 0; i++) {
		rc = cli_read_file(files[i], &t[i], err);
		v[i].text = (const char *)t[i].data;
		v[i].len = t[i].len;
	}
	if (rc == 0)
		rc = merge_sops(name, &v[0], &v[1], &v[2], 0, out, err);
	if (rc == 0 && out->note != NULL)
		fprintf(stderr, "sopsfs %s: %s: %s\n", cmd, name, out->note);
	for (int i = 0; i < 3; i++)
		buf_free(&t[i]);
	return rc;
}

static int report_conflicts(const char *cmd, const char *name, const struct merge_outcome *o)
{
	fprintf(stderr, "sopsfs %s: %s: conflicting changes to %zu key%s (values not shown):\n",
		cmd, name, o->conflicts.n, o->conflicts.n == 1 ? "" : "s");
	for (size_t i = 0; i < o->conflicts.n; i++)
		fprintf(stderr, "  %s\n", o->conflicts.v[i]);
	return 1;
}

/* A file without sops metadata: git's own line merge (git merge-file
 * writes the result with markers into %A and exits with the number of
 * conflicts). */
static int line_merge(const char *base, const char *ours, const char *theirs)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 2;
	if (pid == 0) {
		execlp("git", "git", "merge-file", "-q", ours, base, theirs, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return 2;
	return WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* sopsfs merge-driver %O %A %B %P */
int cli_merge_driver(int argc, char **argv)
{
	struct merge_outcome out;
	struct sops_err err;
	const char *files[3];
	const char *name;
	int rc;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: sopsfs merge-driver BASE(%%O) OURS(%%A) THEIRS(%%B) "
			"[PATH(%%P)]\n");
		return EX_INVALID_ARGS;
	}
	err_clear(&err);
	files[0] = argv[1];
	files[1] = argv[2];
	files[2] = argv[3];
	name = argc == 5 ? argv[4] : argv[2];
	if (run_merge("merge-driver", name, files, &out, &err) != 0) {
		if (out.not_sops) {
			merge_outcome_free(&out);
			return line_merge(files[0], files[1], files[2]);
		}
		fprintf(stderr, "sopsfs merge-driver: %s: %s\n", name, err.msg);
		merge_outcome_free(&out);
		return 2;
	}
	if (out.conflicts.n > 0)
		rc = report_conflicts("merge-driver", name, &out);
	else if (out.same_as_ours)
		rc = 0;
	else if (atomic_replace_path(files[1], out.enc.data, out.enc.len, &err) != 0) {
		fprintf(stderr, "sopsfs merge-driver: %s: %s\n", name, err.msg);
		rc = 2;
	} else
		rc = 0;
	merge_outcome_free(&out);
	return rc;
}

/* sopsfs merge BASE OURS THEIRS [-o OUT] */
int cli_merge(int argc, char **argv)
{
	struct merge_outcome out;
	struct sops_err err;
	const char *files[3], *outpath = NULL;
	int n = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			outpath = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			n = 4;
		else if (n < 3)
			files[n++] = argv[i];
		else
			n = 4;
	}
	if (n != 3) {
		fprintf(stderr, "usage: sopsfs merge BASE OURS THEIRS [-o OUT]\n");
		return EX_INVALID_ARGS;
	}
	err_clear(&err);
	if (run_merge("merge", files[1], files, &out, &err) != 0) {
		merge_outcome_free(&out);
		return cli_fail(&err);
	}
	if (out.conflicts.n > 0)
		rc = report_conflicts("merge", files[1], &out);
	else if (outpath != NULL && strcmp(outpath, "-") != 0)
		rc = atomic_replace_path(outpath, out.enc.data, out.enc.len, &err) == 0 ? 0
			: cli_fail(&err);
	else
		rc = write_all(STDOUT_FILENO, out.enc.data, out.enc.len) == 0 ? 0
			: EX_COULD_NOT_WRITE;
	merge_outcome_free(&out);
	return rc;
}
