/* vectors.c: the GloVe / word2vec text format (see vectors.h), read line by
 * line so that a large file is never held whole. */
#include "vectors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

typedef struct reader {
    const char *path;
    const seq_vocab *vocab;
    int dim;
    seq_vectors *out;
    char **field;     /* dim + 1 fields of the current line */
    double *scratch;  /* the values of a word not kept */
    long line;
    long declared;    /* the header's COUNT, or -1 */
    seq_err *err;
} reader;

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Splits S at blanks in place; stores at most MAX fields and returns how
 * many there are. */
static int split_fields(char *s, char **field, int max)
{
    int n = 0;
    for (;;) {
        while (is_blank(*s))
            s++;
        if (!*s)
            return n;
        if (n < max)
            field[n] = s;
        n++;
        while (*s && !is_blank(*s))
            s++;
        if (*s)
            *s++ = '\0';
    }
}

static int is_count(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* word2vec's "COUNT DIM" first line. */
static int take_header(reader *r)
{
    long dim = strtol(r->field[1], NULL, 10);
    if (dim != r->dim)
        return seq_fail(r->err, "%s:%ld: the header \"%s %s\" gives vectors of %s values, but the "
                        "embedding's output_dim is %d", r->path, r->line, r->field[0],
                        r->field[1], r->field[1], r->dim);
    r->declared = strtol(r->field[0], NULL, 10);
    return 0;
}

/* A word and its DIM values: kept in the word's row when the word is in the
 * vocabulary and not seen before. */
static int take_vector(reader *r, int n)
{
    const char *word = r->field[0];
    if (n - 1 != r->dim)
        return seq_fail(r->err, "%s:%ld: \"%.60s\" has %d value%s, but the embedding's output_dim "
                        "is %d", r->path, r->line, word, n - 1, n == 2 ? "" : "s", r->dim);
    seq_vectors *v = r->out;
    int32_t id = seq_vocab_id(r->vocab, word, strlen(word));
    int keep = id >= 2 && id < v->rows && !v->found[id]; /* a duplicate: the first wins */
    double *to = keep ? v->values + (size_t)id * (size_t)r->dim : r->scratch;
    for (int k = 0; k < r->dim; k++) {
        const char *s = r->field[k + 1];
        char *end;
        to[k] = strtod(s, &end);
        if (end == s || *end || !isfinite(to[k]))
            return seq_fail(r->err, "%s:%ld: value %d of \"%.60s\" is not a finite number: "
                            "\"%.40s\"", r->path, r->line, k + 1, word, s);
    }
    if (keep) {
        v->found[id] = 1;
        v->n_found++;
    }
    v->n_lines++;
    return 0;
}

static int take_line(reader *r, char *line, size_t len)
{
    size_t bad;
    if (memchr(line, '\0', len))
        return seq_fail(r->err, "%s:%ld: NUL byte (expected a text file of word vectors)",
                        r->path, r->line);
    if (!seq_utf8_valid(line, len, &bad))
        return seq_fail(r->err, "%s:%ld: invalid UTF-8 (expected a text file of word vectors)",
                        r->path, r->line);
    int n = split_fields(line, r->field, r->dim + 1);
    if (n == 0)
        return 0;
    if (r->line == 1 && n == 2 && is_count(r->field[0]) && is_count(r->field[1]))
        return take_header(r);
    return take_vector(r, n);
}

/* After the last line: some vectors, as many as a header declared. */
static int check_end(const reader *r)
{
    const seq_vectors *v = r->out;
    if (v->n_lines == 0)
        return seq_fail(r->err, "%s: no word vectors (expected lines of a word and its %d "
                        "numbers)", r->path, r->dim);
    if (r->declared >= 0 && r->declared != v->n_lines)
        return seq_fail(r->err, "%s: the header declares %ld vectors, but the file holds %ld",
                        r->path, r->declared, v->n_lines);
    return 0;
}

static int read_lines(reader *r, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (errno = 0, len = getline(&line, &cap, f)) >= 0) {
        r->line++;
        rc = take_line(r, line, (size_t)len);
    }
    int saved = errno;
    free(line);
    if (rc == 0 && ferror(f))
        rc = seq_fail(r->err, "%s: cannot read: %s", r->path, strerror(saved));
    return rc ? rc : check_end(r);
}

int seq_vectors_read(const char *path, const seq_vocab *vocab, int dim, seq_vectors *out,
                     seq_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return seq_fail(err, "%s: cannot open: %s", path, strerror(errno));
    out->rows = seq_vocab_size(vocab);
    out->dim = dim;
    out->values = seq_xcalloc((size_t)out->rows * (size_t)dim + 1, sizeof *out->values);
    out->found = seq_xcalloc((size_t)out->rows, 1);
    while (out->n_words + 2 < out->rows && seq_vocab_word(vocab, out->n_words + 2))
        out->n_words++;
    reader r = {path, vocab, dim, out, seq_xmalloc((size_t)(dim + 1) * sizeof(char *)),
                seq_xmalloc((size_t)dim * sizeof(double) + 1), 0, -1, err};
    int rc = read_lines(&r, f);
    fclose(f);
    free(r.field);
    free(r.scratch);
    if (rc != 0)
        seq_vectors_free(out);
    return rc;
}

void seq_vectors_free(seq_vectors *v)
{
    free(v->values);
    free(v->found);
    memset(v, 0, sizeof *v);
}
