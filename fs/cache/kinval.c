/* kinval.c - kernel cache timeouts and explicit invalidation (kinval.h). */
#include "kinval.h"

#include <errno.h>
#include <pthread.h>
#include <linux/fuse.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#ifndef FUSE_NOTIFY_INC_EPOCH_CODE
#define FUSE_NOTIFY_INC_EPOCH_CODE 8      /* Linux 6.16, protocol 7.44 */
#endif

static struct fuse_config *kcfg;
static atomic_int degraded;
static double wanted;                 /* -o cache_timeout */
static int ready;                     /* SRC is watched (kinval_ready) */
static atomic_int active;             /* long timeouts in force */
static pthread_mutex_t kmu = PTHREAD_MUTEX_INITIALIZER;

/* The timeouts in force (kmu held). libfuse reads them for every reply:
 * aligned double stores. */
static void apply(void)
{
	double t = wanted <= 0 ? 0 : wanted;

	if (kcfg == NULL)
		return;
	if (t > KINVAL_SHORT_TIMEOUT && (atomic_load(&degraded) || !ready))
		t = KINVAL_SHORT_TIMEOUT;
	kcfg->entry_timeout = t;
	kcfg->attr_timeout = t;
	atomic_store(&active, t > KINVAL_SHORT_TIMEOUT);
}

void kinval_config(struct fuse_config *cfg, double timeout)
{
	pthread_mutex_lock(&kmu);
	kcfg = cfg;
	wanted = timeout;
	apply();
	pthread_mutex_unlock(&kmu);
	cfg->negative_timeout = 0;    /* a new file in SRC needs no notification */
}

void kinval_ready(void)
{
	pthread_mutex_lock(&kmu);
	ready = 1;
	apply();
	pthread_mutex_unlock(&kmu);
}

void kinval_degrade(const char *why)
{
	if (atomic_exchange(&degraded, 1))
		return;
	sopsfs_log("%s: kernel cache timeouts shortened to 1 s", why);
	pthread_mutex_lock(&kmu);
	apply();
	pthread_mutex_unlock(&kmu);
}

int kinval_active(void)
{
	return !atomic_load(&degraded) && atomic_load(&active);
}

int kinval_skip_opens(const struct sopsfs *fs)
{
	return fs->o.read_only && fs->kernel_no_open && fs->audit == NULL && kinval_active();
}

void kinval_path(struct sopsfs *fs, const char *path)
{
	if (fs->fuse != NULL)
		fuse_invalidate_path(fs->fuse, path);
}

void kinval_entry(struct sopsfs *fs, const char *dir, const char *name)
{
	struct fuse_session *se;

	if (fs->fuse == NULL)
		return;
	se = fuse_get_session(fs->fuse);
	if (strcmp(dir, "/") == 0)
		fuse_lowlevel_notify_inval_entry(se, FUSE_ROOT_ID, name, strlen(name));
	else
		kinval_all_entries(fs);
}

int kinval_all_entries(struct sopsfs *fs)
{
	struct fuse_out_header h;
	ssize_t n;

	if (fs->fuse == NULL || atomic_load(&degraded))
		return atomic_load(&degraded) ? -1 : 0;
	memset(&h, 0, sizeof(h));
	h.len = sizeof(h);
	h.error = FUSE_NOTIFY_INC_EPOCH_CODE;
	do {
		n = write(fuse_session_fd(fuse_get_session(fs->fuse)), &h, sizeof(h));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(h) || (n < 0 && errno == ENODEV))
		return 0;        /* done, or unmounted (nothing cached any more) */
	kinval_degrade("the kernel cannot invalidate every directory entry "
		       "(FUSE_NOTIFY_INC_EPOCH)");
	return -1;
}
