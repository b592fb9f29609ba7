/* layers/conv2d.c: Conv2D over the embedding plane (an image of steps x
 * features, one channel) or an earlier Conv2D's or MaxPooling2D's output,
 * channels last, one block of batch rows at a time: im2col over each
 * pixel's window and one GEMM; its backward folds the columns back. */
#include <stdio.h>

#include "layers/conv_common.h"
#include "check.h"
#include "read.h"

enum { P_KERNEL, P_BIAS };
enum { B_COLS, B_DCOLS, B_PKERNEL, B_PBIAS };

static int conv2d_read(layer *l, node *n, const char *what)
{
    int size[2] = {0, 0};
    int rc = conv_read(n, what, conv_keys, l);
    if (!field(n, "kernel_size"))
        rc |= missing(n, "kernel_size", what);
    rc |= read_size2(n, "kernel_size", 1, 64, size);
    l->kernel_size = size[0], l->kernel_width = size[1];
    return rc;
}

static int conv2d_check(spec *s, layer *l, const layer *prev)
{
    int B = s->batch;
    layer_shape in = l->in;
    int T = in.steps, W = image_width(in), C = image_channels(in);
    char got[64];
    if (no_char_lm(s, l, "convolutions are") != 0 || no_softmax(l) != 0)
        return -1;
    if (!in.channels && (!prev || !(prev->kind->flags & LAYER_TAKES_IDS)))
        return mismatch(l, prev, "an image (None, steps, width, channels) or the embedding "
                        "plane (None, steps, features) as a one-channel image",
                        prev && (prev->kind->flags & LAYER_RECURRENT)
                            ? "a conv2d reads the embedding or another conv2d or maxpool2d, "
                              "not a recurrent layer's output" : NULL);
    int steps = l->same ? T : T - l->kernel_size + 1;
    int width = l->same ? W : W - l->kernel_width + 1;
    if (steps < 1 || width < 1) {
        diag_error(spec_mark(l->src, "kernel_size"),
                   "layer %d '%s' (Conv2D): a kernel of %d x %d does not fit in the %s input "
                   "of '%s' with 'valid' padding; use padding: same or a smaller kernel_size",
                   l->index + 1, l->name, l->kernel_size, l->kernel_width,
                   shape_str(in, got, sizeof got), prev->name);
        return -1;
    }
    int64_t window = (int64_t)l->kernel_size * l->kernel_width * C;
    if (check_size(l, "filters", "the unfolded input", "batch x steps x width x window", B,
                   (int64_t)steps * width, window) ||
        check_size(l, "filters", "the output", "batch x steps x width x filters", B,
                   (int64_t)steps * width, l->filters))
        return -1;
    l->out = image_shape(steps, width, l->filters);
    l->n_params = window * l->filters + l->filters;
    return 0;
}

static void conv2d_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "%d, (%d, %d), %s", l->filters, l->kernel_size, l->kernel_width,
                   l->same ? "same" : "valid");
    conv_describe_act(out, l);
}

static int window2d(const layer *l)
{
    return l->kernel_size * l->kernel_width * image_channels(l->in);
}

static void conv2d_params(plan *pl, const layer *l)
{
    int kh = l->kernel_size, kw = l->kernel_width, Ci = image_channels(l->in), C = l->filters;
    int kernel[4] = {kh, kw, Ci, C}, bias[1] = {C};
    plan_param(pl, l, "kernel", 4, kernel, l->kernel_init, kh * kw * Ci, kh * kw * C, 0);
    plan_param(pl, l, "bias", 1, bias, l->bias_init, 0, 0, 0);
}

static void conv2d_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->by_blocks = 1;
    int To = l->out.steps, Wo = image_width(l->out);
    io->buf[B_COLS] = pass_add_seq(ps, l, "cols", To, (long)Wo * window2d(l));
    io->out = pass_add_seq(ps, l, "out", To, l->out.features);
    io->out_stride = (size_t)To * ps->rows * l->out.features;
}

static void conv2d_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int To = l->out.steps, Wo = image_width(l->out), KK = window2d(l);
    io->dout = pass_add_seq(ps, l, "d out", To, l->out.features);
    io->dout_stride = io->out_stride;
    io->buf[B_DCOLS] = pass_add_seq(ps, l, "dcols", To, (long)Wo * KK);
    io->buf[B_PKERNEL] = pass_add(ps, l, "d kernel_blocks", ps->blocks, KK, l->filters);
    io->buf[B_PBIAS] = pass_add(ps, l, "d bias_blocks", ps->blocks, l->filters, 0);
}

/* Keras' 'same': the extra zero at the end, as conv1d's padding. */
static int same_pad(const layer *l, int size)
{
    return l->same ? (size - 1) / 2 : 0;
}

static void conv2d_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, Wi = image_width(l->in), Ci = image_channels(l->in);
    int To = l->out.steps, Wo = image_width(l->out), R = ps->rows, C = l->filters, KK = window2d(l);
    char d[64], c[112];
    if (ps->training || ps->exported)
        window2d_definition(out, l, same_pad(l, l->kernel_size), same_pad(l, l->kernel_width),
                          l->kernel_size, l->kernel_width);
    seq_buf_printf(out, "\nstatic void %s_%s_block(const real *p, real *a, int blk)\n{\n", l->name,
                   ps->suffix);
    snprintf(c, sizeof c, "%s kernel steps, width, input channels, filters",
             dims4(d, sizeof d, l->kernel_size, l->kernel_width, Ci, C));
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), c);
    emit_param(out, ps, "bias", layer_param(pl, l, P_BIAS), dims1(d, sizeof d, C));
    snprintf(c, sizeof c, "%s input image", dims4(d, sizeof d, Ti, R, Wi, Ci));
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, c);
    snprintf(c, sizeof c, "%s each pixel's window", dims4(d, sizeof d, To, R, Wo, KK));
    emit_block_ptr(out, 0, "cols", io->buf[B_COLS], (size_t)To * R * Wo * KK, c);
    emit_block_ptr(out, 0, "y", io->out, io->out_stride, dims4(d, sizeof d, To, R, Wo, C));
    seq_buf_printf(out, "\n    seq_im2col2d(&%s_window, %d, x, cols);\n", l->name, R);
    conv_gemm_forward(out, ps, l, To * R * Wo, KK);
}

static void conv2d_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, Wi = image_width(l->in), Ci = image_channels(l->in);
    int To = l->out.steps, Wo = image_width(l->out), R = ps->rows, C = l->filters, KK = window2d(l);
    char d[64], c[112];
    seq_buf_printf(out, "\nstatic void %s_backward_block(const real *p, real *a, int blk)\n{\n", l->name);
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), dims2(d, sizeof d, KK, C));
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
    conv_gemm_backward(out, l, To * R * Wo, KK);
    seq_buf_printf(out, "    seq_col2im2d(&%s_window, %d, dcols, dx);\n}\n", l->name, R);
    emit_sum_blocks(out, l, ps->blocks, (size_t)KK * l->filters, l->filters, io->buf[B_PKERNEL],
                    io->buf[B_PBIAS], layer_param(pl, l, P_KERNEL)->offset,
                    layer_param(pl, l, P_BIAS)->offset);
}

/* An image [N, C, H, W] (the embedding plane [T, N, E] as [N, 1, T, E]) ->
 * Conv (the kernel [kh, kw, C, F] as [F, C, kh, kw]) -> [N, F, H', W']. */
static void conv2d_onnx(onnx_graph *g, const layer *l)
{
    const param *kernel = layer_param(g->pl, l, 0), *bias = layer_param(g->pl, l, 1);
    int kh = l->kernel_size, kw = l->kernel_width, top = same_pad(l, kh), left = same_pad(l, kw);
    int bottom = l->same ? kh - 1 - top : 0, right = l->same ? kw - 1 - left : 0;
    char dims[48], both[200];
    snprintf(dims, sizeof dims, "%d,%d,%d,%d", kernel->dims[3], kernel->dims[2], kh, kw);
    onnx_weight(g, kernel->name, dims, "%s:perm=3,2,0,1", kernel->name);
    snprintf(dims, sizeof dims, "%d", bias->dims[0]);
    onnx_weight(g, bias->name, dims, "%s", bias->name);
    onnx_image(g, l);
    snprintf(both, sizeof both, "%s,%s", kernel->name, bias->name);
    onnx_then(g, l, "Conv", both, "out", "kernel_shape=is:%d,%d pads=is:%d,%d,%d,%d", kh, kw, top,
              left, bottom, right);
    onnx_activation(g, l, l->act);
}

const layer_type layer_conv2d = {
    .type = "conv2d",
    .keras_class = "Conv2D",
    .flags = LAYER_MIXES_STEPS,
    .read = conv2d_read,
    .check = conv2d_check,
    .describe = conv2d_describe,
    .params = conv2d_params,
    .acts = conv2d_acts,
    .grads = conv2d_grads,
    .forward = conv2d_forward,
    .backward = conv2d_backward,
    .onnx = conv2d_onnx,
};
