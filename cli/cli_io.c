/* cli_io.c - small I/O helpers shared by the CLI commands. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_read_file(const char *path, struct buf *b, struct sops_err *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, EX_COULD_NOT_READ, "Error reading file: open %s: %s", path,
			       strerror(errno));
	for (;;) {
		ssize_t n;

		if (buf_reserve(b, 65536) != 0) {
			if (fd != STDIN_FILENO)
				close(fd);
			return err_set(err, EX_COULD_NOT_READ, "Error reading file %s: out of memory",
				       path);
		}
		n = read(fd, b->data + b->len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			if (fd != STDIN_FILENO)
				close(fd);
			return err_set(err, EX_COULD_NOT_READ, "Error reading file %s: %s", path,
				       strerror(e));
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (b->data == NULL)
		buf_reserve(b, 0);
	return 0;
}

int cli_fail(const struct sops_err *err)
{
	fprintf(stderr, "%s\n", err->msg);
	return err->code ? err->code : 1;
}
