/* check.c: shape inference over the layer list, parameter counts, and the
 * checks that layers, data and loss fit together. */
#include <stdio.h>
#include <string.h>

#include "spec.h"

/* Keras' notation for a shape: (None, 120, 32) or (None, 64). */
static const char *shape_str(layer_shape sh, char *buf, size_t n)
{
    if (sh.is_seq && sh.features == 0)
        snprintf(buf, n, "token ids (None, %d)", sh.steps);
    else if (sh.is_seq)
        snprintf(buf, n, "(None, %d, %d)", sh.steps, sh.features);
    else
        snprintf(buf, n, "(None, %d)", sh.features);
    return buf;
}

/* Reports TENSOR of ELEMENTS elements if it is too large for one tensor. */
static int check_size(const layer *l, const char *key, const char *tensor, int64_t a, int64_t b,
                      int64_t c)
{
    /* each factor is <= SPEC_MAX_* < 2^24, so two products cannot overflow */
    double elements = (double)a * (double)b * (double)c;
    if (elements <= (double)SPEC_MAX_TENSOR)
        return 0;
    diag_error(spec_mark(l->src, key),
               "layer '%s': %s would have %lld x %lld x %lld = %.3g elements, more than the "
               "%lld one tensor can hold", l->name, tensor, (long long)a, (long long)b,
               (long long)c, elements, (long long)SPEC_MAX_TENSOR);
    return -1;
}

static int mismatch(const layer *l, const layer *prev, const char *expected, const char *hint)
{
    char got[64];
    diag_error(l->src->at, "layer %d '%s' (%s) expects %s, but %s%s%s outputs %s%s%s",
               l->index + 1, l->name, layer_class(l), expected,
               prev ? "'" : "", prev ? prev->name : "the input",
               prev ? "'" : "", shape_str(l->in, got, sizeof got), hint ? "; " : "",
               hint ? hint : "");
    return -1;
}

static int check_layer(spec *s, layer *l, const layer *prev)
{
    int B = s->batch;
    int T = s->seq_len;
    layer_shape in = l->in;
    switch (l->kind) {
    case LAYER_EMBEDDING:
        if (prev)
            return mismatch(l, prev, "token ids (it must be the first layer)", NULL);
        if (l->input_dim == 0) {
            l->input_dim = s->data.vocab_size;
        } else if (l->input_dim != s->data.vocab_size) {
            diag_error(spec_mark(l->src, "input_dim"),
                       "layer '%s': input_dim %d does not match the tokenizer's vocab_size %d "
                       "(line %d); token ids run from 0 to vocab_size - 1", l->name,
                       l->input_dim, s->data.vocab_size,
                       spec_mark(s->data.src, "tokenizer").line);
            return -1;
        }
        if (check_size(l, "input_dim", "the embedding table", l->input_dim, l->output_dim, 1) ||
            check_size(l, "output_dim", "the output", B, T, l->output_dim))
            return -1;
        l->out = (layer_shape){1, T, l->output_dim};
        l->n_params = (int64_t)l->input_dim * l->output_dim;
        return 0;
    case LAYER_LSTM:
        if (!in.is_seq || in.features == 0)
            return mismatch(l, prev, "a sequence (None, steps, features)",
                            in.is_seq ? "put an embedding first" :
                            "the layer before it must return sequences");
        if (check_size(l, "units", "the gate activations", B, (int64_t)T + 1, 4LL * l->units) ||
            check_size(l, "units", "the kernel", in.features + l->units, 4LL * l->units, 1))
            return -1;
        l->out = l->return_sequences ? (layer_shape){1, T, l->units} : (layer_shape){0, 0, l->units};
        l->n_params = 4LL * l->units * ((int64_t)in.features + l->units + 1);
        return 0;
    case LAYER_DENSE:
        if (in.is_seq)
            return mismatch(l, prev, "a vector (None, features)",
                            prev && prev->kind == LAYER_LSTM
                                ? "set return_sequences: false on it" : NULL);
        if (check_size(l, "units", "the kernel", in.features, l->units, 1) ||
            check_size(l, "units", "the output", B, l->units, 1))
            return -1;
        l->out = (layer_shape){0, 0, l->units};
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
    switch (s->loss.kind) {
    case LOSS_BCE: {
        activation want = s->loss.from_logits ? ACT_NONE : ACT_SIGMOID;
        if (last->kind != LAYER_DENSE || last->out.features != 1 || last->act != want) {
            diag_error(s->loss.src->at,
                       "binary_crossentropy%s needs a last layer dense with 1 unit and "
                       "activation %s; '%s' is %s %s%s%s", s->loss.from_logits ? " (from_logits)" : "",
                       activation_name(want), last->name, layer_class(last),
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
    layer_shape in = {1, s->seq_len, 0};
    const layer *prev = NULL;
    for (int i = 0; i < s->n_layers; i++) {
        layer *l = &s->layers[i];
        l->in = in;
        if (check_layer(s, l, prev) != 0)
            return -1;
        in = l->out;
        prev = l;
    }
    if (s->n_layers < 2 || s->layers[0].kind != LAYER_EMBEDDING) {
        diag_error(s->layers_src->at, "a model needs an embedding first and at least one layer after it");
        return -1;
    }
    return check_loss(s);
}
