/* api.h: the runtime's side of the C API (seqcc.h): what a model definition
 * and an open handle hold. Internal to the runtime and the generated code. */
#ifndef SEQ_API_H
#define SEQ_API_H

#include <stdint.h>

#include "base/model.h"
#include "base/util.h"
#include "data/timeseries.h"
#include "data/tokenizer.h"
#include "seqcc.h"

/* NAME_def in the generated NAME_info.c. */
struct seqcc_model_def {
    const seq_model_info *info;
    const seq_s_model *f32;
    const seq_d_model *f64;
};

#define SEQ_API_MAGIC 0x7365716363617069ULL /* "seqccapi" */

struct seqcc_model {
    uint64_t magic;                 /* SEQ_API_MAGIC while open */
    const seq_model_info *info;     /* the model's identity */
    const seq_s_model *f32;         /* the passes of the spec's precision: one of them */
    const seq_d_model *f64;
    void *params, *acts;            /* reals of that precision */
    seq_vocab *vocab;
    int32_t *chars;
    int n_chars;
    seq_series_scale scale;         /* a series' */
    int n_classes;                  /* 0 for a series */
    char **class_names;             /* [n_classes], owned */
    int32_t *ids;                   /* one example: seq_len ids, then a char_cnn's char ids */
    float *window;                  /* a series' scaled window */
    double *outputs;                /* the model's outputs [n_outputs] */
    char *text;                     /* a copy of the text being tokenized */
    size_t text_cap;
};

/* TEXT (LEN bytes) tokenized into M->ids: seq_len word ids, then a
 * char_cnn's char ids [seq_len, word_len]; *LENGTH its real tokens. Invalid
 * UTF-8 and a blank text are SEQCC_ERR_INPUT. */
int seq_api_encode(seqcc_model *m, const char *text, size_t len, int32_t *length,
                   seqcc_error *err);

/* The precision-generic part (api_model.c, compiled as float and double). */
/* Loads CHECKPOINT's parameters, vocabulary, characters, classes (as
 * "a\nb", into *CLASSES, malloc'd) or series scale into H, and allocates
 * its arenas. */
int seq_s_api_load(seqcc_model *h, const char *checkpoint, char **classes, seq_err *err);
int seq_d_api_load(seqcc_model *h, const char *checkpoint, char **classes, seq_err *err);
/* Runs one example through H's passes; OUT gets the n_outputs outputs. */
void seq_s_api_predict(seqcc_model *h, const seq_batch *one, double *out);
void seq_d_api_predict(seqcc_model *h, const seq_batch *one, double *out);

#endif
