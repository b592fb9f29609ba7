/* layers/conv1d.c: Conv1D over time, [T, B, F] -> [T', B, filters], one
 * block of batch rows at a time: the block's input windows unfolded into
 * columns (im2col) and multiplied by the kernel in one GEMM; its backward
 * folds the columns' gradient back (col2im). */
#include <stdio.h>

#include "layers/conv_common.h"
#include "check.h"
#include "read.h"

enum { P_KERNEL, P_BIAS };
enum { B_COLS, B_DCOLS, B_PKERNEL, B_PBIAS };

static int conv1d_read(layer *l, node *n, const char *what)
{
    int rc = conv_read(n, what, conv_keys, l);
    rc |= read_int32(n, "kernel_size", what, 1, 1, 64, &l->kernel_size);
    return rc;
}

static int conv1d_check(spec *s, layer *l, const layer *prev)
{
    int B = s->batch;
    layer_shape in = l->in;
    int T = in.steps;
    if (no_char_lm(s, l, "convolutions are") != 0 || no_softmax(l) != 0)
        return -1;
    if (!in.is_seq || in.features == 0 || in.channels)
        return mismatch(l, prev, "a sequence (None, steps, features)",
                        in.channels ? IMAGE_HINT : in.is_seq ? "put an embedding first" : NULL);
    int steps = l->same ? T : T - l->kernel_size + 1;
    if (steps < 1) {
        diag_error(spec_mark(l->src, "kernel_size"),
                   "layer %d '%s' (Conv1D): a kernel of %d steps does not fit in %d steps "
                   "with 'valid' padding; use padding: same or a smaller kernel_size",
                   l->index + 1, l->name, l->kernel_size, T);
        return -1;
    }
    if (check_size(l, "filters", "the unfolded input", "batch x seq_len x kernel_size x features",
                   B, (int64_t)T * l->kernel_size, in.features) ||
        check_size(l, "filters", "the output", "batch x seq_len x filters", B, T, l->filters))
        return -1;
    l->out = (layer_shape){1, steps, l->filters, 0};
    l->n_params = (int64_t)l->kernel_size * in.features * l->filters + l->filters;
    return 0;
}

static void conv1d_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "%d, %d, %s", l->filters, l->kernel_size, l->same ? "same" : "valid");
    conv_describe_act(out, l);
}

static int padding_of(const layer *l)
{
    return l->same ? (l->kernel_size - 1) / 2 : 0; /* Keras' 'same': the extra zero at the end */
}

static void conv_params(plan *pl, const layer *l)
{
    int K = l->kernel_size, F = l->in.features, C = l->filters;
    int kernel[3] = {K, F, C}, bias[1] = {C};
    plan_param(pl, l, "kernel", 3, kernel, l->kernel_init, K * F, K * C, 0);
    plan_param(pl, l, "bias", 1, bias, l->bias_init, 0, 0, 0);
}

static void conv_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->by_blocks = 1;
    int To = l->out.steps;
    io->buf[B_COLS] = pass_add_seq(ps, l, "cols", To, (long)l->kernel_size * l->in.features);
    io->out = pass_add_seq(ps, l, "out", To, l->filters);
    io->out_stride = (size_t)To * ps->rows * l->filters;
}

static void conv_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int To = l->out.steps, KF = l->kernel_size * l->in.features;
    io->dout = pass_add_seq(ps, l, "d out", To, l->filters);
    io->dout_stride = io->out_stride;
    io->buf[B_DCOLS] = pass_add_seq(ps, l, "dcols", To, KF);
    io->buf[B_PKERNEL] = pass_add(ps, l, "d kernel_blocks", ps->blocks, KF, l->filters);
    io->buf[B_PBIAS] = pass_add(ps, l, "d bias_blocks", ps->blocks, l->filters, 0);
}

static void conv_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, To = l->out.steps, R = ps->rows, F = l->in.features, C = l->filters;
    int K = l->kernel_size, KF = K * F;
    char d[64], c[96];
    seq_buf_printf(out, "\nstatic void %s_%s_block(const real *p, real *a, int blk)\n{\n", l->name,
                   ps->suffix);
    snprintf(c, sizeof c, "[%d, %d, %d] kernel steps, input features, filters", K, F, C);
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), c);
    emit_param(out, ps, "bias", layer_param(pl, l, P_BIAS), dims1(d, sizeof d, C));
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, Ti, R, F));
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, c);
    snprintf(c, sizeof c, "%s each step's window", dims3(d, sizeof d, To, R, KF));
    emit_block_ptr(out, 0, "cols", io->buf[B_COLS], (size_t)To * R * KF, c);
    emit_block_ptr(out, 0, "y", io->out, io->out_stride, dims3(d, sizeof d, To, R, C));
    seq_buf_printf(out, "\n    seq_im2col(%d, %d, %d, %d, %d, %d, x, cols);\n", To, R, F, K, padding_of(l), Ti);
    conv_gemm_forward(out, ps, l, To * R, KF);
}

static void conv_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, To = l->out.steps, R = ps->rows, F = l->in.features, C = l->filters;
    int K = l->kernel_size, KF = K * F;
    char d[64], c[96];
    seq_buf_printf(out, "\nstatic void %s_backward_block(const real *p, real *a, int blk)\n{\n", l->name);
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), dims2(d, sizeof d, KF, C));
    emit_block_ptr(out, 1, "cols", io->buf[B_COLS], (size_t)To * R * KF, dims3(d, sizeof d, To, R, KF));
    if (l->act != ACT_NONE)
        emit_block_ptr(out, 1, "y", io->out, io->out_stride, dims3(d, sizeof d, To, R, C));
    emit_block_ptr(out, 0, "dy", io->dout, io->dout_stride, dims3(d, sizeof d, To, R, C));
    emit_block_ptr(out, 0, "dcols", io->buf[B_DCOLS], (size_t)To * R * KF, dims3(d, sizeof d, To, R, KF));
    snprintf(c, sizeof c, "%s d input", dims3(d, sizeof d, Ti, R, F));
    emit_block_ptr(out, 0, "dx", io->din, io->din_stride, c);
    emit_block_ptr(out, 0, "d_kernel", io->buf[B_PKERNEL], (size_t)KF * C, dims2(d, sizeof d, KF, C));
    emit_block_ptr(out, 0, "d_bias", io->buf[B_PBIAS], (size_t)C, dims1(d, sizeof d, C));
    conv_gemm_backward(out, l, To * R, KF);
    seq_buf_printf(out, "    seq_col2im(%d, %d, %d, %d, %d, %d, dcols, dx);\n}\n", To, R, F, K, padding_of(l), Ti);
    emit_sum_blocks(out, l, ps->blocks, (size_t)KF * l->filters, l->filters, io->buf[B_PKERNEL],
                    io->buf[B_PBIAS], layer_param(pl, l, P_KERNEL)->offset,
                    layer_param(pl, l, P_BIAS)->offset);
}

/* [T, N, F] -> [N, F, T] -> Conv (the kernel [K, F, C] as [C, F, K]; 'same':
 * the extra zero at the end, as Keras) -> [T', N, C]. */
static void conv_onnx(onnx_graph *g, const layer *l)
{
    const param *kernel = layer_param(g->pl, l, 0), *bias = layer_param(g->pl, l, 1);
    int K = l->kernel_size, left = l->same ? (K - 1) / 2 : 0, right = l->same ? K - 1 - left : 0;
    char dims[48], both[200];
    snprintf(dims, sizeof dims, "%d,%d,%d", kernel->dims[2], kernel->dims[1], kernel->dims[0]);
    onnx_weight(g, kernel->name, dims, "%s:perm=2,1,0", kernel->name);
    snprintf(dims, sizeof dims, "%d", bias->dims[0]);
    onnx_weight(g, bias->name, dims, "%s", bias->name);
    onnx_seq_to_ncw(g, l);
    snprintf(both, sizeof both, "%s,%s", kernel->name, bias->name);
    onnx_then(g, l, "Conv", both, "conv", "kernel_shape=is:%d pads=is:%d,%d", K, left, right);
    onnx_activation(g, l, l->act);
    onnx_ncw_to_seq(g, l);
}

const layer_type layer_conv1d = {
    .type = "conv1d",
    .keras_class = "Conv1D",
    .flags = LAYER_MIXES_STEPS,
    .read = conv1d_read,
    .check = conv1d_check,
    .describe = conv1d_describe,
    .params = conv_params,
    .acts = conv_acts,
    .grads = conv_grads,
    .forward = conv_forward,
    .backward = conv_backward,
    .onnx = conv_onnx,
};
