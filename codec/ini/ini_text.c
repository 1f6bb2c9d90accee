/* ini_text.c - text rules of gopkg.in/ini.v1 shared by the INI parser and
 * renderer: Go's unicode.IsSpace trimming and how a value is quoted. */
#include "ini_doc.h"

#include <string.h>

/* Length of the unicode.IsSpace rune starting at s (0: not a space). */
static size_t space_at(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf) && s[2] >= 0x80)
		return 3;
	if (n >= 3 && ((s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) ||
		       (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)))
		return 3;
	return 0;
}

size_t ini_trim_left(const char *t, size_t a, size_t b)
{
	size_t k;

	while (a < b && (k = space_at((const unsigned char *)t + a, b - a)) > 0)
		a += k;
	return a;
}

size_t ini_trim_right(const char *t, size_t a, size_t b)
{
	for (;;) {
		size_t k = 0;

		for (size_t w = 1; w <= 3 && w <= b - a && k == 0; w++)
			if (space_at((const unsigned char *)t + b - w, w) == w)
				k = w;
		if (k == 0)
			return b;
		b -= k;
	}
}

int ini_put_value(struct buf *out, const char *v, size_t len)
{
	const char *wrap = "";
	size_t wl = 0;

	if (memchr(v, '\n', len) != NULL || memchr(v, '`', len) != NULL) {
		wrap = "\"\"\"";
		wl = 3;
	} else if (memchr(v, '#', len) != NULL || memchr(v, ';', len) != NULL) {
		wrap = "`";
		wl = 1;
	} else if (len > 0 && (ini_trim_left(v, 0, len) != 0 || ini_trim_right(v, 0, len) != len)) {
		wrap = "\"";
		wl = 1;
	}
	if (buf_add(out, wrap, wl) != 0 || buf_add(out, v, len) != 0)
		return -1;
	return buf_add(out, wrap, wl);
}
