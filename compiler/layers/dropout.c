/* layers/dropout.c: Dropout, inverted: in training each value is zeroed with
 * probability rate and the others scaled by 1 / (1 - rate); otherwise it is
 * the identity (a mask of ones, so that a backward pass after an evaluation
 * forward, as `grads` runs, passes gradients through). The mask is drawn
 * from the training stream in a fixed order, independent of threads. */
#include <stdio.h>

#include "check.h"
#include "layer.h"
#include "read.h"

static int dropout_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", "rate", NULL};
    int rc = check_map(n, what, keys);
    rc |= read_num(n, "rate", what, 1, 0, 0.99, &l->rate);
    return rc;
}

static int dropout_check(spec *s, layer *l, const layer *prev)
{
    (void)s;
    if (l->in.is_seq && l->in.features == 0)
        return mismatch(l, prev, "values to drop (a vector or a sequence of features)",
                        "put it after the embedding");
    l->out = l->in;
    l->n_params = 0;
    return 0;
}

static void dropout_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "%g", l->rate);
}

static size_t block_size(const pass *ps, const layer *l)
{
    return (size_t)ps->rows * (l->in.is_seq ? (size_t)steps_in(ps, l) : 1) * (size_t)l->in.features;
}

static void dropout_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    if (!ps->training) { /* the identity: the output is the input */
        io->out = io->in;
        io->out_stride = io->in_stride;
        return;
    }
    if (l->in.is_seq) {
        io->buf[0] = pass_add_seq(ps, l, "mask", steps_in(ps, l), l->in.features);
        io->out = pass_add_seq(ps, l, "out", steps_in(ps, l), l->in.features);
    } else {
        io->buf[0] = pass_add(ps, l, "mask", ps->batch, l->in.features, 0);
        io->out = pass_add(ps, l, "out", ps->batch, l->in.features, 0);
    }
    io->out_stride = block_size(ps, l);
}

static void dropout_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    if (l->in.is_seq)
        io->dout = pass_add_seq(ps, l, "d out", steps_in(ps, l), l->in.features);
    else
        io->dout = pass_add(ps, l, "d out", ps->batch, l->in.features, 0);
    io->dout_stride = block_size(ps, l);
}

/* The input in blocks: a vector is one block; a sequence's blocks may be
 * apart by more than their size (an LSTM's h keeps its initial state). */
static int blocks_of(const pass *ps, const layer *l)
{
    return l->in.is_seq ? ps->blocks : 1;
}

static void dropout_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    (void)pl;
    if (!ps->training) {
        seq_buf_printf(out, "\nstatic void %s_predict(const real *p, real *a)\n{\n"
                            "    (void)p, (void)a; /* the identity at inference */\n}\n", l->name);
        return;
    }
    size_t n = l->in.is_seq ? block_size(ps, l) : (size_t)ps->batch * l->in.features;
    seq_buf_printf(out, "\nstatic void %s_forward(const real *p, real *a, int training, seq_rng *rng)\n{\n",
                   l->name);
    emit_ptr(out, 1, "x", 'a', io->in, "input");
    emit_ptr(out, 0, "mask", 'a', io->buf[0], "0 or 1 / (1 - rate)");
    emit_ptr(out, 0, "y", 'a', io->out, "output");
    seq_buf_puts(out, "\n    (void)p;\n");
    for (int blk = 0; blk < blocks_of(ps, l); blk++) {
        size_t in = blk * io->in_stride, o = blk * n;
        seq_buf_printf(out, "    seq_dropout_forward(%zu, training ? %.17g : 0, rng, x + %zu, mask + %zu, y + %zu);\n",
                       n, l->rate, in, o, o);
    }
    seq_buf_puts(out, "}\n");
}

static void dropout_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    (void)pl;
    size_t n = l->in.is_seq ? block_size(ps, l) : (size_t)ps->batch * l->in.features;
    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n", l->name);
    emit_ptr(out, 1, "mask", 'a', io->buf[0], "from the forward pass");
    emit_ptr(out, 1, "dy", 'a', io->dout, "d output");
    emit_ptr(out, 0, "dx", 'a', io->din, "d input");
    seq_buf_puts(out, "\n    (void)p, (void)g;\n");
    for (int blk = 0; blk < blocks_of(ps, l); blk++)
        seq_buf_printf(out, "    seq_dropout_backward(%zu, mask + %zu, dy + %zu, dx + %zu);\n", n, blk * n,
                       blk * n, blk * io->din_stride);
    seq_buf_puts(out, "}\n");
}

/* The identity at prediction: no node. */
static void dropout_onnx(onnx_graph *g, const layer *l)
{
    (void)g, (void)l;
}

const layer_type layer_dropout = {
    .type = "dropout",
    .keras_class = "Dropout",
    .flags = LAYER_TAKES_RNG,
    .read = dropout_read,
    .check = dropout_check,
    .describe = dropout_describe,
    .acts = dropout_acts,
    .grads = dropout_grads,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .onnx = dropout_onnx,
};
