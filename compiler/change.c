/* change.c: what a regeneration changes, in the model's terms, for the
 * reviewer of a --check failure: layers (output shape, parameters), total
 * parameters, arena sizes and generated lines, read from the comments and
 * tables of the committed files and of the fresh ones. */
#include "change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One fact: "layer lstm (LSTM)" -> "(None, 64); 24832 params". */
typedef struct fact {
    char key[96], value[96];
} fact;

typedef struct facts {
    fact *f;
    int n, cap;
} facts;

static void add(facts *fs, const char *key, size_t key_len, const char *value, size_t value_len)
{
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? 2 * fs->cap : 32;
        fs->f = seq_xrealloc(fs->f, (size_t)fs->cap * sizeof *fs->f);
    }
    fact *f = &fs->f[fs->n++];
    snprintf(f->key, sizeof f->key, "%.*s", (int)key_len, key);
    snprintf(f->value, sizeof f->value, "%.*s", (int)value_len, value);
}

static const char *find(const facts *fs, const char *key)
{
    for (int i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].key, key) == 0)
            return fs->f[i].value;
    return NULL;
}

/* S[from, from + n) with the spaces around it cut. */
static void trimmed(const char *s, size_t len, size_t from, size_t n, const char **out,
                    size_t *out_len)
{
    if (from > len)
        from = len;
    if (n > len - from)
        n = len - from;
    s += from;
    while (n && *s == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    *out = s;
    *out_len = n;
}

/* A summary table row, as NAME_info.c quotes it: Keras' columns are the
 * layer at 1, its output shape at 29 and its parameters at 55. */
static void table_row(facts *fs, const char *row, size_t len)
{
    const char *name, *shape, *params;
    size_t name_len, shape_len, params_len;
    trimmed(row, len, 1, 27, &name, &name_len);
    trimmed(row, len, 29, 25, &shape, &shape_len);
    trimmed(row, len, 55, 20, &params, &params_len);
    if (!name_len || !params_len || params[0] < '0' || params[0] > '9')
        return; /* the header, a rule or a wrapped name's second line */
    char key[128], value[128];
    snprintf(key, sizeof key, "layer %.*s", (int)name_len, name);
    snprintf(value, sizeof value, "%.*s, %.*s params", (int)shape_len, shape, (int)params_len,
             params);
    add(fs, key, strlen(key), value, strlen(value));
}

/* The facts of one emitted file's text. */
static void read_facts(facts *fs, const char *text)
{
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        static const char quote[] = "    \"", reals[] = " reals";
        /* " * Parameters (...): 349057 reals" in NAME.c's header comment */
        if (len > 3 + sizeof reals && strncmp(line, " * ", 3) == 0 &&
            memcmp(line + len - (sizeof reals - 1), reals, sizeof reals - 1) == 0) {
            const char *colon = memchr(line, ':', len);
            if (colon)
                add(fs, line + 3, (size_t)(colon - line - 3), colon + 2,
                    (size_t)(line + len - colon - 2));
        }
        /* the summary table's rows and totals, quoted in NAME_info.c */
        if (len > sizeof quote + 3 && strncmp(line, quote, sizeof quote - 1) == 0 &&
            strncmp(line + len - 3, "\\n\"", 3) == 0) {
            const char *row = line + sizeof quote - 1;
            size_t row_len = len - (sizeof quote - 1) - 3;
            const char *colon = memchr(row, ':', row_len);
            if (strncmp(row, "Total params", 12) == 0 && colon)
                add(fs, row, (size_t)(colon - row), colon + 2, (size_t)(row + row_len - colon - 2));
            else if (row[0] == ' ')
                table_row(fs, row, row_len);
        }
        line = nl ? nl + 1 : NULL;
    }
}

static long count_lines(const char *s)
{
    long n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

void change_summary(const char *const old_text[], out_file files[], int n_files, seq_buf *out)
{
    facts was = {0}, now = {0};
    for (int i = 0; i < n_files; i++) {
        if (old_text[i])
            read_facts(&was, old_text[i]);
        read_facts(&now, files[i].text.data);
    }
    for (int i = 0; i < now.n; i++) { /* changed and added, in the new order */
        const char *before = find(&was, now.f[i].key);
        if (!before)
            seq_buf_printf(out, "  %s: new, %s\n", now.f[i].key, now.f[i].value);
        else if (strcmp(before, now.f[i].value) != 0)
            seq_buf_printf(out, "  %s: %s -> %s\n", now.f[i].key, before, now.f[i].value);
    }
    for (int i = 0; i < was.n; i++)
        if (!find(&now, was.f[i].key))
            seq_buf_printf(out, "  %s: removed (was %s)\n", was.f[i].key, was.f[i].value);
    for (int i = 0; i < n_files; i++) {
        long a = count_lines(old_text[i]), b = count_lines(files[i].text.data);
        if (!old_text[i])
            seq_buf_printf(out, "  %s: missing; %ld lines now\n", files[i].name, b);
        else if (strcmp(old_text[i], files[i].text.data) != 0)
            seq_buf_printf(out, "  %s: %ld -> %ld lines%s\n", files[i].name, a, b,
                           a == b ? " (lines changed in place)" : "");
    }
    free(was.f);
    free(now.f);
}
