/* emit_info.c: NAME_info.c, the spec as tables for the runtime: the
 * parameter tensors, the summary, and seq_model_info (data, optimizer,
 * training). */
#include "emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kinds.h"
#include "export.h"
#include "onnx.h"
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
            seq_buf_cstring(out, p->init.path, strlen(p->init.path));
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
        seq_buf_cstring(out, piece, strlen(piece));
        free(piece);
        line += n;
    }
    seq_buf_free(&table);
    seq_buf_puts(out, ";\n");

}

/* One member of an info.h struct, as its list's KIND says: a string (left
 * out when NULL), a number or character (left out when 0), a kinds.h
 * constant (always). */
static void member_str(seq_buf *out, const char *name, const char *v)
{
    if (!v)
        return;
    seq_buf_printf(out, "        .%s = ", name);
    seq_buf_cstring(out, v, strlen(v));
    seq_buf_puts(out, ",\n");
}

static void member_int(seq_buf *out, const char *name, int v)
{
    if (v)
        seq_buf_printf(out, "        .%s = %d,\n", name, v);
}

static void member_dbl(seq_buf *out, const char *name, double v)
{
    if (v == 0)
        return;
    seq_buf_printf(out, "        .%s = ", name);
    put_double(out, v);
    seq_buf_puts(out, ",\n");
}

static void member_char(seq_buf *out, const char *name, int v)
{
    if (v == '\t') /* the spec allows no other control character, quote or backslash */
        seq_buf_printf(out, "        .%s = '\\t',\n", name);
    else if (v)
        seq_buf_printf(out, "        .%s = '%c',\n", name, v);
}

static void member_enum(seq_buf *out, const char *name, int v, const char *const *idents)
{
    seq_buf_printf(out, "        .%s = %s,\n", name, seq_kind_name(idents, v));
}

#define MEMBER_STR(type, name) member_str(out, #name, v->name);
#define MEMBER_INT(type, name) member_int(out, #name, v->name);
#define MEMBER_DBL(type, name) member_dbl(out, #name, v->name);
#define MEMBER_CHAR(type, name) member_char(out, #name, v->name);
#define MEMBER_ENUM(type, name) member_enum(out, #name, (int)v->name, type##_idents());
#define MEMBER(kind, type, name) MEMBER_##kind(type, name)

/* seq_model_info's data, optim and train members, from info.h's lists. */
static void info_sections(seq_buf *out, const spec *s)
{
    seq_buf_puts(out, "    .data = {\n");
    {
        const seq_data_info *v = &s->data;
        SEQ_DATA_FIELDS(MEMBER)
    }
    seq_buf_puts(out, "    },\n    .optim = {\n");
    {
        const seq_optim_info *v = &s->optim;
        SEQ_OPTIM_FIELDS(MEMBER)
    }
    seq_buf_puts(out, "    },\n    .train = {\n");
    {
        const seq_train_info *v = &s->train;
        SEQ_TRAIN_FIELDS(MEMBER)
    }
    seq_buf_puts(out, "    },\n};\n");
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
    emit_export(out, pl, sha256);
    emit_onnx(out, pl);
    const char *base = strrchr(s->file, '/');
    base = base ? base + 1 : s->file;
    seq_buf_printf(out, "\nconst seq_model_info %s_info = {\n", s->name);
    seq_buf_printf(out, "    .name = \"%s\",\n    .seqcc_version = \"%s\",\n", s->name, SEQCC_VERSION);
    seq_buf_puts(out, "    .spec_file = ");
    seq_buf_cstring(out, base, strlen(base));
    seq_buf_printf(out, ",\n    .spec_sha256 = \"%s\",\n", sha256);
    seq_buf_printf(out, "    .seed = %lluu,\n", (unsigned long long)s->seed);
    seq_buf_printf(out, "    .batch = %d,\n    .seq_len = %d,\n", s->batch, s->seq_len);
    if (s->word_len)
        seq_buf_printf(out, "    .word_len = %d,\n", s->word_len);
    seq_buf_printf(out, "    .n_outputs = %d,\n", s->layers[s->n_layers - 1].out.features);
    if (s->char_lm)
        seq_buf_puts(out, "    .char_lm = 1,\n");
    if (s->series)
        seq_buf_printf(out, "    .n_features = %d,\n", s->n_features);
    seq_buf_printf(out, "    .loss = %s,\n", seq_kind_name(seq_loss_idents(), (int)s->loss.kind));
    seq_buf_printf(out, "    .f64 = %d,\n    .simd = %s,\n", s->codegen.f64,
                   seq_kind_name(seq_simd_idents(), (int)s->codegen.simd));
    seq_buf_printf(out, "    .n_params = %zu,\n    .n_tensors = %d,\n    .tensors = tensors,\n",
                   pl->params_arena.total, pl->n_params);
    seq_buf_puts(out, "    .summary = summary,\n"
                      "    .export_header = export_header,\n    .export_source = export_source,\n"
                      "    .onnx_graph = onnx_graph,\n");
    info_sections(out, s);
}
