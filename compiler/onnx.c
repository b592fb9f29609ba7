/* onnx.c: the prediction graph's lines (onnx.h): the model's inputs, each
 * layer's nodes through its descriptor, and the outputs (each class's
 * probability, a char-lm's next characters and states, a series'
 * forecast in the data's units). */
#include "onnx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cwriter.h"
#include "layer.h"

static void line_start(onnx_graph *g, const char *kind, const char *name)
{
    seq_buf_printf(g->out, "%s %s", kind, name);
}

/* A line starting with START was written. */
static int written(const onnx_graph *g, const char *start)
{
    if (!g->out->len)
        return 0;
    for (const char *p = g->out->data; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, start, strlen(start)) == 0)
            return 1;
    return 0;
}

/* A node's line: OP, INPUTS (absent optional inputs at the end left out),
 * OUTPUTS and the attributes ATTRS formats with AP. */
static void node_line(onnx_graph *g, const char *op, const char *inputs, const char *outputs,
                      const char *attrs, va_list ap) SEQ_PRINTF(5, 0);

static void node_line(onnx_graph *g, const char *op, const char *inputs, const char *outputs,
                      const char *attrs, va_list ap)
{
    size_t len = strlen(inputs);
    while (len && inputs[len - 1] == ',')
        len--;
    seq_buf_printf(g->out, "node %s %.*s %s", op, (int)len, inputs, outputs);
    if (attrs[0]) {
        seq_buf_puts(g->out, " ");
        seq_buf_vprintf(g->out, attrs, ap);
    }
    seq_buf_puts(g->out, "\n");
}

void onnx_node(onnx_graph *g, const char *op, const char *inputs, const char *outputs,
               const char *attrs, ...)
{
    va_list ap;
    va_start(ap, attrs);
    node_line(g, op, inputs, outputs, attrs, ap);
    va_end(ap);
}

void onnx_then(onnx_graph *g, const layer *l, const char *op, const char *and, const char *what,
               const char *attrs, ...)
{
    char y[96], inputs[200];
    onnx_name(y, sizeof y, l, what);
    snprintf(inputs, sizeof inputs, "%s%s%s", g->x, and ? "," : "", and ? and : "");
    va_list ap;
    va_start(ap, attrs);
    node_line(g, op, inputs, y, attrs, ap);
    va_end(ap);
    snprintf(g->x, sizeof g->x, "%s", y);
}

void onnx_weight(onnx_graph *g, const char *name, const char *dims, const char *sources, ...)
{
    line_start(g, "weight", name);
    seq_buf_printf(g->out, " %s ", dims);
    va_list ap;
    va_start(ap, sources);
    seq_buf_vprintf(g->out, sources, ap);
    va_end(ap);
    seq_buf_puts(g->out, "\n");
}

void onnx_ints(onnx_graph *g, const char *values, char *name, size_t size)
{
    size_t n = (size_t)snprintf(name, size, "ints_");
    for (const char *p = values; *p && n + 2 < size; p++)
        name[n++] = *p == ',' ? '_' : *p == '-' ? 'm' : *p;
    name[n] = '\0';
    char start[80];
    snprintf(start, sizeof start, "ints %s ", name);
    if (!written(g, start)) /* else made by an earlier layer */
        seq_buf_printf(g->out, "ints %s %s\n", name, values);
}

void onnx_float(onnx_graph *g, const char *name, const char *value)
{
    char start[80];
    snprintf(start, sizeof start, "float %s ", name);
    if (!written(g, start))
        seq_buf_printf(g->out, "float %s %s\n", name, value);
}

void onnx_name(char *buf, size_t size, const layer *l, const char *what)
{
    snprintf(buf, size, "%s/%s", l->name, what);
}

void onnx_unsupported(onnx_graph *g, const char *why, ...)
{
    if (g->unsupported++)
        return;
    va_list ap;
    va_start(ap, why);
    seq_buf_puts(g->out, "unsupported ");
    seq_buf_vprintf(g->out, why, ap);
    seq_buf_puts(g->out, "\n");
    va_end(ap);
}

void onnx_seq_to_ncw(onnx_graph *g, const layer *l)
{
    onnx_then(g, l, "Transpose", NULL, "ncw", "perm=is:1,2,0");
}

void onnx_ncw_to_seq(onnx_graph *g, const layer *l)
{
    onnx_then(g, l, "Transpose", NULL, "out", "perm=is:2,0,1");
}

void onnx_image(onnx_graph *g, const layer *l)
{
    if (l->in.channels)
        return;
    char axes[64];
    onnx_ints(g, "1", axes, sizeof axes);
    onnx_then(g, l, "Transpose", NULL, "plane", "perm=is:1,0,2");
    onnx_then(g, l, "Unsqueeze", axes, "image", "");
}

void onnx_activation(onnx_graph *g, const layer *l, activation act)
{
    static const char *const ops[] = {[ACT_RELU] = "Relu", [ACT_TANH] = "Tanh",
                                      [ACT_SIGMOID] = "Sigmoid", [ACT_SOFTMAX] = "Softmax"};
    if (act != ACT_NONE)
        onnx_then(g, l, ops[act], NULL, ops[act], "%s", act == ACT_SOFTMAX ? "axis=i:-1" : "");
}

const char *onnx_lengths(onnx_graph *g)
{
    if (!g->lengths[0]) {
        char axes[64], zero[64], inputs[160];
        onnx_ints(g, "1", axes, sizeof axes);
        onnx_ints(g, "0", zero, sizeof zero);
        snprintf(inputs, sizeof inputs, "ids,%s", zero);
        onnx_node(g, "Equal", inputs, "input/is_padding", "");
        onnx_node(g, "Not", "input/is_padding", "input/is_token", "");
        onnx_node(g, "Cast", "input/is_token", "input/token_count", "to=i:6");
        snprintf(inputs, sizeof inputs, "input/token_count,%s", axes);
        onnx_node(g, "ReduceSum", inputs, "input/lengths", "keepdims=i:0");
        snprintf(g->lengths, sizeof g->lengths, "input/lengths");
    }
    return g->lengths;
}

const char *onnx_mask(onnx_graph *g)
{
    if (!g->mask[0]) {
        char axes[64], inputs[160];
        onnx_lengths(g);
        onnx_ints(g, "2", axes, sizeof axes);
        onnx_node(g, "Cast", "input/is_token", "input/mask_nt", "to=i:1");
        onnx_node(g, "Transpose", "input/mask_nt", "input/mask_tn", "perm=is:1,0");
        snprintf(inputs, sizeof inputs, "input/mask_tn,%s", axes);
        onnx_node(g, "Unsqueeze", inputs, "input/mask", "");
        snprintf(g->mask, sizeof g->mask, "input/mask");
    }
    return g->mask;
}

/* The graph's inputs, and the first layer's input as G->x: token ids [N, T]
 * (the embedding reads them) or a series' windows, scaled as in training,
 * time-major. */
static void graph_inputs(onnx_graph *g)
{
    const spec *s = g->s;
    if (!s->series) {
        if (s->char_lm)
            seq_buf_puts(g->out, "input ids int64 batch,steps\n");
        else
            seq_buf_printf(g->out, "input ids int64 batch,%d\n", s->seq_len);
        snprintf(g->x, sizeof g->x, "ids");
        return;
    }
    char dims[16];
    snprintf(dims, sizeof dims, "%d", s->n_features);
    seq_buf_printf(g->out, "input values float batch,%d,%d\n", s->seq_len, s->n_features);
    onnx_weight(g, "input/mean", dims, "scale:input_mean");
    onnx_weight(g, "input/std", dims, "scale:input_std");
    onnx_node(g, "Sub", "values,input/mean", "input/centered", "");
    onnx_node(g, "Div", "input/centered,input/std", "input/scaled", "");
    onnx_node(g, "Transpose", "input/scaled", "input/steps", "perm=is:1,0,2");
    snprintf(g->x, sizeof g->x, "input/steps");
}

/* The outputs: a classifier's probabilities [N, classes] (a sigmoid's one
 * unit as the two classes' [1 - p, p]); a char-lm's next-character
 * probabilities at every step [N, steps, characters]; a series' forecast
 * [N, 1] in the data's units. */
static void graph_outputs(onnx_graph *g)
{
    const spec *s = g->s;
    const layer *last = &s->layers[s->n_layers - 1];
    if (s->series) {
        onnx_weight(g, "output/std", "1", "scale:target_std");
        onnx_weight(g, "output/mean", "1", "scale:target_mean");
        char inputs[160];
        snprintf(inputs, sizeof inputs, "%s,output/std", g->x);
        onnx_node(g, "Mul", inputs, "output/scaled", "");
        onnx_node(g, "Add", "output/scaled,output/mean", "forecast", "");
        seq_buf_puts(g->out, "output forecast float batch,1\n");
        return;
    }
    int classes = last->out.features;
    if (s->loss.kind == SEQ_LOSS_BCE) {
        if (last->act != ACT_SIGMOID)
            onnx_activation(g, last, ACT_SIGMOID);
        char inputs[160];
        onnx_float(g, "one", "1");
        snprintf(inputs, sizeof inputs, "one,%s", g->x);
        onnx_node(g, "Sub", inputs, "output/negative", "");
        snprintf(inputs, sizeof inputs, "output/negative,%s", g->x);
        onnx_node(g, "Concat", inputs, "probs", "axis=i:1");
        classes = 2;
    } else {
        if (last->act != ACT_SOFTMAX)
            onnx_activation(g, last, ACT_SOFTMAX);
        if (s->char_lm)
            onnx_node(g, "Transpose", g->x, "probs", "perm=is:1,0,2");
        else
            onnx_node(g, "Identity", g->x, "probs", "");
    }
    if (s->char_lm)
        seq_buf_printf(g->out, "output probs float batch,steps,%d\n", classes);
    else
        seq_buf_printf(g->out, "output probs float batch,%d\n", classes);
}

void emit_onnx(seq_buf *out, const plan *pl)
{
    seq_buf lines = {0};
    onnx_graph g = {.out = &lines, .pl = pl, .s = pl->s};
    graph_inputs(&g);
    for (int i = 0; i < pl->s->n_layers; i++) {
        const layer *l = &pl->s->layers[i];
        if (l->kind->onnx)
            l->kind->onnx(&g, l);
        else
            onnx_unsupported(&g, "layer %d '%s' (%s) has no ONNX form yet", i + 1, l->name,
                             l->kind->type);
    }
    graph_outputs(&g);
    seq_buf_puts(out, "\n/* The prediction graph in ONNX (`NAME export-onnx`; seqcc's onnx.h says\n"
                      " * what the lines mean). */");
    emit_lines_array(out, "onnx_graph", &lines);
    seq_buf_free(&lines);
}
