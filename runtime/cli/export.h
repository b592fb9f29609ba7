/* export.h: `NAME export`: a trained model as freestanding C. The
 * compiler wrote the code as a template into the model's tables
 * (seq_model_info.export_header and export_source; seqcc's
 * compiler/export.h says what its tags and directives mean); this fills it
 * with a checkpoint's weights and tables and writes DIR/NAME_infer.h and
 * DIR/NAME_infer.c. */
#ifndef SEQ_EXPORT_H
#define SEQ_EXPORT_H

#include <stdint.h>

#include "base/model.h"
#include "base/util.h"
#include "data/timeseries.h"
#include "data/tokenizer.h"

typedef struct seq_export_in {
    const seq_model_info *info;
    const float *params;           /* the parameter arena, as floats */
    const seq_vocab *vocab;        /* a text model's, else NULL */
    const int32_t *chars;          /* a char-lm's or char-CNN's characters */
    int n_chars;
    const char *classes;           /* the class names, one a line */
    const seq_series_scale *scale; /* a series' */
    const char *checkpoint;        /* named in a comment (its file name) */
    long step;
} seq_export_in;

typedef struct seq_export_options {
    int int8;      /* matrices as int8 with a scale per column */
    int tokenizer; /* a text model's vocabulary and NAME_infer_text */
} seq_export_options;

/* Writes DIR/NAME_infer.h and DIR/NAME_infer.c (DIR made if missing);
 * on failure neither is left changed. *BYTES gets the weights' bytes. */
int seq_export_write(const seq_export_in *in, const seq_export_options *o, const char *dir,
                     size_t *bytes, seq_err *err);

/* Column C's int8 scale of a matrix [rows, cols] (W row-major): max |w| /
 * 127, or 1 for a column of zeros; and one weight quantized with it. */
float seq_q8_scale(const float *w, size_t rows, size_t cols, size_t c);
int seq_q8_value(float w, float scale);

#endif
