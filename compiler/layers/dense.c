/* layers/dense.c: Dense, [B, F] -> [B, units], y = act(x kernel + bias); and
 * time-distributed, the same at every step of a sequence: [T, B, F] ->
 * [T, B, units], one GEMM per block of rows over all its steps. */
#include <stdio.h>

#include "check.h"
#include "layer.h"
#include "read.h"

enum { P_KERNEL, P_BIAS };
enum { B_PKERNEL, B_PBIAS };

static int dense_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", "units", "activation",
                                       "time_distributed", "kernel_initializer",
                                       "bias_initializer", NULL};
    int rc = check_map(n, what, keys);
    l->kernel_init = (init_spec){.kind = SEQ_INIT_GLOROT_UNIFORM, .scale = 1};
    l->bias_init = (init_spec){.kind = SEQ_INIT_ZEROS, .scale = 1};
    l->act = ACT_NONE;
    rc |= read_int32(n, "units", what, 1, 1, SPEC_MAX_UNITS, &l->units);
    rc |= read_activation(n, what, &l->act);
    rc |= read_bool(n, "time_distributed", &l->time_distributed);
    rc |= read_init(n, "kernel_initializer", &l->kernel_init);
    rc |= read_init(n, "bias_initializer", &l->bias_init);
    return rc;
}

static int dense_check(spec *s, layer *l, const layer *prev)
{
    int B = s->batch;
    layer_shape in = l->in;
    int T = in.steps;
    if (l->act == ACT_SOFTMAX && l->index != s->n_layers - 1) {
        diag_error(spec_mark(l->src, "activation"),
                   "layer %d '%s': softmax is computed with the loss, so only the last layer "
                   "can have it (with sparse_categorical_crossentropy)", l->index + 1, l->name);
        return -1;
    }
    if (l->time_distributed) { /* the same dense at every step */
        if (!in.is_seq || in.features == 0 || in.channels)
            return mismatch(l, prev, "a sequence (None, steps, features) for a time_distributed dense",
                            in.channels ? IMAGE_HINT
                            : prev && (prev->kind->flags & LAYER_RECURRENT)
                                ? "set return_sequences: true on it" : NULL);
        if (check_size(l, "units", "the output", "batch x steps x units", B, T, l->units))
            return -1;
        l->out = (layer_shape){1, T, l->units, 0};
        l->n_params = (int64_t)in.features * l->units + l->units;
        return 0;
    }
    if (in.is_seq)
        return mismatch(l, prev, "a vector (None, features)",
                        in.channels ? "reshape_to_sequence makes the image a sequence, and a "
                                      "recurrent layer makes that a vector"
                        : prev && (prev->kind->flags & LAYER_RECURRENT)
                            ? "set return_sequences: false on it, or time_distributed: true here"
                            : "or time_distributed: true to apply it at every step");
    if (check_size(l, "units", "the kernel", "input features x units", in.features,
                   l->units, 0) ||
        check_size(l, "units", "the output", "batch x units", B, l->units, 0))
        return -1;
    l->out = (layer_shape){0, 0, l->units, 0};
    l->n_params = (int64_t)in.features * l->units + l->units;
    return 0;
}

static const char *dense_class(const layer *l)
{
    return l->time_distributed ? "TimeDistributed" : "Dense";
}

static void dense_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "%d", l->units);
    if (l->act != ACT_NONE)
        seq_buf_printf(out, ", %s", activation_name(l->act));
}

static void td_acts(pass *ps, const layer *l);
static void td_grads(pass *ps, const layer *l);
static void td_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l);
static void td_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l);

static void dense_params(plan *pl, const layer *l)
{
    int F = l->in.features, N = l->units;
    int kernel[2] = {F, N}, bias[1] = {N};
    plan_param(pl, l, "kernel", 2, kernel, l->kernel_init, F, N, 0);
    plan_param(pl, l, "bias", 1, bias, l->bias_init, 0, 0, 0);
}

static void dense_acts(pass *ps, const layer *l)
{
    if (l->time_distributed) {
        td_acts(ps, l);
        return;
    }
    ps->io[l->index].out = pass_add(ps, l, "out", ps->batch, l->units, 0);
}

static void dense_grads(pass *ps, const layer *l)
{
    if (l->time_distributed) {
        td_grads(ps, l);
        return;
    }
    ps->io[l->index].dout = pass_add(ps, l, "d out", ps->batch, l->units, 0);
}

static void declare(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int B = ps->batch, F = l->in.features, N = l->units;
    char d[64], c[96];
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), dims2(d, sizeof d, F, N));
    snprintf(c, sizeof c, "%s input", dims2(d, sizeof d, B, F));
    emit_ptr(out, 1, "x", 'a', io->in, c);
}

static void dense_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    if (l->time_distributed) {
        td_forward(out, pl, ps, l);
        return;
    }
    const layer_io *io = &ps->io[l->index];
    int B = ps->batch, F = l->in.features, N = l->units;
    activation act = layer_activation(pl, l);
    char d[64];
    seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a)\n{\n", l->name, ps->suffix);
    declare(out, pl, ps, l);
    emit_param(out, ps, "bias", layer_param(pl, l, P_BIAS), dims1(d, sizeof d, N));
    emit_ptr(out, 0, "y", 'a', io->out,
             act == l->act ? dims2(d, sizeof d, B, N)
             : l->act == ACT_SOFTMAX ? "logits; the softmax is in the loss"
                                     : "logits; the sigmoid is in the loss");
    seq_buf_printf(out, "\n    seq_fill_rows(%d, %d, bias, y);\n", B, N);
    seq_buf_printf(out, "    seq_matmul(%d, %d, %d, x, kernel, 1, y);\n", B, N, F);
    if (act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s(%ld, y, y);\n", activation_name(act), (long)B * N);
    seq_buf_puts(out, "}\n");
}

static void dense_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    if (l->time_distributed) {
        td_backward(out, pl, ps, l);
        return;
    }
    const layer_io *io = &ps->io[l->index];
    int B = ps->batch, F = l->in.features, N = l->units;
    activation act = layer_activation(pl, l);
    char d[64], c[96];
    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n", l->name);
    declare(out, pl, ps, l);
    emit_ptr(out, 0, "d_kernel", 'g', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, F, N));
    emit_ptr(out, 0, "d_bias", 'g', layer_param(pl, l, P_BIAS)->offset, dims1(d, sizeof d, N));
    if (act != ACT_NONE)
        emit_ptr(out, 1, "y", 'a', io->out, dims2(d, sizeof d, B, N));
    emit_ptr(out, 0, "dy", 'a', io->dout, dims2(d, sizeof d, B, N));
    snprintf(c, sizeof c, "%s d input", dims2(d, sizeof d, B, F));
    emit_ptr(out, 0, "dx", 'a', io->din, c);
    seq_buf_puts(out, "\n");
    if (act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s_backward(%ld, y, dy, dy);\n", activation_name(act), (long)B * N);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, x, dy, 0, d_kernel);\n", F, N, B);
    seq_buf_printf(out, "    seq_colsum(%d, %d, dy, d_bias);\n", B, N);
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dy, kernel, 0, dx);\n}\n", B, F, N);
}

/* ---- time-distributed ---------------------------------------------------- */

static void td_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->by_blocks = 1;
    io->out = pass_add_seq(ps, l, "out", steps_in(ps, l), l->units);
    io->out_stride = (size_t)steps_in(ps, l) * ps->rows * l->units;
}

static void td_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->dout = pass_add_seq(ps, l, "d out", steps_in(ps, l), l->units);
    io->dout_stride = io->out_stride;
    io->buf[B_PKERNEL] = pass_add(ps, l, "d kernel_blocks", ps->blocks, l->in.features, l->units);
    io->buf[B_PBIAS] = pass_add(ps, l, "d bias_blocks", ps->blocks, l->units, 0);
}

static void td_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features, N = l->units;
    activation act = layer_activation(pl, l);
    char d[64], c[96];
    seq_buf_printf(out, "\nstatic void %s_%s_block(const real *p, real *a, int blk)\n{\n", l->name,
                   ps->suffix);
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), dims2(d, sizeof d, F, N));
    emit_param(out, ps, "bias", layer_param(pl, l, P_BIAS), dims1(d, sizeof d, N));
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, T, R, F));
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, c);
    snprintf(c, sizeof c, "%s%s", dims3(d, sizeof d, T, R, N),
             act == l->act ? "" : " logits; the softmax is in the loss");
    emit_block_ptr(out, 0, "y", io->out, io->out_stride, c);
    seq_buf_printf(out, "\n    seq_fill_rows(%d, %d, bias, y);\n", T * R, N);
    seq_buf_printf(out, "    seq_matmul(%d, %d, %d, x, kernel, 1, y);  /* every step at once */\n", T * R, N, F);
    if (act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s(%ld, y, y);\n", activation_name(act), (long)T * R * N);
    seq_buf_printf(out, "}\n\nstatic void %s_%s(const real *p, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n",
                   l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

static void td_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features, N = l->units, NB = ps->blocks;
    activation act = layer_activation(pl, l);
    char d[64], c[96];
    seq_buf_printf(out, "\nstatic void %s_backward_block(const real *p, real *a, int blk)\n{\n", l->name);
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), dims2(d, sizeof d, F, N));
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, T, R, F));
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, c);
    if (act != ACT_NONE)
        emit_block_ptr(out, 1, "y", io->out, io->out_stride, dims3(d, sizeof d, T, R, N));
    emit_block_ptr(out, 0, "dy", io->dout, io->dout_stride, dims3(d, sizeof d, T, R, N));
    snprintf(c, sizeof c, "%s d input", dims3(d, sizeof d, T, R, F));
    emit_block_ptr(out, 0, "dx", io->din, io->din_stride, c);
    emit_block_ptr(out, 0, "d_kernel", io->buf[B_PKERNEL], (size_t)F * N, dims2(d, sizeof d, F, N));
    emit_block_ptr(out, 0, "d_bias", io->buf[B_PBIAS], (size_t)N, dims1(d, sizeof d, N));
    seq_buf_puts(out, "\n");
    if (act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s_backward(%ld, y, dy, dy);\n", activation_name(act), (long)T * R * N);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, x, dy, 0, d_kernel);\n", F, N, T * R);
    seq_buf_printf(out, "    seq_colsum(%d, %d, dy, d_bias);\n", T * R, N);
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dy, kernel, 0, dx);\n}\n", T * R, F, N);
    emit_sum_blocks(out, l, NB, (size_t)F * N, N, io->buf[B_PKERNEL], io->buf[B_PBIAS],
                    layer_param(pl, l, P_KERNEL)->offset, layer_param(pl, l, P_BIAS)->offset);
}

/* [N, F] -> [N, units] (Gemm), or [T, N, F] -> [T, N, units] at every step
 * (MatMul, Add); then the activation. */
static void dense_onnx(onnx_graph *g, const layer *l)
{
    const param *kernel = layer_param(g->pl, l, 0), *bias = layer_param(g->pl, l, 1);
    char dims[32], both[200];
    snprintf(dims, sizeof dims, "%d,%d", kernel->dims[0], kernel->dims[1]);
    onnx_weight(g, kernel->name, dims, "%s", kernel->name);
    snprintf(dims, sizeof dims, "%d", bias->dims[0]);
    onnx_weight(g, bias->name, dims, "%s", bias->name);
    if (l->in.is_seq) {
        onnx_then(g, l, "MatMul", kernel->name, "product", "");
        onnx_then(g, l, "Add", bias->name, "out", "");
    } else {
        snprintf(both, sizeof both, "%s,%s", kernel->name, bias->name);
        onnx_then(g, l, "Gemm", both, "out", "");
    }
    onnx_activation(g, l, l->act);
}

const layer_type layer_dense = {
    .type = "dense",
    .keras_class = "Dense",
    .class_of = dense_class,
    .flags = LAYER_OUTPUT,
    .read = dense_read,
    .check = dense_check,
    .describe = dense_describe,
    .params = dense_params,
    .acts = dense_acts,
    .grads = dense_grads,
    .forward = dense_forward,
    .backward = dense_backward,
    .onnx = dense_onnx,
};
