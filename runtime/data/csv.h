/* csv.h: RFC 4180 CSV files read whole into memory: comma-, tab- or
 * otherwise-separated, with a header row or without. */
#ifndef SEQ_CSV_H
#define SEQ_CSV_H

#include <stddef.h>

#include "base/util.h"

/* All the strings live in one block owned by the struct: free it only with
 * seq_csv_free, never a cell on its own. */
typedef struct seq_csv {
    size_t n_rows, n_cols;  /* data rows (the header row not counted) and columns */
    char **header;          /* n_cols column names; without a header row "0", "1", ... */
    int headerless;         /* the file had no header row */
    char *block, *names_block; /* own the strings (the fields; the numbered names) */
    char **cells;           /* n_rows * n_cols fields, row-major, NUL-terminated, unescaped */
    size_t *lines;          /* n_rows: the 1-based line of the file where each row starts */
} seq_csv;

/* How a file is written: the field separator and whether the first row
 * names the columns. A file without a header row gets the column names "0",
 * "1", ... (0-based), so columns are looked up by name either way. */
typedef struct seq_csv_dialect {
    char delimiter; /* ',' (RFC 4180), '\t', ';', ... never a quote or a line break */
    int header;     /* the first row names the columns */
} seq_csv_dialect;

/* RFC 4180: commas, a header row. */
extern const seq_csv_dialect seq_csv_rfc4180;

/* Reads PATH: RFC 4180 (fields separated by commas, rows by CRLF or LF; a field in
 * double quotes may hold commas, line breaks and doubled quotes ""), a UTF-8 byte-order
 * mark skipped, the first row the header. A final line break is optional; empty lines
 * between rows are an error unless the file has a single column. Fails naming
 * PATH:LINE on: invalid UTF-8, a row with a different number of fields than the header
 * (say how many of each), a quote inside an unquoted field, text after a closing quote,
 * an unterminated quoted field (name the line where it opened), an empty file, a
 * duplicate or empty column name. Never crashes; large files (100 MB) read in one pass.
 * Also refused, as they would silently cut or change a field: a NUL byte, and a
 * carriage return outside quotes that is not part of a CRLF. *OUT is zeroed on failure. */
int seq_csv_read(const char *path, seq_csv *out, seq_err *err);

/* Parses TEXT (LEN bytes, need not be NUL-terminated) as seq_csv_read does a
 * file; NAME_FOR_ERRORS stands for the file in messages. */
int seq_csv_parse(const char *name_for_errors, const char *text, size_t len, seq_csv *out,
                  seq_err *err);

/* The same in dialect D (NULL: RFC 4180). The rules are RFC 4180's with D's
 * delimiter in place of the comma: a field that starts with a quote is
 * quoted (it may hold the delimiter, line breaks and doubled quotes), and a
 * quote inside an unquoted field is an error, except in a tab-separated
 * file, where it is text (He said "no"). Without a header row, every row
 * must have as many fields as the first, and a file with no rows is empty. */
int seq_csv_read_as(const char *path, const seq_csv_dialect *d, seq_csv *out, seq_err *err);
int seq_csv_parse_as(const char *name_for_errors, const char *text, size_t len,
                     const seq_csv_dialect *d, seq_csv *out, seq_err *err);

int seq_csv_column(const seq_csv *c, const char *name); /* index, or -1 */

/* The index of column NAME, or -1 failing with a message that names PATH and
 * lists the columns there are. */
int seq_csv_require_column(const seq_csv *c, const char *path, const char *name, seq_err *err);

/* The field at ROW, COL; NULL if either is out of range. */
const char *seq_csv_cell(const seq_csv *c, size_t row, int col);

void seq_csv_free(seq_csv *c); /* safe on a zeroed struct */

/* Reads the decimal number at the start of S into *VALUE ([+-] digits [.
 * digits] [e [+-] digits]; no hex, inf or nan, no leading space) and returns
 * its length, or 0 if S does not start with one (nor with "0x": hex is
 * refused, not read as 0). An overflow reads as +-inf. */
size_t seq_decimal(const char *s, double *value);

/* Reads a column of numbers: every cell must be a decimal number (seq_decimal;
 * leading/trailing spaces allowed) that a float holds (at most FLT_MAX in
 * magnitude); fails naming PATH:LINE and the column otherwise.
 * *values is malloc'd, n_rows long. */
int seq_csv_numbers(const seq_csv *c, const char *path, const char *column, double **values,
                    seq_err *err);

#endif
