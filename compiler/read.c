/* read.c: looking up the keys of a spec's mappings and reading their
 * values, each checked for type and range; the messages name the key and
 * point at the value. Used by spec.c for the sections and by the layer
 * files (layers/) for their keys. */
#include "read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

/* ---- looking up keys ------------------------------------------------------ */

node *field(node *map, const char *key)
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

/* Keras' spellings of keys and values the spec names otherwise. */
static const char *const keras_words[][2] = {
    {"learning_rate", "lr"}, {"epsilon", "eps"}, {"batch_size", "batch"},
    {"maxlen", "seq_len"}, {"input_length", "seq_len"}, {"num_words", "vocab_size"},
    {"max_tokens", "vocab_size"}, {"linear", "none"},
};

/* The name in NAMES the user probably meant, or NULL. Short words get a
 * hint only for one typo, or every two-letter word would match "lr". */
static const char *closest(const char *word, const char *const *names)
{
    for (size_t i = 0; i < sizeof keras_words / sizeof *keras_words; i++)
        if (strcmp(word, keras_words[i][0]) == 0)
            for (int j = 0; names[j]; j++)
                if (strcmp(names[j], keras_words[i][1]) == 0)
                    return names[j];
    const char *best = NULL;
    int best_d = strlen(word) < 6 ? 2 : 3;
    for (int i = 0; names[i]; i++) {
        int d = edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

/* TEXT fit for a one-line message: control characters escaped, long text
 * cut short (at a character boundary). BUF holds SHOWN_BUF bytes. */
const char *shown(const char *text, char *buf)
{
    size_t j = 0;
    for (size_t i = 0; text[i]; i++) {
        unsigned char c = (unsigned char)text[i];
        if (i >= SHOWN_CHARS && (c & 0xC0) != 0x80) {
            memcpy(buf + j, "...", 4);
            return buf;
        }
        if (c < 0x20 || c == 0x7f)
            j += (size_t)snprintf(buf + j, 5, "\\x%02x", c);
        else
            buf[j++] = (char)c;
    }
    buf[j] = '\0';
    return buf;
}

/* YAML's null: nothing after the colon, ~ or null. */
int is_empty(const node *v)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (v->kind != NODE_SCALAR || v->quoted)
        return 0;
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (strcmp(v->text, nulls[i]) == 0)
            return 1;
    return 0;
}

/* Requires NODE to be a mapping whose keys are all in ALLOWED. */
int check_map(node *n, const char *what, const char *const *allowed)
{
    seq_buf b = {0};
    list_choices(&b, allowed);
    if (n->kind != NODE_MAP) {
        if (is_empty(n))
            diag_error(n->at, "%s has no value; expected a mapping with keys from: %s", what,
                       b.data);
        else
            diag_error(n->at, "%s must be a mapping with keys from: %s; not %s", what, b.data,
                       n->kind == NODE_SCALAR ? "a single value" : node_kind_name(n->kind));
        seq_buf_free(&b);
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
        char buf[SHOWN_BUF];
        const char *hint = closest(key, allowed);
        if (hint)
            diag_error(n->keys[i]->at, "unknown key '%s' in %s; did you mean '%s'? (expected one of: %s)",
                       shown(key, buf), what, hint, b.data);
        else
            diag_error(n->keys[i]->at, "unknown key '%s' in %s (expected one of: %s)",
                       shown(key, buf), what, b.data);
        rc = -1;
    }
    seq_buf_free(&b);
    return rc;
}

/* ---- typed values ------------------------------------------------------- */

/* Reports that V is not EXPECTED ("an integer", "true or false", ...). */
int bad_value(const node *v, const char *key, const char *expected)
{
    char buf[SHOWN_BUF];
    if (v->kind != NODE_SCALAR)
        diag_error(v->at, "'%s' must be %s, not %s", key, expected, node_kind_name(v->kind));
    else if (is_empty(v))
        diag_error(v->at, "'%s' has no value; expected %s", key, expected);
    else
        diag_error(v->at, "'%s' must be %s, got '%s'", key, expected, shown(v->text, buf));
    return -1;
}

/* Numbers and booleans are plain scalars: "32" in quotes is a string. */
static int need_plain(const node *v, const char *key, const char *expected)
{
    if (v->kind == NODE_SCALAR && v->quoted) {
        char buf[SHOWN_BUF];
        diag_error(v->at, "'%s' must be %s, not the quoted string \"%s\"", key, expected,
                   shown(v->text, buf));
        return -1;
    }
    if (v->kind != NODE_SCALAR || is_empty(v))
        return bad_value(v, key, expected);
    return 0;
}

int missing(node *map, const char *key, const char *what)
{
    diag_error(map->at, "%s is missing the required key '%s'", what, key);
    return -1;
}

/* Reads integer V of KEY in [lo, hi] into *out. */
int read_int_node(node *v, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    if (need_plain(v, key, "an integer") != 0)
        return -1;
    const char *s = v->text;
    const char *digits = s + (*s == '-' || *s == '+');
    char *end, buf[SHOWN_BUF];
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end == s || *end || !(*digits >= '0' && *digits <= '9'))
        return bad_value(v, key, "an integer");
    if (digits[0] == '0' && digits[1]) {
        diag_error(v->at, "'%s' must be written without leading zeros, got '%s' (YAML 1.1 "
                   "reads it as octal)", key, shown(s, buf));
        return -1;
    }
    if (errno == ERANGE || x < lo || x > hi) {
        diag_error(v->at, "'%s' must be between %lld and %lld, got %s", key, (long long)lo,
                   (long long)hi, shown(s, buf));
        return -1;
    }
    *out = x;
    return 0;
}

/* Reads an integer in [lo, hi]; absent and optional leaves *out as is. */
int read_int(node *map, const char *key, const char *what, int required,
                    int64_t lo, int64_t hi, int64_t *out)
{
    node *v = field(map, key);
    if (!v)
        return required ? missing(map, key, what) : 0;
    return read_int_node(v, key, lo, hi, out);
}

/* Reads a size in steps and width: one integer for both, or a list of two
 * ([3, 5]: 3 steps by 5 features); absent leaves out as is. */
int read_size2(node *map, const char *key, int lo, int hi, int out[2])
{
    node *v = field(map, key);
    if (!v)
        return 0;
    int64_t x[2];
    if (v->kind == NODE_SEQ) {
        if (v->n != 2) {
            diag_error(v->at, "'%s' must be an integer or a list of two ([steps, width]), got a "
                       "list of %d", key, v->n);
            return -1;
        }
        if (read_int_node(v->items[0], key, lo, hi, &x[0]) != 0 ||
            read_int_node(v->items[1], key, lo, hi, &x[1]) != 0)
            return -1;
    } else {
        if (read_int_node(v, key, lo, hi, &x[0]) != 0)
            return -1;
        x[1] = x[0];
    }
    out[0] = (int)x[0], out[1] = (int)x[1];
    return 0;
}

int read_int32(node *map, const char *key, const char *what, int required,
                      int lo, int hi, int *out)
{
    int64_t x = *out;
    int rc = read_int(map, key, what, required, lo, hi, &x);
    *out = (int)x;
    return rc;
}

/* Reads a decimal number in [lo, hi]; hex, inf and nan are refused. */
int read_num(node *map, const char *key, const char *what, int required,
                    double lo, double hi, double *out)
{
    node *v = field(map, key);
    if (!v)
        return required ? missing(map, key, what) : 0;
    if (need_plain(v, key, "a number") != 0)
        return -1;
    char *end, buf[SHOWN_BUF];
    errno = 0;
    double x = strtod(v->text, &end);
    if (end == v->text || *end || strspn(v->text, "0123456789+-.eE") != strlen(v->text))
        return bad_value(v, key, "a number");
    if (errno == ERANGE && fabs(x) > 1) {
        diag_error(v->at, "'%s' must be a finite number, got %s", key, shown(v->text, buf));
        return -1;
    }
    if (x < lo || x > hi) {
        diag_error(v->at, "'%s' must be between %g and %g, got %s", key, lo, hi,
                   shown(v->text, buf));
        return -1;
    }
    *out = x;
    return 0;
}

int read_bool(node *map, const char *key, int *out)
{
    node *v = field(map, key);
    if (!v)
        return 0;
    if (need_plain(v, key, "true or false") != 0)
        return -1;
    static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False", "FALSE"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(v->text, yes[i]) == 0)
            return *out = 1, 0;
        if (strcmp(v->text, no[i]) == 0)
            return *out = 0, 0;
    }
    return bad_value(v, key, "true or false");
}

/* Reads a string; an empty value reads as "". */
int read_str(node *map, const char *key, const char *what, int required, const char **out)
{
    node *v = field(map, key);
    if (!v)
        return required ? missing(map, key, what) : 0;
    if (v->kind != NODE_SCALAR)
        return bad_value(v, key, "a string");
    *out = is_empty(v) ? "" : v->text;
    return 0;
}

/* Reads one of NAMES (NULL-terminated) as an index. */
int read_enum_node(node *v, const char *key, const char *const *names, int *out)
{
    if (v->kind == NODE_SCALAR)
        for (int i = 0; names[i]; i++)
            if (strcmp(v->text, names[i]) == 0)
                return *out = i, 0;
    seq_buf b = {0};
    seq_buf_puts(&b, "one of: ");
    list_choices(&b, names);
    const char *hint = v->kind == NODE_SCALAR ? closest(v->text, names) : NULL;
    char buf[SHOWN_BUF];
    if (v->kind != NODE_SCALAR || is_empty(v))
        bad_value(v, key, b.data);
    else if (hint)
        diag_error(v->at, "'%s' must be %s; got '%s' (did you mean '%s'?)", key, b.data,
                   shown(v->text, buf), hint);
    else
        diag_error(v->at, "'%s' must be %s; got '%s'", key, b.data, shown(v->text, buf));
    seq_buf_free(&b);
    return -1;
}

int read_enum(node *map, const char *key, const char *what, int required,
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

/* A name that becomes part of C identifiers and file names: the model's
 * (NAME.h, NAME_info) or a layer's (NAME_forward). The runtime owns seq_*
 * identifiers and the header seqrt.h, whose include guard is SEQRT_H. */
int read_name(node *map, const char *key, const char *what, int required, const char **out)
{
    const char *s = NULL;
    if (read_str(map, key, what, required, &s) != 0)
        return -1;
    if (!s)
        return 0;
    node *v = field(map, key);
    if (!valid_name(s))
        return bad_value(v, key, "a name of letters, digits and '_' starting with a letter "
                                 "(at most 48 characters)");
    if (strncasecmp(s, "seq_", 4) == 0 || strcasecmp(s, "seqrt") == 0) {
        diag_error(v->at, "'%s' is reserved: names starting with seq_, and seqrt, belong to the "
                   "runtime library", s);
        return -1;
    }
    *out = s;
    return 0;
}

/* ---- sections ------------------------------------------------------------ */

/* An initializer: a name, or {type: NAME, limit|stddev|gain: X}. */
/* read_init, and with ALLOW_FILE {type: file, path: P} too. */
static int read_init_any(node *map, const char *key, int allow_file, init_spec *out)
{
    const char *const *init_names = seq_init_words();
    node *v = field(map, key);
    if (!v)
        return 0;
    node *type = v;
    if (v->kind == NODE_MAP) {
        static const char *const keys[] = {"type", "limit", "stddev", "gain", "path", NULL};
        char what[64];
        snprintf(what, sizeof what, "'%s'", key);
        if (check_map(v, what, keys) != 0)
            return -1;
        type = field(v, "type");
        if (!type)
            return missing(v, "type", what);
    }
    int kind;
    if (read_enum_node(type, key, init_names, &kind) != 0)
        return -1;
    if (kind == SEQ_INIT_FILE && !allow_file) {
        diag_error(type->at, "'%s': type file (pre-trained word vectors) is only for an "
                   "embedding's embeddings_initializer", key);
        return -1;
    }
    if (kind == SEQ_INIT_FILE && v->kind != NODE_MAP) {
        diag_error(type->at, "'%s': pre-trained word vectors need their file: write {type: "
                   "file, path: vectors.txt}", key);
        return -1;
    }
    out->kind = (seq_init)kind;
    /* a file's vectors fill its words' rows; the other rows are uniform as by default */
    out->scale = kind == SEQ_INIT_UNIFORM || kind == SEQ_INIT_FILE ? 0.05
               : kind == SEQ_INIT_NORMAL ? 0.05 : 1.0;
    out->path = NULL;
    if (v->kind != NODE_MAP)
        return 0;
    const char *param = kind == SEQ_INIT_UNIFORM ? "limit" : kind == SEQ_INIT_NORMAL ? "stddev"
                      : kind == SEQ_INIT_ORTHOGONAL ? "gain" : kind == SEQ_INIT_FILE ? "path"
                      : NULL;
    for (int i = 0; i < v->n; i++) {
        const char *k = v->keys[i]->text;
        if (strcmp(k, "type") != 0 && (!param || strcmp(k, param) != 0)) {
            if (param)
                diag_error(v->keys[i]->at, "'%s' does not apply to a %s initializer (its "
                           "parameter is '%s')", k, init_names[kind], param);
            else
                diag_error(v->keys[i]->at, "'%s' does not apply to a %s initializer (it takes "
                           "no parameter)", k, init_names[kind]);
            return -1;
        }
    }
    if (kind == SEQ_INIT_FILE) {
        char what[80];
        snprintf(what, sizeof what, "%s of type file", key);
        return read_str(v, "path", what, 1, &out->path);
    }
    return param ? read_num(v, param, key, 0, 0, 1e6, &out->scale) : 0;
}

int read_init(node *map, const char *key, init_spec *out)
{
    return read_init_any(map, key, 0, out);
}

int read_init_file(node *map, const char *key, init_spec *out)
{
    return read_init_any(map, key, 1, out);
}

static const char *const act_names[] = {"none", "relu", "tanh", "sigmoid", "softmax", NULL};

int read_activation(node *map, const char *what, activation *out)
{
    int act = (int)*out;
    int rc = read_enum(map, "activation", what, 0, act_names, &act);
    *out = (activation)act;
    return rc;
}

const char *activation_name(activation a)
{
    return act_names[a];
}
