/* yaml_ev_doc.c - yaml.v3's parser states for directives, documents and
 * single nodes (properties, scalars, collection starts).
 */
#include "yaml_events.h"
#include "yaml_ev_int.h"

#include <stdlib.h>
#include <string.h>

static int oom(struct yparser *P)
{
	return err_set(P->err, EX_ERROR, "out of memory");
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

int document_start(struct yparser *P, struct yevent *ev, int implicit)
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

int document_content(struct yparser *P, struct yevent *ev)
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

int document_end(struct yparser *P, struct yevent *ev)
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

int parse_node(struct yparser *P, struct yevent *ev, int block, int indentless)
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
