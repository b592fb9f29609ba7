/* vectors.c: the GloVe / word2vec text format (see vectors.h), read line by
 * line so that a large file is never held whole. */
#include "vectors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

typedef struct reader {
    const char *path;
    int dim;
    seq_vectors_fn fn;
    void *ctx;
    char **field;    /* dim + 1 fields of the current line */
    double *values;  /* the current line's */
    long line;
    long declared;   /* the header's COUNT, or -1 */
    long n;          /* vectors so far */
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

/* A word and its DIM values, passed on. */
static int take_vector(reader *r, int n)
{
    const char *word = r->field[0];
    if (n - 1 != r->dim)
        return seq_fail(r->err, "%s:%ld: \"%.60s\" has %d value%s, but the embedding's output_dim "
                        "is %d", r->path, r->line, word, n - 1, n == 2 ? "" : "s", r->dim);
    for (int k = 0; k < r->dim; k++) {
        const char *s = r->field[k + 1];
        char *end;
        r->values[k] = strtod(s, &end);
        if (end == s || *end || !isfinite(r->values[k]))
            return seq_fail(r->err, "%s:%ld: value %d of \"%.60s\" is not a finite number: "
                            "\"%.40s\"", r->path, r->line, k + 1, word, s);
    }
    r->n++;
    return r->fn ? r->fn(word, r->values, r->line, r->ctx, r->err) : 0;
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
    if (r->n == 0)
        return seq_fail(r->err, "%s: no word vectors (expected lines of a word and its %d "
                        "numbers)", r->path, r->dim);
    if (r->declared >= 0 && r->declared != r->n)
        return seq_fail(r->err, "%s: the header declares %ld vectors, but the file holds %ld",
                        r->path, r->declared, r->n);
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

int seq_vectors_scan(const char *path, int dim, seq_vectors_fn fn, void *ctx, long *n,
                     seq_err *err)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return seq_fail(err, "%s: cannot open: %s", path, strerror(errno));
    reader r = {path, dim, fn, ctx, seq_xmalloc((size_t)(dim + 1) * sizeof(char *)),
                seq_xmalloc((size_t)dim * sizeof(double) + 1), 0, -1, 0, err};
    int rc = read_lines(&r, f);
    fclose(f);
    free(r.field);
    free(r.values);
    *n = r.n;
    return rc;
}
