/* layers/char_cnn.c: CharCNN, the word embedding [T, B, E] and the batch's
 * char ids [B, T, W] -> [T, B, E + filters]. Each word's characters are
 * embedded, convolved along the word (im2col over the characters and one
 * GEMM per block of rows for all its words), activated and reduced to
 * their maximum; that vector follows the word's embedding. Keras:
 * Embedding, TimeDistributed(Conv1D), TimeDistributed(GlobalMaxPooling1D),
 * Concatenate. Words are images of one step: the 2-D window kernels do the
 * unfolding and the maximum. */
#include <stdio.h>

#include "layers/conv_common.h"
#include "check.h"
#include "read.h"
#include "summary.h"

enum { P_CHAR_EMBEDDINGS, P_KERNEL, P_BIAS };
enum { B_CHARS, B_COLS, B_CONV, B_MAX, B_DMAX, B_DCONV, B_DCOLS, B_DCHARS, B_PTABLE, B_PKERNEL,
       B_PBIAS };

/* A layer's sizes, named as in the comments of the code it writes. */
typedef struct dims {
    int T, R, E, W, D, K, F, Wo; /* Wo: positions after the convolution */
    long KD, M;                  /* a window's values; windows in a block */
} dims;

static int char_cnn_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", "char_vocab_size",
                                       "char_embedding_dim", "filters", "kernel_size",
                                       "padding", "activation", "embeddings_initializer",
                                       "kernel_initializer", "bias_initializer", NULL};
    int rc = conv_read(n, what, keys, l);
    l->embeddings_init = (init_spec){.kind = SEQ_INIT_UNIFORM, .scale = 0.05};
    rc |= read_int32(n, "char_vocab_size", what, 1, 3, SPEC_MAX_VOCAB, &l->char_vocab_size);
    rc |= read_int32(n, "char_embedding_dim", what, 1, 1, SPEC_MAX_UNITS,
                     &l->char_embedding_dim);
    rc |= read_int32(n, "kernel_size", what, 1, 1, 64, &l->kernel_size);
    rc |= read_init(n, "embeddings_initializer", &l->embeddings_init);
    return rc;
}

/* The word embedding, concatenated with a convolution over each word's
 * embedded characters, maximum over them: (None, T, E + filters). */
static int char_cnn_check(spec *s, layer *l, const layer *prev)
{
    int B = s->batch, T = l->in.steps, W = s->word_len, K = l->kernel_size;
    int D = l->char_embedding_dim;
    if (s->char_lm) {
        diag_error(l->src->at, "layer %d '%s' (CharCNN) reads the characters of each word; a "
                   "char-lm's tokens are characters already", l->index + 1, l->name);
        return -1;
    }
    if (no_softmax(l) != 0)
        return -1;
    if (!prev || !(prev->kind->flags & LAYER_TAKES_IDS))
        return mismatch(l, prev, "the word embedding (None, steps, features)",
                        "put the char_cnn right after the embedding");
    if (W == 0) {
        diag_error(l->src->at, "layer %d '%s' (CharCNN) reads each word's characters: set "
                   "input.word_len (line %d), the characters kept per word", l->index + 1,
                   l->name, spec_mark(s->root, "input").line);
        return -1;
    }
    int steps = l->same ? W : W - K + 1;
    if (steps < 1) {
        diag_error(spec_mark(l->src, "kernel_size"),
                   "layer %d '%s' (CharCNN): a kernel of %d characters does not fit in "
                   "word_len %d with 'valid' padding; use padding: same or a smaller "
                   "kernel_size", l->index + 1, l->name, K, W);
        return -1;
    }
    if (check_size(l, "char_vocab_size", "the character embedding table",
                   "char_vocab_size x char_embedding_dim", l->char_vocab_size, D, 0) ||
        check_size(l, "kernel_size", "the unfolded characters",
                   "batch x seq_len x word_len x kernel_size x char_embedding_dim", B,
                   (int64_t)T * W, (int64_t)K * D) ||
        check_size(l, "filters", "the convolution's output",
                   "batch x seq_len x word_len x filters", B, (int64_t)T * W, l->filters) ||
        check_size(l, "filters", "the output", "batch x seq_len x (features + filters)", B, T,
                   (int64_t)l->in.features + l->filters))
        return -1;
    l->word_len = W;
    s->data.char_vocab_size = l->char_vocab_size; /* the runtime maps characters to ids */
    l->out = (layer_shape){1, T, l->in.features + l->filters, 0};
    l->n_params = (int64_t)l->char_vocab_size * D + (int64_t)K * D * l->filters + l->filters;
    return 0;
}

/* The Keras layers a char_cnn stands for: the characters' Embedding, a
 * TimeDistributed Conv1D over each word, a TimeDistributed
 * GlobalMaxPooling1D, and the Concatenate with the word embedding. */
static void char_cnn_summary(seq_buf *out, const spec *s, const layer *l, const char *batch)
{
    int T = l->out.steps, W = s->word_len, D = l->char_embedding_dim, F = l->filters;
    int steps = l->same ? W : W - l->kernel_size + 1;
    char name[96], shape[64];
    snprintf(name, sizeof name, "%s_chars", l->name);
    snprintf(shape, sizeof shape, "(%s, %d, %d, %d)", batch, T, W, D);
    summary_row(out, name, "Embedding", shape, (int64_t)l->char_vocab_size * D);
    snprintf(name, sizeof name, "%s_conv", l->name);
    snprintf(shape, sizeof shape, "(%s, %d, %d, %d)", batch, T, steps, F);
    summary_row(out, name, "TimeDistributed", shape, (int64_t)l->kernel_size * D * F + F);
    snprintf(name, sizeof name, "%s_max", l->name);
    snprintf(shape, sizeof shape, "(%s, %d, %d)", batch, T, F);
    summary_row(out, name, "TimeDistributed", shape, 0);
    layer_shape_str(l->out, batch, shape, sizeof shape);
    summary_row(out, l->name, "Concatenate", shape, 0);
}

static void char_cnn_describe(seq_buf *out, const layer *l)
{
    seq_buf_printf(out, "%d, %d, %d, %d, %s", l->char_vocab_size, l->char_embedding_dim,
                   l->filters, l->kernel_size, l->same ? "same" : "valid");
    conv_describe_act(out, l);
}

static dims dims_of(const pass *ps, const layer *l)
{
    dims d;
    d.T = steps_out(ps, l);
    d.R = ps->rows;
    d.E = l->in.features;
    d.W = l->word_len;
    d.D = l->char_embedding_dim;
    d.K = l->kernel_size;
    d.F = l->filters;
    d.Wo = l->same ? d.W : d.W - d.K + 1;
    d.KD = (long)d.K * d.D;
    d.M = (long)d.T * d.R * d.Wo;
    return d;
}

static void char_cnn_params(plan *pl, const layer *l)
{
    int V = l->char_vocab_size, D = l->char_embedding_dim, K = l->kernel_size, F = l->filters;
    int table[2] = {V, D}, kernel[3] = {K, D, F}, bias[1] = {F};
    plan_param(pl, l, "char_embeddings", 2, table, l->embeddings_init, V, D, 0);
    plan_param(pl, l, "kernel", 3, kernel, l->kernel_init, K * D, K * F, 0);
    plan_param(pl, l, "bias", 1, bias, l->bias_init, 0, 0, 0);
}

static void char_cnn_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->by_blocks = 1;
    dims d = dims_of(ps, l);
    io->buf[B_CHARS] = pass_add_seq(ps, l, "chars", d.T, (long)d.W * d.D);
    io->buf[B_COLS] = pass_add_seq(ps, l, "cols", d.T, d.Wo * d.KD);
    io->buf[B_CONV] = pass_add_seq(ps, l, "conv", d.T, (long)d.Wo * d.F);
    io->buf[B_MAX] = pass_add_seq(ps, l, "max", d.T, d.F);
    io->out = pass_add_seq(ps, l, "out", d.T, d.E + d.F);
    io->out_stride = (size_t)d.T * d.R * (size_t)(d.E + d.F);
}

static void char_cnn_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    dims d = dims_of(ps, l);
    io->dout = pass_add_seq(ps, l, "d out", d.T, d.E + d.F);
    io->dout_stride = io->out_stride;
    io->buf[B_DMAX] = pass_add_seq(ps, l, "d max", d.T, d.F);
    io->buf[B_DCONV] = pass_add_seq(ps, l, "d conv", d.T, (long)d.Wo * d.F);
    io->buf[B_DCOLS] = pass_add_seq(ps, l, "dcols", d.T, d.Wo * d.KD);
    io->buf[B_DCHARS] = pass_add_seq(ps, l, "d chars", d.T, (long)d.W * d.D);
    io->buf[B_PTABLE] = pass_add(ps, l, "d char_embeddings_blocks", ps->blocks,
                                 l->char_vocab_size, d.D);
    io->buf[B_PKERNEL] = pass_add(ps, l, "d kernel_blocks", ps->blocks, d.KD, d.F);
    io->buf[B_PBIAS] = pass_add(ps, l, "d bias_blocks", ps->blocks, d.F, 0);
}

/* The pointer to block blk of activation buffer K, of FEATURES per row and step. */
static void block_buf(seq_buf *out, int is_const, const char *name, const pass *ps,
                      const layer *l, int k, long features, const char *comment)
{
    dims d = dims_of(ps, l);
    emit_block_ptr(out, is_const, name, ps->io[l->index].buf[k],
                   (size_t)d.T * d.R * (size_t)features, comment);
}

/* The windows of the convolution along each word and of the maximum over
 * it, for the 2-D kernels: a word is an image of one step. */
static void windows(seq_buf *out, const layer *l, dims d)
{
    char name[96];
    const int conv[9] = {d.T, d.W, d.D, d.T, d.Wo, 1, d.K, 0, l->same ? (d.K - 1) / 2 : 0};
    const int max[9] = {d.T, d.Wo, d.F, d.T, 1, 1, d.Wo, 0, 0};
    snprintf(name, sizeof name, "%s_conv_window", l->name);
    window2d_write(out, name, conv);
    snprintf(name, sizeof name, "%s_max_window", l->name);
    window2d_write(out, name, max);
}

static void char_cnn_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    dims d = dims_of(ps, l);
    char s[64], c[112];
    if (ps->training || ps->exported)
        windows(out, l, d);
    seq_buf_printf(out, "\nstatic void %s_%s_block(const real *p, real *a, const int32_t *chars, "
                        "int blk)\n{\n", l->name, ps->suffix);
    snprintf(c, sizeof c, "%s char ids, character features", dims2(s, sizeof s, l->char_vocab_size, d.D));
    emit_param(out, ps, "char_embeddings", layer_param(pl, l, P_CHAR_EMBEDDINGS), c);
    snprintf(c, sizeof c, "%s kernel characters, character features, filters",
             dims3(s, sizeof s, d.K, d.D, d.F));
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), c);
    emit_param(out, ps, "bias", layer_param(pl, l, P_BIAS), dims1(s, sizeof s, d.F));
    snprintf(c, sizeof c, "%s the word embeddings", dims3(s, sizeof s, d.T, d.R, d.E));
    emit_block_ptr(out, 1, "words", io->in, io->in_stride, c);
    snprintf(c, sizeof c, "%s each word's characters", dims4(s, sizeof s, d.T, d.R, d.W, d.D));
    block_buf(out, 0, "x", ps, l, B_CHARS, (long)d.W * d.D, c);
    snprintf(c, sizeof c, "%s each position's window", dims4(s, sizeof s, d.T, d.R, d.Wo, d.KD));
    block_buf(out, 0, "cols", ps, l, B_COLS, d.Wo * d.KD, c);
    block_buf(out, 0, "y", ps, l, B_CONV, (long)d.Wo * d.F, dims4(s, sizeof s, d.T, d.R, d.Wo, d.F));
    snprintf(c, sizeof c, "%s the maximum over each word", dims3(s, sizeof s, d.T, d.R, d.F));
    block_buf(out, 0, "max", ps, l, B_MAX, d.F, c);
    emit_block_ptr(out, 0, "out", io->out, io->out_stride, dims3(s, sizeof s, d.T, d.R, d.E + d.F));
    seq_buf_printf(out, "\n    seq_char_embedding_forward(%d, %d, %d, %d, %d, chars + %ld * blk, "
                        "char_embeddings, x);\n", d.R, d.T, d.W, d.D, d.R, (long)d.T * d.W * d.R);
    seq_buf_printf(out, "    seq_im2col2d(&%s_conv_window, %d, x, cols);\n", l->name, d.R);
    emit_conv_gemm(out, l, (int)d.M, (int)d.KD);
    seq_buf_printf(out, "    seq_maxpool2d(&%s_max_window, %d, y, max);\n", l->name, d.R);
    seq_buf_printf(out, "    /* out = [words, max] */\n"
                        "    seq_copy_rows(%d, %d, words, %d, out, %d);\n"
                        "    seq_copy_rows(%d, %d, max, %d, out + %d, %d);\n}\n",
                   d.T * d.R, d.E, d.E, d.E + d.F, d.T * d.R, d.F, d.F, d.E, d.E + d.F);
    seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a, const int32_t *chars)\n{\n"
                        "    seq_parallel_blocks_len(%d, %s_%s_block, p, a, chars);\n}\n",
                   l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

static void char_cnn_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    dims d = dims_of(ps, l);
    int V = l->char_vocab_size;
    char s[64], c[112];
    seq_buf_printf(out, "\nstatic void %s_backward_block(const real *p, real *a, "
                        "const int32_t *chars, int blk)\n{\n", l->name);
    emit_param(out, ps, "kernel", layer_param(pl, l, P_KERNEL), dims2(s, sizeof s, d.KD, d.F));
    block_buf(out, 1, "cols", ps, l, B_COLS, d.Wo * d.KD, dims4(s, sizeof s, d.T, d.R, d.Wo, d.KD));
    block_buf(out, 1, "y", ps, l, B_CONV, (long)d.Wo * d.F, dims4(s, sizeof s, d.T, d.R, d.Wo, d.F));
    block_buf(out, 1, "max", ps, l, B_MAX, d.F, dims3(s, sizeof s, d.T, d.R, d.F));
    emit_block_ptr(out, 1, "dout", io->dout, io->dout_stride, dims3(s, sizeof s, d.T, d.R, d.E + d.F));
    snprintf(c, sizeof c, "%s d word embeddings", dims3(s, sizeof s, d.T, d.R, d.E));
    emit_block_ptr(out, 0, "dwords", io->din, io->din_stride, c);
    block_buf(out, 0, "dmax", ps, l, B_DMAX, d.F, dims3(s, sizeof s, d.T, d.R, d.F));
    block_buf(out, 0, "dy", ps, l, B_DCONV, (long)d.Wo * d.F, dims4(s, sizeof s, d.T, d.R, d.Wo, d.F));
    block_buf(out, 0, "dcols", ps, l, B_DCOLS, d.Wo * d.KD, dims4(s, sizeof s, d.T, d.R, d.Wo, d.KD));
    block_buf(out, 0, "dx", ps, l, B_DCHARS, (long)d.W * d.D, dims4(s, sizeof s, d.T, d.R, d.W, d.D));
    emit_block_ptr(out, 0, "d_char_embeddings", io->buf[B_PTABLE], (size_t)V * d.D,
                   dims2(s, sizeof s, V, d.D));
    emit_block_ptr(out, 0, "d_kernel", io->buf[B_PKERNEL], (size_t)d.KD * d.F,
                   dims2(s, sizeof s, d.KD, d.F));
    emit_block_ptr(out, 0, "d_bias", io->buf[B_PBIAS], (size_t)d.F, dims1(s, sizeof s, d.F));
    seq_buf_printf(out, "\n    seq_copy_rows(%d, %d, dout, %d, dwords, %d);\n"
                        "    seq_copy_rows(%d, %d, dout + %d, %d, dmax, %d);\n",
                   d.T * d.R, d.E, d.E + d.F, d.E, d.T * d.R, d.F, d.E, d.E + d.F, d.F);
    seq_buf_printf(out, "    seq_maxpool2d_backward(&%s_max_window, %d, y, max, dmax, dy);\n",
                   l->name, d.R);
    emit_conv_gemm_backward(out, l, (int)d.M, (int)d.KD);
    seq_buf_printf(out, "    seq_col2im2d(&%s_conv_window, %d, dcols, dx);\n", l->name, d.R);
    seq_buf_printf(out, "    seq_zero(%ld, d_char_embeddings);\n"
                        "    seq_char_embedding_backward(%d, %d, %d, %d, %d, chars + %ld * blk, dx, "
                        "d_char_embeddings);\n}\n",
                   (long)V * d.D, d.R, d.T, d.W, d.D, d.R, (long)d.T * d.W * d.R);
    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a, "
                        "const int32_t *chars)\n{\n"
                        "    seq_parallel_blocks_len(%d, %s_backward_block, p, a, chars);\n"
                        "    /* the blocks' shares, summed in block order */\n",
                   l->name, ps->blocks, l->name);
    const size_t sizes[3] = {(size_t)V * d.D, (size_t)d.KD * d.F, (size_t)d.F};
    const size_t shares[3] = {io->buf[B_PTABLE], io->buf[B_PKERNEL], io->buf[B_PBIAS]};
    static const char *const names[3] = {"char_embeddings", "kernel", "bias"};
    for (int k = 0; k < 3; k++)
        seq_buf_printf(out, "    seq_sum_blocks(%d, %zu, a + %zu, g + %zu);  /* %s */\n", ps->blocks,
                       sizes[k], shares[k], layer_param(pl, l, k)->offset, names[k]);
    seq_buf_puts(out, "}\n");
}

/* The input chars [N, T, W] -> [T*N, W] -> the characters' embeddings
 * [T*N, D, W] -> Conv (the kernel [K, D, F] as [F, D, K]) -> the maximum over
 * the word [T*N, F] -> [T, N, F], after the word's embedding [T, N, E]. */
static void char_cnn_onnx(onnx_graph *g, const layer *l)
{
    const param *table = layer_param(g->pl, l, 0), *kernel = layer_param(g->pl, l, 1),
                *bias = layer_param(g->pl, l, 2);
    int T = l->in.steps, W = l->word_len, K = l->kernel_size, F = l->filters;
    int left = l->same ? (K - 1) / 2 : 0, right = l->same ? K - 1 - left : 0;
    char text[48], words[64], steps[64], inputs[300], word_embedding[96], y[96];
    seq_buf_printf(g->out, "input chars int64 batch,%d,%d\n", T, W);
    snprintf(text, sizeof text, "%d,%d", table->dims[0], table->dims[1]);
    onnx_weight(g, table->name, text, "%s", table->name);
    snprintf(text, sizeof text, "%d,%d,%d", F, kernel->dims[1], K);
    onnx_weight(g, kernel->name, text, "%s:perm=2,1,0", kernel->name);
    snprintf(text, sizeof text, "%d", F);
    onnx_weight(g, bias->name, text, "%s", bias->name);
    snprintf(text, sizeof text, "-1,%d", W);
    onnx_ints(g, text, words, sizeof words);
    snprintf(text, sizeof text, "%d,-1,%d", T, F);
    onnx_ints(g, text, steps, sizeof steps);

    snprintf(word_embedding, sizeof word_embedding, "%s", g->x);
    snprintf(g->x, sizeof g->x, "chars");
    onnx_then(g, l, "Transpose", NULL, "chars_t", "perm=is:1,0,2");
    onnx_then(g, l, "Reshape", words, "words", "");
    onnx_name(y, sizeof y, l, "embedded");
    snprintf(inputs, sizeof inputs, "%s,%s", table->name, g->x);
    onnx_node(g, "Gather", inputs, y, "axis=i:0");
    snprintf(g->x, sizeof g->x, "%s", y);
    onnx_then(g, l, "Transpose", NULL, "ncw", "perm=is:0,2,1");
    snprintf(inputs, sizeof inputs, "%s,%s", kernel->name, bias->name);
    onnx_then(g, l, "Conv", inputs, "conv", "kernel_shape=is:%d pads=is:%d,%d", K, left, right);
    onnx_activation(g, l, l->act);
    onnx_then(g, l, "ReduceMax", NULL, "word_max", "axes=is:2 keepdims=i:0");
    onnx_then(g, l, "Reshape", steps, "features", "");
    onnx_name(y, sizeof y, l, "out");
    snprintf(inputs, sizeof inputs, "%s,%s", word_embedding, g->x);
    onnx_node(g, "Concat", inputs, y, "axis=i:2");
    snprintf(g->x, sizeof g->x, "%s", y);
}

const layer_type layer_char_cnn = {
    .type = "char_cnn",
    .keras_class = "CharCNN",
    .flags = LAYER_TAKES_CHARS,
    .read = char_cnn_read,
    .check = char_cnn_check,
    .summary = char_cnn_summary,
    .describe = char_cnn_describe,
    .params = char_cnn_params,
    .acts = char_cnn_acts,
    .grads = char_cnn_grads,
    .forward = char_cnn_forward,
    .backward = char_cnn_backward,
    .onnx = char_cnn_onnx,
};
