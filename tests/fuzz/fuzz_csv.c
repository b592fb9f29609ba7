/* fuzz_csv.c: the CSV reader on arbitrary bytes, in the dialect the first
 * byte picks (delimiter, header row); every cell of a file it accepts is read,
 * and each column as numbers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The dialect of byte B: one of four delimiters, with or without a header. */
static seq_csv_dialect dialect(uint8_t b)
{
    static const char delimiters[] = {',', '\t', ';', '|'};
    seq_csv_dialect d = {delimiters[b & 3], !(b & 4)};
    return d;
}

static void read_numbers(const seq_csv *c)
{
    for (size_t col = 0; c->header && col < c->n_cols; col++) {
        double *v = NULL;
        seq_err err;
        if (seq_csv_numbers(c, "fuzz.csv", c->header[col], &v, &err) == 0 && c->n_rows && !v)
            abort();
        free(v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    seq_csv_dialect d = dialect(data[0]);
    seq_csv c;
    seq_err err;
    if (seq_csv_parse_as("fuzz.csv", (const char *)data + 1, size - 1, &d, &c, &err) != 0)
        return 0;
    for (size_t r = 0; r < c.n_rows; r++)
        for (size_t col = 0; col < c.n_cols; col++)
            if (!seq_csv_cell(&c, r, (int)col))
                abort();
    read_numbers(&c);
    seq_csv_free(&c);
    return 0;
}
