/* lazy.h - shared libraries loaded on first use (dlopen), so that a command
 * that never needs them does not pay for loading them.
 *
 * libcurl (key services) and libgit2 (merge conflicts, `check --staged`)
 * each pull in some twenty more libraries (Kerberos, LDAP, GnuTLS, mbedTLS,
 * ssh...), gpgme (PGP) two more: linked normally, every `sopsfs decrypt` of
 * an age file spent more time in the dynamic loader than in decrypting.
 * curl_lazy.c, git2_lazy.c and gpgme_lazy.c define the few library functions
 * sopsfs calls, with the library's own prototypes, each forwarding to the
 * symbol of the library opened here.
 */
#ifndef SOPSFS_LAZY_H
#define SOPSFS_LAZY_H

struct lazy_lib {
	const char *soname;     /* e.g. "libcurl.so.4" */
	void *handle;           /* set once, by lazy_sym */
	int failed;             /* dlopen failed: reported once */
};

/* The address of sym in lib, opening lib on first use (thread-safe); NULL
 * if the library or the symbol cannot be found (one line on stderr the
 * first time the library is missing). */
void *lazy_sym(struct lazy_lib *lib, const char *sym);
/* The same, remembered in *slot (one per function: any thread may call). */
void *lazy_sym_once(struct lazy_lib *lib, void **slot, const char *sym);

/* LAZY_FWD(lib, ret, name, (params), (args), fail): define the library
 * function name (same prototype) forwarding to lib's symbol, looked up
 * once; fail is returned when the library or symbol is missing. */
#define LAZY_FWD(lib, ret, name, params, args, fail)                            \
	static void *name##_p;                                                  \
	ret name params                                                         \
	{                                                                       \
		ret (*f) params = (ret (*) params)lazy_sym_once(&lib, &name##_p, #name); \
		if (f == NULL)                                                  \
			return fail;                                            \
		return f args;                                                  \
	}
#define LAZY_FWD_VOID(lib, name, params, args)                                  \
	static void *name##_p;                                                  \
	void name params                                                        \
	{                                                                       \
		void (*f) params = (void (*) params)lazy_sym_once(&lib, &name##_p, #name); \
		if (f != NULL)                                                  \
			f args;                                                 \
	}

#endif
