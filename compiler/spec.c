/* spec.c: the YAML tree read into a spec, key by key, every value checked
 * for type and range. Shapes are checked later, in check.c. */
#include "spec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "layer.h"
#include "read.h"
#include "strset.h"
#include "util.h"


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

/* A CSV file's dialect: 'delimiter' (one character) and 'header'. */
static int read_dialect(spec *s, node *n)
{
    int header = 1;
    int rc = read_bool(n, "header", &header);
    s->data.headerless = !header;
    node *v = field(n, "delimiter");
    const char *t = NULL;
    if (!v || read_str(n, "delimiter", "'data'", 0, &t) != 0)
        return v ? -1 : rc;
    unsigned char c = (unsigned char)t[0];
    if (t[0] && !t[1] && (c == '\t' || (c > 0x20 && c < 0x7f && !((c >= '0' && c <= '9') ||
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && c != '"' && c != '\'' && c != '\\'))) {
        s->data.delimiter = t[0];
        return rc;
    }
    char buf[SHOWN_BUF];
    diag_error(v->at, "'delimiter' must be one character: ',' (the default), ';', '|', a tab "
               "(written \"\\t\", in double quotes) or other punctuation except quotes and "
               "backslash; got '%s'%s", shown(t, buf),
               strcmp(t, "\\t") == 0 ? " (a backslash and a t: write a tab as \"\\t\", in double "
                                      "quotes)" : "");
    return -1;
}

/* A column of a CSV file: its name, or without a header row its 0-based
 * number (written out without leading zeros, as the reader numbers them). */
static int column_node(const spec *s, node *v, const char *key)
{
    if (!s->data.headerless) {
        if (v->kind != NODE_SCALAR || !v->text[0])
            return bad_value(v, key, "a column name");
        return 0;
    }
    if (v->kind != NODE_SCALAR || v->quoted || !v->text[0] ||
        strspn(v->text, "0123456789") != strlen(v->text)) {
        char buf[SHOWN_BUF];
        const char *q = key[0] == 'a' ? "" : "'"; /* "an item of 'columns'" comes quoted */
        diag_error(v->at, "%s%s%s must be a column number (0-based) when 'header' is false, "
                   "not %s%s%s", q, key, q, v->kind != NODE_SCALAR ? "" : v->quoted
                   ? "the quoted string '" : "'", v->kind == NODE_SCALAR ? shown(v->text, buf)
                   : node_kind_name(v->kind), v->kind == NODE_SCALAR ? "'" : "");
        return -1;
    }
    int64_t x;
    return read_int_node(v, key, 0, 1000000, &x);
}

static int read_column(spec *s, node *map, const char *key, const char *what, const char **out)
{
    node *v = field(map, key);
    if (!v)
        return missing(map, key, what);
    if (column_node(s, v, key) != 0)
        return -1;
    *out = v->text;
    return 0;
}

/* The test part: 'test_split', a fraction of the data (DEFAULT when absent;
 * required when DEFAULT is negative), or 'test_path', a file of its own with
 * 'test_split' 0 or absent. */
static int read_test_part(spec *s, node *n, const char *what, double dflt)
{
    if (read_str(n, "test_path", what, 0, &s->data.test_path) != 0)
        return -1;
    int rc = 0;
    if (s->data.test_path && !s->data.test_path[0]) {
        diag_error(field(n, "test_path")->at, "'test_path' is empty; give the test file, "
                   "relative to the spec");
        rc = -1;
    }
    node *v = field(n, "test_split");
    s->data.test_split = s->data.test_path ? 0 : dflt;
    if (!v && !s->data.test_path && dflt < 0)
        return missing(n, "test_split", what);
    if (!v || read_num(n, "test_split", what, 0, 0, 0.5, &s->data.test_split) != 0)
        return v ? -1 : rc;
    char buf[SHOWN_BUF];
    if (s->data.test_path && s->data.test_split != 0) {
        diag_error(v->at, "'test_split' must be 0 with 'test_path' (that file is the test "
                   "part), got %s", shown(v->text, buf));
        return -1;
    }
    if (!s->data.test_path && s->data.test_split == 0) {
        diag_error(v->at, "'test_split' 0 leaves no test part: give 'test_path' (a labelled "
                   "file for testing) or a fraction from 0.01 to 0.5");
        return -1;
    }
    if (!s->data.test_path && s->data.test_split < 0.01) {
        diag_error(v->at, "'test_split' must be between 0.01 and 0.5, got %s", shown(v->text, buf));
        return -1;
    }
    return rc;
}

/* Joins the names in COLS ("Open,Close") into JOINED; a bad or repeated
 * name is an error. */
static int join_columns(const spec *s, const node *cols, seq_buf *joined)
{
    strset seen = {0};
    int rc = 0;
    for (int i = 0; rc == 0 && i < cols->n; i++) {
        node *c = cols->items[i];
        if (s->data.headerless && column_node(s, c, "an item of 'columns'") != 0) {
            rc = -1;
        } else if (c->kind != NODE_SCALAR || !c->text[0] || strchr(c->text, ',')) {
            diag_error(c->at, "'columns' must be a list of column names (without commas)");
            rc = -1;
        } else if (strset_add(&seen, c->text, i) >= 0) {
            diag_error(c->at, "column '%s' is listed twice", c->text);
            rc = -1;
        } else {
            seq_buf_printf(joined, "%s%s", i ? "," : "", c->text);
        }
    }
    strset_free(&seen);
    return rc;
}

/* A series: numeric CSV columns (a window of rows predicts the target
 * column HORIZON rows after it) or a generated noisy sine wave. The splits
 * are chronological: validation and test are the last rows. */
static int read_series(spec *s, node *n)
{
    static const char *const keys[] = {"kind", "format", "path", "columns", "target", "horizon",
                                       "length", "period", "noise", "validation_split",
                                       "test_split", "test_path", "delimiter", "header", NULL};
    int format = 0;
    if (check_map(n, "'data' (kind series)", keys) != 0 ||
        read_enum(n, "format", "'data'", 1, seq_data_format_words(), &format) != 0)
        return -1;
    if (format != SEQ_FORMAT_CSV && format != SEQ_FORMAT_SINE) {
        diag_error(spec_mark(n, "format"), "kind series reads format csv (numeric columns) "
                   "or sine (a generated wave), not %s", seq_data_format_words()[format]);
        return -1;
    }
    s->data.format = (seq_data_format)format;
    const char *what = format == SEQ_FORMAT_CSV ? "'data' (kind series, format csv)"
                                   : "'data' (kind series, format sine)";
    s->data.horizon = 1;
    int rc = read_int32(n, "horizon", what, 0, 1, SPEC_MAX_SEQ_LEN, &s->data.horizon);
    rc |= read_num(n, "validation_split", what, 0, 0, 0.5, &s->data.validation_split);
    static const char *const csv_keys[] = {"path", "columns", "target", "test_path", "delimiter",
                                           "header", NULL};
    static const char *const sine_keys[] = {"length", "period", "noise", NULL};
    const char *const *other = format == SEQ_FORMAT_CSV ? sine_keys : csv_keys;
    for (int i = 0; other[i]; i++)
        if (field(n, other[i])) {
            diag_error(spec_mark(n, other[i]), "'%s' is for format %s", other[i],
                       format == SEQ_FORMAT_CSV ? "sine (a generated wave)" : "csv (columns of a file)");
            rc = -1;
        }
    if (format != SEQ_FORMAT_CSV) {
        s->data.test_split = 0.2;
        rc |= read_num(n, "test_split", what, 0, 0.01, 0.5, &s->data.test_split);
        s->data.path = "";
        s->n_features = 1;
        s->data.length = 2000;
        s->data.period = 50;
        s->data.noise = 0.1;
        rc |= read_int32(n, "length", what, 0, 10, 10000000, &s->data.length);
        rc |= read_num(n, "period", what, 0, 2, 1e9, &s->data.period);
        rc |= read_num(n, "noise", what, 0, 0, 1e3, &s->data.noise);
        return rc ? -1 : 0;
    }
    rc |= read_test_part(s, n, what, 0.2);
    rc |= read_dialect(s, n);
    rc |= read_str(n, "path", what, 1, &s->data.path);
    node *cols = field(n, "columns");
    if (!cols)
        return missing(n, "columns", what);
    if (cols->kind != NODE_SEQ || cols->n == 0) {
        diag_error(cols->at, s->data.headerless
                   ? "'columns' must be a list of column numbers (0-based; 'header' is false), "
                     "such as [1, 4]"
                   : "'columns' must be a list of column names, such as [Open, Close]");
        return -1;
    }
    seq_buf joined = {0};
    if (join_columns(s, cols, &joined) != 0) {
        seq_buf_free(&joined);
        return -1;
    }
    s->data.columns = s->columns_text = joined.data;
    s->n_features = cols->n;
    if (rc == 0)
        rc |= read_column(s, n, "target", what, &s->data.target);
    int has_target = 0;
    for (int i = 0; rc == 0 && i < cols->n; i++)
        has_target |= strcmp(cols->items[i]->text, s->data.target) == 0;
    if (rc == 0 && !has_target) {
        diag_error(field(n, "target")->at, "the target '%s' must be one of 'columns' (the "
                   "naive baseline repeats its last value)", s->data.target);
        rc = -1;
    }
    return rc ? -1 : 0;
}

/* data.tokenizer: words (text classification) or characters (a char-lm). */
static int read_tokenizer(spec *s, node *tok)
{
    static const char *const tok_keys[] = {"lowercase", "strip_html", "punctuation",
                                           "vocab_size", NULL};
    static const char *const char_keys[] = {"vocab_size", NULL};
    if (check_map(tok, s->char_lm ? "'tokenizer' (of characters: id 0 for rare ones, "
                                         "then the most frequent)" : "'tokenizer'",
                  s->char_lm ? char_keys : tok_keys) != 0)
        return -1;
    int rc = 0, punct = SEQ_PUNCT_STRIP;
    s->data.lowercase = 1;
    s->data.strip_html = 1;
    rc |= read_bool(tok, "lowercase", &s->data.lowercase);
    rc |= read_bool(tok, "strip_html", &s->data.strip_html);
    rc |= read_enum(tok, "punctuation", "'tokenizer'", 0, seq_punct_words(), &punct);
    rc |= read_int32(tok, "vocab_size", "'tokenizer'", 1, 3, SPEC_MAX_VOCAB, &s->data.vocab_size);
    s->data.punct = (seq_punct)punct;
    return rc ? -1 : 0;
}

static int read_data(spec *s, node *n)
{
    static const char *const keys[] = {"kind", "format", "path", "tokenizer", "padding",
                                       "truncation", "validation_split", "test_split",
                                       "test_path", "text_column", "label_column", "delimiter",
                                       "header", NULL};
    const char *const *formats = seq_data_format_words(), *const *sides = seq_pad_words();
    s->data_src = n;
    if (n->kind != NODE_MAP)
        return check_map(n, "'data'", keys);
    int kind = 0, format = 0, padding = SEQ_PAD_PRE, truncation = SEQ_PAD_PRE;
    if (read_enum(n, "kind", "'data'", 1, seq_data_kind_words(), &kind) != 0)
        return -1;
    s->data.kind = (seq_data_kind)kind;
    if (kind == SEQ_DATA_SERIES) {
        s->series = 1;
        return read_series(s, n);
    }
    if (check_map(n, "'data'", keys) != 0)
        return -1;
    int rc = read_enum(n, "format", "'data'", 1, formats, &format);
    if (rc == 0 && format == SEQ_FORMAT_SINE) {
        diag_error(spec_mark(n, "format"), "'format' sine goes with kind series");
        return -1;
    }
    rc |= read_str(n, "path", "'data'", 1, &s->data.path);
    if (s->data.path && !s->data.path[0]) {
        diag_error(field(n, "path")->at, "'path' is empty; give the data folder, relative to the spec");
        rc = -1;
    }
    rc |= read_enum(n, "padding", "'data'", 0, sides, &padding);
    rc |= read_enum(n, "truncation", "'data'", 0, sides, &truncation);
    rc |= read_num(n, "validation_split", "'data'", 0, 0, 0.5, &s->data.validation_split);
    s->data.format = (seq_data_format)format;
    s->char_lm = kind == SEQ_DATA_CHAR_LM;
    if ((kind == SEQ_DATA_CHAR_LM) != (format == SEQ_FORMAT_TEXT)) {
        diag_error(spec_mark(n, "format"), "'format' %s goes with kind %s", formats[format],
                   format == SEQ_FORMAT_TEXT ? "char-lm (a plain text corpus)" : "text-classification");
        return -1;
    }
    if (format == SEQ_FORMAT_CSV) { /* csv: the columns, and a seeded held-out test part */
        const char *what = "'data' (format csv)";
        int dialect = read_dialect(s, n);
        rc |= dialect;
        if (dialect == 0) {
            rc |= read_column(s, n, "text_column", what, &s->data.text_column);
            rc |= read_column(s, n, "label_column", what, &s->data.label_column);
        }
        rc |= read_test_part(s, n, what, -1);
    } else {
        static const char *const csv_only[] = {"text_column", "label_column", "test_split",
                                               "test_path", "delimiter", "header"};
        for (int i = 0; i < 6; i++)
            if (field(n, csv_only[i])) {
                diag_error(spec_mark(n, csv_only[i]), "'%s' is for format csv; the %s", csv_only[i],
                           format == SEQ_FORMAT_ACLIMDB ? "aclimdb layout has its own test part and labels"
                                       : "text format is one corpus");
                rc = -1;
            }
    }
    s->data.padding = (seq_pad)padding;
    s->data.truncation = (seq_pad)truncation;
    node *tok = field(n, "tokenizer");
    if (!tok) {
        diag_error(n->at, "'data' is missing the required key 'tokenizer' (its vocab_size at least)");
        return -1;
    }
    return read_tokenizer(s, tok) != 0 || rc ? -1 : 0;
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
    static const char *const keys[] = {"precision", "simd", NULL};
    static const char *const precisions[] = {"f32", "f64", NULL};
    if (check_map(n, "'codegen'", keys) != 0)
        return -1;
    int precision = 0, simd = 0;
    int rc = read_enum(n, "precision", "'codegen'", 0, precisions, &precision);
    rc |= read_enum(n, "simd", "'codegen'", 0, seq_simd_words(), &simd);
    s->codegen.f64 = precision == 1;
    s->codegen.simd = (seq_simd)simd;
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
