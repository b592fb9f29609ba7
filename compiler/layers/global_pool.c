/* layers/global_pool.c: GlobalMaxPooling1D and GlobalAveragePooling1D, the
 * maximum or the mean over time: [T, B, F] -> [B, F]. Masked, each example
 * pools only its real steps (its length); a row of none gives 0. One block
 * of batch rows at a time (seq_global_*_pool, kernels.h). */
#include <stdio.h>

#include "check.h"
#include "layer.h"
#include "read.h"

extern const layer_type layer_global_max_pool1d;

static int is_max(const layer *l)
{
    return l->kind == &layer_global_max_pool1d;
}

static int global_pool_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", "masked", NULL};
    int rc = check_map(n, what, keys);
    rc |= read_bool(n, "masked", &l->masked);
    return rc;
}

static int global_pool_check(spec *s, layer *l, const layer *prev)
{
    layer_shape in = l->in;
    if (no_char_lm(s, l, "pooling over time is") != 0)
        return -1;
    if (!in.is_seq || in.features == 0 || in.channels)
        return mismatch(l, prev, "a sequence (None, steps, features) to pool over its steps",
                        in.channels ? IMAGE_HINT
                        : in.is_seq ? "put an embedding first"
                        : (prev->kind->flags & LAYER_RECURRENT)
                            ? "set return_sequences: true on it, or drop the pooling: its "
                              "output is already one vector per example"
                        : "its output is already one vector per example; pool before it");
    if (check_masked(s, l) != 0)
        return -1;
    l->out = (layer_shape){0, 0, in.features, 0};
    l->n_params = 0;
    return 0;
}

static void global_pool_describe(seq_buf *out, const layer *l)
{
    if (l->masked)
        seq_buf_puts(out, "masked");
}

static void global_pool_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->by_blocks = 1;
    io->out = pass_add(ps, l, "out", ps->batch, l->out.features, 0);
    io->out_stride = (size_t)ps->rows * l->out.features;
}

static void global_pool_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->dout = pass_add(ps, l, "d out", ps->batch, l->out.features, 0);
    io->dout_stride = io->out_stride;
}

/* "static void NAME_WHAT_block(const real *p, real *a, [lengths, ]int blk)
 * {" and the rows' lengths (len, or NULL) of block blk. */
static void block_head(seq_buf *out, const pass *ps, const layer *l, const char *what)
{
    seq_buf_printf(out, "\nstatic void %s_%s_block(const real *p, real *a, %sint blk)\n{\n",
                   l->name, what, l->masked ? "const int32_t *lengths, " : "");
    if (l->masked)
        seq_buf_printf(out, "    const int32_t *len = lengths + %d * blk;%*s/* [%d] the rows' lengths */\n",
                       ps->rows, 6, "", ps->rows);
}

/* The function that runs the blocks: WHAT is the pass's suffix or "backward". */
static void blocks_call(seq_buf *out, const pass *ps, const layer *l, const char *what)
{
    int backward = what[0] == 'b';
    seq_buf_printf(out, "\nstatic void %s_%s(const real *p, %sreal *a%s)\n{\n", l->name, what,
                   backward ? "real *g, " : "", l->masked ? ", const int32_t *lengths" : "");
    if (backward)
        seq_buf_puts(out, "    (void)g;\n");
    if (l->masked)
        seq_buf_printf(out, "    seq_parallel_blocks_len(%d, %s_%s_block, p, a, lengths);\n}\n",
                       ps->blocks, l->name, what);
    else
        seq_buf_printf(out, "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n", ps->blocks,
                       l->name, what);
}

static void global_pool_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features;
    char d[64];
    (void)pl;
    block_head(out, ps, l, ps->suffix);
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, dims3(d, sizeof d, T, R, F));
    emit_block_ptr(out, 0, "y", io->out, (size_t)R * F, dims2(d, sizeof d, R, F));
    seq_buf_printf(out, "\n    (void)p;\n    seq_global_%s_pool(%d, %d, %d, %s, x, y);\n}\n",
                   is_max(l) ? "max" : "avg", T, R, F, l->masked ? "len" : "NULL");
    blocks_call(out, ps, l, ps->suffix);
}

static void global_pool_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features;
    char d[64];
    (void)pl;
    block_head(out, ps, l, "backward");
    if (is_max(l)) {
        emit_block_ptr(out, 1, "x", io->in, io->in_stride, dims3(d, sizeof d, T, R, F));
        emit_block_ptr(out, 1, "y", io->out, (size_t)R * F, dims2(d, sizeof d, R, F));
    }
    emit_block_ptr(out, 1, "dy", io->dout, (size_t)R * F, dims2(d, sizeof d, R, F));
    emit_block_ptr(out, 0, "dx", io->din, io->din_stride, dims3(d, sizeof d, T, R, F));
    if (is_max(l))
        seq_buf_printf(out, "\n    (void)p;\n    seq_global_max_pool_backward(%d, %d, %d, %s, x, y, dy, dx);\n}\n",
                       T, R, F, l->masked ? "len" : "NULL");
    else
        seq_buf_printf(out, "\n    (void)p;\n    seq_global_avg_pool_backward(%d, %d, %d, %s, dy, dx);\n}\n",
                       T, R, F, l->masked ? "len" : "NULL");
    blocks_call(out, ps, l, "backward");
}

/* [T, N, F] -> [N, F]: ReduceMax or ReduceMean over time. Masked, over the
 * real steps: the mean a sum over the mask's steps divided by their count
 * (at least 1), the maximum of the values with the padding pushed to -3e38,
 * times 0 for a row of none. */
static void global_pool_onnx(onnx_graph *g, const layer *l)
{
    if (!l->masked) {
        onnx_then(g, l, is_max(l) ? "ReduceMax" : "ReduceMean", NULL, "out",
                  "axes=is:0 keepdims=i:0");
        return;
    }
    char time[64], count[96], x[96], inputs[300];
    const char *mask = onnx_mask(g);
    onnx_ints(g, "0", time, sizeof time);
    onnx_float(g, "one", "1");
    onnx_name(count, sizeof count, l, "count");
    snprintf(inputs, sizeof inputs, "%s,%s", mask, time);
    onnx_node(g, "ReduceSum", inputs, count, "keepdims=i:0");
    snprintf(x, sizeof x, "%s", g->x);
    if (is_max(l)) { /* max(x + (mask - 1) * 3e38) * min(count, 1) */
        onnx_float(g, "far", "3e+38");
        snprintf(g->x, sizeof g->x, "%s", mask);
        onnx_then(g, l, "Sub", "one", "padding_off", "");
        onnx_then(g, l, "Mul", "far", "padding_far", "");
        onnx_then(g, l, "Add", x, "kept", "");
        onnx_then(g, l, "ReduceMax", NULL, "max", "axes=is:0 keepdims=i:0");
        snprintf(x, sizeof x, "%s", g->x);
        snprintf(g->x, sizeof g->x, "%s", count);
        onnx_then(g, l, "Min", "one", "any", "");
        onnx_then(g, l, "Mul", x, "out", "");
    } else { /* sum(x * mask) / max(count, 1) */
        onnx_then(g, l, "Mul", mask, "kept", "");
        onnx_then(g, l, "ReduceSum", time, "sum", "keepdims=i:0");
        snprintf(x, sizeof x, "%s", g->x);
        snprintf(g->x, sizeof g->x, "%s", count);
        onnx_then(g, l, "Max", "one", "divisor", "");
        snprintf(inputs, sizeof inputs, "%s,%s", x, g->x);
        onnx_name(x, sizeof x, l, "out");
        onnx_node(g, "Div", inputs, x, "");
        snprintf(g->x, sizeof g->x, "%s", x);
    }
}

const layer_type layer_global_max_pool1d = {
    .type = "global_max_pool1d",
    .keras_class = "GlobalMaxPooling1D",
    .flags = LAYER_MIXES_STEPS,
    .read = global_pool_read,
    .check = global_pool_check,
    .describe = global_pool_describe,
    .acts = global_pool_acts,
    .grads = global_pool_grads,
    .forward = global_pool_forward,
    .backward = global_pool_backward,
    .onnx = global_pool_onnx,
};

const layer_type layer_global_avg_pool1d = {
    .type = "global_avg_pool1d",
    .keras_class = "GlobalAveragePooling1D",
    .flags = LAYER_MIXES_STEPS,
    .read = global_pool_read,
    .check = global_pool_check,
    .describe = global_pool_describe,
    .acts = global_pool_acts,
    .grads = global_pool_grads,
    .forward = global_pool_forward,
    .backward = global_pool_backward,
    .onnx = global_pool_onnx,
};
