/* onnx.h: a model's prediction graph in ONNX, written into NAME_info.c as
 * lines of text (onnx_graph[]) that `NAME export-onnx` turns into a
 * ModelProto with a checkpoint's weights (runtime/onnx/onnx.h). Each layer
 * kind adds its nodes (layer_type.onnx); the graph is read by a reviewer
 * in the generated file as easily as by the runtime.
 *
 * The lines, one element each (names are the layers' own, "lstm/Y"):
 *   input NAME TYPE DIMS        a graph input: int64 or float; DIMS
 *   output NAME TYPE DIMS         comma-separated, "batch" or "steps" symbolic
 *   weight NAME DIMS SOURCE...  an initializer of floats: the SOURCEs'
 *                               values one after another, each a checkpoint
 *                               tensor with operations applied in order:
 *                               TENSOR:row=R (slice R of its first axis),
 *                               TENSOR:gates=3,0,1,2 (its last axis as
 *                               blocks, put in this order), TENSOR:perm=1,0
 *                               (axes permuted as numpy.transpose), or
 *                               zeros:N, or a series' scale: scale:MEMBER
 *                               (input_mean, input_std, target_mean,
 *                               target_std)
 *   ints NAME V,V,...           an initializer of int64 (shapes, axes)
 *   float NAME V                a float scalar initializer
 *   node OP INPUTS OUTPUTS [ATTR...]  INPUTS and OUTPUTS comma-separated, an
 *                               empty name an absent optional input; ATTR
 *                               is NAME=i:V, NAME=is:V,V, NAME=f:V or
 *                               NAME=s:TEXT
 *   unsupported REASON          the model cannot be exported (said at run time)
 * The graph is opset 13 (ai.onnx); sequences are time-major [T, N, F] (as
 * the RNN operators take them), vectors [N, F], images [N, C, H, W]. */
#ifndef SEQC_ONNX_H
#define SEQC_ONNX_H

#include "base/util.h"
#include "plan.h"

typedef struct onnx_graph {
    seq_buf *out;      /* the lines, each ending in '\n' */
    const plan *pl;
    const spec *s;
    char x[96];        /* the value the next layer reads: the last one's output */
    char lengths[32];  /* each example's real steps (int32 [N]), once made */
    char mask[32];     /* a float [T, N, 1] of 1 at real steps, once made */
    int unsupported;
} onnx_graph;

/* The lines for PL's prediction graph, into NAME_info.c as onnx_graph[]. */
void emit_onnx(seq_buf *out, const plan *pl);

/* For the layers' onnx callbacks. A node: OP, its inputs and outputs
 * (comma-separated) and attributes (printf-style, may be ""). */
void onnx_node(onnx_graph *g, const char *op, const char *inputs, const char *outputs,
               const char *attrs, ...) SEQ_PRINTF(5, 6);
/* The node OP on G->x (then the input AND, unless NULL) giving LAYER's
 * value WHAT, which becomes G->x; ATTRS as for onnx_node. */
void onnx_then(onnx_graph *g, const layer *l, const char *op, const char *and, const char *what,
               const char *attrs, ...) SEQ_PRINTF(6, 7);
/* An initializer NAME of DIMS from SOURCES (printf-style), as above. */
void onnx_weight(onnx_graph *g, const char *name, const char *dims, const char *sources, ...)
    SEQ_PRINTF(4, 5);
/* An int64 initializer named after its values ("ints_0_0_m1") once, in NAME. */
void onnx_ints(onnx_graph *g, const char *values, char *name, size_t size);
/* The float scalar initializer NAME of VALUE ("1"), once. */
void onnx_float(onnx_graph *g, const char *name, const char *value);
/* LAYER's value WHAT: "lstm/Y". */
void onnx_name(char *buf, size_t size, const layer *l, const char *what);
/* The current value G->x as a sequence [T, N, F] into channels-first
 * [N, F, T] (a 1-D convolution's input) and back from [N, C, T]. */
void onnx_seq_to_ncw(onnx_graph *g, const layer *l);
void onnx_ncw_to_seq(onnx_graph *g, const layer *l);
/* G->x as an image [N, C, H, W]: a sequence [T, N, F] becomes [N, 1, T, F]
 * (an embedding plane of one channel); an image stays. */
void onnx_image(onnx_graph *g, const layer *l);
/* ACT applied to G->x (none: nothing). */
void onnx_activation(onnx_graph *g, const layer *l, activation act);
/* Each example's real steps as int32 [N], and the float mask [T, N, 1]
 * (token ids above 0: the padding id is 0, an unknown word 1). */
const char *onnx_lengths(onnx_graph *g);
const char *onnx_mask(onnx_graph *g);
/* The model cannot be exported: why (printf-style). */
void onnx_unsupported(onnx_graph *g, const char *why, ...) SEQ_PRINTF(2, 3);

#endif
