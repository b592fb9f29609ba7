/* onnx.c: the graph's lines (seqcc's compiler/onnx.h) into an ONNX
 * ModelProto, packed by protobuf-c. Every string and array the message
 * points to is kept in one list and freed with it. */
#include "onnx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SEQCC_ONNX

#include "base/utf8.h"
#include "onnx/onnx.pb-c.h"

enum { MAX_TOKENS = 48, MAX_RANK = 4, OPSET = 13, IR_VERSION = 7 };

/* Everything the message points to, freed together. */
typedef struct keep {
    void **items;
    size_t n, cap;
} keep;

static void *kept(keep *k, size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p)
        seq_die("out of memory");
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 256;
        k->items = realloc(k->items, k->cap * sizeof *k->items);
        if (!k->items)
            seq_die("out of memory");
    }
    k->items[k->n++] = p;
    return p;
}

static char *kept_str(keep *k, const char *s, size_t len)
{
    char *c = kept(k, len + 1);
    memcpy(c, s, len);
    return c;
}

/* A growing array of pointers (nodes, initializers, values). */
typedef struct list {
    void **at;
    size_t n, cap;
} list;

static void push(list *l, void *p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->at = realloc(l->at, l->cap * sizeof *l->at);
        if (!l->at)
            seq_die("out of memory");
    }
    l->at[l->n++] = p;
}

typedef struct builder {
    const seq_onnx_in *in;
    keep k;
    list nodes, inits, inputs, outputs;
    int line;
    seq_err *err;
} builder;

static int bad(builder *b, const char *fmt, ...) SEQ_PRINTF(2, 3);

static int bad(builder *b, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return seq_fail(b->err, "%s's ONNX graph, line %d: %s", b->in->info->name, b->line, msg);
}

/* "a,b,,c" into its names (an empty one kept as ""), at most MAX. */
static size_t split(keep *k, const char *s, char sep, char **out, size_t max)
{
    size_t n = 0;
    for (const char *p = s;; ) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == max)
            return max + 1;
        out[n++] = kept_str(k, p, len);
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

static int parse_long(const char *s, long *v)
{
    char *end;
    *v = strtol(s, &end, 10);
    return *s && !*end ? 0 : -1;
}

/* ---- values: inputs and outputs ------------------------------------------------ */

static int value_info(builder *b, char **tok, int n, list *to)
{
    if (n != 4)
        return bad(b, "%s needs NAME TYPE DIMS", tok[0]);
    Onnx__ValueInfoProto *v = kept(&b->k, sizeof *v);
    onnx__value_info_proto__init(v);
    v->name = tok[1];
    Onnx__TypeProto *type = kept(&b->k, sizeof *type);
    onnx__type_proto__init(type);
    Onnx__TypeProto__Tensor *tensor = kept(&b->k, sizeof *tensor);
    onnx__type_proto__tensor__init(tensor);
    tensor->has_elem_type = 1;
    if (strcmp(tok[2], "float") == 0)
        tensor->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    else if (strcmp(tok[2], "int64") == 0)
        tensor->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    else
        return bad(b, "type %s is neither float nor int64", tok[2]);
    Onnx__TensorShapeProto *shape = kept(&b->k, sizeof *shape);
    onnx__tensor_shape_proto__init(shape);
    char *dims[MAX_TOKENS];
    size_t rank = split(&b->k, tok[3], ',', dims, MAX_TOKENS);
    if (rank > MAX_TOKENS)
        return bad(b, "%s has too many dimensions", tok[1]);
    shape->n_dim = rank;
    shape->dim = kept(&b->k, rank * sizeof *shape->dim);
    for (size_t i = 0; i < rank; i++) {
        Onnx__TensorShapeProto__Dimension *d = kept(&b->k, sizeof *d);
        onnx__tensor_shape_proto__dimension__init(d);
        long v_dim;
        if (parse_long(dims[i], &v_dim) == 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = v_dim;
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = dims[i];
        }
        shape->dim[i] = d;
    }
    tensor->shape = shape;
    type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    type->tensor_type = tensor;
    v->type = type;
    push(to, v);
    return 0;
}

/* ---- initializers ---------------------------------------------------------------- */

/* A tensor's values while its source's operations apply. */
typedef struct block {
    float *v;
    size_t size;
    int rank;
    long dims[MAX_RANK];
} block;

/* :row=R: slice R of the first axis. */
static int op_row(builder *b, block *t, const char *arg)
{
    long r;
    if (parse_long(arg, &r) != 0 || t->rank < 2 || r < 0 || r >= t->dims[0])
        return bad(b, "row=%s is not a row of the tensor", arg);
    size_t rest = t->size / (size_t)t->dims[0];
    memmove(t->v, t->v + (size_t)r * rest, rest * sizeof *t->v);
    t->size = rest;
    t->rank--;
    memmove(t->dims, t->dims + 1, (size_t)t->rank * sizeof *t->dims);
    return 0;
}

/* :gates=o0,o1,...: the last axis as equal blocks, block j from block o_j. */
static int op_gates(builder *b, block *t, const char *arg)
{
    char *parts[MAX_TOKENS];
    size_t n = split(&b->k, arg, ',', parts, MAX_TOKENS);
    long last = t->dims[t->rank - 1];
    if (n > MAX_TOKENS || last % (long)n)
        return bad(b, "gates=%s does not divide the last axis", arg);
    size_t width = (size_t)(last / (long)n), rows = t->size / (size_t)last;
    float *out = malloc(t->size * sizeof *out);
    if (!out)
        seq_die("out of memory");
    for (size_t j = 0; j < n; j++) {
        long from;
        if (parse_long(parts[j], &from) != 0 || from < 0 || from >= (long)n) {
            free(out);
            return bad(b, "gates=%s names a block that is not there", arg);
        }
        for (size_t r = 0; r < rows; r++)
            memcpy(out + r * (size_t)last + j * width, t->v + r * (size_t)last + (size_t)from * width,
                   width * sizeof *out);
    }
    memcpy(t->v, out, t->size * sizeof *out);
    free(out);
    return 0;
}

/* :perm=p0,p1,...: axis i of the result is axis p_i of the tensor. */
static int op_perm(builder *b, block *t, const char *arg)
{
    char *parts[MAX_TOKENS];
    size_t n = split(&b->k, arg, ',', parts, MAX_TOKENS);
    long perm[MAX_RANK], dims[MAX_RANK], stride[MAX_RANK];
    if ((int)n != t->rank)
        return bad(b, "perm=%s does not name every axis", arg);
    stride[t->rank - 1] = 1;
    for (int i = t->rank - 2; i >= 0; i--)
        stride[i] = stride[i + 1] * t->dims[i + 1];
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (parse_long(parts[i], &perm[i]) != 0 || perm[i] < 0 || perm[i] >= t->rank ||
            (seen & (1 << perm[i])))
            return bad(b, "perm=%s is not a permutation of the axes", arg);
        seen |= 1 << perm[i];
        dims[i] = t->dims[perm[i]];
    }
    float *out = malloc(t->size * sizeof *out);
    if (!out)
        seq_die("out of memory");
    long at[MAX_RANK] = {0};
    for (size_t o = 0; o < t->size; o++) {
        long from = 0;
        for (int i = 0; i < t->rank; i++)
            from += at[i] * stride[perm[i]];
        out[o] = t->v[from];
        for (int i = t->rank - 1; i >= 0 && ++at[i] == dims[i]; i--)
            at[i] = 0;
    }
    memcpy(t->v, out, t->size * sizeof *out);
    memcpy(t->dims, dims, sizeof dims);
    free(out);
    return 0;
}

/* A series' scale member: the inputs' means or deviations, or the target's. */
static int scale_values(builder *b, const char *member, block *t)
{
    const seq_series_scale *s = b->in->scale;
    if (!s)
        return bad(b, "scale:%s but the model is no series", member);
    int F = s->n_features;
    t->v = malloc((size_t)F * sizeof *t->v);
    if (!t->v)
        seq_die("out of memory");
    t->rank = 1;
    if (strcmp(member, "input_mean") == 0 || strcmp(member, "input_std") == 0) {
        for (int f = 0; f < F; f++)
            t->v[f] = (float)(member[6] == 'm' ? s->mean[f] : s->std[f]);
        t->size = (size_t)F;
    } else if (strcmp(member, "target_mean") == 0 || strcmp(member, "target_std") == 0) {
        t->v[0] = (float)(member[7] == 'm' ? s->mean[s->target] : s->std[s->target]);
        t->size = 1;
    } else {
        free(t->v);
        t->v = NULL;
        return bad(b, "scale:%s is not a scale", member);
    }
    t->dims[0] = (long)t->size;
    return 0;
}

/* One SOURCE's values into T (owned by the caller once this returns 0). */
static int source_values(builder *b, const char *source, block *t)
{
    char *parts[MAX_TOKENS];
    size_t n = split(&b->k, source, ':', parts, MAX_TOKENS);
    if (n > MAX_TOKENS)
        return bad(b, "source %s has too many operations", source);
    memset(t, 0, sizeof *t);
    if (strcmp(parts[0], "zeros") == 0) {
        long count;
        if (n != 2 || parse_long(parts[1], &count) != 0 || count < 1)
            return bad(b, "%s is not zeros:COUNT", source);
        t->v = calloc((size_t)count, sizeof *t->v);
        if (!t->v)
            seq_die("out of memory");
        t->size = (size_t)count, t->rank = 1, t->dims[0] = count;
        return 0;
    }
    if (strcmp(parts[0], "scale") == 0)
        return n == 2 ? scale_values(b, parts[1], t) : bad(b, "%s is not scale:MEMBER", source);
    const seq_tensor_info *ti = seq_tensor_named(b->in->info, parts[0]);
    if (!ti)
        return bad(b, "no parameter tensor %s", parts[0]);
    t->v = malloc(ti->size * sizeof *t->v);
    if (!t->v)
        seq_die("out of memory");
    memcpy(t->v, b->in->params + ti->offset, ti->size * sizeof *t->v);
    t->size = ti->size, t->rank = ti->rank;
    for (int i = 0; i < ti->rank; i++)
        t->dims[i] = ti->shape[i];
    for (size_t i = 1; i < n; i++) {
        char *eq = strchr(parts[i], '=');
        int rc = !eq ? bad(b, "operation %s has no '='", parts[i])
                 : strncmp(parts[i], "row=", 4) == 0   ? op_row(b, t, eq + 1)
                 : strncmp(parts[i], "gates=", 6) == 0 ? op_gates(b, t, eq + 1)
                 : strncmp(parts[i], "perm=", 5) == 0  ? op_perm(b, t, eq + 1)
                                                        : bad(b, "unknown operation %s", parts[i]);
        if (rc != 0) {
            free(t->v);
            t->v = NULL;
            return -1;
        }
    }
    return 0;
}

static Onnx__TensorProto *new_tensor(builder *b, const char *name, int type, size_t rank)
{
    Onnx__TensorProto *t = kept(&b->k, sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = kept_str(&b->k, name, strlen(name));
    t->has_data_type = 1;
    t->data_type = type;
    t->n_dims = rank;
    t->dims = kept(&b->k, rank * sizeof *t->dims);
    return t;
}

/* weight NAME DIMS SOURCE...: the sources' values one after another. */
static int weight(builder *b, char **tok, int n)
{
    if (n < 4)
        return bad(b, "%s needs NAME DIMS SOURCE...", tok[0]);
    char *dims[MAX_TOKENS];
    size_t rank = split(&b->k, tok[2], ',', dims, MAX_TOKENS), want = 1;
    if (rank > MAX_TOKENS)
        return bad(b, "%s has too many dimensions", tok[1]);
    Onnx__TensorProto *t = new_tensor(b, tok[1], ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, rank);
    for (size_t i = 0; i < rank; i++) {
        long d;
        if (parse_long(dims[i], &d) != 0 || d < 1)
            return bad(b, "dimension %s is not a size", dims[i]);
        t->dims[i] = d;
        want *= (size_t)d;
    }
    t->float_data = kept(&b->k, want * sizeof *t->float_data);
    size_t got = 0;
    for (int i = 3; i < n; i++) {
        block v;
        if (source_values(b, tok[i], &v) != 0)
            return -1;
        if (got + v.size <= want)
            memcpy(t->float_data + got, v.v, v.size * sizeof *v.v);
        got += v.size;
        free(v.v);
    }
    if (got != want)
        return bad(b, "the sources do not fill %s", tok[1]);
    t->n_float_data = want;
    push(&b->inits, t);
    return 0;
}

/* ints NAME V,V,...: an int64 vector; float NAME V: a float scalar. */
static int constant(builder *b, char **tok, int n)
{
    if (n != 3)
        return bad(b, "%s needs NAME VALUES", tok[0]);
    if (strcmp(tok[0], "float") == 0) {
        Onnx__TensorProto *t = new_tensor(b, tok[1], ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0);
        char *end;
        t->float_data = kept(&b->k, sizeof *t->float_data);
        t->float_data[0] = strtof(tok[2], &end);
        if (*end)
            return bad(b, "%s is not a number", tok[2]);
        t->n_float_data = 1;
        push(&b->inits, t);
        return 0;
    }
    char *parts[MAX_TOKENS];
    size_t count = split(&b->k, tok[2], ',', parts, MAX_TOKENS);
    if (count > MAX_TOKENS)
        return bad(b, "%s has too many values", tok[1]);
    Onnx__TensorProto *t = new_tensor(b, tok[1], ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1);
    t->dims[0] = (int64_t)count;
    t->int64_data = kept(&b->k, count * sizeof *t->int64_data);
    for (size_t i = 0; i < count; i++) {
        long v;
        if (parse_long(parts[i], &v) != 0)
            return bad(b, "%s is not an integer", parts[i]);
        t->int64_data[i] = v;
    }
    t->n_int64_data = count;
    push(&b->inits, t);
    return 0;
}

/* ---- nodes -------------------------------------------------------------------- */

static int attribute(builder *b, const char *text, Onnx__AttributeProto **out)
{
    const char *eq = strchr(text, '='), *colon = eq ? strchr(eq, ':') : NULL;
    if (!colon)
        return bad(b, "attribute %s is not NAME=KIND:VALUE", text);
    Onnx__AttributeProto *a = kept(&b->k, sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = kept_str(&b->k, text, (size_t)(eq - text));
    const char *kind = eq + 1, *value = colon + 1;
    size_t kind_len = (size_t)(colon - kind);
    a->has_type = 1;
    char *end;
    if (kind_len == 1 && *kind == 'i') {
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        a->has_i = 1;
        a->i = strtoll(value, &end, 10);
        if (!*value || *end)
            return bad(b, "attribute %s: not an integer", text);
    } else if (kind_len == 1 && *kind == 'f') {
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        a->has_f = 1;
        a->f = strtof(value, &end);
        if (!*value || *end)
            return bad(b, "attribute %s: not a number", text);
    } else if (kind_len == 1 && *kind == 's') {
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        a->has_s = 1;
        a->s.len = strlen(value);
        a->s.data = (uint8_t *)kept_str(&b->k, value, a->s.len);
    } else if (kind_len == 2 && memcmp(kind, "is", 2) == 0) {
        char *parts[MAX_TOKENS];
        size_t n = split(&b->k, value, ',', parts, MAX_TOKENS);
        if (n > MAX_TOKENS)
            return bad(b, "attribute %s: too many values", text);
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        a->n_ints = n;
        a->ints = kept(&b->k, n * sizeof *a->ints);
        for (size_t i = 0; i < n; i++) {
            long v;
            if (parse_long(parts[i], &v) != 0)
                return bad(b, "attribute %s: not integers", text);
            a->ints[i] = v;
        }
    } else {
        return bad(b, "attribute %s: the kind is not i, is, f or s", text);
    }
    *out = a;
    return 0;
}

/* node OP INPUTS OUTPUTS ATTR...; trailing absent inputs are left out. */
static int node(builder *b, char **tok, int n)
{
    if (n < 4)
        return bad(b, "%s needs OP INPUTS OUTPUTS", tok[0]);
    Onnx__NodeProto *nd = kept(&b->k, sizeof *nd);
    onnx__node_proto__init(nd);
    nd->op_type = tok[1];
    char name[64];
    snprintf(name, sizeof name, "node_%zu", b->nodes.n);
    nd->name = kept_str(&b->k, name, strlen(name));
    nd->input = kept(&b->k, MAX_TOKENS * sizeof *nd->input);
    nd->output = kept(&b->k, MAX_TOKENS * sizeof *nd->output);
    nd->n_input = split(&b->k, tok[2], ',', nd->input, MAX_TOKENS);
    nd->n_output = split(&b->k, tok[3], ',', nd->output, MAX_TOKENS);
    if (nd->n_input > MAX_TOKENS || nd->n_output > MAX_TOKENS)
        return bad(b, "node %s has too many inputs or outputs", tok[1]);
    while (nd->n_input && !nd->input[nd->n_input - 1][0])
        nd->n_input--;
    nd->n_attribute = (size_t)(n - 4);
    nd->attribute = kept(&b->k, nd->n_attribute * sizeof *nd->attribute);
    for (int i = 4; i < n; i++)
        if (attribute(b, tok[i], &nd->attribute[i - 4]) != 0)
            return -1;
    push(&b->nodes, nd);
    return 0;
}

/* ---- the model -------------------------------------------------------------------- */

static int graph_line(builder *b, const char *text)
{
    char *tok[MAX_TOKENS + 1];
    int n = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, " ");
        if (n == MAX_TOKENS)
            return bad(b, "%s", "too many words");
        tok[n++] = kept_str(&b->k, p, len);
        p += len;
    }
    if (n == 0)
        return bad(b, "%s", "an empty line");
    if (strcmp(tok[0], "unsupported") == 0)
        return seq_fail(b->err, "%s has no ONNX form: %s", b->in->info->name,
                        text + strlen("unsupported "));
    if (strcmp(tok[0], "input") == 0)
        return value_info(b, tok, n, &b->inputs);
    if (strcmp(tok[0], "output") == 0)
        return value_info(b, tok, n, &b->outputs);
    if (strcmp(tok[0], "weight") == 0)
        return weight(b, tok, n);
    if (strcmp(tok[0], "ints") == 0 || strcmp(tok[0], "float") == 0)
        return constant(b, tok, n);
    if (strcmp(tok[0], "node") == 0)
        return node(b, tok, n);
    return bad(b, "%s is not a kind of line", tok[0]);
}

static void meta(builder *b, list *props, const char *key, const char *value)
{
    Onnx__StringStringEntryProto *e = kept(&b->k, sizeof *e);
    onnx__string_string_entry_proto__init(e);
    e->key = kept_str(&b->k, key, strlen(key));
    e->value = kept_str(&b->k, value, strlen(value));
    push(props, e);
}

/* S as a JSON string's contents (quotes and backslashes escaped). */
static void json_text(seq_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            seq_buf_printf(out, "\\%c", c);
        else if (c < 0x20)
            seq_buf_printf(out, "\\u%04x", c);
        else
            seq_buf_add(out, &s[i], 1);
    }
}

static void metadata(builder *b, list *props)
{
    const seq_model_info *info = b->in->info;
    char number[32];
    meta(b, props, "seqcc.model", info->name);
    meta(b, props, "seqcc.spec_sha256", info->spec_sha256);
    snprintf(number, sizeof number, "%d", info->seq_len);
    meta(b, props, "seqcc.seq_len", number);
    snprintf(number, sizeof number, "%ld", b->in->step);
    meta(b, props, "seqcc.step", number);
    if (info->data.vocab_size) {
        snprintf(number, sizeof number, "%d", info->data.vocab_size);
        meta(b, props, "seqcc.vocab_size", number);
        meta(b, props, "seqcc.padding", info->data.padding == SEQ_PAD_PRE ? "pre" : "post");
    }
    if (b->in->classes) {
        seq_buf json = {0};
        seq_buf_puts(&json, "[");
        const char *p = b->in->classes;
        for (int i = 0; *p; i++) {
            size_t len = strcspn(p, "\n");
            seq_buf_puts(&json, i ? ", \"" : "\"");
            json_text(&json, p, len);
            seq_buf_puts(&json, "\"");
            p += len + (p[len] == '\n');
        }
        seq_buf_puts(&json, "]");
        meta(b, props, "seqcc.classes", json.data);
        seq_buf_free(&json);
    }
    if (b->in->chars) {
        seq_buf json = {0};
        seq_buf_puts(&json, "\"");
        for (int i = 0; i < b->in->n_chars; i++) {
            char u[8];
            size_t len = seq_utf8_encode((uint32_t)b->in->chars[i], u);
            json_text(&json, u, len);
        }
        seq_buf_puts(&json, "\"");
        meta(b, props, "seqcc.chars", json.data);
        seq_buf_free(&json);
    }
}

int seq_onnx_write(const seq_onnx_in *in, const char *path, size_t *bytes, seq_err *err)
{
    const seq_model_info *info = in->info;
    if (!info->onnx_graph)
        return seq_fail(err, "%s was compiled without its ONNX graph: compile it again with "
                        "this seqcc", info->name);
    builder b = {.in = in, .err = err};
    int rc = 0;
    for (int i = 0; rc == 0 && info->onnx_graph[i]; i++) {
        b.line = i + 1;
        rc = graph_line(&b, info->onnx_graph[i]);
    }
    list props = {0};
    uint8_t *packed = NULL;
    if (rc == 0) {
        Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
        graph.name = (char *)info->name;
        graph.n_node = b.nodes.n, graph.node = (Onnx__NodeProto **)b.nodes.at;
        graph.n_initializer = b.inits.n, graph.initializer = (Onnx__TensorProto **)b.inits.at;
        graph.n_input = b.inputs.n, graph.input = (Onnx__ValueInfoProto **)b.inputs.at;
        graph.n_output = b.outputs.n, graph.output = (Onnx__ValueInfoProto **)b.outputs.at;
        Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsets = &opset;
        opset.domain = "";
        opset.has_version = 1, opset.version = OPSET;
        metadata(&b, &props);
        Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
        model.has_ir_version = 1, model.ir_version = IR_VERSION;
        model.n_opset_import = 1, model.opset_import = &opsets;
        model.producer_name = "seqcc";
        model.producer_version = (char *)info->seqcc_version;
        model.doc_string = (char *)info->summary;
        model.graph = &graph;
        model.n_metadata_props = props.n;
        model.metadata_props = (Onnx__StringStringEntryProto **)props.at;
        size_t size = onnx__model_proto__get_packed_size(&model);
        packed = malloc(size ? size : 1);
        if (!packed)
            seq_die("out of memory");
        onnx__model_proto__pack(&model, packed);
        rc = seq_write_file_atomic(path, packed, size, err);
        *bytes = size;
    }
    free(packed);
    free(props.at);
    free(b.nodes.at), free(b.inits.at), free(b.inputs.at), free(b.outputs.at);
    for (size_t i = 0; i < b.k.n; i++)
        free(b.k.items[i]);
    free(b.k.items);
    return rc;
}

#else /* built without protobuf-c */

int seq_onnx_write(const seq_onnx_in *in, const char *path, size_t *bytes, seq_err *err)
{
    (void)path, (void)bytes;
    return seq_fail(err, "%s: this runtime was built without ONNX (install libprotobuf-c-dev, "
                    "protobuf-c-compiler and libonnx-dev, and build seqcc again)",
                    in->info->name);
}

#endif
