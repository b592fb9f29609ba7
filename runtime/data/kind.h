/* kind.h: the data kind descriptor, the runtime's side of the compiler's
 * (compiler/data.h). Each kind of data ('data.kind') is one file of data/
 * holding how its examples are read, split and encoded: text.c (text
 * classification), char_lm.c and series.c, listed in table.c by base/kinds.h's
 * seq_data_kind. dataset.c asks the table and names no kind. Internal to
 * data/. */
#ifndef SEQ_KIND_H
#define SEQ_KIND_H

#include "base/sha256.h"
#include "dataset.h"

typedef struct seq_data_type {
    unsigned flags; /* enum seq_data_flag (dataset.h) */
    /* seq_data_load's work (dataset.h), OUT holding the given vocabulary and
     * a copy of the given characters. Frees OUT on failure. */
    int (*load)(const seq_model_info *info, const char *root, long limit, unsigned want,
                char *const *classes, int n_classes, seq_data *out, seq_err *err);
    /* seq_data_load_test_file's, the same way; NULL: the kind has no test file. */
    int (*load_test_file)(const seq_model_info *info, const char *path, long limit,
                          char *const *classes, int n_classes, const seq_series_scale *scale,
                          seq_data *out, seq_err *err);
    /* What a run was trained on, ROOT as the spec gives it, hashed into H and
     * counted into *SIZE (seq_data_hash_file for a file). Returns 1 for
     * generated data (nothing to fingerprint), 0, or -1 after reporting. */
    int (*fingerprint)(const seq_model_info *info, const char *root, seq_sha256 *h,
                       unsigned long long *size, seq_err *err);
} seq_data_type;

/* Every data kind, indexed by seq_data_kind. */
extern const seq_data_type *const seq_data_types[];

/* What the kinds share (dataset.c). */
int seq_data_hash_file(const char *path, seq_sha256 *h, unsigned long long *size, seq_err *err);
void seq_examples_free(seq_examples *ex);

#endif
