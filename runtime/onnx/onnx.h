/* onnx.h: `NAME export-onnx`: a trained model's prediction graph as an ONNX
 * file. The compiler wrote the graph as lines of text into the model's
 * tables (seq_model_info.onnx_graph; seqcc's compiler/onnx.h says what they
 * mean); this fills in a checkpoint's weights, in ONNX's layouts, and writes
 * the ModelProto with protobuf-c (on ONNX's own onnx.proto), opset 13. */
#ifndef SEQ_ONNX_H
#define SEQ_ONNX_H

#include <stdint.h>

#include "base/model.h"
#include "base/util.h"
#include "data/timeseries.h"

typedef struct seq_onnx_in {
    const seq_model_info *info;
    const float *params;           /* the parameter arena, as floats */
    const char *classes;           /* a classifier's class names, one a line */
    const int32_t *chars;          /* a char-lm's characters (code points of ids 1, 2, ...) */
    int n_chars;
    const seq_series_scale *scale; /* a series' */
    long step;                     /* the checkpoint's */
} seq_onnx_in;

/* Writes IN's graph and weights to PATH (atomically: on failure PATH is
 * left as it was). The metadata: seqcc.model, seqcc.spec_sha256,
 * seqcc.classes (a JSON array), seqcc.vocab_size, seqcc.seq_len,
 * seqcc.padding, seqcc.chars (a char-lm's, a JSON string), seqcc.step.
 * A runtime built without ONNX (protobuf-c) fails, saying so. */
int seq_onnx_write(const seq_onnx_in *in, const char *path, size_t *bytes, seq_err *err);

#endif
