/* diag.c: compiler diagnostics on stderr. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

enum { DIAG_MAX_SHOWN = 20 }; /* a spec of 200,000 unknown keys gets 20 lines */

static const char *diag_filename = "<spec>";
static int diag_errors;
static FILE *diag_stream;

void diag_set_stream(FILE *stream)
{
    diag_stream = stream;
}

void diag_init(const char *file)
{
    diag_filename = file;
    diag_errors = 0;
}

void diag_error(mark at, const char *fmt, ...)
{
    FILE *out = diag_stream ? diag_stream : stderr;
    if (diag_errors++ >= DIAG_MAX_SHOWN) {
        if (diag_errors == DIAG_MAX_SHOWN + 1)
            fprintf(out, "%s: error: more than %d errors; the rest are not shown\n",
                    diag_filename, DIAG_MAX_SHOWN);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    if (at.line > 0)
        fprintf(out, "%s:%d:%d: error: ", diag_filename, at.line, at.col);
    else
        fprintf(out, "%s: error: ", diag_filename);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
}

int diag_count(void)
{
    return diag_errors;
}

const char *diag_file(void)
{
    return diag_filename;
}
