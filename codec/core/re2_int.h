/* re2_int.h - what re2.c, re2_syntax.c and re2_class.c share: the state of
 * the Go-to-PCRE2 pattern translation (internal to codec/core).
 */
#ifndef SOPSFS_RE2_INT_H
#define SOPSFS_RE2_INT_H

#include <stddef.h>
#include <stdint.h>
#include "../../common/buf.h"
#include "../../common/err.h"

#define RE2_MAX_REPEAT 1000     /* Go's maxRepeat */
#define RE2_MAX_DEPTH 1000      /* Go's maxHeight, counted in groups */

/* One open group: where its text starts and what its last atom is. */
struct re2_frame {
	size_t open_at;          /* output offset of the group's "(?:" */
	int has_atom;            /* a repetition operator has an argument */
	size_t atom_at, atom_end;/* output offsets of that argument */
	int atom_repeated;       /* it already carries an operator */
	long atom_weight;        /* product of nested {n,m} counts inside it */
	long max_weight;         /* the largest weight seen in this group */
	int multi_line;          /* (?m) is on: ^ and $ match at line ends */
};

struct re2_tr {
	const char *whole;       /* the Go pattern */
	const char *p, *end;     /* cursor */
	struct buf out;          /* the PCRE2 pattern */
	struct re2_frame *fr;    /* fr[0] is the top level */
	int depth, nfr;          /* nfr: frames allocated (grown as groups nest) */
	struct sops_err *err;
};

/* re2_syntax.c: translate pattern into t->out (NUL-terminated). 0 or -1
 * with t->err set in Go's words. */
int re2_translate(struct re2_tr *t, const char *pattern, struct sops_err *err);

/* Set "error parsing regexp: <code>: `<expr>`" (expr is n bytes). */
int re2_fail(struct re2_tr *t, const char *code, const char *expr, size_t n);

/* Decode one UTF-8 rune of s[0..n) like Go's utf8.DecodeRune: the rune and
 * its length; an invalid byte gives U+FFFD and length 1 (*bad set). */
uint32_t re2_rune(const char *s, size_t n, size_t *len, int *bad);

/* The output from offset at to its end is the last atom (re2_syntax.c). */
void re2_atom_done(struct re2_tr *t, size_t at);

/* re2_class.c: these parse at t->p (which points at '\\' or '[') and
 * append the PCRE2 form of one atom. 0 done, -1 error set. */
int re2_escape_atom(struct re2_tr *t);
int re2_class(struct re2_tr *t);
/* Append one literal rune in a form PCRE2 reads as exactly that rune. */
int re2_put_rune(struct re2_tr *t, uint32_t r);

#endif
