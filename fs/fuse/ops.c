/* ops.c - the operation table and the filesystem lifecycle callbacks. */
#include "ops.h"
#include "../backing/backing.h"
#include "../cache/kinval.h"        /* speed: kernel cache */
#include "../entries/links.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* speed: ordinary files' pages go from SRC to /dev/fuse by splice */
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	/* speed: the kernel keeps each inode's POSIX ACLs (the mount shows
	 * none: ops_xattr.c) instead of asking again on every `ls -l`. That
	 * turns default_permissions on, so only where it changes nothing:
	 * with allow_other (on already), or when only root can use the mount
	 * (modes do not limit root). A user's own mount keeps without it: a
	 * view is 0600 of the SRC file's owner, and a group reader of SRC
	 * would lose it. */
	if ((conn->capable & FUSE_CAP_POSIX_ACL) && (sopsfs_g->o.allow_other || geteuid() == 0))
		conn->want |= FUSE_CAP_POSIX_ACL;
	/* speed, -o ro: the kernel may open files without asking (kinval.h) */
	sopsfs_g->kernel_no_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) != 0;
	cfg->use_ino = 1;
	cfg->hard_remove = 1;        /* no .fuse_hidden files in SRC */
	cfg->nullpath_ok = 0;
	kinval_config(cfg, sopsfs_g->o.cache_timeout);   /* speed: long, invalidated */
	return sopsfs_g;
}

/* speed: the kernel keeps directory listings (invalidated with the
 * directory by fs/cache when SRC changes; its own changes it knows). */
static int op_opendir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	fi->cache_readdir = kinval_active();
	fi->keep_cache = kinval_active();
	return 0;
}

static int op_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	int fd = backing_open_path(&sopsfs_g->b, path, O_RDONLY | O_DIRECTORY, 0), rc;

	(void)fi;
	if (fd < 0)
		return fd;
	may_block();                    /* speed: a disk flush (fs/fuse/loop.c) */
	rc = (datasync ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

void inval_links(struct sopsfs *fs, const struct stat *st, const char *path, int self)
{
	char **names;

	if (S_ISDIR(st->st_mode))
		return;
	if (self)
		fuse_invalidate_path(fs->fuse, path);
	names = links_others(st->st_dev, st->st_ino, path);
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		fuse_invalidate_path(fs->fuse, names[i]);
		free(names[i]);
	}
	free(names);
}

void ops_fill(struct fuse_operations *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->init = op_init;
	ops->fsyncdir = op_fsyncdir;
	ops->opendir = op_opendir;       /* speed */
	ops_attr_fill(ops);
	ops_file_fill(ops);
	ops_ns_fill(ops);
	ops_new_fill(ops);
	ops_xattr_fill(ops);
	ops_read_fill(ops);
}
