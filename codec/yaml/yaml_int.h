/* yaml_int.h - private structures shared by the YAML store (codec/yaml_*.c).
 *
 * Pipeline of yaml_store.parse (see yaml_store.c):
 *   yaml_scan.c      libyaml's scanner -> token array with byte offsets
 *   yaml_comments.c  the comments libyaml does not report, found and split
 *                    into head/line/foot pieces exactly as go.yaml.in/yaml v3
 *                    (the YAML library sops uses) does in its scanner
 *   yaml_events.c    yaml.v3's parser state machine over those tokens,
 *                    handing comments to events as yaml.v3 does
 *   yaml_nodes.c     events -> yaml.v3 Node trees (decode.go's parser,
 *                    including its comment moves)
 *   yaml_check.c     the checks sops' first decode of document 1 makes
 *                    (duplicate keys, top-level type, tags, aliases)
 *   yaml_tree.c      Node trees -> sops tree (sops stores/yaml/store.go walk:
 *                    comments, aliases, merge keys, metadata)
 *   yaml_resolve.c   yaml.v3 scalar typing (resolve.go) and Go %s of keys
 * Output side: yaml_scalar.c (a value written as yaml.v3's emitter would),
 * yaml_render.c (token replacement), yaml_meta.c (metadata text).
 *
 * libyaml only tokenizes; comments, events and nodes are our own code because
 * libyaml's parser drops comments and sops' tree depends on yaml.v3's comment
 * attachment rules.
 */
#ifndef SOPSFS_YAML_INT_H
#define SOPSFS_YAML_INT_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "../core/store.h"
#include "../core/tree.h"
#include "../../common/buf.h"
#include "../../common/err.h"
#include "../../common/pool.h"

#define YAML_MAX_DEPTH 1000

/* Store flag of a comment node that yaml.v3 (hence sops) drops: kept so it
 * is encrypted like any comment, but it is not in sops' tree. */
#define YNODE_LOST (1u << NODE_STORE_SHIFT)

/* A position: libyaml/yaml.v3 mark (character index, 0-based line and
 * column) plus the byte offset in the text. */
struct ymark {
	long long idx;
	size_t byte;
	int line, col;
};

/* One token from libyaml's scanner. */
struct ytok {
	yaml_token_type_t type;
	struct ymark s, e;
	char *val;              /* scalar value / anchor / alias / tag handle /
				   %TAG handle (pool, NUL-terminated) */
	size_t vlen;
	char *val2;             /* tag suffix / %TAG prefix */
	size_t v2len;
	yaml_scalar_style_t style;
	int major, minor;       /* %YAML */
	int owner_value;        /* simple KEY or its BLOCK-MAPPING-START: made
				   when this VALUE token was fetched (index) */
	int value_bms;          /* VALUE: the BLOCK-MAPPING-START it made, -1 */
};

/* A comment blob as yaml.v3 keeps it: lines joined by '\n'. Each segment is
 * one line: a comment "#..." (byte span) or an empty line (s == SIZE_MAX). */
struct yseg {
	size_t s, e;
	int line;               /* 0-based */
	unsigned flags;         /* YSEG_LOST: yaml.v3 overwrites and drops it */
};
#define YSEG_EMPTY ((size_t)-1)
#define YSEG_LOST 1u

struct yblob {
	struct yseg *v;
	int n;
	int cap;                /* 0: v may be shared, copy before growing */
};

/* A comment found by the scanner (yaml.v3 yaml_comment_t). */
struct ycomment {
	long long scan_idx, token_idx, start_idx, end_idx;
	int start_col;          /* as yaml.v3 stores it: 1-based for comments
				   on their own lines, 0-based for line comments */
	struct yblob head, line, foot;
};

/* The scanner's output. */
struct yscan {
	const char *text;
	size_t len;
	size_t base;            /* byte offset after a UTF-8 BOM (0 or 3) */
	struct pool *pool;
	struct ytok *toks;
	size_t ntoks, tcap;
	struct ycomment *cmts;
	size_t ncmts, ccap;
	uint32_t *c2b;          /* character index -> byte offset */
	size_t nchars;
};

/* Scalar node styles / flags (yaml.v3 Node.Style). */
#define YS_TAGGED  0x01u
#define YS_DOUBLE  0x02u
#define YS_SINGLE  0x04u
#define YS_LITERAL 0x08u
#define YS_FOLDED  0x10u
#define YS_FLOW    0x20u

enum ykind { YK_DOC = 1, YK_SEQ, YK_MAP, YK_SCALAR, YK_ALIAS };

/* Where a scalar sits, for rendering (yaml_render.c). */
struct yscal {
	size_t start, end;      /* scalar token bytes (block scalar: '|'..end
				   of its indicators) */
	size_t tag_s, tag_e;    /* tag token or SIZE_MAX */
	size_t body_s, body_e;  /* block scalar body cut by REP_ENC */
	size_t node_end;        /* end of the whole token (block: body end) */
	int style;              /* yaml_scalar_style_t */
	int flow;               /* inside a flow collection */
	int in_seq;             /* direct element of a block sequence */
	int coll_col;           /* column of the enclosing block collection:
				   mapping key column or sequence dash column */
	size_t dash_s;          /* block sequence item: byte of its '-' */
};

/* A yaml.v3 Node. */
struct ynode {
	enum ykind kind;
	const char *tag;        /* short tag ("!!str") or "" */
	unsigned style;
	const char *value;      /* scalar value, alias: anchor name */
	size_t vlen;
	const char *anchor;
	struct ynode *alias;
	int line, col;          /* 1-based */
	struct yblob head, linec, foot;
	struct yblob lost;      /* comments yaml.v3 overwrites and drops */
	struct ynode **kids;
	size_t nkids, cap;
	size_t s_byte;          /* first byte (anchor/tag/key indicator incl.) */
	size_t e_byte;          /* end of content (see yaml_nodes.c) */
	struct yscal *sc;       /* scalars with a token */
	int aliased;            /* an alias points here */
};

/* Per-document facts for rendering. */
struct ydoc {
	struct ynode *root;     /* the DocumentNode */
	struct ynode *content;  /* its content node (may be NULL) */
	struct node *branch;
	size_t ins;             /* where metadata is appended */
	size_t *cut_s, *cut_e;  /* top-level `sops` entries */
	int ncut;
	int has_items;          /* key/value items left once `sops` is cut */
	int root_flow;          /* content is a flow mapping */
	int root_col;           /* column of a block root mapping */
};

/* doc->priv */
struct ypriv {
	struct ydoc *docs;
	size_t ndocs;
	struct ynode **scal;    /* node->aux indexes this */
	size_t nscal, scap;
	int indent;             /* indent width of the file (yaml_tree.c) */
};

/* yaml_scan.c */
int yscan_tokens(struct yscan *S, struct sops_err *err);
int yscan_error_doc(const struct yscan *S, size_t byte);

/* yaml_comments.c */
int ycomments_find(struct yscan *S, struct sops_err *err);
int yblob_append(struct pool *p, struct yblob *dst, const struct yblob *src);
int yblob_push(struct pool *p, struct yblob *b, size_t s, size_t e, int line);

/* yaml_nodes.c: documents in stream order. */
int ynodes_build(struct yscan *S, struct ynode ***docs, size_t *ndocs, int *err_doc,
		 struct sops_err *err);
struct ynode *ynode_new(struct pool *p, enum ykind kind);
int ynode_add(struct pool *p, struct ynode *parent, struct ynode *kid);

/* yaml_check.c: sops' first decode of document 1 into map[string]interface{}. */
int ycheck_first_doc(struct pool *p, const struct ynode *doc, struct sops_err *err);

/* yaml_resolve.c */
enum yres { YR_NULL, YR_BOOL, YR_INT, YR_UINT, YR_FLOAT, YR_TIME, YR_STR, YR_MERGE, YR_OTHER };
struct yresolved {
	enum yres kind;
	int b;
	int64_t i;
	uint64_t u;
	double f;
	struct gotime t;
	const char *tag;        /* resolved short tag */
};
/* resolve(tag, in) with tag in short form ("" when untagged): returns 0, or
 * -1 with err set to yaml.v3's failf text without the value ("yaml: cannot
 * decode !!str as a !!int"). err may be NULL. */
int yres_resolve(const char *tag, const char *in, size_t n, struct yresolved *r,
		 struct sops_err *err);
/* A scalar node's value as sops sees it (node.Decode into interface{}):
 * *out filled via tvalue_*; VT_INVALID "uint64" for big ints.
 * Returns -1 on a decode error (err set). */
int yres_value(struct sdoc *doc, const struct ynode *n, struct tvalue *out,
	       struct sops_err *err);
/* Go's %T and %s of a non-string key (tree.h keytype/key). */
int yres_key_text(struct sdoc *doc, const struct tvalue *v, const char **type,
		  const char **text, size_t *len);
int yres_is_timestamp(const char *s, size_t n, struct gotime *t);

/* yaml_tree.c */
int ytree_build(struct sdoc *doc, struct ypriv *P, struct yscan *S, struct ynode **docs,
		size_t ndocs, struct sops_err *err);

/* yaml_scalar.c: write a value as yaml.v3 would at a given spot. */
struct yspot {
	int flow;               /* flow context */
	int indent;             /* emitter indent for continuation/body lines */
	int block_indent;       /* scanner indent of the enclosing collection
				   (for |N indicators), -1 for none */
	int prefer;             /* 0, YS_SINGLE or YS_DOUBLE: ENC token's quotes */
	const char *nl;         /* line break to use ("\n" or "\r\n") */
};
/* Appends the scalar text to out. For a literal block, out receives only
 * the header ("|-") and body what follows it exactly as yaml.v3 writes it:
 * the header's line break, then every line (indented, empty lines bare);
 * it ends with a line break only when the value does. body may be NULL
 * when no block can be placed (double quotes are used then). 0 or -1. */
int yscalar_write(const struct tvalue *v, const struct yspot *spot, struct buf *out,
		  struct buf *body, struct sops_err *err);
/* The style yaml.v3 picks for a string as a value in block (flow == 0) or
 * flow context: YS_DOUBLE, YS_SINGLE, YS_LITERAL or 0 (plain). */
unsigned yscalar_canonical_style(const char *s, size_t n, int flow);

/* yaml_render.c */
struct text_edits;
/* Edits writing v (as yaml.v3 would) in place of the scalar y whose text
 * starts at start; w = indent width. */
int yrender_value(struct text_edits *ed, const struct sdoc *doc, const struct ynode *y,
		  size_t start, const struct tvalue *v, int w, struct sops_err *err);
int yrender(const struct sdoc *doc, const struct rep *reps, const char *meta,
	    size_t meta_len, struct buf *out, struct sops_err *err);

/* yaml_meta.c */
int ymeta_extract(const struct sdoc *doc, const struct meta_patch *patches,
		  size_t npatches, struct buf *out, struct sops_err *err);
int ymeta_emit(const struct node *meta, struct buf *out, struct sops_err *err);

/* Small helpers (yaml_scan.c). */
size_t ytext_line_start(const char *t, size_t len, size_t b);
size_t ytext_line_end(const char *t, size_t len, size_t b);
size_t ytext_after_break(const char *t, size_t len, size_t b);
int ytext_col(const char *t, size_t len, size_t b);

/* Bytes of the UTF-8 sequence that starts with c (1 for invalid bytes). */
size_t yaml_utf8_width(unsigned char c);

#endif
