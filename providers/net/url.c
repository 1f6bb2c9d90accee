/* url.c - URL pieces for the network providers: origin, host, percent
 * encoding. */
#include "http.h"

#include <string.h>

/* Split url into scheme, host and port (port defaulted from the scheme).
 * Returns -1 if it does not look like scheme://host[:port][/...]. */
static int split(const char *url, const char **host, size_t *hlen, struct buf *scheme,
		 const char **port, size_t *plen)
{
	const char *p = strstr(url, "://"), *h, *end;

	if (p == NULL || p == url)
		return -1;
	if (buf_add(scheme, url, (size_t)(p - url)) != 0)
		return -1;
	h = p + 3;
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h)) != NULL)
		return -1;     /* userinfo: never accepted */
	if (*h == '[') {   /* IPv6 literal */
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (rb == NULL)
			return -1;
		*host = h;
		*hlen = (size_t)(rb + 1 - h);
		h = rb + 1;
	} else {
		const char *c = memchr(h, ':', (size_t)(end - h));

		*host = h;
		*hlen = (size_t)((c ? c : end) - h);
		h = c ? c : end;
	}
	if (*hlen == 0)
		return -1;
	if (*h == ':') {
		*port = h + 1;
		*plen = (size_t)(end - h - 1);
	} else {
		*port = strcmp((char *)scheme->data, "https") == 0 ? "443" : "80";
		*plen = strlen(*port);
	}
	return 0;
}

int net_url_origin(const char *url, struct buf *out)
{
	struct buf scheme = BUF_INIT;
	const char *host, *port;
	size_t hlen, plen;
	int rc = -1;

	if (split(url, &host, &hlen, &scheme, &port, &plen) == 0)
		rc = buf_printf(out, "%s://%.*s:%.*s", (char *)scheme.data, (int)hlen, host,
				(int)plen, port);
	buf_free(&scheme);
	return rc;
}

int net_url_host(const char *url, struct buf *out)
{
	struct buf scheme = BUF_INIT;
	const char *host, *port;
	size_t hlen, plen;
	int rc = -1;

	if (split(url, &host, &hlen, &scheme, &port, &plen) == 0)
		rc = buf_add(out, host, hlen);
	buf_free(&scheme);
	return rc;
}

int net_urlencode(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			if (buf_addc(out, (char)c) != 0)
				return -1;
		} else if (buf_addc(out, '%') != 0 || buf_addc(out, hex[c >> 4]) != 0 ||
			   buf_addc(out, hex[c & 15]) != 0) {
			return -1;
		}
	}
	return 0;
}
