/* store.h - the interface every file format (store) implements.
 *
 * A store turns text into a struct sdoc (tree.h) and back into text by
 * replacing tokens; it never re-emits a whole document. The codec decides
 * what is encrypted and computes every value; the store only knows its
 * syntax: where tokens are, how a value is written in a given spot, where
 * the metadata lives and how it is cut out or put in.
 *
 * Stores: yaml (codec/yaml_*.c), json (codec/json_*.c), dotenv, ini,
 * binary. Format by file name suffix like sops (store_for_path).
 */
#ifndef SOPSFS_STORE_H
#define SOPSFS_STORE_H

#include <stddef.h>
#include "tree.h"
#include "../../common/buf.h"
#include "../../common/err.h"

enum parse_mode {
	/* Text of an encrypted file: the metadata is extracted into doc->meta
	 * (and removed from branches). Also used to parse any file that may
	 * or may not be a sops file (doc->meta == NULL then). */
	PARSE_ENCRYPTED,
	/* New plaintext to encrypt. Same as PARSE_ENCRYPTED for text stores
	 * (a top-level `sops` key still lands in doc->meta so the codec can
	 * refuse it); the binary store takes the raw bytes as one value. */
	PARSE_PLAIN,
};

enum rep_kind {
	REP_KEEP = 0,   /* leave the token as it is */
	REP_PLAIN,      /* write val (a decrypted value or comment text) */
	REP_ENC,        /* write the ENC[...] string enc */
};

/* What to put in place of one leaf (indexed by node->id). */
struct rep {
	enum rep_kind kind;
	struct tvalue val;   /* REP_PLAIN. For NK_COMMENT nodes: VT_STR text.
				For an NK_SCALAR whose decrypted type is
				comment: VT_COMMENT (render as a comment). */
	const char *enc;     /* REP_ENC */
	size_t enc_len;
};

/* A metadata scalar to overwrite when extracting the metadata text. */
struct meta_patch {
	const struct node *n;   /* a scalar node of doc->meta */
	const char *value;      /* new string value (rendered as a string) */
	size_t len;
};

struct store_ops {
	const char *name;       /* "yaml", "json", "dotenv", "ini", "binary" */

	/* Parse text[0..len) into doc (doc->pool, doc->store, doc->text and
	 * doc->len are set by the caller; the store fills the rest, including
	 * sdoc_index_leaves). On error return -1 with sops' message and code
	 * (2 for syntax errors: "Error unmarshalling file: ..." is added by the
	 * codec, so give the inner message). */
	int (*parse)(struct sdoc *doc, enum parse_mode mode, struct sops_err *err);

	/* Produce text: doc->text with every leaf replaced as reps[leaf->id]
	 * says (reps has doc->nleaves entries; NODE_VIA_ALIAS leaves are never
	 * replaced). If meta is NULL, the metadata is cut out (the decrypted
	 * view). Otherwise doc has no metadata and meta[0..meta_len) (text from
	 * meta_extract or meta_emit) is put where this store keeps metadata
	 * (YAML: at the end of every document). The view of a file sops wrote
	 * must equal `sops decrypt` byte for byte (see the vectors). */
	int (*render)(const struct sdoc *doc, const struct rep *reps,
		      const char *meta, size_t meta_len, struct buf *out,
		      struct sops_err *err);

	/* The metadata text of doc exactly as it is in the file (YAML: the
	 * `sops:` entry of the first document; JSON: `"sops": {...}`; dotenv:
	 * the `sops_*` lines; INI: the `[sops]` section), with the scalars in
	 * patches replaced by new string values in this store's syntax. */
	int (*meta_extract)(const struct sdoc *doc, const struct meta_patch *patches,
			    size_t npatches, struct buf *out, struct sops_err *err);

	/* Serialise a metadata tree (NK_MAP of synthetic nodes, keys already
	 * in output order; values VT_STR/VT_INT/VT_BOOL, lists of maps) as
	 * sops 3.13.2 writes it, in the same form meta_extract returns. */
	int (*meta_emit)(const struct node *meta, struct buf *out, struct sops_err *err);

	/* Release doc->priv (the pool is freed by the caller). May be NULL. */
	void (*free_priv)(struct sdoc *doc);
};

extern const struct store_ops yaml_store;
extern const struct store_ops json_store;
extern const struct store_ops dotenv_store;
extern const struct store_ops ini_store;
extern const struct store_ops binary_store;

/* sops' choice by suffix: .yaml/.yml, .json, .env, .ini, else binary. */
const struct store_ops *store_for_path(const char *path);
/* By name ("yaml", ...); NULL if unknown. */
const struct store_ops *store_by_name(const char *name);

/* Parse text with store into a new document. Returns NULL on error. */
struct sdoc *sdoc_parse(const struct store_ops *store, const char *text, size_t len,
			enum parse_mode mode, struct sops_err *err);

#endif
