/* test_report.c: progress lines, JSON-lines metrics and the SVG curve. */
#include "train/plot.h"
#include "train/report.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* ---- a checker for flat JSON objects: {"k":number|null|"string",...} ---- */

static const char *json_string_end(const char *s)
{
    if (*s++ != '"')
        return NULL;
    for (; *s && *s != '"'; s++) {
        if ((unsigned char)*s < 0x20)
            return NULL;
        if (*s == '\\') {
            s++;
            if (*s == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)s[i]))
                        return NULL;
                s += 4;
            } else if (!*s || !strchr("\"\\/bfnrt", *s)) {
                return NULL;
            }
        }
    }
    return *s == '"' ? s + 1 : NULL;
}

static const char *json_digits(const char *s)
{
    if (!isdigit((unsigned char)*s))
        return NULL;
    while (isdigit((unsigned char)*s))
        s++;
    return s;
}

static const char *json_number_end(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (!(s = json_digits(s)))
        return NULL;
    if (*s == '.' && !(s = json_digits(s + 1)))
        return NULL;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(s = json_digits(s)))
            return NULL;
    }
    return s;
}

static int is_flat_json_line(const char *s)
{
    if (*s++ != '{')
        return 0;
    if (*s == '}')
        return strcmp(s, "}\n") == 0;
    for (;;) {
        if (!(s = json_string_end(s)) || *s++ != ':')
            return 0;
        if (strncmp(s, "null", 4) == 0)
            s += 4;
        else if (*s == '"')
            s = json_string_end(s);
        else
            s = json_number_end(s);
        if (!s)
            return 0;
        if (*s == '}')
            return strcmp(s, "}\n") == 0;
        if (*s++ != ',')
            return 0;
    }
}

/* ---- helpers ----------------------------------------------------------- */

static char *slurp(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    seq_err err;
    if (seq_read_file(path, &data, &len, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    return data;
}

static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static int contains_nocase(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && tolower((unsigned char)s[i]) == needle[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* The text of line I (0-based) of S, NUL-terminated in a static buffer. */
static const char *line_at(const char *s, int i)
{
    static char line[512];
    for (; i > 0 && s; i--)
        if ((s = strchr(s, '\n')))
            s++;
    if (!s || !*s)
        return "";
    size_t n = strcspn(s, "\n");
    n = n < sizeof line - 1 ? n : sizeof line - 1;
    memcpy(line, s, n);
    line[n] = '\0';
    return line;
}

/* Checks that LINE is PREFIX, a whole number, then " ex/s". */
static int is_rate_line(const char *line, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(line, prefix, n) != 0)
        return 0;
    const char *s = line + n;
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s))
        s++;
    return strcmp(s, " ex/s") == 0;
}

/* ---- progress ---------------------------------------------------------- */

static void test_progress_plain(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    seq_progress p;
    seq_progress_start(&p, out, 2, 5, 25);
    CHECK(!p.tty);
    CHECK(p.log_every == 2);
    /* loss of step i is 0.1 i, acc alternates 0.5 / 1.0; equal batches */
    for (int i = 1; i <= 25; i++)
        seq_progress_step(&p, 4, 0.1 * i, i % 2 ? 0.5 : 1.0);
    seq_progress_end(&p);
    fclose(out);

    int line = 0;
    char want[256];
    for (int k = 2; k <= 25; k += k == 24 ? 1 : 2, line++) {
        double acc = k % 2 ? (0.5 * ((k + 1) / 2) + (k - 1) / 2) / k : 0.75;
        snprintf(want, sizeof want, "epoch 2/5 step %d/25 loss %.4f acc %.3f ", k,
                 0.05 * (k + 1), acc);
        CHECK_MSG(is_rate_line(line_at(text, line), want), "line %d: \"%s\", want \"%s...\"",
                  line, line_at(text, line), want);
    }
    const char *summary = line_at(text, line);
    CHECK_MSG(strncmp(summary, "epoch 2/5 done in ", 18) == 0, "%s", summary);
    CHECK_MSG(strstr(summary, " s: 25 steps, 100 examples, "), "%s", summary);
    size_t n = strlen(summary), tail = strlen(" ex/s, loss 1.3000 acc 0.740");
    CHECK_MSG(n > tail && strcmp(summary + n - tail, " ex/s, loss 1.3000 acc 0.740") == 0,
              "%s", summary);
    CHECK_STR(line_at(text, line + 1), "");
    CHECK(count_of(text, "\n") == line + 1);
    CHECK(!strchr(text, '\r') && !strchr(text, '\033'));
    free(text);
}

static void test_progress_cut_short(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    seq_progress p;
    seq_progress_start(&p, out, 1, 3, 30);
    for (int i = 0; i < 7; i++)
        seq_progress_step(&p, 10, 2.0, NAN); /* no accuracy: not shown */
    seq_progress_end(&p);
    fclose(out);
    CHECK(is_rate_line(line_at(text, 0), "epoch 1/3 step 3/30 loss 2.0000 "));
    CHECK(is_rate_line(line_at(text, 1), "epoch 1/3 step 6/30 loss 2.0000 "));
    CHECK(is_rate_line(line_at(text, 2), "epoch 1/3 step 7/30 loss 2.0000 "));
    CHECK(strncmp(line_at(text, 3), "epoch 1/3 done in ", 18) == 0);
    CHECK(strstr(line_at(text, 3), " s: 7 steps, 70 examples, "));
    CHECK(count_of(text, "\n") == 4);
    CHECK(!strstr(text, "acc"));
    free(text);
}

static void test_progress_unknown_total(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    seq_progress p;
    seq_progress_start(&p, out, 4, 0, 0);
    seq_progress_step(&p, 1, 1.0, 0.0);
    seq_progress_step(&p, 3, 3.0, 1.0);
    seq_progress_end(&p);
    fclose(out);
    CHECK(is_rate_line(line_at(text, 0), "epoch 4 step 1 loss 1.0000 acc 0.000 "));
    CHECK(is_rate_line(line_at(text, 1), "epoch 4 step 2 loss 2.5000 acc 0.750 "));
    CHECK(strncmp(line_at(text, 2), "epoch 4 done in ", 16) == 0);
    CHECK(count_of(text, "\n") == 3);
    free(text);
}

static void test_progress_bar(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    seq_progress p;
    seq_progress_start(&p, out, 2, 5, 625);
    p.tty = 1; /* draw as on a terminal */
    for (int i = 1; i <= 625; i++) {
        if (i == 312) {
            p.t_last_draw -= 1.0; /* the redraw interval has passed */
            p.t_start -= 3593.5;  /* 11.5 s per step so far */
        }
        seq_progress_step(&p, 32, 0.5, 0.75);
        if (i == 312) {
            fflush(out);
            const char want[] = "\repoch 2/5 [=========>          ] 312/625 "
                                "loss 0.5000 acc 0.750 ";
            const char *bar = strrchr(text, '\r');
            CHECK_MSG(bar && strncmp(bar, want, sizeof want - 1) == 0, "%s",
                      bar ? bar + 1 : "(no bar)");
            CHECK_MSG(bar && strstr(bar, " 3 ex/s ETA 1:00:05\033[K"), "%s", bar ? bar + 1 : "");
        }
        if (i == 499) {
            p.t_last_draw -= 1.0;
            p.t_start += 1173.5; /* 4.84 s per step */
        }
        if (i == 500) {
            fflush(out);
            const char *bar = strrchr(text, '\r');
            CHECK_MSG(bar && strstr(bar, "] 500/625 loss 0.5000 acc 0.750 7 ex/s ETA 10:05\033[K"),
                      "%s", bar ? bar + 1 : "");
        }
    }
    seq_progress_end(&p);
    fclose(out);
    const char want[] = "\repoch 2/5 [====================] 625/625 loss 0.5000 acc 0.750 ";
    const char *last = strrchr(text, '\r');
    CHECK_MSG(last && strncmp(last, want, sizeof want - 1) == 0, "%s", last ? last + 1 : "");
    CHECK(last && !strstr(last, "ETA"));
    CHECK(last && strstr(last, " ex/s\033[K\nepoch 2/5 done in "));
    CHECK(last && strstr(last, "s: 625 steps, 20000 examples, "));
    CHECK(count_of(text, "\n") == 2);
    free(text);
}

/* ---- metrics ----------------------------------------------------------- */

static void test_metrics(const char *dir)
{
    char *path = seq_path_join(dir, "metrics.jsonl");
    seq_err err = {{0}};
    seq_metric epoch1[] = {
        {"epoch", 1}, {"loss", 0.41319999}, {"acc", NAN}, {"grad", INFINITY},
        {"steps", 625}, {"big", 123456789}, {"neg", -3}, {"zero", 0}, {"tiny", 2.5e-7},
    };
    CHECK(seq_metrics_append(path, "epoch", epoch1, 9, &err) == 0);
    seq_metric epoch2[] = {{"epoch", 2}, {"val_loss", 0.5}, {"say \"hi\"\n", -INFINITY}};
    CHECK(seq_metrics_append(path, "epoch", epoch2, 3, &err) == 0);
    CHECK(seq_metrics_append(path, "end", NULL, 0, &err) == 0);

    char *text = slurp(path);
    CHECK(text != NULL);
    if (text) {
        const char *want =
            "{\"event\":\"epoch\",\"epoch\":1,\"loss\":0.41319999,\"acc\":null,\"grad\":null,"
            "\"steps\":625,\"big\":123456789,\"neg\":-3,\"zero\":0,\"tiny\":2.5e-07}\n"
            "{\"event\":\"epoch\",\"epoch\":2,\"val_loss\":0.5,\"say \\\"hi\\\"\\n\":null}\n"
            "{\"event\":\"end\"}\n";
        CHECK_STR(text, want);
        for (int i = 0; i < 3; i++) {
            char line[512];
            snprintf(line, sizeof line, "%s\n", line_at(text, i));
            CHECK_MSG(is_flat_json_line(line), "not JSON: %s", line);
        }
    }
    free(text);

    /* the checker itself rejects what is not JSON */
    CHECK(!is_flat_json_line("{\"a\":nan}\n"));
    CHECK(!is_flat_json_line("{\"a\":1,}\n"));
    CHECK(!is_flat_json_line("{\"a\":01}\n"));
    CHECK(is_flat_json_line("{\"a\":-1.5e+09}\n"));

    char *bad = seq_path_join(dir, "no/such/folder/m.jsonl");
    CHECK(seq_metrics_append(bad, "epoch", epoch2, 1, &err) == -1);
    CHECK_MSG(strstr(err.msg, bad) && strstr(err.msg, "cannot open"), "%s", err.msg);
    seq_metric nokey[] = {{NULL, 1}};
    CHECK(seq_metrics_append(path, "epoch", nokey, 1, &err) == -1);
    CHECK_MSG(strstr(err.msg, "no key"), "%s", err.msg);
    unlink(path);
    free(bad);
    free(path);
}

/* ---- SVG --------------------------------------------------------------- */

static void check_svg_text(const char *svg, const char *what)
{
    CHECK_MSG(strncmp(svg, "<svg ", 5) == 0, "%s", what);
    size_t n = strlen(svg);
    CHECK_MSG(n > 7 && strcmp(svg + n - 7, "</svg>\n") == 0, "%s", what);
    CHECK_MSG(!contains_nocase(svg, "nan") && !contains_nocase(svg, "inf"), "%s", what);
    CHECK_MSG(!strstr(svg, "<script") && !strstr(svg, "href"), "%s", what);
    CHECK_MSG(count_of(svg, "<") == count_of(svg, ">"), "%s", what);
}

static void test_svg(const char *dir)
{
    double loss[] = {0.69, 0.52, 0.41, NAN, 0.33, 0.31};
    double val_loss[] = {0.60, 0.50, 0.45, 0.44, 0.46, 0.47};
    double acc[] = {0.55, 0.74, 0.81, 0.85, 0.88, 0.90};
    double val_acc[] = {0.70, 0.78, 0.82, 0.83, 0.83, NAN};
    double none[] = {NAN, NAN, NAN, NAN, NAN, NAN};
    seq_plot_series ls[] = {{"loss", loss}, {"val_loss", val_loss}};
    seq_plot_series ms[] = {{"accuracy", acc}, {"val_accuracy", val_acc}, {"unused", none}};
    seq_err err = {{0}};
    char *a = seq_path_join(dir, "a.svg"), *b = seq_path_join(dir, "b.svg");

    CHECK(seq_plot_curve(a, "IMDB <LSTM> & co", 6, ls, 2, ms, 3, "accuracy", &err) == 0);
    CHECK(seq_plot_curve(b, "IMDB <LSTM> & co", 6, ls, 2, ms, 3, "accuracy", &err) == 0);
    char *sa = slurp(a), *sb = slurp(b);
    CHECK(sa && sb);
    if (sa && sb) {
        check_svg_text(sa, "two panels");
        CHECK_STR(sa, sb);
        CHECK(strstr(sa, ">IMDB &lt;LSTM&gt; &amp; co</text>"));
        CHECK(count_of(sa, "<polyline") == 4); /* not for the all-NaN series */
        CHECK(strstr(sa, ">unused</text>"));   /* still in the legend */
        CHECK(count_of(sa, ">epoch</text>") == 2);
        CHECK(strstr(sa, ">val_accuracy</text>"));
        /* 5 + 6 + 6 + 5 finite points, plus one legend dot per series */
        CHECK(count_of(sa, "<circle") == 22 + 5);
        for (int e = 1; e <= 6; e++) {
            char tick[32];
            snprintf(tick, sizeof tick, ">%d</text>", e);
            CHECK_MSG(count_of(sa, tick) >= 2, "epoch tick %d", e);
        }
    }
    free(sa);
    free(sb);

    /* one epoch, loss only: one panel, the single point still drawn */
    double one[] = {1.25};
    seq_plot_series single[] = {{"loss", one}};
    CHECK(seq_plot_curve(a, "one epoch", 1, single, 1, NULL, 0, NULL, &err) == 0);
    sa = slurp(a);
    if (sa) {
        check_svg_text(sa, "one epoch");
        CHECK(count_of(sa, "<polyline") == 1);
        CHECK(count_of(sa, "<circle") == 2);
        CHECK(count_of(sa, ">epoch</text>") == 1);
        CHECK(strstr(sa, "<circle cx=\"376.0\""));  /* centred in 52..700 */
    }
    free(sa);

    /* flat and extreme values stay finite; no epochs at all still draws */
    double flat[] = {0.0, 0.0, 0.0};
    double wide[] = {1e308, -1e308, 5e-324};
    seq_plot_series odd[] = {{"flat", flat}, {"wide", wide}};
    CHECK(seq_plot_curve(a, "odd", 3, odd, 1, odd + 1, 1, "wide", &err) == 0);
    sa = slurp(a);
    if (sa)
        check_svg_text(sa, "odd values");
    free(sa);
    CHECK(seq_plot_curve(a, "empty", 0, NULL, 0, NULL, 0, NULL, &err) == 0);
    sa = slurp(a);
    if (sa)
        check_svg_text(sa, "no epochs");
    free(sa);

    CHECK(seq_plot_curve(a, "t", -1, ls, 2, NULL, 0, NULL, &err) == -1);
    CHECK_MSG(strstr(err.msg, a) && strstr(err.msg, "-1 epochs"), "%s", err.msg);
    seq_plot_series nameless[] = {{NULL, one}};
    CHECK(seq_plot_curve(a, "t", 1, nameless, 1, NULL, 0, NULL, &err) == -1);
    CHECK_MSG(strstr(err.msg, "no name"), "%s", err.msg);
    char *bad = seq_path_join(dir, "missing/c.svg");
    CHECK(seq_plot_curve(bad, "t", 1, single, 1, NULL, 0, NULL, &err) == -1);
    CHECK_MSG(strstr(err.msg, "missing/c.svg"), "%s", err.msg);

    if (getenv("SEQ_KEEP_SVG")) /* for looking at the picture */
        seq_plot_curve(getenv("SEQ_KEEP_SVG"), "IMDB LSTM", 6, ls, 2, ms, 2, "accuracy", &err);
    unlink(a);
    unlink(b);
    free(bad);
    free(a);
    free(b);
}

int main(void)
{
    char dir[] = "/tmp/test_report.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_progress_plain();
    test_progress_cut_short();
    test_progress_unknown_total();
    test_progress_bar();
    test_metrics(dir);
    test_svg(dir);
    rmdir(dir);
    return check_status("test_report");
}
