/* textset.h: labelled text data sets (the aclImdb folder layout, CSV columns)
 * held in memory as one review/document per entry. */
#ifndef SEQ_TEXTSET_H
#define SEQ_TEXTSET_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "csv.h"

typedef struct seq_textset {
    size_t n;            /* number of documents */
    char **texts;        /* NUL-terminated UTF-8, owned */
    size_t *lens;        /* byte lengths */
    int32_t *labels;     /* class index in [0, n_classes) */
    int n_classes;
    char **class_names;  /* e.g. {"neg", "pos"} */
    size_t *class_lines; /* a CSV's: the line where each class first appears (else NULL) */
} seq_textset;

/* Loads ROOT/SPLIT/{neg,pos}/ *.txt of an unpacked aclImdb folder (SPLIT is
 * "train" or "test"). Label 0 = neg, 1 = pos. Files are taken in a stable
 * order: neg then pos, each sorted by the numeric review id of "<id>_<rating>.txt".
 * Other names in the folders are ignored. LIMIT > 0 keeps only the first
 * LIMIT reviews of each class (for tests).
 * Fails, naming the file or folder, on a missing folder, a class folder
 * without reviews, an empty or unreadable file, or invalid UTF-8 (naming the
 * line); *OUT is then empty. */
int seq_imdb_load(const char *root, const char *split, size_t limit,
                  seq_textset *out, seq_err *err);

/* Frees and zeroes T; a zeroed set is fine to free. */
void seq_textset_free(seq_textset *t);

/* Whether S[0..len) holds a NUL byte; then *OFFSET is the first one's byte
 * offset (0-based) and *LINE its line (1-based). */
int seq_text_has_nul(const char *s, size_t len, size_t *offset, size_t *line);

/* Loads a labelled text set from CSV columns TEXT_COLUMN and LABEL_COLUMN: classes are
 * the distinct labels in byte order (e.g. negative, neutral, positive); rows in file
 * order. Fails naming the file on a missing column (listing the columns there are), and
 * FILE:LINE on an empty label. Empty texts are kept (a tweet can be empty after
 * tokenizing) but counted: *n_empty. A file with no rows is an error too. */
int seq_csv_textset(const char *path, const char *text_column, const char *label_column,
                    seq_textset *out, size_t *n_empty, seq_err *err);

/* The same in dialect D (NULL: RFC 4180; csv.h). With FIXED (N_FIXED class
 * names, a model's), the classes are those, matched by name, and a label
 * that is not among them fails naming FILE:LINE. */
int seq_csv_textset_as(const char *path, const seq_csv_dialect *d, const char *text_column,
                       const char *label_column, char *const *fixed, int n_fixed,
                       seq_textset *out, size_t *n_empty, seq_err *err);

#endif
