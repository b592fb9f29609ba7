/* layers/reshape_to_sequence.c: Reshape, an image (None, T, width,
 * channels) read as the sequence (None, T, width x channels). */
#include <stdio.h>

#include "check.h"
#include "layer.h"
#include "read.h"

static int reshape_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", NULL};
    (void)l;
    return check_map(n, what, keys);
}

static int reshape_check(spec *s, layer *l, const layer *prev)
{
    (void)s;
    if (!l->in.channels)
        return mismatch(l, prev, "an image (None, steps, width, channels) from a conv2d or "
                        "maxpool2d", NULL);
    l->out = (layer_shape){1, l->in.steps, l->in.features, 0};
    l->n_params = 0;
    return 0;
}

static void reshape_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "(%d, %d)", l->out.steps, l->out.features);
}

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

/* An image [N, C, H, W] -> [H, N, W, C] -> [H, N, W*C] (Keras' channels-last
 * rows, each pixel's channels together). */
static void reshape_onnx(onnx_graph *g, const layer *l)
{
    char shape[64];
    onnx_ints(g, "0,0,-1", shape, sizeof shape);
    onnx_then(g, l, "Transpose", NULL, "rows", "perm=is:2,0,3,1");
    onnx_then(g, l, "Reshape", shape, "out", "");
}

const layer_type layer_reshape_to_sequence = {
    .type = "reshape_to_sequence",
    .keras_class = "Reshape",
    .flags = LAYER_VIEW,
    .read = reshape_read,
    .check = reshape_check,
    .describe = reshape_describe,
    .acts = view_acts,
    .grads = view_grads,
    .forward = view_forward,
    .backward = view_backward,
    .onnx = reshape_onnx,
};
