/* layers/embedding.c: Embedding, token ids [B, T] -> [T, B, output_dim];
 * the first layer of a text model. Its table may start from pre-trained
 * word vectors (embeddings_initializer {type: file, path: P}; the runtime
 * fills the vocabulary's words' rows, vectors.h) and stay frozen
 * (trainable: false). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/vectors.h"
#include "check.h"
#include "layer.h"
#include "read.h"

enum { P_EMBEDDINGS };

static int embedding_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", "input_dim", "output_dim",
                                       "embeddings_initializer", "trainable", NULL};
    int rc = check_map(n, what, keys);
    int trainable = 1;
    l->embeddings_init = (init_spec){.kind = SEQ_INIT_UNIFORM, .scale = 0.05};
    rc |= read_int32(n, "input_dim", what, 0, 2, SPEC_MAX_VOCAB, &l->input_dim);
    rc |= read_int32(n, "output_dim", what, 1, 1, SPEC_MAX_UNITS, &l->output_dim);
    rc |= read_init_file(n, "embeddings_initializer", &l->embeddings_init);
    rc |= read_bool(n, "trainable", &trainable);
    l->frozen = !trainable;
    return rc;
}

/* Pre-trained vectors: a file the runtime can read, of output_dim numbers
 * per word (read whole, as the runtime will); the words need a word
 * vocabulary. Errors point at 'path' and name the file's line. */
static int check_vectors(const spec *s, const layer *l)
{
    if (l->embeddings_init.kind != SEQ_INIT_FILE)
        return 0;
    mark at = spec_mark(field(l->src, "embeddings_initializer"), "path");
    if (s->char_lm) {
        diag_error(at, "layer %d '%s' (Embedding): word vectors need a vocabulary of words; a "
                   "char-lm's tokens are characters", l->index + 1, l->name);
        return -1;
    }
    char *dir = seq_path_dir(s->file);
    char *path = seq_path_join(dir, l->embeddings_init.path);
    seq_err err;
    long n;
    int rc = seq_vectors_scan(path, l->output_dim, NULL, NULL, &n, &err);
    if (rc != 0)
        diag_error(at, "layer %d '%s' (Embedding): embeddings_initializer: %s", l->index + 1,
                   l->name, err.msg);
    free(path);
    free(dir);
    return rc ? -1 : 0;
}

/* The tokenizer's vocab_size, for pointing at it. */
static mark vocab_mark(const spec *s)
{
    const node *data = s->data_src;
    for (int i = 0; i < data->n; i++)
        if (strcmp(data->keys[i]->text, "tokenizer") == 0)
            return spec_mark(data->items[i], "vocab_size");
    return data->at;
}

static int embedding_check(spec *s, layer *l, const layer *prev)
{
    int B = s->batch, T = l->in.steps; /* the token ids have seq_len */
    if (s->series) {
        diag_error(l->src->at, "layer %d '%s' (Embedding): a series gives %d value%s per step, "
                   "not token ids; feed them to a recurrent, conv1d or dense layer directly",
                   l->index + 1, l->name, s->n_features, s->n_features == 1 ? "" : "s");
        return -1;
    }
    if (prev)
        return mismatch(l, prev, "token ids (it must be the first layer)", NULL);
    if (l->input_dim == 0) {
        l->input_dim = s->data.vocab_size;
    } else if (l->input_dim != s->data.vocab_size) {
        diag_error(spec_mark(l->src, "input_dim"),
                   "layer %d '%s' (Embedding): input_dim %d does not match the tokenizer's "
                   "vocab_size %d (line %d); token ids run from 0 to vocab_size - 1, so "
                   "give the same number or leave input_dim out", l->index + 1, l->name,
                   l->input_dim, s->data.vocab_size, vocab_mark(s).line);
        return -1;
    }
    if (check_size(l, "input_dim", "the embedding table", "input_dim x output_dim",
                   l->input_dim, l->output_dim, 0) ||
        check_size(l, "output_dim", "the output", "batch x seq_len x output_dim", B, T,
                   l->output_dim))
        return -1;
    if (check_vectors(s, l) != 0)
        return -1;
    l->out = (layer_shape){1, T, l->output_dim, 0};
    l->n_params = (int64_t)l->input_dim * l->output_dim;
    return 0;
}

static void embedding_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "%d, %d", l->input_dim, l->output_dim);
}

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
    emit_param(out, ps, "embeddings", table, dims2(d, sizeof d, l->input_dim, E));
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

/* ids [N, T] -> [T, N, E]: the table's rows, time-major. */
static void embedding_onnx(onnx_graph *g, const layer *l)
{
    const param *table = layer_param(g->pl, l, 0);
    char dims[32], ids[96], y[96], inputs[200];
    snprintf(dims, sizeof dims, "%d,%d", table->dims[0], table->dims[1]);
    onnx_weight(g, table->name, dims, "%s", table->name);
    onnx_then(g, l, "Transpose", NULL, "ids", "perm=is:1,0");
    snprintf(ids, sizeof ids, "%s", g->x);
    onnx_name(y, sizeof y, l, "out");
    snprintf(inputs, sizeof inputs, "%s,%s", table->name, ids);
    onnx_node(g, "Gather", inputs, y, "axis=i:0");
    snprintf(g->x, sizeof g->x, "%s", y);
}

const layer_type layer_embedding = {
    .type = "embedding",
    .keras_class = "Embedding",
    .flags = LAYER_TAKES_IDS,
    .read = embedding_read,
    .check = embedding_check,
    .describe = embedding_describe,
    .params = embedding_params,
    .acts = embedding_acts,
    .grads = embedding_grads,
    .forward = embedding_forward,
    .backward = embedding_backward,
    .onnx = embedding_onnx,
};
