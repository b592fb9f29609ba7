/* dataset.c: what the data kinds share (the kind's own work is its file,
 * kind.h): loading through the kinds' table, fingerprints, batches. */
#include "dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kind.h"

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

unsigned seq_data_flags(const seq_model_info *info)
{
    return seq_data_types[info->data.kind]->flags;
}

int seq_data_has(const seq_model_info *info, unsigned flag)
{
    return (seq_data_flags(info) & flag) != 0;
}

static void copy_chars(const int32_t *chars, int n_chars, seq_data *out)
{
    if (!chars)
        return;
    out->chars = seq_xmalloc((size_t)(n_chars ? n_chars : 1) * sizeof *out->chars);
    memcpy(out->chars, chars, (size_t)n_chars * sizeof *chars);
    out->n_chars = n_chars;
}

int seq_data_load(const seq_model_info *info, const char *root, long limit, unsigned want,
                  seq_vocab *vocab, const int32_t *chars, int n_chars, char *const *classes,
                  int n_classes, seq_data *out, seq_err *err)
{
    memset(out, 0, sizeof *out);
    out->vocab = vocab;
    copy_chars(chars, n_chars, out);
    return seq_data_types[info->data.kind]->load(info, root, limit, want, classes, n_classes, out,
                                                 err);
}

int seq_data_load_test_file(const seq_model_info *info, const char *path, long limit,
                            seq_vocab *vocab, const int32_t *chars, int n_chars,
                            char *const *classes, int n_classes,
                            const seq_series_scale *scale, seq_data *out, seq_err *err)
{
    const seq_data_type *kind = seq_data_types[info->data.kind];
    memset(out, 0, sizeof *out);
    if (!kind->load_test_file)
        return seq_fail(err, "%s: data of kind %s has no test file", path,
                        seq_data_kind_words()[info->data.kind]);
    out->vocab = vocab;
    copy_chars(chars, n_chars, out);
    return kind->load_test_file(info, path, limit, classes, n_classes, scale, out, err);
}

/* ---- fingerprints ---------------------------------------------------------- */

/* Hashes the bytes of the file PATH into H, adding their number to *SIZE. */
int seq_data_hash_file(const char *path, seq_sha256 *h, unsigned long long *size, seq_err *err)
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
    char *abs = absolute_path(root);
    size_t len = strlen(abs);
    if (len < sizeof fp->path)
        memcpy(fp->path, abs, len + 1);
    free(abs);
    if (len >= sizeof fp->path)
        return seq_fail(err, "%s: the path is too long", root);
    seq_sha256 h;
    seq_sha256_init(&h);
    int rc = seq_data_types[info->data.kind]->fingerprint(info, root, &h, &fp->size, err);
    if (rc != 0) { /* 1: generated data, nothing to fingerprint */
        memset(fp, 0, sizeof *fp);
        return rc < 0 ? -1 : 0;
    }
    seq_sha256_final_hex(&h, fp->sha256);
    return 0;
}

/* ---- examples and batches ---------------------------------------------------- */

void seq_examples_free(seq_examples *ex)
{
    free(ex->ids);
    free(ex->lengths);
    free(ex->targets);
    free(ex->words);
    free(ex->spellings);
    free(ex->inputs);
    memset(ex, 0, sizeof *ex);
}

void seq_data_free(seq_data *d)
{
    for (int s = 0; s < SEQ_N_SPLITS; s++)
        seq_examples_free(&d->split[s]);
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
