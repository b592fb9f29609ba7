/* spec.h: a model spec as read from YAML, and then checked (shapes filled
 * in). Every value keeps the node it came from, for error positions. */
#ifndef SEQC_SPEC_H
#define SEQC_SPEC_H

#include <stdint.h>

#include "base/info.h"  /* the sections and kinds the runtime shares */
#include "base/kinds.h"
#include "node.h"

/* Limits that keep generated code and arenas sane. */
enum {
    SPEC_MAX_BATCH = 65536,
    SPEC_MAX_SEQ_LEN = 4096, /* every step is unrolled */
    SPEC_MAX_WORD_LEN = 256, /* characters kept per word (char_cnn) */
    SPEC_MAX_UNITS = 65536,
    SPEC_MAX_VOCAB = 10000000,
    SPEC_MAX_LAYERS = 64,
    SPEC_MAX_LAYER_TYPES = 64 /* kinds in layers/table.c */
};
#define SPEC_MAX_TENSOR 2147483647LL /* elements; BLAS dimensions are int */
/* The code generator's limits: the reals of one arena (the parameters, the
 * training pass's activations and gradients, the prediction pass's), and the
 * lines of NAME.c. A spec over either is an error at the layer that crosses
 * it, and nothing is written. */
#define SPEC_MAX_ARENA 4294967296LL /* reals: 16 GiB in f32 */
#define SPEC_MAX_LINES 1000000      /* lines of NAME.c, about 70 MB */

struct layer_type; /* a layer kind's descriptor: layer.h */
struct data_type;  /* a data kind's descriptor: data.h */

typedef enum activation { ACT_NONE, ACT_RELU, ACT_TANH, ACT_SIGMOID, ACT_SOFTMAX } activation;

typedef struct init_spec {
    seq_init kind;
    double scale; /* UNIFORM, FILE (the rows of words it lacks): +-scale; NORMAL: stddev;
                   * ORTHOGONAL: gain */
    const char *path; /* FILE: word vectors, relative to the spec's folder */
} init_spec;

/* A tensor between layers: a sequence [T, B, F] (time-major in the arena,
 * (None, T, F) to Keras) or a vector [B, F]. Token ids are a sequence of
 * width 0. An image (conv2d, maxpool2d) is a sequence whose F features are
 * WIDTH x CHANNELS, channels last: (None, T, width, channels) to Keras. */
typedef struct layer_shape {
    int is_seq;
    int steps;    /* T when is_seq */
    int features; /* F */
    int channels; /* an image's channels, else 0 */
} layer_shape;

/* Keras' notation, with BATCH ("None", or a stateful model's batch) first:
 * (None, 120, 32), (None, 64), (None, 120, 32, 8); "token ids (None, 120)". */
const char *layer_shape_str(layer_shape sh, const char *batch, char *buf, size_t n);

typedef struct layer {
    const struct layer_type *kind; /* what the compiler knows of its kind (layer.h) */
    const char *type;  /* as written: "embedding", "lstm", "gru", "rnn", "dense", "dropout" */
    char name[64];     /* unique; Keras' default names unless given */
    int named;         /* the name was given in the spec */
    node *src;         /* the layer's mapping, for error positions */
    int index;         /* 0-based position in layers */

    int units;              /* lstm, dense */
    int input_dim;          /* embedding: vocabulary size (0 = from tokenizer) */
    int output_dim;         /* embedding */
    int return_sequences;   /* recurrent */
    int bidirectional;      /* recurrent: a forward and a backward pass, outputs concatenated */
    double rate;            /* dropout: the fraction of values zeroed */
    int filters, kernel_size, same; /* conv1d, conv2d: 'same' (else 'valid') padding */
    int kernel_width;       /* conv2d: kernel_size is its steps, this its width */
    int char_vocab_size;    /* char_cnn: char ids 0 (padding), 1 (unknown), then characters */
    int char_embedding_dim; /* char_cnn */
    int pool_size;          /* maxpool1d, maxpool2d */
    int pool_width;         /* maxpool2d: pool_size steps by pool_width */
    int time_distributed;   /* dense: applied at every step of a sequence */
    activation act;         /* dense */
    init_spec kernel_init, recurrent_init, bias_init, embeddings_init;
    int unit_forget_bias;   /* lstm: forget-gate bias starts at 1 */
    int dirs;               /* recurrent: 2 when bidirectional, else 1 */
    int masked;             /* recurrent, pooling: steps past each example's length are skipped */
    int frozen;             /* trainable: false: its parameters never change (Keras'
                             * non-trainable params) */

    /* filled in by check */
    layer_shape in, out;
    int word_len;           /* char_cnn: characters per word (input.word_len) */
    int64_t n_params;
} layer;

typedef struct spec {
    const char *file;      /* as given on the command line */
    const char *name;
    uint64_t seed;

    int batch, seq_len;
    int word_len;          /* characters kept per word for a char_cnn; 0 = none */
    node *input_src;

    seq_data_info data;    /* the runtime's (info.h), read from 'data' */
    const struct data_type *data_type; /* what the compiler knows of its kind (data.h) */
    int char_lm;           /* the kind's DATA_STREAM: a target at every step */
    int series;            /* the kind's DATA_VALUES: float values per step, not token ids */
    int n_features;        /* a series' values per step: the columns (sine: 1) */
    node *data_src;

    layer *layers;
    int n_layers;
    node *layers_src;

    struct {
        seq_loss kind;
        int from_logits;
        node *src;
    } loss;

    seq_optim_info optim;  /* info.h */

    seq_train_info train;  /* info.h */
    node *train_src;

    struct {
        int f64;
        seq_simd simd;
        int blocks; /* the training batch's blocks; 0: planned (plan.c) */
    } codegen;

    node *root;
    char *columns_text; /* owns data.columns */
} spec;

/* Reads and validates keys and types of a parsed spec; reports through diag.
 * Returns 0 when no error was reported. */
int spec_read(spec *s, node *root, const char *file);

void spec_free(spec *s);

/* Infers shapes and parameter counts and checks that layers fit together. */
int spec_check(spec *s);

/* Position of KEY in mapping MAP, or of MAP itself when KEY is absent. */
mark spec_mark(const node *map, const char *key);

const char *activation_name(activation a);
const char *layer_class(const layer *l); /* Keras class: "Embedding", "LSTM", "Bidirectional", ... */
int64_t spec_total_params(const spec *s);

#endif
