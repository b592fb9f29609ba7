/* table.c: the data kinds, in base/kinds.h's order. A new kind: its file here and
 * in compiler/data/, its constant in base/kinds.h and one line in each table. */
#include "kind.h"

extern const seq_data_type seq_data_text_classification, seq_data_char_lm, seq_data_series;

const seq_data_type *const seq_data_types[] = {
    [SEQ_DATA_TEXT_CLASSIFICATION] = &seq_data_text_classification,
    [SEQ_DATA_CHAR_LM] = &seq_data_char_lm,
    [SEQ_DATA_SERIES] = &seq_data_series,
};
