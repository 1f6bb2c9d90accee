/* merge_markers.c - conflict blocks in a plaintext view, detection of
 * unresolved markers in a saved text, and conflict key paths. */
#include "merge_int.h"

#include <stdlib.h>
#include <string.h>

static const char m_ours[] = "<<<<<<< ours\n";
static const char m_mid[] = "=======\n";
static const char m_theirs[] = ">>>>>>> theirs\n";

static int side(struct buf *out, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_add(out, p, n) != 0)
		return -1;
	return p[n - 1] == '\n' ? 0 : buf_addc(out, '\n');
}

int merge_block(struct buf *out, const char *o, size_t olen, const char *t, size_t tlen)
{
	if (buf_adds(out, m_ours) != 0 || side(out, o, olen) != 0 || buf_adds(out, m_mid) != 0 ||
	    side(out, t, tlen) != 0 || buf_adds(out, m_theirs) != 0)
		return -1;
	return 0;
}

static int starts(const char *l, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && memcmp(l, p, pl) == 0;
}

int merge_has_markers(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - text) - i : len - i;
		const char *l = text + i;

		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (starts(l, n, "<<<<<<<") || starts(l, n, ">>>>>>>") ||
		    (n == 7 && memcmp(l, "=======", 7) == 0))
			return 1;
		i = nl ? (size_t)(nl - text) + 1 : len;
	}
	return 0;
}

int merge_path_push(struct buf *path, const char *key, size_t keylen)
{
	if (buf_adds(path, "[\"") != 0)
		return -1;
	for (size_t i = 0; i < keylen; i++) {
		unsigned char c = (unsigned char)key[i];

		if ((c == '"' || c == '\\') && buf_addc(path, '\\') != 0)
			return -1;
		if (c < 0x20 ? buf_printf(path, "\\x%02x", c) != 0 : buf_addc(path, (char)c) != 0)
			return -1;
	}
	return buf_adds(path, "\"]");
}

int merge_paths_add(struct merge_paths *p, const char *path)
{
	char **nv = realloc(p->v, (p->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	p->v = nv;
	if ((p->v[p->n] = strdup(path)) == NULL)
		return -1;
	p->n++;
	return 0;
}

void merge_paths_free(struct merge_paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
