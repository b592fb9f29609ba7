/* spec.c: the YAML tree read into a spec, key by key, every value checked
 * for type and range. Shapes are checked later, in check.c. */
#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "data.h"
#include "layer.h"
#include "read.h"


static int read_layer(spec *s, layer *l, node *n, int index)
{
    char what[64];
    snprintf(what, sizeof what, "layer %d", index + 1);
    l->index = index;
    l->src = n;
    if (n->kind != NODE_MAP) {
        char buf[SHOWN_BUF];
        if (n->kind == NODE_SCALAR && !is_empty(n))
            diag_error(n->at, "%s must be a mapping with a 'type' key, got '%s' (write "
                       "'- type: %s')", what, shown(n->text, buf), buf);
        else
            diag_error(n->at, "%s must be a mapping with a 'type' key, not %s", what,
                       is_empty(n) ? "an empty item" : node_kind_name(n->kind));
        return -1;
    }
    const char *types[SPEC_MAX_LAYER_TYPES + 1];
    int kind = 0;
    for (; layer_table[kind] && kind < SPEC_MAX_LAYER_TYPES; kind++)
        types[kind] = layer_table[kind]->type;
    types[kind] = NULL;
    node *type = field(n, "type");
    if (!type)
        return missing(n, "type", what);
    if (read_enum_node(type, "type", types, &kind) != 0)
        return -1;
    l->kind = layer_table[kind];
    l->type = l->kind->type;
    snprintf(what, sizeof what, "layer %d (%s)", index + 1, l->type);

    int rc = l->kind->read(l, n, what);
    const char *name = NULL;
    rc |= read_name(n, "name", what, 0, &name);
    if (name) {
        snprintf(l->name, sizeof l->name, "%s", name);
        l->named = 1;
    }
    (void)s;
    return rc ? -1 : 0;
}

/* Where layer L's name is given, or where L starts. */
static mark name_mark(layer *l)
{
    return l->named ? field(l->src, "name")->at : l->src->at;
}

/* Keras' default name for a class: SimpleRNN -> simple_rnn, LSTM -> lstm. */
static void keras_default_name(const char *cls, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; cls[i] && j + 2 < n; i++) {
        char c = cls[i];
        int upper = c >= 'A' && c <= 'Z';
        /* a capital after a lower-case letter starts a word */
        if (upper && i > 0 && cls[i - 1] >= 'a' && cls[i - 1] <= 'z')
            out[j++] = '_';
        out[j++] = upper ? (char)(c - 'A' + 'a') : c;
    }
    out[j] = '\0';
}

/* Keras' default names: the class in snake case, then _1, _2, ... counted per
 * class. Names become C functions beside loss_forward and model_forward. */
static int name_layers(spec *s)
{
    int rc = 0;
    for (int i = 0; i < s->n_layers; i++) {
        layer *l = &s->layers[i];
        if (l->named) {
            if (strcmp(l->name, "loss") == 0 || strcmp(l->name, "model") == 0) {
                diag_error(name_mark(l), "'%s' is reserved for the generated code's own "
                           "functions; choose another layer name", l->name);
                rc = -1;
            }
            continue;
        }
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen += strcmp(layer_class(&s->layers[j]), layer_class(l)) == 0 && !s->layers[j].named;
        char base[32];
        keras_default_name(layer_class(l), base, sizeof base);
        if (seen)
            snprintf(l->name, sizeof l->name, "%s_%d", base, seen);
        else
            snprintf(l->name, sizeof l->name, "%s", base);
    }
    for (int i = 0; i < s->n_layers && rc == 0; i++) {
        layer *l = &s->layers[i];
        for (int j = 0; j < i; j++) {
            if (strcmp(l->name, s->layers[j].name) != 0)
                continue;
            if (l->named)
                diag_error(name_mark(l), "layer name '%s' is already used by layer %d (line %d)",
                           l->name, j + 1, name_mark(&s->layers[j]).line);
            else
                diag_error(name_mark(l), "layer %d gets the default name '%s', which layer %d "
                           "(line %d) already uses; name one of them", i + 1, l->name, j + 1,
                           name_mark(&s->layers[j]).line);
            rc = -1;
            break;
        }
    }
    return rc;
}

static int read_layers(spec *s, node *n)
{
    s->layers_src = n;
    if (n->kind != NODE_SEQ)
        return bad_value(n, "layers", "a list of layers");
    if (n->n == 0) {
        diag_error(n->at, "'layers' is empty; a model needs at least an embedding and one more layer");
        return -1;
    }
    if (n->n > SPEC_MAX_LAYERS) {
        diag_error(n->at, "too many layers (%d; at most %d)", n->n, SPEC_MAX_LAYERS);
        return -1;
    }
    s->n_layers = n->n;
    s->layers = seq_xcalloc((size_t)n->n, sizeof *s->layers);
    int rc = 0;
    for (int i = 0; i < n->n; i++)
        rc |= read_layer(s, &s->layers[i], n->items[i], i);
    if (rc == 0)
        rc = name_layers(s);
    return rc ? -1 : 0;
}

static int read_input(spec *s, node *n)
{
    static const char *const keys[] = {"batch", "seq_len", "word_len", NULL};
    s->input_src = n;
    if (check_map(n, "'input'", keys) != 0)
        return -1;
    int rc = read_int32(n, "batch", "'input'", 1, 1, SPEC_MAX_BATCH, &s->batch);
    rc |= read_int32(n, "seq_len", "'input'", 1, 1, SPEC_MAX_SEQ_LEN, &s->seq_len);
    rc |= read_int32(n, "word_len", "'input'", 0, 1, SPEC_MAX_WORD_LEN, &s->word_len);
    return rc ? -1 : 0;
}

/* 'data': its kind, then the kind's own keys (data/). */
static int read_data(spec *s, node *n)
{
    s->data_src = n;
    if (n->kind != NODE_MAP)
        return check_map(n, "'data'", data_text_keys);
    int kind = 0;
    if (read_enum(n, "kind", "'data'", 1, seq_data_kind_words(), &kind) != 0)
        return -1;
    s->data.kind = (seq_data_kind)kind;
    s->data_type = data_table[kind];
    s->char_lm = (s->data_type->flags & DATA_STREAM) != 0;
    s->series = (s->data_type->flags & DATA_VALUES) != 0;
    return s->data_type->read(s, n);
}

static int read_loss(spec *s, node *n)
{
    s->loss.src = n;
    node *type = n;
    if (n->kind == NODE_MAP) {
        static const char *const keys[] = {"type", "from_logits", NULL};
        if (check_map(n, "'loss'", keys) != 0)
            return -1;
        type = field(n, "type");
        if (!type)
            return missing(n, "type", "'loss'");
        if (read_bool(n, "from_logits", &s->loss.from_logits) != 0)
            return -1;
    }
    int kind;
    if (read_enum_node(type, "loss", seq_loss_words(), &kind) != 0)
        return -1;
    s->loss.kind = (seq_loss)kind;
    return 0;
}

static int read_optimizer(spec *s, node *n)
{
    static const char *const keys[] = {"type", "lr", "beta1", "beta2", "eps", "weight_decay",
                                       "clipnorm", NULL};
    if (check_map(n, "'optimizer'", keys) != 0)
        return -1;
    int type = 0;
    int rc = read_enum(n, "type", "'optimizer'", 1, seq_optimizer_words(), &type);
    s->optim.type = (seq_optimizer)type;
    s->optim.weight_decay = type == SEQ_OPTIM_ADAMW ? 0.01 : 0; /* PyTorch's AdamW default */
    rc |= read_num(n, "lr", "'optimizer'", 0, 0, 10, &s->optim.lr);
    rc |= read_num(n, "beta1", "'optimizer'", 0, 0, 0.999999, &s->optim.beta1);
    rc |= read_num(n, "beta2", "'optimizer'", 0, 0, 0.999999999, &s->optim.beta2);
    rc |= read_num(n, "eps", "'optimizer'", 0, 1e-30, 1, &s->optim.eps);
    rc |= read_num(n, "weight_decay", "'optimizer'", 0, 0, 1, &s->optim.weight_decay);
    rc |= read_num(n, "clipnorm", "'optimizer'", 0, 0, 1e9, &s->optim.clipnorm);
    if (rc == 0 && s->optim.lr <= 0) {
        diag_error(field(n, "lr")->at, "'lr' must be greater than 0, got %s", field(n, "lr")->text);
        rc = -1;
    }
    return rc ? -1 : 0;
}

static int read_train(spec *s, node *n)
{
    static const char *const keys[] = {"epochs", "shuffle", "stateful", "checkpoint_every", NULL};
    s->train_src = n;
    if (check_map(n, "'train'", keys) != 0)
        return -1;
    int rc = read_int32(n, "epochs", "'train'", 0, 1, 100000, &s->train.epochs);
    rc |= read_bool(n, "shuffle", &s->train.shuffle);
    rc |= read_bool(n, "stateful", &s->train.stateful);
    node *every = field(n, "checkpoint_every");
    if (every && !(every->kind == NODE_SCALAR && strcmp(every->text, "epoch") == 0))
        rc |= read_int32(n, "checkpoint_every", "'train'", 0, 1, 100000000,
                         &s->train.checkpoint_every);
    return rc ? -1 : 0;
}

static int read_codegen(spec *s, node *n)
{
    static const char *const keys[] = {"precision", "simd", "blocks", NULL};
    static const char *const precisions[] = {"f32", "f64", NULL};
    if (check_map(n, "'codegen'", keys) != 0)
        return -1;
    int precision = 0, simd = 0;
    int rc = read_enum(n, "precision", "'codegen'", 0, precisions, &precision);
    rc |= read_enum(n, "simd", "'codegen'", 0, seq_simd_words(), &simd);
    s->codegen.f64 = precision == 1;
    s->codegen.simd = (seq_simd)simd;
    rc |= read_int32(n, "blocks", "'codegen'", 0, 1, SPEC_MAX_BATCH, &s->codegen.blocks);
    if (rc == 0 && s->codegen.blocks && s->batch && s->batch % s->codegen.blocks != 0) {
        diag_error(field(n, "blocks")->at, "'blocks' must divide the batch of %d rows into equal "
                   "blocks; %d does not (a job of several processes runs a share of the blocks "
                   "each: their number must divide the blocks too)", s->batch, s->codegen.blocks);
        rc = -1;
    }
    return rc ? -1 : 0;
}

int spec_read(spec *s, node *root, const char *file)
{
    static const char *const keys[] = {"name", "seed", "input", "data", "layers", "loss",
                                       "optimizer", "train", "codegen", NULL};
    memset(s, 0, sizeof *s);
    s->file = file;
    s->root = root;
    s->optim.lr = 0.001;
    s->optim.beta1 = 0.9;
    s->optim.beta2 = 0.999;
    s->optim.eps = 1e-7; /* Keras' default */
    s->train.epochs = 1;
    s->train.shuffle = 1;
    s->codegen.simd = SEQ_SIMD_AUTO;
    if (check_map(root, "the spec", keys) != 0)
        return -1;

    int rc = read_name(root, "name", "the spec", 1, &s->name);
    int64_t seed = 0;
    rc |= read_int(root, "seed", "the spec", 0, 0, INT64_MAX, &seed);
    s->seed = (uint64_t)seed;

    static const char *const sections[] = {"input", "data", "layers", "loss", "optimizer"};
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
        if (!field(root, sections[i]))
            rc |= missing(root, sections[i], "the spec");
    node *n;
    if ((n = field(root, "input")))
        rc |= read_input(s, n);
    if ((n = field(root, "data")))
        rc |= read_data(s, n);
    if ((n = field(root, "layers")))
        rc |= read_layers(s, n);
    if ((n = field(root, "loss")))
        rc |= read_loss(s, n);
    if ((n = field(root, "optimizer")))
        rc |= read_optimizer(s, n);
    if ((n = field(root, "train")))
        rc |= read_train(s, n);
    if ((n = field(root, "codegen")))
        rc |= read_codegen(s, n);
    return rc || diag_count() ? -1 : 0;
}

void spec_free(spec *s)
{
    free(s->columns_text);
    s->columns_text = NULL;
    free(s->layers);
    s->layers = NULL;
    s->n_layers = 0;
}

const char *layer_class(const layer *l)
{
    return l->kind->class_of ? l->kind->class_of(l) : l->kind->keras_class;
}

const char *layer_shape_str(layer_shape sh, const char *batch, char *buf, size_t n)
{
    if (sh.is_seq && sh.features == 0)
        snprintf(buf, n, "token ids (%s, %d)", batch, sh.steps);
    else if (sh.is_seq && sh.channels)
        snprintf(buf, n, "(%s, %d, %d, %d)", batch, sh.steps, sh.features / sh.channels,
                 sh.channels);
    else if (sh.is_seq)
        snprintf(buf, n, "(%s, %d, %d)", batch, sh.steps, sh.features);
    else
        snprintf(buf, n, "(%s, %d)", batch, sh.features);
    return buf;
}

int64_t spec_total_params(const spec *s)
{
    int64_t total = 0;
    for (int i = 0; i < s->n_layers; i++)
        total += s->layers[i].n_params;
    return total;
}
