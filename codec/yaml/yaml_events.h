/* yaml_events.h - yaml.v3's parser state machine over libyaml tokens
 * (yaml_events.c), producing events that carry comments. */
#ifndef SOPSFS_YAML_EVENTS_H
#define SOPSFS_YAML_EVENTS_H

#include "yaml_int.h"

struct yevent {
	yaml_event_type_t type;
	struct ymark s, e;
	const char *anchor;
	const char *tag;         /* full tag ("tag:yaml.org,2002:str", "!x") */
	const char *value;
	size_t vlen;
	int style;               /* scalar / sequence / mapping style */
	int implicit, quoted_implicit;
	struct yblob head, line, foot;
	int tok;                 /* scalar, alias, collection start token; -1 */
	int tag_tok, anchor_tok; /* -1 when absent */
};

struct ytagdir {
	const char *handle, *prefix;
};

struct yparser {
	struct yscan *S;
	size_t head;             /* next token */
	size_t chead;            /* next comment to unfold */
	struct yblob head_c, line_c, foot_c, stem_c;
	int state;
	int *states;
	int nstates, scap;
	struct ymark *marks;
	int nmarks, mcap;
	struct ytagdir *tags;
	int ntags, tcap;
	int done;
	int ndocs;               /* documents started (error attribution) */
	struct sops_err *err;
};

void yparser_init(struct yparser *P, struct yscan *S, struct sops_err *err);
void yparser_free(struct yparser *P);
/* Next event; 0, or -1 with P->err set. */
int yparser_next(struct yparser *P, struct yevent *ev);

#endif
