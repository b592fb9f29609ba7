/* export.c: the freestanding export's template (export.h): the header, then
 * the source: the weights' and tables' directives, the kernels the
 * prediction pass calls, the pass itself and the API over it. */
#include "export.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cwriter.h"
#include "emit.h"
#include "layer.h"

/* export/kernels.c's text, made into a C array when the build is configured. */
extern const char seq_export_kernels[];

/* ---- the kernels ------------------------------------------------------------- */

enum { MODE_ANY, MODE_F32, MODE_INT8 };

/* Why a kernel is taken: code that every export has, or the text API's
 * alone (left out with the tokenizer). */
enum { TAKEN_ALWAYS = 1, TAKEN_TEXT = 2 };

typedef struct kernel {
    char name[48];
    int mode, taken;
    const char *text; /* its lines, between the marker lines */
    size_t len;
} kernel;

enum { MAX_KERNELS = 96 };

/* The blocks of export/kernels.c (see there); returns their number. */
static int kernels_read(kernel *k)
{
    int n = 0;
    const char *p = seq_export_kernels, *at;
    while ((at = strstr(p, "/* @kernel ")) != NULL && n < MAX_KERNELS) {
        kernel *b = &k[n++];
        memset(b, 0, sizeof *b);
        const char *name = at + strlen("/* @kernel "), *end = name;
        while (*end && *end != ' ')
            end++;
        snprintf(b->name, sizeof b->name, "%.*s", (int)(end - name), name);
        b->mode = strncmp(end, " f32 ", 5) == 0 ? MODE_F32 : strncmp(end, " int8 ", 6) == 0 ? MODE_INT8
                                                                                        : MODE_ANY;
        b->text = strchr(at, '\n') + 1;
        const char *stop = strstr(b->text, "/* @end */");
        b->len = (size_t)(stop - b->text);
        p = stop;
    }
    return n;
}

static int ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Whether identifier NAME occurs in TEXT[0, LEN). */
static int mentions(const char *text, size_t len, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text, *end = text + len; p + n <= end; p++) {
        p = memchr(p, name[0], (size_t)(end - p));
        if (!p || p + n > end)
            return 0;
        if (memcmp(p, name, n) == 0 && (p == text || !ident_char(p[-1])) &&
            (p + n == end || !ident_char(p[n])))
            return 1;
    }
    return 0;
}

/* Marks WHY every kernel BODY calls, and those they call; the prelude always. */
static void kernels_take(kernel *k, int n, const seq_buf *body, int why)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < n; i++) {
            if (k[i].taken & why)
                continue;
            int used = strcmp(k[i].name, "@prelude") == 0 || mentions(body->data, body->len, k[i].name);
            for (int j = 0; j < n && !used; j++)
                used = (k[j].taken & why) && mentions(k[j].text, k[j].len, k[i].name);
            if (used)
                k[i].taken |= why, changed = 1;
        }
    }
}

/* TEXT without its "@text " lines. */
static void without_text(const seq_buf *text, seq_buf *out)
{
    for (const char *p = text->data, *end = text->data + text->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl + 1 : end) - p);
        if (strncmp(p, "@text ", 6) != 0)
            seq_buf_add(out, p, len);
        p += len;
    }
}

/* The kernels taken, in the file's order; a mode's lines tagged. */
static void kernels_write(seq_buf *out, const kernel *k, int n)
{
    for (int i = 0; i < n; i++) {
        if (!k[i].taken)
            continue;
        const char *mode = k[i].mode == MODE_F32 ? "@f32 " : k[i].mode == MODE_INT8 ? "@int8 " : "";
        const char *text = k[i].taken & TAKEN_ALWAYS ? "" : "@text ";
        seq_buf_puts(out, "\n");
        for (const char *p = k[i].text, *end = k[i].text + k[i].len; p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = (size_t)((nl ? nl : end) - p);
            seq_buf_printf(out, "%s%s%.*s\n", mode, text, (int)len, p);
            p += len + 1;
        }
    }
}

/* ---- what the export is ------------------------------------------------------- */

typedef struct model {
    const plan *pl;
    const spec *s;
    char upper[96];       /* NAME in capitals */
    int text, ids_chars;  /* a text classifier; one with a char-CNN (ids and char ids) */
    int window, char_lm;  /* a series model; a character language model */
    int outputs, probs;   /* the model's outputs; the probabilities a call gives */
    size_t acts;          /* the prediction pass's floats */
    size_t extra;         /* the 4-byte words past them: ids, length, char ids or window */
} model;

static model model_of(const plan *pl)
{
    model m;
    memset(&m, 0, sizeof m);
    m.pl = pl;
    m.s = pl->s;
    const spec *s = pl->s;
    for (size_t i = 0; s->name[i] && i + 1 < sizeof m.upper; i++)
        m.upper[i] = (char)toupper((unsigned char)s->name[i]);
    m.char_lm = s->char_lm;
    m.window = s->series;
    m.text = !m.char_lm && !m.window;
    m.ids_chars = m.text && s->word_len > 0;
    m.outputs = s->layers[s->n_layers - 1].out.features;
    m.probs = m.outputs == 1 && s->loss.kind == SEQ_LOSS_BCE ? 2 : m.outputs;
    m.acts = pl->predict.acts.total;
    size_t T = (size_t)s->seq_len;
    m.extra = m.char_lm ? 2 : m.window ? T * (size_t)s->n_features + 1
                                       : T + 1 + T * (size_t)s->word_len;
    return m;
}

/* ---- the header ---------------------------------------------------------------- */

static void header_statuses(seq_buf *out, const model *m)
{
    const char *u = m->upper;
    seq_buf_printf(out,
                   "\n/* What every function returns: %s_INFER_OK, or a negative status. */\n"
                   "enum {\n"
                   "    %s_INFER_OK = 0,\n"
                   "    %s_INFER_ERR_ARGUMENT = -1, /* a NULL pointer */\n"
                   "    %s_INFER_ERR_ID = -2,       /* an id out of range */\n"
                   "    %s_INFER_ERR_UTF8 = -3,     /* text that is not UTF-8 */\n"
                   "    %s_INFER_ERR_LENGTH = -4,   /* no ids, an empty text, a window of the wrong size */\n"
                   "    %s_INFER_ERR_VALUE = -5     /* a value that is not finite (or is once scaled) */\n"
                   "};\n",
                   u, u, u, u, u, u, u);
}

/* The header's sizes: workspace or state, lengths, ids. */
static void header_constants(seq_buf *out, const model *m)
{
    const spec *s = m->s;
    const char *n = s->name, *u = m->upper;
    int vocab = s->data.vocab_size;
    if (m->char_lm) {
        seq_buf_printf(out,
                       "#define %s_INFER_STATE_FLOATS %zu\n"
                       "#define %s_INFER_N_PROBS %d /* next-character probabilities, by id */\n"
                       "#define %s_INFER_N_IDS %d   /* ids 0 (unknown) .. %d (%s_infer_char) */\n",
                       u, m->acts, u, m->probs, u, vocab, vocab - 1, n);
    } else {
        seq_buf_printf(out, "#define %s_INFER_WORKSPACE_BYTES %zuu\n", u, 4 * (m->acts + m->extra));
        seq_buf_printf(out, "#define %s_INFER_SEQ_LEN %d\n", u, s->seq_len);
    }
    if (m->text)
        seq_buf_printf(out, "#define %s_INFER_VOCAB_SIZE %d /* ids: 0 padding, 1 out of vocabulary, "
                            "then words */\n#define %s_INFER_N_PROBS %d\n", u, vocab, u, m->probs);
    if (m->ids_chars)
        seq_buf_printf(out, "#define %s_INFER_WORD_LEN %d /* char ids per word */\n"
                            "#define %s_INFER_N_CHAR_IDS %d\n", u, s->word_len, u,
                       s->data.char_vocab_size);
    if (m->window)
        seq_buf_printf(out, "#define %s_INFER_N_FEATURES %d /* values per row of a window */\n", u,
                       s->n_features);
}

/* The header's functions, by the model's kind. */
static void header_functions(seq_buf *out, const model *m)
{
    const char *n = m->s->name, *u = m->upper;
    if (m->char_lm) {
        seq_buf_printf(out,
                       "\n/* The model's carried states and its scratch: the caller's. */\n"
                       "typedef struct %s_infer_state {\n"
                       "    float a[%s_INFER_STATE_FLOATS];\n"
                       "    int32_t in[2];\n"
                       "} %s_infer_state;\n\n"
                       "/* The states back to the start of a text (zero). */\n"
                       "void %s_infer_reset(%s_infer_state *state);\n"
                       "/* Feeds character CHAR_ID; PROBS[%s_INFER_N_PROBS] gets the next one's\n"
                       " * probabilities. Generating text as `%s sample` does: reset, feed the\n"
                       " * prime's ids, then draw each next id from PROBS and feed it. */\n"
                       "int %s_infer_step(%s_infer_state *state, int32_t char_id, float *probs);\n"
                       "/* A character's id (0: one the model does not know), and an id's\n"
                       " * character (0 for id 0 and ids out of range). */\n"
                       "int32_t %s_infer_char_id(uint32_t code_point);\n"
                       "uint32_t %s_infer_char(int32_t id);\n",
                       n, u, n, n, n, u, n, n, n, n, n);
    } else if (m->window) {
        seq_buf_printf(out,
                       "\n/* The forecast for a window of VALUES [%s_INFER_SEQ_LEN, %s_INFER_N_FEATURES]\n"
                       " * (N of them, oldest row first, in the data's units) into *OUT, in the\n"
                       " * target's units: the training data's scaling is built in. */\n"
                       "int %s_infer_window(const float *values, size_t n, void *workspace, float *out);\n",
                       u, u, n);
    } else {
        seq_buf_printf(out, "\n/* PROBS[%s_INFER_N_PROBS] gets every class's probability, in the order of\n"
                            " * %s_infer_class_name. */\n", u, n);
        if (m->ids_chars)
            seq_buf_printf(out,
                           "/* N token ids (as the binary's tokenizer gives them) and each token's\n"
                           " * char ids CHARS [n, %s_INFER_WORD_LEN], cut and padded as training did. */\n"
                           "int %s_infer_ids_chars(const int32_t *ids, const int32_t *chars, size_t n,\n"
                           "                       void *workspace, float *probs);\n", u, n);
        else
            seq_buf_printf(out,
                           "/* N token ids as the binary's tokenizer gives them, cut and padded to\n"
                           " * %s_INFER_SEQ_LEN as training did. */\n"
                           "int %s_infer_ids(const int32_t *ids, size_t n, void *workspace, float *probs);\n",
                           u, n);
        seq_buf_printf(out,
                       "@text /* LEN bytes of UTF-8 text, tokenized as the binary does. */\n"
                       "@text int %s_infer_text(const char *utf8, size_t len, void *workspace, float *probs);\n"
                       "@text /* The ids %s_infer_text feeds the model: IDS[%s_INFER_SEQ_LEN]%s, cut and\n"
                       "@text  * padded; returns the number of real tokens, or a negative status. */\n"
                       "@text int %s_infer_tokenize(const char *utf8, size_t len, int32_t *ids%s);\n"
                       "/* Class C's name as the data spells it, or NULL. */\n"
                       "const char *%s_infer_class_name(int c);\n", n, n, u,
                       m->ids_chars ? " and CHARS[SEQ_LEN * WORD_LEN]" : "", n,
                       m->ids_chars ? ", int32_t *chars" : "", n);
    }
}

static void emit_header_template(seq_buf *out, const model *m, const char *sha256)
{
    const spec *s = m->s;
    const char *n = s->name, *u = m->upper;
    char file[128];
    snprintf(file, sizeof file, "%s_infer.h", n);
    emit_banner(out, s, file, "predictions in freestanding C99.", sha256);
    seq_buf_printf(out, " * The code is in %s_infer.c, with the weights of a checkpoint (`%s export`).\n *\n", n, n);
    seq_buf_puts(out, " * No allocation, no threads, no global or static state: a call computes in\n");
    if (m->char_lm)
        seq_buf_printf(out, " * the state the caller owns (%s_infer_state) and nothing else.\n", n);
    else
        seq_buf_printf(out,
                       " * the caller's workspace of %s_INFER_WORKSPACE_BYTES, aligned for a float\n"
                       " * (a static float array of (%s_INFER_WORKSPACE_BYTES + 3) / 4, say): calls\n"
                       " * on different workspaces may run at once.\n", u, u);
    seq_buf_printf(out, " */\n#ifndef %s_INFER_H\n#define %s_INFER_H\n\n#include <stddef.h>\n"
                        "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
                   u, u);
    header_constants(out, m);
    header_statuses(out, m);
    header_functions(out, m);
    seq_buf_printf(out, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ---- the source ---------------------------------------------------------------- */

static void source_banner(seq_buf *out, const model *m, const char *sha256)
{
    const spec *s = m->s;
    const plan *pl = m->pl;
    char file[128];
    snprintf(file, sizeof file, "%s_infer.c", s->name);
    emit_banner(out, s, file, "predictions in freestanding C99 (see the header).", sha256);
    seq_buf_puts(out, "@checkpoint\n *\n");
    seq_buf_printf(out, "@f32  * Weights: %zu floats (W), %zu bytes.\n", pl->params_arena.total,
                   4 * pl->params_arena.total);
    seq_buf_printf(out, "@int8  * Weights: each matrix as int8 (Q) with a float scale per column, the\n"
                        "@int8  * rest as floats (W): %zu + %zu bytes.\n",
                   pl->q8_total, 4 * pl->q8_floats);
    seq_buf_printf(out, " * The prediction pass is the binary's (%s.c's model_predict) on the kernels\n"
                        " * below; the workspace holds its %zu activations, then the input.\n"
                        " */\n#include \"%s_infer.h\"\n\n#include <math.h>\n#include <string.h>\n",
                   s->name, m->acts, s->name);
}

/* The weights' arrays: W (and Q) as export.h says. */
static void source_weights(seq_buf *out, const plan *pl)
{
    emit_rule(out, "weights");
    seq_buf_printf(out, "\n@f32 static const float W[%zu] = {\n", pl->params_arena.total);
    for (int i = 0; i < pl->n_params; i++)
        seq_buf_printf(out, "@f32 @values %s\n", pl->params[i].name);
    seq_buf_printf(out, "@f32 };\n@int8 static const int8_t Q[%zu] = {\n", pl->q8_total);
    for (int i = 0; i < pl->n_params; i++)
        if (pl->params[i].quantized)
            seq_buf_printf(out, "@int8 @q8 %s\n", pl->params[i].name);
    seq_buf_printf(out, "@int8 };\n@int8 static const float W[%zu] = {\n", pl->q8_floats);
    for (int i = 0; i < pl->n_params; i++)
        seq_buf_printf(out, "@int8 @%s %s\n", pl->params[i].quantized ? "scales" : "values",
                       pl->params[i].name);
    seq_buf_puts(out, "@int8 };\n");
}

static void source_tables(seq_buf *out, const model *m)
{
    if (m->text) {
        emit_rule(out, "the tokenizer's vocabulary and the classes");
        seq_buf_puts(out, "@text @vocab\n@text @chars\n"); /* none without a char-CNN */
        seq_buf_puts(out, "@classes\n");
    } else if (m->char_lm) {
        emit_rule(out, "the characters");
        seq_buf_puts(out, "@chars\n");
    } else {
        emit_rule(out, "the training data's scaling");
        seq_buf_puts(out, "@scale\n");
    }
}

/* The prediction pass, as NAME.c has it but on an exported pass. */
static void source_pass(seq_buf *out, const plan *pl)
{
    const spec *s = pl->s;
    pass xp = pl->predict;
    xp.exported = 1;
    if (s->series) {
        emit_rule(out, "input: the series window (None, %d, %d)", s->seq_len, s->n_features);
        input_emit_pass(out, pl, &xp);
    }
    for (int i = 0; i < s->n_layers; i++) {
        const layer *l = &s->layers[i];
        char in[64], outs[64];
        layer_shape_str(l->in, "None", in, sizeof in);
        layer_shape_str(l->out, "None", outs, sizeof outs);
        emit_rule(out, "%s (%s): %s -> %s", l->name, layer_class(l), in, outs);
        l->kind->forward(out, pl, &xp, l);
    }
    emit_rule(out, "output");
    loss_emit_predict(out, pl);
    emit_rule(out, "the model");
    emit_model_predict(out, pl);
}

/* The workspace's parts, and the pass run into PROBS. */
static void api_common(seq_buf *out, const model *m)
{
    const spec *s = m->s;
    const char *u = m->upper;
    size_t T = (size_t)s->seq_len;
    emit_rule(out, "the API (%s_infer.h)", s->name);
    if (m->char_lm)
        return;
    seq_buf_printf(out,
                   "\n/* The workspace: the activations, then the example. */\n"
                   "typedef struct example {\n"
                   "    real *a;\n");
    if (m->window)
        seq_buf_puts(out, "    float *window; /* scaled */\n");
    else
        seq_buf_printf(out, "    int32_t *ids;  /* [%zu] */\n", T);
    if (m->ids_chars)
        seq_buf_printf(out, "    int32_t *chars; /* [%zu, %d] */\n", T, s->word_len);
    seq_buf_puts(out, "    int32_t *length;\n} example;\n\n"
                      "static example example_in(void *workspace)\n{\n"
                      "    example e;\n"
                      "    e.a = (real *)workspace;\n");
    if (m->window)
        seq_buf_printf(out, "    e.window = e.a + %zu;\n"
                            "    e.length = (int32_t *)(e.window + %zu);\n",
                       m->acts, T * (size_t)s->n_features);
    else
        seq_buf_printf(out, "    e.ids = (int32_t *)(e.a + %zu);\n"
                            "    e.length = e.ids + %zu;\n", m->acts, T);
    if (m->ids_chars)
        seq_buf_puts(out, "    e.chars = e.length + 1;\n");
    seq_buf_puts(out, "    return e;\n}\n");

    seq_buf_printf(out, "\n/* Runs the pass on E, its activations zeroed first: a call never reads\n"
                        " * what an earlier one left. */\n"
                        "static const real *run(const example *e)\n{\n"
                        "    seq_batch in;\n"
                        "    memset(e->a, 0, %zu * sizeof *e->a);\n", m->acts);
    if (m->window)
        seq_buf_puts(out, "    in.ids = NULL;\n    in.inputs = e->window;\n");
    else
        seq_buf_puts(out, "    in.ids = e->ids;\n    in.inputs = NULL;\n");
    seq_buf_printf(out, "    in.chars = %s;\n    in.lengths = e->length;\n"
                        "    model_predict(W, e->a, &in);\n    return e->a + %zu;\n}\n",
                   m->ids_chars ? "e->chars" : "NULL", m->pl->predict.loss.out);
    if (!m->text)
        return;
    seq_buf_printf(out, "\nstatic int probabilities(const example *e, float *probs)\n{\n"
                        "    const real *y = run(e);\n");
    if (m->probs == 2 && m->outputs == 1)
        seq_buf_puts(out, "    probs[0] = 1 - y[0];\n    probs[1] = y[0];\n");
    else
        seq_buf_printf(out, "    int c;\n    for (c = 0; c < %d; c++)\n        probs[c] = y[c];\n",
                       m->probs);
    seq_buf_printf(out, "    return %s_INFER_OK;\n}\n", u);
}

/* NAME_infer_ids (or _ids_chars): the binary's ids, cut and padded. */
static void api_ids(seq_buf *out, const model *m)
{
    const spec *s = m->s;
    const char *n = s->name, *u = m->upper;
    int keep_end = s->data.truncation == SEQ_PAD_PRE, pad_pre = s->data.padding == SEQ_PAD_PRE;
    if (m->ids_chars)
        seq_buf_printf(out,
                       "\nint %s_infer_ids_chars(const int32_t *ids, const int32_t *chars, size_t n,\n"
                       "                       void *workspace, float *probs)\n{\n"
                       "    example e;\n    size_t i, keep;\n"
                       "    if (!ids || !chars || !workspace || !probs)\n"
                       "        return %s_INFER_ERR_ARGUMENT;\n"
                       "    if (n == 0)\n        return %s_INFER_ERR_LENGTH;\n"
                       "    for (i = 0; i < n; i++)\n"
                       "        if (ids[i] < 0 || ids[i] >= %s_INFER_VOCAB_SIZE)\n"
                       "            return %s_INFER_ERR_ID;\n"
                       "    for (i = 0; i < n * %s_INFER_WORD_LEN; i++)\n"
                       "        if (chars[i] < 0 || chars[i] >= %s_INFER_N_CHAR_IDS)\n"
                       "            return %s_INFER_ERR_ID;\n"
                       "    e = example_in(workspace);\n"
                       "    *e.length = seq_ids_fit(ids, n, %d, %d, %d, e.ids);\n"
                       "    keep = (size_t)*e.length;\n"
                       "    memset(e.chars, 0, %zu * sizeof *e.chars);\n"
                       "    memcpy(e.chars + (%d ? %d - keep : 0) * %d, chars + (%d ? n - keep : 0) * %d,\n"
                       "           keep * %d * sizeof *e.chars);\n"
                       "    return probabilities(&e, probs);\n}\n",
                       n, u, u, u, u, u, u, u, s->seq_len, keep_end, pad_pre,
                       (size_t)s->seq_len * (size_t)s->word_len, pad_pre, s->seq_len, s->word_len,
                       keep_end, s->word_len, s->word_len);
    else
        seq_buf_printf(out,
                       "\nint %s_infer_ids(const int32_t *ids, size_t n, void *workspace, float *probs)\n{\n"
                       "    example e;\n    size_t i;\n"
                       "    if (!ids || !workspace || !probs)\n"
                       "        return %s_INFER_ERR_ARGUMENT;\n"
                       "    if (n == 0)\n        return %s_INFER_ERR_LENGTH;\n"
                       "    for (i = 0; i < n; i++)\n"
                       "        if (ids[i] < 0 || ids[i] >= %s_INFER_VOCAB_SIZE)\n"
                       "            return %s_INFER_ERR_ID;\n"
                       "    e = example_in(workspace);\n"
                       "    *e.length = seq_ids_fit(ids, n, %d, %d, %d, e.ids);\n"
                       "    return probabilities(&e, probs);\n}\n",
                       n, u, u, u, u, s->seq_len, keep_end, pad_pre);
}

static void api_text(seq_buf *out, const model *m)
{
    const spec *s = m->s;
    const char *n = s->name, *u = m->upper;
    int keep_end = s->data.truncation == SEQ_PAD_PRE, pad_pre = s->data.padding == SEQ_PAD_PRE;
    int punct = s->data.punct == SEQ_PUNCT_SPLIT ? 0 : s->data.punct == SEQ_PUNCT_STRIP ? 1 : 2;
    api_ids(out, m);
    seq_buf_printf(out,
                   "\n@text int %s_infer_tokenize(const char *utf8, size_t len, int32_t *ids%s)\n"
                   "@text {\n"
                   "@text     seq_tok_ring r;\n"
                   "@text     if (!utf8 || !ids%s)\n"
                   "@text         return %s_INFER_ERR_ARGUMENT;\n"
                   "@text     if (!seq_utf8_valid((const unsigned char *)utf8, len))\n"
                   "@text         return %s_INFER_ERR_UTF8;\n"
                   "@text     if (seq_tok_blank(utf8, len))\n"
                   "@text         return %s_INFER_ERR_LENGTH;\n"
                   "@text     r.ids = ids;\n"
                   "@text     r.chars = %s;\n"
                   "@text     r.seq_len = %d;\n"
                   "@text     r.width = %d;\n"
                   "@text     r.n = 0;\n"
                   "@text     r.keep_end = %d;\n"
                   "@text     r.lowercase = %d;\n"
                   "@text     seq_tok_scan(&r, (const unsigned char *)utf8, len, %d, %d);\n"
                   "@text     return seq_tok_finish(&r, %d);\n"
                   "@text }\n",
                   n, m->ids_chars ? ", int32_t *chars" : "", m->ids_chars ? " || !chars" : "", u,
                   u, u, m->ids_chars ? "chars" : "NULL", s->seq_len, s->word_len, keep_end,
                   s->data.lowercase, s->data.strip_html, punct, pad_pre);
    seq_buf_printf(out,
                   "\n@text int %s_infer_text(const char *utf8, size_t len, void *workspace, float *probs)\n"
                   "@text {\n"
                   "@text     example e;\n"
                   "@text     int32_t n;\n"
                   "@text     if (!workspace || !probs)\n"
                   "@text         return %s_INFER_ERR_ARGUMENT;\n"
                   "@text     e = example_in(workspace);\n"
                   "@text     n = %s_infer_tokenize(utf8, len, e.ids%s);\n"
                   "@text     if (n < 0)\n"
                   "@text         return n;\n"
                   "@text     *e.length = n;\n"
                   "@text     return probabilities(&e, probs);\n"
                   "@text }\n",
                   n, u, n, m->ids_chars ? ", e.chars" : "");
    seq_buf_printf(out, "\nconst char *%s_infer_class_name(int c)\n{\n"
                        "    return c >= 0 && c < %d ? class_names[c] : NULL;\n}\n", n, m->probs);
}

static void api_window(seq_buf *out, const model *m)
{
    const spec *s = m->s;
    const char *u = m->upper;
    int F = s->n_features;
    seq_buf_printf(out,
                   "\nint %s_infer_window(const float *values, size_t n, void *workspace, float *out)\n{\n"
                   "    example e;\n    size_t i;\n    float y;\n"
                   "    if (!values || !workspace || !out)\n"
                   "        return %s_INFER_ERR_ARGUMENT;\n"
                   "    if (n != %zu)\n        return %s_INFER_ERR_LENGTH;\n"
                   "    e = example_in(workspace);\n"
                   "    for (i = 0; i < n; i++) {\n"
                   "        e.window[i] = (values[i] - scale_mean[i %% %d]) / scale_std[i %% %d];\n"
                   "        if (!seq_finite(values[i]) || !seq_finite(e.window[i]))\n"
                   "            return %s_INFER_ERR_VALUE;\n"
                   "    }\n"
                   "    *e.length = %d;\n"
                   "    y = run(&e)[0] * scale_std[SCALE_TARGET] + scale_mean[SCALE_TARGET];\n"
                   "    if (!seq_finite(y))\n        return %s_INFER_ERR_VALUE;\n"
                   "    *out = y;\n"
                   "    return %s_INFER_OK;\n}\n",
                   s->name, u, (size_t)s->seq_len * (size_t)F, u, F, F, u, s->seq_len, u, u);
}

static void api_char_lm(seq_buf *out, const model *m)
{
    const char *n = m->s->name, *u = m->upper;
    seq_buf_printf(out,
                   "\nvoid %s_infer_reset(%s_infer_state *state)\n{\n"
                   "    if (state)\n        memset(state, 0, sizeof *state);\n}\n"
                   "\nint %s_infer_step(%s_infer_state *state, int32_t char_id, float *probs)\n{\n"
                   "    seq_batch in;\n    const real *y;\n    int c;\n"
                   "    if (!state || !probs)\n        return %s_INFER_ERR_ARGUMENT;\n"
                   "    if (char_id < 0 || char_id >= %s_INFER_N_IDS)\n        return %s_INFER_ERR_ID;\n"
                   "    state->in[0] = char_id;\n    state->in[1] = 1;\n"
                   "    in.ids = state->in;\n    in.lengths = state->in + 1;\n"
                   "    in.inputs = NULL;\n    in.chars = NULL;\n"
                   "    model_predict(W, state->a, &in);\n"
                   "    y = state->a + %zu;\n"
                   "    for (c = 0; c < %s_INFER_N_PROBS; c++)\n        probs[c] = y[c];\n"
                   "    return %s_INFER_OK;\n}\n"
                   "\nint32_t %s_infer_char_id(uint32_t code_point)\n{\n"
                   "    return seq_char_id(code_point);\n}\n"
                   "\nuint32_t %s_infer_char(int32_t id)\n{\n"
                   "    return id >= 1 && id <= N_CHARS ? chars_table[id - 1] : 0;\n}\n",
                   n, n, n, n, u, u, u, m->pl->predict.loss.out, u, u, n, n);
}

static void emit_source_template(seq_buf *out, const model *m, const char *sha256)
{
    seq_buf body = {0}, api = {0};
    source_pass(&body, m->pl);
    api_common(&api, m);
    if (m->text)
        api_text(&api, m);
    else if (m->window)
        api_window(&api, m);
    else
        api_char_lm(&api, m);
    seq_buf_add(&body, api.data, api.len); /* what the kernels are chosen by */

    kernel k[MAX_KERNELS];
    int n = kernels_read(k);
    seq_buf plain = {0};
    without_text(&body, &plain);
    kernels_take(k, n, &plain, TAKEN_ALWAYS);
    kernels_take(k, n, &body, TAKEN_TEXT);
    seq_buf_free(&plain);
    source_banner(out, m, sha256);
    source_tables(out, m);
    emit_rule(out, "kernels (seqcc's export/kernels.c)");
    kernels_write(out, k, n);
    source_weights(out, m->pl);
    seq_buf_add(out, body.data, body.len);
    seq_buf_free(&body);
    seq_buf_free(&api);
}

void emit_export(seq_buf *out, const plan *pl, const char *sha256)
{
    model m = model_of(pl);
    seq_buf header = {0}, source = {0};
    emit_header_template(&header, &m, sha256);
    emit_source_template(&source, &m, sha256);
    seq_buf_puts(out, "\n/* The freestanding export's template (`NAME export`, seqcc's export.h):\n"
                      " * NAME_infer.h, then NAME_infer.c. */");
    emit_lines_array(out, "export_header", &header);
    emit_lines_array(out, "export_source", &source);
    seq_buf_free(&header);
    seq_buf_free(&source);
}
