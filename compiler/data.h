/* data.h: the data kind descriptor. Each kind of data ('data.kind') is one
 * file under data/ holding all the compiler knows about it: the keys of its
 * 'data' section and their defaults, and how its loss and last layer must
 * fit what it asks. Listed in data/table.c by kinds.h's seq_data_kind; the
 * pipeline (spec.c, check.c, plan.c, the emitters) asks the flags and names
 * no kind. data/csv.c reads what CSV files share (dialect, columns, test
 * part). */
#ifndef SEQC_DATA_H
#define SEQC_DATA_H

#include "base/util.h"
#include "spec.h"

enum data_flag {
    DATA_VALUES = 1 << 0, /* float values per step (spec.n_features), not token ids: the
                           * model starts with an input section, not an embedding */
    DATA_STREAM = 1 << 1  /* one contiguous stream, a target at every step: batches can
                           * carry states (train.stateful) and prediction samples one
                           * step at a time */
};

/* The C API functions (seqcc.h) a model of the kind gets. */
typedef enum data_api { DATA_API_NONE, DATA_API_TEXT, DATA_API_WINDOW } data_api;

typedef struct data_type {
    seq_data_kind kind;
    unsigned flags;  /* enum data_flag */
    data_api api;
    /* Parse: the keys of mapping N ('kind' read) into S->data (and
     * S->n_features). Returns -1 after reporting. */
    int (*read)(spec *s, node *n);
    /* Check, after shapes: the loss and the last layer LAST against what the
     * data asks. Returns -1 after reporting (check.h). */
    int (*check_loss)(spec *s, const layer *last);
} data_type;

/* Every data kind, indexed by seq_data_kind. */
extern const data_type *const data_table[];

/* The keys of a text kind's 'data' (named in the message for a 'data' that
 * is not a mapping). */
extern const char *const data_text_keys[];

/* CSV files (data/csv.c). The dialect: 'delimiter' and 'header'. */
int data_read_dialect(spec *s, node *n);
/* Column KEY of mapping MAP: a name, or a 0-based number without a header. */
int data_read_column(spec *s, node *map, const char *key, const char *what, const char **out);
/* The test part: 'test_split' (DEFAULT when absent, required when DEFAULT
 * is negative) or 'test_path'. */
int data_read_test_part(spec *s, node *n, const char *what, double dflt);
/* The names of list COLS joined with commas into JOINED. */
int data_join_columns(const spec *s, const node *cols, seq_buf *joined);

#endif
