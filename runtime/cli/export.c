/* export.c: the export template filled in (export.h; the template's tags
 * and directives are seqcc's compiler/export.h). */
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PER_LINE = 8 };

float seq_q8_scale(const float *w, size_t rows, size_t cols, size_t c)
{
    float max = 0;
    for (size_t r = 0; r < rows; r++)
        max = fabsf(w[r * cols + c]) > max ? fabsf(w[r * cols + c]) : max;
    return max > 0 ? max / 127.0f : 1.0f;
}

int seq_q8_value(float w, float scale)
{
    long q = lrint((double)w / (double)scale);
    return q > 127 ? 127 : q < -127 ? -127 : (int)q;
}

/* V as a C float constant that reads back as V: "0.5f", "1.0f", "-2e-05f". */
static void put_float(seq_buf *out, float v)
{
    char s[40];
    snprintf(s, sizeof s, "%.9g", (double)v);
    seq_buf_puts(out, s);
    if (!strpbrk(s, ".e"))
        seq_buf_puts(out, ".0");
    seq_buf_puts(out, "f");
}

/* Values, PER_LINE a line, each followed by a comma. */
typedef struct row_writer {
    seq_buf *out;
    size_t n;
} row_writer;

static void row_next(row_writer *w)
{
    seq_buf_puts(w->out, w->n % PER_LINE == 0 ? "    " : " ");
}

static void row_end(row_writer *w)
{
    w->n++;
    seq_buf_puts(w->out, w->n % PER_LINE == 0 ? ",\n" : ",");
}

static void row_close(row_writer *w)
{
    if (w->n % PER_LINE)
        seq_buf_puts(w->out, "\n");
}

/* @values, @q8 or @scales of tensor T (export.h); returns the bytes of
 * weights it writes. */
static size_t put_tensor(seq_buf *out, const char *what, const seq_tensor_info *t,
                         const float *params)
{
    const float *w = params + t->offset;
    size_t cols = (size_t)t->shape[t->rank - 1], rows = t->size / cols;
    char shape[64];
    int len = 0;
    for (int i = 0; i < t->rank; i++)
        len += snprintf(shape + len, sizeof shape - (size_t)len, "%s%d", i ? ", " : "", t->shape[i]);
    row_writer r = {out, 0};
    if (strcmp(what, "values") == 0) {
        seq_buf_printf(out, "    /* %s [%s] */\n", t->name, shape);
        for (size_t i = 0; i < t->size; i++) {
            row_next(&r);
            put_float(out, w[i]);
            row_end(&r);
        }
    } else if (strcmp(what, "scales") == 0) {
        seq_buf_printf(out, "    /* %s: the scales of its %zu columns */\n", t->name, cols);
        for (size_t c = 0; c < cols; c++) {
            row_next(&r);
            put_float(out, seq_q8_scale(w, rows, cols, c));
            row_end(&r);
        }
    } else {
        float *scale = seq_xmalloc(cols * sizeof *scale);
        for (size_t c = 0; c < cols; c++)
            scale[c] = seq_q8_scale(w, rows, cols, c);
        seq_buf_printf(out, "    /* %s [%s] */\n", t->name, shape);
        for (size_t i = 0; i < t->size; i++) {
            row_next(&r);
            seq_buf_printf(out, "%d", seq_q8_value(w[i], scale[i % cols]));
            row_end(&r);
        }
        free(scale);
    }
    row_close(&r);
    return strcmp(what, "q8") == 0 ? t->size : 4 * (strcmp(what, "scales") == 0 ? cols : t->size);
}

typedef struct word {
    const char *s;
    size_t len;
    int32_t id;
} word;

static int by_bytes(const void *a, const void *b)
{
    const word *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* @vocab: the words in byte order, for a binary search. */
static void put_vocab(seq_buf *out, const seq_vocab *v)
{
    size_t n = 0;
    while (seq_vocab_word(v, (int)n + 2))
        n++;
    word *w = seq_xmalloc((n ? n : 1) * sizeof *w);
    for (size_t i = 0; i < n; i++) {
        w[i].s = seq_vocab_word(v, (int)i + 2);
        w[i].len = strlen(w[i].s);
        w[i].id = (int32_t)i + 2;
    }
    qsort(w, n, sizeof *w, by_bytes);
    seq_buf_printf(out, "\nenum { VOCAB_WORDS = %zu };\n\n/* The words' bytes, in byte order. */\n"
                        "static const unsigned char vocab_bytes[] = {\n", n);
    row_writer r = {out, 0};
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < w[i].len; k++, total++) {
            row_next(&r);
            seq_buf_printf(out, "%u", (unsigned char)w[i].s[k]);
            row_end(&r);
        }
    if (total == 0) {
        row_next(&r);
        seq_buf_puts(out, "0");
        row_end(&r);
    }
    row_close(&r);
    seq_buf_puts(out, "};\n\n/* Word k is vocab_bytes[vocab_start[k], vocab_start[k + 1]). */\n"
                      "static const uint32_t vocab_start[] = {\n");
    r.n = 0;
    total = 0;
    for (size_t i = 0; i <= n; i++) {
        row_next(&r);
        seq_buf_printf(out, "%zu", total);
        row_end(&r);
        total += i < n ? w[i].len : 0;
    }
    row_close(&r);
    seq_buf_puts(out, "};\n\n/* Word k's id. */\nstatic const int32_t vocab_id[] = {\n");
    r.n = 0;
    for (size_t i = 0; i < (n ? n : 1); i++) {
        row_next(&r);
        seq_buf_printf(out, "%d", n ? (int)w[i].id : 1);
        row_end(&r);
    }
    row_close(&r);
    seq_buf_puts(out, "};\n");
    free(w);
}

static void put_chars(seq_buf *out, const int32_t *chars, int n)
{
    seq_buf_printf(out, "\nenum { N_CHARS = %d };\n\n/* Character id k + 1's code point. */\n"
                        "static const uint32_t chars_table[] = {\n", n);
    row_writer r = {out, 0};
    for (int i = 0; i < (n ? n : 1); i++) {
        row_next(&r);
        seq_buf_printf(out, "%ldu", n ? (long)chars[i] : 0L);
        row_end(&r);
    }
    row_close(&r);
    seq_buf_puts(out, "};\n");
}

static void put_classes(seq_buf *out, const char *classes)
{
    seq_buf_puts(out, "\n/* The classes' names, as the data spells them. */\n"
                      "static const char *const class_names[] = {\n");
    for (const char *p = classes ? classes : ""; *p;) {
        size_t len = strcspn(p, "\n");
        seq_buf_puts(out, "    ");
        seq_buf_cstring(out, p, len);
        seq_buf_puts(out, ",\n");
        p += len + (p[len] == '\n');
    }
    seq_buf_puts(out, "};\n");
}

static void put_scale(seq_buf *out, const seq_series_scale *sc)
{
    seq_buf_printf(out, "\n/* Each feature is fed as (x - mean) / std; the forecast is the feature\n"
                        " * SCALE_TARGET's. */\nenum { SCALE_TARGET = %d };\n", sc->target);
    for (int k = 0; k < 2; k++) {
        seq_buf_printf(out, "static const float scale_%s[] = {", k ? "std" : "mean");
        for (int f = 0; f < sc->n_features; f++) {
            seq_buf_puts(out, f ? ", " : "");
            put_float(out, (float)(k ? sc->std[f] : sc->mean[f]));
        }
        seq_buf_puts(out, "};\n");
    }
}

/* The line's tag kept or dropped: 1 if it stays, with *LINE past the tag. */
static int keep_tagged(const char **line, const seq_export_options *o)
{
    static const struct {
        const char *tag;
        int int8, tokenizer; /* -1: either */
    } tags[] = {{"@f32 ", 0, -1}, {"@int8 ", 1, -1}, {"@text ", -1, 1}};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        size_t n = strlen(tags[i].tag);
        if (strncmp(*line, tags[i].tag, n) != 0)
            continue;
        *line += n;
        if ((tags[i].int8 >= 0 && tags[i].int8 != o->int8) ||
            (tags[i].tokenizer >= 0 && tags[i].tokenizer != o->tokenizer))
            return 0;
        return keep_tagged(line, o);
    }
    return 1;
}

/* LINES with the tags and directives done, into OUT; *BYTES counts the
 * weights' bytes. */
static int fill(const char *const *lines, const seq_export_in *in, const seq_export_options *o,
                seq_buf *out, size_t *bytes, seq_err *err)
{
    for (int i = 0; lines[i]; i++) {
        const char *line = lines[i];
        if (!keep_tagged(&line, o))
            continue;
        if (line[0] != '@') {
            seq_buf_printf(out, "%s\n", line);
            continue;
        }
        char what[16] = {0};
        const char *arg = strchr(line, ' ');
        snprintf(what, sizeof what, "%.*s", (int)((arg ? arg : line + strlen(line)) - line - 1), line + 1);
        if (arg) {
            const seq_tensor_info *t = seq_tensor_named(in->info, arg + 1);
            if (!t)
                return seq_fail(err, "the export template names a tensor %s that %s lacks", arg + 1,
                                in->info->name);
            *bytes += put_tensor(out, what, t, in->params);
        } else if (strcmp(what, "vocab") == 0) {
            put_vocab(out, in->vocab);
        } else if (strcmp(what, "chars") == 0) {
            put_chars(out, in->chars, in->n_chars);
        } else if (strcmp(what, "classes") == 0) {
            put_classes(out, in->classes);
        } else if (strcmp(what, "scale") == 0) {
            put_scale(out, in->scale);
        } else if (strcmp(what, "checkpoint") == 0) {
            const char *base = strrchr(in->checkpoint, '/');
            seq_buf_printf(out, " * From the checkpoint %s (step %ld).\n",
                           base ? base + 1 : in->checkpoint, in->step);
        } else {
            return seq_fail(err, "the export template has an unknown directive %s", line);
        }
    }
    return 0;
}

int seq_export_write(const seq_export_in *in, const seq_export_options *o, const char *dir,
                     size_t *bytes, seq_err *err)
{
    const seq_model_info *info = in->info;
    if (!info->export_header || !info->export_source)
        return seq_fail(err, "%s was compiled without an export template", info->name);
    seq_buf h = {0}, c = {0};
    char *hpath = NULL, *cpath = NULL;
    int rc = -1, had_header = 0;
    *bytes = 0;
    if (fill(info->export_header, in, o, &h, bytes, err) != 0 ||
        fill(info->export_source, in, o, &c, bytes, err) != 0)
        goto done;
    if (seq_mkdirs(dir, err) != 0)
        goto done;
    seq_buf name = {0};
    seq_buf_printf(&name, "%s_infer.h", info->name);
    hpath = seq_path_join(dir, name.data);
    name.data[name.len - 1] = 'c';
    cpath = seq_path_join(dir, name.data);
    seq_buf_free(&name);
    had_header = access(hpath, F_OK) == 0;
    if (seq_write_file_atomic(hpath, h.data, h.len, err) != 0)
        goto done;
    if (seq_write_file_atomic(cpath, c.data, c.len, err) != 0) {
        if (!had_header) /* nothing half-written: the header goes too */
            unlink(hpath);
        goto done;
    }
    rc = 0;
done:
    free(hpath);
    free(cpath);
    seq_buf_free(&h);
    seq_buf_free(&c);
    return rc;
}
