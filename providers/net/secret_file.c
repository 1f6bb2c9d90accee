/* secret_file.c - credential files and helper commands into locked memory
 * (see secret_file.h). */
#include "secret_file.h"
#include "../../common/secure_mem.h"
#include "../../common/may_block.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int read_fd(int fd, size_t max, struct buf *out)
{
	uint8_t chunk[1024];
	size_t total = 0;
	ssize_t n;
	int rc = 0;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		total += (size_t)n;
		if (total > max || buf_add(out, chunk, (size_t)n) != 0) {
			errno = EFBIG;
			rc = -1;
			break;
		}
	}
	sm_wipe(chunk, sizeof(chunk));
	return rc;
}

int secret_file_read(const char *path, size_t max, int trim, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = read_fd(fd, max, out);
	close(fd);
	while (rc == 0 && trim && out->len > 0 &&
	       (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r' ||
		out->data[out->len - 1] == ' '))
		buf_truncate(out, out->len - 1);
	return rc;
}

int secret_cmd_output(const char *cmd, size_t max, struct buf *out)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int p[2], st = 0, rc;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	may_block();                    /* a helper command may take its time */
	rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		errno = rc;
		return -1;
	}
	rc = read_fd(p[0], max, out);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int home_path(const char *rel, struct buf *out)
{
	const char *h = getenv("HOME");

	if (h == NULL || *h == '\0') {
		struct passwd *pw = getpwuid(getuid());

		h = pw ? pw->pw_dir : NULL;
	}
	if (h == NULL)
		return -1;
	return buf_printf(out, "%s/%s", h, rel);
}
