/* dataset.h: a spec's data as the model sees it: token ids and targets per
 * example, in train / validation / test splits, and batches cut from them. */
#ifndef SEQ_DATASET_H
#define SEQ_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "base/model.h"
#include "base/util.h"
#include "chars.h"
#include "timeseries.h"
#include "tokenizer.h"

typedef enum seq_split { SEQ_TRAIN, SEQ_VAL, SEQ_TEST, SEQ_N_SPLITS } seq_split;

typedef struct seq_examples {
    size_t n;
    int seq_len;
    int target_width;  /* 1, or seq_len for a char-lm (the next character of every step) */
    int32_t *ids;     /* [n, seq_len]; NULL for a series */
    int n_features;   /* a series' values per step, else 0 */
    float *inputs;    /* a series' windows [n, seq_len, n_features], scaled */
    int32_t *lengths; /* [n] real tokens in each row */
    float *targets;   /* [n, target_width] */
    /* a char_cnn's char ids: each distinct word of the split spelled once */
    int word_len;       /* characters per word; 0 = no char ids */
    int32_t *words;     /* [n, seq_len] each position's row of spellings (0: padding) */
    int32_t *spellings; /* [distinct words + 2, word_len] (rows 0 and 1: zeros) */
} seq_examples;

typedef struct seq_data {
    seq_vocab *vocab;  /* words (text classification) */
    int owns_vocab;
    int32_t *chars;    /* the character vocabulary (chars.h) of a char-lm or a char_cnn */
    int n_chars;
    seq_examples split[SEQ_N_SPLITS];
    int n_classes;
    char **class_names; /* owned: "neg", "pos" for aclimdb; a CSV's labels in byte order */
    size_t *class_lines; /* a CSV's: the line where each class first appears (else NULL) */
    seq_series_scale scale; /* a series', from its training rows (else n_features 0) */
} seq_data;

/* What the shared code asks of a model's data kind (data/kind.h's table),
 * so that it names none. */
enum seq_data_flag {
    SEQ_DATA_CLASSES = 1 << 0, /* labelled examples, one class each: a vocabulary of words,
                                * the data's class names, the best run by accuracy (else by
                                * loss); every row of a batch its own length */
    SEQ_DATA_STREAM = 1 << 1,  /* one stream, a target at every step, its characters as
                                * the vocabulary: prediction samples a step at a time */
    SEQ_DATA_VALUES = 1 << 2   /* windows of values per step, a regression */
};
unsigned seq_data_flags(const seq_model_info *info);
/* Whether the model's data kind has FLAG. */
int seq_data_has(const seq_model_info *info, unsigned flag);

/* Loads the splits whose bits (1 << split) are set in WANT from ROOT (the
 * aclImdb folder, or the CSV file). aclImdb: train and validation come from
 * its training part, shuffled with the spec's seed, the last
 * validation_split fraction for validation; test is its test part. CSV: all
 * rows shuffled with the spec's seed; the last test_split fraction is the
 * test split, then validation_split of the rest is validation. The
 * vocabulary is VOCAB (borrowed; from a checkpoint) or, when NULL, built from
 * the train split. LIMIT > 0 keeps the first LIMIT examples of each class in
 * file order (for tests). CLASSES (N_CLASSES names, a checkpoint's) give
 * the class ids by name, a label not among them failing with FILE:LINE (an
 * aclImdb class: its folder); when NULL, the classes are the data's (a
 * CSV's labels in byte order). A char_cnn model (info->word_len > 0) also gets
 * each word's characters, ids from CHARS (copied; from a checkpoint) or,
 * when NULL, the char_vocab_size - 2 most frequent characters of the train
 * split's words.
 *
 * char-lm: ROOT is a UTF-8 text; its first 1 - validation_split is the
 * training stream, the rest the validation stream (there is no test split).
 * CHARS (borrowed; from a checkpoint) or, when NULL, the most frequent
 * characters of the training stream give the ids. Each stream is cut into
 * BATCH contiguous rows, and batch k's row b is example k * BATCH + b: ids
 * are seq_len characters of row b, targets the character after each.
 * LIMIT > 0 keeps the first LIMIT characters of the text.
 *
 * series: the sine wave the spec describes, or the spec's columns of the CSV
 * file ROOT. Windows of seq_len rows predict the target horizon rows after
 * their last; they are split by their target's row, chronologically: train,
 * then validation_split, then the last test_split of the rows. Values and
 * targets are scaled with the training rows' statistics (in scale). LIMIT > 0
 * keeps the first LIMIT rows. */
int seq_data_load(const seq_model_info *info, const char *root, long limit, unsigned want,
                  seq_vocab *vocab, const int32_t *chars, int n_chars, char *const *classes,
                  int n_classes, seq_data *out, seq_err *err);
void seq_data_free(seq_data *d);

/* Loads the whole file PATH (a CSV text classification's or a series') as
 * the test split, unshuffled: the model's own VOCAB (borrowed) and CHARS;
 * CLASSES (N_CLASSES names, the model's) give the class ids, a label not
 * among them failing with FILE:LINE; a series is scaled by SCALE (the
 * model's). LIMIT > 0 keeps the first LIMIT examples of each class (a
 * series: rows). */
int seq_data_load_test_file(const seq_model_info *info, const char *path, long limit,
                            seq_vocab *vocab, const int32_t *chars, int n_chars,
                            char *const *classes, int n_classes,
                            const seq_series_scale *scale, seq_data *out, seq_err *err);

/* What a run was trained on: the data's path (as given, made absolute,
 * without "." and ".." parts), its size in bytes and its SHA-256; for an
 * aclImdb folder, of its train part's file names and sizes (cheap: no file
 * is read). A generated series has none (path ""). */
typedef struct seq_fingerprint {
    char path[4096];
    unsigned long long size;
    char sha256[65];
} seq_fingerprint;

int seq_data_fingerprint(const seq_model_info *info, const char *root, seq_fingerprint *fp,
                         seq_err *err);

const char *seq_split_name(seq_split s);
int seq_split_parse(const char *name, seq_split *out);

/* Copies examples ORDER[first ..] (or first .. in order when ORDER is NULL)
 * into one batch (a series' windows into INPUTS, else ids into IDS); rows
 * past the end are padding (zeros, length 0). Returns the number of real
 * rows. */
int seq_batch_fill(const seq_examples *ex, const uint32_t *order, size_t first, int batch,
                   int32_t *ids, int32_t *lengths, float *targets, float *inputs);

/* One text as the model reads it, tokenized with D's vocabulary and
 * characters: seq_len word ids into IDS, and for a char_cnn model the
 * words' char ids [seq_len, word_len] into CHARS (else NULL), exactly as a
 * data set's examples. Returns the number of real tokens. */
int seq_encode_text(const seq_model_info *info, const seq_data *d, char *text, size_t len,
                    int32_t *ids, int32_t *chars);

/* The char ids [batch, seq_len, word_len] of the rows seq_batch_fill takes
 * (zeros for padding rows), for examples with word_len > 0. */
void seq_batch_chars(const seq_examples *ex, const uint32_t *order, size_t first, int batch,
                     int32_t *chars);

/* The CSV dialect a spec's data section gives. */
seq_csv_dialect seq_csv_dialect_of(const seq_data_info *d);

/* The tokenizer settings a spec's data section gives. */
seq_tok_config seq_tok_config_of(const seq_data_info *d);

#endif
