/* azkv_cli.c - the Azure CLI credential: run
 *   az account get-access-token --output json --resource <resource> [--tenant T]
 * (no shell; `az` looked up on PATH) and read accessToken and expires_on
 * (or the older local-time expiresOn) from its JSON answer, as azidentity's
 * AzureCLICredential does. The answer goes to locked memory; az's stderr is
 * kept only for the first line of an error. Bounded by 10 seconds.
 */
#include "azkv.h"
#include "../net/json.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define AZ_TIMEOUT_MS 10000
#define AZ_OUT_MAX (64 * 1024)

static int az_on_path(void)
{
	const char *path = getenv("PATH");
	char cand[4096];

	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");

		if (n > 0 && n + 4 < sizeof(cand)) {
			snprintf(cand, sizeof(cand), "%.*s/az", (int)n, path);
			if (access(cand, X_OK) == 0)
				return 1;
		}
		path += n + (path[n] == ':');
	}
	return 0;
}

/* Read both pipes until EOF or deadline. */
static int collect(int outfd, int errfd, struct buf *out, struct buf *errb)
{
	struct pollfd p[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	struct timespec t0, t;
	char chunk[1024];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long spent;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= AZ_TIMEOUT_MS)
			return -1;
		r = poll(p, 2, (int)(AZ_TIMEOUT_MS - spent));
		if (r < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < 2 && r > 0; i++) {
			ssize_t n;

			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			if (i == 0 && (out->len + (size_t)n > AZ_OUT_MAX || buf_add(out, chunk, (size_t)n)))
				return -1;
			if (i == 1 && errb->len < 4096)
				buf_add(errb, chunk, (size_t)n);
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	return 0;
}

static time_t parse_expiry(const struct buf *js)
{
	long long ll = 0;
	struct buf s = BUF_INIT;
	struct tm tm;
	time_t t = 0;

	if (njson_get_ll(js->data, js->len, "expires_on", &ll) == 0 && ll > 0)
		return (time_t)ll;
	if (njson_get(js->data, js->len, "expiresOn", &s) == 0 && s.data != NULL) {
		memset(&tm, 0, sizeof(tm));
		if (strptime((char *)s.data, "%Y-%m-%d %H:%M:%S", &tm) != NULL) {
			tm.tm_isdst = -1;
			t = mktime(&tm);
		}
	}
	buf_free(&s);
	return t > 0 ? t : time(NULL) + 300;
}

static int spawn_az(const char *resource, const char *tenant, int fds[2][2], pid_t *pid)
{
	char *argv[] = { "az", "account", "get-access-token", "--output", "json", "--resource",
			 (char *)resource, tenant ? "--tenant" : NULL, (char *)tenant, NULL };
	posix_spawn_file_actions_t fa;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	posix_spawn_file_actions_adddup2(&fa, fds[0][1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1][1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(pid, "az", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? 0 : -1;
}

int azkv_cli_token(const char *resource, const char *tenant, struct buf *tok,
		   time_t *expires, struct sops_err *err)
{
	int fds[2][2] = { { -1, -1 }, { -1, -1 } }, status = 0, rc = -1;
	struct buf out = BUF_INIT_SECURE, errb = BUF_INIT;
	pid_t pid = -1;
	int timed_out = 0;

	if (!az_on_path()) {
		err_set(err, EX_ERROR, "Azure CLI not found on path");
		return 1;
	}
	if (tenant != NULL && tenant[0] == '\0')
		tenant = NULL;
	if (pipe2(fds[0], O_CLOEXEC) != 0 || pipe2(fds[1], O_CLOEXEC) != 0 ||
	    spawn_az(resource, tenant, fds, &pid) != 0) {
		err_set(err, EX_ERROR, "cannot run az");
		goto out;
	}
	close(fds[0][1]);
	close(fds[1][1]);
	fds[0][1] = fds[1][1] = -1;
	if (collect(fds[0][0], fds[1][0], &out, &errb) != 0) {
		kill(pid, SIGKILL);
		timed_out = 1;
		err_set(err, EX_ERROR, "az account get-access-token did not answer within %d s",
			AZ_TIMEOUT_MS / 1000);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		size_t n = errb.len ? strcspn((char *)errb.data, "\n") : 0;

		err_set(err, EX_ERROR, "az account get-access-token failed: %.*s",
			(int)(n > 300 ? 300 : n), n ? (char *)errb.data : "(no message)");
		goto out;
	}
	if (njson_get(out.data, out.len, "accessToken", tok) != 0 || tok->len == 0) {
		err_set(err, EX_ERROR, "az account get-access-token gave no accessToken");
		goto out;
	}
	*expires = parse_expiry(&out);
	rc = 0;
out:
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if (fds[i][j] >= 0)
				close(fds[i][j]);
	buf_free(&out);
	buf_free(&errb);
	return rc;
}
