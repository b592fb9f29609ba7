/* check.c: shape inference over the layer list (each layer's own check,
 * through its descriptor), and the checks that layers, data and loss fit
 * together; the helpers the layers' checks report with. */
#include "check.h"

#include <stdio.h>
#include <string.h>

#include "data.h"
#include "layer.h"

const char *shape_str(layer_shape sh, char *buf, size_t n)
{
    return layer_shape_str(sh, "None", buf, n);
}

int check_size(const layer *l, const char *key, const char *tensor, const char *factors,
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

int mismatch(const layer *l, const layer *prev, const char *expected, const char *hint)
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

int no_char_lm(const spec *s, const layer *l, const char *what)
{
    if (!s->char_lm)
        return 0;
    diag_error(l->src->at, "layer %d '%s': %s not supported in a char-lm model (its sampling "
               "runs one step at a time)", l->index + 1, l->name, what);
    return -1;
}

int check_masked(const spec *s, const layer *l)
{
    if (!l->masked)
        return 0;
    if (s->char_lm || s->series) {
        diag_error(spec_mark(l->src, "masked"),
                   "layer %d '%s': masked is for padded examples; a %s has none",
                   l->index + 1, l->name, s->char_lm ? "char-lm stream" : "series window");
        return -1;
    }
    if (s->data.padding != SEQ_PAD_POST) {
        diag_error(spec_mark(l->src, "masked"),
                   "layer %d '%s': masked skips the steps past each example's length, which "
                   "needs its real tokens first: set data.padding: post", l->index + 1, l->name);
        return -1;
    }
    for (const layer *k = s->layers; k < l; k++)
        if (k->kind->flags & LAYER_MIXES_STEPS) {
            diag_error(spec_mark(l->src, "masked"),
                       "layer %d '%s': masked needs each step to be one token, but layer %d "
                       "'%s' (%s) before it mixes or pools steps", l->index + 1, l->name,
                       k->index + 1, k->name, layer_class(k));
            return -1;
        }
    return 0;
}

int no_softmax(const layer *l)
{
    if (l->act != ACT_SOFTMAX)
        return 0;
    diag_error(spec_mark(l->src, "activation"),
               "layer %d '%s' (%s): softmax is computed with the loss, for the last dense layer "
               "only; a convolution takes none, relu, tanh or sigmoid", l->index + 1, l->name,
               layer_class(l));
    return -1;
}

/* " with activation relu" after an output layer's shape, else "". */
static const char *with_act(const layer *last)
{
    return (last->kind->flags & LAYER_OUTPUT) ? " with activation " : "";
}

static const char *act_of(const layer *last)
{
    return (last->kind->flags & LAYER_OUTPUT) ? activation_name(last->act) : "";
}

/* mse: the last layer is one linear unit, the value predicted. */
static int check_mse(const spec *s, const layer *last)
{
    char got[64];
    if ((last->kind->flags & LAYER_OUTPUT) && !last->out.is_seq && last->out.features == 1 &&
        last->act == ACT_NONE)
        return 0;
    diag_error(s->loss.src->at, "mse needs the last layer to be a dense with 1 unit and "
               "activation none (the value predicted), but layer %d '%s' (%s) outputs %s%s%s",
               last->index + 1, last->name, layer_class(last), shape_str(last->out, got, sizeof got),
               with_act(last), act_of(last));
    return -1;
}

/* binary_crossentropy: one unit, a sigmoid (none from logits). */
static int check_bce(const spec *s, const layer *last)
{
    activation want = s->loss.from_logits ? ACT_NONE : ACT_SIGMOID;
    char got[64];
    if ((last->kind->flags & LAYER_OUTPUT) && last->out.features == 1 && last->act == want)
        return 0;
    int logits_hint = !s->loss.from_logits && (last->kind->flags & LAYER_OUTPUT) &&
                      last->act == ACT_NONE && last->out.features == 1;
    diag_error(s->loss.src->at,
               "binary_crossentropy%s needs the last layer to be a dense with 1 unit and "
               "activation %s, but layer %d '%s' (%s) outputs %s%s%s%s",
               s->loss.from_logits ? " (from_logits)" : "", activation_name(want),
               last->index + 1, last->name, layer_class(last),
               shape_str(last->out, got, sizeof got), with_act(last), act_of(last),
               logits_hint ? "; for logits write loss: {type: binary_crossentropy, "
                             "from_logits: true}" : "");
    return -1;
}

/* sparse_categorical_crossentropy: a unit per class, a softmax (none from
 * logits). */
static int check_sparse_ce(const spec *s, const layer *last)
{
    activation want = s->loss.from_logits ? ACT_NONE : ACT_SOFTMAX;
    char got[64];
    if ((last->kind->flags & LAYER_OUTPUT) && last->out.features >= 2 && last->act == want)
        return 0;
    diag_error(s->loss.src->at,
               "sparse_categorical_crossentropy%s needs the last layer to be a dense with "
               "one unit per class (2 or more) and activation %s, but layer %d '%s' (%s) "
               "outputs %s%s%s", s->loss.from_logits ? " (from_logits)" : "",
               activation_name(want), last->index + 1, last->name, layer_class(last),
               shape_str(last->out, got, sizeof got), with_act(last), act_of(last));
    return -1;
}

int check_output(const spec *s, const layer *last)
{
    switch (s->loss.kind) {
    case SEQ_LOSS_MSE: return check_mse(s, last);
    case SEQ_LOSS_BCE: return check_bce(s, last);
    case SEQ_LOSS_SPARSE_CE: return check_sparse_ce(s, last);
    }
    return -1;
}

int spec_check(spec *s)
{
    if (s->train.stateful && s->train.shuffle) {
        diag_error(spec_mark(s->train_src, "shuffle"),
                   "stateful training carries each batch row's state into the next batch, so "
                   "batches must come in order: set shuffle: false");
        return -1;
    }
    if (s->train.stateful && !s->char_lm) {
        diag_error(spec_mark(s->train_src, "stateful"),
                   "stateful training needs data kind char-lm, whose batch rows are contiguous "
                   "streams; examples of a classification set are unrelated");
        return -1;
    }
    layer_shape in = {1, s->seq_len, s->series ? s->n_features : 0, 0};
    const layer *prev = NULL;
    for (int i = 0; i < s->n_layers; i++) {
        layer *l = &s->layers[i];
        l->in = in;
        if (l->kind->check(s, l, prev) != 0)
            return -1;
        in = l->out;
        prev = l;
    }
    if (!s->series && (s->n_layers < 2 || !(s->layers[0].kind->flags & LAYER_TAKES_IDS))) {
        diag_error(s->layers_src->at, "a model needs an embedding first and at least one layer after it");
        return -1;
    }
    if (s->word_len && !(s->layers[1].kind->flags & LAYER_TAKES_CHARS)) {
        diag_error(spec_mark(s->input_src, "word_len"),
                   "'word_len' is the characters kept per word for a char_cnn layer, and the "
                   "model has none; add one right after the embedding, or remove word_len");
        return -1;
    }
    return s->data_type->check_loss(s, &s->layers[s->n_layers - 1]);
}
