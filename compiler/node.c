/* node.c: libyaml's event stream folded into a tree of nodes. */
#include "node.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/utf8.h"
#include "base/util.h"
#include "strset.h"

enum { MAX_DEPTH = 64 };

/* Every node and string is recorded here and freed together. */
static void **allocs;
static size_t n_allocs, cap_allocs;

static void *track(void *p)
{
    if (n_allocs == cap_allocs) {
        cap_allocs = cap_allocs ? 2 * cap_allocs : 256;
        allocs = seq_xrealloc(allocs, cap_allocs * sizeof *allocs);
    }
    allocs[n_allocs++] = p;
    return p;
}

void node_free_all(void)
{
    for (size_t i = 0; i < n_allocs; i++)
        free(allocs[i]);
    free(allocs);
    allocs = NULL;
    n_allocs = cap_allocs = 0;
}

const char *node_kind_name(node_kind k)
{
    switch (k) {
    case NODE_SCALAR: return "a scalar";
    case NODE_SEQ: return "a list";
    case NODE_MAP: return "a mapping";
    }
    return "?";
}

typedef struct anchor {
    const char *name;
    node *target;
} anchor;

typedef struct reader {
    yaml_parser_t parser;
    yaml_event_t event; /* the current event, owned until next() */
    int have_event;
    anchor *anchors;
    int n_anchors, cap_anchors;
    strset anchor_names; /* name -> the latest anchor of that name */
    const char *text;
    size_t len;
} reader;

static mark mark_of(yaml_mark_t m)
{
    mark at = {(int)m.line + 1, (int)m.column + 1};
    return at;
}

/* The mark of byte OFFSET; columns count characters, as libyaml's do. */
static mark mark_at_offset(const reader *r, size_t offset)
{
    mark at = {1, 1};
    for (size_t i = 0; i < offset && i < r->len; i++) {
        if (r->text[i] == '\n') {
            at.line++;
            at.col = 1;
        } else if (!seq_utf8_continues((unsigned char)r->text[i])) {
            at.col++;
        }
    }
    return at;
}

/* Whether AT is where its line's text starts, after the indentation. */
static int at_indentation(const reader *r, mark at)
{
    size_t i = 0;
    for (int line = 1; line < at.line && i < r->len; i++)
        if (r->text[i] == '\n')
            line++;
    int col = 1;
    for (; i < r->len && r->text[i] == ' '; i++)
        col++;
    return col == at.col;
}

/* What usually lies behind libyaml's less telling complaints. */
static const char *syntax_hint(const char *problem, int at_indent)
{
    if (strstr(problem, "mapping values are not allowed"))
        return "is a ':' missing on the line above, is this line indented too far, or does a "
               "value hold ': ' (then quote the value)?";
    if (strstr(problem, "did not find expected key"))
        return at_indent ? "is this line indented less than the keys above it?"
                         : "is there more after a quoted value or a list? (quote the whole value)";
    if (strstr(problem, "did not find expected '-' indicator") && at_indent)
        return "is this line part of the list item above? Indent it like that item's keys";
    if (strstr(problem, "could not find expected ':'"))
        return "is a ':' missing after the key?";
    if (strstr(problem, "found a tab character"))
        return "indent with spaces (YAML does not allow tabs there)";
    if (strstr(problem, "cannot start any token"))
        return "quote a value that starts with '@', '`' or '%'";
    return NULL;
}

/* libyaml's reader (bad UTF-8, control characters) gives a byte offset
 * instead of a mark. A key without its ':', and a construct still open at
 * the end of the file, are reported where they start: libyaml notices them
 * lines later. */
static void syntax_error(const reader *r)
{
    const yaml_parser_t *p = &r->parser;
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_READER_ERROR) {
        diag_error(mark_at_offset(r, p->problem_offset),
                   "invalid YAML: %s (byte 0x%02x); a spec is UTF-8 text", problem,
                   (unsigned)p->problem_value & 0xFF);
        return;
    }
    mark at = mark_of(p->problem_mark);
    const char *hint = syntax_hint(problem, at_indentation(r, at));
    if (!p->context) {
        diag_error(at, "invalid YAML: %s%s%s", problem, hint ? "; " : "", hint ? hint : "");
        return;
    }
    mark ctx = mark_of(p->context_mark);
    mark end = mark_at_offset(r, r->len);
    if (end.col > 1) /* libyaml ends the stream on a line of its own */
        end = (mark){end.line + 1, 1};
    if (strstr(problem, "could not find expected ':'"))
        diag_error(ctx, "invalid YAML: %s %s; %s", problem, p->context, hint);
    else if (at.line >= end.line)
        diag_error(ctx, "invalid YAML: %s %s; it is still open at the end of the file", problem,
                   p->context);
    else
        diag_error(at, "invalid YAML: %s %s that starts at line %d, column %d%s%s", problem,
                   p->context, ctx.line, ctx.col, hint ? "; " : "", hint ? hint : "");
}

/* Advances to the next event; reports a syntax error and returns -1. */
static int next(reader *r)
{
    if (r->have_event)
        yaml_event_delete(&r->event);
    r->have_event = 0;
    if (!yaml_parser_parse(&r->parser, &r->event)) {
        syntax_error(r);
        return -1;
    }
    r->have_event = 1;
    return 0;
}

static node *new_node(node_kind kind, mark at)
{
    node *n = track(seq_xcalloc(1, sizeof *n));
    n->kind = kind;
    n->at = at;
    return n;
}

static void remember_anchor(reader *r, const yaml_char_t *name, node *target)
{
    if (!name)
        return;
    if (r->n_anchors == r->cap_anchors) {
        r->cap_anchors = r->cap_anchors ? 2 * r->cap_anchors : 8;
        r->anchors = seq_xrealloc(r->anchors, (size_t)r->cap_anchors * sizeof *r->anchors);
    }
    r->anchors[r->n_anchors].name = track(seq_xstrdup((const char *)name));
    r->anchors[r->n_anchors].target = target;
    strset_add(&r->anchor_names, r->anchors[r->n_anchors].name, r->n_anchors);
    r->n_anchors++;
}

static void push(node *parent, node *key, node *item)
{
    if ((parent->n & (parent->n - 1)) == 0) { /* grow at powers of two */
        size_t cap = parent->n ? 2 * (size_t)parent->n : 1;
        node **items = track(seq_xmalloc(cap * sizeof *items));
        if (parent->n)
            memcpy(items, parent->items, (size_t)parent->n * sizeof *items);
        parent->items = items;
        if (parent->kind == NODE_MAP) {
            node **keys = track(seq_xmalloc(cap * sizeof *keys));
            if (parent->n)
                memcpy(keys, parent->keys, (size_t)parent->n * sizeof *keys);
            parent->keys = keys;
        }
    }
    if (parent->kind == NODE_MAP)
        parent->keys[parent->n] = key;
    parent->items[parent->n++] = item;
}

static node *parse_node(reader *r, int depth);

/* Parses the key of a mapping entry, whose event is current; SEEN holds the
 * mapping's keys so far. */
static node *parse_key(reader *r, node *map, strset *seen, int depth)
{
    node *key = parse_node(r, depth + 1);
    if (!key)
        return NULL;
    if (key->kind != NODE_SCALAR) {
        diag_error(key->at, "keys must be plain names, not %s", node_kind_name(key->kind));
        return NULL;
    }
    for (const char *c = key->text; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) { /* keys are echoed in messages */
            diag_error(key->at, "keys must be plain names, not text with control characters");
            return NULL;
        }
    }
    int first = strset_add(seen, key->text, map->n);
    if (first >= 0) {
        diag_error(key->at, "duplicate key '%s' (first given at line %d)", key->text,
                   map->keys[first]->at.line);
        return NULL;
    }
    return key;
}

/* Parses the children of the collection whose start event is current. */
static int parse_children(reader *r, node *parent, int depth)
{
    yaml_event_type_t end = parent->kind == NODE_MAP ? YAML_MAPPING_END_EVENT
                                                     : YAML_SEQUENCE_END_EVENT;
    strset seen = {0};
    int rc = -1;
    for (;;) {
        if (next(r) != 0)
            break;
        if (r->event.type == end) {
            rc = 0;
            break;
        }
        node *key = NULL;
        if (parent->kind == NODE_MAP) {
            key = parse_key(r, parent, &seen, depth);
            if (!key || next(r) != 0)
                break;
        }
        node *item = parse_node(r, depth + 1);
        if (!item)
            break;
        push(parent, key, item);
    }
    strset_free(&seen);
    return rc;
}

/* Builds the node whose first event is current. */
static node *parse_node(reader *r, int depth)
{
    yaml_event_t *e = &r->event;
    mark at = mark_of(e->start_mark);
    if (depth > MAX_DEPTH) {
        diag_error(at, "nesting deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    switch (e->type) {
    case YAML_SCALAR_EVENT: {
        node *n = new_node(NODE_SCALAR, at);
        n->text = track(seq_xstrndup((const char *)e->data.scalar.value, e->data.scalar.length));
        if (strlen(n->text) != e->data.scalar.length) {
            diag_error(at, "NUL character in a value");
            return NULL;
        }
        n->quoted = e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        remember_anchor(r, e->data.scalar.anchor, n);
        return n;
    }
    case YAML_ALIAS_EVENT: {
        int i = strset_find(&r->anchor_names, (const char *)e->data.alias.anchor);
        if (i >= 0)
            return r->anchors[i].target;
        diag_error(at, "unknown alias '*%s'", (const char *)e->data.alias.anchor);
        return NULL;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int is_map = e->type == YAML_MAPPING_START_EVENT;
        node *n = new_node(is_map ? NODE_MAP : NODE_SEQ, at);
        const yaml_char_t *name = is_map ? e->data.mapping_start.anchor
                                         : e->data.sequence_start.anchor;
        /* The anchor names an unfinished node: an alias inside it would
         * make a cycle, so it is only registered once complete. */
        yaml_char_t *saved = name ? (yaml_char_t *)seq_xstrdup((const char *)name) : NULL;
        int rc = parse_children(r, n, depth);
        if (rc == 0)
            remember_anchor(r, saved, n);
        free(saved);
        return rc == 0 ? n : NULL;
    }
    default:
        diag_error(at, "unexpected YAML event");
        return NULL;
    }
}

node *node_parse(const char *text, size_t len)
{
    static const char empty[] =
        "the spec is empty (expected a mapping with name, input, data, layers, ...)";
    reader r;
    memset(&r, 0, sizeof r);
    r.text = text;
    r.len = len;
    if (!yaml_parser_initialize(&r.parser))
        seq_die("cannot initialize libyaml");
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
    node *root = NULL;
    mark start = {1, 1};
    if (next(&r) != 0 || next(&r) != 0) /* STREAM_START, then DOCUMENT_START or STREAM_END */
        goto done;
    if (r.event.type == YAML_STREAM_END_EVENT) {
        diag_error(start, "%s", empty);
        goto done;
    }
    if (next(&r) != 0)
        goto done;
    root = parse_node(&r, 0);
    if (!root)
        goto done;
    if (root->kind == NODE_SCALAR && !root->quoted && !root->text[0]) { /* just "---" */
        diag_error(start, "%s", empty);
        root = NULL;
        goto done;
    }
    if (next(&r) != 0) { /* DOCUMENT_END */
        root = NULL;
        goto done;
    }
    if (next(&r) != 0) {
        root = NULL;
        goto done;
    }
    if (r.event.type != YAML_STREAM_END_EVENT) {
        diag_error(mark_of(r.event.start_mark), "a spec is one YAML document; found a second one");
        root = NULL;
    }
done:
    if (r.have_event)
        yaml_event_delete(&r.event);
    yaml_parser_delete(&r.parser);
    free(r.anchors);
    strset_free(&r.anchor_names);
    return root;
}
