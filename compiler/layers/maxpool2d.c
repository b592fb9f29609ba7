/* layers/maxpool2d.c: MaxPooling2D over an image, pool_size steps by
 * pool_width, one block of batch rows at a time. */
#include <stdio.h>

#include "layers/conv_common.h"
#include "check.h"
#include "read.h"

static int maxpool2d_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", "pool_size", NULL};
    int rc = check_map(n, what, keys);
    int size[2] = {2, 2};
    rc |= read_size2(n, "pool_size", 1, 64, size);
    l->pool_size = size[0], l->pool_width = size[1];
    return rc;
}

static int maxpool2d_check(spec *s, layer *l, const layer *prev)
{
    layer_shape in = l->in;
    int T = in.steps, W = image_width(in), C = image_channels(in);
    char got[64];
    if (no_char_lm(s, l, "pooling is") != 0)
        return -1;
    if (!in.channels)
        return mismatch(l, prev, "an image (None, steps, width, channels)",
                        in.is_seq && in.features ? "use maxpool1d to pool a sequence over time"
                                                 : NULL);
    if (T / l->pool_size < 1 || W / l->pool_width < 1) {
        diag_error(spec_mark(l->src, "pool_size"),
                   "layer %d '%s' (MaxPooling2D): a pool of %d x %d is larger than the %s "
                   "output of '%s'", l->index + 1, l->name, l->pool_size, l->pool_width,
                   shape_str(in, got, sizeof got), prev->name);
        return -1;
    }
    l->out = image_shape(T / l->pool_size, W / l->pool_width, C);
    l->n_params = 0;
    return 0;
}

static void maxpool2d_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "(%d, %d)", l->pool_size, l->pool_width);
}

static void pool2d_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int Ti = l->in.steps, Wi = image_width(l->in), To = l->out.steps, Wo = image_width(l->out);
    int R = ps->rows, C = image_channels(l->in);
    char d[64];
    (void)pl;
    if (ps->training || ps->exported)
        window2d_definition(out, l, 0, 0, l->pool_size, l->pool_width);
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
    int Ti = l->in.steps, Wi = image_width(l->in), To = l->out.steps, Wo = image_width(l->out);
    int R = ps->rows, C = image_channels(l->in);
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

/* An image [N, C, H, W] -> MaxPool -> [N, C, H / pool_size, W / pool_width]. */
static void pool2d_onnx(onnx_graph *g, const layer *l)
{
    onnx_image(g, l);
    onnx_then(g, l, "MaxPool", NULL, "out", "kernel_shape=is:%d,%d strides=is:%d,%d",
              l->pool_size, l->pool_width, l->pool_size, l->pool_width);
}

const layer_type layer_maxpool2d = {
    .type = "maxpool2d",
    .keras_class = "MaxPooling2D",
    .flags = LAYER_MIXES_STEPS,
    .read = maxpool2d_read,
    .check = maxpool2d_check,
    .describe = maxpool2d_describe,
    .acts = pool_acts,
    .grads = pool_grads,
    .forward = pool2d_forward,
    .backward = pool2d_backward,
    .onnx = pool2d_onnx,
};
