/* data/series.c: data kind series: float values per step, a window
 * predicting a value (mse). */
#include <string.h>

#include "check.h"
#include "data.h"
#include "read.h"

/* A series: numeric CSV columns (a window of rows predicts the target
 * column HORIZON rows after it) or a generated noisy sine wave. The splits
 * are chronological: validation and test are the last rows. */
static int series_read(spec *s, node *n)
{
    static const char *const keys[] = {"kind", "format", "path", "columns", "target", "horizon",
                                       "length", "period", "noise", "validation_split",
                                       "test_split", "test_path", "delimiter", "header", NULL};
    int format = 0;
    if (check_map(n, "'data' (kind series)", keys) != 0 ||
        read_enum(n, "format", "'data'", 1, seq_data_format_words(), &format) != 0)
        return -1;
    if (format != SEQ_FORMAT_CSV && format != SEQ_FORMAT_SINE) {
        diag_error(spec_mark(n, "format"), "kind series reads format csv (numeric columns) "
                   "or sine (a generated wave), not %s", seq_data_format_words()[format]);
        return -1;
    }
    s->data.format = (seq_data_format)format;
    const char *what = format == SEQ_FORMAT_CSV ? "'data' (kind series, format csv)"
                                   : "'data' (kind series, format sine)";
    s->data.horizon = 1;
    int rc = read_int32(n, "horizon", what, 0, 1, SPEC_MAX_SEQ_LEN, &s->data.horizon);
    rc |= read_num(n, "validation_split", what, 0, 0, 0.5, &s->data.validation_split);
    static const char *const csv_keys[] = {"path", "columns", "target", "test_path", "delimiter",
                                           "header", NULL};
    static const char *const sine_keys[] = {"length", "period", "noise", NULL};
    const char *const *other = format == SEQ_FORMAT_CSV ? sine_keys : csv_keys;
    for (int i = 0; other[i]; i++)
        if (field(n, other[i])) {
            diag_error(spec_mark(n, other[i]), "'%s' is for format %s", other[i],
                       format == SEQ_FORMAT_CSV ? "sine (a generated wave)" : "csv (columns of a file)");
            rc = -1;
        }
    if (format != SEQ_FORMAT_CSV) {
        s->data.test_split = 0.2;
        rc |= read_num(n, "test_split", what, 0, 0.01, 0.5, &s->data.test_split);
        s->data.path = "";
        s->n_features = 1;
        s->data.length = 2000;
        s->data.period = 50;
        s->data.noise = 0.1;
        rc |= read_int32(n, "length", what, 0, 10, 10000000, &s->data.length);
        rc |= read_num(n, "period", what, 0, 2, 1e9, &s->data.period);
        rc |= read_num(n, "noise", what, 0, 0, 1e3, &s->data.noise);
        return rc ? -1 : 0;
    }
    rc |= data_read_test_part(s, n, what, 0.2);
    rc |= data_read_dialect(s, n);
    rc |= read_str(n, "path", what, 1, &s->data.path);
    node *cols = field(n, "columns");
    if (!cols)
        return missing(n, "columns", what);
    if (cols->kind != NODE_SEQ || cols->n == 0) {
        diag_error(cols->at, s->data.headerless
                   ? "'columns' must be a list of column numbers (0-based; 'header' is false), "
                     "such as [1, 4]"
                   : "'columns' must be a list of column names, such as [Open, Close]");
        return -1;
    }
    seq_buf joined = {0};
    if (data_join_columns(s, cols, &joined) != 0) {
        seq_buf_free(&joined);
        return -1;
    }
    s->data.columns = s->columns_text = joined.data;
    s->n_features = cols->n;
    if (rc == 0)
        rc |= data_read_column(s, n, "target", what, &s->data.target);
    int has_target = 0;
    for (int i = 0; rc == 0 && i < cols->n; i++)
        has_target |= strcmp(cols->items[i]->text, s->data.target) == 0;
    if (rc == 0 && !has_target) {
        diag_error(field(n, "target")->at, "the target '%s' must be one of 'columns' (the "
                   "naive baseline repeats its last value)", s->data.target);
        rc = -1;
    }
    return rc ? -1 : 0;
}

static int series_check_loss(spec *s, const layer *last)
{
    if (s->loss.kind != SEQ_LOSS_MSE) {
        diag_error(s->loss.src->at, "a series model predicts a value: use loss mse");
        return -1;
    }
    return check_output(s, last);
}

const data_type data_series = {
    .kind = SEQ_DATA_SERIES,
    .flags = DATA_VALUES,
    .api = DATA_API_WINDOW,
    .read = series_read,
    .check_loss = series_check_loss,
};
