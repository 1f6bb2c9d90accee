/* yaml_events.c - the YAML grammar over libyaml's tokens, as yaml.v3's
 * parser (parserc.go) runs it: same states, same errors, and the same
 * hand-over of comments to events (peek_token unfolds the comments whose
 * token mark has been reached; set_event_comments gives them to the event).
 * Our own parser instead of libyaml's because libyaml's events carry no
 * comments.
 */
#include "yaml_events.h"
#include "yaml_ev_int.h"

#include <stdlib.h>
#include <string.h>

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

int perr(struct yparser *P, const struct ymark *context, const char *problem,
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

int push_state(struct yparser *P, int st)
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

void pop_state(struct yparser *P)
{
	P->state = P->nstates > 0 ? P->states[--P->nstates] : ST_END;
}

int push_mark(struct yparser *P, struct ymark m)
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

struct ymark pop_mark(struct yparser *P)
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

struct ytok *peek(struct yparser *P)
{
	struct ytok *t = &P->S->toks[P->head];

	unfold(P, t);
	return t;
}

void skip(struct yparser *P)
{
	if (P->head + 1 < P->S->ntoks)
		P->head++;
}

void take_comments(struct yparser *P, struct yevent *ev)
{
	ev->head = P->head_c;
	ev->line = P->line_c;
	ev->foot = P->foot_c;
	memset(&P->head_c, 0, sizeof(P->head_c));
	memset(&P->line_c, 0, sizeof(P->line_c));
	memset(&P->foot_c, 0, sizeof(P->foot_c));
	memset(&P->stem_c, 0, sizeof(P->stem_c));
}

void ev_init(struct yevent *ev, yaml_event_type_t type, struct ymark s, struct ymark e)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->s = s;
	ev->e = e;
	ev->tok = ev->tag_tok = ev->anchor_tok = -1;
}

int empty_scalar(struct yparser *P, struct yevent *ev, struct ymark m)
{
	(void)P;
	ev_init(ev, YAML_SCALAR_EVENT, m, m);
	ev->value = "";
	ev->implicit = 1;
	ev->style = YAML_PLAIN_SCALAR_STYLE;
	return 0;
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
