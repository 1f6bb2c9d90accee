/* git2_lazy.c - the libgit2 functions sopsfs uses, loaded on first use (see
 * lazy.h). Each keeps libgit2's prototype; when the library cannot be
 * loaded, calls fail the way libgit2 reports errors (negative codes, NULL). */
#include "lazy.h"

#include <git2.h>

static struct lazy_lib git2 = { "libgit2.so." LIBGIT2_SOVERSION, NULL, 0 };

LAZY_FWD(git2, int, git_libgit2_init, (void), (), -1)
LAZY_FWD(git2, int, git_libgit2_shutdown, (void), (), -1)
LAZY_FWD(git2, const git_error *, git_error_last, (void), (), NULL)
LAZY_FWD(git2, int, git_repository_open_ext,
    (git_repository **out, const char *path, unsigned int flags, const char *ceiling),
    (out, path, flags, ceiling), -1)
LAZY_FWD_VOID(git2, git_repository_free, (git_repository *repo), (repo))
LAZY_FWD(git2, int, git_repository_state, (git_repository *repo), (repo), -1)
LAZY_FWD(git2, const char *, git_repository_workdir, (const git_repository *repo), (repo), NULL)
LAZY_FWD(git2, int, git_repository_index, (git_index **out, git_repository *repo), (out, repo), -1)
LAZY_FWD(git2, int, git_index_read, (git_index *index, int force), (index, force), -1)
LAZY_FWD(git2, size_t, git_index_entrycount, (const git_index *index), (index), 0)
LAZY_FWD(git2, const git_index_entry *, git_index_get_byindex, (git_index *index, size_t n),
    (index, n), NULL)
LAZY_FWD(git2, const git_index_entry *, git_index_get_bypath,
    (git_index *index, const char *path, int stage), (index, path, stage), NULL)
LAZY_FWD(git2, int, git_index_entry_stage, (const git_index_entry *entry), (entry), 0)
LAZY_FWD_VOID(git2, git_index_free, (git_index *index), (index))
LAZY_FWD(git2, int, git_blob_lookup, (git_blob **blob, git_repository *repo, const git_oid *id),
    (blob, repo, id), -1)
LAZY_FWD(git2, const void *, git_blob_rawcontent, (const git_blob *blob), (blob), NULL)
LAZY_FWD(git2, git_object_size_t, git_blob_rawsize, (const git_blob *blob), (blob), 0)
LAZY_FWD_VOID(git2, git_blob_free, (git_blob *blob), (blob))
