/* yaml_cm_int.h - what yaml_comments.c and yaml_cm_scan.c share: the
 * replayed scanner's cursor and state, and their helpers (internal).
 */
#ifndef SOPSFS_YAML_CM_INT_H
#define SOPSFS_YAML_CM_INT_H

#include "yaml_int.h"

struct ycur {
	size_t b;
	long long idx;
	int line, col;
	int newlines;
};

struct cst {
	struct yscan *S;
	struct ycur cur;
	int indent;
	int *stack;
	int nstack, scap;
	int flow;
	long last_real;
};

/* A text being collected by scan_comments: segments, the last one possibly
 * open (a '\n' was appended and the next line not read yet). */
struct ctext {
	struct yblob b;
};

struct smark {
	long long idx;
	int line, col;
};

/* yaml_comments.c: cursor and comment list */
unsigned char at(const struct yscan *S, size_t b);
int is_blank_at(const struct yscan *S, size_t b);
int is_break_at(const struct yscan *S, size_t b);
int is_breakz_at(const struct yscan *S, size_t b);
void cur_skip(struct cst *C);
void cur_skip_line(struct cst *C);
struct ycomment *new_comment(struct cst *C);
int text_nl(struct cst *C, struct ctext *t);
int text_line(struct cst *C, struct ctext *t, size_t s, size_t e, int line);

/* yaml_cm_scan.c: scan_comments and indentation */
int scan_comments(struct cst *C, struct smark scan_mark);
int gap_scan(struct cst *C, struct smark scan_mark);
int push_indent(struct cst *C, int col);
void unroll(struct cst *C, int column, long long scan_idx, size_t *be, size_t r);

#endif
