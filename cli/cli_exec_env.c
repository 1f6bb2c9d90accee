/* cli_exec_env.c - `sopsfs exec-env FILE CMD` and `sopsfs exec-file FILE CMD`
 * as sops: CMD runs through /bin/sh -c; exec-env adds the file's values
 * (as dotenv lines KEY=VALUE) to CMD's environment; exec-file gives CMD the
 * plaintext in a FIFO (or with --no-fifo a 0600 file) in a fresh 0700
 * directory, its path replacing every `{}` in CMD. The exit status is
 * CMD's. The temporary file is overwritten and removed afterwards. */
#include "cli.h"
#include "../codec/core/sops_file.h"
#include "../codec/core/convert.h"
#include "../common/secure_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char env_usage[] =
"usage: sopsfs exec-env [--pristine] [--same-process] [--ignore-mac] FILE COMMAND\n"
"  Run COMMAND (through /bin/sh -c) with the file's values added to its\n"
"  environment (KEY=VALUE of the dotenv form). Exit status: COMMAND's.\n";
static const char file_usage[] =
"usage: sopsfs exec-file [--no-fifo] [--filename NAME] [--output-type T] [--ignore-mac]\n"
"                        FILE COMMAND\n"
"  Run COMMAND (through /bin/sh -c) with every {} replaced by the path of the\n"
"  plaintext: a FIFO (or with --no-fifo a 0600 file) in a fresh 0700\n"
"  directory, removed afterwards. Exit status: COMMAND's.\n";

struct xargs {
	int pristine, same_process, no_fifo;
	const char *filename, *out_type;
	struct sops_opts opts;
	const char *file, *cmd;
};

static int xparse(int argc, char **argv, int is_file, struct xargs *a)
{
	const char *usage = is_file ? file_usage : env_usage;
	int i;

	memset(a, 0, sizeof(*a));
	a->opts.keep_values = 1;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--ignore-mac"))
			a->opts.ignore_mac = 1;
		else if (!strcmp(o, "--pristine") && !is_file)
			a->pristine = 1;
		else if (!strcmp(o, "--same-process") && !is_file)
			a->same_process = 1;
		else if (!strcmp(o, "--no-fifo") && is_file)
			a->no_fifo = 1;
		else if (!strcmp(o, "--filename") && is_file && i + 1 < argc)
			a->filename = argv[++i];
		else if (!strcmp(o, "--output-type") && is_file && i + 1 < argc)
			a->out_type = argv[++i];
		else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			fputs(usage, stdout);
			return -1;
		} else {
			fprintf(stderr, "sopsfs %s: unknown option %s\n%s", is_file ? "exec-file" :
				"exec-env", o, usage);
			return EX_INVALID_ARGS;
		}
	}
	if (argc - i != 2) {
		fputs(usage, stderr);
		return EX_INVALID_ARGS;
	}
	if (a->filename && (a->filename[0] == '/' || strstr(a->filename, "..") ||
			    strchr(a->filename, '/'))) {
		fprintf(stderr, "The provided filename is not a local path.\n");
		return EX_ERROR;
	}
	a->file = argv[i];
	a->cmd = argv[i + 1];
	return 0;
}

/* The plaintext in store `to` (NULL: the file's own). */
static int plaintext(const struct xargs *a, const struct store_ops *to, struct buf *out,
		     struct sops_err *err)
{
	struct buf text = BUF_INIT;
	struct sops_file *f = NULL;
	int rc = -1;

	if (cli_read_file(a->file, &text, err) == 0 &&
	    sops_file_open(a->file, (char *)text.data, text.len, &a->opts, &f, err) == 0) {
		if (to == NULL || to == f->store)
			rc = buf_add(out, f->view.data, f->view.len) ? err_set(err, 1, "oom") : 0;
		else
			rc = convert_doc(f->doc, to, -1, out, err);
	}
	sops_file_free(f);
	buf_free(&text);
	return rc;
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EX_ERROR;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* Run sh -c cmd with env (NULL: ours), wait, return its status. */
static int run_shell(const char *cmd, char **env, int same_process)
{
	pid_t pid;

	if (same_process) {
		char *args[] = { "/bin/sh", "-c", (char *)cmd, NULL };

		execve("/bin/sh", args, env);
		perror("sopsfs: /bin/sh");
		return EX_ERROR;
	}
	pid = fork();
	if (pid < 0)
		return EX_ERROR;
	if (pid == 0) {
		char *args[] = { "/bin/sh", "-c", (char *)cmd, NULL };

		if (env != NULL)
			execve("/bin/sh", args, env);
		else
			execv("/bin/sh", args);
		_exit(127);
	}
	return wait_status(pid);
}

extern char **environ;

int cli_exec_env(int argc, char **argv)
{
	struct xargs a;
	struct buf plain = BUF_INIT_SECURE;
	struct sops_err err;
	char **env, *copy;
	size_t n = 0, cap;
	int rc = xparse(argc, argv, 0, &a);

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	err_clear(&err);
	if (plaintext(&a, &dotenv_store, &plain, &err) != 0 || buf_addc(&plain, '\0') != 0)
		return cli_fail(&err);
	for (char **e = environ; !a.pristine && *e; e++)
		n++;
	cap = n + plain.len / 2 + 2;
	env = calloc(cap, sizeof(*env));
	if (env == NULL) {
		buf_free(&plain);
		return EX_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		env[i] = environ[i];
	/* The locked arena is wiped in forked children, so the variables CMD
	 * gets are copied to ordinary memory, wiped once CMD is done. */
	copy = malloc(plain.len + 1);

	if (copy != NULL)
		memcpy(copy, plain.data, plain.len + 1);
	for (char *line = copy, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] != '\0' && line[0] != '#' && n + 1 < cap)
			env[n++] = line;
	}
	env[n] = NULL;
	rc = copy != NULL ? run_shell(a.cmd, env, a.same_process) : EX_ERROR;
	if (copy != NULL)
		explicit_bzero(copy, plain.len + 1);
	free(copy);
	free(env);
	buf_free(&plain);
	return rc;
}

/* CMD with every {} replaced by path. */
static char *placeholder(const char *cmd, const char *path)
{
	struct buf b = BUF_INIT;

	for (const char *p = cmd; *p; p++) {
		if (p[0] == '{' && p[1] == '}') {
			if (buf_adds(&b, path) != 0)
				goto oom;
			p++;
		} else if (buf_addc(&b, *p) != 0) {
			goto oom;
		}
	}
	if (buf_addc(&b, '\0') == 0)
		return (char *)b.data;
oom:
	buf_free(&b);
	return NULL;
}

static void wipe_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		char zero[4096] = { 0 };

		for (off_t done = 0; done < st.st_size; done += (off_t)sizeof(zero))
			if (write(fd, zero, sizeof(zero)) < 0)
				break;
		fsync(fd);
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
}

/* The FIFO writer: a thread (the locked arena is wiped in forked
 * children) that blocks until CMD opens the FIFO, then writes. */
struct fifo_job {
	const char *path;
	const struct buf *plain;
	pthread_t thread;
	atomic_int done;
};

static void *fifo_write(void *arg)
{
	struct fifo_job *j = arg;
	sigset_t pipe_set;
	int fd;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);      /* a reader that leaves early: EPIPE */
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	fd = open(j->path, O_WRONLY | O_CLOEXEC);
	const uint8_t *p = j->plain->data;
	size_t left = j->plain->len;

	while (fd >= 0 && left > 0) {
		ssize_t w = write(fd, p, left);

		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	if (fd >= 0)
		close(fd);
	atomic_store(&j->done, 1);
	return NULL;
}

/* Unblock a writer CMD never read from (open a reader, drop it), join. */
static void fifo_finish(struct fifo_job *j)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	while (!atomic_load(&j->done)) {
		int fd = open(j->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

		nanosleep(&ts, NULL);
		if (fd >= 0)
			close(fd);
	}
	pthread_join(j->thread, NULL);
}

int cli_exec_file(int argc, char **argv)
{
	struct xargs a;
	struct buf plain = BUF_INIT_SECURE;
	struct sops_err err;
	char dir[] = "/tmp/.sopsfs-exec.XXXXXX", path[PATH_MAX], *cmd = NULL;
	struct fifo_job job = { .path = path, .plain = &plain };
	int writer = 0, rc = xparse(argc, argv, 1, &a), fd;

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	err_clear(&err);
	if (a.out_type != NULL && store_by_name(a.out_type) == NULL) {
		fprintf(stderr, "sopsfs exec-file: unknown --output-type %s\n", a.out_type);
		return EX_INVALID_ARGS;
	}
	if (plaintext(&a, a.out_type ? store_by_name(a.out_type) : NULL, &plain, &err) != 0)
		return cli_fail(&err);
	if (mkdtemp(dir) == NULL) {
		buf_free(&plain);
		perror("sopsfs exec-file: temporary directory");
		return EX_ERROR;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, a.filename ? a.filename : "tmp-file");
	if (!a.no_fifo) {
		writer = mkfifo(path, 0600) == 0 &&
			 pthread_create(&job.thread, NULL, fifo_write, &job) == 0;
		rc = writer ? 0 : EX_ERROR;
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		rc = fd >= 0 && write(fd, plain.data, plain.len) == (ssize_t)plain.len ? 0 : EX_ERROR;
		if (fd >= 0)
			close(fd);
	}
	if (rc == 0 && (cmd = placeholder(a.cmd, path)) != NULL)
		rc = run_shell(cmd, NULL, 0);
	else
		fprintf(stderr, "sopsfs exec-file: cannot create %s\n", path);
	if (writer)
		fifo_finish(&job);
	buf_free(&plain);
	wipe_file(path);
	rmdir(dir);
	free(cmd);
	return rc;
}
