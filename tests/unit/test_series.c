/* test_series.c: numeric series: the generated sine wave (seeded, the noise
 * it is asked for), CSV columns in the spec's order with file:line errors,
 * statistics of the training rows only, and scaled windows. */
#include "check.h"
#include "data/timeseries.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_root[] = "/tmp/test_series.XXXXXX";

static char *write_temp(const char *name, const char *text)
{
    return check_write_file(tmp_root, name, text);
}

static void test_sine(void)
{
    seq_timeseries a, b, c, clean;
    seq_series_sine(1000, 50, 0.1, 7, &a);
    seq_series_sine(1000, 50, 0.1, 7, &b);
    seq_series_sine(1000, 50, 0.1, 8, &c);
    seq_series_sine(1000, 50, 0, 7, &clean);
    CHECK(a.n_rows == 1000 && a.n_features == 1 && a.target == 0);
    CHECK(memcmp(a.values, b.values, 1000 * sizeof *a.values) == 0); /* same seed, same wave */
    CHECK(memcmp(a.values, c.values, 1000 * sizeof *a.values) != 0);
    CHECK_NEAR(clean.values[0], 0, 1e-15);
    CHECK_NEAR(clean.values[25], 0, 1e-12);     /* half a period */
    CHECK_NEAR(clean.values[12], sin(2 * 3.14159265358979323846 * 12 / 50), 1e-12);
    double sq = 0;
    for (int t = 0; t < 1000; t++)
        sq += (a.values[t] - clean.values[t]) * (a.values[t] - clean.values[t]);
    CHECK_NEAR(sqrt(sq / 1000), 0.1, 0.01); /* the noise asked for */
    seq_series_free(&a);
    seq_series_free(&b);
    seq_series_free(&c);
    seq_series_free(&clean);
}

static void test_csv_columns(void)
{
    seq_err err;
    seq_timeseries s;
    char *ok = write_temp("ok.csv", "Date,Open,Close,Volume\n"
                                    "d1,1,2,100\nd2,3,4,200\nd3,5,6,300\nd4,7,8,400\n");
    CHECK(seq_series_csv(ok, NULL, "Volume,Close", "Close", &s, &err) == 0);
    CHECK(s.n_rows == 4 && s.n_features == 2 && s.target == 1);
    CHECK(s.values[0] == 100 && s.values[1] == 2 && s.values[6] == 400 && s.values[7] == 8);

    /* the statistics of the first two rows only; a window scaled by them */
    seq_series_scale sc = seq_series_fit(&s, 2);
    CHECK_NEAR(sc.mean[0], 150, 1e-12);
    CHECK_NEAR(sc.std[0], 50, 1e-12);
    CHECK_NEAR(sc.mean[1], 3, 1e-12);
    CHECK_NEAR(sc.std[1], 1, 1e-12);
    float x[2 * 2];
    float y = seq_series_window(&s, &sc, 1, 2, 1, x); /* rows 1, 2 -> row 3's close */
    CHECK_NEAR(x[0], 1, 1e-6);  /* (200 - 150) / 50 */
    CHECK_NEAR(x[1], 1, 1e-6);  /* (4 - 3) / 1 */
    CHECK_NEAR(x[2], 3, 1e-6);
    CHECK_NEAR(y, 5, 1e-6);     /* (8 - 3) / 1 */
    CHECK_NEAR(seq_series_unscale(&sc, y), 8, 1e-12);
    seq_series_free(&s);

    /* a constant column scales to 0, not to a division by zero */
    char *flat = write_temp("flat.csv", "a,b\n1,5\n2,5\n3,5\n");
    CHECK(seq_series_csv(flat, NULL, "a,b", "a", &s, &err) == 0);
    sc = seq_series_fit(&s, 3);
    CHECK(sc.std[1] == 1);
    seq_series_free(&s);

    char *bad = write_temp("bad.csv", "Open,Close\n1,2\n3,n/a\n");
    CHECK(seq_series_csv(bad, NULL, "Open,Close", "Close", &s, &err) != 0);
    CHECK_MSG(strstr(err.msg, "bad.csv:3:") && strstr(err.msg, "Close"), "got: %s", err.msg);
    CHECK(s.values == NULL);
    CHECK(seq_series_csv(ok, NULL, "Open,High", "Open", &s, &err) != 0);
    CHECK_MSG(strstr(err.msg, "High"), "got: %s", err.msg);
    CHECK(seq_series_csv(ok, NULL, "Open", "Close", &s, &err) != 0);
    CHECK_MSG(strstr(err.msg, "target"), "got: %s", err.msg);
    char *missing = seq_path_join(tmp_root, "missing.csv");
    CHECK(seq_series_csv(missing, NULL, "Open", "Open", &s, &err) != 0);
    CHECK_MSG(strstr(err.msg, "missing.csv"), "got: %s", err.msg);
    char *empty = write_temp("empty.csv", "");
    CHECK(seq_series_csv(empty, NULL, "Open", "Open", &s, &err) != 0);
    CHECK_MSG(strstr(err.msg, "empty.csv"), "got: %s", err.msg);
    /* semicolons and no header row: columns by number */
    const seq_csv_dialect bare = {';', 0};
    char *semi = write_temp("semi.csv", "d1;1;2;100\nd2;3;4;200\nd3;5;6;300\n");
    CHECK(seq_series_csv(semi, &bare, "3,2", "2", &s, &err) == 0);
    CHECK(s.n_rows == 3 && s.n_features == 2 && s.target == 1);
    CHECK(s.values[0] == 100 && s.values[1] == 2 && s.values[5] == 6);
    seq_series_free(&s);
    CHECK(seq_series_csv(semi, &bare, "4", "4", &s, &err) != 0);
    CHECK_MSG(strstr(err.msg, "no column 4 (the file has no header row"), "got: %s", err.msg);
    remove(ok), remove(flat), remove(bad), remove(empty), remove(semi);
    free(ok), free(flat), free(bad), free(missing), free(empty), free(semi);
}

int main(void)
{
    CHECK(mkdtemp(tmp_root) != NULL);
    test_sine();
    test_csv_columns();
    rmdir(tmp_root);
    return check_status("test_series");
}
