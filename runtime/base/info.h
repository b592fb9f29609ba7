/* info.h: the spec's data, optimizer and training sections as the runtime
 * reads them, shared with the compiler, which reads a spec into these very
 * structs and writes them into NAME_info.c field by field from the lists
 * below. A key is one line of a list (plus its reader in the compiler and
 * its use in the runtime); nothing else is kept in step by hand.
 *
 * Each list entry is X(KIND, TYPE, NAME): KIND says how the compiler
 * writes the value (STR a string, NULL left out; INT, DBL a number, 0 left
 * out; CHAR a character, 0 left out; ENUM a kinds.h enum, always written,
 * by its constant's name). Plain C99, kinds.h only. */
#ifndef SEQ_INFO_H
#define SEQ_INFO_H

#include "kinds.h"

/* data: where the examples come from and how text becomes ids.
 * path, test_path: relative to the spec's folder; test_path (format csv):
 *   the test part's own file, NULL = a part of the data (test_split).
 * text_column, label_column: format csv ("0", "1", ... without a header).
 * delimiter: format csv's field separator, 0 = ','; headerless: no header row.
 * test_split: csv's held-out fraction; a series: the last rows.
 * columns, target: a series csv's input columns (comma-separated) and the
 *   column predicted, horizon rows after a window's last.
 * length, period, noise: a sine series' points, points per cycle and the
 *   noise's stddev.
 * char_vocab_size: a char_cnn's char ids: 0 padding, 1 unknown, characters. */
#define SEQ_DATA_FIELDS(X)                                                        \
    X(ENUM, seq_data_kind, kind) X(ENUM, seq_data_format, format)                 \
    X(STR, const char *, path)                                                    \
    X(STR, const char *, text_column) X(STR, const char *, label_column)          \
    X(CHAR, int, delimiter) X(INT, int, headerless)                               \
    X(STR, const char *, test_path) X(DBL, double, test_split)                    \
    X(STR, const char *, columns) X(STR, const char *, target) X(INT, int, horizon) \
    X(INT, int, length) X(DBL, double, period) X(DBL, double, noise)              \
    X(INT, int, lowercase) X(INT, int, strip_html) X(ENUM, seq_punct, punct)      \
    X(INT, int, vocab_size) X(ENUM, seq_pad, padding) X(ENUM, seq_pad, truncation) \
    X(DBL, double, validation_split) X(INT, int, char_vocab_size)

/* optimizer: Adam or AdamW; clipnorm clips by the global norm, 0 = off. */
#define SEQ_OPTIM_FIELDS(X)                                                       \
    X(ENUM, seq_optimizer, type) X(DBL, double, lr) X(DBL, double, beta1)         \
    X(DBL, double, beta2) X(DBL, double, eps) X(DBL, double, weight_decay)        \
    X(DBL, double, clipnorm)

/* train: checkpoint_every in steps, 0 = every epoch; stateful: recurrent
 * states carry from batch to batch. */
#define SEQ_TRAIN_FIELDS(X)                                                       \
    X(INT, int, epochs) X(INT, int, shuffle) X(INT, int, checkpoint_every)        \
    X(INT, int, stateful)

#define SEQ_INFO_MEMBER(kind, type, name) type name;

typedef struct seq_data_info {
    SEQ_DATA_FIELDS(SEQ_INFO_MEMBER)
} seq_data_info;

typedef struct seq_optim_info {
    SEQ_OPTIM_FIELDS(SEQ_INFO_MEMBER)
} seq_optim_info;

typedef struct seq_train_info {
    SEQ_TRAIN_FIELDS(SEQ_INFO_MEMBER)
} seq_train_info;

#endif
