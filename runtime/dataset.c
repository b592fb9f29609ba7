/* dataset.c: loading, splitting and encoding a spec's data; batching. */
#include "dataset.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rng.h"
#include "sha256.h"
#include "text.h"
#include "utf8.h"

/* Stream of a generated series' noise. */
#define SERIES_STREAM 0x5345524945ULL

/* Stream of the train/validation shuffle, apart from init and training. */
#define SPLIT_STREAM 0x53504c4954ULL

const char *seq_split_name(seq_split s)
{
    static const char *const names[] = {"train", "val", "test"};
    return names[s];
}

int seq_split_parse(const char *name, seq_split *out)
{
    for (int s = 0; s < SEQ_N_SPLITS; s++)
        if (strcmp(name, seq_split_name((seq_split)s)) == 0)
            return *out = (seq_split)s, 0;
    return -1;
}

seq_csv_dialect seq_csv_dialect_of(const seq_data_info *d)
{
    seq_csv_dialect dl = {d->delimiter ? (char)d->delimiter : ',', !d->headerless};
    return dl;
}

seq_tok_config seq_tok_config_of(const seq_data_info *d)
{
    seq_tok_config cfg = {d->lowercase, d->strip_html, d->punct, d->vocab_size};
    return cfg;
}

/* The texts PICK[0..n) of T (the first N when PICK is NULL), borrowed. */
static void picked(const seq_textset *t, const uint32_t *pick, size_t n, char ***texts,
                   size_t **lens)
{
    *texts = seq_xmalloc((n ? n : 1) * sizeof **texts);
    *lens = seq_xmalloc((n ? n : 1) * sizeof **lens);
    for (size_t i = 0; i < n; i++) {
        size_t k = pick ? pick[i] : i;
        (*texts)[i] = t->texts[k];
        (*lens)[i] = t->lens[k];
    }
}

static void count_chars(const char *tok, size_t len, void *counts)
{
    seq_char_counts_text(counts, tok, len);
}

/* A char_cnn's character vocabulary: the most frequent characters of the
 * words (tokens) of N texts. */
static int32_t *word_chars(const seq_model_info *info, char *const *texts, const size_t *lens,
                           size_t n, int *n_chars)
{
    seq_tok_config cfg = seq_tok_config_of(&info->data);
    seq_char_counts counts;
    seq_char_counts_init(&counts);
    for (size_t i = 0; i < n; i++)
        seq_tok_each(&cfg, texts[i], lens[i], count_chars, &counts);
    int32_t *chars = seq_char_counts_top(&counts, info->data.char_vocab_size - 2, n_chars);
    seq_char_counts_free(&counts);
    return chars;
}

/* A char_cnn's char ids for N texts: every distinct word among them is
 * spelled once, and each position of an example names its word's
 * spelling, at the positions of its word ids (the same tokens, padding and
 * truncation). */
static void spell_examples(const seq_model_info *info, const seq_data *d, char *const *texts,
                           const size_t *lens, size_t n, seq_examples *out)
{
    seq_tok_config cfg = seq_tok_config_of(&info->data);
    cfg.vocab_size = INT_MAX; /* every word: ids 2, 3, ... */
    seq_vocab *words = seq_vocab_build(&cfg, texts, lens, n);
    size_t T = (size_t)info->seq_len, W = (size_t)info->word_len, rows = 2;
    out->word_len = info->word_len;
    out->words = seq_xmalloc((n ? n : 1) * T * sizeof *out->words);
    for (size_t i = 0; i < n; i++)
        seq_tok_encode(&cfg, words, texts[i], lens[i], info->seq_len, info->data.padding,
                       info->data.truncation, out->words + i * T);
    while (seq_vocab_word(words, (int)rows))
        rows++;
    out->spellings = seq_xcalloc(rows * W, sizeof *out->spellings);
    for (size_t id = 2; id < rows; id++) {
        const char *w = seq_vocab_word(words, (int)id);
        seq_spell(d->chars, d->n_chars, w, strlen(w), (int)W, out->spellings + id * W);
    }
    seq_vocab_free(words);
}

static void encode(const seq_model_info *info, const seq_data *d, const seq_textset *t,
                   const uint32_t *pick, size_t n, seq_examples *out)
{
    seq_tok_config cfg = seq_tok_config_of(&info->data);
    char **texts;
    size_t *lens;
    picked(t, pick, n, &texts, &lens);
    out->n = n;
    out->seq_len = info->seq_len;
    out->target_width = 1;
    out->ids = seq_xmalloc((n ? n : 1) * (size_t)info->seq_len * sizeof *out->ids);
    out->lengths = seq_xmalloc((n ? n : 1) * sizeof *out->lengths);
    out->targets = seq_xmalloc((n ? n : 1) * sizeof *out->targets);
    for (size_t i = 0; i < n; i++) {
        out->lengths[i] = seq_tok_encode(&cfg, d->vocab, texts[i], lens[i], info->seq_len,
                                         info->data.padding, info->data.truncation,
                                         out->ids + i * (size_t)info->seq_len);
        out->targets[i] = (float)t->labels[pick ? pick[i] : i];
    }
    if (info->word_len)
        spell_examples(info, d, texts, lens, n, out);
    free(texts);
    free(lens);
}

/* The first LIMIT texts of each class, in order (LIMIT 0: all). */
static void keep_per_class(seq_textset *t, size_t limit)
{
    if (limit == 0)
        return;
    size_t *seen = seq_xcalloc((size_t)t->n_classes, sizeof *seen), n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (seen[t->labels[i]]++ >= limit) {
            free(t->texts[i]);
            continue;
        }
        t->texts[n] = t->texts[i];
        t->lens[n] = t->lens[i];
        t->labels[n] = t->labels[i];
        n++;
    }
    t->n = n;
    free(seen);
}

static void shuffled(const seq_model_info *info, size_t n, uint32_t **order)
{
    *order = seq_xmalloc((n ? n : 1) * sizeof **order);
    for (size_t i = 0; i < n; i++)
        (*order)[i] = (uint32_t)i;
    seq_rng rng;
    seq_rng_seed(&rng, info->seed ^ SPLIT_STREAM);
    seq_rng_shuffle(&rng, *order, n);
}

static size_t fraction(double f, size_t n)
{
    return (size_t)(f * (double)n + 0.5);
}

/* Splits T (the train part, or a whole CSV) and encodes the splits in WANT:
 * the shuffled order's last TEST fraction (CSV only), then of the rest the
 * last validation fraction, the rest train. */
static void split_and_encode(const seq_model_info *info, seq_textset *t, double test, unsigned want,
                             seq_data *out)
{
    uint32_t *order;
    shuffled(info, t->n, &order);
    size_t n_test = fraction(test, t->n), n_rest = t->n - n_test;
    size_t n_val = fraction(info->data.validation_split, n_rest), n_train = n_rest - n_val;
    if (!out->vocab || (info->word_len && !out->chars)) {
        char **texts;
        size_t *lens;
        picked(t, order, n_train, &texts, &lens);
        seq_tok_config cfg = seq_tok_config_of(&info->data);
        if (!out->vocab) {
            out->vocab = seq_vocab_build(&cfg, texts, lens, n_train);
            out->owns_vocab = 1;
        }
        if (info->word_len && !out->chars)
            out->chars = word_chars(info, texts, lens, n_train, &out->n_chars);
        free(texts);
        free(lens);
    }
    if (want & 1u << SEQ_TRAIN)
        encode(info, out, t, order, n_train, &out->split[SEQ_TRAIN]);
    if (want & 1u << SEQ_VAL)
        encode(info, out, t, order + n_train, n_val, &out->split[SEQ_VAL]);
    if (test > 0 && (want & 1u << SEQ_TEST))
        encode(info, out, t, order + n_rest, n_test, &out->split[SEQ_TEST]);
    free(order);
}

static void take_classes(seq_data *out, const seq_textset *t)
{
    out->n_classes = t->n_classes;
    out->class_names = seq_xcalloc((size_t)t->n_classes, sizeof *out->class_names);
    for (int c = 0; c < t->n_classes; c++)
        out->class_names[c] = seq_xstrdup(t->class_names[c]);
    if (t->class_lines) {
        out->class_lines = seq_xmalloc((size_t)(t->n_classes ? t->n_classes : 1) *
                                       sizeof *out->class_lines);
        memcpy(out->class_lines, t->class_lines, (size_t)t->n_classes * sizeof *t->class_lines);
    }
}

/* ---- char-lm ----------------------------------------------------------------- */

/* Decodes valid UTF-8 (checked before) into code points. */
static int32_t *code_points(const char *s, size_t len, size_t *n)
{
    int32_t *cp = seq_xmalloc((len ? len : 1) * sizeof *cp);
    size_t k = 0;
    for (size_t i = 0; i < len;)
        cp[k++] = seq_utf8_next(s, len, &i);
    *n = k;
    return cp;
}

/* The vocab_size - 1 most frequent characters of TEXT[0..n). */
static int32_t *char_vocab(const int32_t *text, size_t n, int vocab_size, int *n_chars)
{
    seq_char_counts counts;
    seq_char_counts_init(&counts);
    for (size_t i = 0; i < n; i++)
        counts.n[text[i]]++;
    int32_t *chars = seq_char_counts_top(&counts, vocab_size - 1, n_chars);
    seq_char_counts_free(&counts);
    return chars;
}

/* Rows of STREAM[0..n) as examples, batch k's row b at k * batch + b. */
static void char_examples(const seq_model_info *info, const int32_t *stream, size_t n,
                          seq_examples *out)
{
    size_t B = (size_t)info->batch, T = (size_t)info->seq_len;
    size_t row = n > 1 ? (n - 1) / B : 0, batches = row / T;
    out->n = batches * B;
    out->seq_len = (int)T;
    out->target_width = (int)T;
    out->ids = seq_xmalloc((out->n ? out->n : 1) * T * sizeof *out->ids);
    out->targets = seq_xmalloc((out->n ? out->n : 1) * T * sizeof *out->targets);
    out->lengths = seq_xmalloc((out->n ? out->n : 1) * sizeof *out->lengths);
    for (size_t k = 0; k < batches; k++)
        for (size_t b = 0; b < B; b++) {
            size_t e = k * B + b, from = b * row + k * T;
            for (size_t t = 0; t < T; t++) {
                out->ids[e * T + t] = stream[from + t];
                out->targets[e * T + t] = (float)stream[from + t + 1];
            }
            out->lengths[e] = (int32_t)T;
        }
}

/* OUT's characters are given (a checkpoint's) or built here. */
static int char_lm_load(const seq_model_info *info, const char *root, long limit, unsigned want,
                        seq_data *out, seq_err *err)
{
    char *text;
    size_t len, bad_line, n, nul;
    if (seq_read_file(root, &text, &len, err) != 0)
        return -1;
    if (len == 0) {
        free(text);
        return seq_fail(err, "%s: empty file (expected a text corpus)", root);
    }
    if (!seq_utf8_valid(text, len, &bad_line)) {
        free(text);
        return seq_fail(err, "%s:%zu: invalid UTF-8 (the corpus must be UTF-8 text)", root, bad_line);
    }
    if (seq_text_has_nul(text, len, &nul, &bad_line)) {
        free(text);
        return seq_fail(err, "%s:%zu: NUL byte at offset %zu (the corpus must be text)", root,
                        bad_line, nul);
    }
    int32_t *cp = code_points(text, len, &n);
    free(text);
    if (limit > 0 && (size_t)limit < n)
        n = (size_t)limit;
    size_t n_train = n - (size_t)(info->data.validation_split * (double)n + 0.5);
    if (!out->chars)
        out->chars = char_vocab(cp, n_train, info->data.vocab_size, &out->n_chars);
    for (size_t i = 0; i < n; i++) /* code points to ids, in place */
        cp[i] = seq_char_id(out->chars, out->n_chars, cp[i]);
    if (want & 1u << SEQ_TRAIN)
        char_examples(info, cp, n_train, &out->split[SEQ_TRAIN]);
    if (want & 1u << SEQ_VAL)
        char_examples(info, cp + n_train, n - n_train, &out->split[SEQ_VAL]);
    free(cp);
    if ((want & 1u << SEQ_TRAIN) && out->split[SEQ_TRAIN].n == 0) {
        seq_data_free(out);
        return seq_fail(err, "%s: %zu characters for training are too few for batch %d x seq_len "
                        "%d", root, n_train, info->batch, info->seq_len);
    }
    return 0;
}

/* ---- series ------------------------------------------------------------------- */

/* The windows whose targets are rows [FROM, TO), scaled, with the naive
 * forecast of each (the target's last value in the window). */
static void series_examples(const seq_model_info *info, const seq_timeseries *s,
                            const seq_series_scale *scale, size_t from, size_t to,
                            seq_examples *out)
{
    size_t T = (size_t)info->seq_len, F = (size_t)s->n_features, h = (size_t)info->data.horizon;
    size_t first = T - 1 + h; /* the first row with a whole window before it */
    from = from > first ? from : first;
    size_t n = to > from ? to - from : 0;
    out->n = n;
    out->seq_len = (int)T;
    out->target_width = 1;
    out->n_features = (int)F;
    out->inputs = seq_xmalloc((n ? n : 1) * T * F * sizeof *out->inputs);
    out->targets = seq_xmalloc((n ? n : 1) * sizeof *out->targets);
    out->lengths = seq_xmalloc((n ? n : 1) * sizeof *out->lengths);
    for (size_t i = 0; i < n; i++) {
        out->targets[i] = seq_series_window(s, scale, from + i - first, (int)T, (int)h,
                                            out->inputs + i * T * F);
        out->lengths[i] = (int32_t)T;
    }
}

static int series_file(const seq_model_info *info, const char *path, seq_timeseries *s,
                       seq_err *err)
{
    seq_csv_dialect dl = seq_csv_dialect_of(&info->data);
    return seq_series_csv(path, &dl, info->data.columns, info->data.target, s, err);
}

/* Chronological splits: the last test_split of the rows are the test
 * targets, the validation_split before them validation, the rest train;
 * the scale comes from the training rows alone. */
static int series_load(const seq_model_info *info, const char *root, long limit, unsigned want,
                       seq_data *out, seq_err *err)
{
    const seq_data_info *d = &info->data;
    seq_timeseries s;
    int sine = d->format == SEQ_FORMAT_SINE;
    if (sine)
        seq_series_sine(d->length, d->period, d->noise, info->seed ^ SERIES_STREAM, &s);
    else if (series_file(info, root, &s, err) != 0)
        return -1;
    if (limit > 0 && (size_t)limit < s.n_rows)
        s.n_rows = (size_t)limit;
    size_t n = s.n_rows, n_test = (size_t)(d->test_split * (double)n + 0.5);
    size_t n_val = (size_t)(d->validation_split * (double)n + 0.5);
    size_t n_train = n > n_test + n_val ? n - n_test - n_val : 0;
    size_t T = (size_t)info->seq_len, h = (size_t)d->horizon;
    if (n_train < T + h + 1) {
        seq_series_free(&s);
        return seq_fail(err, "%s: %zu rows leave %zu for training, too few for windows of "
                        "seq_len %d and horizon %d", sine ? "the sine wave" : root, n, n_train, info->seq_len, d->horizon);
    }
    out->scale = seq_series_fit(&s, n_train);
    if (want & 1u << SEQ_TRAIN)
        series_examples(info, &s, &out->scale, 0, n_train, &out->split[SEQ_TRAIN]);
    if (want & 1u << SEQ_VAL)
        series_examples(info, &s, &out->scale, n_train, n_train + n_val, &out->split[SEQ_VAL]);
    if (want & 1u << SEQ_TEST)
        series_examples(info, &s, &out->scale, n_train + n_val, n, &out->split[SEQ_TEST]);
    seq_series_free(&s);
    return 0;
}

static int csv_textset(const seq_model_info *info, const char *path, char *const *classes,
                       int n_classes, seq_textset *t, seq_err *err)
{
    seq_csv_dialect dl = seq_csv_dialect_of(&info->data);
    return seq_csv_textset_as(path, &dl, info->data.text_column, info->data.label_column, classes,
                              n_classes, t, NULL, err);
}

int seq_data_load_test_file(const seq_model_info *info, const char *path, long limit,
                            seq_vocab *vocab, const int32_t *chars, int n_chars,
                            char *const *classes, int n_classes,
                            const seq_series_scale *scale, seq_data *out, seq_err *err)
{
    memset(out, 0, sizeof *out);
    out->vocab = vocab;
    if (info->n_features) {
        seq_timeseries s;
        if (series_file(info, path, &s, err) != 0)
            return -1;
        if (limit > 0 && (size_t)limit < s.n_rows)
            s.n_rows = (size_t)limit;
        out->scale = *scale;
        series_examples(info, &s, scale, 0, s.n_rows, &out->split[SEQ_TEST]);
        seq_series_free(&s);
        if (out->split[SEQ_TEST].n == 0) {
            seq_data_free(out);
            return seq_fail(err, "%s: too few rows for one window of seq_len %d and horizon %d",
                            path, info->seq_len, info->data.horizon);
        }
        return 0;
    }
    if (chars) {
        out->chars = seq_xmalloc((size_t)(n_chars ? n_chars : 1) * sizeof *out->chars);
        memcpy(out->chars, chars, (size_t)n_chars * sizeof *chars);
        out->n_chars = n_chars;
    }
    seq_textset t;
    if (csv_textset(info, path, classes, n_classes, &t, err) != 0) {
        seq_data_free(out);
        return -1;
    }
    keep_per_class(&t, limit > 0 ? (size_t)limit : 0);
    take_classes(out, &t);
    encode(info, out, &t, NULL, t.n, &out->split[SEQ_TEST]);
    seq_textset_free(&t);
    return 0;
}

/* ---- fingerprints ---------------------------------------------------------- */

/* Hashes the bytes of the file PATH into H, adding their number to *SIZE. */
static int hash_file(const char *path, seq_sha256 *h, unsigned long long *size, seq_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return seq_fail(err, "%s: cannot open: %s", path, strerror(errno));
    enum { CHUNK = 1 << 16 };
    char *chunk = seq_xmalloc(CHUNK);
    size_t n;
    while ((n = fread(chunk, 1, CHUNK, f)) > 0) {
        seq_sha256_update(h, chunk, n);
        *size += n;
    }
    int bad = ferror(f);
    fclose(f);
    free(chunk);
    return bad ? seq_fail(err, "%s: cannot read", path) : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An aclImdb folder's train part, cheaply: "CLASS/NAME SIZE" of every file
 * in train/neg and train/pos, sorted by name. */
static int hash_imdb_train(const char *root, seq_sha256 *h, unsigned long long *size,
                           seq_err *err)
{
    static const char *const classes[] = {"neg", "pos"};
    for (int c = 0; c < 2; c++) {
        char *dir = seq_xmalloc(strlen(root) + 16);
        sprintf(dir, "%s/train/%s", root, classes[c]);
        DIR *d = opendir(dir);
        if (!d) {
            seq_fail(err, "%s: cannot open: %s", dir, strerror(errno));
            free(dir);
            return -1;
        }
        char **names = NULL;
        size_t n = 0, cap = 0;
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.')
                continue;
            if (n == cap)
                names = seq_xrealloc(names, (cap = cap ? 2 * cap : 1024) * sizeof *names);
            names[n++] = seq_xstrdup(e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp_str);
        seq_buf line = {0};
        for (size_t i = 0; i < n; i++) {
            char *path = seq_path_join(dir, names[i]);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                line.len = 0;
                seq_buf_printf(&line, "%s/%s %lld\n", classes[c], names[i], (long long)st.st_size);
                seq_sha256_update(h, line.data, line.len);
                *size += (unsigned long long)st.st_size;
            }
            free(path);
            free(names[i]);
        }
        seq_buf_free(&line);
        free(names);
        free(dir);
    }
    return 0;
}

/* Absolute PATH (from the working folder) with its "." and ".." parts and
 * doubled slashes taken out as text, so that one file given two ways is
 * usually recorded once; malloc'd. */
static char *absolute_path(const char *path)
{
    char cwd[4096];
    char *abs = path[0] != '/' && getcwd(cwd, sizeof cwd) ? seq_path_join(cwd, path)
                                                          : seq_xstrdup(path);
    if (abs[0] != '/')
        return abs;
    size_t out = 0; /* abs[0..out) is the result so far, without a trailing slash */
    for (char *part = abs + 1; *part;) {
        size_t len = strcspn(part, "/");
        char *next = part + len + (part[len] == '/');
        if (len == 2 && part[0] == '.' && part[1] == '.') {
            while (out > 0 && abs[--out] != '/')
                ;
        } else if (len && !(len == 1 && part[0] == '.')) {
            abs[out++] = '/';
            memmove(abs + out, part, len);
            out += len;
        }
        part = next;
    }
    if (out == 0)
        abs[out++] = '/';
    abs[out] = '\0';
    return abs;
}

int seq_data_fingerprint(const seq_model_info *info, const char *root, seq_fingerprint *fp,
                         seq_err *err)
{
    memset(fp, 0, sizeof *fp);
    if (info->data.format == SEQ_FORMAT_SINE)
        return 0; /* generated: nothing to fingerprint */
    char *abs = absolute_path(root);
    size_t len = strlen(abs);
    if (len < sizeof fp->path)
        memcpy(fp->path, abs, len + 1);
    free(abs);
    if (len >= sizeof fp->path)
        return seq_fail(err, "%s: the path is too long", root);
    seq_sha256 h;
    seq_sha256_init(&h);
    int rc = info->data.format == SEQ_FORMAT_ACLIMDB ? hash_imdb_train(root, &h, &fp->size, err)
                                                     : hash_file(root, &h, &fp->size, err);
    if (rc != 0) {
        memset(fp, 0, sizeof *fp);
        return -1;
    }
    seq_sha256_final_hex(&h, fp->sha256);
    return 0;
}

/* Gives T's classes the ids CLASSES (N names, a model's) have, matched by
 * name; a class of T not among them fails naming its folder in ROOT/SPLIT. */
static int as_classes(seq_textset *t, const char *root, const char *split,
                      char *const *classes, int n, seq_err *err)
{
    int *id = seq_xmalloc((size_t)(t->n_classes ? t->n_classes : 1) * sizeof *id);
    for (int c = 0; c < t->n_classes; c++) {
        id[c] = -1;
        for (int k = 0; k < n && id[c] < 0; k++)
            id[c] = strcmp(t->class_names[c], classes[k]) == 0 ? k : -1;
        if (id[c] < 0) {
            free(id);
            return seq_fail(err, "%s/%s/%s: the model does not know the class \"%s\"", root,
                            split, t->class_names[c], t->class_names[c]);
        }
    }
    for (size_t i = 0; i < t->n; i++)
        t->labels[i] = id[t->labels[i]];
    for (int c = 0; c < t->n_classes; c++)
        free(t->class_names[c]);
    t->class_names = seq_xrealloc(t->class_names, (size_t)(n ? n : 1) * sizeof *t->class_names);
    for (int k = 0; k < n; k++)
        t->class_names[k] = seq_xstrdup(classes[k]);
    t->n_classes = n;
    free(id);
    return 0;
}

/* An aclImdb split, its classes as CLASSES has them (when given). */
static int imdb_split(const char *root, const char *split, size_t limit, char *const *classes,
                      int n_classes, seq_textset *t, seq_err *err)
{
    if (seq_imdb_load(root, split, limit, t, err) != 0)
        return -1;
    if (classes && as_classes(t, root, split, classes, n_classes, err) != 0) {
        seq_textset_free(t);
        return -1;
    }
    return 0;
}

int seq_data_load(const seq_model_info *info, const char *root, long limit, unsigned want,
                  seq_vocab *vocab, const int32_t *chars, int n_chars, char *const *classes,
                  int n_classes, seq_data *out, seq_err *err)
{
    memset(out, 0, sizeof *out);
    out->vocab = vocab;
    if (info->n_features)
        return series_load(info, root, limit, want, out, err);
    if (chars) {
        out->chars = seq_xmalloc((size_t)(n_chars ? n_chars : 1) * sizeof *out->chars);
        memcpy(out->chars, chars, (size_t)n_chars * sizeof *chars);
        out->n_chars = n_chars;
    }
    if (info->char_lm)
        return char_lm_load(info, root, limit, want & ~(1u << SEQ_TEST), out, err);
    size_t per_class = limit > 0 ? (size_t)limit : 0;
    seq_textset t;

    if (info->data.format == SEQ_FORMAT_CSV) {
        if (csv_textset(info, root, classes, n_classes, &t, err) != 0) {
            seq_data_free(out);
            return -1;
        }
        keep_per_class(&t, per_class);
        take_classes(out, &t);
        split_and_encode(info, &t, info->data.test_split, want, out);
        seq_textset_free(&t);
        return 0;
    }

    if ((want & (1u << SEQ_TRAIN | 1u << SEQ_VAL)) || !vocab) {
        if (imdb_split(root, "train", per_class, classes, n_classes, &t, err) != 0) {
            seq_data_free(out);
            return -1;
        }
        take_classes(out, &t);
        split_and_encode(info, &t, 0, want, out);
        seq_textset_free(&t);
    }
    if (want & 1u << SEQ_TEST) {
        if (imdb_split(root, "test", per_class, classes, n_classes, &t, err) != 0) {
            seq_data_free(out);
            return -1;
        }
        if (!out->class_names)
            take_classes(out, &t);
        encode(info, out, &t, NULL, t.n, &out->split[SEQ_TEST]);
        seq_textset_free(&t);
    }
    return 0;
}

static void examples_free(seq_examples *ex)
{
    free(ex->ids);
    free(ex->lengths);
    free(ex->targets);
    free(ex->words);
    free(ex->spellings);
    free(ex->inputs);
    memset(ex, 0, sizeof *ex);
}

int seq_encode_text(const seq_model_info *info, const seq_data *d, char *text, size_t len,
                    int32_t *ids, int32_t *chars)
{
    int32_t label = 0;
    seq_textset t = {.n = 1, .texts = &text, .lens = &len, .labels = &label};
    seq_examples ex;
    memset(&ex, 0, sizeof ex);
    encode(info, d, &t, NULL, 1, &ex);
    memcpy(ids, ex.ids, (size_t)info->seq_len * sizeof *ids);
    if (chars)
        seq_batch_chars(&ex, NULL, 0, 1, chars);
    int n = ex.lengths[0];
    examples_free(&ex);
    return n;
}

void seq_data_free(seq_data *d)
{
    for (int s = 0; s < SEQ_N_SPLITS; s++)
        examples_free(&d->split[s]);
    if (d->owns_vocab)
        seq_vocab_free(d->vocab);
    for (int c = 0; c < d->n_classes; c++)
        free(d->class_names[c]);
    free(d->class_names);
    free(d->class_lines);
    free(d->chars);
    memset(d, 0, sizeof *d);
}

int seq_batch_fill(const seq_examples *ex, const uint32_t *order, size_t first, int batch,
                   int32_t *ids, int32_t *lengths, float *targets, float *inputs)
{
    size_t T = (size_t)ex->seq_len, W = (size_t)ex->target_width;
    size_t X = T * (size_t)ex->n_features; /* a series window's values */
    int n = 0;
    for (; n < batch && first + (size_t)n < ex->n; n++) {
        size_t k = order ? order[first + (size_t)n] : first + (size_t)n;
        if (ex->ids)
            memcpy(ids + (size_t)n * T, ex->ids + k * T, T * sizeof *ids);
        if (ex->inputs)
            memcpy(inputs + (size_t)n * X, ex->inputs + k * X, X * sizeof *inputs);
        lengths[n] = ex->lengths[k];
        memcpy(targets + (size_t)n * W, ex->targets + k * W, W * sizeof *targets);
    }
    if (ex->ids)
        memset(ids + (size_t)n * T, 0, (size_t)(batch - n) * T * sizeof *ids);
    if (ex->inputs)
        memset(inputs + (size_t)n * X, 0, (size_t)(batch - n) * X * sizeof *inputs);
    memset(targets + (size_t)n * W, 0, (size_t)(batch - n) * W * sizeof *targets);
    for (int r = n; r < batch; r++)
        lengths[r] = 0;
    return n;
}

void seq_batch_chars(const seq_examples *ex, const uint32_t *order, size_t first, int batch,
                     int32_t *chars)
{
    size_t T = (size_t)ex->seq_len, W = (size_t)ex->word_len;
    for (int n = 0; n < batch; n++) {
        int32_t *row = chars + (size_t)n * T * W;
        if (first + (size_t)n >= ex->n) { /* a padding row */
            memset(row, 0, T * W * sizeof *row);
            continue;
        }
        size_t k = order ? order[first + (size_t)n] : first + (size_t)n;
        for (size_t t = 0; t < T; t++)
            memcpy(row + t * W, ex->spellings + (size_t)ex->words[k * T + t] * W, W * sizeof *row);
    }
}
