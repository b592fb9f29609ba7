/* char_lm.c: the char-lm kind: one UTF-8 text, its characters as ids, cut
 * into a training and a validation stream, each cut into batch rows whose
 * targets are the next characters (dataset.h). */
#include <stdlib.h>

#include "base/utf8.h"
#include "chars.h"
#include "kind.h"
#include "textset.h"

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
                        char *const *classes, int n_classes, seq_data *out, seq_err *err)
{
    (void)classes, (void)n_classes;
    want &= ~(1u << SEQ_TEST); /* there is no test split */
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

static int char_lm_fingerprint(const seq_model_info *info, const char *root, seq_sha256 *h,
                               unsigned long long *size, seq_err *err)
{
    (void)info;
    return seq_data_hash_file(root, h, size, err);
}

const seq_data_type seq_data_char_lm = {
    .flags = SEQ_DATA_STREAM,
    .load = char_lm_load,
    .fingerprint = char_lm_fingerprint,
};
