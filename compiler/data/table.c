/* data/table.c: the data kinds, in kinds.h's order. A new kind: its file,
 * its constant in kinds.h and one line here. */
#include "data.h"

extern const data_type data_text_classification, data_char_lm, data_series;

const data_type *const data_table[] = {
    [SEQ_DATA_TEXT_CLASSIFICATION] = &data_text_classification,
    [SEQ_DATA_CHAR_LM] = &data_char_lm,
    [SEQ_DATA_SERIES] = &data_series,
};
