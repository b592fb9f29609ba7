/* model.h: what generated model code hands to the runtime.
 *
 * seq_model_info holds everything the spec says (sizes, parameter tensors
 * and their initializers, data, optimizer, training); seq_s_model and
 * seq_d_model hold the compiled passes in float and in double. The arenas
 * are flat arrays of reals at offsets fixed by the compiler: parameters,
 * their gradients and the two Adam moments share one layout; activations
 * (with their gradients) have another. */
#ifndef SEQ_MODEL_H
#define SEQ_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "info.h"
#include "kinds.h"
#include "real.h"
#include "rng.h"

typedef struct seq_tensor_info {
    const char *name;     /* "lstm/kernel" */
    size_t offset, size;  /* in reals */
    int rank;
    int shape[4];
    seq_init init;
    double scale;         /* UNIFORM: limit; NORMAL: stddev; ORTHOGONAL: gain */
    int fan_in, fan_out;  /* GLOROT_UNIFORM; ORTHOGONAL: rows, columns */
    int forget_units;     /* an LSTM bias: [units, 2*units) starts at 1 */
    const char *path;     /* FILE: word vectors (data/vectors.h), relative to the spec's folder */
    int frozen;           /* trainable: false; the optimizer never changes it */
} seq_tensor_info;

typedef struct seq_model_info {
    const char *name, *seqcc_version, *spec_file, *spec_sha256;
    uint64_t seed;
    int batch, seq_len;
    int word_len;               /* characters per word of a char_cnn; 0 = none */
    int n_outputs;              /* width of the model output (per step for a char-lm) */
    int char_lm;                /* data kind char-lm: a target at every step */
    int n_features;             /* data kind series: values per step (else 0: token ids) */
    seq_loss loss;
    int f64;                    /* spec precision is f64 */
    seq_simd simd;
    size_t n_params;
    int n_tensors;
    const seq_tensor_info *tensors;
    const char *summary;        /* the Keras-style table */
    /* The freestanding export's template, NULL-terminated lines (export.h) */
    const char *const *export_header, *const *export_source;
    /* The prediction graph in ONNX, NULL-terminated lines (onnx/onnx.h) */
    const char *const *onnx_graph;
    seq_data_info data;
    seq_optim_info optim;
    seq_train_info train;
} seq_model_info;

/* INFO's parameter tensor NAME ("lstm/kernel"), or NULL. */
static inline const seq_tensor_info *seq_tensor_named(const seq_model_info *info,
                                                      const char *name)
{
    for (int i = 0; i < info->n_tensors; i++)
        if (strcmp(info->tensors[i].name, name) == 0)
            return &info->tensors[i];
    return NULL;
}

/* One batch: ids [batch, seq_len] row-major (a series: inputs instead); lengths [batch], each row's
 * real tokens (the rest is padding; masked layers skip it); targets [batch,
 * n_outputs] or NULL; rows at and past n_valid are padding rows (they add
 * nothing to the loss or gradients); chars, a char_cnn model's char ids of
 * each token's word [batch, seq_len, word_len], else NULL. */
typedef struct seq_batch {
    const int32_t *ids;
    const int32_t *lengths;
    const float *targets;
    int n_valid;
    const float *inputs; /* a series' windows [batch, seq_len, n_features], else NULL */
    const int32_t *chars; /* a char_cnn's: each word's characters [batch, seq_len, word_len] */
} seq_batch;

/* forward returns the mean loss over the valid rows (0 without targets) and
 * leaves the output at acts + output; backward writes (does not add) every
 * parameter gradient; predict runs one example (a batch of 1: ids with
 * lengths[0] real tokens and, for a char_cnn, chars; or inputs; a char-lm's:
 * one character) and leaves the output at acts + output_predict. Sequence
 * outputs are blocked: [blocks, steps, rows, outputs]. A stateful model's
 * states, which the caller resets, are the first n_state reals of the arena. */
#define SEQ_MODEL_STRUCT(R, NAME)                                                 \
    typedef struct NAME {                                                         \
        const seq_model_info *info;                                               \
        size_t n_acts, n_acts_predict;                                            \
        size_t output, output_predict;                                            \
        size_t n_state, n_state_predict; /* carried states, at acts + 0 */        \
        int blocks, rows;                /* the batch's layout in the arena */    \
        R (*forward)(const R *params, R *acts, const seq_batch *in, int training, \
                     seq_rng *rng);                                               \
        void (*backward)(const R *params, R *grads, R *acts, const seq_batch *in); \
        void (*predict)(const R *params, R *acts, const seq_batch *in);            \
        void (*share_states)(R *acts); /* NULL without states (dist/dist.h) */        \
    } NAME

SEQ_MODEL_STRUCT(float, seq_s_model);
SEQ_MODEL_STRUCT(double, seq_d_model);
#define seq_model SEQ_P(model) /* the one of the including file's precision */

#endif
