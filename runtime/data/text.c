/* text.c: the text-classification kind: labelled texts from an aclImdb
 * folder or a CSV file, split, tokenized into word ids (and, for a
 * char_cnn, each word's characters), one example per text. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/rng.h"
#include "kind.h"
#include "textset.h"

/* Stream of the train/validation shuffle, apart from init and training. */
#define SPLIT_STREAM 0x53504c4954ULL

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

static int csv_textset(const seq_model_info *info, const char *path, char *const *classes,
                       int n_classes, seq_textset *t, seq_err *err)
{
    seq_csv_dialect dl = seq_csv_dialect_of(&info->data);
    return seq_csv_textset_as(path, &dl, info->data.text_column, info->data.label_column, classes,
                              n_classes, t, NULL, err);
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

/* aclImdb: train and validation from its train part, test its test part;
 * a CSV: every split from the one file (dataset.h). */
static int text_load(const seq_model_info *info, const char *root, long limit, unsigned want,
                     char *const *classes, int n_classes, seq_data *out, seq_err *err)
{
    seq_vocab *vocab = out->vocab;
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


static int text_load_test_file(const seq_model_info *info, const char *path, long limit,
                               char *const *classes, int n_classes,
                               const seq_series_scale *scale, seq_data *out, seq_err *err)
{
    (void)scale;
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

static int text_fingerprint(const seq_model_info *info, const char *root, seq_sha256 *h,
                            unsigned long long *size, seq_err *err)
{
    return info->data.format == SEQ_FORMAT_ACLIMDB ? hash_imdb_train(root, h, size, err)
                                                   : seq_data_hash_file(root, h, size, err);
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
    seq_examples_free(&ex);
    return n;
}


const seq_data_type seq_data_text_classification = {
    .flags = SEQ_DATA_CLASSES,
    .load = text_load,
    .load_test_file = text_load_test_file,
    .fingerprint = text_fingerprint,
};
