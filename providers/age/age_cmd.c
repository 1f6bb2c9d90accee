/* age_cmd.c - running SOPS_AGE_KEY_CMD / SOPS_AGE_SSH_PRIVATE_KEY_CMD.
 *
 * As sops does (age/keysource.go getOutputFromCmd): the command line is
 * split like google/shlex (no shell), the program is run directly with the
 * caller's environment plus SOPS_AGE_RECIPIENT, stdin is /dev/null, stderr
 * is inherited, and stdout (the keys) is captured into locked memory.
 * The splitter is written by hand (no C library implements shlex's rules).
 */
#include "age_provider.h"
#include "../../common/may_block.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct words {
	char **v;
	size_t n;
	struct buf cur;
	int in_word;
};

static int word_end(struct words *w)
{
	char **nv = realloc(w->v, (w->n + 2) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	w->v = nv;
	w->v[w->n] = strndup(w->cur.data ? (char *)w->cur.data : "", w->cur.len);
	if (w->v[w->n] == NULL)
		return -1;
	w->v[++w->n] = NULL;
	buf_truncate(&w->cur, 0);
	w->in_word = 0;
	return 0;
}

/* One character outside quotes; *p advanced past what was consumed. */
static int lex_plain(struct words *w, const char **p, const char **why)
{
	char c = **p;

	if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
		(*p)++;
		return w->in_word ? word_end(w) : 0;
	}
	if (c == '#' && !w->in_word) {
		while (**p != '\0' && **p != '\n')
			(*p)++;
		return 0;
	}
	w->in_word = 1;
	if (c == '\\') {
		if ((*p)[1] == '\0') {
			*why = "EOF found after escape character";
			return -1;
		}
		(*p)++;
		c = **p;
	}
	(*p)++;
	return buf_addc(&w->cur, c);
}

/* A quoted section starting at **p (a ' or "). */
static int lex_quoted(struct words *w, const char **p, const char **why)
{
	char q = **p;

	w->in_word = 1;
	for ((*p)++; **p != q; (*p)++) {
		if (**p == '\0') {
			*why = "EOF found when expecting closing quote";
			return -1;
		}
		if (q == '"' && **p == '\\') {
			(*p)++;
			if (**p == '\0') {
				*why = "EOF found after escape character";
				return -1;
			}
		}
		if (buf_addc(&w->cur, **p) != 0)
			return -1;
	}
	(*p)++;
	return 0;
}

int age_shlex_split(const char *s, char ***argv, size_t *argc, const char **why)
{
	struct words w = { NULL, 0, BUF_INIT, 0 };
	const char *p = s;
	int rc = 0;

	*why = "out of memory";
	while (*p != '\0' && rc == 0)
		rc = (*p == '\'' || *p == '"') ? lex_quoted(&w, &p, why) : lex_plain(&w, &p, why);
	if (rc == 0 && w.in_word)
		rc = word_end(&w);
	if (rc == 0 && w.v == NULL && (w.v = calloc(1, sizeof(*w.v))) == NULL)
		rc = -1;
	buf_free(&w.cur);
	if (rc != 0) {
		age_shlex_free(w.v);
		return -1;
	}
	*argv = w.v;
	*argc = w.n;
	return 0;
}

void age_shlex_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* environ without SOPS_AGE_RECIPIENT, plus SOPS_AGE_RECIPIENT=recipient. */
static char **child_env(const char *recipient, char **owned)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 2, sizeof(*env));
	*owned = malloc(strlen("SOPS_AGE_RECIPIENT=") + strlen(recipient) + 1);
	if (env == NULL || *owned == NULL) {
		free(env);
		free(*owned);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "SOPS_AGE_RECIPIENT=", 19) != 0)
			env[k++] = environ[i];
	sprintf(*owned, "SOPS_AGE_RECIPIENT=%s", recipient);
	env[k] = *owned;
	return env;
}

/* Go's lowercase syscall error text ("no such file or directory"). */
static void go_errno(int e, char *out, size_t cap)
{
	snprintf(out, cap, "%s", strerror(e));
	if (out[0] != '\0')
		out[0] = (char)tolower((unsigned char)out[0]);
}

static int spawn(char **argv, char **env, int out_fd, pid_t *pid, char *why, size_t cap)
{
	posix_spawn_file_actions_t fa;
	int e;

	if (posix_spawn_file_actions_init(&fa) != 0) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	may_block();                    /* a plugin may take its time */
	e = posix_spawnp(pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (e == 0)
		return 0;
	if (strchr(argv[0], '/') == NULL && e == ENOENT) {
		snprintf(why, cap, "exec: \"%s\": executable file not found in $PATH", argv[0]);
	} else {
		char t[128];

		go_errno(e, t, sizeof(t));
		snprintf(why, cap, "fork/exec %s: %s", argv[0], t);
	}
	return -1;
}

/* Read fd to EOF into out. */
static int read_all(int fd, struct buf *out)
{
	for (;;) {
		ssize_t r;

		if (buf_reserve(out, 4096) != 0)
			return -1;
		r = read(fd, out->data + out->len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		out->len += (size_t)r;
		out->data[out->len] = '\0';
	}
}

/* Wait for the child; "exit status N" / "signal: killed" like Go. */
static int wait_child(pid_t pid, char *why, size_t cap)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			go_errno(errno, why, cap);
			return -1;
		}
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		snprintf(why, cap, "exit status %d", WEXITSTATUS(st));
	else {
		char t[64];

		snprintf(t, sizeof(t), "%s", strsignal(WTERMSIG(st)));
		t[0] = (char)tolower((unsigned char)t[0]);
		snprintf(why, cap, "signal: %s", t);
	}
	return -1;
}

static int run(char **argv, const char *recipient, struct buf *out, char *why, size_t cap)
{
	char *owned = NULL, **env = child_env(recipient, &owned);
	int fds[2] = { -1, -1 }, rc = -1;
	pid_t pid;

	if (env == NULL || pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(why, cap, "out of resources");
		goto out;
	}
	if (spawn(argv, env, fds[1], &pid, why, cap) != 0)
		goto out;
	close(fds[1]);
	fds[1] = -1;
	if (read_all(fds[0], out) != 0)
		snprintf(why, cap, "read error");
	else
		rc = 0;
	if (wait_child(pid, why, cap) != 0)
		rc = -1;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(env);
	free(owned);
	return rc;
}

int age_run_key_cmd(const char *cmdline, const char *recipient, struct buf *out,
		    struct sops_err *err)
{
	char **argv = NULL, why[512];
	const char *lexwhy = NULL;
	size_t argc = 0;
	size_t start = out->len;

	if (age_shlex_split(cmdline, &argv, &argc, &lexwhy) != 0)
		return err_set(err, EX_ERROR, "failed to parse command %s: %s", cmdline, lexwhy);
	if (argc == 0) {
		age_shlex_free(argv);
		return err_set(err, EX_ERROR, "failed to parse command %s: empty command", cmdline);
	}
	if (run(argv, recipient, out, why, sizeof(why)) != 0) {
		age_shlex_free(argv);
		buf_truncate(out, start);
		return err_set(err, EX_ERROR, "failed to execute command %s: %s", cmdline, why);
	}
	age_shlex_free(argv);
	return 0;
}
