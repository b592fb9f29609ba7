/* diag.c: compiler diagnostics on stderr. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

enum { DIAG_MAX_SHOWN = 20 }; /* a spec of 200,000 unknown keys gets 20 lines */

static const char *diag_filename = "<spec>";
static int diag_errors;

void diag_init(const char *file)
{
    diag_filename = file;
    diag_errors = 0;
}

void diag_error(mark at, const char *fmt, ...)
{
    if (diag_errors++ >= DIAG_MAX_SHOWN) {
        if (diag_errors == DIAG_MAX_SHOWN + 1)
            fprintf(stderr, "%s: error: more than %d errors; the rest are not shown\n",
                    diag_filename, DIAG_MAX_SHOWN);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    if (at.line > 0)
        fprintf(stderr, "%s:%d:%d: error: ", diag_filename, at.line, at.col);
    else
        fprintf(stderr, "%s: error: ", diag_filename);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
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
