/* audit.c - JSON lines of who decrypted, committed, leaked or unwrapped
 * what, appended to a file (O_APPEND, fsync'ed every second) or syslog.
 * See audit.h. */
#include "audit.h"
#include "proc.h"
#include "../fuse/sopsfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

struct audit {
	pthread_mutex_t mu;
	char *path;                  /* NULL: syslog */
	int fd;
	int required;
	int broken;                  /* the last write failed */
	int warned;
	int dirty;                   /* written since the last fsync */
};

struct audit *audit_open(const char *spec, int required)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	pthread_mutex_init(&a->mu, NULL);
	a->fd = -1;
	a->required = required;
	if (strcmp(spec, "syslog") != 0 && (a->path = strdup(spec)) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0) {
		fsync(a->fd);
		close(a->fd);
	}
	pthread_mutex_destroy(&a->mu);
	free(a->path);
	free(a);
}

/* Write one line (mu held). 0 or -errno. */
static int put_line(struct audit *a, const char *line, size_t n)
{
	ssize_t w;

	if (a->path == NULL) {
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%.*s", (int)n - 1, line);
		return 0;
	}
	if (a->fd < 0)
		a->fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (a->fd < 0)
		return -errno;
	w = write(a->fd, line, n);
	if (w == (ssize_t)n) {
		a->dirty = 1;
		return 0;
	}
	return w < 0 ? -errno : -EIO;
}

static void report(struct audit *a, int rc)
{
	if (rc != 0 && !a->broken && !a->warned) {
		sopsfs_log("warning: the audit log %s cannot be written (%s): events are lost%s",
			   a->path, strerror(-rc),
			   a->required ? "; opens that decrypt are refused (audit_required)" : "");
		a->warned = 1;
	} else if (rc == 0 && a->broken) {
		sopsfs_log("the audit log %s can be written again", a->path);
		a->warned = 0;
	}
	a->broken = rc != 0;
}

static void stamp(struct buf *b)
{
	struct timespec ts;
	struct tm tm;
	char t[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "{\"time\":\"%s.%06ldZ\"", t, ts.tv_nsec / 1000);
}

void audit_event_from(struct sopsfs *fs, pid_t pid, uid_t uid, const char *event,
		      const char *path, const char *key, const char *val)
{
	struct audit *a = fs->audit;
	struct buf b = BUF_INIT;
	int rc;

	if (a == NULL)
		return;
	stamp(&b);
	buf_printf(&b, ",\"event\":\"%s\",\"uid\":%u,\"pid\":%d", event, (unsigned)uid, (int)pid);
	proc_describe(fs, pid, &b);
	if (path != NULL) {
		buf_adds(&b, ",\"path\":");
		json_str(&b, path, strlen(path));
	}
	if (key != NULL && val != NULL) {
		buf_printf(&b, ",\"%s\":", key);
		json_str(&b, val, strcspn(val, "\n"));   /* first line of a reason */
	}
	buf_adds(&b, "}\n");
	if (b.data == NULL) {
		buf_free(&b);
		return;
	}
	pthread_mutex_lock(&a->mu);
	rc = put_line(a, (const char *)b.data, b.len);
	report(a, rc);
	pthread_mutex_unlock(&a->mu);
	buf_free(&b);
}

void audit_event(struct sopsfs *fs, const char *event, const char *path,
		 const char *key, const char *val)
{
	struct fuse_context *ctx = fuse_get_context();

	if (fs->audit == NULL)
		return;
	audit_event_from(fs, ctx ? ctx->pid : getpid(), ctx ? ctx->uid : getuid(), event, path,
			 key, val);
}

int audit_decrypt_open(struct sopsfs *fs, const char *path)
{
	struct audit *a = fs->audit;
	int refuse;

	if (a == NULL)
		return 0;
	audit_event(fs, "decrypt-open", path, NULL, NULL);
	pthread_mutex_lock(&a->mu);
	refuse = a->required && a->broken;
	pthread_mutex_unlock(&a->mu);
	return refuse ? -EACCES : 0;
}

void audit_sync(struct sopsfs *fs)
{
	struct audit *a = fs->audit;

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	if (a->dirty && a->fd >= 0) {
		report(a, fsync(a->fd) == 0 ? 0 : -errno);
		a->dirty = 0;
	}
	pthread_mutex_unlock(&a->mu);
}

const char *audit_target(const struct audit *a, int *broken)
{
	*broken = a->broken;
	return a->path ? a->path : "syslog";
}
