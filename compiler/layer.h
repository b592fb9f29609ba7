/* layer.h: the layer descriptor. Each layer kind is one file under layers/
 * holding all the compiler knows about it: its keys and defaults, its check
 * and shape inference (with the parameter count), its Keras class and
 * summary rows, and its code generators. The pipeline (spec.c reads,
 * check.c checks, summary.c prints, emit.c plans and writes) goes through
 * the descriptors of layers/table.c and names no layer.
 *
 * A new layer: a file layers/NAME.c defining `const layer_type layer_NAME`
 * (the build compiles every file of layers/) and one line X(NAME) in
 * layers/table.c. Its reader uses read.h, its check check.h, its emitters
 * emit.h. A key the struct layer (spec.h) lacks is a field added there.
 * Every callback is required but class_of, summary, params and onnx. */
#ifndef SEQC_LAYER_H
#define SEQC_LAYER_H

#include "emit.h"
#include "onnx.h"
#include "spec.h"

/* What the pipeline asks of a layer kind (layer_type.flags). */
enum layer_flag {
    LAYER_TAKES_IDS = 1 << 0,   /* reads the batch's token ids: the first layer of a text
                                 * model (forward and backward get in->ids) */
    LAYER_TAKES_CHARS = 1 << 1, /* reads each word's char ids [batch, seq_len, word_len]
                                 * (in->chars): what input.word_len is for, second layer */
    LAYER_TAKES_RNG = 1 << 2,   /* the training forward gets (training, rng) */
    LAYER_VIEW = 1 << 3,        /* output and gradient are its input's memory; its forward
                                 * and backward are never called (they may write comments) */
    LAYER_RECURRENT = 1 << 4,   /* a recurrent layer (return_sequences decides its output) */
    LAYER_MIXES_STEPS = 1 << 5, /* mixes or pools steps: a masked layer cannot come after it */
    LAYER_OUTPUT = 1 << 6       /* can be the last layer for a loss: its out.features are the
                                 * units and l->act the activation the loss checks */
};

typedef struct layer_type {
    const char *type;        /* the spec's 'type' value: "lstm" */
    const char *keras_class; /* in summary and messages, and for default names: "LSTM" */
    /* The class when the keys change it ("Bidirectional", "TimeDistributed");
     * NULL: keras_class. */
    const char *(*class_of)(const layer *l);
    unsigned flags;          /* enum layer_flag */
    int states;              /* states carried between batches under train.stateful
                              * ([batch, units] each: h, then c): 0, 1 or 2 */

    /* Parse: the keys of mapping N (check_map with the allowed keys, 'type'
     * and 'name' among them) into L, defaults first. L's index, src, type
     * and kind are set; WHAT is "layer 2 (lstm)". Returns -1 after reporting. */
    int (*read)(layer *l, node *n, const char *what);
    /* Check and infer: L->in is set and PREV is the layer before (NULL for
     * the first, which reads the model's input); fits L to them and to S
     * (data, loss, other layers), then sets l->out and l->n_params (Keras'
     * count). Returns -1 after reporting (check.h's helpers). */
    int (*check)(spec *s, layer *l, const layer *prev);
    /* Summary rows (summary_row in summary.h), BATCH as Keras prints it;
     * NULL: one row, the layer's name, class, output shape and n_params. */
    void (*summary)(seq_buf *out, const spec *s, const layer *l, const char *batch);
    /* The arguments in NAME.c's model line, "LSTM(64, sequences)": what
     * goes between the parentheses. */
    void (*describe)(seq_buf *out, const layer *l);

    /* Plan: its parameters (plan_param, in order; NULL: none); the forward
     * buffers of a pass (sets io.out, and io.out_stride for a sequence); the
     * training pass's gradients and scratch (io.dout, io.dout_stride). The
     * pass has set io.in (the previous output) and, for grads, io.din is
     * set afterwards from the previous layer's io.dout. */
    void (*params)(plan *pl, const layer *l);
    void (*acts)(pass *ps, const layer *l);
    void (*grads)(pass *ps, const layer *l);
    /* Emit: the forward, once per pass (NAME_forward, and NAME_predict for
     * the batch-1 pass: ps->suffix), and the backward (training pass). */
    void (*forward)(seq_buf *out, const plan *pl, const pass *ps, const layer *l);
    void (*backward)(seq_buf *out, const plan *pl, const pass *ps, const layer *l);
    /* ONNX: its nodes in the prediction graph (onnx.h), reading g->x and
     * leaving its output's name there; NULL: it has no ONNX form yet. */
    void (*onnx)(struct onnx_graph *g, const layer *l);
} layer_type;

/* Every layer kind, in the order 'type' lists them; NULL-terminated. */
extern const layer_type *const layer_table[];

#endif
