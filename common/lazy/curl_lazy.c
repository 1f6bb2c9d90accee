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

static void *p_global_init, *p_easy_init, *p_easy_setopt, *p_easy_perform, *p_easy_getinfo,
	    *p_easy_reset, *p_easy_cleanup, *p_easy_strerror, *p_slist_append, *p_slist_free_all;

CURLcode curl_global_init(long flags)
{
	CURLcode (*f)(long) = (CURLcode (*)(long))lazy_sym_once(&curl, &p_global_init, "curl_global_init");

	return f != NULL ? f(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	CURL *(*f)(void) = (CURL *(*)(void))lazy_sym_once(&curl, &p_easy_init, "curl_easy_init");

	return f != NULL ? f() : NULL;
}

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

CURLcode curl_easy_perform(CURL *h)
{
	CURLcode (*f)(CURL *) = (CURLcode (*)(CURL *))lazy_sym_once(&curl, &p_easy_perform, "curl_easy_perform");

	return f != NULL ? f(h) : CURLE_FAILED_INIT;
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

void curl_easy_reset(CURL *h)
{
	void (*f)(CURL *) = (void (*)(CURL *))lazy_sym_once(&curl, &p_easy_reset, "curl_easy_reset");

	if (f != NULL)
		f(h);
}

void curl_easy_cleanup(CURL *h)
{
	void (*f)(CURL *) = (void (*)(CURL *))lazy_sym_once(&curl, &p_easy_cleanup, "curl_easy_cleanup");

	if (f != NULL)
		f(h);
}

const char *curl_easy_strerror(CURLcode code)
{
	const char *(*f)(CURLcode) =
		(const char *(*)(CURLcode))lazy_sym_once(&curl, &p_easy_strerror, "curl_easy_strerror");

	return f != NULL ? f(code) : "libcurl could not be loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	struct curl_slist *(*f)(struct curl_slist *, const char *) =
		(struct curl_slist *(*)(struct curl_slist *, const char *))
			lazy_sym_once(&curl, &p_slist_append, "curl_slist_append");

	return f != NULL ? f(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
	void (*f)(struct curl_slist *) =
		(void (*)(struct curl_slist *))lazy_sym_once(&curl, &p_slist_free_all, "curl_slist_free_all");

	if (f != NULL)
		f(l);
}
