/* atomic_write.c - temp + fsync + renameat + fsync(dir), keeping the
 * target's mode, owner and xattrs. */
#include "atomic_write.h"
#include <sys/random.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy user.* / security.* / trusted.* xattrs of src to dst (best effort:
 * a failure to read the list is not an error, a failure to set is). */
static int copy_xattrs(int src, int dst)
{
	char list[4096], val[4096];
	ssize_t n = flistxattr(src, list, sizeof(list));

	if (n <= 0)
		return 0;
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t vl = fgetxattr(src, k, val, sizeof(val));

		if (vl < 0)
			continue;
		if (fsetxattr(dst, k, val, (size_t)vl, 0) != 0 && errno != ENOTSUP &&
		    errno != EPERM)
			return -1;
	}
	return 0;
}

static int make_temp(int dirfd, const char *name, char *tmp, size_t tmpsz, mode_t mode)
{
	unsigned char rnd[6];

	for (int tries = 0; tries < 16; tries++) {
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -1;
		snprintf(tmp, tmpsz, "%s%.40s.%02x%02x%02x%02x%02x%02x", ATOMIC_TMP_PREFIX, name,
			 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    mode & 07777);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int atomic_replace_at(int dirfd, const char *name, const void *data, size_t len,
		      mode_t mode, struct sops_err *err)
{
	char tmp[128];
	struct stat st;
	int have = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	int fd, old = -1, saved;

	if (have)
		mode = st.st_mode;
	fd = make_temp(dirfd, name, tmp, sizeof(tmp), mode & 0600 ? mode : 0600);
	if (fd < 0)
		return err_set(err, EX_COULD_NOT_WRITE, "could not create a temporary file next "
			       "to %s: %s", name, strerror(errno));
	if (write_all(fd, data, len) != 0)
		goto fail;
	if (have) {
		old = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fchmod(fd, st.st_mode & 07777) != 0)
			goto fail;
		if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		    fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM)
			goto fail;
		if (old >= 0 && copy_xattrs(old, fd) != 0)
			goto fail;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) != 0)
		goto fail;
	if (old >= 0)
		close(old);
	fsync(dirfd);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (old >= 0)
		close(old);
	unlinkat(dirfd, tmp, 0);
	return err_set(err, EX_COULD_NOT_WRITE, "could not write %s: %s", name, strerror(saved));
}

int atomic_replace_path(const char *path, const void *data, size_t len, struct sops_err *err)
{
	char *d1 = strdup(path), *d2 = strdup(path);
	int dirfd, rc;

	if (d1 == NULL || d2 == NULL) {
		free(d1);
		free(d2);
		return err_set(err, EX_ERROR, "out of memory");
	}
	dirfd = open(dirname(d1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rc = err_set(err, EX_COULD_NOT_WRITE, "could not open the directory of %s: %s",
			     path, strerror(errno));
	} else {
		rc = atomic_replace_at(dirfd, basename(d2), data, len, 0600, err);
		close(dirfd);
	}
	free(d1);
	free(d2);
	return rc;
}
