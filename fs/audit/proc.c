/* proc.c - who is asking: a process's comm, executable and command line
 * from /proc, as JSON fields of an audit line (arguments holding a guarded
 * secret value are redacted). */
#include "proc.h"
#include "../guard/guard.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CMDLINE_MAX 4096

void json_str(struct buf *b, const char *s, size_t n)
{
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_adds(b, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\u%04x", c);    /* bytes as Latin-1: always valid */
		else
			buf_addc(b, (char)c);
	}
	buf_addc(b, '"');
}

static ssize_t read_proc(pid_t pid, const char *what, char *out, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, out, size);
	close(fd);
	return n;
}

void proc_describe(struct sopsfs *fs, pid_t pid, struct buf *b)
{
	char comm[64], exe[PATH_MAX], cmd[CMDLINE_MAX];
	ssize_t n;

	if (pid <= 0)
		return;
	n = read_proc(pid, "comm", comm, sizeof(comm));
	if (n > 0) {
		buf_adds(b, ",\"comm\":");
		json_str(b, comm, (size_t)n - (comm[n - 1] == '\n'));
	}
	snprintf(cmd, sizeof(cmd), "/proc/%d/exe", (int)pid);
	n = readlink(cmd, exe, sizeof(exe));
	if (n > 0) {
		buf_adds(b, ",\"exe\":");
		json_str(b, exe, (size_t)n);
	}
	n = read_proc(pid, "cmdline", cmd, sizeof(cmd));
	if (n <= 0)
		return;
	buf_adds(b, ",\"cmdline\":[");
	for (size_t at = 0, first = 1; at < (size_t)n; first = 0) {
		size_t len = strnlen(cmd + at, (size_t)n - at);

		if (!first)
			buf_addc(b, ',');
		if (guard_contains(fs, cmd + at, len))
			buf_adds(b, "\"[redacted]\"");
		else
			json_str(b, cmd + at, len);
		at += len + 1;
	}
	buf_addc(b, ']');
	explicit_bzero(cmd, sizeof(cmd));
}
