/* exec_run.h - running a child command for exec-env, exec-file and exec:
 * optional user switch, signal forwarding, the child's exit status as ours. */
#ifndef SOPSFS_EXEC_RUN_H
#define SOPSFS_EXEC_RUN_H

#include <signal.h>
#include <sys/types.h>

int cli_exec_env(int argc, char **argv);
int cli_exec_file(int argc, char **argv);
int cli_exec(int argc, char **argv);

/* A user to run the command as (--user). */
struct exec_user {
	int set;
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
	char home[512], name[256];
};

/* Resolve NAME (or a numeric uid); prints sops-like errors. Returns 0/-1. */
int exec_user_lookup(const char *name, struct exec_user *u);

/* Block SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGCHLD (call before the first
 * fork so a signal that arrives early is not lost); ignore SIGPIPE. Also
 * keeps our core dumps off; the child gets its limits back. */
void exec_signals_setup(void);

/* In a child after fork: default signal handling and mask back, core limit
 * back, user switched when u->set. Returns 0, or -1 (message printed). */
int exec_child_prepare(const struct exec_user *u);

/* fork + exec: argv[0] looked up in PATH; envp NULL = our environment; cwd
 * NULL = ours; newpgrp: the child leads its own process group. Returns the
 * pid or -1. */
pid_t exec_spawn(char *const argv[], char *const envp[], const struct exec_user *u,
		 const char *cwd);

/* Wait for pid, forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to us by a
 * process (kill; a terminal's Ctrl-C already reaches the whole process
 * group). Returns the exit code to use: the child's status, 128+N when it
 * was killed by signal N. If other_pid > 0 and it exits first, *other_status
 * receives its wait status and -2 is returned (pid still running). */
int exec_wait(pid_t pid, pid_t other_pid, int *other_status);

#endif
