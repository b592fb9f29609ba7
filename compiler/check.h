/* check.h: the helpers a layer's check (layer_type.check) and a data
 * kind's (data_type.check_loss) report with (check.c). Each reports
 * through diag and returns -1, or returns 0. */
#ifndef SEQC_CHECK_H
#define SEQC_CHECK_H

#include "spec.h"

/* The hint for a sequence layer given an image. */
#define IMAGE_HINT "put a reshape_to_sequence after the conv2d/maxpool2d layers"

/* Keras' notation of SH with batch None: (None, 120, 32). */
const char *shape_str(layer_shape sh, char *buf, size_t n);
/* Reports TENSOR, of A x B x C elements (C = 0 for a matrix; FACTORS says
 * what they are), if it is too large for one tensor; points at KEY. */
int check_size(const layer *l, const char *key, const char *tensor, const char *factors,
               int64_t a, int64_t b, int64_t c);
/* L cannot take what PREV (NULL: the input) outputs: L expects EXPECTED;
 * names both shapes, then HINT (or NULL). Always -1. */
int mismatch(const layer *l, const layer *prev, const char *expected, const char *hint);
/* Convolutions and pooling over time (WHAT: "convolutions are") make no
 * sense for a char-lm, whose prediction pass runs one step at a time. */
int no_char_lm(const spec *s, const layer *l, const char *what);
/* A masked layer (l->masked) needs examples padded after their tokens
 * (data.padding: post; no char-lm or series) and steps that are tokens (no
 * layer before it mixes steps). */
int check_masked(const spec *s, const layer *l);
/* Softmax is computed with the loss: only the last dense layer has it. */
int no_softmax(const layer *l);
/* The last layer LAST must be what the loss reads: one linear unit (mse),
 * one sigmoid unit (binary_crossentropy) or a softmax unit per class
 * (sparse_categorical_crossentropy); none with from_logits. */
int check_output(const spec *s, const layer *last);

#endif
