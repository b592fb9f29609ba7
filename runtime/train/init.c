/* init.c: Keras' initializers: glorot_uniform, orthogonal, uniform, normal,
 * zeros, ones, and the LSTM's forget-gate bias of 1; an embedding's rows from
 * pre-trained word vectors. Values are drawn in double and rounded once to
 * the build's precision. */
#include "init.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "data/vectors.h"

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Orthonormal rows or columns, as Keras' Orthogonal: QR of a normal matrix
 * with the signs of R's diagonal folded into Q. Q is n x k (n >= k), built by
 * modified Gram-Schmidt in double, then laid out as [rows, cols]. */
static void orthogonal(const seq_tensor_info *t, seq_rng *rng, real *out)
{
    int rows = t->shape[0], cols = t->rank > 1 ? t->shape[1] : 1;
    int n = rows > cols ? rows : cols, k = rows > cols ? cols : rows;
    double *q = seq_xmalloc((size_t)n * k * sizeof *q); /* column j at q + j*n */
    for (size_t i = 0; i < (size_t)n * k; i++)
        q[i] = seq_rng_normal(rng);
    for (int j = 0; j < k; j++) {
        double *qj = q + (size_t)j * n;
        for (int p = 0; p < j; p++) {
            const double *qp = q + (size_t)p * n;
            double dot = 0;
            for (int i = 0; i < n; i++)
                dot += qp[i] * qj[i];
            for (int i = 0; i < n; i++)
                qj[i] -= dot * qp[i];
        }
        double norm = 0;
        for (int i = 0; i < n; i++)
            norm += qj[i] * qj[i];
        norm = sqrt(norm); /* this is R[j][j] > 0: Q's sign already matches */
        for (int i = 0; i < n; i++)
            qj[i] /= norm;
    }
    /* rows >= cols: out[i][j] = Q[i][j]; otherwise out = Q^T */
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            out[(size_t)i * cols + j] =
                (real)(t->scale * (rows >= cols ? q[(size_t)j * n + i] : q[(size_t)i * n + j]));
    free(q);
}

void seq_init_tensor(const seq_tensor_info *t, uint64_t seed, real *params)
{
    seq_rng rng;
    seq_rng_seed(&rng, seed ^ name_hash(t->name));
    real *x = params + t->offset;
    switch (t->init) {
    case SEQ_INIT_ZEROS:
    case SEQ_INIT_ONES:
        for (size_t i = 0; i < t->size; i++)
            x[i] = t->init == SEQ_INIT_ONES;
        break;
    case SEQ_INIT_UNIFORM:
    case SEQ_INIT_FILE: /* the words' rows come later, from seq_init_files */
        for (size_t i = 0; i < t->size; i++)
            x[i] = (real)(t->scale * (2 * seq_rng_uniform(&rng) - 1));
        break;
    case SEQ_INIT_NORMAL:
        for (size_t i = 0; i < t->size; i++)
            x[i] = (real)(t->scale * seq_rng_normal(&rng));
        break;
    case SEQ_INIT_GLOROT_UNIFORM: {
        double limit = sqrt(6.0 / (t->fan_in + t->fan_out));
        for (size_t i = 0; i < t->size; i++)
            x[i] = (real)(limit * (2 * seq_rng_uniform(&rng) - 1));
        break;
    }
    case SEQ_INIT_ORTHOGONAL:
        orthogonal(t, &rng, x);
        break;
    }
    for (int j = 0; j < t->forget_units; j++)
        x[t->forget_units + j] = 1;
}

void seq_init_params(const seq_model_info *info, uint64_t seed, real *params)
{
    for (int i = 0; i < info->n_tensors; i++)
        seq_init_tensor(&info->tensors[i], seed, params);
}

/* Filling an embedding's rows from a vectors file: the vocabulary's words
 * take their first vector. */
typedef struct rows {
    const seq_tensor_info *t;
    const seq_vocab *vocab;
    real *params;
    unsigned char *found; /* [rows] */
    int n_found;
} rows;

static int take_row(const char *word, const double *values, long line, void *ctx, seq_err *err)
{
    rows *r = ctx;
    int32_t id = seq_vocab_id(r->vocab, word, strlen(word));
    (void)line, (void)err;
    if (id < 2 || id >= r->t->shape[0] || r->found[id]) /* not a word of it, or again */
        return 0;
    real *row = r->params + r->t->offset + (size_t)id * (size_t)r->t->shape[1];
    for (int k = 0; k < r->t->shape[1]; k++)
        row[k] = (real)values[k];
    r->found[id] = 1;
    r->n_found++;
    return 0;
}

/* The words of VOCAB (ids 2 ..). */
static int vocab_words(const seq_vocab *vocab)
{
    int n = 0;
    while (n + 2 < seq_vocab_size(vocab) && seq_vocab_word(vocab, n + 2))
        n++;
    return n;
}

static int init_file(const seq_tensor_info *t, const char *spec_dir, const seq_vocab *vocab,
                     real *params, seq_err *err)
{
    if (!vocab)
        return seq_fail(err, "%s: word vectors need the data's word vocabulary", t->name);
    char *path = seq_path_join(spec_dir, t->path);
    rows r = {t, vocab, params, seq_xcalloc((size_t)t->shape[0], 1), 0};
    long n;
    int rc = seq_vectors_scan(path, t->shape[1], take_row, &r, &n, err);
    if (rc == 0)
        fprintf(stderr, "%s: %d of the vocabulary's %d words found in %s (%ld vectors)\n",
                t->name, r.n_found, vocab_words(vocab), path, n);
    free(r.found);
    free(path);
    return rc;
}

int seq_init_files(const seq_model_info *info, const char *spec_dir, const seq_vocab *vocab,
                   real *params, seq_err *err)
{
    for (int i = 0; i < info->n_tensors; i++)
        if (info->tensors[i].init == SEQ_INIT_FILE &&
            init_file(&info->tensors[i], spec_dir, vocab, params, err) != 0)
            return -1;
    return 0;
}
