/* diag.c: compiler diagnostics on stderr. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

static const char *diag_filename = "<spec>";
static int diag_errors;

void diag_init(const char *file)
{
    diag_filename = file;
    diag_errors = 0;
}

void diag_error(mark at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (at.line > 0)
        fprintf(stderr, "%s:%d:%d: error: ", diag_filename, at.line, at.col);
    else
        fprintf(stderr, "%s: error: ", diag_filename);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    diag_errors++;
}

int diag_count(void)
{
    return diag_errors;
}

const char *diag_file(void)
{
    return diag_filename;
}
