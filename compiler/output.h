/* output.h: putting the emitted files in place, or comparing them with what
 * is there (the CI check mode). */
#ifndef SEQC_OUTPUT_H
#define SEQC_OUTPUT_H

#include "emit.h"

/* Creates DIR if needed and writes each file atomically; a file whose
 * contents are unchanged is not touched (so builds stay incremental).
 * Returns 0, or 1 after printing an I/O error. */
int output_write(const char *dir, out_file files[EMIT_FILES]);

/* Writes the files into a temporary folder and diffs DIR against it,
 * printing `diff -u` output for any stale or missing file. Returns 0 when
 * DIR is up to date, 1 when not (or on an I/O error). */
int output_check(const char *dir, out_file files[EMIT_FILES]);

#endif
