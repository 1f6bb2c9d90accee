/* convert.h - a decrypted document written in another store's syntax
 * (`decrypt --output-type json|dotenv`, `--indent`) and one value picked
 * out (`--extract INDEX`), as sops' EmitPlainFile / EmitValue do. */
#ifndef SOPSFS_CONVERT_H
#define SOPSFS_CONVERT_H

#include "store.h"
#include "tree_path.h"

/* Write the first document of doc (a parsed plaintext) as store `to`.
 * indent < 0: the store's default (JSON: a TAB). Supported targets: json,
 * dotenv. Others: error (code 4). */
int convert_doc(const struct sdoc *doc, const struct store_ops *to, int indent,
		struct buf *out, struct sops_err *err);

/* The value at p: a string as its raw bytes; another scalar or a subtree
 * as store `to` writes it (JSON for subtrees of any store but dotenv). */
int convert_extract(const struct sdoc *doc, const struct tree_path *p,
		    const struct store_ops *to, int indent, struct buf *out,
		    struct sops_err *err);

#endif
