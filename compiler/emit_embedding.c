/* emit_embedding.c: Embedding, token ids [B, T] -> [T, B, output_dim]. */
#include <stdio.h>

#include "emit.h"

enum { P_EMBEDDINGS };

static void embedding_params(plan *pl, const layer *l)
{
    int dims[2] = {l->input_dim, l->output_dim};
    plan_param(pl, l, "embeddings", 2, dims, l->embeddings_init, l->input_dim, l->output_dim, 0);
}

static void embedding_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->out = pass_add_seq(ps, l, "out", steps_out(ps, l), l->output_dim);
    io->out_stride = (size_t)steps_out(ps, l) * ps->rows * l->output_dim;
}

static void embedding_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->dout = pass_add_seq(ps, l, "d out", steps_out(ps, l), l->output_dim);
    io->dout_stride = io->out_stride;
}

static void embedding_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const param *table = layer_param(pl, l, P_EMBEDDINGS);
    const layer_io *io = &ps->io[l->index];
    int B = ps->batch, T = steps_out(ps, l), E = l->output_dim, R = ps->rows;
    char d[64], c[96];
    seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a, const int32_t *ids)\n{\n",
                   l->name, ps->suffix);
    emit_ptr(out, 1, "embeddings", 'p', table->offset, dims2(d, sizeof d, l->input_dim, E));
    snprintf(c, sizeof c, "[%d, %d, %d, %d]", ps->blocks, T, R, E);
    emit_ptr(out, 0, "out", 'a', io->out, c);
    seq_buf_printf(out, "\n    /* out[b / %d, t, b %% %d] = embeddings[ids[b, t]] */\n"
                        "    seq_embedding_forward(%d, %d, %d, %d, ids, embeddings, out);\n}\n",
                   R, R, B, T, E, R);
}

static void embedding_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const param *table = layer_param(pl, l, P_EMBEDDINGS);
    const layer_io *io = &ps->io[l->index];
    int B = ps->batch, T = steps_out(ps, l), E = l->output_dim, R = ps->rows;
    char d[64], c[96];
    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a, "
                        "const int32_t *ids)\n{\n", l->name);
    emit_ptr(out, 0, "d_embeddings", 'g', table->offset, dims2(d, sizeof d, l->input_dim, E));
    snprintf(c, sizeof c, "[%d, %d, %d, %d]", ps->blocks, T, R, E);
    emit_ptr(out, 1, "d_out", 'a', io->dout, c);
    seq_buf_printf(out, "\n    (void)p;\n"
                        "    /* d_embeddings[ids[b, t]] += d_out[b / %d, t, b %% %d]; unused rows stay 0 */\n"
                        "    seq_zero(%zu, d_embeddings);\n"
                        "    seq_embedding_backward(%d, %d, %d, %d, ids, d_out, d_embeddings);\n}\n",
                   R, R, table->size, B, T, E, R);
}

const layer_emitter emit_embedding = {
    .params = embedding_params,
    .acts = embedding_acts,
    .grads = embedding_grads,
    .forward = embedding_forward,
    .backward = embedding_backward,
    .takes_ids = 1,
};
