/* spec.c: the YAML tree read into a spec, key by key, every value checked
 * for type and range. Shapes are checked later, in check.c. */
#include "spec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- looking up keys ------------------------------------------------------ */

static node *field(node *map, const char *key)
{
    if (!map || map->kind != NODE_MAP)
        return NULL;
    for (int i = 0; i < map->n; i++) {
        if (strcmp(map->keys[i]->text, key) == 0) {
            map->keys[i]->used = 1;
            return map->items[i];
        }
    }
    return NULL;
}

mark spec_mark(const node *map, const char *key)
{
    if (map && map->kind == NODE_MAP)
        for (int i = 0; i < map->n; i++)
            if (strcmp(map->keys[i]->text, key) == 0)
                return map->keys[i]->at;
    return map ? map->at : (mark){0, 0};
}

static int edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    int d[41][41];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++) {
        for (int j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static void list_choices(seq_buf *b, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        seq_buf_printf(b, "%s%s", i ? ", " : "", names[i]);
}

static const char *closest(const char *word, const char *const *names)
{
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; names[i]; i++) {
        int d = edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

/* Requires NODE to be a mapping whose keys are all in ALLOWED. */
static int check_map(node *n, const char *what, const char *const *allowed)
{
    if (n->kind != NODE_MAP) {
        diag_error(n->at, "%s must be a mapping of keys to values, not %s", what,
                   node_kind_name(n->kind));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n->n; i++) {
        const char *key = n->keys[i]->text;
        int known = 0;
        for (int j = 0; allowed[j]; j++)
            known |= strcmp(key, allowed[j]) == 0;
        if (known)
            continue;
        seq_buf b = {0};
        list_choices(&b, allowed);
        const char *hint = closest(key, allowed);
        if (hint)
            diag_error(n->keys[i]->at, "unknown key '%s' in %s; did you mean '%s'? (expected one of: %s)",
                       key, what, hint, b.data);
        else
            diag_error(n->keys[i]->at, "unknown key '%s' in %s (expected one of: %s)", key, what,
                       b.data);
        seq_buf_free(&b);
        rc = -1;
    }
    return rc;
}

/* ---- typed values ------------------------------------------------------- */

static const char *describe(const node *v)
{
    if (v->kind != NODE_SCALAR)
        return node_kind_name(v->kind);
    return v->quoted ? "a string" : "a plain value";
}

static int missing(node *map, const char *key, const char *what)
{
    diag_error(map->at, "%s is missing the required key '%s'", what, key);
    return -1;
}

/* Reads an integer in [lo, hi]; absent and optional leaves *out as is. */
static int read_int(node *map, const char *key, const char *what, int required,
                    int64_t lo, int64_t hi, int64_t *out)
{
    node *v = field(map, key);
    if (!v)
        return required ? missing(map, key, what) : 0;
    if (v->kind != NODE_SCALAR || v->quoted) {
        diag_error(v->at, "'%s' must be an integer, not %s", key, describe(v));
        return -1;
    }
    const char *s = v->text;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end == s || *end || !(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9'))) {
        diag_error(v->at, "'%s' must be an integer, got '%s'", key, s);
        return -1;
    }
    if (errno == ERANGE || x < lo || x > hi) {
        diag_error(v->at, "'%s' must be between %lld and %lld, got %s", key, (long long)lo,
                   (long long)hi, s);
        return -1;
    }
    *out = x;
    return 0;
}

static int read_int32(node *map, const char *key, const char *what, int required,
                      int lo, int hi, int *out)
{
    int64_t x = *out;
    int rc = read_int(map, key, what, required, lo, hi, &x);
    *out = (int)x;
    return rc;
}

static int read_num(node *map, const char *key, const char *what, int required,
                    double lo, double hi, double *out)
{
    node *v = field(map, key);
    if (!v)
        return required ? missing(map, key, what) : 0;
    if (v->kind != NODE_SCALAR || v->quoted) {
        diag_error(v->at, "'%s' must be a number, not %s", key, describe(v));
        return -1;
    }
    char *end;
    errno = 0;
    double x = strtod(v->text, &end);
    if (end == v->text || *end || !isfinite(x) || errno == ERANGE) {
        diag_error(v->at, "'%s' must be a finite number, got '%s'", key, v->text);
        return -1;
    }
    if (x < lo || x > hi) {
        diag_error(v->at, "'%s' must be between %g and %g, got %s", key, lo, hi, v->text);
        return -1;
    }
    *out = x;
    return 0;
}

static int read_bool(node *map, const char *key, int *out)
{
    node *v = field(map, key);
    if (!v)
        return 0;
    if (v->kind == NODE_SCALAR && !v->quoted) {
        static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False", "FALSE"};
        for (int i = 0; i < 3; i++) {
            if (strcmp(v->text, yes[i]) == 0)
                return *out = 1, 0;
            if (strcmp(v->text, no[i]) == 0)
                return *out = 0, 0;
        }
    }
    diag_error(v->at, "'%s' must be true or false, got %s%s%s", key,
               v->kind == NODE_SCALAR ? "'" : "", v->kind == NODE_SCALAR ? v->text : describe(v),
               v->kind == NODE_SCALAR ? "'" : "");
    return -1;
}

static int read_str(node *map, const char *key, const char *what, int required, const char **out)
{
    node *v = field(map, key);
    if (!v)
        return required ? missing(map, key, what) : 0;
    if (v->kind != NODE_SCALAR) {
        diag_error(v->at, "'%s' must be a string, not %s", key, describe(v));
        return -1;
    }
    *out = v->text;
    return 0;
}

/* Reads one of NAMES (NULL-terminated) as an index. */
static int read_enum_node(node *v, const char *key, const char *const *names, int *out)
{
    if (v->kind == NODE_SCALAR)
        for (int i = 0; names[i]; i++)
            if (strcmp(v->text, names[i]) == 0)
                return *out = i, 0;
    seq_buf b = {0};
    list_choices(&b, names);
    const char *hint = v->kind == NODE_SCALAR ? closest(v->text, names) : NULL;
    if (v->kind != NODE_SCALAR)
        diag_error(v->at, "'%s' must be one of: %s; not %s", key, b.data, describe(v));
    else if (hint)
        diag_error(v->at, "'%s' must be one of: %s; got '%s' (did you mean '%s'?)", key, b.data,
                   v->text, hint);
    else
        diag_error(v->at, "'%s' must be one of: %s; got '%s'", key, b.data, v->text);
    seq_buf_free(&b);
    return -1;
}

static int read_enum(node *map, const char *key, const char *what, int required,
                     const char *const *names, int *out)
{
    node *v = field(map, key);
    if (!v)
        return required ? missing(map, key, what) : 0;
    return read_enum_node(v, key, names, out);
}

static int valid_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    size_t n = 0;
    for (; *s; s++, n++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return n <= 48;
}

static int read_name(node *map, const char *key, const char *what, int required, const char **out)
{
    const char *s = NULL;
    if (read_str(map, key, what, required, &s) != 0)
        return -1;
    if (!s)
        return 0;
    if (!valid_name(s)) {
        diag_error(field(map, key)->at,
                   "'%s' must be a name of letters, digits and '_' starting with a letter "
                   "(at most 48 characters), got '%s'", key, s);
        return -1;
    }
    *out = s;
    return 0;
}

/* ---- sections ------------------------------------------------------------ */

static const char *const init_names[] = {"zeros", "ones", "uniform", "normal",
                                         "glorot_uniform", "orthogonal", NULL};

/* An initializer: a name, or {type: NAME, limit|stddev|gain: X}. */
static int read_init(node *map, const char *key, init_spec *out)
{
    node *v = field(map, key);
    if (!v)
        return 0;
    node *type = v;
    if (v->kind == NODE_MAP) {
        static const char *const keys[] = {"type", "limit", "stddev", "gain", NULL};
        if (check_map(v, key, keys) != 0)
            return -1;
        type = field(v, "type");
        if (!type)
            return missing(v, "type", key);
    }
    int kind;
    if (read_enum_node(type, key, init_names, &kind) != 0)
        return -1;
    out->kind = (init_kind)kind;
    out->scale = kind == INIT_UNIFORM ? 0.05 : kind == INIT_NORMAL ? 0.05 : 1.0;
    if (v->kind != NODE_MAP)
        return 0;
    const char *param = kind == INIT_UNIFORM ? "limit" : kind == INIT_NORMAL ? "stddev"
                      : kind == INIT_ORTHOGONAL ? "gain" : NULL;
    for (int i = 0; i < v->n; i++) {
        const char *k = v->keys[i]->text;
        if (strcmp(k, "type") != 0 && (!param || strcmp(k, param) != 0)) {
            diag_error(v->keys[i]->at, "'%s' does not apply to a %s initializer", k,
                       init_names[kind]);
            return -1;
        }
    }
    return param ? read_num(v, param, key, 0, 0, 1e6, &out->scale) : 0;
}

static const char *const layer_types[] = {"embedding", "lstm", "dense", NULL};
static const char *const act_names[] = {"none", "relu", "tanh", "sigmoid", NULL};

static int read_layer(spec *s, layer *l, node *n, int index)
{
    char what[64];
    snprintf(what, sizeof what, "layer %d", index + 1);
    l->index = index;
    l->src = n;
    if (n->kind != NODE_MAP) {
        diag_error(n->at, "%s must be a mapping with a 'type' key, not %s", what,
                   node_kind_name(n->kind));
        return -1;
    }
    int kind;
    node *type = field(n, "type");
    if (!type)
        return missing(n, "type", what);
    if (read_enum_node(type, "type", layer_types, &kind) != 0)
        return -1;
    l->kind = (layer_kind)kind;
    l->type = layer_types[kind];
    snprintf(what, sizeof what, "layer %d (%s)", index + 1, l->type);

    int rc = 0;
    switch (l->kind) {
    case LAYER_EMBEDDING: {
        static const char *const keys[] = {"type", "name", "input_dim", "output_dim",
                                           "embeddings_initializer", NULL};
        rc |= check_map(n, what, keys);
        l->embeddings_init = (init_spec){INIT_UNIFORM, 0.05};
        rc |= read_int32(n, "input_dim", what, 0, 2, SPEC_MAX_VOCAB, &l->input_dim);
        rc |= read_int32(n, "output_dim", what, 1, 1, SPEC_MAX_UNITS, &l->output_dim);
        rc |= read_init(n, "embeddings_initializer", &l->embeddings_init);
        break;
    }
    case LAYER_LSTM: {
        static const char *const keys[] = {"type", "name", "units", "return_sequences",
                                           "kernel_initializer", "recurrent_initializer",
                                           "bias_initializer", "unit_forget_bias", NULL};
        rc |= check_map(n, what, keys);
        l->kernel_init = (init_spec){INIT_GLOROT_UNIFORM, 1};
        l->recurrent_init = (init_spec){INIT_ORTHOGONAL, 1};
        l->bias_init = (init_spec){INIT_ZEROS, 1};
        l->unit_forget_bias = 1;
        rc |= read_int32(n, "units", what, 1, 1, SPEC_MAX_UNITS, &l->units);
        rc |= read_bool(n, "return_sequences", &l->return_sequences);
        rc |= read_init(n, "kernel_initializer", &l->kernel_init);
        rc |= read_init(n, "recurrent_initializer", &l->recurrent_init);
        rc |= read_init(n, "bias_initializer", &l->bias_init);
        rc |= read_bool(n, "unit_forget_bias", &l->unit_forget_bias);
        break;
    }
    case LAYER_DENSE: {
        static const char *const keys[] = {"type", "name", "units", "activation",
                                           "kernel_initializer", "bias_initializer", NULL};
        rc |= check_map(n, what, keys);
        l->kernel_init = (init_spec){INIT_GLOROT_UNIFORM, 1};
        l->bias_init = (init_spec){INIT_ZEROS, 1};
        int act = ACT_NONE;
        rc |= read_int32(n, "units", what, 1, 1, SPEC_MAX_UNITS, &l->units);
        rc |= read_enum(n, "activation", what, 0, act_names, &act);
        l->act = (activation)act;
        rc |= read_init(n, "kernel_initializer", &l->kernel_init);
        rc |= read_init(n, "bias_initializer", &l->bias_init);
        break;
    }
    }
    const char *name = NULL;
    rc |= read_name(n, "name", what, 0, &name);
    if (name) {
        snprintf(l->name, sizeof l->name, "%s", name);
        l->named = 1;
    }
    (void)s;
    return rc ? -1 : 0;
}

/* Keras' default names: the type, then type_1, type_2, ... */
static int name_layers(spec *s)
{
    int rc = 0;
    for (int i = 0; i < s->n_layers; i++) {
        layer *l = &s->layers[i];
        if (l->named) {
            if (strcmp(l->name, "loss") == 0 || strcmp(l->name, "model") == 0) {
                diag_error(spec_mark(l->src, "name"), "'%s' is reserved; choose another layer name",
                           l->name);
                rc = -1;
            }
            continue;
        }
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen += s->layers[j].kind == l->kind && !s->layers[j].named;
        if (seen)
            snprintf(l->name, sizeof l->name, "%s_%d", l->type, seen);
        else
            snprintf(l->name, sizeof l->name, "%s", l->type);
    }
    for (int i = 0; i < s->n_layers; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(s->layers[i].name, s->layers[j].name) == 0) {
                diag_error(s->layers[i].src->at, "layer name '%s' is already used by layer %d",
                           s->layers[i].name, j + 1);
                rc = -1;
            }
    return rc;
}

static int read_layers(spec *s, node *n)
{
    s->layers_src = n;
    if (n->kind != NODE_SEQ) {
        diag_error(n->at, "'layers' must be a list of layers, not %s", node_kind_name(n->kind));
        return -1;
    }
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
    static const char *const keys[] = {"batch", "seq_len", NULL};
    if (check_map(n, "'input'", keys) != 0)
        return -1;
    int rc = read_int32(n, "batch", "'input'", 1, 1, SPEC_MAX_BATCH, &s->batch);
    rc |= read_int32(n, "seq_len", "'input'", 1, 1, SPEC_MAX_SEQ_LEN, &s->seq_len);
    return rc ? -1 : 0;
}

static int read_data(spec *s, node *n)
{
    static const char *const keys[] = {"kind", "format", "path", "tokenizer", "padding",
                                       "truncation", "validation_split", NULL};
    static const char *const kinds[] = {"text-classification", NULL};
    static const char *const formats[] = {"aclimdb", NULL};
    static const char *const sides[] = {"pre", "post", NULL};
    s->data.src = n;
    if (check_map(n, "'data'", keys) != 0)
        return -1;
    int kind = 0, format = 0, padding = PAD_PRE, truncation = PAD_PRE;
    int rc = read_enum(n, "kind", "'data'", 1, kinds, &kind);
    rc |= read_enum(n, "format", "'data'", 1, formats, &format);
    rc |= read_str(n, "path", "'data'", 1, &s->data.path);
    if (s->data.path && !s->data.path[0]) {
        diag_error(field(n, "path")->at, "'path' is empty; give the data folder, relative to the spec");
        rc = -1;
    }
    rc |= read_enum(n, "padding", "'data'", 0, sides, &padding);
    rc |= read_enum(n, "truncation", "'data'", 0, sides, &truncation);
    rc |= read_num(n, "validation_split", "'data'", 0, 0, 0.5, &s->data.validation_split);
    s->data.kind = kinds[kind];
    s->data.format = formats[format];
    s->data.padding = (pad_side)padding;
    s->data.truncation = (pad_side)truncation;

    node *tok = field(n, "tokenizer");
    if (!tok) {
        diag_error(n->at, "'data' is missing the required key 'tokenizer' (its vocab_size at least)");
        return -1;
    }
    static const char *const tok_keys[] = {"lowercase", "strip_html", "punctuation",
                                           "vocab_size", NULL};
    static const char *const puncts[] = {"split", "strip", "keep", NULL};
    if (check_map(tok, "'tokenizer'", tok_keys) != 0)
        return -1;
    int punct = PUNCT_STRIP;
    s->data.lowercase = 1;
    s->data.strip_html = 1;
    rc |= read_bool(tok, "lowercase", &s->data.lowercase);
    rc |= read_bool(tok, "strip_html", &s->data.strip_html);
    rc |= read_enum(tok, "punctuation", "'tokenizer'", 0, puncts, &punct);
    rc |= read_int32(tok, "vocab_size", "'tokenizer'", 1, 3, SPEC_MAX_VOCAB, &s->data.vocab_size);
    s->data.punct = (punct_mode)punct;
    return rc ? -1 : 0;
}

static int read_loss(spec *s, node *n)
{
    static const char *const kinds[] = {"binary_crossentropy", NULL};
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
    if (read_enum_node(type, "loss", kinds, &kind) != 0)
        return -1;
    s->loss.kind = (loss_kind)kind;
    return 0;
}

static int read_optimizer(spec *s, node *n)
{
    static const char *const keys[] = {"type", "lr", "beta1", "beta2", "eps", "weight_decay",
                                       "clipnorm", NULL};
    static const char *const types[] = {"adam", "adamw", NULL};
    if (check_map(n, "'optimizer'", keys) != 0)
        return -1;
    int type = 0;
    int rc = read_enum(n, "type", "'optimizer'", 1, types, &type);
    s->optim.adamw = type == 1;
    s->optim.weight_decay = s->optim.adamw ? 0.01 : 0; /* PyTorch's AdamW default */
    rc |= read_num(n, "lr", "'optimizer'", 0, 0, 10, &s->optim.lr);
    rc |= read_num(n, "beta1", "'optimizer'", 0, 0, 0.999999, &s->optim.beta1);
    rc |= read_num(n, "beta2", "'optimizer'", 0, 0, 0.999999999, &s->optim.beta2);
    rc |= read_num(n, "eps", "'optimizer'", 0, 1e-30, 1, &s->optim.eps);
    rc |= read_num(n, "weight_decay", "'optimizer'", 0, 0, 1, &s->optim.weight_decay);
    rc |= read_num(n, "clipnorm", "'optimizer'", 0, 0, 1e9, &s->optim.clipnorm);
    if (rc == 0 && s->optim.lr <= 0) {
        diag_error(spec_mark(n, "lr"), "'lr' must be greater than 0");
        rc = -1;
    }
    return rc ? -1 : 0;
}

static int read_train(spec *s, node *n)
{
    static const char *const keys[] = {"epochs", "shuffle", "checkpoint_every", NULL};
    if (check_map(n, "'train'", keys) != 0)
        return -1;
    int rc = read_int32(n, "epochs", "'train'", 1, 1, 100000, &s->train.epochs);
    rc |= read_bool(n, "shuffle", &s->train.shuffle);
    node *every = field(n, "checkpoint_every");
    if (every && !(every->kind == NODE_SCALAR && !every->quoted && strcmp(every->text, "epoch") == 0))
        rc |= read_int32(n, "checkpoint_every", "'train'", 0, 1, 100000000,
                         &s->train.checkpoint_every);
    return rc ? -1 : 0;
}

static int read_codegen(spec *s, node *n)
{
    static const char *const keys[] = {"precision", "simd", NULL};
    static const char *const precisions[] = {"f32", "f64", NULL};
    static const char *const simds[] = {"auto", "scalar", "avx2", "avx512", NULL};
    if (check_map(n, "'codegen'", keys) != 0)
        return -1;
    int precision = 0, simd = 0;
    int rc = read_enum(n, "precision", "'codegen'", 0, precisions, &precision);
    rc |= read_enum(n, "simd", "'codegen'", 0, simds, &simd);
    s->codegen.f64 = precision == 1;
    s->codegen.simd = simds[simd];
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
    s->codegen.simd = "auto";
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
    free(s->layers);
    s->layers = NULL;
    s->n_layers = 0;
}

const char *activation_name(activation a)
{
    return act_names[a];
}

const char *layer_class(const layer *l)
{
    switch (l->kind) {
    case LAYER_EMBEDDING: return "Embedding";
    case LAYER_LSTM: return "LSTM";
    case LAYER_DENSE: return "Dense";
    }
    return "?";
}

int64_t spec_total_params(const spec *s)
{
    int64_t total = 0;
    for (int i = 0; i < s->n_layers; i++)
        total += s->layers[i].n_params;
    return total;
}
