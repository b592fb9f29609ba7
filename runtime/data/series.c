/* series.c: the series kind: a generated sine wave or a CSV file's columns,
 * cut into windows of seq_len rows that predict the target horizon rows
 * after them, split chronologically and scaled with the training rows'
 * statistics (dataset.h). */
#include <stdlib.h>

#include "kind.h"
#include "timeseries.h"

/* Stream of a generated series' noise. */
#define SERIES_STREAM 0x5345524945ULL

/* The windows whose targets are rows [FROM, TO), scaled, with the naive
 * forecast of each (the target's last value in the window). */
static void series_examples(const seq_model_info *info, const seq_timeseries *s,
                            const seq_series_scale *scale, size_t from, size_t to,
                            seq_examples *out)
{
    size_t T = (size_t)info->seq_len, F = (size_t)s->n_features, h = (size_t)info->data.horizon;
    size_t first = T - 1 + h; /* the first row with a whole window before it */
    from = from > first ? from : first;
    size_t n = to > from ? to - from : 0;
    out->n = n;
    out->seq_len = (int)T;
    out->target_width = 1;
    out->n_features = (int)F;
    out->inputs = seq_xmalloc((n ? n : 1) * T * F * sizeof *out->inputs);
    out->targets = seq_xmalloc((n ? n : 1) * sizeof *out->targets);
    out->lengths = seq_xmalloc((n ? n : 1) * sizeof *out->lengths);
    for (size_t i = 0; i < n; i++) {
        out->targets[i] = seq_series_window(s, scale, from + i - first, (int)T, (int)h,
                                            out->inputs + i * T * F);
        out->lengths[i] = (int32_t)T;
    }
}

static int series_file(const seq_model_info *info, const char *path, seq_timeseries *s,
                       seq_err *err)
{
    seq_csv_dialect dl = seq_csv_dialect_of(&info->data);
    return seq_series_csv(path, &dl, info->data.columns, info->data.target, s, err);
}

/* Chronological splits: the last test_split of the rows are the test
 * targets, the validation_split before them validation, the rest train;
 * the scale comes from the training rows alone. */
static int series_load(const seq_model_info *info, const char *root, long limit, unsigned want,
                       char *const *classes, int n_classes, seq_data *out, seq_err *err)
{
    (void)classes, (void)n_classes;
    const seq_data_info *d = &info->data;
    seq_timeseries s;
    int sine = d->format == SEQ_FORMAT_SINE;
    if (sine)
        seq_series_sine(d->length, d->period, d->noise, info->seed ^ SERIES_STREAM, &s);
    else if (series_file(info, root, &s, err) != 0)
        return -1;
    if (limit > 0 && (size_t)limit < s.n_rows)
        s.n_rows = (size_t)limit;
    size_t n = s.n_rows, n_test = (size_t)(d->test_split * (double)n + 0.5);
    size_t n_val = (size_t)(d->validation_split * (double)n + 0.5);
    size_t n_train = n > n_test + n_val ? n - n_test - n_val : 0;
    size_t T = (size_t)info->seq_len, h = (size_t)d->horizon;
    if (n_train < T + h + 1) {
        seq_series_free(&s);
        return seq_fail(err, "%s: %zu rows leave %zu for training, too few for windows of "
                        "seq_len %d and horizon %d", sine ? "the sine wave" : root, n, n_train, info->seq_len, d->horizon);
    }
    out->scale = seq_series_fit(&s, n_train);
    if (want & 1u << SEQ_TRAIN)
        series_examples(info, &s, &out->scale, 0, n_train, &out->split[SEQ_TRAIN]);
    if (want & 1u << SEQ_VAL)
        series_examples(info, &s, &out->scale, n_train, n_train + n_val, &out->split[SEQ_VAL]);
    if (want & 1u << SEQ_TEST)
        series_examples(info, &s, &out->scale, n_train + n_val, n, &out->split[SEQ_TEST]);
    seq_series_free(&s);
    return 0;
}

static int series_load_test_file(const seq_model_info *info, const char *path, long limit,
                                 char *const *classes, int n_classes,
                                 const seq_series_scale *scale, seq_data *out, seq_err *err)
{
    (void)classes, (void)n_classes;
    seq_timeseries s;
    if (series_file(info, path, &s, err) != 0)
        return -1;
    if (limit > 0 && (size_t)limit < s.n_rows)
        s.n_rows = (size_t)limit;
    out->scale = *scale;
    series_examples(info, &s, scale, 0, s.n_rows, &out->split[SEQ_TEST]);
    seq_series_free(&s);
    if (out->split[SEQ_TEST].n == 0) {
        seq_data_free(out);
        return seq_fail(err, "%s: too few rows for one window of seq_len %d and horizon %d",
                        path, info->seq_len, info->data.horizon);
    }
    return 0;
}

static int series_fingerprint(const seq_model_info *info, const char *root, seq_sha256 *h,
                              unsigned long long *size, seq_err *err)
{
    if (info->data.format == SEQ_FORMAT_SINE)
        return 1; /* generated: nothing to fingerprint */
    return seq_data_hash_file(root, h, size, err);
}

const seq_data_type seq_data_series = {
    .flags = SEQ_DATA_VALUES,
    .load = series_load,
    .load_test_file = series_load_test_file,
    .fingerprint = series_fingerprint,
};
