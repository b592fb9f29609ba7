/* summary.h: the Keras-style model table (tf.keras 2.x model.summary()). */
#ifndef SEQC_SUMMARY_H
#define SEQC_SUMMARY_H

#include "base/util.h"
#include "spec.h"

void summary_write(const spec *s, seq_buf *out);

/* One layer's row, "NAME (CLS)", its output SHAPE and N_PARAMS, and the
 * blank line after it (for a layer_type's summary). */
void summary_row(seq_buf *out, const char *name, const char *cls, const char *shape,
                 int64_t n_params);

#endif
