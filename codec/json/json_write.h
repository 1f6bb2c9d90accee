/* json_write.h - JSON text exactly as sops (Go encoding/json) writes it.
 *
 * Scalars follow json.Marshal (HTML-safe string escaping, Go float text);
 * trees follow sops' compact encoding re-indented by json.Indent: one member
 * per line, `"key": value`, `{}` / `[]` for empty containers.
 */
#ifndef SOPSFS_JSON_WRITE_H
#define SOPSFS_JSON_WRITE_H

#include <stddef.h>
#include "../core/tree.h"
#include "../../common/buf.h"
#include "../../common/err.h"

/* json.Marshal(string): quotes included. */
int json_put_string(struct buf *out, const char *s, size_t n);

/* json.Marshal of a decrypted value (str, int, float, bool, time, bytes,
 * null). Fails (code 4, sops' wording) for NaN and infinities. */
int json_put_value(struct buf *out, const struct tvalue *v, struct sops_err *err);

/* The value of node n (map, list or scalar) in json.Indent layout: nested
 * lines start with depth+1 copies of unit. Comments are skipped. */
int json_put_tree(struct buf *out, const struct node *n, int depth,
		  const char *unit, size_t unitlen, struct sops_err *err);

/* Re-indent the JSON fragment s[0..n) (e.g. `"sops": {...}`) in json.Indent
 * layout with the given unit, its first line being at nesting depth. */
int json_reindent(struct buf *out, const char *s, size_t n, int depth,
		  const char *unit, size_t unitlen, struct sops_err *err);

/* The indentation unit a json.Indent-style fragment uses: the leading
 * whitespace of its second line, which sits at nesting depth `depth`
 * (so it holds `depth` units). Returns 0 and sets *unit and *len, or -1 when the
 * fragment has no such line or its indentation is irregular. */
int json_detect_unit(const char *s, size_t n, int depth, const char **unit, size_t *len);

#endif
