/* ini_doc.h - internals of the INI store (ini_parse.c, ini_render.c).
 *
 * sops reads INI with gopkg.in/ini.v1 (AllowNonUniqueSections). What the
 * parser remembers besides the tree, so rendering can replace tokens:
 *  - the pieces each comment was gathered from (ini.v1 joins the comment
 *    lines before a key or section header and an inline `;`/`#` comment into
 *    one comment);
 *  - the [sops] sections, cut from the view;
 *  - text sops drops when it loads the file (earlier copies of a repeated key,
 *    comment lines at the end of the file): cut when encrypting, so no
 *    plaintext stays behind in clear.
 */
#ifndef SOPSFS_INI_DOC_H
#define SOPSFS_INI_DOC_H

#include "../core/store.h"

/* One piece of a comment: a whole comment line, or an inline comment on a
 * key or section line (from its ';'/'#' to the end of the line). */
struct ini_piece {
	size_t marker;           /* offset of the ';' or '#' */
	size_t end;              /* end of the piece, trailing spaces excluded */
	size_t line_start, line_next;
	int is_inline;
};

struct ini_comment {
	struct ini_piece *pieces;
	size_t npieces;
	size_t owner_line;       /* start of the line of the key or header */
	int of_section;          /* a section's comment (ini.v1 writes it
				    without trimming each line) */
};

struct ini_region {
	size_t start, end;
};

struct ini_doc {
	struct ini_comment *comments;   /* NK_COMMENT node->aux indexes this */
	size_t ncomments, capcomments;
	struct ini_region *sops_cuts;   /* each [sops] section, blank lines before */
	size_t nsops, capsops;
	struct ini_region meta_text;    /* "[sops]" header .. end of its last key */
	struct ini_region *dropped;     /* text sops does not load */
	size_t ndropped, capdropped;
};

/* unicode.IsSpace trimming as Go's strings.TrimSpace does it. */
size_t ini_trim_left(const char *t, size_t a, size_t b);
size_t ini_trim_right(const char *t, size_t a, size_t b);

/* How ini.v1 writes a value: `"""v"""` if it has LF or a backtick, `v` in
 * backticks if it has ';' or '#', "v" if it has surrounding spaces. */
int ini_put_value(struct buf *out, const char *v, size_t len);

int ini_parse(struct sdoc *doc, enum parse_mode mode, struct sops_err *err);
void ini_free_priv(struct sdoc *doc);

#endif
