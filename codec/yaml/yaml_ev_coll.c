/* yaml_ev_coll.c - yaml.v3's parser states inside block and flow
 * sequences and mappings.
 */
#include "yaml_events.h"
#include "yaml_ev_int.h"

#include <stdlib.h>
#include <string.h>

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

int block_sequence_entry(struct yparser *P, struct yevent *ev, int first)
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

int indentless_sequence_entry(struct yparser *P, struct yevent *ev)
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

int block_mapping_key(struct yparser *P, struct yevent *ev, int first)
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

int block_mapping_value(struct yparser *P, struct yevent *ev)
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

int flow_sequence_entry(struct yparser *P, struct yevent *ev, int first)
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

int flow_seq_map_key(struct yparser *P, struct yevent *ev)
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

int flow_seq_map_value(struct yparser *P, struct yevent *ev)
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

int flow_seq_map_end(struct yparser *P, struct yevent *ev)
{
	struct ytok *t = peek(P);

	P->state = ST_FLOW_SEQUENCE_ENTRY;
	ev_init(ev, YAML_MAPPING_END_EVENT, t->s, t->s);
	return 0;
}

int flow_mapping_key(struct yparser *P, struct yevent *ev, int first)
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

int flow_mapping_value(struct yparser *P, struct yevent *ev, int empty)
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
