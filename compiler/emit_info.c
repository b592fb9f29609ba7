/* emit_info.c: NAME_info.c, the spec as tables for the runtime: the
 * parameter tensors, the summary, and seq_model_info (data, optimizer,
 * training). */
#include "emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "summary.h"
#include "version.h"

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
        seq_buf_printf(out, ", .fan_in = %d, .fan_out = %d, .forget_units = %d},\n", p->fan_in,
                       p->fan_out, p->forget_units);
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

void emit_info(seq_buf *out, const plan *pl, const char *sha256)
{
    const spec *s = pl->s;
    char file[96];
    snprintf(file, sizeof file, "%s_info.c", s->name);
    emit_banner(out, s, file, "what the spec says, as tables for the runtime.", sha256);
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
