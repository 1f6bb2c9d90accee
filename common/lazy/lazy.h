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

#endif
