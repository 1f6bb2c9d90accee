/* exec_run.c - fork/exec/wait for the exec commands with sops' behaviour:
 * the command's exit status becomes ours, signals sent to us are passed on. */
#include "exec_run.h"
#include "cli.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static sigset_t saved_mask;
static struct rlimit saved_core;
static int have_saved;

static void fwd_set(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGHUP);
	sigaddset(s, SIGQUIT);
	sigaddset(s, SIGCHLD);
}

void exec_signals_setup(void)
{
	sigset_t s;
	struct rlimit none = { 0, 0 };

	fwd_set(&s);
	sigprocmask(SIG_BLOCK, &s, &saved_mask);
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_CORE, &saved_core) == 0) {
		have_saved = 1;
		setrlimit(RLIMIT_CORE, &none);
	}
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int exec_user_lookup(const char *name, struct exec_user *u)
{
	struct passwd *pw = getpwnam(name);
	char *end;

	memset(u, 0, sizeof(*u));
	if (pw == NULL) {
		unsigned long id = strtoul(name, &end, 10);

		if (name[0] != '\0' && *end == '\0')
			pw = getpwuid((uid_t)id);
	}
	if (pw == NULL) {
		fprintf(stderr, "user: unknown user %s\n", name);
		return -1;
	}
	u->set = 1;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir);
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	u->ngroups = (int)(sizeof(u->groups) / sizeof(u->groups[0]));
	if (getgrouplist(pw->pw_name, pw->pw_gid, u->groups, &u->ngroups) < 0) {
		u->groups[0] = pw->pw_gid;
		u->ngroups = 1;
	}
	return 0;
}

int exec_child_prepare(const struct exec_user *u)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGPIPE };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	if (have_saved) {
		setrlimit(RLIMIT_CORE, &saved_core);
		sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	} else {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	if (u == NULL || !u->set)
		return 0;
	if (setgroups((size_t)u->ngroups, u->groups) != 0 || setgid(u->gid) != 0 ||
	    setuid(u->uid) != 0) {
		fprintf(stderr, "sopsfs: cannot switch to user %s: %s\n", u->name, strerror(errno));
		return -1;
	}
	return 0;
}

pid_t exec_spawn(char *const argv[], char *const envp[], const struct exec_user *u,
		 const char *cwd)
{
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "sopsfs: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;
	if (exec_child_prepare(u) != 0)
		_exit(126);
	if (cwd != NULL && chdir(cwd) != 0) {
		fprintf(stderr, "sopsfs: chdir %s: %s\n", cwd, strerror(errno));
		_exit(126);
	}
	if (envp != NULL)
		environ = (char **)envp;
	execvp(argv[0], argv);
	fprintf(stderr, "sopsfs: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

int exec_wait(pid_t pid, pid_t other_pid, int *other_status)
{
	sigset_t s;
	siginfo_t si;
	int st;

	fwd_set(&s);
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return status_code(st);
		if (w < 0 && errno != EINTR)
			return 1;
		if (other_pid > 0 && waitpid(other_pid, &st, WNOHANG) == other_pid) {
			*other_status = st;
			return -2;
		}
		if (sigwaitinfo(&s, &si) < 0)
			continue;
		/* Ctrl-C from a terminal (si_code SI_KERNEL) already reached the
		 * child through the process group; pass on what was sent to us. */
		if (si.si_signo != SIGCHLD && si.si_code <= 0)
			kill(pid, si.si_signo);
	}
}
