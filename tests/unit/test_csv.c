/* test_csv.c: the RFC 4180 reader (quoting, line ends, line numbers, every
 * error), its other dialects (tab- or semicolon-separated, no header row),
 * numeric columns and labelled text sets, on fixtures built in memory
 * or a temp dir; then the shared airline tweets and GOOG files if present. */
#include "check.h"
#include "data/csv.h"
#include "data/textset.h"

#include <stdlib.h>
#include <unistd.h>

#define TWEETS "/work/shared/data/airline_tweets.csv"
#define GOOG "/work/shared/data/GOOG.csv"

static char tmp_root[] = "/tmp/test_csv.XXXXXX";

static char *write_temp(const char *name, const char *text)
{
    return check_write_file(tmp_root, name, text);
}

/* Parses LEN bytes of TEXT as "t.csv", expecting success. */
static int parse_ok(const char *text, size_t len, seq_csv *c)
{
    seq_err err = {{0}};
    int rc = seq_csv_parse("t.csv", text, len, c, &err);
    CHECK_MSG(rc == 0, "parse failed: %s", err.msg);
    return rc;
}

/* Parses TEXT expecting failure with a message that starts with WHERE
 * ("t.csv:LINE:") and contains WANT; the output must be left empty. */
static void check_parse_fails_n(const char *text, size_t len, const char *where,
                                const char *want)
{
    seq_csv c;
    memset(&c, 0xAB, sizeof c);
    seq_err err = {{0}};
    int rc = seq_csv_parse("t.csv", text, len, &c, &err);
    CHECK_MSG(rc == -1, "parsed, expected an error containing '%s'", want);
    CHECK_MSG(strncmp(err.msg, where, strlen(where)) == 0, "'%s' does not start with '%s'",
              err.msg, where);
    CHECK_MSG(strstr(err.msg, want) != NULL, "'%s' does not contain '%s'", err.msg, want);
    CHECK(c.n_rows == 0 && c.n_cols == 0 && !c.header && !c.cells && !c.lines);
    seq_csv_free(&c);
}

static void check_parse_fails(const char *text, const char *where, const char *want)
{
    check_parse_fails_n(text, strlen(text), where, want);
}

static void check_row(const seq_csv *c, size_t row, const char *a, const char *b)
{
    CHECK_STR(seq_csv_cell(c, row, 0), a);
    CHECK_STR(seq_csv_cell(c, row, 1), b);
}

static void test_line_ends(void)
{
    static const char *const texts[] = {
        "a,b\n1,2\n3,4\n",
        "a,b\r\n1,2\r\n3,4\r\n",
        "a,b\r\n1,2\n3,4\r\n",
        "a,b\n1,2\r\n3,4", /* no final line break */
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        seq_csv c;
        if (parse_ok(texts[i], strlen(texts[i]), &c) != 0)
            continue;
        CHECK(c.n_rows == 2 && c.n_cols == 2);
        CHECK_STR(c.header[0], "a");
        CHECK_STR(c.header[1], "b");
        check_row(&c, 0, "1", "2");
        check_row(&c, 1, "3", "4");
        CHECK(c.lines[0] == 2 && c.lines[1] == 3);
        seq_csv_free(&c);
    }
}

static void test_quoting(void)
{
    const char *text = "name,note\r\n"
                       "\"Smith, J\",\"a,b,,c\"\r\n"
                       "\"He said \"\"hi\"\"\",\"\"\"\"\r\n"
                       "\"\",plain\r\n"
                       "\"\xc3\xa9t\xc3\xa9\",\"\xf0\x9f\x98\x80\"\r\n";
    seq_csv c;
    if (parse_ok(text, strlen(text), &c) != 0)
        return;
    CHECK(c.n_rows == 4);
    check_row(&c, 0, "Smith, J", "a,b,,c");
    check_row(&c, 1, "He said \"hi\"", "\"");
    check_row(&c, 2, "", "plain");
    check_row(&c, 3, "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80");
    seq_csv_free(&c);
}

/* Line breaks inside quotes are kept as they are and push later rows' lines down. */
static void test_embedded_line_breaks(void)
{
    const char *text = "id,text\r\n"
                       "1,\"line one\r\nline two\"\r\n"
                       "2,after\r\n"
                       "3,\"x\ny\n\nz\"\r\n"
                       "4,\"\r\n\"\r\n"
                       "5,last";
    seq_csv c;
    if (parse_ok(text, strlen(text), &c) != 0)
        return;
    CHECK(c.n_rows == 5);
    check_row(&c, 0, "1", "line one\r\nline two");
    check_row(&c, 1, "2", "after");
    check_row(&c, 2, "3", "x\ny\n\nz");
    check_row(&c, 3, "4", "\r\n");
    check_row(&c, 4, "5", "last");
    static const size_t lines[] = {2, 4, 5, 9, 11};
    for (size_t r = 0; r < 5; r++)
        CHECK_MSG(c.lines[r] == lines[r], "row %zu: line %zu, expected %zu", r, c.lines[r],
                  lines[r]);
    seq_csv_free(&c);
}

static void test_bom_and_empty_fields(void)
{
    const char *text = "\xEF\xBB\xBF" "a,b,c\n,,\n1,,\n,,3\n\"\",\"\",\"\"\n";
    seq_csv c;
    if (parse_ok(text, strlen(text), &c) != 0)
        return;
    CHECK(c.n_rows == 4 && c.n_cols == 3);
    CHECK_STR(c.header[0], "a");
    CHECK(seq_csv_column(&c, "a") == 0 && seq_csv_column(&c, "c") == 2);
    for (size_t r = 0; r < 4; r++)
        for (int k = 0; k < 3; k++) {
            const char *want = (r == 1 && k == 0) ? "1" : (r == 2 && k == 2) ? "3" : "";
            CHECK_STR(seq_csv_cell(&c, r, k), want);
        }
    seq_csv_free(&c);

    /* A comma at the very end leaves one more, empty, field. */
    if (parse_ok("a,b\n1,", 6, &c) == 0) {
        CHECK(c.n_rows == 1);
        check_row(&c, 0, "1", "");
        seq_csv_free(&c);
    }
    /* A header alone is a file with no rows. */
    if (parse_ok("a,b\r\n", 5, &c) == 0) {
        CHECK(c.n_rows == 0 && c.n_cols == 2);
        seq_csv_free(&c);
    }
}

static void test_single_column(void)
{
    const char *text = "x\n1\n\n\"\"\n2\r\n\r\n";
    seq_csv c;
    if (parse_ok(text, strlen(text), &c) != 0)
        return;
    CHECK(c.n_cols == 1 && c.n_rows == 5);
    static const char *const want[] = {"1", "", "", "2", ""};
    for (size_t r = 0; r < 5 && r < c.n_rows; r++) {
        CHECK_STR(seq_csv_cell(&c, r, 0), want[r]);
        CHECK(c.lines[r] == r + 2);
    }
    seq_csv_free(&c);
}

static void test_lookups(void)
{
    seq_csv c;
    if (parse_ok("a,b\n1,2\n", 8, &c) != 0)
        return;
    CHECK(seq_csv_column(&c, "b") == 1);
    CHECK(seq_csv_column(&c, "B") == -1);
    CHECK(seq_csv_column(&c, "") == -1);
    CHECK(seq_csv_cell(&c, 1, 0) == NULL);
    CHECK(seq_csv_cell(&c, 0, 2) == NULL);
    CHECK(seq_csv_cell(&c, 0, -1) == NULL);
    seq_err err = {{0}};
    CHECK(seq_csv_require_column(&c, "t.csv", "b", &err) == 1);
    CHECK(seq_csv_require_column(&c, "t.csv", "z", &err) == -1);
    CHECK_STR(err.msg, "t.csv: no column \"z\" (the columns are: \"a\", \"b\")");
    seq_csv_free(&c);
    seq_csv_free(&c); /* zeroed by the first */
    seq_csv zero = {0};
    seq_csv_free(&zero);
}

static void test_errors(void)
{
    check_parse_fails("a,b\n1,2\n3,\xff\n", "t.csv:3:", "invalid UTF-8");
    check_parse_fails("a,b\n1,\"x\ny\xc3\"\n", "t.csv:3:", "invalid UTF-8");
    check_parse_fails("a,b\n1,\xc0\xaf\n", "t.csv:2:", "invalid UTF-8"); /* overlong "/" */
    check_parse_fails("a,\xed\xa0\x80\n", "t.csv:1:", "invalid UTF-8");  /* surrogate */
    check_parse_fails("a,b\n1,2,3\n", "t.csv:2:", "row has 3 fields, the header has 2");
    check_parse_fails("a,b,c\n1,2,3\n4,\"5\n6\",7\n8,9\n", "t.csv:5:",
                      "row has 2 fields, the header has 3");
    check_parse_fails("a,b\n1\n", "t.csv:2:", "row has 1 field, the header has 2");
    check_parse_fails("a,b\n1,x\"y\n", "t.csv:2:", "quote inside an unquoted field");
    check_parse_fails("a,b\r\n1,\"x\"y\r\n", "t.csv:2:", "text after the closing quote");
    check_parse_fails("a,b\n1,\"x\" \n", "t.csv:2:", "text after the closing quote");
    check_parse_fails("a,b\n1,\"x\"\r2,3\n", "t.csv:2:", "text after the closing quote");
    check_parse_fails("a,b\n1,2\n3,\"open\nmore\nstill\n", "t.csv:3:", "never closed");
    check_parse_fails("a,b\n1,\"", "t.csv:2:", "never closed");
    check_parse_fails("", "t.csv: ", "empty file");
    check_parse_fails("\xEF\xBB\xBF", "t.csv: ", "empty file");
    check_parse_fails("a,b,a\n1,2,3\n", "t.csv:1:",
                      "duplicate column name \"a\" (columns 1 and 3");
    check_parse_fails("a,,c\n1,2,3\n", "t.csv:1:", "empty column name (column 2");
    check_parse_fails("\n1\n", "t.csv:1:", "empty column name (column 1");
    check_parse_fails("a,b\n1,2\n\n3,4\n", "t.csv:3:", "empty line");
    check_parse_fails("a,b\r\n1,2\r\n\r\n", "t.csv:3:", "empty line");
    check_parse_fails("a,b\r1,2\r", "t.csv:1:", "carriage return without a line feed");
    check_parse_fails_n("a,b\n1,\0\n", 8, "t.csv:2:", "NUL byte");
    check_parse_fails_n("a,b\n1,\"\0\"\n", 10, "t.csv:2:", "NUL byte");
}

/* Every prefix of a tricky file parses or fails cleanly, and so do byte
 * mutations of it; run under the sanitizers this finds out-of-bounds reads. */
static void test_prefixes_and_mutations(void)
{
    const char *text = "\xEF\xBB\xBF" "h1,\"h,2\"\r\n\"a\"\"b\",\"c\r\nd\"\r\n\xc3\xa9,\"\"\n";
    size_t len = strlen(text);
    char buf[64];
    unsigned seed = 12345;
    for (size_t n = 0; n <= len; n++) {
        seq_csv c;
        seq_err err = {{0}};
        if (seq_csv_parse("t.csv", text, n, &c, &err) == 0)
            seq_csv_free(&c);
        else
            CHECK_MSG(strncmp(err.msg, "t.csv:", 6) == 0, "prefix %zu: %s", n, err.msg);
    }
    static const char alphabet[] = "\",\r\n\0a\xc3";
    for (int i = 0; i < 4000; i++) {
        memcpy(buf, text, len);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            buf[at] = alphabet[(seed >> 20) % (sizeof alphabet - 1)];
        }
        seq_csv c;
        seq_err err = {{0}};
        if (seq_csv_parse("t.csv", buf, len, &c, &err) == 0) {
            CHECK(c.n_cols >= 1);
            for (size_t r = 0; r < c.n_rows; r++)
                CHECK(c.lines[r] >= 2);
            seq_csv_free(&c);
        } else {
            CHECK_MSG(strncmp(err.msg, "t.csv:", 6) == 0, "mutation %d: %s", i, err.msg);
        }
    }
}

/* Many rows, so the in-place unescaping is checked far from the start. */
static void test_many_rows(void)
{
    seq_buf b = {0};
    seq_buf_puts(&b, "k,v,w\r\n");
    const size_t n = 20000;
    for (size_t i = 0; i < n; i++)
        seq_buf_printf(&b, "%zu,\"q\"\"%zu\"\"\nx\",%s\r\n", i, i, i % 2 ? "\"\"" : "z");
    seq_csv c;
    if (parse_ok(b.data, b.len, &c) == 0) {
        CHECK(c.n_rows == n);
        int bad = 0;
        char want[64];
        for (size_t i = 0; i < c.n_rows; i++) {
            snprintf(want, sizeof want, "q\"%zu\"\nx", i);
            bad += strtoul(seq_csv_cell(&c, i, 0), NULL, 10) != i;
            bad += strcmp(seq_csv_cell(&c, i, 1), want) != 0;
            bad += strcmp(seq_csv_cell(&c, i, 2), i % 2 ? "" : "z") != 0;
            bad += c.lines[i] != 2 + 2 * i;
        }
        CHECK_MSG(bad == 0, "%d wrong cells or lines", bad);
        seq_csv_free(&c);
    }
    seq_buf_free(&b);
}

static void test_read_file(void)
{
    char *path = write_temp("r.csv", "\xEF\xBB\xBFx,y\r\n\"1\r\n2\",3\r\n4,5,6\r\n");
    seq_csv c;
    seq_err err = {{0}};
    CHECK(seq_csv_read(path, &c, &err) == -1);
    char want[512];
    snprintf(want, sizeof want, "%s:4: row has 3 fields, the header has 2", path);
    CHECK_STR(err.msg, want);
    free(path);

    path = write_temp("ok.csv", "x,y\n\"1\n2\",3\n");
    if (seq_csv_read(path, &c, &err) == 0) {
        CHECK(c.n_rows == 1 && c.lines[0] == 2);
        check_row(&c, 0, "1\n2", "3");
        seq_csv_free(&c);
    } else {
        CHECK_MSG(0, "%s", err.msg);
    }
    free(path);

    path = seq_path_join(tmp_root, "missing.csv");
    CHECK(seq_csv_read(path, &c, &err) == -1);
    CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, "cannot open"), "%s", err.msg);
    CHECK(c.n_rows == 0 && !c.header);
    free(path);
}

static void check_number_fails(const char *cell)
{
    seq_buf text = {0};
    seq_buf_printf(&text, "v,w\n1,a\n%s,b\n", cell);
    seq_csv c;
    if (parse_ok(text.data, text.len, &c) == 0) {
        static double sentinel;
        double *v = &sentinel; /* must come back NULL */
        seq_err err = {{0}};
        CHECK_MSG(seq_csv_numbers(&c, "n.csv", "v", &v, &err) == -1, "\"%s\" accepted", cell);
        CHECK(v == NULL);
        CHECK_MSG(strncmp(err.msg, "n.csv:3: column \"v\"", 19) == 0, "%s", err.msg);
        CHECK_MSG(strstr(err.msg, "not a finite number"), "%s", err.msg);
        seq_csv_free(&c);
    }
    seq_buf_free(&text);
}

/* A number a double holds but a float does not is a PATH:LINE error. */
static void test_numbers_for_floats(void)
{
    const char *text = "v\n3.4e38\n-3.4e38\n1e45\n";
    seq_csv c;
    if (parse_ok(text, strlen(text), &c) != 0)
        return;
    double *v = NULL;
    seq_err err = {{0}};
    CHECK(seq_csv_numbers(&c, "n.csv", "v", &v, &err) == -1 && v == NULL);
    CHECK_STR(err.msg, "n.csv:4: column \"v\": 1e45 is too large for a float (at most 3.4e+38 "
                       "in magnitude)");
    seq_csv_free(&c);
}

/* seq_decimal: the length of the decimal number a text starts with. */
static void test_decimal(void)
{
    static const struct {
        const char *text;
        size_t len;
        double value;
    } cases[] = {{"1.5", 3, 1.5},   {"-2e3,", 4, -2000}, {"+.5 ", 3, 0.5},  {"7.", 2, 7},
                 {"1e", 1, 1},      {"1e+x", 1, 1},      {"0x1A", 0, 0},    {"12abc", 2, 12},
                 {"inf", 0, 0},     {"nan", 0, 0},       {".", 0, 0},       {"-", 0, 0},
                 {" 1", 0, 0},      {"", 0, 0},          {"1E-2", 4, 0.01}, {"00012", 5, 12}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double v = -99;
        size_t n = seq_decimal(cases[i].text, &v);
        CHECK_MSG(n == cases[i].len, "\"%s\": length %zu", cases[i].text, n);
        if (n)
            CHECK_MSG(v == cases[i].value, "\"%s\": %g", cases[i].text, v);
    }
}

static void test_numbers(void)
{
    const char *text = "v,name\n1.5,a\n\" 2 \",b\n1e3,c\n-0.25,d\n\t7\t,e\n1e-400,f\n";
    seq_csv c;
    if (parse_ok(text, strlen(text), &c) != 0)
        return;
    double *v = NULL;
    seq_err err = {{0}};
    CHECK_MSG(seq_csv_numbers(&c, "n.csv", "v", &v, &err) == 0, "%s", err.msg);
    if (v) {
        CHECK(v[0] == 1.5 && v[1] == 2 && v[2] == 1000 && v[3] == -0.25 && v[4] == 7);
        CHECK(fabs(v[5]) < 1e-300);
    }
    free(v);
    CHECK(seq_csv_numbers(&c, "n.csv", "name", &v, &err) == -1);
    CHECK_MSG(strstr(err.msg, "n.csv:2: column \"name\": \"a\""), "%s", err.msg);
    CHECK(seq_csv_numbers(&c, "n.csv", "Close", &v, &err) == -1);
    CHECK_STR(err.msg, "n.csv: no column \"Close\" (the columns are: \"v\", \"name\")");
    seq_csv_free(&c);

    static const char *const bad[] = {"abc", "1.5x", "", "nan", "NaN", "inf", "-inf",
                                      "1e999", "\" \"", "1 2", "\"\n1\"", "--1", "0x1A",
                                      "0X1p3", "infinity", "nan(1)", "1e", "1e+", ".", "+",
                                      "1.5.2", "\"\v1\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        check_number_fails(bad[i]);
}

static void test_textset(void)
{
    char *path = write_temp("t.csv", "id,label,text\r\n"
                                     "1,pos,good\r\n"
                                     "2,neg,\"bad, very\"\r\n"
                                     "3,neu,\r\n"
                                     "4,pos,\"multi\r\nline\"\r\n"
                                     "5,Neg,caps sort first\r\n");
    seq_textset t;
    size_t n_empty = 99;
    seq_err err = {{0}};
    if (seq_csv_textset(path, "text", "label", &t, &n_empty, &err) == 0) {
        CHECK(t.n == 5 && t.n_classes == 4 && n_empty == 1);
        static const char *const classes[] = {"Neg", "neg", "neu", "pos"};
        for (int k = 0; k < t.n_classes && k < 4; k++)
            CHECK_STR(t.class_names[k], classes[k]);
        static const int32_t labels[] = {3, 1, 2, 3, 0};
        static const char *const texts[] = {"good", "bad, very", "", "multi\r\nline",
                                            "caps sort first"};
        for (size_t i = 0; i < t.n && i < 5; i++) {
            CHECK(t.labels[i] == labels[i]);
            CHECK_STR(t.texts[i], texts[i]);
            CHECK(t.lens[i] == strlen(texts[i]));
        }
        seq_textset_free(&t);
        CHECK(t.n == 0 && t.class_names == NULL);
    } else {
        CHECK_MSG(0, "%s", err.msg);
    }

    char want[512];
    CHECK(seq_csv_textset(path, "tweet", "label", &t, &n_empty, &err) == -1);
    snprintf(want, sizeof want,
             "%s: no column \"tweet\" (the columns are: \"id\", \"label\", \"text\")", path);
    CHECK_STR(err.msg, want);
    CHECK(t.n == 0 && !t.texts && !t.class_names && n_empty == 0);
    CHECK(seq_csv_textset(path, "text", "sentiment", &t, NULL, &err) == -1);
    CHECK_MSG(strstr(err.msg, "no column \"sentiment\""), "%s", err.msg);
    free(path);

    path = write_temp("e.csv", "label,text\npos,a\n\"\",\"b\nc\"\nneg,d\n,e\n");
    CHECK(seq_csv_textset(path, "text", "label", &t, &n_empty, &err) == -1);
    snprintf(want, sizeof want, "%s:3: empty label in column \"label\"", path);
    CHECK_MSG(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    free(path);

    path = write_temp("h.csv", "label,text\n");
    CHECK(seq_csv_textset(path, "text", "label", &t, &n_empty, &err) == -1);
    CHECK_MSG(strstr(err.msg, "no rows"), "%s", err.msg);
    free(path);

    path = write_temp("bad.csv", "label,text\npos,\"open\n");
    CHECK(seq_csv_textset(path, "text", "label", &t, &n_empty, &err) == -1);
    snprintf(want, sizeof want, "%s:2: quoted field never closed", path);
    CHECK_MSG(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    free(path);
}

/* The shared data files, when this machine has them: counts checked against
 * Python's csv module. */
static void test_real_data(void)
{
    if (access(TWEETS, R_OK) != 0) {
        printf("test_csv: %s not found, skipping the tweets check\n", TWEETS);
    } else {
        seq_textset t;
        size_t n_empty = 99;
        seq_err err = {{0}};
        double t0 = seq_now();
        int rc = seq_csv_textset(TWEETS, "text", "airline_sentiment", &t, &n_empty, &err);
        double secs = seq_now() - t0;
        CHECK_MSG(rc == 0, "%s", err.msg);
        if (rc == 0) {
            printf("test_csv: loaded %zu tweets in %.1f ms\n", t.n, 1e3 * secs);
            CHECK(t.n == 14640 && t.n_classes == 3 && n_empty == 0);
            size_t counts[3] = {0};
            for (size_t i = 0; i < t.n; i++)
                if (t.labels[i] >= 0 && t.labels[i] < 3)
                    counts[t.labels[i]]++;
            if (t.n_classes == 3) {
                CHECK_STR(t.class_names[0], "negative");
                CHECK_STR(t.class_names[1], "neutral");
                CHECK_STR(t.class_names[2], "positive");
            }
            CHECK_MSG(counts[0] == 9178 && counts[1] == 3099 && counts[2] == 2363,
                      "counts %zu %zu %zu", counts[0], counts[1], counts[2]);
            if (t.n == 14640) {
                CHECK_STR(t.texts[0], "@VirginAmerica What @dhepburn said.");
                CHECK_STR(t.texts[5], "@VirginAmerica seriously would pay $30 a flight for "
                                      "seats that didn't have this playing.\nit's really the "
                                      "only bad thing about flying VA");
            }
            seq_textset_free(&t);
        }
        seq_csv c;
        if (seq_csv_read(TWEETS, &c, &err) == 0) {
            CHECK(c.n_cols == 15 && c.n_rows == 14640);
            if (c.n_rows == 14640)
                CHECK(c.lines[5] == 7 && c.lines[6] == 9 && c.lines[14639] == 14873);
            seq_csv_free(&c);
        }
    }

    if (access(GOOG, R_OK) != 0) {
        printf("test_csv: %s not found, skipping the GOOG check\n", GOOG);
        return;
    }
    seq_csv c;
    seq_err err = {{0}};
    if (seq_csv_read(GOOG, &c, &err) != 0) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    /* The data README says 1,257 rows; the file has 1,258 (2018-10-09 .. 2023-10-09). */
    CHECK(c.n_rows == 1258 && c.n_cols == 7);
    CHECK(seq_csv_column(&c, "Adj Close") == 5);
    double *close = NULL;
    CHECK_MSG(seq_csv_numbers(&c, GOOG, "Close", &close, &err) == 0, "%s", err.msg);
    if (close && c.n_rows == 1258) {
        double sum = 0;
        for (size_t i = 0; i < c.n_rows; i++)
            sum += close[i];
        CHECK_NEAR(close[0], 56.941002, 1e-12);
        CHECK_NEAR(close[1257], 139.649994, 1e-12);
        CHECK_NEAR(sum, 119453.219863, 1e-6);
    }
    free(close);
    CHECK(seq_csv_numbers(&c, GOOG, "Date", &close, &err) == -1);
    CHECK_MSG(strstr(err.msg, GOOG ":2: column \"Date\": \"2018-10-09\""), "%s", err.msg);
    seq_csv_free(&c);
}

static void remove_temp(void)
{
    static const char *const names[] = {"r.csv", "ok.csv", "t.csv", "e.csv", "h.csv",
                                        "bad.csv", "s.tsv"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *p = seq_path_join(tmp_root, names[i]);
        unlink(p);
        free(p);
    }
    CHECK(rmdir(tmp_root) == 0);
}

/* Parses TEXT as "t.tsv" in dialect D, expecting success. */
static int parse_as_ok(const char *text, const seq_csv_dialect *d, seq_csv *c)
{
    seq_err err = {{0}};
    int rc = seq_csv_parse_as("t.tsv", text, strlen(text), d, c, &err);
    CHECK_MSG(rc == 0, "parse failed: %s", err.msg);
    return rc;
}

static void check_parse_as_fails(const char *text, const seq_csv_dialect *d, const char *where,
                                  const char *want)
{
    seq_csv c;
    memset(&c, 0xAB, sizeof c);
    seq_err err = {{0}};
    CHECK_MSG(seq_csv_parse_as("t.tsv", text, strlen(text), d, &c, &err) == -1,
              "parsed, expected an error containing '%s'", want);
    CHECK_MSG(strncmp(err.msg, where, strlen(where)) == 0, "'%s' does not start with '%s'",
              err.msg, where);
    CHECK_MSG(strstr(err.msg, want) != NULL, "'%s' does not contain '%s'", err.msg, want);
    CHECK(c.n_rows == 0 && c.n_cols == 0 && !c.header && !c.cells && !c.lines);
    seq_csv_free(&c);
}

/* Other delimiters and files without a header row. */
static void test_dialects(void)
{
    const seq_csv_dialect tsv = {'\t', 1}, bare_tsv = {'\t', 0}, semi = {';', 1};
    seq_csv c;
    /* commas are text in a TSV; a quoted field may hold a tab; a quote inside is text */
    if (parse_as_ok("text\tlabel\nslow, long, and dull\t0\n\"a\ttab\"\t1\nHe said \"no\"\t0\n",
                    &tsv, &c) == 0) {
        CHECK(c.n_rows == 3 && c.n_cols == 2 && !c.headerless);
        CHECK_STR(c.header[0], "text");
        check_row(&c, 0, "slow, long, and dull", "0");
        check_row(&c, 1, "a\ttab", "1");
        check_row(&c, 2, "He said \"no\"", "0");
        CHECK(c.lines[2] == 4);
        seq_csv_free(&c);
    }
    /* no header: columns "0", "1", ...; every row a data row, lines from 1 */
    if (parse_as_ok("\xEF\xBB\xBFgood, really\tpos\r\nbad\tneg\n", &bare_tsv, &c) == 0) {
        CHECK(c.n_rows == 2 && c.n_cols == 2 && c.headerless);
        CHECK_STR(c.header[0], "0");
        CHECK_STR(c.header[1], "1");
        CHECK(seq_csv_column(&c, "1") == 1);
        check_row(&c, 0, "good, really", "pos");
        check_row(&c, 1, "bad", "neg");
        CHECK(c.lines[0] == 1 && c.lines[1] == 2);
        seq_err err = {{0}};
        CHECK(seq_csv_require_column(&c, "t.tsv", "2", &err) == -1);
        CHECK_STR(err.msg, "t.tsv: no column 2 (the file has no header row; its rows have 2 "
                           "fields, columns 0 to 1)");
        seq_csv_free(&c);
    }
    /* semicolons, RFC 4180 otherwise: quotes hold semicolons, commas are text */
    if (parse_as_ok("a;b\n\"x;y\";1,5\n", &semi, &c) == 0) {
        check_row(&c, 0, "x;y", "1,5");
        seq_csv_free(&c);
    }
    check_parse_as_fails("a;b\nx\"y;1\n", &semi, "t.tsv:2:", "quote inside an unquoted field");
    check_parse_as_fails("a;b\n\"x\"y;1\n", &semi, "t.tsv:2:", "expected a semicolon or the end");
    /* a bad row of a TSV: file:line, and what separates fields */
    check_parse_as_fails("one\t1\ntwo, 2\nthree\t3\n", &bare_tsv, "t.tsv:2:",
                         "row has 1 field, the first row has 2 (fields are separated by a tab)");
    check_parse_as_fails("text\tlabel\na\tb\tc\n", &tsv, "t.tsv:2:",
                         "row has 3 fields, the header has 2 (fields are separated by a tab)");
    check_parse_as_fails("text\tlabel\n\"open\t1\n", &tsv, "t.tsv:2:", "quoted field never closed");
    check_parse_as_fails("a\t1\nb\t\xff\n", &bare_tsv, "t.tsv:2:", "invalid UTF-8");
    check_parse_as_fails("", &bare_tsv, "t.tsv: ", "empty file (expected rows of fields)");
    check_parse_as_fails("\xEF\xBB\xBF", &bare_tsv, "t.tsv: ", "empty file");
    /* a header-less file's first row may hold what would be a duplicate or empty name */
    if (parse_as_ok("x\tx\t\n", &bare_tsv, &c) == 0) {
        CHECK(c.n_rows == 1 && c.n_cols == 3);
        seq_csv_free(&c);
    }
    /* NULL is RFC 4180, as seq_csv_parse */
    if (parse_as_ok("a,b\n1,2\n", NULL, &c) == 0) {
        check_row(&c, 0, "1", "2");
        seq_csv_free(&c);
    }
}

/* A header-less TSV as a text set; a model's classes matched by name. */
static void test_textset_dialects(void)
{
    const seq_csv_dialect bare_tsv = {'\t', 0};
    char *path = write_temp("s.tsv", "a film, long and slow\tneg\nwonderful, truly\tpos\n"
                                     "fine\tpos\n");
    seq_textset t;
    seq_err err = {{0}};
    if (seq_csv_textset_as(path, &bare_tsv, "0", "1", NULL, 0, &t, NULL, &err) == 0) {
        CHECK(t.n == 3 && t.n_classes == 2);
        CHECK_STR(t.texts[0], "a film, long and slow");
        CHECK(t.labels[0] == 0 && t.labels[1] == 1 && t.labels[2] == 1);
        seq_textset_free(&t);
    } else {
        CHECK_MSG(0, "%s", err.msg);
    }
    /* a model's three classes, in its order: ids by name, classes absent from the file kept */
    char *model[] = {"pos", "neutral", "neg"};
    if (seq_csv_textset_as(path, &bare_tsv, "0", "1", model, 3, &t, NULL, &err) == 0) {
        CHECK(t.n == 3 && t.n_classes == 3);
        CHECK_STR(t.class_names[1], "neutral");
        CHECK(t.labels[0] == 2 && t.labels[1] == 0 && t.labels[2] == 0);
        seq_textset_free(&t);
    } else {
        CHECK_MSG(0, "%s", err.msg);
    }
    char *two[] = {"neg", "positive"};
    CHECK(seq_csv_textset_as(path, &bare_tsv, "0", "1", two, 2, &t, NULL, &err) == -1);
    char want[512];
    snprintf(want, sizeof want, "%s:2: label \"pos\" is not one of the model's 2 classes", path);
    CHECK_STR(err.msg, want);
    CHECK(t.n == 0 && !t.texts);
    CHECK(seq_csv_textset_as(path, &bare_tsv, "0", "2", NULL, 0, &t, NULL, &err) == -1);
    CHECK(strstr(err.msg, "no column 2 (the file has no header row") != NULL);
    free(path);
}

int main(void)
{
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 1;
    }
    test_line_ends();
    test_quoting();
    test_embedded_line_breaks();
    test_bom_and_empty_fields();
    test_single_column();
    test_lookups();
    test_errors();
    test_prefixes_and_mutations();
    test_many_rows();
    test_read_file();
    test_numbers();
    test_numbers_for_floats();
    test_decimal();
    test_textset();
    test_dialects();
    test_textset_dialects();
    test_real_data();
    remove_temp();
    return check_status("test_csv");
}
