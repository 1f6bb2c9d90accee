/* lazy.c - dlopen on first use, dlsym per call site (cached by the callers). */
#include "lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lazy_mu = PTHREAD_MUTEX_INITIALIZER;

void *lazy_sym(struct lazy_lib *lib, const char *sym)
{
	void *h;

	pthread_mutex_lock(&lazy_mu);
	if (lib->handle == NULL && !lib->failed) {
		lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (lib->handle == NULL) {
			lib->failed = 1;
			fprintf(stderr, "sopsfs: cannot load %s: %s\n", lib->soname, dlerror());
		}
	}
	h = lib->handle;
	pthread_mutex_unlock(&lazy_mu);
	return h != NULL ? dlsym(h, sym) : NULL;
}

void *lazy_sym_once(struct lazy_lib *lib, void **slot, const char *sym)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (p == NULL && (p = lazy_sym(lib, sym)) != NULL)
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return p;
}
