/* plan.h: the arenas planned at compile time. Parameters (their gradients
 * and Adam moments share the layout) and each pass's activations are flat
 * arrays of reals; every tensor has a fixed offset, planned layer by layer
 * through the layers' params, acts and grads callbacks (layer.h). */
#ifndef SEQC_PLAN_H
#define SEQC_PLAN_H

#include <stddef.h>

#include "spec.h"

/* A named region of an arena, in reals. */
typedef struct region {
    char name[80];
    char dims[64]; /* "[120, 32, 256]" */
    size_t offset, size;
} region;

typedef struct arena {
    region *r;
    int n, cap;
    size_t total;
} arena;

/* A parameter tensor and how it starts. */
typedef struct param {
    char name[96];    /* "lstm/kernel" */
    int rank;
    int dims[4];
    size_t offset, size;
    init_spec init;
    int fan_in, fan_out;
    int forget_units;
    int frozen;       /* its layer's trainable: false */
    /* Where an int8 export keeps it (export.h): a matrix (rank 2 or more,
     * not a bias) as int8 at q8_offset of Q with a scale per column (its last
     * dimension) at f32_offset of the floats; anything else as floats at
     * f32_offset. */
    int quantized;
    size_t q8_offset, f32_offset;
} param;

enum { MAX_PARAMS_PER_LAYER = 6, MAX_BUFS = 32 };

/* Where one layer's tensors live in one pass: offsets into the activation
 * arena; the gradient fields are used by the training pass only. A sequence
 * is stored in blocks of rows ([blocks, steps, rows, features]); its view
 * also has the distance between blocks (the stride), which is not always the
 * block's size (an LSTM's h has one more step, the initial state). */
typedef struct layer_io {
    size_t in, din;   /* input view (the previous output) and its gradient */
    size_t out, dout; /* output view and its gradient */
    size_t in_stride, din_stride, out_stride, dout_stride;
    int by_blocks;      /* its forward and backward run block by block (seq_parallel_blocks):
                         * each block writes its rows of out and din alone */
    int stateful;       /* a recurrent layer carrying its state between batches */
    size_t state[2][2]; /* its carried states: [direction][h, c] */
    size_t buf[MAX_BUFS];
} layer_io;

/* A compiled pass: the training/eval pass at the spec's batch size (with
 * backward), or the batch-1 prediction pass (forward only). */
typedef struct pass {
    const char *suffix; /* "forward" or "predict" */
    int batch;
    int blocks, rows;   /* the batch as BLOCKS blocks of ROWS rows */
    int steps;          /* 0, or the steps of every sequence (a char-lm's prediction: 1) */
    size_t state_size;  /* the carried states, at the start of the arena */
    int training;
    int exported;       /* the prediction pass written for a freestanding export (export.h) */
    arena acts;
    layer_io *io;       /* per layer */
    layer_io loss;      /* in = logits; out = model output; buf[0] = d logits */
    size_t input;       /* a series' window, the first layer's input */
} pass;

typedef struct plan {
    const spec *s;
    arena params_arena;
    param *params;
    int n_params;
    int *param_base;       /* per layer: index of its first param */
    size_t q8_total, q8_floats; /* an int8 export's int8 values and floats */
    pass train, predict;
    int too_big;           /* a limit was crossed (and reported) */
} plan;

/* Plans S: its parameters, then the training pass (batch, with
 * gradients) and the prediction pass (batch 1). PL->too_big is set after a
 * limit was reported. */
void plan_model(plan *pl, const spec *s);
void plan_free(plan *pl);

/* The activation a layer applies itself: a sigmoid feeding binary
 * cross-entropy is folded into the loss (computed from logits). */
activation layer_activation(const plan *pl, const layer *l);

/* Planning helpers. */
size_t arena_add(arena *a, const char *name, size_t size, const char *dims);
/* Reserves LAYER's tensor "NAME.WHAT" ("d NAME.WHAT" for a gradient, when
 * WHAT starts with "d ") of shape [A, B] (C = 0) or [A, B, C] in PS. */
size_t pass_add(pass *ps, const layer *l, const char *what, long a, long b, long c);
/* The same for a blocked sequence of STEPS steps: [blocks, steps, rows, F]. */
size_t pass_add_seq(pass *ps, const layer *l, const char *what, long steps, long features);
/* A layer's input and output steps in PS (the spec's, unless the pass sets them). */
int steps_in(const pass *ps, const layer *l);
int steps_out(const pass *ps, const layer *l);
void plan_param(plan *pl, const layer *l, const char *what, int rank, const int *dims,
                init_spec init, int fan_in, int fan_out, int forget_units);
const param *layer_param(const plan *pl, const layer *l, int k);


#endif
