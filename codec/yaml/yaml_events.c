/* yaml_events.c - the YAML grammar over libyaml's tokens, as yaml.v3's
 * parser (parserc.go) runs it: same states, same errors, and the same
 * hand-over of comments to events (peek_token unfolds the comments whose
 * token mark has been reached; set_event_comments gives them to the event).
 * Our own parser instead of libyaml's because libyaml's events carry no
 * comments.
 */
#include "yaml_events.h"

#include <stdlib.h>
#include <string.h>

enum {
	ST_STREAM_START, ST_IMPLICIT_DOCUMENT_START, ST_DOCUMENT_START, ST_DOCUMENT_CONTENT,
	ST_DOCUMENT_END, ST_BLOCK_NODE, ST_BLOCK_NODE_OR_INDENTLESS_SEQUENCE, ST_FLOW_NODE,
	ST_BLOCK_SEQUENCE_FIRST_ENTRY, ST_BLOCK_SEQUENCE_ENTRY, ST_INDENTLESS_SEQUENCE_ENTRY,
	ST_BLOCK_MAPPING_FIRST_KEY, ST_BLOCK_MAPPING_KEY, ST_BLOCK_MAPPING_VALUE,
	ST_FLOW_SEQUENCE_FIRST_ENTRY, ST_FLOW_SEQUENCE_ENTRY, ST_FLOW_SEQUENCE_ENTRY_MAPPING_KEY,
	ST_FLOW_SEQUENCE_ENTRY_MAPPING_VALUE, ST_FLOW_SEQUENCE_ENTRY_MAPPING_END,
	ST_FLOW_MAPPING_FIRST_KEY, ST_FLOW_MAPPING_KEY, ST_FLOW_MAPPING_VALUE,
	ST_FLOW_MAPPING_EMPTY_VALUE, ST_END,
};

void yparser_init(struct yparser *P, struct yscan *S, struct sops_err *err)
{
	memset(P, 0, sizeof(*P));
	P->S = S;
	P->err = err;
	P->state = ST_STREAM_START;
}

void yparser_free(struct yparser *P)
{
	free(P->states);
	free(P->marks);
	free(P->tags);
	memset(P, 0, sizeof(*P));
}

/* ---- errors: yaml.v3 fail() reports parser errors at the 0-based line --- */

static int perr(struct yparser *P, const struct ymark *context, const char *problem,
		const struct ymark *pm)
{
	int line = 0;

	if (context != NULL && context->line != 0)
		line = context->line;
	else if (pm != NULL && pm->line != 0)
		line = pm->line;
	if (line != 0)
		return err_set(P->err, EX_COULD_NOT_READ, "yaml: line %d: %s", line, problem);
	return err_set(P->err, EX_COULD_NOT_READ, "yaml: %s", problem);
}

static int oom(struct yparser *P)
{
	return err_set(P->err, EX_ERROR, "out of memory");
}

/* ---- stacks ------------------------------------------------------------------ */

static int push_state(struct yparser *P, int st)
{
	if (P->nstates == P->scap) {
		int ncap = P->scap ? P->scap * 2 : 32;
		int *nv = realloc(P->states, (size_t)ncap * sizeof(*nv));

		if (nv == NULL)
			return oom(P);
		P->states = nv;
		P->scap = ncap;
	}
	P->states[P->nstates++] = st;
	return 0;
}

static void pop_state(struct yparser *P)
{
	P->state = P->nstates > 0 ? P->states[--P->nstates] : ST_END;
}

static int push_mark(struct yparser *P, struct ymark m)
{
	if (P->nmarks == P->mcap) {
		int ncap = P->mcap ? P->mcap * 2 : 32;
		struct ymark *nv = realloc(P->marks, (size_t)ncap * sizeof(*nv));

		if (nv == NULL)
			return oom(P);
		P->marks = nv;
		P->mcap = ncap;
	}
	P->marks[P->nmarks++] = m;
	return 0;
}

static struct ymark pop_mark(struct yparser *P)
{
	struct ymark z = { 0, 0, 0, 0 };

	return P->nmarks > 0 ? P->marks[--P->nmarks] : z;
}

/* ---- tokens and comments ----------------------------------------------------- */

static void unfold(struct yparser *P, const struct ytok *t)
{
	struct yscan *S = P->S;
	struct pool *pool = S->pool;

	while (P->chead < S->ncmts && t->s.idx >= S->cmts[P->chead].token_idx) {
		struct ycomment *c = &S->cmts[P->chead];

		if (c->head.n > 0) {
			if (t->type == YAML_BLOCK_END_TOKEN)
				break;      /* no heads on ends: keep it for what follows */
			yblob_append(pool, &P->head_c, &c->head);
		}
		yblob_append(pool, &P->foot_c, &c->foot);
		yblob_append(pool, &P->line_c, &c->line);
		P->chead++;
	}
}

static struct ytok *peek(struct yparser *P)
{
	struct ytok *t = &P->S->toks[P->head];

	unfold(P, t);
	return t;
}

static void skip(struct yparser *P)
{
	if (P->head + 1 < P->S->ntoks)
		P->head++;
}

static void take_comments(struct yparser *P, struct yevent *ev)
{
	ev->head = P->head_c;
	ev->line = P->line_c;
	ev->foot = P->foot_c;
	memset(&P->head_c, 0, sizeof(P->head_c));
	memset(&P->line_c, 0, sizeof(P->line_c));
	memset(&P->foot_c, 0, sizeof(P->foot_c));
	memset(&P->stem_c, 0, sizeof(P->stem_c));
}

static void ev_init(struct yevent *ev, yaml_event_type_t type, struct ymark s, struct ymark e)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->s = s;
	ev->e = e;
	ev->tok = ev->tag_tok = ev->anchor_tok = -1;
}

static int empty_scalar(struct yparser *P, struct yevent *ev, struct ymark m)
{
	(void)P;
	ev_init(ev, YAML_SCALAR_EVENT, m, m);
	ev->value = "";
	ev->implicit = 1;
	ev->style = YAML_PLAIN_SCALAR_STYLE;
	return 0;
}

/* ---- directives and documents ---------------------------------------------------- */

static int add_tag_dir(struct yparser *P, const char *handle, const char *prefix,
		       int allow_dup, const struct ymark *m)
{
	for (int i = 0; i < P->ntags; i++)
		if (strcmp(P->tags[i].handle, handle) == 0)
			return allow_dup ? 0 : perr(P, NULL, "found duplicate %TAG directive", m);
	if (P->ntags == P->tcap) {
		int ncap = P->tcap ? P->tcap * 2 : 8;
		struct ytagdir *nv = realloc(P->tags, (size_t)ncap * sizeof(*nv));

		if (nv == NULL)
			return oom(P);
		P->tags = nv;
		P->tcap = ncap;
	}
	P->tags[P->ntags].handle = handle;
	P->tags[P->ntags].prefix = prefix;
	P->ntags++;
	return 0;
}

static int directives(struct yparser *P)
{
	int have_version = 0;
	struct ytok *t = peek(P);

	while (t->type == YAML_VERSION_DIRECTIVE_TOKEN || t->type == YAML_TAG_DIRECTIVE_TOKEN) {
		if (t->type == YAML_VERSION_DIRECTIVE_TOKEN) {
			if (have_version)
				return perr(P, NULL, "found duplicate %YAML directive", &t->s);
			if (t->major != 1 || t->minor != 1)
				return perr(P, NULL, "found incompatible YAML document", &t->s);
			have_version = 1;
		} else if (add_tag_dir(P, t->val, t->val2, 0, &t->s) != 0) {
			return -1;
		}
		skip(P);
		t = peek(P);
	}
	if (add_tag_dir(P, "!", "!", 1, &t->s) != 0 ||
	    add_tag_dir(P, "!!", "tag:yaml.org,2002:", 1, &t->s) != 0)
		return -1;
	return 0;
}

/* Implicit document start: the part of the pending head comment before its
 * last empty line belongs to the document, the rest to what follows. */
static void split_doc_head(struct yparser *P, struct yevent *ev)
{
	struct yblob *h = &P->head_c;
	int n = h->n;

	for (int j = n - 2; j >= 0; j--) {
		if (j == n - 2 && h->v[n - 1].s == YSEG_EMPTY) {
			ev->head.v = h->v;
			ev->head.n = n - 1;
			ev->head.cap = 0;
			memset(h, 0, sizeof(*h));
			return;
		}
		if (j >= 1 && h->v[j].s == YSEG_EMPTY) {
			ev->head.v = h->v;
			ev->head.n = j;
			ev->head.cap = 0;
			h->v += j + 1;
			h->n -= j + 1;
			h->cap = 0;
			return;
		}
	}
}

static int document_start(struct yparser *P, struct yevent *ev, int implicit)
{
	struct ytok *t = peek(P);

	if (!implicit)
		while (t->type == YAML_DOCUMENT_END_TOKEN) {
			skip(P);
			t = peek(P);
		}
	if (implicit && t->type != YAML_VERSION_DIRECTIVE_TOKEN &&
	    t->type != YAML_TAG_DIRECTIVE_TOKEN && t->type != YAML_DOCUMENT_START_TOKEN &&
	    t->type != YAML_STREAM_END_TOKEN) {
		if (directives(P) != 0 || push_state(P, ST_DOCUMENT_END) != 0)
			return -1;
		P->state = ST_BLOCK_NODE;
		ev_init(ev, YAML_DOCUMENT_START_EVENT, t->s, t->e);
		ev->implicit = 1;
		split_doc_head(P, ev);
		P->ndocs++;
		return 0;
	}
	if (t->type != YAML_STREAM_END_TOKEN) {
		struct ymark start = t->s;

		if (directives(P) != 0)
			return -1;
		t = peek(P);
		if (t->type != YAML_DOCUMENT_START_TOKEN)
			return perr(P, NULL, "did not find expected <document start>", &t->s);
		if (push_state(P, ST_DOCUMENT_END) != 0)
			return -1;
		P->state = ST_DOCUMENT_CONTENT;
		ev_init(ev, YAML_DOCUMENT_START_EVENT, start, t->e);
		ev->tok = (int)P->head;
		skip(P);
		P->ndocs++;
		return 0;
	}
	P->state = ST_END;
	ev_init(ev, YAML_STREAM_END_EVENT, t->s, t->e);
	P->done = 1;
	return 0;
}

static int parse_node(struct yparser *P, struct yevent *ev, int block, int indentless);

static int document_content(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);

	if (t->type == YAML_VERSION_DIRECTIVE_TOKEN || t->type == YAML_TAG_DIRECTIVE_TOKEN ||
	    t->type == YAML_DOCUMENT_START_TOKEN || t->type == YAML_DOCUMENT_END_TOKEN ||
	    t->type == YAML_STREAM_END_TOKEN) {
		pop_state(P);
		return empty_scalar(P, ev, t->s);
	}
	return parse_node(P, ev, 1, 0);
}

static int document_end(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);
	struct ymark s = t->s, e = t->s;
	int implicit = 1;

	if (t->type == YAML_DOCUMENT_END_TOKEN) {
		e = t->e;
		skip(P);
		implicit = 0;
	}
	P->ntags = 0;
	P->state = ST_DOCUMENT_START;
	ev_init(ev, YAML_DOCUMENT_END_EVENT, s, e);
	ev->implicit = implicit;
	take_comments(P, ev);
	if (ev->head.n > 0 && ev->foot.n == 0) {
		ev->foot = ev->head;
		memset(&ev->head, 0, sizeof(ev->head));
	}
	return 0;
}

/* ---- nodes ------------------------------------------------------------------------ */

static const char *resolve_tag(struct yparser *P, const struct ytok *tt)
{
	char *tag;

	if (tt->vlen == 0)
		return tt->val2;
	for (int i = 0; i < P->ntags; i++) {
		size_t hl = strlen(P->tags[i].prefix);

		if (strcmp(P->tags[i].handle, tt->val) != 0)
			continue;
		tag = pool_alloc(P->S->pool, hl + tt->v2len + 1);
		if (tag == NULL)
			return NULL;
		memcpy(tag, P->tags[i].prefix, hl);
		memcpy(tag + hl, tt->val2, tt->v2len);
		return tag;
	}
	return "";
}

static int node_props(struct yparser *P, struct yevent *ev, struct ytok **tp,
		      struct ymark *start, int *tag_tok, int *anchor_tok)
{
	struct ytok *t = *tp;

	*tag_tok = *anchor_tok = -1;
	for (int k = 0; k < 2; k++) {
		if (t->type == YAML_ANCHOR_TOKEN && *anchor_tok < 0) {
			*anchor_tok = (int)P->head;
			ev->anchor = t->val;
		} else if (t->type == YAML_TAG_TOKEN && *tag_tok < 0) {
			*tag_tok = (int)P->head;
		} else {
			break;
		}
		if (k == 0)
			*start = t->s;
		skip(P);
		t = peek(P);
	}
	*tp = t;
	return 0;
}

static int scalar_event(struct yparser *P, struct yevent *ev, struct ytok *t, struct ymark start)
{
	int notag = ev->tag == NULL || ev->tag[0] == '\0';

	pop_state(P);
	ev->type = YAML_SCALAR_EVENT;
	ev->s = start;
	ev->e = t->e;
	ev->value = t->val;
	ev->vlen = t->vlen;
	ev->style = t->style;
	ev->tok = (int)P->head;
	if ((notag && t->style == YAML_PLAIN_SCALAR_STYLE) ||
	    (ev->tag != NULL && strcmp(ev->tag, "!") == 0))
		ev->implicit = 1;
	else if (notag)
		ev->quoted_implicit = 1;
	take_comments(P, ev);
	skip(P);
	return 0;
}

static int collection_event(struct yparser *P, struct yevent *ev, struct ytok *t,
			    struct ymark start, int block)
{
	int seq = t->type == YAML_FLOW_SEQUENCE_START_TOKEN ||
		  t->type == YAML_BLOCK_SEQUENCE_START_TOKEN;

	ev->type = seq ? YAML_SEQUENCE_START_EVENT : YAML_MAPPING_START_EVENT;
	ev->s = start;
	ev->e = t->e;
	ev->implicit = ev->tag == NULL || ev->tag[0] == '\0';
	ev->tok = (int)P->head;
	if (!block) {
		ev->style = seq ? YAML_FLOW_SEQUENCE_STYLE : YAML_FLOW_MAPPING_STYLE;
		P->state = seq ? ST_FLOW_SEQUENCE_FIRST_ENTRY : ST_FLOW_MAPPING_FIRST_KEY;
		take_comments(P, ev);
		return 0;
	}
	ev->style = seq ? YAML_BLOCK_SEQUENCE_STYLE : YAML_BLOCK_MAPPING_STYLE;
	P->state = seq ? ST_BLOCK_SEQUENCE_FIRST_ENTRY : ST_BLOCK_MAPPING_FIRST_KEY;
	if (P->stem_c.n > 0) {
		ev->head = P->stem_c;
		memset(&P->stem_c, 0, sizeof(P->stem_c));
	}
	return 0;
}

static int parse_node(struct yparser *P, struct yevent *ev, int block, int indentless)
{
	struct ytok *t = peek(P);
	struct ymark start;
	int tag_tok, anchor_tok;

	ev_init(ev, YAML_NO_EVENT, t->s, t->s);
	if (t->type == YAML_ALIAS_TOKEN) {
		pop_state(P);
		ev->type = YAML_ALIAS_EVENT;
		ev->e = t->e;
		ev->anchor = t->val;
		ev->tok = (int)P->head;
		take_comments(P, ev);
		skip(P);
		return 0;
	}
	start = t->s;
	node_props(P, ev, &t, &start, &tag_tok, &anchor_tok);
	ev->tag_tok = tag_tok;
	ev->anchor_tok = anchor_tok;
	if (tag_tok >= 0) {
		ev->tag = resolve_tag(P, &P->S->toks[tag_tok]);
		if (ev->tag == NULL)
			return oom(P);
		if (ev->tag[0] == '\0')
			return perr(P, &start, "found undefined tag handle",
				    &P->S->toks[tag_tok].s);
	}
	if (indentless && t->type == YAML_BLOCK_ENTRY_TOKEN) {
		ev->type = YAML_SEQUENCE_START_EVENT;
		ev->s = start;
		ev->e = t->e;
		ev->implicit = tag_tok < 0;
		ev->style = YAML_BLOCK_SEQUENCE_STYLE;
		ev->tok = (int)P->head;
		P->state = ST_INDENTLESS_SEQUENCE_ENTRY;
		return 0;
	}
	if (t->type == YAML_SCALAR_TOKEN)
		return scalar_event(P, ev, t, start);
	if (t->type == YAML_FLOW_SEQUENCE_START_TOKEN || t->type == YAML_FLOW_MAPPING_START_TOKEN)
		return collection_event(P, ev, t, start, 0);
	if (block && (t->type == YAML_BLOCK_SEQUENCE_START_TOKEN ||
		      t->type == YAML_BLOCK_MAPPING_START_TOKEN))
		return collection_event(P, ev, t, start, 1);
	if (anchor_tok >= 0 || tag_tok >= 0) {
		pop_state(P);
		ev->type = YAML_SCALAR_EVENT;
		ev->s = start;
		ev->e = start;
		ev->value = "";
		ev->implicit = tag_tok < 0;
		ev->style = YAML_PLAIN_SCALAR_STYLE;
		return 0;
	}
	return perr(P, &start, "did not find expected node content", &t->s);
}

/* ---- block collections ------------------------------------------------------------- */

/* A head comment collected before "- " moves to the nested collection that
 * follows it as a whole (yaml_parser_split_stem_comment). */
static void split_stem(struct yparser *P, int stem_len)
{
	struct ytok *t;

	if (stem_len == 0)
		return;
	t = peek(P);
	if (t->type != YAML_BLOCK_SEQUENCE_START_TOKEN && t->type != YAML_BLOCK_MAPPING_START_TOKEN)
		return;
	P->stem_c.v = P->head_c.v;
	P->stem_c.n = stem_len;
	P->stem_c.cap = 0;
	if (P->head_c.n == stem_len) {
		memset(&P->head_c, 0, sizeof(P->head_c));
	} else {
		P->head_c.v += stem_len;
		P->head_c.n -= stem_len;
		P->head_c.cap = 0;
	}
}

static int block_sequence_entry(struct yparser *P, struct yevent *ev, int first)
{
	struct ytok *t;

	if (first) {
		t = peek(P);
		if (push_mark(P, t->s) != 0)
			return -1;
		skip(P);
	}
	t = peek(P);
	if (t->type == YAML_BLOCK_ENTRY_TOKEN) {
		struct ymark m = t->e;
		int prior = P->head_c.n;

		skip(P);
		split_stem(P, prior);
		t = peek(P);
		if (t->type != YAML_BLOCK_ENTRY_TOKEN && t->type != YAML_BLOCK_END_TOKEN) {
			if (push_state(P, ST_BLOCK_SEQUENCE_ENTRY) != 0)
				return -1;
			return parse_node(P, ev, 1, 0);
		}
		P->state = ST_BLOCK_SEQUENCE_ENTRY;
		return empty_scalar(P, ev, m);
	}
	if (t->type == YAML_BLOCK_END_TOKEN) {
		pop_state(P);
		pop_mark(P);
		ev_init(ev, YAML_SEQUENCE_END_EVENT, t->s, t->e);
		ev->tok = (int)P->head;
		skip(P);
		return 0;
	}
	{
		struct ymark cm = pop_mark(P);

		return perr(P, &cm, "did not find expected '-' indicator", &t->s);
	}
}

static int indentless_sequence_entry(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);

	if (t->type == YAML_BLOCK_ENTRY_TOKEN) {
		struct ymark m = t->e;
		int prior = P->head_c.n;

		skip(P);
		split_stem(P, prior);
		t = peek(P);
		if (t->type != YAML_BLOCK_ENTRY_TOKEN && t->type != YAML_KEY_TOKEN &&
		    t->type != YAML_VALUE_TOKEN && t->type != YAML_BLOCK_END_TOKEN) {
			if (push_state(P, ST_INDENTLESS_SEQUENCE_ENTRY) != 0)
				return -1;
			return parse_node(P, ev, 1, 0);
		}
		P->state = ST_INDENTLESS_SEQUENCE_ENTRY;
		return empty_scalar(P, ev, m);
	}
	pop_state(P);
	ev_init(ev, YAML_SEQUENCE_END_EVENT, t->s, t->s);
	return 0;
}

static int block_mapping_key(struct yparser *P, struct yevent *ev, int first)
{
	struct ytok *t;

	if (first) {
		t = peek(P);
		if (push_mark(P, t->s) != 0)
			return -1;
		skip(P);
	}
	t = peek(P);
	if (t->type == YAML_KEY_TOKEN) {
		struct ymark m = t->e;

		skip(P);
		t = peek(P);
		if (t->type != YAML_KEY_TOKEN && t->type != YAML_VALUE_TOKEN &&
		    t->type != YAML_BLOCK_END_TOKEN) {
			if (push_state(P, ST_BLOCK_MAPPING_VALUE) != 0)
				return -1;
			return parse_node(P, ev, 1, 1);
		}
		P->state = ST_BLOCK_MAPPING_VALUE;
		return empty_scalar(P, ev, m);
	}
	if (t->type == YAML_BLOCK_END_TOKEN) {
		pop_state(P);
		pop_mark(P);
		ev_init(ev, YAML_MAPPING_END_EVENT, t->s, t->e);
		ev->tok = (int)P->head;
		take_comments(P, ev);
		skip(P);
		return 0;
	}
	{
		struct ymark cm = pop_mark(P);

		return perr(P, &cm, "did not find expected key", &t->s);
	}
}

static int block_mapping_value(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);

	if (t->type == YAML_VALUE_TOKEN) {
		struct ymark m = t->e;

		skip(P);
		t = peek(P);
		if (t->type != YAML_KEY_TOKEN && t->type != YAML_VALUE_TOKEN &&
		    t->type != YAML_BLOCK_END_TOKEN) {
			if (push_state(P, ST_BLOCK_MAPPING_KEY) != 0)
				return -1;
			return parse_node(P, ev, 1, 1);
		}
		P->state = ST_BLOCK_MAPPING_KEY;
		return empty_scalar(P, ev, m);
	}
	P->state = ST_BLOCK_MAPPING_KEY;
	return empty_scalar(P, ev, t->s);
}

/* ---- flow collections ---------------------------------------------------------------- */

static int flow_sequence_entry(struct yparser *P, struct yevent *ev, int first)
{
	struct ytok *t;

	if (first) {
		t = peek(P);
		if (push_mark(P, t->s) != 0)
			return -1;
		skip(P);
	}
	t = peek(P);
	if (t->type != YAML_FLOW_SEQUENCE_END_TOKEN) {
		if (!first) {
			if (t->type != YAML_FLOW_ENTRY_TOKEN) {
				struct ymark cm = pop_mark(P);

				return perr(P, &cm, "did not find expected ',' or ']'", &t->s);
			}
			skip(P);
			t = peek(P);
		}
		if (t->type == YAML_KEY_TOKEN) {
			P->state = ST_FLOW_SEQUENCE_ENTRY_MAPPING_KEY;
			ev_init(ev, YAML_MAPPING_START_EVENT, t->s, t->e);
			ev->implicit = 1;
			ev->style = YAML_FLOW_MAPPING_STYLE;
			ev->tok = (int)P->head;
			skip(P);
			return 0;
		}
		if (t->type != YAML_FLOW_SEQUENCE_END_TOKEN) {
			if (push_state(P, ST_FLOW_SEQUENCE_ENTRY) != 0)
				return -1;
			return parse_node(P, ev, 0, 0);
		}
	}
	pop_state(P);
	pop_mark(P);
	ev_init(ev, YAML_SEQUENCE_END_EVENT, t->s, t->e);
	ev->tok = (int)P->head;
	take_comments(P, ev);
	skip(P);
	return 0;
}

static int flow_seq_map_key(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);
	struct ymark m;

	if (t->type != YAML_VALUE_TOKEN && t->type != YAML_FLOW_ENTRY_TOKEN &&
	    t->type != YAML_FLOW_SEQUENCE_END_TOKEN) {
		if (push_state(P, ST_FLOW_SEQUENCE_ENTRY_MAPPING_VALUE) != 0)
			return -1;
		return parse_node(P, ev, 0, 0);
	}
	m = t->e;
	skip(P);
	P->state = ST_FLOW_SEQUENCE_ENTRY_MAPPING_VALUE;
	return empty_scalar(P, ev, m);
}

static int flow_seq_map_value(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);

	if (t->type == YAML_VALUE_TOKEN) {
		skip(P);
		t = peek(P);
		if (t->type != YAML_FLOW_ENTRY_TOKEN && t->type != YAML_FLOW_SEQUENCE_END_TOKEN) {
			if (push_state(P, ST_FLOW_SEQUENCE_ENTRY_MAPPING_END) != 0)
				return -1;
			return parse_node(P, ev, 0, 0);
		}
	}
	P->state = ST_FLOW_SEQUENCE_ENTRY_MAPPING_END;
	return empty_scalar(P, ev, t->s);
}

static int flow_seq_map_end(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);

	P->state = ST_FLOW_SEQUENCE_ENTRY;
	ev_init(ev, YAML_MAPPING_END_EVENT, t->s, t->s);
	return 0;
}

static int flow_mapping_key(struct yparser *P, struct yevent *ev, int first)
{
	struct ytok *t;

	if (first) {
		t = peek(P);
		if (push_mark(P, t->s) != 0)
			return -1;
		skip(P);
	}
	t = peek(P);
	if (t->type != YAML_FLOW_MAPPING_END_TOKEN) {
		if (!first) {
			if (t->type != YAML_FLOW_ENTRY_TOKEN) {
				struct ymark cm = pop_mark(P);

				return perr(P, &cm, "did not find expected ',' or '}'", &t->s);
			}
			skip(P);
			t = peek(P);
		}
		if (t->type == YAML_KEY_TOKEN) {
			skip(P);
			t = peek(P);
			if (t->type != YAML_VALUE_TOKEN && t->type != YAML_FLOW_ENTRY_TOKEN &&
			    t->type != YAML_FLOW_MAPPING_END_TOKEN) {
				if (push_state(P, ST_FLOW_MAPPING_VALUE) != 0)
					return -1;
				return parse_node(P, ev, 0, 0);
			}
			P->state = ST_FLOW_MAPPING_VALUE;
			return empty_scalar(P, ev, t->s);
		}
		if (t->type != YAML_FLOW_MAPPING_END_TOKEN) {
			if (push_state(P, ST_FLOW_MAPPING_EMPTY_VALUE) != 0)
				return -1;
			return parse_node(P, ev, 0, 0);
		}
	}
	pop_state(P);
	pop_mark(P);
	ev_init(ev, YAML_MAPPING_END_EVENT, t->s, t->e);
	ev->tok = (int)P->head;
	take_comments(P, ev);
	skip(P);
	return 0;
}

static int flow_mapping_value(struct yparser *P, struct yevent *ev, int empty)
{
	struct ytok *t = peek(P);

	if (empty) {
		P->state = ST_FLOW_MAPPING_KEY;
		return empty_scalar(P, ev, t->s);
	}
	if (t->type == YAML_VALUE_TOKEN) {
		skip(P);
		t = peek(P);
		if (t->type != YAML_FLOW_ENTRY_TOKEN && t->type != YAML_FLOW_MAPPING_END_TOKEN) {
			if (push_state(P, ST_FLOW_MAPPING_KEY) != 0)
				return -1;
			return parse_node(P, ev, 0, 0);
		}
	}
	P->state = ST_FLOW_MAPPING_KEY;
	return empty_scalar(P, ev, t->s);
}

/* ---- dispatcher ------------------------------------------------------------------------ */

static int stream_start(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);

	if (t->type != YAML_STREAM_START_TOKEN)
		return perr(P, NULL, "did not find expected <stream-start>", &t->s);
	P->state = ST_IMPLICIT_DOCUMENT_START;
	ev_init(ev, YAML_STREAM_START_EVENT, t->s, t->e);
	skip(P);
	return 0;
}

int yparser_next(struct yparser *P, struct yevent *ev)
{
	switch (P->state) {
	case ST_STREAM_START: return stream_start(P, ev);
	case ST_IMPLICIT_DOCUMENT_START: return document_start(P, ev, 1);
	case ST_DOCUMENT_START: return document_start(P, ev, 0);
	case ST_DOCUMENT_CONTENT: return document_content(P, ev);
	case ST_DOCUMENT_END: return document_end(P, ev);
	case ST_BLOCK_NODE: return parse_node(P, ev, 1, 0);
	case ST_BLOCK_NODE_OR_INDENTLESS_SEQUENCE: return parse_node(P, ev, 1, 1);
	case ST_FLOW_NODE: return parse_node(P, ev, 0, 0);
	case ST_BLOCK_SEQUENCE_FIRST_ENTRY: return block_sequence_entry(P, ev, 1);
	case ST_BLOCK_SEQUENCE_ENTRY: return block_sequence_entry(P, ev, 0);
	case ST_INDENTLESS_SEQUENCE_ENTRY: return indentless_sequence_entry(P, ev);
	case ST_BLOCK_MAPPING_FIRST_KEY: return block_mapping_key(P, ev, 1);
	case ST_BLOCK_MAPPING_KEY: return block_mapping_key(P, ev, 0);
	case ST_BLOCK_MAPPING_VALUE: return block_mapping_value(P, ev);
	case ST_FLOW_SEQUENCE_FIRST_ENTRY: return flow_sequence_entry(P, ev, 1);
	case ST_FLOW_SEQUENCE_ENTRY: return flow_sequence_entry(P, ev, 0);
	case ST_FLOW_SEQUENCE_ENTRY_MAPPING_KEY: return flow_seq_map_key(P, ev);
	case ST_FLOW_SEQUENCE_ENTRY_MAPPING_VALUE: return flow_seq_map_value(P, ev);
	case ST_FLOW_SEQUENCE_ENTRY_MAPPING_END: return flow_seq_map_end(P, ev);
	case ST_FLOW_MAPPING_FIRST_KEY: return flow_mapping_key(P, ev, 1);
	case ST_FLOW_MAPPING_KEY: return flow_mapping_key(P, ev, 0);
	case ST_FLOW_MAPPING_VALUE: return flow_mapping_value(P, ev, 0);
	case ST_FLOW_MAPPING_EMPTY_VALUE: return flow_mapping_value(P, ev, 1);
	default:
		ev_init(ev, YAML_STREAM_END_EVENT, P->S->toks[P->head].s, P->S->toks[P->head].s);
		P->done = 1;
		return 0;
	}
}
