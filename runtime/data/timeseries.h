/* timeseries.h: a numeric series cut into windows: a generated noisy sine wave
 * or columns of a CSV file, scaled with statistics of the training rows. */
#ifndef SEQ_TIMESERIES_H
#define SEQ_TIMESERIES_H

#include <stddef.h>

#include "base/util.h"
#include "csv.h"

enum { SEQ_SERIES_MAX_FEATURES = 64 };

/* Each feature is fed as (x - mean) / std; the target is the feature at
 * index TARGET, scaled the same way. */
typedef struct seq_series_scale {
    int n_features, target;
    double mean[SEQ_SERIES_MAX_FEATURES], std[SEQ_SERIES_MAX_FEATURES];
} seq_series_scale;

/* The series' rows: values [n_rows, n_features], row-major, unscaled. */
typedef struct seq_timeseries {
    size_t n_rows;
    int n_features, target;
    double *values;
} seq_timeseries;

/* sin(2 pi t / PERIOD) + NOISE * N(0, 1) for t < LENGTH, the noise drawn
 * from SEED. */
void seq_series_sine(int length, double period, double noise, unsigned long long seed,
                     seq_timeseries *out);
/* The comma-separated COLUMNS of the CSV file PATH (in dialect D; NULL: RFC
 * 4180; without a header row the columns are named "0", "1", ...), in that
 * order; TARGET names the one predicted. Fails naming the file and line of a
 * bad cell. */
int seq_series_csv(const char *path, const seq_csv_dialect *d, const char *columns,
                   const char *target, seq_timeseries *out, seq_err *err);
void seq_series_free(seq_timeseries *s);

/* Mean and standard deviation of each feature over the first N_ROWS rows
 * (a constant feature gets std 1, so it scales to 0). */
seq_series_scale seq_series_fit(const seq_timeseries *s, size_t n_rows);

/* One window: the rows [FIRST, FIRST + STEPS) scaled into X [steps,
 * n_features]; returns the scaled target HORIZON rows after the last. */
float seq_series_window(const seq_timeseries *s, const seq_series_scale *scale, size_t first,
                        int steps, int horizon, float *x);

/* A scaled target back in the data's units. */
double seq_series_unscale(const seq_series_scale *scale, double y);

#endif
