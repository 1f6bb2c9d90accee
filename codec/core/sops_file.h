/* sops_file.h - the engine's entry points: decrypt a sops file into its
 * plaintext view, re-encrypt a new plaintext with the file's own identity,
 * and encrypt a new file.
 *
 * Everything the CLI and the mount do with sops files goes through here.
 * Secrets (data key, IV stash, plaintext) live in locked memory and are
 * wiped by sops_file_free.
 */
#ifndef SOPSFS_SOPS_FILE_H
#define SOPSFS_SOPS_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"
#include "store_sniff.h"
#include "sops_meta.h"
#include "datakey.h"

struct sops_opts {
	int ignore_mac;
	/* Where the data key comes from (the mount's key cache); NULL means
	 * datakey_get (unwrap with the master keys). */
	int (*get_key)(void *arg, const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN],
		       struct sops_err *err);
	void *get_key_arg;
	/* If not NULL, set to 1 when the text has sops metadata (even if it
	 * then fails to decrypt), 0 when it has none (not a sops file). */
	int *found_meta;
	/* If set, every decrypted leaf of f->doc gets its decrypted typed
	 * value (for writing the document in another store's syntax). */
	int keep_values;
};

struct iv_stash;

struct sops_file {
	const struct store_ops *store;
	char *text;                 /* the encrypted file (heap copy) */
	size_t len;
	struct sdoc *doc;
	struct sops_meta meta;
	uint8_t *key;               /* data key, SOPS_DATA_KEY_LEN bytes, locked */
	struct iv_stash *stash;
	struct buf view;            /* the decrypted view (secure) */
	int mac_ok;                 /* 1 if the MAC verified */
};

/* Decrypt text (a file named path; the name picks the store). */
int sops_file_open(const char *path, const char *text, size_t len,
		   const struct sops_opts *opts, struct sops_file **out,
		   struct sops_err *err);
/* The same, with a known data key (no master key is contacted). */
int sops_file_open_with_key(const char *path, const char *text, size_t len,
			    const uint8_t key[SOPS_DATA_KEY_LEN],
			    const struct sops_opts *opts, struct sops_file **out,
			    struct sops_err *err);
/* The same with an explicit store; key may be NULL (unwrap from metadata). */
int sops_file_open_as(const struct store_ops *store, const char *text, size_t len,
		      const uint8_t *key, const struct sops_opts *opts, struct sops_file **out,
		      struct sops_err *err);
void sops_file_free(struct sops_file *f);

/* Re-encrypt plain as the new content of f: same data key, key groups,
 * rules and `enc` blobs; IVs reused for unchanged (AAD, value) pairs; text
 * layout of plain kept; only lastmodified and mac change in the metadata.
 * If plain equals f's view, or re-encrypting it gives f's file byte for
 * byte apart from lastmodified and mac (no value changed, only how one is
 * written: JSON `<a>` vs `\u003ca\u003e`, YAML `0x1F` vs `31`), *newf is
 * NULL and nothing is produced (the caller writes nothing). Otherwise out receives the new encrypted text and
 * *newf the opened new file (verified: it decrypts with a valid MAC). */
int sops_file_reencrypt(const struct sops_file *f, const char *plain, size_t len,
			struct buf *out, struct sops_file **newf, struct sops_err *err);

/* A new file's encryption settings. */
struct new_file_spec {
	struct recipient_group *groups;
	size_t ngroups;
	int shamir_threshold;
	const char *rule_values[RULE_COUNT];
	int mac_only_encrypted;
};

/* Encrypt a new plaintext (named path) with a fresh data key. */
int sops_encrypt_new(const char *path, const char *plain, size_t len,
		     const struct new_file_spec *spec, struct buf *out,
		     struct sops_err *err);

/* The same, also handing back the new file opened (its key, stash). */
int sops_encrypt_new_open(const char *path, const char *plain, size_t len,
			  const struct new_file_spec *spec, struct buf *out,
			  struct sops_file **newf, struct sops_err *err);

/* The text sops prints when asked to encrypt a file that has metadata. */
extern const char sops_already_encrypted_msg[];

#endif
