/* cmd_exec_file.c - `sopsfs exec-file [--no-fifo] [--filename NAME] FILE CMD`
 * (sops exec-file): run CMD with `/bin/sh -c`, every `{}` in CMD replaced by
 * the path of the decrypted content.
 *
 * Default, like sops: a FIFO (mode 0600) in a fresh private directory
 * ($TMPDIR or /tmp, `.sopsXXXXXX`), fed once by a thread of ours; nothing is
 * stored on disk. --no-fifo (the content readable many times): without
 * --filename, a memfd the command inherits, named /proc/self/fd/N (never on
 * a filesystem; /proc/self is the reading process, which inherits the fd);
 * with --filename, the file NAME (0600) in a fresh 0700 directory under
 * /dev/shm (memory, not disk). Either way it is removed or closed as soon as
 * CMD exits. Exit status: CMD's. --background is refused (sops deprecated
 * it; the content would have to outlive us).
 */
#include "exec_run.h"
#include "cli.h"
#include "../codec/core/sops_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct file_args {
	const char *file, *cmd, *user, *type, *name;
	int no_fifo;
	struct sops_opts opts;
};

struct feeder {
	char path[PATH_MAX];
	const struct buf *data;
	pthread_t th;
	int started;
};

static const char file_usage[] =
	"usage: sopsfs exec-file [--no-fifo] [--filename NAME] [--user NAME] [--ignore-mac]\n"
	"                        [--input-type TYPE] FILE COMMAND\n"
	"Run COMMAND with /bin/sh -c, every {} replaced by the path of FILE's plaintext\n"
	"(a FIFO; with --no-fifo a memory-backed file); exit with COMMAND's status.\n";

static int parse_args(int argc, char **argv, struct file_args *a)
{
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char **val = NULL;

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(file_usage, stdout);
			return -1;
		}
		if (strcmp(o, "--no-fifo") == 0) {
			a->no_fifo = 1;
			continue;
		}
		if (strcmp(o, "--ignore-mac") == 0) {
			a->opts.ignore_mac = 1;
			continue;
		}
		if (strcmp(o, "--background") == 0) {
			fprintf(stderr, "sopsfs exec-file: --background is not supported (deprecated "
				"in sops; the plaintext would outlive sopsfs)\n");
			return EX_INVALID_ARGS;
		}
		if (strcmp(o, "--user") == 0)
			val = &a->user;
		else if (strcmp(o, "--input-type") == 0)
			val = &a->type;
		else if (strcmp(o, "--filename") == 0)
			val = &a->name;
		if (val != NULL && i + 1 < argc) {
			*val = argv[++i];
		} else if (o[0] == '-' && o[1] != '\0' && npos < 2) {
			fprintf(stderr, "sopsfs exec-file: unknown option %s\n%s", o, file_usage);
			return EX_INVALID_ARGS;
		} else if (npos < 2) {
			*(npos++ == 0 ? &a->file : &a->cmd) = o;
		} else {
			npos++;
		}
	}
	if (npos != 2) {
		fprintf(stderr, "error: missing file to decrypt\n");
		return EX_ERROR;
	}
	return 0;
}

/* filepath.IsLocal: relative, no ".." element, not empty. */
static int is_local(const char *name)
{
	const char *p = name;

	if (name[0] == '\0' || name[0] == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return 1;
}

static void *feed(void *arg)
{
	struct feeder *fd = arg;
	int w = open(fd->path, O_WRONLY | O_CLOEXEC);   /* blocks until CMD opens it */
	const uint8_t *p = fd->data->data;
	size_t n = fd->data->len;

	if (w < 0)
		return NULL;
	while (n > 0) {
		ssize_t k = write(w, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		p += k;
		n -= (size_t)k;
	}
	close(w);
	return NULL;
}

static int write_all(int fd, const struct buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t k = write(fd, b->data + off, b->len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

/* CMD with every {} replaced by path (heap string). */
static char *placeholder(const char *cmd, const char *path)
{
	struct buf b = BUF_INIT;

	for (const char *p = cmd; *p; ) {
		const char *q = strstr(p, "{}");

		if (q == NULL) {
			buf_adds(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(q - p));
		buf_adds(&b, path);
		p = q + 2;
	}
	return (char *)buf_steal(&b, NULL);
}

/* Prepare the content at a path; *memfd >= 0 for the memfd case, dir[0] set
 * when a directory was made. Returns 0 or -1 (message printed). */
static int prepare(const struct file_args *a, const struct exec_user *u, const struct buf *plain,
		   char *dir, char *path, int *memfd, struct feeder *fe)
{
	const char *tmp = getenv("TMPDIR");

	if (a->no_fifo && a->name == NULL) {
		*memfd = memfd_create("sops-exec-file", 0);
		if (*memfd < 0 || write_all(*memfd, plain) != 0 || fchmod(*memfd, 0600) != 0 ||
		    (u->set && fchown(*memfd, u->uid, u->gid) != 0)) {
			perror("sopsfs exec-file: memfd");
			return -1;
		}
		snprintf(path, PATH_MAX, "/proc/self/fd/%d", *memfd);
		return 0;
	}
	snprintf(dir, PATH_MAX, "%s/.sopsXXXXXX",
		 a->no_fifo ? "/dev/shm" : (tmp && tmp[0] ? tmp : "/tmp"));
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "sopsfs exec-file: cannot make a directory in %s: %s\n",
			a->no_fifo ? "/dev/shm" : "the temporary directory", strerror(errno));
		dir[0] = '\0';
		return -1;
	}
	if (u->set && chown(dir, u->uid, u->gid) != 0)
		return -1;
	if (snprintf(path, PATH_MAX, "%s/%s", dir, a->name ? a->name : "tmp-file") >= PATH_MAX) {
		fprintf(stderr, "sopsfs exec-file: file name too long\n");
		return -1;
	}
	if (!a->no_fifo) {
		if (mkfifo(path, 0600) != 0 || (u->set && chown(path, u->uid, u->gid) != 0)) {
			fprintf(stderr, "sopsfs exec-file: mkfifo: %s\n", strerror(errno));
			return -1;
		}
		snprintf(fe->path, sizeof(fe->path), "%s", path);
		fe->data = plain;
		fe->started = pthread_create(&fe->th, NULL, feed, fe) == 0;
		return fe->started ? 0 : -1;
	} else {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		int bad = fd < 0 || write_all(fd, plain) != 0 ||
			  (u->set && fchown(fd, u->uid, u->gid) != 0);

		if (fd >= 0 && close(fd) != 0)
			bad = 1;
		if (bad)
			fprintf(stderr, "sopsfs exec-file: %s: %s\n", path, strerror(errno));
		return bad ? -1 : 0;
	}
}

static void cleanup(const char *dir, const char *path, int memfd, struct feeder *fe)
{
	if (fe->started) {
		pthread_cancel(fe->th);        /* CMD never opened the FIFO */
		pthread_join(fe->th, NULL);
	}
	if (memfd >= 0)
		close(memfd);
	if (dir[0] != '\0') {
		unlink(path);
		rmdir(dir);
	}
}

static int run(const struct file_args *a, const struct exec_user *u, const struct buf *plain)
{
	char dir[PATH_MAX] = "", path[PATH_MAX] = "";
	struct feeder fe;
	int memfd = -1, rc = EX_ERROR;

	memset(&fe, 0, sizeof(fe));
	if (a->name != NULL && !is_local(a->name)) {
		fprintf(stderr, "The provided filename is not a local path.\n");
		return EX_ERROR;
	}
	if (prepare(a, u, plain, dir, path, &memfd, &fe) == 0) {
		char *cmd = placeholder(a->cmd, path);
		char *sh[] = { "/bin/sh", "-c", cmd, NULL };
		pid_t pid = cmd ? exec_spawn(sh, NULL, u, NULL) : -1;

		if (pid > 0)
			rc = exec_wait(pid, 0, NULL);
		free(cmd);
	}
	cleanup(dir, path, memfd, &fe);
	return rc;
}

int cli_exec_file(int argc, char **argv)
{
	struct file_args a;
	struct exec_user u;
	struct sops_err err;
	struct buf text = BUF_INIT;
	struct sops_file *f = NULL;
	const struct store_ops *store;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&u, 0, sizeof(u));
	err_clear(&err);
	rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (a.user != NULL && exec_user_lookup(a.user, &u) != 0)
		return EX_ERROR;
	store = a.type ? store_by_name(a.type) : store_for_path(a.file);
	if (store == NULL)
		store = &binary_store;
	exec_signals_setup();
	if (cli_read_file(a.file, &text, &err) != 0 ||
	    sops_file_open_as(store, (char *)text.data, text.len, NULL, &a.opts, &f, &err) != 0)
		rc = cli_fail(&err);
	else
		rc = run(&a, &u, &f->view);
	sops_file_free(f);
	buf_free(&text);
	return rc;
}
