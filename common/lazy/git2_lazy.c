/* git2_lazy.c - the libgit2 functions sopsfs uses, loaded on first use (see
 * lazy.h). Each keeps libgit2's prototype; when the library cannot be
 * loaded, calls fail the way libgit2 reports errors (negative codes, NULL). */
#include "lazy.h"

#include <git2.h>

static struct lazy_lib git2 = { "libgit2.so." LIBGIT2_SOVERSION, NULL, 0 };

static void *git_libgit2_init_p;
static void *git_libgit2_shutdown_p;
static void *git_error_last_p;
static void *git_repository_open_ext_p;
static void *git_repository_free_p;
static void *git_repository_state_p;
static void *git_repository_workdir_p;
static void *git_repository_index_p;
static void *git_index_read_p;
static void *git_index_entrycount_p;
static void *git_index_get_byindex_p;
static void *git_index_get_bypath_p;
static void *git_index_entry_stage_p;
static void *git_index_free_p;
static void *git_blob_lookup_p;
static void *git_blob_rawcontent_p;
static void *git_blob_rawsize_p;
static void *git_blob_free_p;

/* FWD(ret, name, (params), (args), fail): define name forwarding to the
 * library's name (looked up once). */
#define FWD(ret, name, params, args, fail)                                      \
	ret name params                                                         \
	{                                                                       \
		ret (*f) params = (ret (*) params)lazy_sym_once(&git2, &name##_p, #name);   \
		if (f == NULL)                                                  \
			return fail;                                            \
		return f args;                                                  \
	}
#define FWD_VOID(name, params, args)                                            \
	void name params                                                        \
	{                                                                       \
		void (*f) params = (void (*) params)lazy_sym_once(&git2, &name##_p, #name); \
		if (f != NULL)                                                  \
			f args;                                                 \
	}

FWD(int, git_libgit2_init, (void), (), -1)
FWD(int, git_libgit2_shutdown, (void), (), -1)
FWD(const git_error *, git_error_last, (void), (), NULL)
FWD(int, git_repository_open_ext,
    (git_repository **out, const char *path, unsigned int flags, const char *ceiling),
    (out, path, flags, ceiling), -1)
FWD_VOID(git_repository_free, (git_repository *repo), (repo))
FWD(int, git_repository_state, (git_repository *repo), (repo), -1)
FWD(const char *, git_repository_workdir, (const git_repository *repo), (repo), NULL)
FWD(int, git_repository_index, (git_index **out, git_repository *repo), (out, repo), -1)
FWD(int, git_index_read, (git_index *index, int force), (index, force), -1)
FWD(size_t, git_index_entrycount, (const git_index *index), (index), 0)
FWD(const git_index_entry *, git_index_get_byindex, (git_index *index, size_t n),
    (index, n), NULL)
FWD(const git_index_entry *, git_index_get_bypath,
    (git_index *index, const char *path, int stage), (index, path, stage), NULL)
FWD(int, git_index_entry_stage, (const git_index_entry *entry), (entry), 0)
FWD_VOID(git_index_free, (git_index *index), (index))
FWD(int, git_blob_lookup, (git_blob **blob, git_repository *repo, const git_oid *id),
    (blob, repo, id), -1)
FWD(const void *, git_blob_rawcontent, (const git_blob *blob), (blob), NULL)
FWD(git_object_size_t, git_blob_rawsize, (const git_blob *blob), (blob), 0)
FWD_VOID(git_blob_free, (git_blob *blob), (blob))
