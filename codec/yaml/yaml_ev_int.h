/* yaml_ev_int.h - what yaml_events.c, yaml_ev_doc.c and yaml_ev_coll.c
 * share: the parser states and the helpers of each state (internal).
 */
#ifndef SOPSFS_YAML_EV_INT_H
#define SOPSFS_YAML_EV_INT_H

#include "yaml_events.h"

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

/* yaml_events.c: errors, stacks, tokens and comments */
int perr(struct yparser *P, const struct ymark *context, const char *problem,
	 const struct ymark *pm);
int push_state(struct yparser *P, int st);
void pop_state(struct yparser *P);
int push_mark(struct yparser *P, struct ymark m);
struct ymark pop_mark(struct yparser *P);
struct ytok *peek(struct yparser *P);
void skip(struct yparser *P);
void take_comments(struct yparser *P, struct yevent *ev);
void ev_init(struct yevent *ev, yaml_event_type_t type, struct ymark s, struct ymark e);
int empty_scalar(struct yparser *P, struct yevent *ev, struct ymark m);

/* yaml_ev_doc.c: documents and nodes */
int document_start(struct yparser *P, struct yevent *ev, int implicit);
int document_content(struct yparser *P, struct yevent *ev);
int document_end(struct yparser *P, struct yevent *ev);
int parse_node(struct yparser *P, struct yevent *ev, int block, int indentless);

/* yaml_ev_coll.c: block and flow collections */
int block_sequence_entry(struct yparser *P, struct yevent *ev, int first);
int indentless_sequence_entry(struct yparser *P, struct yevent *ev);
int block_mapping_key(struct yparser *P, struct yevent *ev, int first);
int block_mapping_value(struct yparser *P, struct yevent *ev);
int flow_sequence_entry(struct yparser *P, struct yevent *ev, int first);
int flow_seq_map_key(struct yparser *P, struct yevent *ev);
int flow_seq_map_value(struct yparser *P, struct yevent *ev);
int flow_seq_map_end(struct yparser *P, struct yevent *ev);
int flow_mapping_key(struct yparser *P, struct yevent *ev, int first);
int flow_mapping_value(struct yparser *P, struct yevent *ev, int empty);

#endif
