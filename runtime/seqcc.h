/* seqcc.h: the C API of a model compiled by seqcc: open a checkpoint,
 * predict, close.
 *
 * Each model's generated header (NAME.h) includes this one and declares the
 * model's own functions, NAME_open, NAME_predict_text (a text classifier) or
 * NAME_predict_window (a series model), NAME_close and so on: they are the
 * functions below bound to that model, and they reject a handle opened for
 * another model. The functions here work on a handle of any model.
 *
 * Every function that can fail returns a status (SEQCC_OK, 0, on success)
 * and, when ERR is not NULL, fills it with the status and a message naming
 * what was wrong. No function exits the program or prints, except that
 * opening a checkpoint written from another version of the spec warns on
 * stderr, and that running out of memory prints a message and exits (as the
 * model binary does).
 *
 * Threads: there is no global state. A handle holds the model's parameters,
 * vocabulary and its own activation memory; it may be used by one thread at
 * a time. Handles are independent: two threads may each predict with their
 * own handle (of the same model or not) at the same time. The answers do
 * not depend on the thread or on the CPU's SIMD level. A model predicts in
 * its spec's precision (f32 or f64), with the same code and the same bits
 * as the model binary's predict command.
 *
 * A handle is valid from a successful open until its close. A NULL handle,
 * a handle of another model passed to NAME_..., or a pointer to memory that
 * is not a handle (told by a magic number) gives SEQCC_ERR_ARGUMENT; a
 * handle used after its close is undefined behaviour, as for free(). */
#ifndef SEQCC_H
#define SEQCC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Statuses. */
enum {
    SEQCC_OK = 0,
    SEQCC_ERR_ARGUMENT = 1,   /* a NULL pointer, a bad handle, a handle of another model */
    SEQCC_ERR_IO = 2,         /* the checkpoint file cannot be opened */
    SEQCC_ERR_CHECKPOINT = 3, /* not a checkpoint of this model, or a damaged one */
    SEQCC_ERR_INPUT = 4,      /* an invalid input: not UTF-8, empty, a wrong number of values */
    SEQCC_ERR_KIND = 5        /* a call the model's kind has not: a text for a series model... */
};

typedef struct seqcc_error {
    int code;          /* the status returned */
    char message[256]; /* what went wrong, e.g. "runs/x.safetensors: cannot open (No such file...)" */
} seqcc_error;

/* "SEQCC_OK", "SEQCC_ERR_INPUT", ...; "SEQCC_UNKNOWN" for another number. */
const char *seqcc_status_name(int status);

/* An open model (opaque). */
typedef struct seqcc_model seqcc_model;
/* A compiled model's identity and code (opaque): NAME_def in NAME.h. */
typedef struct seqcc_model_def seqcc_model_def;

/* Classes whose probabilities a prediction carries. */
#define SEQCC_MAX_PROBS 64

typedef struct seqcc_prediction {
    int label;          /* the class predicted (0-based); -1 for a series */
    const char *name;   /* its name, as the data spells it ("pos"; a CSV's label); valid
                           until the handle is closed; "" for a series */
    double probability; /* one output (sigmoid): the probability of class 1; several:
                           that of the class predicted; 0 for a series. This is the
                           number the binary's predict prints */
    double value;       /* a series: the forecast, in the data's units; else 0 */
    int n_probs;        /* the classes in probs: min(seqcc_n_classes, SEQCC_MAX_PROBS) */
    double probs[SEQCC_MAX_PROBS]; /* every class's probability, by class index (one
                           output: 1 - p, p) */
} seqcc_prediction;

/* Opens CHECKPOINT (a safetensors file a model binary's train wrote) for the
 * model DEF; *OUT is the new handle (NULL on failure). Use NAME_open. */
int seqcc_open(const seqcc_model_def *def, const char *checkpoint, seqcc_model **out,
               seqcc_error *err);
/* SEQCC_OK if M is an open handle of the model DEF; else SEQCC_ERR_ARGUMENT,
 * naming both models when M belongs to another. */
int seqcc_check(const seqcc_model *m, const seqcc_model_def *def, seqcc_error *err);
/* Frees M. NULL is fine (SEQCC_OK); a pointer that is not a handle is
 * SEQCC_ERR_ARGUMENT and is left alone. */
int seqcc_close(seqcc_model *m);

/* A text classifier: the class of TEXT (LEN bytes of UTF-8, tokenized as
 * the training data was). A text with nothing but white space is
 * SEQCC_ERR_INPUT, as is invalid UTF-8. */
int seqcc_predict_text(seqcc_model *m, const char *text, size_t len, seqcc_prediction *out,
                       seqcc_error *err);
/* N NUL-terminated texts into OUT[0 .. N-1], one at a time (the same bits as
 * seqcc_predict_text); stops at the first bad text, naming its index. */
int seqcc_predict_texts(seqcc_model *m, const char *const *texts, size_t n,
                        seqcc_prediction *out, seqcc_error *err);
/* A text classifier without characters (no char_cnn): N token ids (1 is out
 * of vocabulary, each below the vocabulary size), cut and padded to seq_len as
 * the spec says. */
int seqcc_predict_ids(seqcc_model *m, const int32_t *ids, size_t n, seqcc_prediction *out,
                      seqcc_error *err);
/* A series model: one window of N = seq_len * n_features values in the
 * data's units, oldest row first, each row's values in the spec's column
 * order; out->value is the forecast. */
int seqcc_predict_window(seqcc_model *m, const double *values, size_t n, seqcc_prediction *out,
                         seqcc_error *err);

/* About an open handle (NULL, or -1, for a bad one). */
const char *seqcc_model_name(const seqcc_model *m);
int seqcc_n_classes(const seqcc_model *m);                  /* 0 for a series */
const char *seqcc_class_name(const seqcc_model *m, int i); /* NULL out of range */
int seqcc_seq_len(const seqcc_model *m);
int seqcc_n_features(const seqcc_model *m);                 /* a series' values per row; 0 */

#ifdef __cplusplus
}
#endif

#endif
