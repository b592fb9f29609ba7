/* csv.c: RFC 4180 CSV (or another delimiter), parsed in one pass over the
 * file's bytes. */
#include "csv.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

/* Fields are unescaped over the text itself: an unescaped field is never
 * longer than its raw form plus the comma or line break after it, so writes
 * never overtake reads, and a 100 MB file needs no second 100 MB copy. */
typedef struct parser {
    const char *name;
    char *buf;        /* LEN bytes, then a NUL that marks the end */
    size_t len, pos;  /* the next byte to read */
    size_t out;       /* the next byte to write */
    size_t line;      /* 1-based line of buf[pos] */
    seq_err *err;
    char delim;       /* the field separator */
} parser;

const seq_csv_dialect seq_csv_rfc4180 = {',', 1};

/* "a comma", "a tab", ... for messages. */
static const char *delimiter_name(char delim)
{
    switch (delim) {
    case ',': return "a comma";
    case '\t': return "a tab";
    case ';': return "a semicolon";
    case '|': return "a '|'";
    default: return "the delimiter";
    }
}

typedef struct ptr_list {
    char **items;
    size_t n, cap;
} ptr_list;

/* Makes room in ITEMS (*CAP elements of SIZE bytes) for element N. */
static void *grow(void *items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return items;
    *cap = *cap ? 2 * *cap : 64;
    return seq_xrealloc(items, *cap * size);
}

static void ptr_list_push(ptr_list *l, char *s)
{
    l->items = grow(l->items, &l->cap, l->n, sizeof *l->items);
    l->items[l->n++] = s;
}

/* Whether buf[pos] ends a field: the delimiter, LF, CRLF or the end of the text. */
static int at_field_end(const parser *p)
{
    char ch = p->buf[p->pos];
    return ch == p->delim || ch == '\n' || (ch == '\r' && p->buf[p->pos + 1] == '\n') ||
           p->pos == p->len;
}

static int fail_nul(const parser *p)
{
    return seq_fail(p->err, "%s:%zu: NUL byte (expected UTF-8 text)", p->name, p->line);
}

/* Copies the unquoted field at pos to out; *HIGH collects its bytes' top bits. */
static int unquoted_field(parser *p, unsigned *high)
{
    char *b = p->buf;
    for (;; p->pos++) {
        unsigned char ch = (unsigned char)b[p->pos];
        /* in a tab-separated file a quote inside a field is text: He said "no" */
        if (ch >= 0x20 && (ch != '"' || p->delim == '\t') && ch != (unsigned char)p->delim) {
            *high |= ch;
            b[p->out++] = (char)ch;
            continue;
        }
        if (at_field_end(p))
            return 0;
        if (ch == '"')
            return seq_fail(p->err,
                            "%s:%zu: quote inside an unquoted field (a field holding quotes "
                            "must be in quotes itself, each inner quote doubled: \"a \"\"b\"\"\")",
                            p->name, p->line);
        if (ch == '\r')
            return seq_fail(p->err,
                            "%s:%zu: carriage return without a line feed outside quotes "
                            "(rows must end in CRLF or LF)",
                            p->name, p->line);
        if (ch == '\0')
            return fail_nul(p);
        b[p->out++] = (char)ch; /* tabs (unless the delimiter) and other control characters are data */
    }
}

/* Copies the quoted field whose opening quote is at pos to out, undoubling quotes. */
static int quoted_field(parser *p, unsigned *high)
{
    char *b = p->buf;
    size_t open_line = p->line;
    for (p->pos++;; p->pos++) {
        unsigned char ch = (unsigned char)b[p->pos];
        if (ch == '"') {
            if (b[p->pos + 1] != '"')
                break;
            p->pos++;
        } else if (ch == '\0') {
            if (p->pos == p->len)
                return seq_fail(p->err,
                                "%s:%zu: quoted field never closed (it opens on this line; "
                                "expected a closing quote before the end of the file)",
                                p->name, open_line);
            return fail_nul(p);
        }
        p->line += ch == '\n';
        *high |= ch;
        b[p->out++] = (char)ch;
    }
    p->pos++;
    if (!at_field_end(p))
        return seq_fail(p->err,
                        "%s:%zu: text after the closing quote of a field (expected %s "
                        "or the end of the line; a quote inside quotes is written \"\")",
                        p->name, p->line, delimiter_name(p->delim));
    return 0;
}

/* Steps over the delimiter or line break at pos; returns 1 if it ended the row. */
static int step_over_field_end(parser *p)
{
    char ch = p->buf[p->pos];
    if (ch == p->delim) {
        p->pos++;
        return 0;
    }
    if (p->pos < p->len) {
        p->pos += ch == '\r' ? 2 : 1;
        p->line++;
    }
    return 1;
}

/* Reads one field into *FIELD (NUL-terminated, in buf); *ENDS_ROW says
 * whether it was the last of its row. */
static int parse_field(parser *p, char **field, int *ends_row)
{
    size_t start = p->out, start_line = p->line;
    unsigned high = 0;
    int rc = p->buf[p->pos] == '"' ? quoted_field(p, &high) : unquoted_field(p, &high);
    if (rc != 0)
        return rc;
    size_t bad_line;
    /* ASCII is valid UTF-8, so only fields with high bytes need the check. */
    if ((high & 0x80) && !seq_utf8_valid(p->buf + start, p->out - start, &bad_line))
        return seq_fail(p->err, "%s:%zu: invalid UTF-8 (expected UTF-8 text)", p->name,
                        start_line + bad_line - 1);
    /* The terminating NUL may land on the separator, so step over that first. */
    *ends_row = step_over_field_end(p);
    p->buf[p->out++] = '\0';
    *field = p->buf + start;
    return 0;
}

/* Appends the fields of the row at pos to FIELDS. */
static int parse_row(parser *p, ptr_list *fields)
{
    int ends_row = 0;
    while (!ends_row) {
        char *field = NULL;
        if (parse_field(p, &field, &ends_row) != 0)
            return -1;
        ptr_list_push(fields, field);
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Column names must be unique and non-empty for lookups by name to mean anything.
 * Sorting finds duplicates without quadratic time on very wide headers. */
static int check_header(const char *name, char **cols, size_t n, seq_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (cols[i][0] == '\0')
            return seq_fail(err,
                            "%s:1: empty column name (column %zu; every column needs a name)",
                            name, i + 1);
    char **sorted = seq_xmalloc(n * sizeof *sorted);
    memcpy(sorted, cols, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_names);
    const char *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            dup = sorted[i];
    free(sorted);
    if (!dup)
        return 0;
    size_t first = 0, second;
    while (strcmp(cols[first], dup) != 0)
        first++;
    for (second = first + 1; strcmp(cols[second], dup) != 0; second++)
        ;
    return seq_fail(err,
                    "%s:1: duplicate column name \"%s\" (columns %zu and %zu; names must be "
                    "unique)", name, dup, first + 1, second + 1);
}

/* Column names "0", "1", ... for a file without a header row, in one block
 * (*BLOCK) that N names point into. */
static char **numbered_columns(size_t n, char **block)
{
    char **names = seq_xmalloc((n ? n : 1) * sizeof *names);
    *block = seq_xmalloc(n * 21 + 1);
    char *at = *block;
    for (size_t i = 0; i < n; i++) {
        names[i] = at;
        at += sprintf(at, "%zu", i) + 1;
    }
    return names;
}

/* Parses BUF (LEN bytes and a NUL), which it takes over and keeps as the
 * block holding every string of OUT. */
static int parse_owned(const char *name, char *buf, size_t len, const seq_csv_dialect *d,
                       seq_csv *out, seq_err *err)
{
    memset(out, 0, sizeof *out);
    if (!d)
        d = &seq_csv_rfc4180;
    parser p = {name, buf, len, 0, 0, 1, err, d->delimiter};
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    if (p.pos == len) {
        free(buf);
        return seq_fail(err, "%s: empty file (expected %s)", name,
                        d->header ? "a header row of column names" : "rows of fields");
    }
    ptr_list header = {0}, cells = {0};
    size_t *lines = NULL, n_rows = 0, lines_cap = 0, n_cols = 0;
    char *names_block = NULL;
    int rc = 0;
    if (d->header) {
        rc = parse_row(&p, &header);
        if (rc == 0)
            rc = check_header(name, header.items, header.n, err);
        n_cols = header.n;
    }
    while (rc == 0 && p.pos < len) {
        size_t line = p.line, first = cells.n;
        int empty_line = buf[p.pos] == '\n' || (buf[p.pos] == '\r' && buf[p.pos + 1] == '\n');
        rc = parse_row(&p, &cells);
        size_t got = cells.n - first;
        if (rc == 0 && n_rows == 0 && !d->header)
            n_cols = got; /* the first row sets the width */
        if (rc == 0 && got != n_cols && empty_line)
            rc = seq_fail(err, "%s:%zu: empty line (expected a row of %zu fields; only a "
                          "one-column file may have empty lines)", name, line, n_cols);
        else if (rc == 0 && got != n_cols)
            rc = seq_fail(err, "%s:%zu: row has %zu field%s, the %s has %zu%s%s%s", name, line,
                          got, got == 1 ? "" : "s", d->header ? "header" : "first row", n_cols,
                          d->delimiter == ',' ? "" : " (fields are separated by ",
                          d->delimiter == ',' ? "" : delimiter_name(d->delimiter),
                          d->delimiter == ',' ? "" : ")");
        if (rc == 0) {
            lines = grow(lines, &lines_cap, n_rows, sizeof *lines);
            lines[n_rows++] = line;
        }
    }
    if (rc == 0 && !d->header && n_rows == 0)
        rc = seq_fail(err, "%s: empty file (expected rows of fields)", name);
    if (rc != 0) {
        free(buf);
        free(header.items);
        free(cells.items);
        free(lines);
        return -1;
    }
    out->n_rows = n_rows;
    out->n_cols = n_cols;
    out->header = d->header ? header.items : numbered_columns(n_cols, &names_block);
    out->headerless = !d->header;
    out->block = buf;
    out->names_block = names_block;
    out->cells = cells.items;
    out->lines = lines;
    return 0;
}

int seq_csv_parse_as(const char *name_for_errors, const char *text, size_t len,
                     const seq_csv_dialect *d, seq_csv *out, seq_err *err)
{
    return parse_owned(name_for_errors, seq_xstrndup(len ? text : "", len), len, d, out, err);
}

int seq_csv_parse(const char *name_for_errors, const char *text, size_t len, seq_csv *out,
                  seq_err *err)
{
    return seq_csv_parse_as(name_for_errors, text, len, NULL, out, err);
}

int seq_csv_read_as(const char *path, const seq_csv_dialect *d, seq_csv *out, seq_err *err)
{
    char *data;
    size_t len;
    memset(out, 0, sizeof *out);
    if (seq_read_file(path, &data, &len, err) != 0)
        return -1;
    return parse_owned(path, data, len, d, out, err);
}

int seq_csv_read(const char *path, seq_csv *out, seq_err *err)
{
    return seq_csv_read_as(path, NULL, out, err);
}

int seq_csv_column(const seq_csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_cols; i++)
        if (strcmp(c->header[i], name) == 0)
            return (int)i;
    return -1;
}

int seq_csv_require_column(const seq_csv *c, const char *path, const char *name, seq_err *err)
{
    int col = seq_csv_column(c, name);
    if (col >= 0)
        return col;
    if (c->headerless)
        return seq_fail(err, "%s: no column %s (the file has no header row; its rows have %zu "
                        "fields, columns 0 to %zu)", path, name, c->n_cols, c->n_cols - 1);
    seq_buf names = {0};
    for (size_t i = 0; i < c->n_cols; i++)
        seq_buf_printf(&names, "%s\"%s\"", i ? ", " : "", c->header[i]);
    seq_fail(err, "%s: no column \"%s\" (the columns are: %s)", path, name,
             names.data ? names.data : "none");
    seq_buf_free(&names);
    return -1;
}

const char *seq_csv_cell(const seq_csv *c, size_t row, int col)
{
    if (row >= c->n_rows || col < 0 || (size_t)col >= c->n_cols)
        return NULL;
    return c->cells[row * c->n_cols + (size_t)col];
}

void seq_csv_free(seq_csv *c)
{
    free(c->block);
    free(c->names_block);
    free(c->header);
    free(c->cells);
    free(c->lines);
    memset(c, 0, sizeof *c);
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static size_t digits(const char *s)
{
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

/* The length of the decimal number at S: [+-] digits [. digits] [e [+-]
 * digits], digits on at least one side of the point; 0 if there is none. */
static size_t decimal_length(const char *s)
{
    size_t i = (s[0] == '+' || s[0] == '-'), whole = digits(s + i), frac = 0;
    i += whole;
    if (s[i] == '.') {
        frac = digits(s + i + 1);
        i += 1 + frac;
    }
    if (whole + frac == 0)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t sign = s[i + 1] == '+' || s[i + 1] == '-', exp = digits(s + i + 1 + sign);
        if (exp)
            i += 1 + sign + exp;
    }
    return i;
}

size_t seq_decimal(const char *s, double *value)
{
    size_t n = decimal_length(s);
    if (n == 0)
        return 0;
    char *end;
    *value = strtod(s, &end); /* the C locale's grammar: it stops where ours does */
    return end == s + n ? n : 0;
}

/* Parses all of S, spaces around it allowed, as a finite decimal number. */
static int parse_number(const char *s, double *value)
{
    while (is_blank(*s))
        s++;
    size_t n = seq_decimal(s, value);
    if (n == 0)
        return 0;
    s += n;
    while (is_blank(*s))
        s++;
    return *s == '\0' && isfinite(*value);
}

int seq_csv_numbers(const seq_csv *c, const char *path, const char *column, double **values,
                    seq_err *err)
{
    *values = NULL;
    int col = seq_csv_require_column(c, path, column, err);
    if (col < 0)
        return -1;
    double *v = seq_xmalloc(c->n_rows * sizeof *v);
    for (size_t r = 0; r < c->n_rows; r++) {
        const char *cell = seq_csv_cell(c, r, col);
        if (!parse_number(cell, &v[r])) {
            free(v);
            return seq_fail(err, "%s:%zu: column \"%s\": \"%.80s\" is not a finite number "
                            "(expected a decimal number such as 1.5 or -2e3)",
                            path, c->lines[r], column, cell);
        }
        if (fabs(v[r]) > FLT_MAX) {
            free(v);
            return seq_fail(err, "%s:%zu: column \"%s\": %.80s is too large for a float "
                            "(at most %.3g in magnitude)", path, c->lines[r], column, cell,
                            (double)FLT_MAX);
        }
    }
    *values = v;
    return 0;
}
