/* emit.h: the code generator: the plan (plan.h) written as C with the C
 * writer (cwriter.h), one file per part of a model: NAME.c (the passes),
 * NAME_info.c (the tables), NAME.h and NAME_main.c. */
#ifndef SEQC_EMIT_H
#define SEQC_EMIT_H

#include "cwriter.h"
#include "plan.h"

/* A series model's input section: the window laid out for the first layer
 * (planned by plan.c). */
void input_emit(seq_buf *out, const plan *pl);
void input_emit_pass(seq_buf *out, const plan *pl, const pass *ps);

/* The loss section: the model output from the last layer's output, the loss,
 * and the gradient of the loss reaching the last layer (planned by plan.c). */
void loss_emit(seq_buf *out, const plan *pl);
void loss_emit_predict(seq_buf *out, const plan *pl); /* loss_predict alone */
/* model_predict: every layer's predict function in order (emit_passes.c). */
void emit_model_predict(seq_buf *out, const plan *pl);

/* The pointer to parameter P, "const real *NAME = p + OFFSET;  / * COMMENT * /".
 * In an exported pass (PS->exported) the lines of both weight modes, each
 * marked for the exporter ("@f32 " and "@int8 ", export.h): in an int8
 * export a matrix is a seq_q8 of its int8 values in Q and its scales. */
void emit_param(seq_buf *out, const pass *ps, const char *name, const param *p,
                const char *comment);

/* The files the emitter writes for one spec. */
enum { EMIT_FILES = 4 };
typedef struct out_file {
    char name[80];
    seq_buf text;
} out_file;

/* Plans and writes NAME.h, NAME.c (the passes), NAME_info.c (the tables) and
 * NAME_main.c (the binary's main()).
 * SPEC_SHA256 is the hex digest of the spec file's bytes. Returns -1 after
 * reporting a spec over SPEC_MAX_ARENA or SPEC_MAX_LINES (FILES are then
 * empty). */
int emit_model(const spec *s, const char *spec_sha256, out_file files[EMIT_FILES]);

/* The writers of each file (emit_passes.c, emit_info.c, emit_api.c).
 * emit_passes returns -1 after reporting a spec over SPEC_MAX_LINES. */
int emit_passes(seq_buf *out, const plan *pl, const char *sha256);
void emit_info(seq_buf *out, const plan *pl, const char *sha256);
void emit_api(seq_buf *out, const spec *s);   /* the C API's bound functions */
void emit_header(seq_buf *out, const plan *pl, const char *sha256);
void emit_main(seq_buf *out, const spec *s, const char *sha256);

#endif
