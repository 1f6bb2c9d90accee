/* yaml_cm_scan.c - yaml.v3's scan_comments (the comments in the gap before
 * a token, split into foot and head pieces) and unroll_indent (where
 * BLOCK-END tokens land), replayed over libyaml's tokens.
 */
#include "yaml_int.h"
#include "yaml_cm_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- scan_comments --------------------------------------------------------- */

static const struct ytok *prev_token(const struct cst *C)
{
	const struct ytok *t = &C->S->toks[C->last_real];

	if (t->type == YAML_FLOW_ENTRY_TOKEN && C->last_real > 0) {
		/* yaml.v3 takes tokens[len-2]: the real token before the ','. */
		for (long i = C->last_real - 1; i >= 0; i--)
			if (C->S->toks[i].type != YAML_KEY_TOKEN ||
			    C->S->toks[i].s.idx != C->S->toks[i].e.idx)
				return &C->S->toks[i];
	}
	return t;
}

static int push_piece(struct cst *C, struct smark *scan, long long token_mark,
		      const struct smark *start, struct smark end, struct ctext *t, int head)
{
	struct ycomment *c = new_comment(C);

	if (c == NULL)
		return -1;
	c->scan_idx = scan->idx;
	c->token_idx = token_mark;
	c->start_idx = start->idx;
	c->start_col = start->col;
	c->end_idx = end.idx;
	if (head)
		c->head = t->b;
	else
		c->foot = t->b;
	memset(&t->b, 0, sizeof(t->b));
	*scan = end;
	return 0;
}

/* Read one comment line starting at the peeked position "seen". */
static int consume_comment(struct cst *C, struct ctext *t, long long seen)
{
	size_t s = (size_t)-1, e = 0;
	int line = 0;

	for (;;) {
		if (is_breakz_at(C->S, C->cur.b)) {
			if (C->cur.idx >= seen || C->cur.b >= C->S->len)
				break;
			cur_skip_line(C);
		} else if (C->cur.idx >= seen) {
			if (s == (size_t)-1) {
				s = C->cur.b;
				line = C->cur.line;
			}
			cur_skip(C);
			e = C->cur.b;
		} else {
			cur_skip(C);
		}
	}
	if (s == (size_t)-1)
		return 0;
	return text_line(C, t, s, e, line);
}

/* State of one scan_comments run. */
struct cscan {
	const struct ytok *token;
	long long token_mark;
	struct smark scan_mark, start;
	int next_indent, recent_empty, first_empty, line, column, foot_line;
	struct ctext text;
};

/* A line break (or the end, or a closing bracket) while peeking: the text
 * so far may end as a foot comment of what came before. Returns 1 when the
 * scan must stop. */
static int at_break(struct cst *C, struct cscan *s, int peek, size_t bp, int close_flow, int *rc)
{
	const struct yscan *S = C->S;

	if (close_flow || !s->recent_empty) {
		if (close_flow || (s->first_empty &&
		    ((s->start.line == s->foot_line && s->token->type != YAML_VALUE_TOKEN) ||
		     s->start.col - 1 < s->next_indent))) {
			if (s->text.b.n > 0) {
				struct smark end = { C->cur.idx + peek, s->line, s->column };

				if (s->start.col - 1 < s->next_indent)
					s->token_mark = s->start.idx;
				*rc = push_piece(C, &s->scan_mark, s->token_mark, &s->start, end,
						 &s->text, 0);
				s->token_mark = s->scan_mark.idx;
			}
		} else if (s->text.b.n > 0 && bp < S->len && at(S, bp) != 0) {
			*rc = text_nl(C, &s->text);
		}
	}
	if (*rc != 0 || !is_break_at(S, bp))
		return 1;
	s->first_empty = 0;
	s->recent_empty = 1;
	s->column = 0;
	s->line++;
	return 0;
}

int scan_comments(struct cst *C, struct smark scan_mark)
{
	const struct yscan *S = C->S;
	struct cscan s;
	int peek, rc = 0;

	memset(&s, 0, sizeof(s));
	s.token = prev_token(C);
	s.token_mark = s.token->s.idx;
	s.scan_mark = scan_mark;
	s.next_indent = C->indent < 0 ? 0 : C->indent;
	s.first_empty = C->cur.newlines <= 1;
	s.line = C->cur.line;
	s.column = C->cur.col;
	s.foot_line = -1;
	if (scan_mark.line > 0) {
		s.foot_line = C->cur.line - C->cur.newlines + 1;
		if (C->cur.newlines == 0 && C->cur.col > 1)
			s.foot_line++;
	}
	for (peek = 0; peek < 512; peek++) {
		size_t bp = C->cur.b + (size_t)peek;
		unsigned char c;
		int close_flow;

		s.column++;
		if (is_blank_at(S, bp))
			continue;
		c = at(S, bp);
		close_flow = C->flow > 0 && (c == ']' || c == '}');
		if (close_flow || is_breakz_at(S, bp)) {
			if (at_break(C, &s, peek, bp, close_flow, &rc))
				break;
			continue;
		}
		/* a comment at a different indentation ends the text before it */
		if (s.text.b.n > 0 &&
		    (close_flow || (s.column - 1 < s.next_indent && s.column != s.start.col))) {
			struct smark end = { C->cur.idx + peek, s.line, s.column };

			if (push_piece(C, &s.scan_mark, s.token_mark, &s.start, end, &s.text, 0) != 0)
				return -1;
			s.token_mark = s.scan_mark.idx;
		}
		if (c != '#')
			break;
		if (s.text.b.n == 0) {
			s.start.idx = C->cur.idx + peek;
			s.start.line = s.line;
			s.start.col = s.column;
		} else if (text_nl(C, &s.text) != 0) {
			return -1;
		}
		s.recent_empty = 0;
		if (consume_comment(C, &s.text, C->cur.idx + peek) != 0)
			return -1;
		peek = 0;
		s.column = 0;
		s.line = C->cur.line;
		s.next_indent = C->indent < 0 ? 0 : C->indent;
	}
	if (rc == 0 && s.text.b.n > 0) {
		struct smark end = { C->cur.idx + peek - 1, s.line, s.column };

		rc = push_piece(C, &s.scan_mark, s.start.idx, &s.start, end, &s.text, 1);
	}
	return rc;
}

/* scan_to_next_token: whitespace, comments and line breaks before token r. */
int gap_scan(struct cst *C, struct smark scan_mark)
{
	const struct yscan *S = C->S;

	for (;;) {
		if (C->cur.col == 0 && at(S, C->cur.b) == 0xEF && at(S, C->cur.b + 1) == 0xBB &&
		    at(S, C->cur.b + 2) == 0xBF)
			cur_skip(C);
		while (at(S, C->cur.b) == ' ' || at(S, C->cur.b) == '\t')
			cur_skip(C);
		if (at(S, C->cur.b) == '#' && scan_comments(C, scan_mark) != 0)
			return -1;
		if (C->cur.b < S->len && is_break_at(S, C->cur.b))
			cur_skip_line(C);
		else
			return 0;
	}
}

/* ---- indentation --------------------------------------------------------- */

int push_indent(struct cst *C, int col)
{
	if (C->nstack == C->scap) {
		int ncap = C->scap ? C->scap * 2 : 32;
		int *nv = realloc(C->stack, (size_t)ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		C->stack = nv;
		C->scap = ncap;
	}
	C->stack[C->nstack++] = C->indent;
	C->indent = col;
	return 0;
}

/* unroll_indent: pop levels above column; each BLOCK-END token (in order
 * from *be) gets yaml.v3's position. */
void unroll(struct cst *C, int column, long long scan_idx, size_t *be, size_t r)
{
	struct yscan *S = C->S;
	long long block_mark = scan_idx - 1;

	if (C->flow > 0)
		return;
	while (C->indent > column && C->nstack > 0) {
		long long stop = block_mark;

		for (size_t i = S->ncmts; i-- > 0;) {
			const struct ycomment *c = &S->cmts[i];

			if (c->end_idx < stop)
				break;
			if (c->start_col == C->indent + 1)
				block_mark = c->start_idx;
			stop = c->scan_idx;
		}
		while (*be < r && S->toks[*be].type != YAML_BLOCK_END_TOKEN)
			(*be)++;
		if (*be < r) {
			S->toks[*be].s.idx = block_mark;
			S->toks[*be].e.idx = block_mark;
			(*be)++;
		}
		C->indent = C->stack[--C->nstack];
	}
}
