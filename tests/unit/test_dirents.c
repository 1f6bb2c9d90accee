/* test_dirents.c - reading a directory with getdents64 (common/dirents.c):
 * every entry comes once, "." and ".." included, across several refills
 * of the buffer; types are those of the entries; a bad descriptor is
 * refused with EBADF; the end of a listing leaves errno 0. */
#include "check.h"
#include "../../common/dirents.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NFILES 1500     /* names of ~60 bytes: over five 16 KiB refills */

static char dir[] = "/tmp/sopsfs-dirents-XXXXXX";

static void path_of(char *out, size_t cap, int i)
{
	snprintf(out, cap, "%s/entry-%04d-%s", dir, i,
		 "padding-so-that-each-record-takes-more-room-in-the-buffer");
}

static void test_lists_every_entry(void)
{
	static unsigned char seen[NFILES];
	char p[512];
	int dots = 0, subdir = 0, other = 0, dup = 0;
	const struct dirent64 *de;
	struct dirents *d;

	CHECK(mkdtemp(dir) != NULL);
	for (int i = 0; i < NFILES; i++) {
		int fd;

		path_of(p, sizeof(p), i);
		CHECK((fd = open(p, O_CREAT | O_WRONLY, 0600)) >= 0);
		close(fd);
	}
	snprintf(p, sizeof(p), "%s/sub", dir);
	CHECK(mkdir(p, 0700) == 0);
	d = dirents_open(open(dir, O_RDONLY | O_DIRECTORY));
	CHECK(d != NULL);
	errno = EINVAL;
	while ((de = dirents_next(d)) != NULL) {
		int i;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			dots++;
		else if (!strcmp(de->d_name, "sub"))
			subdir += de->d_type == DT_DIR || de->d_type == DT_UNKNOWN;
		else if (sscanf(de->d_name, "entry-%d-", &i) == 1 && i >= 0 && i < NFILES &&
			 (de->d_type == DT_REG || de->d_type == DT_UNKNOWN))
			dup += seen[i]++ != 0;
		else
			other++;
	}
	CHECK(errno == 0);
	for (int i = 0; i < NFILES; i++)
		CHECKF(seen[i] == 1, "entry %d seen %d times", i, seen[i]);
	CHECK(dots == 2 && subdir == 1 && other == 0 && dup == 0);
	CHECK(dirents_fd(d) >= 0);
	dirents_close(d);
	for (int i = 0; i < NFILES; i++) {
		path_of(p, sizeof(p), i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/sub", dir);
	rmdir(p);
	CHECK(rmdir(dir) == 0);
}

static void test_bad_descriptor(void)
{
	errno = 0;
	CHECK(dirents_open(-1) == NULL && errno == EBADF);
	errno = 0;
	CHECK(dirents_open(-ENOENT) == NULL && errno == EBADF);
	dirents_close(NULL);
}

static void test_not_a_directory(void)
{
	struct dirents *d = dirents_open(open("/dev/null", O_RDONLY));

	CHECK(d != NULL);              /* opened: the listing itself fails */
	errno = 0;
	CHECK(dirents_next(d) == NULL && errno == ENOTDIR);
	dirents_close(d);
}

int main(void)
{
	RUN(test_lists_every_entry);
	RUN(test_bad_descriptor);
	RUN(test_not_a_directory);
	return CHECK_DONE();
}
