/* tree.h - the sops document model shared by every store.
 *
 * A store parses text into a struct sdoc: one NK_MAP root per document
 * ("branch"; several only for multi-document YAML), made of nodes that keep
 * both the typed value sops sees and the exact source span of the token, so
 * the codec can produce the decrypted view and the re-encrypted file by
 * replacing tokens in the original text (design.md, "Decrypted view" and
 * "Re-encryption").
 *
 * Walk order and paths follow sops' TreeBranch walk (sops.go walkBranch):
 * items in file order, list elements in order, comments as items of the
 * map/list that contains them. The AAD of a value is its chain of map keys
 * joined by ':' plus ':'; list indices are not part of it; a comment's AAD is
 * the path of its container.
 *
 * All memory of a document (nodes, keys, values, comments) comes from
 * doc->pool, which lives in locked memory and is wiped by sdoc_free().
 */
#ifndef SOPSFS_TREE_H
#define SOPSFS_TREE_H

#include <stddef.h>
#include <stdint.h>
#include "gofmt.h"
#include "../../common/pool.h"

enum vtype {
	VT_NULL = 0,   /* YAML null / JSON null: never encrypted, never hashed */
	VT_STR,        /* sops type "str" */
	VT_INT,        /* "int" (Go int, 64-bit) */
	VT_FLOAT,      /* "float" (float64) */
	VT_BOOL,       /* "bool" */
	VT_TIME,       /* "time" (YAML timestamps only) */
	VT_BYTES,      /* "bytes": read-only legacy type */
	VT_COMMENT,    /* "comment": only as the decrypted value of a scalar
			  element written by sops 3.13.2 for a comment in a
			  YAML sequence (see sops-format.md 13.1) */
	VT_INVALID,    /* a value sops cannot walk; s = Go type name
			  (e.g. "uint64") for "Cannot walk value, unknown type: %s" */
};

/* A typed scalar. s/len always hold the canonical bytes sops would encrypt
 * and hash for this value (sops-format.md 1.3 and 2, "ToBytes"):
 *   VT_STR/VT_BYTES/VT_COMMENT: the raw bytes;
 *   VT_INT: strconv.Itoa; VT_FLOAT: FormatFloat('f', -1); VT_BOOL: "True"/"False";
 *   VT_TIME: MarshalText (RFC 3339 nano); VT_NULL: "" (len 0).
 * s is NUL-terminated (not counted in len). The parsed forms are set for
 * their types. */
struct tvalue {
	enum vtype type;
	const char *s;
	size_t len;
	int64_t i;
	double f;
	int b;
	struct gotime t;
};

enum nkind { NK_MAP, NK_LIST, NK_SCALAR, NK_COMMENT };

/* Generic node flags (low 16 bits); stores may use the high 16 bits. */
#define NODE_SYNTH          0x0001u /* built in memory, no source span */
#define NODE_INLINE_COMMENT 0x0002u /* comment after a value on its line */
#define NODE_VIA_ALIAS      0x0004u /* copy made by expanding a YAML alias:
				       same span as its original; never
				       rendered/replaced on its own */
#define NODE_ANCHORED       0x0008u /* has a YAML anchor that is aliased */
#define NODE_SEQ_COMMENT    0x0010u /* a comment that is an element of a list */
#define NODE_STORE_SHIFT    16

struct node {
	enum nkind kind;

	/* Key of this node in its parent map (NULL for list elements, comments
	 * and roots). keytype is NULL for string keys; for keys that resolved
	 * to another type it is Go's type name ("int", "bool", "time.Time")
	 * and key holds Go's %s rendering of the key (e.g. "%!s(int=1)"),
	 * for "Tree contains a non-string key (type %s): %s". */
	const char *key;
	size_t keylen;
	const char *keytype;

	/* NK_MAP: items in file order (comments included); NK_LIST: elements. */
	struct node **kids;
	size_t nkids;

	/* NK_SCALAR: the value. NK_COMMENT: type VT_STR, s = comment text as
	 * sops loads it (YAML/dotenv: bytes after the single '#'; INI: text with
	 * leading ';'/'#' and spaces stripped). */
	struct tvalue val;

	/* Source span [start, end) in doc->text of the replaceable token:
	 * NK_SCALAR: the whole scalar token (quotes, YAML tag and block-scalar
	 * body included); NK_COMMENT: the comment text only (what val holds
	 * for a clear comment, or the ENC[...] string). Unset for NODE_SYNTH. */
	size_t start, end;
	int line;                /* 1-based line of start (messages) */
	uint32_t flags;
	int aux;                 /* store-private */
	int id;                  /* index in doc->leaves, or -1 */
	struct node *parent;     /* NULL for roots */
};

struct store_ops;

struct sdoc {
	const struct store_ops *store;
	const char *text;        /* source text (not owned, must outlive doc) */
	size_t len;
	/* One NK_MAP per document. */
	struct node **branches;
	size_t nbranches;
	/* The metadata: the value of the top-level `sops` key of the first
	 * document (YAML/JSON/binary), or the unflattened `sops_*` keys
	 * (dotenv) / `[sops]` section (INI). It is removed from branches.
	 * NULL when absent. meta_dup counts extra `sops` keys in document 0
	 * (JSON: "Found duplicate sops entry"); meta_bad is set when the entry
	 * is not a mapping ("Found sops entry that is not a mapping"). */
	struct node *meta;
	int meta_dup;
	int meta_bad;
	/* Every NK_SCALAR and NK_COMMENT node of branches, in walk order;
	 * node->id is the index. Alias copies are included. */
	struct node **leaves;
	size_t nleaves;
	struct pool *pool;
	void *priv;              /* store-private */
};

/* Construction helpers for stores (all allocate from doc->pool; NULL on OOM). */
struct node *node_new(struct sdoc *doc, enum nkind kind);
int node_add_kid(struct sdoc *doc, struct node *parent, struct node *kid);
/* Set val from raw bytes (copied) with the given type; fills parsed fields
 * from the canonical bytes for INT/FLOAT/BOOL/TIME (which must then be
 * canonical, see tvalue). */
int tvalue_set(struct sdoc *doc, struct tvalue *v, enum vtype type,
	       const char *s, size_t len);
/* Build canonical values from parsed numbers. */
int tvalue_int(struct sdoc *doc, struct tvalue *v, int64_t i);
int tvalue_float(struct sdoc *doc, struct tvalue *v, double f);
int tvalue_bool(struct sdoc *doc, struct tvalue *v, int b);
int tvalue_time(struct sdoc *doc, struct tvalue *v, const struct gotime *t);
/* Number the leaves: fill doc->leaves and node->id in walk order. */
int sdoc_index_leaves(struct sdoc *doc);

/* The sops type tag of a value ("str", "int", ...). */
const char *vtype_tag(enum vtype t);

/* Free a document (wipes all of its memory). */
void sdoc_free(struct sdoc *doc);

#endif
