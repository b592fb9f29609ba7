/* check.c: shape inference over the layer list, parameter counts, and the
 * checks that layers, data and loss fit together. */
#include <stdio.h>
#include <string.h>

#include "spec.h"

static const char *shape_str(layer_shape sh, char *buf, size_t n)
{
    return layer_shape_str(sh, "None", buf, n);
}

/* Reports TENSOR, of A x B x C elements (C = 0 for a matrix; FACTORS says
 * what they are), if it is too large for one tensor. */
static int check_size(const layer *l, const char *key, const char *tensor, const char *factors,
                      int64_t a, int64_t b, int64_t c)
{
    /* each factor is <= SPEC_MAX_* < 2^24, so two products cannot overflow */
    double elements = (double)a * (double)b * (double)(c ? c : 1);
    if (elements <= (double)SPEC_MAX_TENSOR)
        return 0;
    char sizes[64];
    if (c == 0)
        snprintf(sizes, sizeof sizes, "%lld x %lld", (long long)a, (long long)b);
    else
        snprintf(sizes, sizeof sizes, "%lld x %lld x %lld", (long long)a, (long long)b,
                 (long long)c);
    diag_error(spec_mark(l->src, key),
               "layer %d '%s' (%s): %s would have %s = %s = %.3g elements, more than the %lld "
               "one tensor can hold", l->index + 1, l->name, layer_class(l), tensor, factors,
               sizes, elements, (long long)SPEC_MAX_TENSOR);
    return -1;
}

/* L cannot take what PREV (NULL: the input) outputs; names both shapes. */
static int mismatch(const layer *l, const layer *prev, const char *expected, const char *hint)
{
    char got[64];
    shape_str(l->in, got, sizeof got);
    if (prev)
        diag_error(l->src->at, "layer %d '%s' (%s) expects %s, but layer %d '%s' (%s) before it "
                   "outputs %s%s%s", l->index + 1, l->name, layer_class(l), expected,
                   prev->index + 1, prev->name, layer_class(prev), got, hint ? "; " : "",
                   hint ? hint : "");
    else
        diag_error(l->src->at, "layer %d '%s' (%s) expects %s, but the model's input is %s%s%s",
                   l->index + 1, l->name, layer_class(l), expected, got, hint ? "; " : "",
                   hint ? hint : "");
    return -1;
}

/* The tokenizer's vocab_size, for pointing at it. */
static mark vocab_mark(const spec *s)
{
    const node *data = s->data.src;
    for (int i = 0; i < data->n; i++)
        if (strcmp(data->keys[i]->text, "tokenizer") == 0)
            return spec_mark(data->items[i], "vocab_size");
    return data->at;
}

#define IMAGE_HINT "put a reshape_to_sequence after the conv2d/maxpool2d layers"

/* Convolutions and pooling over time make no sense for a char-lm, whose
 * prediction pass runs one step at a time. */
static int no_char_lm(const spec *s, const layer *l, const char *what)
{
    if (!s->data.char_lm)
        return 0;
    diag_error(l->src->at, "layer %d '%s': %s not supported in a char-lm model (its sampling "
               "runs one step at a time)", l->index + 1, l->name, what);
    return -1;
}

/* Softmax is computed with the loss: only the last dense layer has it. */
static int no_softmax(const layer *l)
{
    if (l->act != ACT_SOFTMAX)
        return 0;
    diag_error(spec_mark(l->src, "activation"),
               "layer %d '%s' (%s): softmax is computed with the loss, for the last dense layer "
               "only; a convolution takes none, relu, tanh or sigmoid", l->index + 1, l->name,
               layer_class(l));
    return -1;
}

/* An image (channels > 0) of STEPS x WIDTH x CHANNELS. */
static layer_shape image(int steps, int width, int channels)
{
    return (layer_shape){1, steps, width * channels, channels};
}

static int check_image_layer(spec *s, layer *l, const layer *prev)
{
    int B = s->batch;
    layer_shape in = l->in;
    int T = in.steps, W = in.channels ? in.features / in.channels : in.features;
    int C = in.channels ? in.channels : 1; /* the embedding plane: one channel */
    char got[64];
    switch (l->kind) {
    case LAYER_CONV2D: {
        if (no_char_lm(s, l, "convolutions are") != 0 || no_softmax(l) != 0)
            return -1;
        if (!in.channels && (!prev || prev->kind != LAYER_EMBEDDING))
            return mismatch(l, prev, "an image (None, steps, width, channels) or the embedding "
                            "plane (None, steps, features) as a one-channel image",
                            prev && LAYER_IS_RECURRENT(prev->kind)
                                ? "a conv2d reads the embedding or another conv2d or maxpool2d, "
                                  "not a recurrent layer's output" : NULL);
        int steps = l->same ? T : T - l->kernel_size + 1;
        int width = l->same ? W : W - l->kernel_width + 1;
        if (steps < 1 || width < 1) {
            diag_error(spec_mark(l->src, "kernel_size"),
                       "layer %d '%s' (Conv2D): a kernel of %d x %d does not fit in the %s input "
                       "of '%s' with 'valid' padding; use padding: same or a smaller kernel_size",
                       l->index + 1, l->name, l->kernel_size, l->kernel_width,
                       shape_str(in, got, sizeof got), prev->name);
            return -1;
        }
        int64_t window = (int64_t)l->kernel_size * l->kernel_width * C;
        if (check_size(l, "filters", "the unfolded input", "batch x steps x width x window", B,
                       (int64_t)steps * width, window) ||
            check_size(l, "filters", "the output", "batch x steps x width x filters", B,
                       (int64_t)steps * width, l->filters))
            return -1;
        l->out = image(steps, width, l->filters);
        l->n_params = window * l->filters + l->filters;
        return 0;
    }
    case LAYER_MAXPOOL2D:
        if (no_char_lm(s, l, "pooling is") != 0)
            return -1;
        if (!in.channels)
            return mismatch(l, prev, "an image (None, steps, width, channels)",
                            in.is_seq && in.features ? "use maxpool1d to pool a sequence over time"
                                                     : NULL);
        if (T / l->pool_size < 1 || W / l->pool_width < 1) {
            diag_error(spec_mark(l->src, "pool_size"),
                       "layer %d '%s' (MaxPooling2D): a pool of %d x %d is larger than the %s "
                       "output of '%s'", l->index + 1, l->name, l->pool_size, l->pool_width,
                       shape_str(in, got, sizeof got), prev->name);
            return -1;
        }
        l->out = image(T / l->pool_size, W / l->pool_width, C);
        l->n_params = 0;
        return 0;
    case LAYER_RESHAPE_TO_SEQUENCE:
        if (!in.channels)
            return mismatch(l, prev, "an image (None, steps, width, channels) from a conv2d or "
                            "maxpool2d", NULL);
        l->out = (layer_shape){1, T, in.features, 0};
        l->n_params = 0;
        return 0;
    default:
        return -1;
    }
}

/* CharCNN: the word embedding, concatenated with a convolution over each
 * word's embedded characters, maximum over them: (None, T, E + filters). */
static int check_char_cnn(spec *s, layer *l, const layer *prev)
{
    int B = s->batch, T = l->in.steps, W = s->word_len, K = l->kernel_size;
    int D = l->char_embedding_dim;
    if (s->data.char_lm) {
        diag_error(l->src->at, "layer %d '%s' (CharCNN) reads the characters of each word; a "
                   "char-lm's tokens are characters already", l->index + 1, l->name);
        return -1;
    }
    if (no_softmax(l) != 0)
        return -1;
    if (!prev || prev->kind != LAYER_EMBEDDING)
        return mismatch(l, prev, "the word embedding (None, steps, features)",
                        "put the char_cnn right after the embedding");
    if (W == 0) {
        diag_error(l->src->at, "layer %d '%s' (CharCNN) reads each word's characters: set "
                   "input.word_len (line %d), the characters kept per word", l->index + 1,
                   l->name, spec_mark(s->root, "input").line);
        return -1;
    }
    int steps = l->same ? W : W - K + 1;
    if (steps < 1) {
        diag_error(spec_mark(l->src, "kernel_size"),
                   "layer %d '%s' (CharCNN): a kernel of %d characters does not fit in "
                   "word_len %d with 'valid' padding; use padding: same or a smaller "
                   "kernel_size", l->index + 1, l->name, K, W);
        return -1;
    }
    if (check_size(l, "char_vocab_size", "the character embedding table",
                   "char_vocab_size x char_embedding_dim", l->char_vocab_size, D, 0) ||
        check_size(l, "kernel_size", "the unfolded characters",
                   "batch x seq_len x word_len x kernel_size x char_embedding_dim", B,
                   (int64_t)T * W, (int64_t)K * D) ||
        check_size(l, "filters", "the convolution's output",
                   "batch x seq_len x word_len x filters", B, (int64_t)T * W, l->filters) ||
        check_size(l, "filters", "the output", "batch x seq_len x (features + filters)", B, T,
                   (int64_t)l->in.features + l->filters))
        return -1;
    l->word_len = W;
    l->out = (layer_shape){1, T, l->in.features + l->filters, 0};
    l->n_params = (int64_t)l->char_vocab_size * D + (int64_t)K * D * l->filters + l->filters;
    return 0;
}

static int check_layer(spec *s, layer *l, const layer *prev)
{
    int B = s->batch;
    layer_shape in = l->in;
    int T = in.steps; /* of a sequence input; the token ids have seq_len */
    switch (l->kind) {
    case LAYER_EMBEDDING:
        if (s->data.series) {
            diag_error(l->src->at, "layer %d '%s' (Embedding): a series gives %d value%s per step, "
                       "not token ids; feed them to a recurrent, conv1d or dense layer directly",
                       l->index + 1, l->name, s->data.n_features, s->data.n_features == 1 ? "" : "s");
            return -1;
        }
        if (prev)
            return mismatch(l, prev, "token ids (it must be the first layer)", NULL);
        if (l->input_dim == 0) {
            l->input_dim = s->data.vocab_size;
        } else if (l->input_dim != s->data.vocab_size) {
            diag_error(spec_mark(l->src, "input_dim"),
                       "layer %d '%s' (Embedding): input_dim %d does not match the tokenizer's "
                       "vocab_size %d (line %d); token ids run from 0 to vocab_size - 1, so "
                       "give the same number or leave input_dim out", l->index + 1, l->name,
                       l->input_dim, s->data.vocab_size, vocab_mark(s).line);
            return -1;
        }
        if (check_size(l, "input_dim", "the embedding table", "input_dim x output_dim",
                       l->input_dim, l->output_dim, 0) ||
            check_size(l, "output_dim", "the output", "batch x seq_len x output_dim", B, T,
                       l->output_dim))
            return -1;
        l->out = (layer_shape){1, T, l->output_dim, 0};
        l->n_params = (int64_t)l->input_dim * l->output_dim;
        return 0;
    case LAYER_LSTM:
    case LAYER_GRU:
    case LAYER_RNN: {
        if (!in.is_seq || in.features == 0 || in.channels)
            return mismatch(l, prev, "a sequence (None, steps, features)",
                            in.channels ? IMAGE_HINT
                            : in.is_seq ? "put an embedding first"
                            : LAYER_IS_RECURRENT(prev->kind) ? "set return_sequences: true on it"
                            : "a dense layer outputs one vector per example; put it after "
                              "the last recurrent layer");
        if (l->masked && (s->data.char_lm || s->data.series)) {
            diag_error(spec_mark(l->src, "masked"),
                       "layer %d '%s': masked is for padded examples; a %s has none",
                       l->index + 1, l->name, s->data.char_lm ? "char-lm stream" : "series window");
            return -1;
        }
        if (l->masked && s->data.padding != PAD_POST) {
            diag_error(spec_mark(l->src, "masked"),
                       "layer %d '%s': masked skips the steps past each example's length, which "
                       "needs its real tokens first: set data.padding: post", l->index + 1, l->name);
            return -1;
        }
        if (s->train.stateful && l->bidirectional) {
            diag_error(spec_mark(l->src, "bidirectional"),
                       "layer %d '%s': a bidirectional layer cannot carry its state to the next "
                       "batch (train.stateful); its backward pass starts at the end", l->index + 1,
                       l->name);
            return -1;
        }
        for (const layer *k = s->layers; l->masked && k < l; k++)
            if (k->kind == LAYER_CONV1D || k->kind == LAYER_MAXPOOL1D || k->kind == LAYER_CONV2D ||
                k->kind == LAYER_MAXPOOL2D) {
                diag_error(spec_mark(l->src, "masked"),
                           "layer %d '%s': masked needs each step to be one token, but layer %d "
                           "'%s' (%s) before it mixes or pools steps", l->index + 1, l->name,
                           k->index + 1, k->name, layer_class(k));
                return -1;
            }
        if (l->masked && l->bidirectional) {
            diag_error(spec_mark(l->src, "masked"),
                       "layer %d '%s': masked bidirectional layers are not supported yet",
                       l->index + 1, l->name);
            return -1;
        }
        int gates = l->kind == LAYER_LSTM ? 4 : l->kind == LAYER_GRU ? 3 : 1;
        int64_t width = (int64_t)l->dirs * l->units;
        if (check_size(l, "units", "the gate activations", "batch x (seq_len + 1) x gates x units",
                       B, (int64_t)T + 1, (int64_t)gates * l->units) ||
            check_size(l, "units", "the kernels", "(input features + units) x gates x units",
                       in.features + l->units, (int64_t)gates * l->units, 0) ||
            check_size(l, "units", "the output", "batch x seq_len x directions x units", B, T,
                       width))
            return -1;
        l->out = l->return_sequences ? (layer_shape){1, T, (int)width, 0}
                                  : (layer_shape){0, 0, (int)width, 0};
        /* Keras: one bias per gate set; a GRU (reset_after) has an input and a recurrent bias */
        int64_t biases = l->kind == LAYER_GRU ? 2 : 1;
        l->n_params = l->dirs * (int64_t)gates * l->units *
                      ((int64_t)in.features + l->units + biases);
        return 0;
    }
    case LAYER_CONV1D: {
        if (no_char_lm(s, l, "convolutions are") != 0 || no_softmax(l) != 0)
            return -1;
        if (!in.is_seq || in.features == 0 || in.channels)
            return mismatch(l, prev, "a sequence (None, steps, features)",
                            in.channels ? IMAGE_HINT : in.is_seq ? "put an embedding first" : NULL);
        int steps = l->same ? T : T - l->kernel_size + 1;
        if (steps < 1) {
            diag_error(spec_mark(l->src, "kernel_size"),
                       "layer %d '%s' (Conv1D): a kernel of %d steps does not fit in %d steps "
                       "with 'valid' padding; use padding: same or a smaller kernel_size",
                       l->index + 1, l->name, l->kernel_size, T);
            return -1;
        }
        if (check_size(l, "filters", "the unfolded input", "batch x seq_len x kernel_size x features",
                       B, (int64_t)T * l->kernel_size, in.features) ||
            check_size(l, "filters", "the output", "batch x seq_len x filters", B, T, l->filters))
            return -1;
        l->out = (layer_shape){1, steps, l->filters, 0};
        l->n_params = (int64_t)l->kernel_size * in.features * l->filters + l->filters;
        return 0;
    }
    case LAYER_MAXPOOL1D:
        if (no_char_lm(s, l, "pooling is") != 0)
            return -1;
        if (!in.is_seq || in.features == 0 || in.channels)
            return mismatch(l, prev, "a sequence (None, steps, features)",
                            in.channels ? "use maxpool2d for an image" : NULL);
        if (in.steps / l->pool_size < 1) {
            diag_error(spec_mark(l->src, "pool_size"),
                       "layer %d '%s' (MaxPooling1D): pool_size %d is longer than the %d steps "
                       "of '%s'", l->index + 1, l->name, l->pool_size, in.steps, prev->name);
            return -1;
        }
        l->out = (layer_shape){1, in.steps / l->pool_size, in.features, 0};
        l->n_params = 0;
        return 0;
    case LAYER_CONV2D:
    case LAYER_MAXPOOL2D:
    case LAYER_RESHAPE_TO_SEQUENCE:
        return check_image_layer(s, l, prev);
    case LAYER_CHAR_CNN:
        return check_char_cnn(s, l, prev);
    case LAYER_DROPOUT:
        if (in.is_seq && in.features == 0)
            return mismatch(l, prev, "values to drop (a vector or a sequence of features)",
                            "put it after the embedding");
        l->out = in;
        l->n_params = 0;
        return 0;
    case LAYER_DENSE:
        if (l->act == ACT_SOFTMAX && l->index != s->n_layers - 1) {
            diag_error(spec_mark(l->src, "activation"),
                       "layer %d '%s': softmax is computed with the loss, so only the last layer "
                       "can have it (with sparse_categorical_crossentropy)", l->index + 1, l->name);
            return -1;
        }
        if (l->time_distributed) { /* the same dense at every step */
            if (!in.is_seq || in.features == 0 || in.channels)
                return mismatch(l, prev, "a sequence (None, steps, features) for a time_distributed dense",
                                in.channels ? IMAGE_HINT
                                : prev && LAYER_IS_RECURRENT(prev->kind)
                                    ? "set return_sequences: true on it" : NULL);
            if (check_size(l, "units", "the output", "batch x steps x units", B, T, l->units))
                return -1;
            l->out = (layer_shape){1, T, l->units, 0};
            l->n_params = (int64_t)in.features * l->units + l->units;
            return 0;
        }
        if (in.is_seq)
            return mismatch(l, prev, "a vector (None, features)",
                            in.channels ? "reshape_to_sequence makes the image a sequence, and a "
                                          "recurrent layer makes that a vector"
                            : prev && LAYER_IS_RECURRENT(prev->kind)
                                ? "set return_sequences: false on it, or time_distributed: true here"
                                : "or time_distributed: true to apply it at every step");
        if (check_size(l, "units", "the kernel", "input features x units", in.features,
                       l->units, 0) ||
            check_size(l, "units", "the output", "batch x units", B, l->units, 0))
            return -1;
        l->out = (layer_shape){0, 0, l->units, 0};
        l->n_params = (int64_t)in.features * l->units + l->units;
        return 0;
    }
    return -1;
}

/* The last layer and the loss must agree on what the output means. */
static int check_loss(spec *s)
{
    const layer *last = &s->layers[s->n_layers - 1];
    char got[64];
    if (s->data.series != (s->loss.kind == LOSS_MSE)) {
        diag_error(s->loss.src->at, s->data.series
                   ? "a series model predicts a value: use loss mse"
                   : "mse is for data kind series (a value to predict); classes need "
                     "binary_crossentropy or sparse_categorical_crossentropy");
        return -1;
    }
    switch (s->loss.kind) {
    case LOSS_MSE:
        if (last->kind != LAYER_DENSE || last->out.is_seq || last->out.features != 1 ||
            last->act != ACT_NONE) {
            diag_error(s->loss.src->at, "mse needs the last layer to be a dense with 1 unit and "
                       "activation none (the value predicted), but layer %d '%s' (%s) outputs %s%s%s",
                       last->index + 1, last->name, layer_class(last),
                       shape_str(last->out, got, sizeof got),
                       last->kind == LAYER_DENSE ? " with activation " : "",
                       last->kind == LAYER_DENSE ? activation_name(last->act) : "");
            return -1;
        }
        return 0;
    case LOSS_BCE: {
        activation want = s->loss.from_logits ? ACT_NONE : ACT_SIGMOID;
        if (s->data.char_lm) {
            diag_error(s->loss.src->at, "a char-lm predicts one of vocab_size characters at every "
                       "step: use sparse_categorical_crossentropy");
            return -1;
        }
        if (last->kind != LAYER_DENSE || last->out.features != 1 || last->act != want) {
            int logits_hint = !s->loss.from_logits && last->kind == LAYER_DENSE &&
                              last->act == ACT_NONE && last->out.features == 1;
            diag_error(s->loss.src->at,
                       "binary_crossentropy%s needs the last layer to be a dense with 1 unit and "
                       "activation %s, but layer %d '%s' (%s) outputs %s%s%s%s",
                       s->loss.from_logits ? " (from_logits)" : "", activation_name(want),
                       last->index + 1, last->name, layer_class(last),
                       shape_str(last->out, got, sizeof got),
                       last->kind == LAYER_DENSE ? " with activation " : "",
                       last->kind == LAYER_DENSE ? activation_name(last->act) : "",
                       logits_hint ? "; for logits write loss: {type: binary_crossentropy, "
                                     "from_logits: true}" : "");
            return -1;
        }
        return 0;
    }
    case LOSS_SPARSE_CE: {
        activation want = s->loss.from_logits ? ACT_NONE : ACT_SOFTMAX;
        if (s->data.char_lm && (!last->out.is_seq || last->out.features != s->data.vocab_size ||
                                last->out.steps != s->seq_len)) {
            diag_error(s->loss.src->at, "a char-lm predicts the next character at every step: "
                       "the last layer must be a time_distributed dense of vocab_size (%d) units "
                       "with one output per step, but layer %d '%s' outputs %s",
                       s->data.vocab_size, last->index + 1, last->name,
                       shape_str(last->out, got, sizeof got));
            return -1;
        }
        if (!s->data.char_lm && last->out.is_seq) {
            diag_error(s->loss.src->at, "text classification needs one prediction per example, "
                       "but layer %d '%s' outputs %s (a sequence)", last->index + 1, last->name,
                       shape_str(last->out, got, sizeof got));
            return -1;
        }
        if (last->kind != LAYER_DENSE || last->out.features < 2 || last->act != want) {
            diag_error(s->loss.src->at,
                       "sparse_categorical_crossentropy%s needs the last layer to be a dense with "
                       "one unit per class (2 or more) and activation %s, but layer %d '%s' (%s) "
                       "outputs %s%s%s", s->loss.from_logits ? " (from_logits)" : "",
                       activation_name(want), last->index + 1, last->name, layer_class(last),
                       shape_str(last->out, got, sizeof got),
                       last->kind == LAYER_DENSE ? " with activation " : "",
                       last->kind == LAYER_DENSE ? activation_name(last->act) : "");
            return -1;
        }
        return 0;
    }
    }
    return -1;
}

int spec_check(spec *s)
{
    if (s->train.stateful && s->train.shuffle) {
        diag_error(spec_mark(s->train.src, "shuffle"),
                   "stateful training carries each batch row's state into the next batch, so "
                   "batches must come in order: set shuffle: false");
        return -1;
    }
    if (s->train.stateful && !s->data.char_lm) {
        diag_error(spec_mark(s->train.src, "stateful"),
                   "stateful training needs data kind char-lm, whose batch rows are contiguous "
                   "streams; examples of a classification set are unrelated");
        return -1;
    }
    layer_shape in = {1, s->seq_len, s->data.series ? s->data.n_features : 0, 0};
    const layer *prev = NULL;
    for (int i = 0; i < s->n_layers; i++) {
        layer *l = &s->layers[i];
        l->in = in;
        if (check_layer(s, l, prev) != 0)
            return -1;
        in = l->out;
        prev = l;
    }
    if (!s->data.series && (s->n_layers < 2 || s->layers[0].kind != LAYER_EMBEDDING)) {
        diag_error(s->layers_src->at, "a model needs an embedding first and at least one layer after it");
        return -1;
    }
    if (s->word_len && s->layers[1].kind != LAYER_CHAR_CNN) {
        diag_error(spec_mark(s->input_src, "word_len"),
                   "'word_len' is the characters kept per word for a char_cnn layer, and the "
                   "model has none; add one right after the embedding, or remove word_len");
        return -1;
    }
    return check_loss(s);
}
