/* dataset.c: loading, splitting and encoding a spec's data; batching. */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "text.h"

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

seq_tok_config seq_tok_config_of(const seq_data_info *d)
{
    seq_tok_config cfg = {d->lowercase, d->strip_html, (seq_punct)d->punct, d->vocab_size};
    return cfg;
}

static void encode(const seq_model_info *info, const seq_vocab *vocab, const seq_textset *t,
                   const uint32_t *pick, size_t n, seq_examples *out)
{
    seq_tok_config cfg = seq_tok_config_of(&info->data);
    out->n = n;
    out->seq_len = info->seq_len;
    out->ids = seq_xmalloc(n * (size_t)info->seq_len * sizeof *out->ids);
    out->lengths = seq_xmalloc(n * sizeof *out->lengths);
    out->targets = seq_xmalloc(n * sizeof *out->targets);
    for (size_t i = 0; i < n; i++) {
        size_t k = pick ? pick[i] : i;
        out->lengths[i] = seq_tok_encode(&cfg, vocab, t->texts[k], t->lens[k], info->seq_len,
                                         (seq_pad)info->data.padding,
                                         (seq_pad)info->data.truncation,
                                         out->ids + i * (size_t)info->seq_len);
        out->targets[i] = (float)t->labels[k];
    }
}

int seq_data_load(const seq_model_info *info, const char *root, long limit, unsigned want,
                  seq_vocab *vocab, seq_data *out, seq_err *err)
{
    memset(out, 0, sizeof *out);
    out->n_classes = 2;
    out->class_names[0] = "neg";
    out->class_names[1] = "pos";
    out->vocab = vocab;
    size_t per_class = limit > 0 ? (size_t)limit : 0;

    if ((want & (1u << SEQ_TRAIN | 1u << SEQ_VAL)) || !vocab) {
        seq_textset t;
        if (seq_imdb_load(root, "train", per_class, &t, err) != 0)
            return -1;
        uint32_t *order = seq_xmalloc(t.n * sizeof *order);
        for (size_t i = 0; i < t.n; i++)
            order[i] = (uint32_t)i;
        seq_rng rng;
        seq_rng_seed(&rng, info->seed ^ SPLIT_STREAM);
        seq_rng_shuffle(&rng, order, t.n);
        size_t n_val = (size_t)(info->data.validation_split * (double)t.n + 0.5);
        size_t n_train = t.n - n_val;
        if (!vocab) {
            char **texts = seq_xmalloc(n_train * sizeof *texts);
            size_t *lens = seq_xmalloc(n_train * sizeof *lens);
            for (size_t i = 0; i < n_train; i++) {
                texts[i] = t.texts[order[i]];
                lens[i] = t.lens[order[i]];
            }
            seq_tok_config cfg = seq_tok_config_of(&info->data);
            out->vocab = seq_vocab_build(&cfg, texts, lens, n_train);
            out->owns_vocab = 1;
            free(texts);
            free(lens);
        }
        if (want & 1u << SEQ_TRAIN)
            encode(info, out->vocab, &t, order, n_train, &out->split[SEQ_TRAIN]);
        if (want & 1u << SEQ_VAL)
            encode(info, out->vocab, &t, order + n_train, n_val, &out->split[SEQ_VAL]);
        free(order);
        seq_textset_free(&t);
    }
    if (want & 1u << SEQ_TEST) {
        seq_textset t;
        if (seq_imdb_load(root, "test", per_class, &t, err) != 0) {
            seq_data_free(out);
            return -1;
        }
        encode(info, out->vocab, &t, NULL, t.n, &out->split[SEQ_TEST]);
        seq_textset_free(&t);
    }
    return 0;
}

void seq_data_free(seq_data *d)
{
    for (int s = 0; s < SEQ_N_SPLITS; s++) {
        free(d->split[s].ids);
        free(d->split[s].lengths);
        free(d->split[s].targets);
    }
    if (d->owns_vocab)
        seq_vocab_free(d->vocab);
    memset(d, 0, sizeof *d);
}

int seq_batch_fill(const seq_examples *ex, const uint32_t *order, size_t first, int batch,
                   int32_t *ids, int32_t *lengths, float *targets)
{
    size_t T = (size_t)ex->seq_len;
    int n = 0;
    for (; n < batch && first + (size_t)n < ex->n; n++) {
        size_t k = order ? order[first + (size_t)n] : first + (size_t)n;
        memcpy(ids + (size_t)n * T, ex->ids + k * T, T * sizeof *ids);
        lengths[n] = ex->lengths[k];
        targets[n] = ex->targets[k];
    }
    memset(ids + (size_t)n * T, 0, (size_t)(batch - n) * T * sizeof *ids);
    for (int r = n; r < batch; r++) {
        lengths[r] = 0;
        targets[r] = 0;
    }
    return n;
}
