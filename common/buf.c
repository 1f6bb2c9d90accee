/* buf.c - growable byte buffers, optionally in locked memory. */
#include "buf.h"
#include "secure_mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, int secure)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->secure = secure;
}

static void *buf_alloc(int secure, size_t n)
{
	return secure ? sm_alloc(n) : malloc(n);
}

void buf_release_free(void *p, int secure)
{
	if (secure)
		sm_free(p);
	else
		free(p);
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	uint8_t *nd;

	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	nd = buf_alloc(b->secure, ncap);
	if (nd == NULL)
		return -1;
	if (b->data != NULL) {
		memcpy(nd, b->data, b->len);
		if (b->secure)
			sm_free(b->data);
		else
			free(b->data);
	}
	nd[b->len] = '\0';
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) != 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	if (b->secure)
		sm_wipe(b->data + len, b->len - len);
	b->len = len;
	b->data[len] = '\0';
}

void buf_free(struct buf *b)
{
	if (b->data != NULL)
		buf_release_free(b->data, b->secure);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

uint8_t *buf_steal(struct buf *b, size_t *len)
{
	uint8_t *d = b->data;

	if (d == NULL && buf_reserve(b, 0) == 0)
		d = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return d;
}
