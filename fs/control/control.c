/* control.c - the control socket's server thread (see control.h). */
#include "control.h"
#include "ctl_path.h"
#include "status.h"
#include "../fuse/sopsfs.h"
#include "../../common/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct control {
	struct sopsfs *fs;
	int lfd;
	int stop[2];                 /* a pipe: written to stop the thread */
	char path[PATH_MAX];
	pthread_t th;
};

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Read one command line (a short timeout: a client that says nothing is
 * dropped). */
static int read_cmd(int fd, char *cmd, size_t size)
{
	size_t n = 0;

	while (n + 1 < size) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&p, 1, 2000) <= 0)
			return -1;
		r = recv(fd, cmd + n, size - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(cmd, '\n', n) != NULL)
			break;
	}
	cmd[n] = '\0';
	cmd[strcspn(cmd, "\r\n")] = '\0';
	return 0;
}

static void serve(struct control *c, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char cmd[64];
	struct buf out = BUF_INIT;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
	    (cr.uid != getuid() && cr.uid != 0)) {
		send_all(fd, "error: permission denied\n", 25);
		sopsfs_log("control: refused a connection from another user");
		return;
	}
	if (read_cmd(fd, cmd, sizeof(cmd)) != 0)
		return;
	if (strcmp(cmd, "status") == 0) {
		buf_adds(&out, "ok\n");
		status_write(c->fs, &out);
	} else if (strcmp(cmd, "lock") == 0) {
		size_t keys = keycache_count(c->fs->keys);

		sopsfs_wipe(c->fs, cr.pid, cr.uid, "lock");
		buf_printf(&out, "ok\nwiped: %zu keys, every view and clean draft; dirty drafts "
			   "stay until committed or dropped\n", keys);
	} else {
		buf_adds(&out, "error: unknown command (status, lock)\n");
	}
	if (out.data != NULL)
		send_all(fd, (const char *)out.data, out.len);
	buf_free(&out);
}

static void *loop(void *arg)
{
	struct control *c = arg;

	for (;;) {
		struct pollfd p[2] = { { c->lfd, POLLIN, 0 }, { c->stop[0], POLLIN, 0 } };
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve(c, fd);
		close(fd);
	}
	return NULL;
}

static int listen_at(struct control *c)
{
	struct sockaddr_un sa;
	mode_t old;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, c->path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->lfd < 0)
		return -errno;
	unlink(c->path);                /* a socket left by a daemon that died */
	old = umask(077);
	rc = bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
	umask(old);
	if (rc == 0 && chmod(c->path, 0600) != 0)
		rc = -errno;
	if (rc == 0 && listen(c->lfd, 8) != 0)
		rc = -errno;
	return rc;
}

struct control *control_start(struct sopsfs *fs)
{
	struct control *c = calloc(1, sizeof(*c));
	char mnt[PATH_MAX];
	int rc;

	if (c == NULL)
		return NULL;
	c->fs = fs;
	c->lfd = c->stop[0] = c->stop[1] = -1;
	rc = ctl_mount_path(fs->o.mnt, mnt, sizeof(mnt));
	if (rc == 0)
		rc = ctl_socket_path(mnt, 1, c->path, sizeof(c->path));
	if (rc == 0)
		rc = listen_at(c);
	if (rc == 0 && pipe2(c->stop, O_CLOEXEC) != 0)
		rc = -errno;
	if (rc == 0 && pthread_create(&c->th, NULL, loop, c) != 0)
		rc = -EAGAIN;
	if (rc != 0) {
		sopsfs_log("warning: no control socket (%s%s%s): sopsfs status/lock will not "
			   "work; SIGUSR1 still wipes the keys", c->path[0] ? c->path : "",
			   c->path[0] ? ": " : "", strerror(-rc));
		if (c->lfd >= 0) {
			close(c->lfd);
			unlink(c->path);
		}
		if (c->stop[0] >= 0) {
			close(c->stop[0]);
			close(c->stop[1]);
		}
		free(c);
		return NULL;
	}
	return c;
}

void control_stop(struct control *c)
{
	if (c == NULL)
		return;
	if (write(c->stop[1], "x", 1) == 1)
		pthread_join(c->th, NULL);
	close(c->lfd);
	unlink(c->path);
	close(c->stop[0]);
	close(c->stop[1]);
	free(c);
}
