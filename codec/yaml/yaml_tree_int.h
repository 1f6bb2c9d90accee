/* yaml_tree_int.h - what yaml_tree.c and yaml_tree_doc.c share: the state
 * of the yaml.v3 -> sops tree walk and its entry points (internal).
 */
#ifndef SOPSFS_YAML_TREE_INT_H
#define SOPSFS_YAML_TREE_INT_H

#include "yaml_int.h"

struct tb {
	struct sdoc *doc;
	struct ypriv *P;
	struct sops_err *err;
	int via_alias;
	int anchored;
	int depth;
	long long nodes, alias_nodes;
	const struct ynode **active;
	int nactive, acap;
	unsigned char *used;    /* bitmap of comment starts placed in the tree */
	struct ydoc *cur;       /* document being built */
	struct sops_err ignored; /* errors sops ignores (node.Decode): one here,
				    not one per frame of the recursive walk */
};

/* yaml_tree.c: nodes, comments, the walk */
struct node *new_node(struct tb *T, enum nkind kind);
int add_comments(struct tb *T, struct node *parent, const struct yblob *b, unsigned flags);
int branch_add(struct tb *T, const struct ynode *y, struct node *br, int handled);

/* yaml_tree_doc.c: the top-level `sops` entry */
int sops_top(struct tb *T, const struct node *item, const struct ynode *k,
	     const struct ynode *v);

#endif
