/* summary.h: the Keras-style model table (tf.keras 2.x model.summary()). */
#ifndef SEQC_SUMMARY_H
#define SEQC_SUMMARY_H

#include "spec.h"
#include "util.h"

void summary_write(const spec *s, seq_buf *out);

#endif
