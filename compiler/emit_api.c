/* emit_api.c: the model's interface: NAME.h, the C API's functions bound
 * to the model (at the end of NAME_info.c), and NAME_main.c. */
#include "emit.h"

#include <stdio.h>
#include <string.h>

#include "data.h"

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
    switch (s->data_type->api) {
    case DATA_API_NONE:
        break;
    case DATA_API_WINDOW:
        fns[n++] = window;
        break;
    case DATA_API_TEXT:
        fns[n++] = text;
        fns[n++] = texts;
        if (!s->word_len)
            fns[n++] = ids;
        break;
    }
    return n;
}

/* NAME_def and the bound functions, at the end of NAME_info.c. */
void emit_api(seq_buf *out, const spec *s)
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

void emit_header(seq_buf *out, const plan *pl, const char *sha256)
{
    const spec *s = pl->s;
    const char *n = s->name;
    char file[96], guard[96];
    snprintf(file, sizeof file, "%s.h", s->name);
    size_t i = 0;
    for (; s->name[i] && i + 3 < sizeof guard; i++)
        guard[i] = (char)(s->name[i] >= 'a' && s->name[i] <= 'z' ? s->name[i] - 32 : s->name[i]);
    guard[i] = '\0';
    emit_banner(out, s, file, "the model's interface.", sha256);
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

void emit_main(seq_buf *out, const spec *s, const char *sha256)
{
    char file[96];
    snprintf(file, sizeof file, "%s_main.c", s->name);
    emit_banner(out, s, file, "main() of the model binary.", sha256);
    seq_buf_printf(out,
                   " */\n#include \"cli/cli.h\"\n#include \"%s.h\"\n\n"
                   "/* The spec's folder, where data.path starts: relative to the binary's\n"
                   " * own folder (the build sets it; --data overrides the data path). */\n"
                   "#ifndef SEQ_SPEC_DIR\n#define SEQ_SPEC_DIR \".\"\n#endif\n\n"
                   "int main(int argc, char **argv)\n{\n"
                   "    return seq_main(argc, argv, &%s_info, &%s_f32, &%s_f64, SEQ_SPEC_DIR);\n"
                   "}\n",
                   s->name, s->name, s->name, s->name);
}
