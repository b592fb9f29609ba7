/* layers/maxpool1d.c: MaxPooling1D over time, [T, B, F] -> [T / pool_size,
 * B, F], one block of batch rows at a time. */
#include <stdio.h>

#include "layers/conv_common.h"
#include "check.h"
#include "read.h"

static int maxpool1d_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", "pool_size", NULL};
    int rc = check_map(n, what, keys);
    l->pool_size = 2;
    rc |= read_int32(n, "pool_size", what, 0, 1, 64, &l->pool_size);
    return rc;
}

static int maxpool1d_check(spec *s, layer *l, const layer *prev)
{
    layer_shape in = l->in;
    if (no_char_lm(s, l, "pooling is") != 0)
        return -1;
    if (!in.is_seq || in.features == 0 || in.channels)
        return mismatch(l, prev, "a sequence (None, steps, features)",
                        in.channels ? "use maxpool2d for an image" : NULL);
    if (in.steps / l->pool_size < 1) {
        diag_error(spec_mark(l->src, "pool_size"),
                   "layer %d '%s' (MaxPooling1D): pool_size %d is longer than the %d steps "
                   "of '%s'", l->index + 1, l->name, l->pool_size, in.steps, prev->name);
        return -1;
    }
    l->out = (layer_shape){1, in.steps / l->pool_size, in.features, 0};
    l->n_params = 0;
    return 0;
}

static void maxpool1d_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "%d", l->pool_size);
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

/* [T, N, F] -> [N, F, T] -> MaxPool -> [T / pool_size, N, F]. */
static void pool_onnx(onnx_graph *g, const layer *l)
{
    onnx_seq_to_ncw(g, l);
    onnx_then(g, l, "MaxPool", NULL, "pool", "kernel_shape=is:%d strides=is:%d", l->pool_size,
              l->pool_size);
    onnx_ncw_to_seq(g, l);
}

const layer_type layer_maxpool1d = {
    .type = "maxpool1d",
    .keras_class = "MaxPooling1D",
    .flags = LAYER_MIXES_STEPS,
    .read = maxpool1d_read,
    .check = maxpool1d_check,
    .describe = maxpool1d_describe,
    .acts = pool_acts,
    .grads = pool_grads,
    .forward = pool_forward,
    .backward = pool_backward,
    .onnx = pool_onnx,
};
