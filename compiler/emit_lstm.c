/* emit_lstm.c: LSTM, [T, B, F] -> [B, H] (or [T, B, H] with
 * return_sequences). The input projection of all T steps is one GEMM, the
 * recurrence is unrolled step by step (a GEMM and the fused cell) over row
 * blocks of the batch, and the backward's weight gradients are again one
 * GEMM each over all steps. */
#include <stdio.h>

#include "emit.h"

enum { P_KERNEL, P_RECURRENT, P_BIAS };
enum { B_GATES, B_C, B_H, B_DC, B_DGATES };

static void lstm_params(plan *pl, const layer *l)
{
    int F = l->in.features, H = l->units;
    int kernel[2] = {F, 4 * H}, recurrent[2] = {H, 4 * H}, bias[1] = {4 * H};
    plan_param(pl, l, "kernel", 2, kernel, l->kernel_init, F, 4 * H, 0);
    plan_param(pl, l, "recurrent_kernel", 2, recurrent, l->recurrent_init, H, 4 * H, 0);
    plan_param(pl, l, "bias", 1, bias, l->bias_init, 0, 0, l->unit_forget_bias ? H : 0);
}

static void lstm_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int T = l->in.steps, B = ps->batch, H = l->units;
    io->buf[B_GATES] = pass_add(ps, l, "gates", T, B, 4L * H);
    io->buf[B_C] = pass_add(ps, l, "c", T + 1L, B, H);
    io->buf[B_H] = pass_add(ps, l, "h", T + 1L, B, H);
    /* h block 0 is the initial state; the output is blocks 1..T or block T */
    io->out = io->buf[B_H] + (size_t)(l->return_sequences ? 1 : T) * (size_t)B * (size_t)H;
}

static void lstm_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int T = l->in.steps, B = ps->batch, H = l->units;
    if (l->return_sequences)
        io->dout = pass_add(ps, l, "d out", T, B, H);
    else
        io->dout = pass_add(ps, l, "d out", B, H, 0);
    io->buf[B_DC] = pass_add(ps, l, "dc", B, H, 0);
    io->buf[B_DGATES] = pass_add(ps, l, "dgates", T, B, 4L * H);
}

/* Forward: the input projection for all steps, then the recurrence over
 * row blocks of the batch (NAME_PASS_rows), which the runtime may run on
 * several threads: rows never interact. */
static void lstm_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = l->in.steps, B = ps->batch, F = l->in.features, H = l->units;
    size_t step_gates = (size_t)B * 4 * H, step_state = (size_t)B * H;
    char d[64], c[96], base[64];

    seq_buf_printf(out, "\n/* rows b0 .. b0+nb-1 of the batch, all %d steps */\n"
                        "static void %s_%s_rows(const real *p, real *a, int b0, int nb)\n{\n",
                   T, l->name, ps->suffix);
    emit_ptr(out, 1, "recurrent_kernel", 'p', layer_param(pl, l, P_RECURRENT)->offset,
             dims2(d, sizeof d, H, 4 * H));
    snprintf(base, sizeof base, "%d * b0", 4 * H);
    snprintf(c, sizeof c, "%s i, f, g, o", dims3(d, sizeof d, T, B, 4 * H));
    emit_ptr_rows(out, 0, "gates", 'a', io->buf[B_GATES], base, c);
    snprintf(base, sizeof base, "%d * b0", H);
    snprintf(c, sizeof c, "%s block 0: initial state", dims3(d, sizeof d, T + 1, B, H));
    emit_ptr_rows(out, 0, "c", 'a', io->buf[B_C], base, c);
    emit_ptr_rows(out, 0, "h", 'a', io->buf[B_H], base, c);
    seq_buf_printf(out, "\n    seq_zero((size_t)nb * %d, c);\n    seq_zero((size_t)nb * %d, h);\n", H, H);
    seq_buf_puts(out, "    /* step t: gates[t] += h[t] recurrent_kernel; the cell writes c[t+1], h[t+1] */\n");
    for (int t = 0; t < T; t++) {
        seq_buf_printf(out, "    /* t = %d */\n", t);
        if (t > 0) /* h[0] is zero */
            seq_buf_printf(out, "    seq_matmul(nb, %d, %d, h + %zu, recurrent_kernel, 1, gates + %zu);\n",
                           4 * H, H, t * step_state, t * step_gates);
        seq_buf_printf(out, "    seq_lstm_cell_forward(nb, %d, gates + %zu, c + %zu, c + %zu, h + %zu);\n",
                       H, t * step_gates, t * step_state, (t + 1) * step_state, (t + 1) * step_state);
    }
    seq_buf_puts(out, "}\n");

    seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a)\n{\n", l->name, ps->suffix);
    emit_ptr(out, 1, "kernel", 'p', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, F, 4 * H));
    emit_ptr(out, 1, "bias", 'p', layer_param(pl, l, P_BIAS)->offset, dims1(d, sizeof d, 4 * H));
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, T, B, F));
    emit_ptr(out, 1, "x", 'a', io->in, c);
    emit_ptr(out, 0, "gates", 'a', io->buf[B_GATES], dims3(d, sizeof d, T, B, 4 * H));
    seq_buf_printf(out, "\n    /* gates = x kernel + bias, all %d steps at once */\n", T);
    seq_buf_printf(out, "    seq_fill_rows(%d, %d, bias, gates);\n", T * B, 4 * H);
    seq_buf_printf(out, "    seq_matmul(%d, %d, %d, x, kernel, 1, gates);\n", T * B, 4 * H, F);
    seq_buf_printf(out, "    seq_parallel_rows(%d, %s_%s_rows, p, a);\n}\n", B, l->name, ps->suffix);
}

/* Backward: the recurrence back over row blocks, then the weight gradients
 * of all steps at once. */
static void lstm_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = l->in.steps, B = ps->batch, F = l->in.features, H = l->units;
    size_t step_gates = (size_t)B * 4 * H, step_state = (size_t)B * H;
    char d[64], c[96], base[64];

    seq_buf_printf(out, "\n/* rows b0 .. b0+nb-1 of the batch, all %d steps back */\n"
                        "static void %s_backward_rows(const real *p, real *a, int b0, int nb)\n{\n",
                   T, l->name);
    emit_ptr(out, 1, "recurrent_kernel", 'p', layer_param(pl, l, P_RECURRENT)->offset,
             dims2(d, sizeof d, H, 4 * H));
    snprintf(base, sizeof base, "%d * b0", 4 * H);
    emit_ptr_rows(out, 1, "gates", 'a', io->buf[B_GATES], base, dims3(d, sizeof d, T, B, 4 * H));
    emit_ptr_rows(out, 0, "dgates", 'a', io->buf[B_DGATES], base, dims3(d, sizeof d, T, B, 4 * H));
    snprintf(base, sizeof base, "%d * b0", H);
    emit_ptr_rows(out, 1, "c", 'a', io->buf[B_C], base, dims3(d, sizeof d, T + 1, B, H));
    if (l->return_sequences)
        snprintf(c, sizeof c, "%s d out; gathers the recurrent gradient", dims3(d, sizeof d, T, B, H));
    else
        snprintf(c, sizeof c, "%s d out, then the gradient reaching h[t]", dims2(d, sizeof d, B, H));
    emit_ptr_rows(out, 0, "dh", 'a', io->dout, base, c);
    emit_ptr_rows(out, 0, "dc", 'a', io->buf[B_DC], base, dims2(d, sizeof d, B, H));

    seq_buf_printf(out, "\n    seq_zero((size_t)nb * %d, dc);\n", H);
    seq_buf_puts(out, "    /* step t back: the cell, then the gradient reaching h[t] through recurrent_kernel */\n");
    for (int t = T - 1; t >= 0; t--) {
        char dh_t[48] = "dh";
        if (l->return_sequences)
            snprintf(dh_t, sizeof dh_t, "dh + %zu", t * step_state);
        seq_buf_printf(out, "    /* t = %d */\n", t);
        seq_buf_printf(out, "    seq_lstm_cell_backward(nb, %d, gates + %zu, c + %zu, c + %zu, %s, dc, dgates + %zu);\n",
                       H, t * step_gates, t * step_state, (t + 1) * step_state, dh_t, t * step_gates);
        if (t == 0) /* h[0] is the constant initial state */
            continue;
        if (l->return_sequences)
            seq_buf_printf(out, "    seq_matmul_bt(nb, %d, %d, dgates + %zu, recurrent_kernel, 1, dh + %zu);\n",
                           H, 4 * H, t * step_gates, (t - 1) * step_state);
        else
            seq_buf_printf(out, "    seq_matmul_bt(nb, %d, %d, dgates + %zu, recurrent_kernel, 0, dh);\n",
                           H, 4 * H, t * step_gates);
    }
    seq_buf_puts(out, "}\n");

    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n", l->name);
    emit_ptr(out, 1, "kernel", 'p', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, F, 4 * H));
    emit_ptr(out, 0, "d_kernel", 'g', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, F, 4 * H));
    emit_ptr(out, 0, "d_recurrent_kernel", 'g', layer_param(pl, l, P_RECURRENT)->offset,
             dims2(d, sizeof d, H, 4 * H));
    emit_ptr(out, 0, "d_bias", 'g', layer_param(pl, l, P_BIAS)->offset, dims1(d, sizeof d, 4 * H));
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, T, B, F));
    emit_ptr(out, 1, "x", 'a', io->in, c);
    snprintf(c, sizeof c, "%s blocks 0 .. %d are h[t-1] of each step", dims3(d, sizeof d, T + 1, B, H), T - 1);
    emit_ptr(out, 1, "h", 'a', io->buf[B_H], c);
    emit_ptr(out, 1, "dgates", 'a', io->buf[B_DGATES], dims3(d, sizeof d, T, B, 4 * H));
    snprintf(c, sizeof c, "%s d input", dims3(d, sizeof d, T, B, F));
    emit_ptr(out, 0, "dx", 'a', io->din, c);

    seq_buf_printf(out, "\n    seq_parallel_rows(%d, %s_backward_rows, p, a);\n", B, l->name);
    seq_buf_printf(out, "    /* weight gradients, all %d steps at once */\n", T);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, x, dgates, 0, d_kernel);\n", F, 4 * H, T * B);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, h, dgates, 0, d_recurrent_kernel);\n", H, 4 * H, T * B);
    seq_buf_printf(out, "    seq_colsum(%d, %d, dgates, d_bias);\n", T * B, 4 * H);
    seq_buf_puts(out, "    /* the gradient reaching the input */\n");
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dgates, kernel, 0, dx);\n}\n", T * B, F, 4 * H);
}

const layer_emitter emit_lstm = {
    .params = lstm_params,
    .acts = lstm_acts,
    .grads = lstm_grads,
    .forward = lstm_forward,
    .backward = lstm_backward,
};
