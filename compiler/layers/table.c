/* layers/table.c: the layer kinds, in the order 'type' lists them. A new
 * layer: its file, and one line here. */
#include "layer.h"

#define LAYERS(X)            \
    X(embedding)             \
    X(lstm)                  \
    X(gru)                   \
    X(rnn)                   \
    X(dense)                 \
    X(dropout)               \
    X(conv1d)                \
    X(maxpool1d)             \
    X(conv2d)                \
    X(maxpool2d)             \
    X(reshape_to_sequence)   \
    X(char_cnn)              \
    X(global_max_pool1d)     \
    X(global_avg_pool1d)

#define DECLARE(name) extern const layer_type layer_##name;
LAYERS(DECLARE)

#define ENTRY(name) &layer_##name,
const layer_type *const layer_table[] = {LAYERS(ENTRY) NULL};
