/* loop.h - the mount's request loop: one thread reads and answers requests
 * while none waits; see loop.c. */
#ifndef SOPSFS_LOOP_H
#define SOPSFS_LOOP_H

#include "sopsfs.h"            /* libfuse's headers at our API version */

/* Answer f's requests until the session exits, with at most max_threads
 * threads. 0, or the negative errno that ended the session. */
int fs_loop_run(struct fuse *f, unsigned max_threads);

#endif
