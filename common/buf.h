/* buf.h - growable byte buffers.
 *
 * A buffer is either ordinary (heap) or secure (crypto/secure_mem: locked,
 * non-dumpable, wiped on growth and free). Anything that may hold plaintext
 * of a SOPS value or key material must use a secure buffer.
 * The data is always followed by a NUL byte (not counted in len) so it can be
 * used as a C string when it holds text.
 */
#ifndef SOPSFS_BUF_H
#define SOPSFS_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int secure;
};

#define BUF_INIT { NULL, 0, 0, 0 }
#define BUF_INIT_SECURE { NULL, 0, 0, 1 }

void buf_init(struct buf *b, int secure);
/* All return 0 on success, -1 on out-of-memory (buffer unchanged). */
int buf_reserve(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addc(struct buf *b, char c);
int buf_adds(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Truncate to len (wipes the cut tail for secure buffers). */
void buf_truncate(struct buf *b, size_t len);
/* Wipe (if secure) and free; the buffer is reset to empty and stays usable. */
void buf_free(struct buf *b);
/* Hand the data over to the caller (free with buf_release_free). */
uint8_t *buf_steal(struct buf *b, size_t *len);
void buf_release_free(void *p, int secure);

#endif
