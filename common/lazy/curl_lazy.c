/* curl_lazy.c - the libcurl functions sopsfs uses, loaded on first use (see
 * lazy.h): an age or PGP decrypt never loads libcurl and the twenty-odd
 * libraries behind it. Each keeps libcurl's prototype; when the library
 * cannot be loaded, calls fail with CURLE_FAILED_INIT or NULL. The two
 * variadic calls pass their one argument on with the type libcurl reads for
 * the option (curl.h: CURLOPTTYPE_* ranges; every CURLINFO takes a pointer).
 */
#define CURL_DISABLE_TYPECHECK 1
#include "lazy.h"

#include <stdarg.h>
#include <curl/curl.h>

static struct lazy_lib curl = { "libcurl.so.4", NULL, 0 };

static void *p_easy_setopt, *p_easy_getinfo;      /* the two variadic calls, below */

LAZY_FWD(curl, CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)
LAZY_FWD(curl, CURL *, curl_easy_init, (void), (), NULL)
LAZY_FWD(curl, CURLcode, curl_easy_perform, (CURL *h), (h), CURLE_FAILED_INIT)
LAZY_FWD_VOID(curl, curl_easy_reset, (CURL *h), (h))
LAZY_FWD_VOID(curl, curl_easy_cleanup, (CURL *h), (h))
LAZY_FWD(curl, const char *, curl_easy_strerror, (CURLcode code), (code),
    "libcurl could not be loaded")
LAZY_FWD(curl, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s),
    (l, s), NULL)
LAZY_FWD_VOID(curl, curl_slist_free_all, (struct curl_slist *l), (l))

CURLcode (curl_easy_setopt)(CURL *h, CURLoption opt, ...)
{
	CURLcode (*f)(CURL *, CURLoption, ...) =
		(CURLcode (*)(CURL *, CURLoption, ...))lazy_sym_once(&curl, &p_easy_setopt, "curl_easy_setopt");
	CURLcode rc = CURLE_FAILED_INIT;
	va_list ap;

	if (f == NULL)
		return rc;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = f(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = f(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = f(h, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = f(h, opt, va_arg(ap, curl_off_t));
	else
		rc = f(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode (curl_easy_getinfo)(CURL *h, CURLINFO info, ...)
{
	CURLcode (*f)(CURL *, CURLINFO, ...) =
		(CURLcode (*)(CURL *, CURLINFO, ...))lazy_sym_once(&curl, &p_easy_getinfo, "curl_easy_getinfo");
	CURLcode rc;
	va_list ap;

	if (f == NULL)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	rc = f(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

