/* run.h: what the model binary's commands share, for one compiled model in
 * the build's precision: the arenas and batch of a run, where training
 * stands, and the helpers every command uses. Internal to the runtime. */
#ifndef SEQ_RUN_H
#define SEQ_RUN_H

#include <stdint.h>
#include <stdlib.h>

#include "base/model.h"
#include "base/real.h"
#include "base/util.h"
#include "data/dataset.h"
#include "store/safetensors.h"
#include "options.h"

#ifdef SEQ_REAL_DOUBLE
#define SEQ_DTYPE SEQ_F64
#define SEQ_PRECISION "f64"
#else
#define SEQ_DTYPE SEQ_F32
#define SEQ_PRECISION "f32"
#endif

/* Stream of the training randomness (epoch shuffles come from the seed). */
#define SEQ_TRAIN_STREAM 0x545241494eULL

static inline real *alloc_reals(size_t n)
{
    return seq_xcalloc(n ? n : 1, sizeof(real));
}

typedef struct run {
    const seq_model *m;
    const seq_model_info *info;
    real *params, *grads, *adam_m, *adam_v; /* the parameter arenas */
    real *acts;                             /* the activation arena */
    int32_t *ids, *lengths;                 /* one batch */
    float *targets;
    float *inputs;                          /* a series' windows, else NULL */
    seq_series_scale scale;                 /* a series': from a checkpoint or the training
                                               data (until then n_features 0) */
    int32_t *char_ids;                      /* its char ids, for a char_cnn; else NULL */
    seq_vocab *vocab;                       /* from a checkpoint, or built by train */
    int32_t *chars;                         /* a char-lm's or char_cnn's characters, the same way */
    int n_chars;
    seq_buf classes;                        /* the class names, one per line */
    uint64_t seed;
    seq_rng rng;                            /* training randomness */
    long step;                              /* optimizer steps done */
    int epoch;                              /* epochs completed */
    long epoch_step;                        /* batches done in the current epoch */
    double epoch_loss;                      /* sums over the current epoch */
    long epoch_correct, epoch_seen;
    double best_val;                        /* best run_val_score so far, or -inf */
    char test_nonfinite[8];                 /* SEQCC_TEST_NONFINITE (tests only): "loss",
                                               "grad" or "param" at step test_nonfinite_step */
    long test_nonfinite_step;
    seq_fingerprint trained_on;             /* the training data (train: computed; otherwise
                                               from the checkpoint; path "" if unknown) */
} run;

typedef struct score {
    double loss; /* mean over examples */
    double accuracy;      /* NaN for a regression */
    size_t n;
    double rmse;          /* a regression's, in the data's units */
    double baseline_rmse; /* of the naive forecast: the target's last value */
} score;

/* What picks the best checkpoint, higher is better: the validation accuracy,
 * or minus the validation loss for a char-lm (whose accuracy is not the aim)
 * and for a regression. */
#define run_val_score SEQ_P(run_val_score)
double run_val_score(const run *r, score v);

#define run_init SEQ_P(run_init)
#define run_fill SEQ_P(run_fill)
#define run_batch SEQ_P(run_batch)
#define print_score SEQ_P(print_score)
#define positions SEQ_P(positions)
#define reset_state SEQ_P(reset_state)
#define st_add_tensor SEQ_P(st_add_tensor)
#define cmd_sample SEQ_P(cmd_sample)
#define run_free SEQ_P(run_free)
#define class_name SEQ_P(class_name)
#define take_classes SEQ_P(take_classes)
#define run_class_list SEQ_P(run_class_list)
#define run_data_load SEQ_P(run_data_load)
#define predicted SEQ_P(predicted)
#define count_correct SEQ_P(count_correct)
#define evaluate SEQ_P(evaluate)
#define train_step SEQ_P(train_step)
#define save_checkpoint SEQ_P(save_checkpoint)
#define load_checkpoint SEQ_P(load_checkpoint)
#define load_init_weights SEQ_P(load_init_weights)
#define cmd_train SEQ_P(cmd_train)
#define cmd_eval SEQ_P(cmd_eval)
#define cmd_grads SEQ_P(cmd_grads)
#define cmd_bench SEQ_P(cmd_bench)
#define cmd_gradcheck SEQ_P(cmd_gradcheck)
#define cmd_export SEQ_P(cmd_export)
#define cmd_export_onnx SEQ_P(cmd_export_onnx)

void run_init(run *r, const seq_model *m, const seq_options *o);
void run_free(run *r);

/* Copies examples ORDER[first ..] of EX (in order when ORDER is NULL) into
 * the run's batch, char ids included; returns the number of real rows. */
int run_fill(run *r, const seq_examples *ex, const uint32_t *order, size_t first);
/* The run's batch, its first N_VALID rows real. */
seq_batch run_batch(const run *r, int n_valid);
/* "loss 0.3380, accuracy 0.8793" or, for a regression, "loss 0.0123, rmse
 * 12.34 (naive forecast 11.02)", SEP between the loss and the rest. */
const char *print_score(const run *r, score s, const char *sep, char *buf, size_t n);

/* Predictions per example: 1, or every step of a char-lm's. */
int positions(const run *r);
/* A stateful model's carried states back to zero. */
void reset_state(run *r);

/* The I-th class name (0-based). */
const char *class_name(const run *r, int i, char *buf, size_t n);
/* The class names (a checkpoint's, "a\nb") as a list, which holds pointers
 * into *TEXT (a copy); returns their number. */
int run_class_list(const run *r, char **text, char ***names);
/* seq_data_load with the run's vocabulary, characters and classes (a
 * checkpoint's, when it has them: the data's labels get their ids by name). */
int run_data_load(run *r, const char *root, long limit, unsigned want, seq_data *out,
                  seq_err *err);
/* Checks the data's classes fit the model and keeps their names (a
 * series: keeps its scale). */
int take_classes(run *r, const seq_data *d, const char *root, seq_err *err);

/* The class an output row predicts. */
int predicted(const real *out, int n_outputs);
/* Examples whose predicted class matches the target, among the first N rows. */
long count_correct(const run *r, int n);
/* Loss and accuracy over every example of EX in order, the last partial
 * batch included. */
score evaluate(run *r, const seq_examples *ex);
/* One optimizer step on the batch in r->ids, r->lengths, r->targets: its
 * loss in *LOSS. A non-finite loss or gradient norm fails, naming the step,
 * and changes nothing (SEQCC_TEST_NONFINITE, for tests, makes one). */
int train_step(run *r, int n_valid, double *loss, long *correct, seq_err *err);

/* Adds the tensor T of ARENA to ST as PREFIX + its name. */
void st_add_tensor(seq_st *st, const char *prefix, const seq_tensor_info *t, const real *arena);

/* Parameters, optimizer state, vocabulary and where training stands. */
int save_checkpoint(const run *r, const char *path, seq_err *err);
/* Loads parameters and vocabulary; with RESUME also the optimizer state and
 * where training stood. */
int load_checkpoint(run *r, const char *path, int resume, seq_err *err);
/* train --init-weights: PATH's parameters (a weights file of seqcc import,
 * or a checkpoint of this model) over the initializers'. */
int load_init_weights(run *r, const char *path, seq_err *err);

/* The commands; each returns an exit status. */
int cmd_train(run *r, const seq_options *o, const char *data_root);
int cmd_eval(run *r, const seq_options *o, const char *data_root);
int cmd_grads(run *r, const seq_options *o, const char *data_root);
int cmd_bench(run *r, const seq_options *o);
int cmd_gradcheck(run *r, const seq_options *o);
int cmd_sample(run *r, const seq_options *o);
int cmd_export(run *r, const seq_options *o);
int cmd_export_onnx(run *r, const seq_options *o);

#endif
