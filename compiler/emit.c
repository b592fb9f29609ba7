/* emit.c: plans the arenas and writes the model's files: NAME.h, NAME.c (the
 * passes, one function per layer and pass) and NAME_info.c (the spec as
 * tables). The layer families' code comes from emit_<family>.c. */
#include "emit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "layer.h"
#include "summary.h"
#include "version.h"

/* ---- planning helpers ---------------------------------------------------- */

size_t arena_add(arena *a, const char *name, size_t size, const char *dims)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 16;
        a->r = seq_xrealloc(a->r, (size_t)a->cap * sizeof *a->r);
    }
    region *r = &a->r[a->n++];
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->dims, sizeof r->dims, "%s", dims);
    r->offset = a->total;
    r->size = size;
    a->total += size;
    return r->offset;
}

size_t pass_add(pass *ps, const layer *l, const char *what, long a, long b, long c)
{
    char name[96], d[64];
    if (strncmp(what, "d ", 2) == 0)
        snprintf(name, sizeof name, "d %s.%s", l->name, what + 2);
    else
        snprintf(name, sizeof name, "%s.%s", l->name, what);
    if (c)
        dims3(d, sizeof d, a, b, c);
    else
        dims2(d, sizeof d, a, b);
    return arena_add(&ps->acts, name, (size_t)a * (size_t)b * (size_t)(c ? c : 1), d);
}

size_t pass_add_seq(pass *ps, const layer *l, const char *what, long steps, long features)
{
    char name[96], d[80];
    if (strncmp(what, "d ", 2) == 0)
        snprintf(name, sizeof name, "d %s.%s", l->name, what + 2);
    else
        snprintf(name, sizeof name, "%s.%s", l->name, what);
    snprintf(d, sizeof d, "[%d, %ld, %d, %ld]", ps->blocks, steps, ps->rows, features);
    return arena_add(&ps->acts, name, (size_t)ps->batch * (size_t)steps * (size_t)features, d);
}

void plan_param(plan *pl, const layer *l, const char *what, int rank, const int *dims,
                init_spec init, int fan_in, int fan_out, int forget_units)
{
    pl->params = seq_xrealloc(pl->params, (size_t)(pl->n_params + 1) * sizeof *pl->params);
    param *p = &pl->params[pl->n_params++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s/%s", l->name, what);
    p->rank = rank;
    p->size = 1;
    char d[64];
    int len = 0;
    for (int i = 0; i < rank; i++) {
        p->dims[i] = dims[i];
        p->size *= (size_t)dims[i];
        len += snprintf(d + len, sizeof d - (size_t)len, "%s%d", i ? ", " : "[", dims[i]);
    }
    snprintf(d + len, sizeof d - (size_t)len, "]");
    p->offset = arena_add(&pl->params_arena, p->name, p->size, d);
    p->init = init;
    p->fan_in = fan_in;
    p->fan_out = fan_out;
    p->forget_units = forget_units;
    p->frozen = l->frozen;
}

const param *layer_param(const plan *pl, const layer *l, int k)
{
    return &pl->params[pl->param_base[l->index] + k];
}

activation layer_activation(const plan *pl, const layer *l)
{
    const spec *s = pl->s;
    if (l->index == s->n_layers - 1) /* the sigmoid or softmax goes with the loss */
        return ACT_NONE;
    return l->act;
}

const char *dims1(char *buf, size_t n, long a)
{
    snprintf(buf, n, "[%ld]", a);
    return buf;
}

const char *dims2(char *buf, size_t n, long a, long b)
{
    snprintf(buf, n, "[%ld, %ld]", a, b);
    return buf;
}

const char *dims3(char *buf, size_t n, long a, long b, long c)
{
    snprintf(buf, n, "[%ld, %ld, %ld]", a, b, c);
    return buf;
}

const char *dims4(char *buf, size_t n, long a, long b, long c, long d)
{
    snprintf(buf, n, "[%ld, %ld, %ld, %ld]", a, b, c, d);
    return buf;
}

enum { COMMENT_COLUMN = 48 };

void emit_ptr(seq_buf *out, int is_const, const char *name, char base, size_t offset,
              const char *comment)
{
    size_t start = out->len;
    seq_buf_printf(out, "    %sreal *%s = %c + %zu;", is_const ? "const " : "", name, base, offset);
    size_t width = out->len - start;
    seq_buf_printf(out, "%*s/* %s */\n", width < COMMENT_COLUMN ? (int)(COMMENT_COLUMN - width) : 1,
                   "", comment);
}

void emit_ptr_rows(seq_buf *out, int is_const, const char *name, char base, size_t offset,
                   const char *row_offset, const char *comment)
{
    size_t start = out->len;
    seq_buf_printf(out, "    %sreal *%s = %c + %zu + %s;", is_const ? "const " : "", name, base, offset,
                   row_offset);
    size_t width = out->len - start;
    seq_buf_printf(out, "%*s/* %s */\n", width < COMMENT_COLUMN ? (int)(COMMENT_COLUMN - width) : 1,
                   "", comment);
}

void emit_block_ptr(seq_buf *out, int is_const, const char *name, size_t offset, size_t stride,
                    const char *comment)
{
    char row[48];
    snprintf(row, sizeof row, "%zu * blk", stride);
    emit_ptr_rows(out, is_const, name, 'a', offset, row, comment);
}

void emit_sum_blocks(seq_buf *out, const layer *l, int blocks, size_t kernel, size_t bias,
                     size_t kernel_shares, size_t bias_shares, size_t g_kernel, size_t g_bias)
{
    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_backward_block, p, a);\n"
                        "    /* the blocks' shares, summed in block order */\n"
                        "    seq_sum_blocks(%d, %zu, a + %zu, g + %zu);  /* kernel */\n"
                        "    seq_sum_blocks(%d, %zu, a + %zu, g + %zu);  /* bias */\n}\n",
                   l->name, blocks, l->name, blocks, kernel, kernel_shares, g_kernel, blocks,
                   bias, bias_shares, g_bias);
}

void emit_rule(seq_buf *out, const char *fmt, ...)
{
    char title[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(title, sizeof title, fmt, ap);
    va_end(ap);
    size_t start = out->len;
    seq_buf_printf(out, "\n/* ---- %s ", title);
    while (out->len - start < 78)
        seq_buf_puts(out, "-");
    seq_buf_puts(out, " */\n");
}

/* ---- planning ------------------------------------------------------------- */

/* Blocks of at least 16 rows (a GEMM of fewer rows wastes the SIMD units),
 * as many as divide the batch, up to 8. */
static int batch_blocks(int batch)
{
    int blocks = 1;
    for (int n = 2; n <= 8; n++)
        if (batch % n == 0 && batch / n >= 16)
            blocks = n;
    return blocks;
}

int steps_in(const pass *ps, const layer *l)
{
    return ps->steps ? ps->steps : l->in.steps;
}

int steps_out(const pass *ps, const layer *l)
{
    return ps->steps ? ps->steps : l->out.steps;
}

/* The states stateful layers carry from batch to batch, first in the
 * arena so that one range resets or saves them all. */
static void plan_states(const spec *s, pass *ps)
{
    for (int i = 0; s->train.stateful && i < s->n_layers; i++) {
        const layer *l = &s->layers[i];
        if (!l->kind->states)
            continue;
        ps->io[i].stateful = 1;
        ps->io[i].state[0][0] = pass_add(ps, l, "state_h", ps->batch, l->units, 0);
        if (l->kind->states == 2)
            ps->io[i].state[0][1] = pass_add(ps, l, "state_c", ps->batch, l->units, 0);
    }
    ps->state_size = ps->acts.total;
}

/* Reports, once, that arena A (WHAT) has grown past SPEC_MAX_ARENA at L. */
static void check_arena(plan *pl, const arena *a, const layer *l, const char *what)
{
    if (pl->too_big || a->total <= (size_t)SPEC_MAX_ARENA)
        return;
    diag_error(l->src->at, "layer %d '%s' (%s): the %s would need %zu reals, more than seqcc's "
               "limit of %lld; make the layers, the batch or seq_len smaller",
               l->index + 1, l->name, layer_class(l), what, a->total, (long long)SPEC_MAX_ARENA);
    pl->too_big = 1;
}

static void plan_pass(plan *pl, pass *ps, const char *suffix, int batch, int steps, int training)
{
    const spec *s = pl->s;
    const char *what = training ? "training pass's activation arena"
                                : "prediction pass's activation arena";
    ps->suffix = suffix;
    ps->batch = batch;
    ps->steps = steps;
    ps->blocks = batch_blocks(batch);
    ps->rows = batch / ps->blocks;
    ps->training = training;
    ps->io = seq_xcalloc((size_t)s->n_layers, sizeof *ps->io);
    plan_states(s, ps);
    input_plan(pl, ps);
    for (int i = 0; i < s->n_layers; i++) {
        const layer *l = &s->layers[i];
        if (i > 0) {
            ps->io[i].in = ps->io[i - 1].out;
            ps->io[i].in_stride = ps->io[i - 1].out_stride;
        }
        l->kind->acts(ps, l);
        check_arena(pl, &ps->acts, l, what);
    }
    loss_plan(pl, ps);
    check_arena(pl, &ps->acts, &s->layers[s->n_layers - 1], what);
    if (!training)
        return;
    for (int i = s->n_layers - 1; i >= 0; i--) {
        s->layers[i].kind->grads(ps, &s->layers[i]);
        check_arena(pl, &ps->acts, &s->layers[i], what);
    }
    input_plan_grads(pl, ps);
    check_arena(pl, &ps->acts, &s->layers[0], what);
    for (int i = 1; i < s->n_layers; i++) {
        layer_io *io = &ps->io[i];
        io->din = ps->io[i - 1].dout;
        io->din_stride = ps->io[i - 1].dout_stride;
        if (s->layers[i].kind->flags & LAYER_VIEW) {
            io->dout = io->din;
            io->dout_stride = io->din_stride;
        }
    }
}

static void plan_model(plan *pl, const spec *s)
{
    memset(pl, 0, sizeof *pl);
    pl->s = s;
    pl->param_base = seq_xcalloc((size_t)s->n_layers, sizeof *pl->param_base);
    for (int i = 0; i < s->n_layers; i++) {
        pl->param_base[i] = pl->n_params;
        if (s->layers[i].kind->params)
            s->layers[i].kind->params(pl, &s->layers[i]);
        check_arena(pl, &pl->params_arena, &s->layers[i], "parameter arena");
    }
    plan_pass(pl, &pl->train, "forward", s->batch, 0, 1);
    /* a char-lm predicts (samples) one character at a time */
    plan_pass(pl, &pl->predict, "predict", 1, s->data.char_lm ? 1 : 0, 0);
}

static void free_plan(plan *pl)
{
    free(pl->params_arena.r);
    free(pl->params);
    free(pl->param_base);
    free(pl->train.acts.r);
    free(pl->train.io);
    free(pl->predict.acts.r);
    free(pl->predict.io);
}

/* ---- NAME.c ----------------------------------------------------------------- */

static void banner(seq_buf *out, const spec *s, const char *file, const char *what,
                   const char *sha256)
{
    const char *base = strrchr(s->file, '/');
    base = base ? base + 1 : s->file;
    seq_buf_printf(out, "/* %s: %s\n", file, what);
    seq_buf_printf(out, " * Generated by seqcc %s from %s (sha256 %.16s). Do not edit.\n",
                   SEQCC_VERSION, base, sha256);
}

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
                        " * runtime runs blocks on separate threads and the results do not\n"
                        " * depend on the thread count. Every parameter gradient is written,\n"
                        " * not accumulated, by the layer that owns the parameter.\n",
                   s->batch, s->seq_len, tr->blocks, tr->blocks == 1 ? "" : "s", tr->rows);
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
    }
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
    if (s->data.series)
        seq_buf_puts(out, "    input_forward(a, in->inputs);\n");
    emit_layer_calls(out, pl, 0, 0);
    seq_buf_puts(out, "    return loss_forward(a, in);\n}\n");

    seq_buf_puts(out, "\n/* Gradients of the loss of the last model_forward on the same batch. */\n"
                      "static void model_backward(const real *p, real *g, real *a, "
                      "const seq_batch *in)\n{\n"
                      "    loss_backward(a, in);\n");
    emit_layer_calls(out, pl, 1, 0);
    seq_buf_puts(out, "}\n");

    seq_buf_puts(out, "\n/* One example (a batch of 1, no targets), inference only; the output is\n"
                      " * left at a + output_predict. */\n"
                      "static void model_predict(const real *p, real *a, const seq_batch *in)\n{\n");
    if (s->data.series)
        seq_buf_puts(out, "    input_predict(a, in->inputs);\n");
    emit_layer_calls(out, pl, 0, 1);
    seq_buf_puts(out, "    loss_predict(a);\n}\n");

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
                   "};\n",
                   s->name, s->name, pl->train.acts.total, pl->predict.acts.total,
                   pl->train.loss.out, pl->predict.loss.out, pl->train.state_size,
                   pl->predict.state_size, pl->train.blocks, pl->train.rows);
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
static int emit_passes(seq_buf *out, const plan *pl, const char *sha256)
{
    const spec *s = pl->s;
    char file[96];
    snprintf(file, sizeof file, "%s.c", s->name);
    banner(out, s, file, "the forward and backward passes.", sha256);
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

/* ---- NAME_info.c ---------------------------------------------------------- */

/* Shortest %g form that reads back as the same double. */
static void put_double(seq_buf *out, double x)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    seq_buf_puts(out, buf);
    if (!strpbrk(buf, ".en"))
        seq_buf_puts(out, ".0");
}

static void put_cstring(seq_buf *out, const char *s)
{
    seq_buf_puts(out, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\' || *s == '?') /* '?' for trigraphs */
            seq_buf_printf(out, "\\%c", *s);
        else if (*s == '\n')
            seq_buf_puts(out, "\\n");
        else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            seq_buf_printf(out, "\\%03o", (unsigned char)*s);
        else
            seq_buf_add(out, s, 1);
    }
    seq_buf_puts(out, "\"");
}

/* The parameter tensors: place in the arena, shape and initializer. */
static void info_tensors(seq_buf *out, const plan *pl)
{
    seq_buf_puts(out, "\n/* Parameter tensors, their place in the arena and their initializers. */\n"
                      "static const seq_tensor_info tensors[] = {\n");
    for (int i = 0; i < pl->n_params; i++) {
        const param *p = &pl->params[i];
        seq_buf_printf(out, "    {.name = \"%s\", .offset = %zu, .size = %zu, .rank = %d, .shape = {",
                       p->name, p->offset, p->size, p->rank);
        for (int d = 0; d < p->rank; d++)
            seq_buf_printf(out, "%s%d", d ? ", " : "", p->dims[d]);
        seq_buf_printf(out, "},\n     .init = %s, .scale = ",
                       seq_kind_name(seq_init_idents(), (int)p->init.kind));
        put_double(out, p->init.scale);
        if (p->init.path) {
            seq_buf_puts(out, ", .path = ");
            put_cstring(out, p->init.path);
        }
        seq_buf_printf(out, ", .fan_in = %d, .fan_out = %d, .forget_units = %d%s},\n", p->fan_in,
                       p->fan_out, p->forget_units, p->frozen ? ", .frozen = 1" : "");
    }
    seq_buf_puts(out, "};\n");
}

/* The Keras-style table, one C string piece per line. */
static void info_summary(seq_buf *out, const spec *s)
{
    seq_buf_puts(out, "\n/* What `summary` prints: tf.keras' model.summary() table. */\n"
                      "static const char summary[] =");
    seq_buf table = {0};
    summary_write(s, &table);
    for (char *line = table.data; *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);
        char *piece = seq_xstrndup(line, n);
        seq_buf_puts(out, "\n    ");
        put_cstring(out, piece);
        free(piece);
        line += n;
    }
    seq_buf_free(&table);
    seq_buf_puts(out, ";\n");

}

/* seq_model_info's data member, up to its closing brace. */
static void info_data(seq_buf *out, const spec *s)
{
    seq_buf_printf(out, "    .data = {\n        .kind = %s,\n        .format = %s,\n",
                   seq_kind_name(seq_data_kind_idents(), (int)s->data.kind),
                   seq_kind_name(seq_data_format_idents(), (int)s->data.format));
    seq_buf_puts(out, "        .path = ");
    put_cstring(out, s->data.path);
    if (s->data.text_column) {
        seq_buf_puts(out, ",\n        .text_column = ");
        put_cstring(out, s->data.text_column);
        seq_buf_puts(out, ",\n        .label_column = ");
        put_cstring(out, s->data.label_column);
    }
    if (s->data.series) {
        if (s->data.columns) {
            seq_buf_puts(out, ",\n        .columns = ");
            put_cstring(out, s->data.columns);
            seq_buf_puts(out, ",\n        .target = ");
            put_cstring(out, s->data.target);
        } else {
            seq_buf_printf(out, ",\n        .length = %d,\n        .period = ", s->data.length);
            put_double(out, s->data.period);
            seq_buf_puts(out, ",\n        .noise = ");
            put_double(out, s->data.noise);
        }
        seq_buf_printf(out, ",\n        .horizon = %d", s->data.horizon);
    }
    if (s->data.text_column || s->data.series) {
        seq_buf_puts(out, ",\n        .test_split = ");
        put_double(out, s->data.test_split);
    }
    /* the CSV dialect and a test file, only where the spec sets them */
    if (s->data.delimiter == '\t') /* the spec allows no quote or backslash */
        seq_buf_puts(out, ",\n        .delimiter = '\\t'");
    else if (s->data.delimiter && s->data.delimiter != ',')
        seq_buf_printf(out, ",\n        .delimiter = '%c'", s->data.delimiter);
    if (s->data.headerless)
        seq_buf_puts(out, ",\n        .headerless = 1");
    if (s->data.test_path) {
        seq_buf_puts(out, ",\n        .test_path = ");
        put_cstring(out, s->data.test_path);
    }
    seq_buf_printf(out, ",\n        .lowercase = %d,\n        .strip_html = %d,\n"
                        "        .punct = %s,\n        .vocab_size = %d,\n"
                        "        .padding = %s,\n        .truncation = %s,\n"
                        "        .validation_split = ",
                   s->data.lowercase, s->data.strip_html,
                   seq_kind_name(seq_punct_idents(), (int)s->data.punct), s->data.vocab_size,
                   seq_kind_name(seq_pad_idents(), (int)s->data.padding),
                   seq_kind_name(seq_pad_idents(), (int)s->data.truncation));
    put_double(out, s->data.validation_split);
    if (s->word_len)
        seq_buf_printf(out, ",\n        .char_vocab_size = %d", s->layers[1].char_vocab_size);
}

/* The optimizer and training members, and the end of seq_model_info. */
static void info_optim_train(seq_buf *out, const spec *s)
{
    seq_buf_printf(out, ",\n    },\n    .optim = {\n        .type = %s,\n        .lr = ",
                   seq_kind_name(seq_optimizer_idents(), (int)s->optim.type));
    put_double(out, s->optim.lr);
    seq_buf_puts(out, ",\n        .beta1 = ");
    put_double(out, s->optim.beta1);
    seq_buf_puts(out, ",\n        .beta2 = ");
    put_double(out, s->optim.beta2);
    seq_buf_puts(out, ",\n        .eps = ");
    put_double(out, s->optim.eps);
    seq_buf_puts(out, ",\n        .weight_decay = ");
    put_double(out, s->optim.weight_decay);
    seq_buf_puts(out, ",\n        .clipnorm = ");
    put_double(out, s->optim.clipnorm);
    seq_buf_printf(out, ",\n    },\n    .train = {\n        .epochs = %d,\n        .shuffle = %d,\n"
                        "        .checkpoint_every = %d,\n        .stateful = %d,\n    },\n};\n",
                   s->train.epochs, s->train.shuffle, s->train.checkpoint_every, s->train.stateful);
}

static void emit_info(seq_buf *out, const plan *pl, const char *sha256)
{
    const spec *s = pl->s;
    char file[96];
    snprintf(file, sizeof file, "%s_info.c", s->name);
    banner(out, s, file, "what the spec says, as tables for the runtime.", sha256);
    seq_buf_printf(out, " */\n#include \"seqrt.h\"\n#include \"%s.h\"\n", s->name);
    info_tensors(out, pl);
    info_summary(out, s);
    const char *base = strrchr(s->file, '/');
    base = base ? base + 1 : s->file;
    seq_buf_printf(out, "\nconst seq_model_info %s_info = {\n", s->name);
    seq_buf_printf(out, "    .name = \"%s\",\n    .seqcc_version = \"%s\",\n", s->name, SEQCC_VERSION);
    seq_buf_puts(out, "    .spec_file = ");
    put_cstring(out, base);
    seq_buf_printf(out, ",\n    .spec_sha256 = \"%s\",\n", sha256);
    seq_buf_printf(out, "    .seed = %lluu,\n", (unsigned long long)s->seed);
    seq_buf_printf(out, "    .batch = %d,\n    .seq_len = %d,\n", s->batch, s->seq_len);
    if (s->word_len)
        seq_buf_printf(out, "    .word_len = %d,\n", s->word_len);
    seq_buf_printf(out, "    .n_outputs = %d,\n", s->layers[s->n_layers - 1].out.features);
    if (s->data.char_lm)
        seq_buf_puts(out, "    .char_lm = 1,\n");
    if (s->data.series)
        seq_buf_printf(out, "    .n_features = %d,\n", s->data.n_features);
    seq_buf_printf(out, "    .loss = %s,\n", seq_kind_name(seq_loss_idents(), (int)s->loss.kind));
    seq_buf_printf(out, "    .f64 = %d,\n    .simd = %s,\n", s->codegen.f64,
                   seq_kind_name(seq_simd_idents(), (int)s->codegen.simd));
    seq_buf_printf(out, "    .n_params = %zu,\n    .n_tensors = %d,\n    .tensors = tensors,\n",
                   pl->params_arena.total, pl->n_params);
    seq_buf_puts(out, "    .summary = summary,\n");
    info_data(out, s);
    info_optim_train(out, s);
}

/* ---- NAME.h ------------------------------------------------------------------ */

/* The C API's functions bound to this model (seqcc.h): one line each of
 * their return type, name after NAME_, parameters and the call; a text
 * classifier predicts texts (and ids without a char_cnn), a series model
 * windows; a char-lm has none. */
typedef struct api_fn {
    const char *ret, *name, *params, *call;
} api_fn;

static int api_fns(const spec *s, api_fn fns[6])
{
    static const api_fn text = {"int", "predict_text",
                                "seqcc_model *m, const char *text, size_t len,"
                                "\n    seqcc_prediction *out, seqcc_error *err",
                                "seqcc_predict_text(m, text, len, out, err)"};
    static const api_fn texts = {"int", "predict_texts",
                                 "seqcc_model *m, const char *const *texts, size_t n,"
                                 "\n    seqcc_prediction *out, seqcc_error *err",
                                 "seqcc_predict_texts(m, texts, n, out, err)"};
    static const api_fn ids = {"int", "predict_ids",
                               "seqcc_model *m, const int32_t *ids, size_t n,"
                               "\n    seqcc_prediction *out, seqcc_error *err",
                               "seqcc_predict_ids(m, ids, n, out, err)"};
    static const api_fn window = {"int", "predict_window",
                                  "seqcc_model *m, const double *values, size_t n,"
                                  "\n    seqcc_prediction *out, seqcc_error *err",
                                  "seqcc_predict_window(m, values, n, out, err)"};
    int n = 0;
    if (s->data.char_lm)
        return 0;
    if (s->data.series) {
        fns[n++] = window;
    } else {
        fns[n++] = text;
        fns[n++] = texts;
        if (!s->word_len)
            fns[n++] = ids;
    }
    return n;
}

/* NAME_def and the bound functions, at the end of NAME_info.c. */
static void emit_api(seq_buf *out, const spec *s)
{
    const char *n = s->name;
    api_fn fns[6];
    int k = api_fns(s, fns);
    if (!k)
        return;
    seq_buf_printf(out, "\n/* The C API (seqcc.h) bound to %s. */\n"
                        "const seqcc_model_def %s_def = {&%s_info, &%s_f32, &%s_f64};\n\n", n, n, n,
                   n, n);
    seq_buf_printf(out, "int %s_open(const char *checkpoint, seqcc_model **out, seqcc_error *err)\n"
                        "{\n    return seqcc_open(&%s_def, checkpoint, out, err);\n}\n", n, n);
    for (int i = 0; i < k; i++)
        seq_buf_printf(out, "\n%s %s_%s(%s)\n{\n    int s = seqcc_check(m, &%s_def, err);\n"
                            "    return s ? s : %s;\n}\n",
                       fns[i].ret, n, fns[i].name, fns[i].params, n, fns[i].call);
    seq_buf_printf(out, "\nint %s_close(seqcc_model *m)\n{\n"
                        "    int s = m ? seqcc_check(m, &%s_def, NULL) : SEQCC_OK;\n"
                        "    return s ? s : seqcc_close(m);\n}\n", n, n);
}

static void emit_header(seq_buf *out, const plan *pl, const char *sha256)
{
    const spec *s = pl->s;
    const char *n = s->name;
    char file[96], guard[96];
    snprintf(file, sizeof file, "%s.h", s->name);
    size_t i = 0;
    for (; s->name[i] && i + 3 < sizeof guard; i++)
        guard[i] = (char)(s->name[i] >= 'a' && s->name[i] <= 'z' ? s->name[i] - 32 : s->name[i]);
    guard[i] = '\0';
    banner(out, s, file, "the model's interface.", sha256);
    seq_buf_printf(out, " */\n#ifndef %s_H\n#define %s_H\n\n#include \"seqcc.h\"\n\n"
                        "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n", guard, guard);
    seq_buf_printf(out, "enum {\n    %s_BATCH = %d,\n    %s_SEQ_LEN = %d,\n    %s_N_PARAMS = %zu\n};\n\n",
                   guard, s->batch, guard, s->seq_len, guard, pl->params_arena.total);
    api_fn fns[6];
    int k = api_fns(s, fns);
    if (k) {
        seq_buf_printf(out, "/* The C API (seqcc.h) bound to %s: the functions take a handle\n"
                            " * %s_open gave; one of another model is SEQCC_ERR_ARGUMENT. */\n"
                            "extern const seqcc_model_def %s_def;\n"
                            "int %s_open(const char *checkpoint, seqcc_model **out, seqcc_error *err);\n",
                       n, n, n, n);
        for (int f = 0; f < k; f++)
            seq_buf_printf(out, "%s %s_%s(%s);\n", fns[f].ret, n, fns[f].name, fns[f].params);
        seq_buf_printf(out, "int %s_close(seqcc_model *m);\n\n", n);
    } else {
        seq_buf_puts(out, "/* A character language model has no C API (its binary samples text). */\n\n");
    }
    seq_buf_puts(out, "/* The runtime's view (seqrt.h, included first): the generated code, the\n"
                      " * binary. */\n#ifdef SEQ_MODEL_H\n");
    seq_buf_printf(out, "extern const seq_model_info %s_info;\n", n);
    seq_buf_printf(out, "extern const seq_s_model %s_f32;\n", n);
    seq_buf_printf(out, "extern const seq_d_model %s_f64;\n", n);
    seq_buf_printf(out, "#endif\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ---- NAME_main.c --------------------------------------------------------------- */

static void emit_main(seq_buf *out, const spec *s, const char *sha256)
{
    char file[96];
    snprintf(file, sizeof file, "%s_main.c", s->name);
    banner(out, s, file, "main() of the model binary.", sha256);
    seq_buf_printf(out,
                   " */\n#include \"cli.h\"\n#include \"%s.h\"\n\n"
                   "/* The spec's folder, where data.path starts: relative to the binary's\n"
                   " * own folder (the build sets it; --data overrides the data path). */\n"
                   "#ifndef SEQ_SPEC_DIR\n#define SEQ_SPEC_DIR \".\"\n#endif\n\n"
                   "int main(int argc, char **argv)\n{\n"
                   "    return seq_main(argc, argv, &%s_info, &%s_f32, &%s_f64, SEQ_SPEC_DIR);\n"
                   "}\n",
                   s->name, s->name, s->name, s->name);
}

int emit_model(const spec *s, const char *spec_sha256, out_file files[EMIT_FILES])
{
    plan pl;
    plan_model(&pl, s);
    memset(files, 0, EMIT_FILES * sizeof *files);
    snprintf(files[1].name, sizeof files[1].name, "%s.c", s->name);
    if (pl.too_big || emit_passes(&files[1].text, &pl, spec_sha256) != 0) {
        seq_buf_free(&files[1].text);
        free_plan(&pl);
        return -1;
    }
    snprintf(files[0].name, sizeof files[0].name, "%s.h", s->name);
    emit_header(&files[0].text, &pl, spec_sha256);
    snprintf(files[2].name, sizeof files[2].name, "%s_info.c", s->name);
    emit_info(&files[2].text, &pl, spec_sha256);
    emit_api(&files[2].text, s);
    snprintf(files[3].name, sizeof files[3].name, "%s_main.c", s->name);
    emit_main(&files[3].text, s, spec_sha256);
    free_plan(&pl);
    return 0;
}
