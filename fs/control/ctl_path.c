/* ctl_path.c - the control socket's path (see ctl_path.h). */
#include "ctl_path.h"
#include "../../crypto/hash.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ctl_mount_path(const char *mnt, char *out, size_t size)
{
	char buf[PATH_MAX], cwd[PATH_MAX];
	size_t n;

	if (realpath(mnt, buf) == NULL) {
		/* another user cannot stat a FUSE mount: use the name as given */
		int w;

		if (mnt[0] == '/')
			w = snprintf(buf, sizeof(buf), "%s", mnt);
		else if (getcwd(cwd, sizeof(cwd)) != NULL)
			w = snprintf(buf, sizeof(buf), "%s/%s", cwd, mnt);
		else
			return -errno;
		if (w < 0 || (size_t)w >= sizeof(buf))
			return -ENAMETOOLONG;
		n = strlen(buf);
		while (n > 1 && buf[n - 1] == '/')
			buf[--n] = '\0';
	}
	if (strlen(buf) >= size)
		return -ENAMETOOLONG;
	strcpy(out, buf);
	return 0;
}

static int base_dir(char *out, size_t size)
{
	const char *d = getenv("SOPSFS_RUNTIME_DIR");
	char run[64];
	struct stat st;

	if (d == NULL || d[0] != '/')
		d = getenv("XDG_RUNTIME_DIR");
	if (d == NULL || d[0] != '/') {
		snprintf(run, sizeof(run), "/run/user/%u", (unsigned)getuid());
		if (stat(run, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid())
			d = run;
		else if (getuid() == 0)
			d = "/run";
		else {
			snprintf(run, sizeof(run), "/tmp/sopsfs-%u", (unsigned)getuid());
			return snprintf(out, size, "%s", run) < (int)size ? 0 : -ENAMETOOLONG;
		}
	}
	return snprintf(out, size, "%s/sopsfs", d) < (int)size ? 0 : -ENAMETOOLONG;
}

/* The directory exists (made if create), is ours and 0700. */
static int check_dir(const char *dir, int create)
{
	struct stat st;

	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) != 0)
		return -errno;
	/* root may talk to any user's mount (SOPSFS_RUNTIME_DIR=/run/user/UID) */
	if (!S_ISDIR(st.st_mode) || (st.st_uid != getuid() && (create || getuid() != 0)) ||
	    (st.st_mode & 077) != 0)
		return -EPERM;
	return 0;
}

int ctl_socket_path(const char *mnt_abs, int create, char *out, size_t size)
{
	char dir[PATH_MAX];
	uint8_t h[32];
	int rc = base_dir(dir, sizeof(dir));

	if (rc != 0)
		return rc;
	if ((rc = check_dir(dir, create)) != 0)
		return rc;
	sha256((const uint8_t *)mnt_abs, strlen(mnt_abs), h);
	if (snprintf(out, size, "%s/%02x%02x%02x%02x%02x%02x%02x%02x.sock", dir, h[0], h[1], h[2],
		     h[3], h[4], h[5], h[6], h[7]) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}
