/* ini_parser.h - the INI parser's state, shared by ini_parse.c (lines,
 * sections, comments, the tree) and ini_value.c (key names and values as
 * ini.v1 reads them). Internal to the INI store.
 */
#ifndef SOPSFS_INI_PARSER_H
#define SOPSFS_INI_PARSER_H

#include "ini_doc.h"
#include "../core/flatten.h"


struct iline {
	size_t start, end, next;   /* end excludes the LF, next follows it */
};

struct ikey {
	struct node *key, *comment;
	size_t region_start, region_end;
};

struct iparse {
	struct sdoc *doc;
	struct ini_doc *id;
	struct node *root;
	struct sops_err *err;
	enum parse_mode mode;
	const char *t;
	size_t len, pos;
	int line;
	/* the current section */
	struct node *sec;          /* NULL for a [sops] section */
	int sec_meta;              /* the first [sops]: keys are metadata */
	int sec_sops, count;
	size_t sec_header, body_end, prev_body_end;
	struct ikey *keys;
	size_t nkeys, capkeys;
	/* the comment being gathered */
	struct ini_piece *pend;
	size_t npend, cappend;
	struct buf ctext;          /* secure: its raw text */
	struct flat_item *items;   /* metadata keys */
	size_t nitems, capitems;
	struct buf tmp;            /* secure */
};

/* What read_value found: the token to replace and where the value ends. */
struct ival {
	size_t vs, ve;            /* the token */
	size_t last_next;         /* after the value's last line */
};

int ini_oom(struct iparse *p);
/* ini.v1 errors quote the line: keep it short, it may hold a secret. */
int ini_bad_line(struct iparse *p, const char *what, const struct iline *l, size_t from);
/* The next line of the text; 0 at the end. */
int ini_read_line(struct iparse *p, struct iline *l);
/* A comment piece; raw_end is where its text ends in ini.v1's buffer. */
int ini_add_piece(struct iparse *p, size_t marker, size_t raw_end, const struct iline *l,
		  int is_inline);

/* readKeyName: the key [*ka, *kb) and where its value starts. */
int ini_key_name(struct iparse *p, const struct iline *l, size_t a, size_t *ka, size_t *kb,
		 size_t *off);
/* readValue: the value text goes to p->tmp; may read more lines. */
int ini_read_value(struct iparse *p, const struct iline *l, size_t off, struct ival *v);
/* A metadata value: `\n` (two bytes) means LF (sops' EscapeNewlines). */
void ini_unescape_tmp(struct iparse *p);

#endif
