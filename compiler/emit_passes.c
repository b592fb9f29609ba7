/* emit_passes.c: NAME.c, the passes: the arenas' tables, one function per
 * layer and pass (the layers' forward and backward callbacks), the loss,
 * and model_forward/backward/predict calling them in order. */
#include "emit.h"

#include <stdio.h>
#include <string.h>

#include "layer.h"

static void arena_table(seq_buf *out, const arena *a, const char *title)
{
    seq_buf_printf(out, " *\n * %s: %zu reals\n", title, a->total);
    for (int i = 0; i < a->n; i++)
        seq_buf_printf(out, " *   %-26s %-16s at %zu\n", a->r[i].name, a->r[i].dims,
                       a->r[i].offset);
}

static void model_comment(seq_buf *out, const plan *pl)
{
    const spec *s = pl->s;
    seq_buf_puts(out, " *\n * ");
    for (int i = 0; i < s->n_layers; i++) {
        const layer *l = &s->layers[i];
        seq_buf_printf(out, "%s%s(", i ? " -> " : "", layer_class(l));
        l->kind->describe(out, l);
        seq_buf_puts(out, ")");
        if (i % 3 == 2 && i + 1 < s->n_layers)
            seq_buf_puts(out, "\n *  ");
    }
    const pass *tr = &pl->train;
    if (s->word_len)
        seq_buf_printf(out, "\n * Each word's first %d characters (char ids [batch, seq_len, word_len])\n"
                            " * feed the %s.", s->word_len, layer_class(&s->layers[1]));
    seq_buf_printf(out, "\n * batch %d, seq_len %d. Written in terms of `real`, compiled as float\n"
                        " * and as double. The batch is %d block%s of %d rows; a sequence is\n"
                        " * stored block by block, each block time-major: [blocks, T, rows, F].\n"
                        " * Blocks never interact until the weight gradients, which each block\n"
                        " * writes apart and which are then summed in block order, so the\n"
                        " * runtime runs blocks on separate threads (and processes of an MPI\n"
                        " * job: seq_share_blocks gathers what the whole batch reads next) and\n"
                        " * the results do not depend on their number. Every parameter\n"
                        " * gradient is written, not accumulated, by the layer that owns it.\n",
                   s->batch, s->seq_len, tr->blocks, tr->blocks == 1 ? "" : "s", tr->rows);
}

/* The layer before (STEP -1) or after (+1) layer I that is not a view of
 * its input, or -1. */
static int next_computed(const spec *s, int i, int step)
{
    for (i += step; i >= 0 && i < s->n_layers; i += step)
        if (!(s->layers[i].kind->flags & LAYER_VIEW))
            return i;
    return -1;
}

/* Reals in one block of a tensor of SHAPE: rows x steps x features. */
static size_t block_reals(const pass *ps, layer_shape shape, int steps)
{
    return (size_t)ps->rows * (size_t)(shape.is_seq ? steps : 1) * (size_t)shape.features;
}

/* In a job of several processes (the runtime's dist.h) each runs its share
 * of the blocks. What a layer run by blocks writes is shared with every
 * process where the whole batch reads it next: its output before a layer
 * that runs on the whole batch (or the loss), its input gradient before
 * such a layer's backward. A layer run by blocks reads only its own blocks. */
static void emit_share(seq_buf *out, const plan *pl, int i, int backward)
{
    const pass *ps = &pl->train;
    const layer *l = &pl->s->layers[i];
    const layer_io *io = &ps->io[i];
    int reader = next_computed(pl->s, i, backward ? -1 : 1);
    if (!io->by_blocks || (reader >= 0 && ps->io[reader].by_blocks) || (backward && reader < 0))
        return;
    size_t n = backward ? block_reals(ps, l->in, steps_in(ps, l))
                        : block_reals(ps, l->out, steps_out(ps, l));
    size_t stride = backward ? io->din_stride : io->out_stride;
    seq_buf_printf(out, "    seq_share_blocks(%d, %zu, %zu, a + %zu);  /* %s%s%s, to every process */\n",
                   ps->blocks, n, stride ? stride : n, backward ? io->din : io->out,
                   backward ? "the input gradient of " : "", l->name, backward ? "" : ".out");
}

static void emit_layer_calls(seq_buf *out, const plan *pl, int backward, int predict)
{
    const spec *s = pl->s;
    for (int k = 0; k < s->n_layers; k++) {
        int i = backward ? s->n_layers - 1 - k : k;
        const layer *l = &s->layers[i];
        const layer_type *e = l->kind;
        if (e->flags & LAYER_VIEW)
            continue;
        const char *ids = e->flags & LAYER_TAKES_IDS ? ", in->ids"
                        : e->flags & LAYER_TAKES_CHARS ? ", in->chars" : "";
        const char *lengths = l->masked ? ", in->lengths" : "";
        const char *rng = (e->flags & LAYER_TAKES_RNG) && !predict && !backward ? ", training, rng" : "";
        if (backward)
            seq_buf_printf(out, "    %s_backward(p, g, a%s%s);\n", l->name, ids, lengths);
        else
            seq_buf_printf(out, "    %s_%s(p, a%s%s%s);\n", l->name, predict ? "predict" : "forward",
                           ids, lengths, rng);
        if (backward && k == s->n_layers - 1)
            break;
        if (!predict)
            emit_share(out, pl, i, backward);
    }
}

void emit_model_predict(seq_buf *out, const plan *pl)
{
    seq_buf_puts(out, "\n/* One example (a batch of 1, no targets), inference only; the output is\n"
                      " * left at a + output_predict. */\n"
                      "static void model_predict(const real *p, real *a, const seq_batch *in)\n{\n");
    if (pl->s->series)
        seq_buf_puts(out, "    input_predict(a, in->inputs);\n");
    emit_layer_calls(out, pl, 0, 1);
    seq_buf_puts(out, "    loss_predict(a);\n}\n");
}

static void emit_model_functions(seq_buf *out, const plan *pl)
{
    const spec *s = pl->s;
    emit_rule(out, "the model");
    seq_buf_puts(out,
                 "\n/* One batch forward. Returns the mean loss over the batch's n_valid real\n"
                 " * rows (0 without targets); the output is left at a + output. */\n"
                 "static real model_forward(const real *p, real *a, const seq_batch *in, "
                 "int training, seq_rng *rng)\n{\n");
    int random = 0;
    for (int i = 0; i < s->n_layers; i++)
        random |= (s->layers[i].kind->flags & LAYER_TAKES_RNG) != 0;
    if (!random)
        seq_buf_puts(out, "    (void)training; /* nothing random in this model */\n"
                          "    (void)rng;\n");
    if (s->series)
        seq_buf_puts(out, "    input_forward(a, in->inputs);\n");
    emit_layer_calls(out, pl, 0, 0);
    seq_buf_puts(out, "    return loss_forward(a, in);\n}\n");

    seq_buf_puts(out, "\n/* Gradients of the loss of the last model_forward on the same batch. */\n"
                      "static void model_backward(const real *p, real *g, real *a, "
                      "const seq_batch *in)\n{\n"
                      "    loss_backward(a, in);\n");
    emit_layer_calls(out, pl, 1, 0);
    seq_buf_puts(out, "}\n");

    emit_model_predict(out, pl);

    const pass *tr = &pl->train;
    if (tr->state_size) {
        seq_buf_puts(out, "\n/* The carried states, from each block's process to all (dist.h): what a\n"
                          " * checkpoint saves. */\nstatic void model_share_states(real *a)\n{\n");
        for (int i = 0; i < s->n_layers; i++)
            for (int k = 0; tr->io[i].stateful && k < s->layers[i].kind->states; k++) {
                size_t n = (size_t)tr->rows * (size_t)s->layers[i].units;
                seq_buf_printf(out, "    seq_share_blocks(%d, %zu, %zu, a + %zu);  /* %s.state_%c */\n",
                               tr->blocks, n, n, tr->io[i].state[0][k], s->layers[i].name,
                               k ? 'c' : 'h');
            }
        seq_buf_puts(out, "}\n");
    }
    seq_buf_printf(out,
                   "\nconst seq_model SEQ_EXPORT(%s) = {\n"
                   "    .info = &%s_info,\n"
                   "    .n_acts = %zu,\n"
                   "    .n_acts_predict = %zu,\n"
                   "    .output = %zu,\n"
                   "    .output_predict = %zu,\n"
                   "    .n_state = %zu,\n"
                   "    .n_state_predict = %zu,\n"
                   "    .blocks = %d,\n"
                   "    .rows = %d,\n"
                   "    .forward = model_forward,\n"
                   "    .backward = model_backward,\n"
                   "    .predict = model_predict,\n"
                   "%s"
                   "};\n",
                   s->name, s->name, pl->train.acts.total, pl->predict.acts.total,
                   pl->train.loss.out, pl->predict.loss.out, pl->train.state_size,
                   pl->predict.state_size, pl->train.blocks, pl->train.rows,
                   tr->state_size ? "    .share_states = model_share_states,\n" : "");
}

/* Counts the lines OUT has gained since *FROM, and moves *FROM to its end. */
static size_t new_lines(const seq_buf *out, size_t *from)
{
    size_t n = 0;
    for (const char *p = out->data + *from, *end = out->data + out->len;
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        n++;
    *from = out->len;
    return n;
}

/* Writes NAME.c, up to the layer that takes it over SPEC_MAX_LINES. */
int emit_passes(seq_buf *out, const plan *pl, const char *sha256)
{
    const spec *s = pl->s;
    char file[96];
    snprintf(file, sizeof file, "%s.c", s->name);
    emit_banner(out, s, file, "the forward and backward passes.", sha256);
    model_comment(out, pl);
    arena_table(out, &pl->params_arena,
                "Parameters (gradients and Adam moments use the same offsets)");
    arena_table(out, &pl->train.acts, "Activations and their gradients, training pass");
    arena_table(out, &pl->predict.acts, "Activations, prediction pass (batch 1)");
    seq_buf_printf(out, " */\n#include \"seqrt.h\"\n#include \"%s.h\"\n", s->name);

    input_emit(out, pl);
    size_t counted = 0, lines = 0;
    for (int i = 0; i < s->n_layers; i++) {
        const layer *l = &s->layers[i];
        const layer_type *e = l->kind;
        char in[64], outs[64];
        layer_shape_str(l->in, "None", in, sizeof in);
        layer_shape_str(l->out, "None", outs, sizeof outs);
        emit_rule(out, "%s (%s): %s -> %s", l->name, layer_class(l), in, outs);
        e->forward(out, pl, &pl->train, l);
        e->backward(out, pl, &pl->train, l);
        e->forward(out, pl, &pl->predict, l);
        lines += new_lines(out, &counted);
        if (lines > SPEC_MAX_LINES) {
            diag_error(l->src->at, "layer %d '%s' (%s): the generated %s.c would have more than "
                       "seqcc's limit of %d lines (every step of seq_len %d is unrolled; "
                       "%zu lines up to this layer); use fewer layers or a shorter seq_len",
                       l->index + 1, l->name, layer_class(l), s->name, SPEC_MAX_LINES,
                       s->seq_len, lines);
            return -1;
        }
    }
    loss_emit(out, pl);
    emit_model_functions(out, pl);
    return 0;
}
