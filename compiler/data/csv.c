/* data/csv.c: what kinds reading CSV files share: the dialect, columns by
 * name or number, and the test part. */
#include <stdint.h>
#include <string.h>

#include "data.h"
#include "read.h"
#include "strset.h"

/* A CSV file's dialect: 'delimiter' (one character) and 'header'. */
int data_read_dialect(spec *s, node *n)
{
    int header = 1;
    int rc = read_bool(n, "header", &header);
    s->data.headerless = !header;
    node *v = field(n, "delimiter");
    const char *t = NULL;
    if (!v || read_str(n, "delimiter", "'data'", 0, &t) != 0)
        return v ? -1 : rc;
    unsigned char c = (unsigned char)t[0];
    if (t[0] && !t[1] && (c == '\t' || (c > 0x20 && c < 0x7f && !((c >= '0' && c <= '9') ||
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && c != '"' && c != '\'' && c != '\\'))) {
        s->data.delimiter = t[0];
        return rc;
    }
    char buf[SHOWN_BUF];
    diag_error(v->at, "'delimiter' must be one character: ',' (the default), ';', '|', a tab "
               "(written \"\\t\", in double quotes) or other punctuation except quotes and "
               "backslash; got '%s'%s", shown(t, buf),
               strcmp(t, "\\t") == 0 ? " (a backslash and a t: write a tab as \"\\t\", in double "
                                      "quotes)" : "");
    return -1;
}

/* A column of a CSV file: its name, or without a header row its 0-based
 * number (written out without leading zeros, as the reader numbers them). */
static int column_node(const spec *s, node *v, const char *key)
{
    if (!s->data.headerless) {
        if (v->kind != NODE_SCALAR || !v->text[0])
            return bad_value(v, key, "a column name");
        return 0;
    }
    if (v->kind != NODE_SCALAR || v->quoted || !v->text[0] ||
        strspn(v->text, "0123456789") != strlen(v->text)) {
        char buf[SHOWN_BUF];
        const char *q = key[0] == 'a' ? "" : "'"; /* "an item of 'columns'" comes quoted */
        diag_error(v->at, "%s%s%s must be a column number (0-based) when 'header' is false, "
                   "not %s%s%s", q, key, q, v->kind != NODE_SCALAR ? "" : v->quoted
                   ? "the quoted string '" : "'", v->kind == NODE_SCALAR ? shown(v->text, buf)
                   : node_kind_name(v->kind), v->kind == NODE_SCALAR ? "'" : "");
        return -1;
    }
    int64_t x;
    return read_int_node(v, key, 0, 1000000, &x);
}

int data_read_column(spec *s, node *map, const char *key, const char *what, const char **out)
{
    node *v = field(map, key);
    if (!v)
        return missing(map, key, what);
    if (column_node(s, v, key) != 0)
        return -1;
    *out = v->text;
    return 0;
}

/* The test part: 'test_split', a fraction of the data (DEFAULT when absent;
 * required when DEFAULT is negative), or 'test_path', a file of its own with
 * 'test_split' 0 or absent. */
int data_read_test_part(spec *s, node *n, const char *what, double dflt)
{
    if (read_str(n, "test_path", what, 0, &s->data.test_path) != 0)
        return -1;
    int rc = 0;
    if (s->data.test_path && !s->data.test_path[0]) {
        diag_error(field(n, "test_path")->at, "'test_path' is empty; give the test file, "
                   "relative to the spec");
        rc = -1;
    }
    node *v = field(n, "test_split");
    s->data.test_split = s->data.test_path ? 0 : dflt;
    if (!v && !s->data.test_path && dflt < 0)
        return missing(n, "test_split", what);
    if (!v || read_num(n, "test_split", what, 0, 0, 0.5, &s->data.test_split) != 0)
        return v ? -1 : rc;
    char buf[SHOWN_BUF];
    if (s->data.test_path && s->data.test_split != 0) {
        diag_error(v->at, "'test_split' must be 0 with 'test_path' (that file is the test "
                   "part), got %s", shown(v->text, buf));
        return -1;
    }
    if (!s->data.test_path && s->data.test_split == 0) {
        diag_error(v->at, "'test_split' 0 leaves no test part: give 'test_path' (a labelled "
                   "file for testing) or a fraction from 0.01 to 0.5");
        return -1;
    }
    if (!s->data.test_path && s->data.test_split < 0.01) {
        diag_error(v->at, "'test_split' must be between 0.01 and 0.5, got %s", shown(v->text, buf));
        return -1;
    }
    return rc;
}

/* Joins the names in COLS ("Open,Close") into JOINED; a bad or repeated
 * name is an error. */
int data_join_columns(const spec *s, const node *cols, seq_buf *joined)
{
    strset seen = {0};
    int rc = 0;
    for (int i = 0; rc == 0 && i < cols->n; i++) {
        node *c = cols->items[i];
        if (s->data.headerless && column_node(s, c, "an item of 'columns'") != 0) {
            rc = -1;
        } else if (c->kind != NODE_SCALAR || !c->text[0] || strchr(c->text, ',')) {
            diag_error(c->at, "'columns' must be a list of column names (without commas)");
            rc = -1;
        } else if (strset_add(&seen, c->text, i) >= 0) {
            diag_error(c->at, "column '%s' is listed twice", c->text);
            rc = -1;
        } else {
            seq_buf_printf(joined, "%s%s", i ? "," : "", c->text);
        }
    }
    strset_free(&seen);
    return rc;
}
