/* may_block.h - a thread about to wait (a key service, another thread's
 * decryption, a disk flush) says so, and the mount's request loop lets
 * another thread take the next requests. A no-op outside the mount. */
#ifndef SOPSFS_MAY_BLOCK_H
#define SOPSFS_MAY_BLOCK_H

/* Set once by the mount before its loop starts (NULL: no hook). */
void may_block_set_hook(void (*hook)(void));

/* Call before a wait that may be long; cheap when nothing is hooked. */
void may_block(void);

#endif
