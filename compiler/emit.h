/* emit.h: the code generator's shared state: arenas planned at compile time,
 * and the helpers the layers' emitters (layer.h) plan and write with. */
#ifndef SEQC_EMIT_H
#define SEQC_EMIT_H

#include <stddef.h>

#include "spec.h"
#include "util.h"

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
    pass train, predict;
    int too_big;           /* a limit was crossed (and reported) */
} plan;

/* A series model's input section: the window laid out for the first layer
 * (its gradient planned too, for the first layer to write). */
void input_plan(const plan *pl, pass *ps);
void input_plan_grads(const plan *pl, pass *ps);
void input_emit(seq_buf *out, const plan *pl);

/* The loss section: the model output from the last layer's output, the loss,
 * and the gradient of the loss reaching the last layer. */
void loss_plan(const plan *pl, pass *ps);
void loss_emit(seq_buf *out, const plan *pl);

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

/* Writing helpers. "[32, 120]" style dimension text. */
const char *dims1(char *buf, size_t n, long a);
const char *dims2(char *buf, size_t n, long a, long b);
const char *dims3(char *buf, size_t n, long a, long b, long c);
const char *dims4(char *buf, size_t n, long a, long b, long c, long d);
/* "    const real *NAME = BASE + OFFSET;   / * COMMENT * /" with aligned comments. */
void emit_ptr(seq_buf *out, int is_const, const char *name, char base, size_t offset,
              const char *comment);
/* The same for a pointer to row block b0 of a tensor whose rows are
 * ROW_OFFSET (e.g. "256 * b0") apart: "BASE + OFFSET + ROW_OFFSET". */
void emit_ptr_rows(seq_buf *out, int is_const, const char *name, char base, size_t offset,
                   const char *row_offset, const char *comment);
/* The same for block blk of an activation whose blocks are STRIDE reals apart. */
void emit_block_ptr(seq_buf *out, int is_const, const char *name, size_t offset, size_t stride,
                    const char *comment);
/* A section rule: "/ * ---- TITLE ----...---- * /". */
/* A blocked layer's backward: its blocks in parallel, then the blocks'
 * kernel (KERNEL reals each) and bias (BIAS reals each) gradient shares,
 * summed in block order into the gradients at G_KERNEL and G_BIAS. */
void emit_sum_blocks(seq_buf *out, const layer *l, int blocks, size_t kernel, size_t bias,
                     size_t kernel_shares, size_t bias_shares, size_t g_kernel, size_t g_bias);
void emit_rule(seq_buf *out, const char *fmt, ...) SEQ_PRINTF(2, 3);

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

#endif
