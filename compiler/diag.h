/* diag.h: compiler diagnostics, "file:line:col: error: message". */
#ifndef SEQC_DIAG_H
#define SEQC_DIAG_H

#include <stdio.h>

#if defined(__GNUC__)
#define DIAG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DIAG_PRINTF(f, a)
#endif

/* A position in the spec file, 1-based. line 0 means "the whole file". */
typedef struct mark {
    int line, col;
} mark;

/* Collects errors; the compiler stops writing anything once one is reported. */
void diag_init(const char *file);
void diag_error(mark at, const char *fmt, ...) DIAG_PRINTF(2, 3);
int diag_count(void);
/* Where messages go: stderr unless set (the fuzz target discards them). */
void diag_set_stream(FILE *stream);
const char *diag_file(void);

#endif
