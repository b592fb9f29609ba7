/* timeseries.c: numeric series (a generated sine wave, CSV columns), their
 * scaling and their windows. */
#include "timeseries.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "csv.h"

void seq_series_sine(int length, double period, double noise, unsigned long long seed,
                     seq_timeseries *out)
{
    const double pi = 3.14159265358979323846;
    seq_rng rng;
    seq_rng_seed(&rng, seed);
    out->n_rows = (size_t)length;
    out->n_features = 1;
    out->target = 0;
    out->values = seq_xmalloc((size_t)(length ? length : 1) * sizeof *out->values);
    for (int t = 0; t < length; t++)
        out->values[t] = sin(2 * pi * t / period) + noise * seq_rng_normal(&rng);
}

int seq_series_csv(const char *path, const seq_csv_dialect *d, const char *columns,
                   const char *target, seq_timeseries *out, seq_err *err)
{
    memset(out, 0, sizeof *out);
    seq_csv csv;
    if (seq_csv_read_as(path, d, &csv, err) != 0)
        return -1;
    int F = 1;
    for (const char *c = columns; *c; c++)
        F += *c == ',';
    if (F > SEQ_SERIES_MAX_FEATURES) {
        seq_csv_free(&csv);
        return seq_fail(err, "%s: %d columns; a series takes at most %d", path, F,
                        SEQ_SERIES_MAX_FEATURES);
    }
    out->n_rows = csv.n_rows;
    out->n_features = F;
    out->target = -1;
    out->values = seq_xmalloc((csv.n_rows ? csv.n_rows : 1) * (size_t)F * sizeof *out->values);
    const char *name = columns;
    for (int f = 0; f < F; f++) {
        size_t len = strcspn(name, ",");
        char *column = seq_xstrndup(name, len);
        double *v;
        int rc = seq_csv_numbers(&csv, path, column, &v, err);
        if (rc == 0) {
            for (size_t r = 0; r < csv.n_rows; r++)
                out->values[r * (size_t)F + (size_t)f] = v[r];
            free(v);
            if (strcmp(column, target) == 0)
                out->target = f;
        }
        free(column);
        if (rc != 0) {
            seq_csv_free(&csv);
            seq_series_free(out);
            return -1;
        }
        name += len + (name[len] == ',');
    }
    seq_csv_free(&csv);
    if (out->target < 0) {
        seq_series_free(out);
        return seq_fail(err, "%s: the target column \"%s\" is not among the columns %s", path,
                        target, columns);
    }
    return 0;
}

void seq_series_free(seq_timeseries *s)
{
    free(s->values);
    memset(s, 0, sizeof *s);
}

seq_series_scale seq_series_fit(const seq_timeseries *s, size_t n_rows)
{
    seq_series_scale sc;
    memset(&sc, 0, sizeof sc);
    sc.n_features = s->n_features;
    sc.target = s->target;
    size_t F = (size_t)s->n_features;
    for (size_t f = 0; f < F; f++) {
        double sum = 0, sq = 0;
        for (size_t r = 0; r < n_rows; r++)
            sum += s->values[r * F + f];
        double mean = n_rows ? sum / (double)n_rows : 0;
        for (size_t r = 0; r < n_rows; r++) {
            double d = s->values[r * F + f] - mean;
            sq += d * d;
        }
        double std = n_rows ? sqrt(sq / (double)n_rows) : 0;
        sc.mean[f] = mean;
        sc.std[f] = std > 0 ? std : 1;
    }
    return sc;
}

float seq_series_window(const seq_timeseries *s, const seq_series_scale *scale, size_t first,
                        int steps, int horizon, float *x)
{
    size_t F = (size_t)s->n_features;
    for (size_t t = 0; t < (size_t)steps; t++)
        for (size_t f = 0; f < F; f++)
            x[t * F + f] = (float)((s->values[(first + t) * F + f] - scale->mean[f]) /
                                   scale->std[f]);
    size_t row = first + (size_t)steps - 1 + (size_t)horizon, k = (size_t)scale->target;
    return (float)((s->values[row * F + k] - scale->mean[k]) / scale->std[k]);
}

double seq_series_unscale(const seq_series_scale *scale, double y)
{
    return y * scale->std[scale->target] + scale->mean[scale->target];
}
