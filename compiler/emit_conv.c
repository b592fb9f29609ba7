/* emit_conv.c: the convolution family, one block of batch rows at a time:
 * Conv1D over time and MaxPooling1D; Conv2D over the embedding plane (an
 * image of steps x features) or an earlier Conv2D's output, MaxPooling2D,
 * and the Reshape that reads an image as a sequence again. A convolution
 * unfolds each block's input windows into columns (im2col) and multiplies
 * them by the kernel in one GEMM; its backward folds the columns' gradient
 * back (col2im). */
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

void emit_conv_gemm(seq_buf *out, const layer *l, int M, int KF)
{
    int C = l->filters;
    seq_buf_printf(out, "    seq_fill_rows(%d, %d, bias, y);\n", M, C);
    seq_buf_printf(out, "    seq_matmul(%d, %d, %d, cols, kernel, 1, y);\n", M, C, KF);
    if (l->act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s(%ld, y, y);\n", activation_name(l->act), (long)M * C);
}

void emit_conv_gemm_backward(seq_buf *out, const layer *l, int M, int KF)
{
    int C = l->filters;
    if (l->act != ACT_NONE)
        seq_buf_printf(out, "    seq_%s_backward(%ld, y, dy, dy);\n", activation_name(l->act), (long)M * C);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, cols, dy, 0, d_kernel);\n", KF, C, M);
    seq_buf_printf(out, "    seq_colsum(%d, %d, dy, d_bias);\n", M, C);
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dy, kernel, 0, dcols);\n", M, KF, C);
}

/* The convolution's GEMM; ends the block function and adds the one that
 * runs the blocks. */
static void gemm_forward(seq_buf *out, const pass *ps, const layer *l, int M, int KF)
{
    emit_conv_gemm(out, l, M, KF);
    seq_buf_printf(out, "}\n\nstatic void %s_%s(const real *p, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n",
                   l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

/* Its backward: the block's kernel and bias gradients and dcols. */
static void gemm_backward(seq_buf *out, const layer *l, int M, int KF)
{
    seq_buf_puts(out, "\n    (void)p;\n");
    emit_conv_gemm_backward(out, l, M, KF);
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
    gemm_forward(out, ps, l, To * R, KF);
}

static void conv_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, To = l->out.steps, R = ps->rows, F = l->in.features, C = l->filters;
    int K = l->kernel_size, KF = K * F;
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
    gemm_backward(out, l, To * R, KF);
    seq_buf_printf(out, "    seq_col2im(%d, %d, %d, %d, %d, %d, dcols, dx);\n}\n", To, R, F, K, padding_of(l), Ti);
    emit_sum_blocks(out, l, ps->blocks, (size_t)KF * l->filters, l->filters, io->buf[B_PKERNEL],
                    io->buf[B_PBIAS], layer_param(pl, l, P_KERNEL)->offset,
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

/* ---- Conv2D, MaxPooling2D, Reshape ---------------------------------------- */

/* An image's width and channels (the embedding plane has one channel). */
static int width_of(layer_shape sh)
{
    return sh.channels ? sh.features / sh.channels : sh.features;
}

static int channels_of(layer_shape sh)
{
    return sh.channels ? sh.channels : 1;
}

/* The layer's seq_window2d, once, before its first function. */
static void window_definition(seq_buf *out, const layer *l, int pad_steps, int pad_width,
                              int size_steps, int size_width)
{
    seq_buf_printf(out, "\nstatic const seq_window2d %s_window = {\n"
                        "    .steps_in = %d, .width_in = %d, .channels = %d,\n"
                        "    .steps_out = %d, .width_out = %d,\n"
                        "    .size_steps = %d, .size_width = %d,\n"
                        "    .pad_steps = %d, .pad_width = %d,\n};\n",
                   l->name, l->in.steps, width_of(l->in), channels_of(l->in), l->out.steps,
                   width_of(l->out), size_steps, size_width, pad_steps, pad_width);
}

static int window2d(const layer *l)
{
    return l->kernel_size * l->kernel_width * channels_of(l->in);
}

static void conv2d_params(plan *pl, const layer *l)
{
    int kh = l->kernel_size, kw = l->kernel_width, Ci = channels_of(l->in), C = l->filters;
    int kernel[4] = {kh, kw, Ci, C}, bias[1] = {C};
    plan_param(pl, l, "kernel", 4, kernel, l->kernel_init, kh * kw * Ci, kh * kw * C, 0);
    plan_param(pl, l, "bias", 1, bias, l->bias_init, 0, 0, 0);
}

static void conv2d_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int To = l->out.steps, Wo = width_of(l->out);
    io->buf[B_COLS] = pass_add_seq(ps, l, "cols", To, (long)Wo * window2d(l));
    io->out = pass_add_seq(ps, l, "out", To, l->out.features);
    io->out_stride = (size_t)To * ps->rows * l->out.features;
}

static void conv2d_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int To = l->out.steps, Wo = width_of(l->out), KK = window2d(l);
    io->dout = pass_add_seq(ps, l, "d out", To, l->out.features);
    io->dout_stride = io->out_stride;
    io->buf[B_DCOLS] = pass_add_seq(ps, l, "dcols", To, (long)Wo * KK);
    io->buf[B_PKERNEL] = pass_add(ps, l, "d kernel_blocks", ps->blocks, KK, l->filters);
    io->buf[B_PBIAS] = pass_add(ps, l, "d bias_blocks", ps->blocks, l->filters, 0);
}

/* Keras' 'same': the extra zero at the end, as padding_of. */
static int same_pad(const layer *l, int size)
{
    return l->same ? (size - 1) / 2 : 0;
}

static void conv2d_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, Wi = width_of(l->in), Ci = channels_of(l->in);
    int To = l->out.steps, Wo = width_of(l->out), R = ps->rows, C = l->filters, KK = window2d(l);
    char d[64], c[112];
    if (ps->training)
        window_definition(out, l, same_pad(l, l->kernel_size), same_pad(l, l->kernel_width),
                          l->kernel_size, l->kernel_width);
    seq_buf_printf(out, "\nstatic void %s_%s_block(const real *p, real *a, int blk)\n{\n", l->name,
                   ps->suffix);
    snprintf(c, sizeof c, "%s kernel steps, width, input channels, filters",
             dims4(d, sizeof d, l->kernel_size, l->kernel_width, Ci, C));
    emit_ptr(out, 1, "kernel", 'p', layer_param(pl, l, P_KERNEL)->offset, c);
    emit_ptr(out, 1, "bias", 'p', layer_param(pl, l, P_BIAS)->offset, dims1(d, sizeof d, C));
    snprintf(c, sizeof c, "%s input image", dims4(d, sizeof d, Ti, R, Wi, Ci));
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, c);
    snprintf(c, sizeof c, "%s each pixel's window", dims4(d, sizeof d, To, R, Wo, KK));
    emit_block_ptr(out, 0, "cols", io->buf[B_COLS], (size_t)To * R * Wo * KK, c);
    emit_block_ptr(out, 0, "y", io->out, io->out_stride, dims4(d, sizeof d, To, R, Wo, C));
    seq_buf_printf(out, "\n    seq_im2col2d(&%s_window, %d, x, cols);\n", l->name, R);
    gemm_forward(out, ps, l, To * R * Wo, KK);
}

static void conv2d_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, Wi = width_of(l->in), Ci = channels_of(l->in);
    int To = l->out.steps, Wo = width_of(l->out), R = ps->rows, C = l->filters, KK = window2d(l);
    char d[64], c[112];
    seq_buf_printf(out, "\nstatic void %s_backward_block(const real *p, real *a, int blk)\n{\n", l->name);
    emit_ptr(out, 1, "kernel", 'p', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, KK, C));
    emit_block_ptr(out, 1, "cols", io->buf[B_COLS], (size_t)To * R * Wo * KK,
                   dims4(d, sizeof d, To, R, Wo, KK));
    if (l->act != ACT_NONE)
        emit_block_ptr(out, 1, "y", io->out, io->out_stride, dims4(d, sizeof d, To, R, Wo, C));
    emit_block_ptr(out, 0, "dy", io->dout, io->dout_stride, dims4(d, sizeof d, To, R, Wo, C));
    emit_block_ptr(out, 0, "dcols", io->buf[B_DCOLS], (size_t)To * R * Wo * KK,
                   dims4(d, sizeof d, To, R, Wo, KK));
    snprintf(c, sizeof c, "%s d input", dims4(d, sizeof d, Ti, R, Wi, Ci));
    emit_block_ptr(out, 0, "dx", io->din, io->din_stride, c);
    emit_block_ptr(out, 0, "d_kernel", io->buf[B_PKERNEL], (size_t)KK * C, dims2(d, sizeof d, KK, C));
    emit_block_ptr(out, 0, "d_bias", io->buf[B_PBIAS], (size_t)C, dims1(d, sizeof d, C));
    gemm_backward(out, l, To * R * Wo, KK);
    seq_buf_printf(out, "    seq_col2im2d(&%s_window, %d, dcols, dx);\n}\n", l->name, R);
    emit_sum_blocks(out, l, ps->blocks, (size_t)KK * l->filters, l->filters, io->buf[B_PKERNEL],
                    io->buf[B_PBIAS], layer_param(pl, l, P_KERNEL)->offset,
                    layer_param(pl, l, P_BIAS)->offset);
}

const layer_emitter emit_conv2d = {
    .params = conv2d_params,
    .acts = conv2d_acts,
    .grads = conv2d_grads,
    .forward = conv2d_forward,
    .backward = conv2d_backward,
};

static void pool2d_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, Wi = width_of(l->in), To = l->out.steps, Wo = width_of(l->out);
    int R = ps->rows, C = channels_of(l->in);
    char d[64];
    (void)pl;
    if (ps->training)
        window_definition(out, l, 0, 0, l->pool_size, l->pool_width);
    seq_buf_printf(out, "\nstatic void %s_%s_block(const real *p, real *a, int blk)\n{\n", l->name,
                   ps->suffix);
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, dims4(d, sizeof d, Ti, R, Wi, C));
    emit_block_ptr(out, 0, "y", io->out, io->out_stride, dims4(d, sizeof d, To, R, Wo, C));
    seq_buf_printf(out, "\n    (void)p;\n    seq_maxpool2d(&%s_window, %d, x, y);\n}\n", l->name, R);
    seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n",
                   l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

static void pool2d_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, Wi = width_of(l->in), To = l->out.steps, Wo = width_of(l->out);
    int R = ps->rows, C = channels_of(l->in);
    char d[64];
    (void)pl;
    seq_buf_printf(out, "\nstatic void %s_backward_block(const real *p, real *a, int blk)\n{\n", l->name);
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, dims4(d, sizeof d, Ti, R, Wi, C));
    emit_block_ptr(out, 1, "y", io->out, io->out_stride, dims4(d, sizeof d, To, R, Wo, C));
    emit_block_ptr(out, 1, "dy", io->dout, io->dout_stride, dims4(d, sizeof d, To, R, Wo, C));
    emit_block_ptr(out, 0, "dx", io->din, io->din_stride, dims4(d, sizeof d, Ti, R, Wi, C));
    seq_buf_printf(out, "\n    (void)p;\n    seq_maxpool2d_backward(&%s_window, %d, x, y, dy, dx);\n}\n",
                   l->name, R);
    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n"
                        "    (void)g;\n    seq_parallel_blocks(%d, %s_backward_block, p, a);\n}\n",
                   l->name, ps->blocks, l->name);
}

const layer_emitter emit_maxpool2d = {
    .params = pool_params,
    .acts = pool_acts,
    .grads = pool_grads,
    .forward = pool2d_forward,
    .backward = pool2d_backward,
};

/* Reshape: an image [T, rows, width, channels] is already stored as the
 * sequence [T, rows, width x channels], so the layer is a view: its output
 * and gradient are its input's memory, and it has no code. */
static void view_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->out = io->in;
    io->out_stride = io->in_stride;
}

static void view_grads(pass *ps, const layer *l)
{
    (void)ps, (void)l; /* the gradient is the input's: see plan_pass */
}

static void view_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    (void)pl;
    if (ps->training)
        seq_buf_printf(out, "\n/* %s is a view: the image's pixels, channels last, are the\n"
                            " * sequence's features; no code. */\n", l->name);
}

static void view_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    (void)out, (void)pl, (void)ps, (void)l;
}

const layer_emitter emit_reshape_to_sequence = {
    .params = pool_params,
    .acts = view_acts,
    .grads = view_grads,
    .forward = view_forward,
    .backward = view_backward,
    .view = 1,
};
