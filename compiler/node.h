/* node.h: the spec as a YAML tree whose every node keeps its line:column. */
#ifndef SEQC_NODE_H
#define SEQC_NODE_H

#include <stddef.h>

#include "diag.h"

typedef enum node_kind { NODE_SCALAR, NODE_SEQ, NODE_MAP } node_kind;

typedef struct node node;
struct node {
    node_kind kind;
    mark at;
    /* NODE_SCALAR */
    const char *text;
    int quoted;      /* written in quotes or as a block: always a string */
    /* NODE_SEQ: items; NODE_MAP: keys[i] -> items[i] */
    int n;
    node **items;
    node **keys;
    int used;        /* set by the spec reader, to find unknown keys */
};

/* Parses one YAML document. Reports syntax errors, duplicate keys, non-scalar
 * keys and multiple documents through diag and returns NULL. Aliases to
 * anchors are resolved (the same node appears twice). The tree lives until
 * node_free_all. */
node *node_parse(const char *text, size_t len);
void node_free_all(void);

const char *node_kind_name(node_kind k); /* "a scalar", "a list", "a mapping" */

#endif
