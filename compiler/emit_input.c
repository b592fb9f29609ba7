/* emit_input.c: a series model's input, its window of float values
 * [B, T, F] laid out as a blocked sequence for the first layer. A text
 * model's input is its embedding's token ids instead. */
#include <stdio.h>

#include "emit.h"

void input_emit_pass(seq_buf *out, const plan *pl, const pass *ps)
{
    const spec *s = pl->s;
    int T = s->seq_len, F = s->n_features;
    char c[96];
    seq_buf_printf(out, "\nstatic void input_%s(real *a, const float *x)\n{\n", ps->suffix);
    snprintf(c, sizeof c, "[%d, %d, %d, %d]", ps->blocks, T, ps->rows, F);
    emit_ptr(out, 0, "window", 'a', ps->input, c);
    seq_buf_printf(out, "\n    /* window[b / %d, t, b %% %d] = x[b, t] */\n"
                        "    seq_series_input(%d, %d, %d, %d, x, window);\n}\n",
                   ps->rows, ps->rows, ps->batch, T, F, ps->rows);
}

void input_emit(seq_buf *out, const plan *pl)
{
    const spec *s = pl->s;
    if (!s->series)
        return;
    emit_rule(out, "input: the series window (None, %d, %d)", s->seq_len, s->n_features);
    input_emit_pass(out, pl, &pl->train);
    input_emit_pass(out, pl, &pl->predict);
}
