/* cli_exec.c - `sopsfs exec [-o OPTS] SRC -- CMD ARGS...`: mount SRC for the
 * life of one command. The mount is private when the process may make a
 * mount namespace (unshare(CLONE_NEWNS), mounts made private), else it is
 * made on a fresh 0700 directory. CMD runs with the mount as its working
 * directory; SIGINT, SIGTERM and SIGHUP are forwarded to it; when it ends
 * (or is killed) the daemon is stopped, the mount removed and the
 * directory deleted; the exit status is CMD's. The daemon is this binary
 * (`sopsfs mount SRC MNT -f`) with PR_SET_PDEATHSIG, so it also goes when
 * we are killed. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char exec_usage[] =
"usage: sopsfs exec [-o OPTIONS] SRC -- COMMAND [ARGS...]\n"
"  Mount SRC decrypted (privately, in a new mount namespace when possible, else\n"
"  on a fresh 0700 directory), run COMMAND in it, then unmount and remove the\n"
"  directory. SIGINT/SIGTERM/SIGHUP go to COMMAND; the exit status is its own.\n";

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static int wait_for(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EX_ERROR;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int is_mounted(const char *mnt)
{
	struct stat a, b;
	char parent[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s/..", mnt);
	return stat(mnt, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static pid_t start_daemon(const char *src, const char *mnt, const char *opts)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *args[] = { "sopsfs", "mount", (char *)src, (char *)mnt, "-f", NULL, NULL, NULL };

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (opts != NULL) {
			args[5] = "-o";
			args[6] = (char *)opts;
		}
		execv("/proc/self/exe", args);
		_exit(127);
	}
	return pid;
}

/* Wait (up to 10 s) for the mount; 0 when there, -1 if the daemon died. */
static int wait_mounted(pid_t daemon, const char *mnt)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 500; i++) {
		int st;

		if (is_mounted(mnt))
			return 0;
		if (waitpid(daemon, &st, WNOHANG) == daemon)
			return -1;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int run_cmd(const char *mnt, char **cmd)
{
	struct sigaction sa;
	pid_t pid = fork();
	int rc;

	if (pid < 0)
		return EX_ERROR;
	if (pid == 0) {
		if (chdir(mnt) != 0)
			_exit(126);
		execvp(cmd[0], cmd);
		fprintf(stderr, "sopsfs exec: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = wait_for(pid);
	child_pid = 0;
	return rc;
}

static void stop(pid_t daemon, const char *mnt)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;

	kill(daemon, SIGTERM);
	for (i = 0; i < 250 && waitpid(daemon, NULL, WNOHANG) == 0; i++)
		nanosleep(&ts, NULL);
	if (i == 250) {
		kill(daemon, SIGKILL);
		waitpid(daemon, NULL, 0);
	}
	if (is_mounted(mnt) && umount2(mnt, MNT_DETACH) != 0) {
		pid_t p = fork();

		if (p == 0) {
			execlp("fusermount3", "fusermount3", "-u", "-z", mnt, (char *)NULL);
			_exit(127);
		}
		if (p > 0)
			wait_for(p);
	}
	rmdir(mnt);
}

static int private_namespace(void)
{
	if (unshare(CLONE_NEWNS) != 0)
		return 0;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

int cli_exec(int argc, char **argv)
{
	const char *opts = NULL, *src = NULL, *tmp = getenv("TMPDIR");
	char mnt[PATH_MAX];
	pid_t daemon;
	int i, rc;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(exec_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			opts = argv[++i];
		} else if (argv[i][0] == '-' || src != NULL) {
			fprintf(stderr, "sopsfs exec: unexpected %s\n%s", argv[i], exec_usage);
			return EX_INVALID_ARGS;
		} else {
			src = argv[i];
		}
	}
	if (src == NULL || i + 1 >= argc) {
		fputs(exec_usage, stderr);
		return EX_INVALID_ARGS;
	}
	snprintf(mnt, sizeof(mnt), "%s/sopsfs-exec.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(mnt) == NULL) {
		perror("sopsfs exec: mount directory");
		return EX_ERROR;
	}
	private_namespace();
	daemon = start_daemon(src, mnt, opts);
	if (daemon < 0 || wait_mounted(daemon, mnt) != 0) {
		fprintf(stderr, "sopsfs exec: could not mount %s\n", src);
		if (daemon > 0)
			stop(daemon, mnt);
		else
			rmdir(mnt);
		return EX_ERROR;
	}
	rc = run_cmd(mnt, argv + i + 1);
	stop(daemon, mnt);
	return rc;
}
