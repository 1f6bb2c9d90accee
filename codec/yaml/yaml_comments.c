/* yaml_comments.c - find comments the way go.yaml.in/yaml v3's scanner does.
 *
 * libyaml skips comments, so this file replays the part of yaml.v3's
 * scanner (scannerc.go) that collects them, over the token stream libyaml
 * produced (same algorithm, same tokens). For every token fetch, in fetch
 * order, it replays:
 *   - scan_to_next_token/scan_comments: the comments in the gap before the
 *     token, split into "foot" pieces (ending the previous content) and a
 *     "head" piece (for what follows), with the token mark each piece is
 *     attached to;
 *   - unroll_indent: the position yaml.v3 gives each BLOCK-END token (moved
 *     before foot comments of the block being closed);
 *   - scan_line_comment: a comment after the token on the same line.
 * The parser (yaml_events.c) then hands them to events exactly like yaml.v3.
 * Written by hand because no library exposes yaml.v3's comment placement,
 * which decides the AAD of every encrypted comment in a sops file.
 *
 * yaml.v3 also turns a line comment into a head comment after a first
 * "- " entry (scan_to_next_token); that only applies to a line comment the
 * parser has not consumed yet, and the parser always consumes it earlier
 * (it reads up to the token before the BLOCK-SEQUENCE-START first), so the
 * step is not replayed.
 */
#include "yaml_int.h"
#include "yaml_cm_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- blobs --------------------------------------------------------------- */

static int blob_grow(struct pool *p, struct yblob *b, int extra)
{
	struct yseg *nv;
	int cap;

	if (b->n + extra <= b->cap)
		return 0;
	cap = 2 * (b->n + extra);
	if (cap < 4)
		cap = 4;
	nv = pool_alloc(p, (size_t)cap * sizeof(*nv));
	if (nv == NULL)
		return -1;
	if (b->n > 0)
		memcpy(nv, b->v, (size_t)b->n * sizeof(*nv));
	b->v = nv;
	b->cap = cap;
	return 0;
}

int yblob_push(struct pool *p, struct yblob *b, size_t s, size_t e, int line)
{
	if (blob_grow(p, b, 1) != 0)
		return -1;
	b->v[b->n].s = s;
	b->v[b->n].e = e;
	b->v[b->n].line = line;
	b->v[b->n].flags = 0;
	b->n++;
	return 0;
}

/* dst = dst + "\n" + src (yaml.v3 joins comment texts with a line break). */
int yblob_append(struct pool *p, struct yblob *dst, const struct yblob *src)
{
	if (src->n == 0)
		return 0;
	if (blob_grow(p, dst, src->n) != 0)
		return -1;
	memcpy(dst->v + dst->n, src->v, (size_t)src->n * sizeof(*src->v));
	dst->n += src->n;
	return 0;
}

/* ---- cursor (yaml.v3 parser.mark and parser.newlines) -------------------- */

unsigned char at(const struct yscan *S, size_t b)
{
	return b < S->len ? (unsigned char)S->text[b] : 0;
}

int is_blank_at(const struct yscan *S, size_t b)
{
	unsigned char c = at(S, b);

	return c == ' ' || c == '\t';
}

int is_break_at(const struct yscan *S, size_t b)
{
	unsigned char c = at(S, b);

	return c == '\r' || c == '\n' || (c == 0xC2 && at(S, b + 1) == 0x85) ||
	       (c == 0xE2 && at(S, b + 1) == 0x80 &&
		(at(S, b + 2) == 0xA8 || at(S, b + 2) == 0xA9));
}

int is_breakz_at(const struct yscan *S, size_t b)
{
	return b >= S->len || at(S, b) == 0 || is_break_at(S, b);
}

static size_t width_at(const struct yscan *S, size_t b)
{
	return yaml_utf8_width(at(S, b));
}

void cur_skip(struct cst *C)
{
	if (!is_blank_at(C->S, C->cur.b))
		C->cur.newlines = 0;
	C->cur.idx++;
	C->cur.col++;
	C->cur.b += width_at(C->S, C->cur.b);
}

void cur_skip_line(struct cst *C)
{
	const struct yscan *S = C->S;

	if (at(S, C->cur.b) == '\r' && at(S, C->cur.b + 1) == '\n') {
		C->cur.idx += 2;
		C->cur.b += 2;
	} else if (is_break_at(S, C->cur.b)) {
		C->cur.idx++;
		C->cur.b += width_at(S, C->cur.b);
	} else {
		return;
	}
	C->cur.col = 0;
	C->cur.line++;
	C->cur.newlines++;
}

/* Line breaks since the last non-blank character before byte b. */
static int newlines_before(const struct yscan *S, size_t b)
{
	int n = 0;

	while (b > S->base) {
		unsigned char c = at(S, b - 1);

		if (c == ' ' || c == '\t') {
			b--;
		} else if (c == '\n') {
			n++;
			b--;
			if (b > S->base && at(S, b - 1) == '\r')
				b--;
		} else if (c == '\r') {
			n++;
			b--;
		} else if (c == 0x85 && b >= 2 && at(S, b - 2) == 0xC2) {
			n++;
			b -= 2;
		} else if ((c == 0xA8 || c == 0xA9) && b >= 3 && at(S, b - 2) == 0x80 &&
			   at(S, b - 3) == 0xE2) {
			n++;
			b -= 3;
		} else {
			break;
		}
	}
	return n;
}

static void cur_at_mark(struct cst *C, const struct ymark *m)
{
	C->cur.b = m->byte;
	C->cur.idx = m->idx;
	C->cur.line = m->line;
	C->cur.col = m->col;
	C->cur.newlines = newlines_before(C->S, m->byte);
}

/* ---- comment list --------------------------------------------------------- */

struct ycomment *new_comment(struct cst *C)
{
	struct yscan *S = C->S;

	if (S->ncmts == S->ccap) {
		size_t ncap = S->ccap ? S->ccap * 2 : 32;
		struct ycomment *nv = realloc(S->cmts, ncap * sizeof(*nv));

		if (nv == NULL)
			return NULL;
		S->cmts = nv;
		S->ccap = ncap;
	}
	memset(&S->cmts[S->ncmts], 0, sizeof(S->cmts[0]));
	return &S->cmts[S->ncmts++];
}

int text_nl(struct cst *C, struct ctext *t)
{
	return yblob_push(C->S->pool, &t->b, YSEG_EMPTY, YSEG_EMPTY, 0);
}

/* The comment line [s, e) was read: it fills the open (empty) last segment,
 * or starts the text. */
int text_line(struct cst *C, struct ctext *t, size_t s, size_t e, int line)
{
	if (t->b.n == 0 && yblob_push(C->S->pool, &t->b, s, e, line) != 0)
		return -1;
	t->b.v[t->b.n - 1].s = s;
	t->b.v[t->b.n - 1].e = e;
	t->b.v[t->b.n - 1].line = line;
	return 0;
}

/* ---- tokens ---------------------------------------------------------------- */

static int is_simple_key(const struct ytok *t)
{
	return t->type == YAML_KEY_TOKEN && t->s.idx == t->e.idx;
}

static int is_synth(const struct ytok *t)
{
	return t->type == YAML_BLOCK_END_TOKEN || t->type == YAML_BLOCK_SEQUENCE_START_TOKEN ||
	       t->type == YAML_BLOCK_MAPPING_START_TOKEN || is_simple_key(t);
}

/* A simple KEY (and the BLOCK-MAPPING-START before it) is created when the
 * ':' after the key is fetched: mark them with that VALUE token. */
static void find_value_owners(struct yscan *S)
{
	for (size_t v = 1; v < S->ntoks; v++) {
		long j = (long)v - 1;

		if (S->toks[v].type != YAML_VALUE_TOKEN)
			continue;
		if (S->toks[j].type == YAML_SCALAR_TOKEN || S->toks[j].type == YAML_ALIAS_TOKEN) {
			j--;
		} else if (S->toks[j].type == YAML_FLOW_SEQUENCE_END_TOKEN ||
			   S->toks[j].type == YAML_FLOW_MAPPING_END_TOKEN) {
			int depth = 0;

			for (; j >= 0; j--) {
				yaml_token_type_t ty = S->toks[j].type;

				if (ty == YAML_FLOW_SEQUENCE_END_TOKEN || ty == YAML_FLOW_MAPPING_END_TOKEN)
					depth++;
				else if (ty == YAML_FLOW_SEQUENCE_START_TOKEN ||
					 ty == YAML_FLOW_MAPPING_START_TOKEN)
					depth--;
				if (depth == 0)
					break;
			}
			j--;
		}
		while (j >= 0 && (S->toks[j].type == YAML_TAG_TOKEN ||
				  S->toks[j].type == YAML_ANCHOR_TOKEN))
			j--;
		if (j < 0 || !is_simple_key(&S->toks[j]))
			continue;
		S->toks[j].owner_value = (int)v;
		if (j > 0 && S->toks[j - 1].type == YAML_BLOCK_MAPPING_START_TOKEN &&
		    S->toks[j - 1].s.idx == S->toks[j].s.idx) {
			S->toks[j - 1].owner_value = (int)v;
			S->toks[v].value_bms = (int)j - 1;
		}
	}
}

/* Scanner position after token t was fetched. */
static void post_position(struct cst *C, const struct ytok *t)
{
	const struct yscan *S = C->S;

	cur_at_mark(C, &t->e);
	if (t->type == YAML_SCALAR_TOKEN && t->style == YAML_PLAIN_SCALAR_STYLE) {
		while (C->cur.b < S->len && (is_blank_at(S, C->cur.b) || is_break_at(S, C->cur.b))) {
			if (is_break_at(S, C->cur.b))
				cur_skip_line(C);
			else
				cur_skip(C);
		}
	} else if (t->type == YAML_SCALAR_TOKEN && (t->style == YAML_LITERAL_SCALAR_STYLE ||
						    t->style == YAML_FOLDED_SCALAR_STYLE)) {
		while (at(S, C->cur.b) == ' ')
			cur_skip(C);
	} else if (t->type == YAML_VERSION_DIRECTIVE_TOKEN ||
		   t->type == YAML_TAG_DIRECTIVE_TOKEN) {
		while (is_blank_at(S, C->cur.b))
			cur_skip(C);
		if (at(S, C->cur.b) == '#')
			while (!is_breakz_at(S, C->cur.b))
				cur_skip(C);
		cur_skip_line(C);
	}
	C->cur.newlines = newlines_before(S, C->cur.b);
}

/* scan_line_comment after a token, attached to token_mark. */
static int line_comment(struct cst *C, long long token_mark)
{
	const struct yscan *S = C->S;
	struct ycomment *c;
	size_t s;
	int peek;

	if (C->cur.newlines > 0)
		return 0;
	for (peek = 0; peek < 512; peek++)
		if (!is_blank_at(S, C->cur.b + (size_t)peek))
			break;
	if (peek == 512 || at(S, C->cur.b + (size_t)peek) != '#')
		return 0;
	while (peek-- > 0)
		cur_skip(C);
	c = new_comment(C);
	if (c == NULL)
		return -1;
	c->token_idx = token_mark;
	c->start_idx = C->cur.idx;
	c->start_col = C->cur.col;
	s = C->cur.b;
	while (!is_breakz_at(S, C->cur.b))
		cur_skip(C);
	return yblob_push(S->pool, &c->line, s, C->cur.b, C->cur.line);
}

/* The comment after a block scalar's indicators ("key: | # c"). */
static int block_header_comment(struct cst *C, const struct ytok *t)
{
	const struct yscan *S = C->S;
	struct ycomment *c;
	size_t b = t->s.byte + 1, s;
	long long idx = t->s.idx + 1;
	int col = t->s.col + 1;

	while (at(S, b) == '+' || at(S, b) == '-' || (at(S, b) >= '0' && at(S, b) <= '9')) {
		b++;
		idx++;
		col++;
	}
	while (is_blank_at(S, b)) {
		b++;
		idx++;
		col++;
	}
	if (at(S, b) != '#')
		return 0;
	c = new_comment(C);
	if (c == NULL)
		return -1;
	c->token_idx = t->s.idx;
	c->start_idx = idx;
	c->start_col = col;
	s = b;
	while (!is_breakz_at(S, b))
		b++;
	return yblob_push(S->pool, &c->line, s, b, t->s.line);
}

/* Indentation pushed while fetching token r: BLOCK-SEQUENCE-START /
 * BLOCK-MAPPING-START tokens in [from, r) that r created, and for a ':' the
 * BLOCK-MAPPING-START of its simple key. */
static int roll(struct cst *C, size_t from, size_t r)
{
	struct yscan *S = C->S;

	for (size_t i = from; i < r; i++) {
		const struct ytok *t = &S->toks[i];

		if ((t->type == YAML_BLOCK_SEQUENCE_START_TOKEN ||
		     t->type == YAML_BLOCK_MAPPING_START_TOKEN) && t->owner_value < 0 &&
		    push_indent(C, t->s.col) != 0)
			return -1;
	}
	if (S->toks[r].type == YAML_VALUE_TOKEN && S->toks[r].value_bms >= 0)
		return push_indent(C, S->toks[S->toks[r].value_bms].s.col);
	return 0;
}

static int fetch(struct cst *C, size_t from, size_t r)
{
	struct yscan *S = C->S;
	const struct ytok *t = &S->toks[r];
	struct smark scan_mark = { C->cur.idx, C->cur.line, C->cur.col };
	long long comment_mark;
	size_t be = from;

	if (gap_scan(C, scan_mark) != 0)
		return -1;
	if (C->cur.b != t->s.byte && t->type != YAML_STREAM_END_TOKEN)
		cur_at_mark(C, &t->s);
	if (t->type == YAML_STREAM_END_TOKEN) {
		unroll(C, C->cur.col, scan_mark.idx, &be, r);
		unroll(C, -1, t->s.idx, &be, r);
	} else if (t->type == YAML_DOCUMENT_START_TOKEN || t->type == YAML_DOCUMENT_END_TOKEN ||
		   t->type == YAML_VERSION_DIRECTIVE_TOKEN || t->type == YAML_TAG_DIRECTIVE_TOKEN) {
		unroll(C, t->s.col, scan_mark.idx, &be, r);
		unroll(C, -1, t->s.idx, &be, r);
	} else {
		unroll(C, t->s.col, scan_mark.idx, &be, r);
	}
	comment_mark = t->s.idx;
	if ((C->flow == 0 && at(S, t->s.byte) == ':') || (C->flow > 0 && at(S, t->s.byte) == ','))
		comment_mark = S->toks[C->last_real].s.idx;
	if (roll(C, from, r) != 0)
		return -1;
	if (t->type == YAML_FLOW_SEQUENCE_START_TOKEN || t->type == YAML_FLOW_MAPPING_START_TOKEN)
		C->flow++;
	else if ((t->type == YAML_FLOW_SEQUENCE_END_TOKEN ||
		  t->type == YAML_FLOW_MAPPING_END_TOKEN) && C->flow > 0)
		C->flow--;
	if (t->type == YAML_SCALAR_TOKEN && (t->style == YAML_LITERAL_SCALAR_STYLE ||
					     t->style == YAML_FOLDED_SCALAR_STYLE) &&
	    block_header_comment(C, t) != 0)
		return -1;
	post_position(C, t);
	C->last_real = (long)r;
	if (t->type == YAML_BLOCK_ENTRY_TOKEN || t->type == YAML_STREAM_END_TOKEN)
		return 0;
	return line_comment(C, comment_mark);
}

int ycomments_find(struct yscan *S, struct sops_err *err)
{
	struct cst C;
	size_t i = 1;
	int rc = 0;

	memset(&C, 0, sizeof(C));
	C.S = S;
	C.indent = -1;
	C.cur.b = S->base;
	find_value_owners(S);
	while (i < S->ntoks && rc == 0) {
		size_t r = i;

		while (r < S->ntoks && is_synth(&S->toks[r]))
			r++;
		if (r == S->ntoks)
			break;
		rc = fetch(&C, i, r);
		i = r + 1;
	}
	free(C.stack);
	if (rc != 0)
		return err_set(err, EX_ERROR, "out of memory");
	return 0;
}
