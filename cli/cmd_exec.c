/* cmd_exec.c - `sopsfs exec [-o OPTS] SRC -- CMD [ARGS...]`: mount SRC
 * privately, run CMD with the mount as its working directory, unmount (the
 * daemon wipes every key and view) when CMD exits, exit with CMD's status.
 *
 * Privacy: when we may (root, or CAP_SYS_ADMIN), a new mount namespace with
 * / made recursively private, so the mount exists for CMD and its children
 * only; otherwise the mount point is a fresh 0700 directory. The mount
 * daemon runs in a child process (the same code as `sopsfs SRC MNT -f`): it
 * has its own process group (a terminal's Ctrl-C goes to CMD, not to it)
 * and gets SIGTERM if we die. SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to us are
 * passed on to CMD; teardown always runs after CMD has exited. Set
 * SOPSFS_EXEC_NO_NAMESPACE=1 to skip the namespace (tests use it).
 */
#include "exec_run.h"
#include "cli.h"
#include "../fs/fuse/sopsfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char exec_usage[] =
	"usage: sopsfs exec [-o OPTION[,OPTION...]] SRC -- CMD [ARGS...]\n"
	"Mount SRC privately (a new mount namespace when allowed, else a fresh 0700\n"
	"directory), run CMD in the mount's root, unmount when CMD exits, exit with\n"
	"CMD's status. OPTIONS are the mount's (sopsfs mount --help).\n";

struct exec_args {
	struct buf opts;
	const char *src;
	char **cmd;
};

static int parse_args(int argc, char **argv, struct exec_args *a)
{
	int i;

	for (i = 1; i < argc && a->src == NULL; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(exec_usage, stdout);
			return -1;
		} else if (strcmp(o, "-o") == 0 && i + 1 < argc) {
			if ((a->opts.len && buf_addc(&a->opts, ',') != 0) ||
			    buf_adds(&a->opts, argv[++i]) != 0)
				return EX_ERROR;
		} else if (strncmp(o, "-o", 2) == 0 && o[2] != '\0') {
			if ((a->opts.len && buf_addc(&a->opts, ',') != 0) ||
			    buf_adds(&a->opts, o + 2) != 0)
				return EX_ERROR;
		} else if (o[0] == '-') {
			fprintf(stderr, "sopsfs exec: unknown option %s\n%s", o, exec_usage);
			return EX_INVALID_ARGS;
		} else {
			a->src = o;
		}
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (a->src == NULL || i >= argc) {
		fputs(exec_usage, stderr);
		return EX_INVALID_ARGS;
	}
	a->cmd = argv + i;
	return 0;
}

/* A private mount namespace if we may make one. Returns 1 if made. */
static int private_namespace(void)
{
	const char *no = getenv("SOPSFS_EXEC_NO_NAMESPACE");

	if ((no != NULL && no[0] != '\0' && strcmp(no, "0") != 0) || unshare(CLONE_NEWNS) != 0)
		return 0;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		fprintf(stderr, "sopsfs exec: cannot make / private in the new mount namespace: "
			"%s\n", strerror(errno));
		exit(EX_ERROR);
	}
	return 1;
}

static int is_mounted(const char *mnt)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[PATH_MAX * 2];
	int found = 0;

	if (f == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *p = line;

		for (int k = 0; k < 4 && p != NULL; k++)     /* field 5: mount point */
			if ((p = strchr(p, ' ')) != NULL)
				p++;
		found = p != NULL && strncmp(p, mnt, strlen(mnt)) == 0 && p[strlen(mnt)] == ' ';
	}
	fclose(f);
	return found;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static pid_t start_daemon(const struct exec_args *a, const char *mnt)
{
	pid_t parent = getpid(), pid = fork();
	char *argv[] = { "sopsfs", (char *)a->src, (char *)mnt, "-f", "-o",
			 (char *)a->opts.data, NULL };
	int null;

	if (pid != 0)
		return pid;
	if (exec_child_prepare(NULL) != 0)
		_exit(1);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (getppid() != parent)
		_exit(1);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	_exit(sopsfs_mount_main(a->opts.len ? 6 : 4, argv));
}

/* Wait until MNT is mounted; 0, or -1 if the daemon exited or timed out. */
static int wait_mounted(pid_t daemon, const char *mnt)
{
	int st;

	for (int i = 0; i < 3000; i++) {
		if (is_mounted(mnt) == 1)
			return 0;
		if (waitpid(daemon, &st, WNOHANG) == daemon) {
			fprintf(stderr, "sopsfs exec: the mount of the source directory failed\n");
			return -1;
		}
		sleep_ms(10);
	}
	fprintf(stderr, "sopsfs exec: the mount did not come up in 30 seconds\n");
	return -1;
}

/* SIGTERM the daemon (it unmounts and wipes); force it after 10 s. */
static void stop_daemon(pid_t daemon, const char *mnt, int reaped)
{
	int st;

	if (!reaped) {
		kill(daemon, SIGTERM);
		for (int i = 0; i < 1000 && waitpid(daemon, &st, WNOHANG) != daemon; i++)
			sleep_ms(10);
		if (kill(daemon, 0) == 0) {
			fprintf(stderr, "sopsfs exec: the mount daemon did not stop; killing it\n");
			kill(daemon, SIGKILL);
			waitpid(daemon, &st, 0);
		}
	}
	if (is_mounted(mnt) == 1 && umount2(mnt, MNT_DETACH) != 0) {
		char *fu[] = { "fusermount3", "-u", "-z", (char *)mnt, NULL };
		pid_t p = exec_spawn(fu, NULL, NULL, NULL);

		if (p > 0)
			exec_wait(p, 0, NULL);
	}
	if (rmdir(mnt) != 0)
		fprintf(stderr, "sopsfs exec: cannot remove %s: %s\n", mnt, strerror(errno));
}

static int run(const struct exec_args *a)
{
	const char *rt = getenv("XDG_RUNTIME_DIR"), *tmp = getenv("TMPDIR");
	char mnt[PATH_MAX];
	pid_t daemon, cmd;
	int rc = EX_ERROR, st = 0, reaped = 0, ns;

	ns = private_namespace();
	snprintf(mnt, sizeof(mnt), "%s/sopsfs-exec.XXXXXX",
		 !ns && rt && rt[0] == '/' ? rt : tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(mnt) == NULL) {
		fprintf(stderr, "sopsfs exec: cannot make a mount point: %s\n", strerror(errno));
		return EX_ERROR;
	}
	daemon = start_daemon(a, mnt);
	if (daemon < 0) {
		rmdir(mnt);
		return EX_ERROR;
	}
	if (wait_mounted(daemon, mnt) != 0) {
		reaped = kill(daemon, 0) != 0;
		stop_daemon(daemon, mnt, reaped);
		return EX_ERROR;
	}
	cmd = exec_spawn(a->cmd, NULL, NULL, mnt);
	if (cmd > 0) {
		rc = exec_wait(cmd, daemon, &st);
		if (rc == -2) {
			reaped = 1;
			fprintf(stderr, "sopsfs exec: the mount daemon exited before the command\n");
			rc = exec_wait(cmd, 0, NULL);
		}
	}
	stop_daemon(daemon, mnt, reaped);
	return rc;
}

int cli_exec(int argc, char **argv)
{
	struct exec_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	buf_init(&a.opts, 0);
	rc = parse_args(argc, argv, &a);
	if (rc == 0) {
		exec_signals_setup();
		rc = run(&a);
	}
	buf_free(&a.opts);
	return rc < 0 ? 0 : rc;
}
