/* cmd_status.c - `sopsfs status MNT`: ask a mount's daemon what it holds,
 * through its control socket (fs/control/, docs/control.md). Also the
 * request helper `sopsfs lock` uses. */
#include "cli.h"
#include "../fs/control/ctl_path.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_to(const char *mnt)
{
	char abs[PATH_MAX], path[PATH_MAX];
	struct sockaddr_un sa;
	int rc = ctl_mount_path(mnt, abs, sizeof(abs)), fd;

	if (rc == 0)
		rc = ctl_socket_path(abs, 0, path, sizeof(path));
	if (rc != 0) {
		fprintf(stderr, "sopsfs: no control socket for %s: %s\n", mnt,
			rc == -EPERM ? "its directory is not yours (only the mounting user "
				       "and root can use it)" : strerror(-rc));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sopsfs: control socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "sopsfs: %s is not a sopsfs mount of yours (%s: %s)\n", mnt, path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int cli_ctl_request(const char *mnt, const char *cmd)
{
	char buf[4096];
	size_t got = 0;
	int fd = connect_to(mnt), ok = -1;
	ssize_t n;

	if (fd < 0)
		return 1;
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "sopsfs: %s: %s\n", mnt, strerror(errno));
		close(fd);
		return 1;
	}
	/* first line "ok" or "error: ...", then the body */
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		const char *p = buf;
		size_t len = (size_t)n;

		if (got == 0) {
			ok = n >= 3 && memcmp(buf, "ok\n", 3) == 0;
			if (ok) {
				p += 3;
				len -= 3;
			}
		}
		got += (size_t)n;
		fwrite(p, 1, len, ok ? stdout : stderr);
	}
	close(fd);
	if (ok != 1 && got == 0)
		fprintf(stderr, "sopsfs: %s: no answer from the daemon\n", mnt);
	return ok == 1 ? 0 : 1;
}

int cli_status(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: sopsfs status MNT\n", stderr);
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : EX_INVALID_ARGS;
	}
	return cli_ctl_request(argv[1], "status");
}
