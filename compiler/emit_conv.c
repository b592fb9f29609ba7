/* emit_conv.c: Conv1D over time and MaxPooling1D, one block of batch rows at
 * a time. A convolution unfolds each block's input windows into columns
 * (im2col) and multiplies them by the kernel in one GEMM; its backward folds
 * the columns' gradient back (col2im). */
#include <stdio.h>

#include "emit.h"

enum { P_KERNEL, P_BIAS };
enum { B_COLS, B_DCOLS, B_PKERNEL, B_PBIAS };

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
    emit_ptr(out, 1, "kernel", 'p', layer_param(pl, l, P_KERNEL)->offset, c);
    emit_ptr(out, 1, "bias", 'p', layer_param(pl, l, P_BIAS)->offset, dims1(d, sizeof d, C));
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, Ti, R, F));
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, c);
    snprintf(c, sizeof c, "%s each step's window", dims3(d, sizeof d, To, R, KF));
    emit_block_ptr(out, 0, "cols", io->buf[B_COLS], (size_t)To * R * KF, c);
    emit_block_ptr(out, 0, "y", io->out, io->out_stride, dims3(d, sizeof d, To, R, C));
    seq_buf_printf(out, "\n    seq_im2col(%d, %d, %d, %d, %d, %d, x, cols);\n", To, R, F, K, padding_of(l), Ti);
    seq_buf_printf(out, "    seq_fill_rows(%d, %d, bias, y);\n", To * R, C);
    seq_buf_printf(out, "    seq_matmul(%d, %d, %d, cols, kernel, 1, y);\n", To * R, C, KF);
    if (l->act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s(%ld, y, y);\n", activation_name(l->act), (long)To * R * C);
    seq_buf_printf(out, "}\n\nstatic void %s_%s(const real *p, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n",
                   l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

static void conv_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, To = l->out.steps, R = ps->rows, F = l->in.features, C = l->filters;
    int K = l->kernel_size, KF = K * F, N = ps->blocks;
    char d[64], c[96];
    seq_buf_printf(out, "\nstatic void %s_backward_block(const real *p, real *a, int blk)\n{\n", l->name);
    emit_ptr(out, 1, "kernel", 'p', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, KF, C));
    emit_block_ptr(out, 1, "cols", io->buf[B_COLS], (size_t)To * R * KF, dims3(d, sizeof d, To, R, KF));
    if (l->act != ACT_NONE)
        emit_block_ptr(out, 1, "y", io->out, io->out_stride, dims3(d, sizeof d, To, R, C));
    emit_block_ptr(out, 0, "dy", io->dout, io->dout_stride, dims3(d, sizeof d, To, R, C));
    emit_block_ptr(out, 0, "dcols", io->buf[B_DCOLS], (size_t)To * R * KF, dims3(d, sizeof d, To, R, KF));
    snprintf(c, sizeof c, "%s d input", dims3(d, sizeof d, Ti, R, F));
    emit_block_ptr(out, 0, "dx", io->din, io->din_stride, c);
    emit_block_ptr(out, 0, "d_kernel", io->buf[B_PKERNEL], (size_t)KF * C, dims2(d, sizeof d, KF, C));
    emit_block_ptr(out, 0, "d_bias", io->buf[B_PBIAS], (size_t)C, dims1(d, sizeof d, C));
    seq_buf_puts(out, "\n    (void)p;\n");
    if (l->act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s_backward(%ld, y, dy, dy);\n", activation_name(l->act), (long)To * R * C);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, cols, dy, 0, d_kernel);\n", KF, C, To * R);
    seq_buf_printf(out, "    seq_colsum(%d, %d, dy, d_bias);\n", To * R, C);
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dy, kernel, 0, dcols);\n", To * R, KF, C);
    seq_buf_printf(out, "    seq_col2im(%d, %d, %d, %d, %d, %d, dcols, dx);\n}\n", To, R, F, K, padding_of(l), Ti);
    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_backward_block, p, a);\n"
                        "    /* the blocks' shares, summed in block order */\n"
                        "    seq_sum_blocks(%d, %d, a + %zu, g + %zu);  /* kernel */\n"
                        "    seq_sum_blocks(%d, %d, a + %zu, g + %zu);  /* bias */\n}\n",
                   l->name, N, l->name, N, KF * C, io->buf[B_PKERNEL],
                   layer_param(pl, l, P_KERNEL)->offset, N, C, io->buf[B_PBIAS],
                   layer_param(pl, l, P_BIAS)->offset);
}

const layer_emitter emit_conv1d = {
    .params = conv_params,
    .acts = conv_acts,
    .grads = conv_grads,
    .forward = conv_forward,
    .backward = conv_backward,
};

static void pool_params(plan *pl, const layer *l)
{
    (void)pl, (void)l;
}

static void pool_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->out = pass_add_seq(ps, l, "out", l->out.steps, l->out.features);
    io->out_stride = (size_t)l->out.steps * ps->rows * l->out.features;
}

static void pool_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->dout = pass_add_seq(ps, l, "d out", l->out.steps, l->out.features);
    io->dout_stride = io->out_stride;
}

static void pool_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, To = l->out.steps, R = ps->rows, C = l->in.features;
    char d[64];
    (void)pl;
    seq_buf_printf(out, "\nstatic void %s_%s_block(const real *p, real *a, int blk)\n{\n", l->name,
                   ps->suffix);
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, dims3(d, sizeof d, Ti, R, C));
    emit_block_ptr(out, 0, "y", io->out, io->out_stride, dims3(d, sizeof d, To, R, C));
    seq_buf_printf(out, "\n    (void)p;\n    seq_maxpool_steps(%d, %d, %d, x, y);\n}\n", To, R * C, l->pool_size);
    seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n",
                   l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

static void pool_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, To = l->out.steps, R = ps->rows, C = l->in.features;
    char d[64];
    (void)pl;
    seq_buf_printf(out, "\nstatic void %s_backward_block(const real *p, real *a, int blk)\n{\n", l->name);
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, dims3(d, sizeof d, Ti, R, C));
    emit_block_ptr(out, 1, "y", io->out, io->out_stride, dims3(d, sizeof d, To, R, C));
    emit_block_ptr(out, 1, "dy", io->dout, io->dout_stride, dims3(d, sizeof d, To, R, C));
    emit_block_ptr(out, 0, "dx", io->din, io->din_stride, dims3(d, sizeof d, Ti, R, C));
    seq_buf_printf(out, "\n    (void)p;\n    seq_maxpool_steps_backward(%d, %d, %d, %d, x, y, dy, dx);\n}\n",
                   To, R * C, l->pool_size, Ti);
    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n"
                        "    (void)g;\n    seq_parallel_blocks(%d, %s_backward_block, p, a);\n}\n",
                   l->name, ps->blocks, l->name);
}

const layer_emitter emit_maxpool1d = {
    .params = pool_params,
    .acts = pool_acts,
    .grads = pool_grads,
    .forward = pool_forward,
    .backward = pool_backward,
};
