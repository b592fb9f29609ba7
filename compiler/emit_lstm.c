/* emit_lstm.c: LSTM, [T, B, F] -> [B, H] (or [T, B, H] with
 * return_sequences), one block of batch rows at a time: the block's input
 * projection for all T steps is one GEMM, the recurrence is unrolled step by
 * step (a GEMM and the fused cell), and the backward's weight gradients are
 * one GEMM each over all steps of the block; the blocks' shares are then
 * summed in block order. */
#include <stdio.h>

#include "emit.h"

enum { P_KERNEL, P_RECURRENT, P_BIAS };
enum { B_GATES, B_C, B_H, B_DC, B_DGATES, B_DBIAS, B_PKERNEL, B_PRECURRENT, B_PBIAS };

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
    int T = l->in.steps, R = ps->rows, H = l->units;
    io->buf[B_GATES] = pass_add_seq(ps, l, "gates", T, 4L * H);
    io->buf[B_C] = pass_add_seq(ps, l, "c", T + 1L, H);
    io->buf[B_H] = pass_add_seq(ps, l, "h", T + 1L, H);
    if (l->return_sequences) { /* h without its initial state */
        io->out = io->buf[B_H] + (size_t)R * H;
        io->out_stride = (size_t)(T + 1) * R * H;
    } else {
        io->out = pass_add(ps, l, "out", ps->batch, H, 0);
    }
}

static void lstm_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int T = l->in.steps, B = ps->batch, H = l->units, F = l->in.features, N = ps->blocks;
    if (l->return_sequences) {
        io->dout = pass_add_seq(ps, l, "d out", T, H);
        io->dout_stride = (size_t)T * ps->rows * H;
    } else {
        io->dout = pass_add(ps, l, "d out", B, H, 0);
    }
    io->buf[B_DC] = pass_add(ps, l, "dc", B, H, 0);
    io->buf[B_DGATES] = pass_add_seq(ps, l, "dgates", T, 4L * H);
    io->buf[B_DBIAS] = pass_add(ps, l, "dbias_rows", B, 4L * H, 0);
    io->buf[B_PKERNEL] = pass_add(ps, l, "d kernel_blocks", N, F, 4L * H);
    io->buf[B_PRECURRENT] = pass_add(ps, l, "d recurrent_kernel_blocks", N, H, 4L * H);
    io->buf[B_PBIAS] = pass_add(ps, l, "d bias_blocks", N, 4L * H, 0);
}

/* A pointer to block blk of a tensor whose blocks are STRIDE reals apart. */
static void block_ptr(seq_buf *out, int is_const, const char *name, size_t offset, size_t stride,
                      const char *comment)
{
    char row[48];
    snprintf(row, sizeof row, "%zu * blk", stride);
    emit_ptr_rows(out, is_const, name, 'a', offset, row, comment);
}

static void lstm_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = l->in.steps, R = ps->rows, F = l->in.features, H = l->units;
    size_t step_gates = (size_t)R * 4 * H, step_state = (size_t)R * H;
    char d[64], c[96];

    seq_buf_printf(out, "\n/* block blk: rows %d*blk .. %d*blk+%d of the batch, all %d steps */\n"
                        "static void %s_%s_block(const real *p, real *a, int blk)\n{\n",
                   R, R, R - 1, T, l->name, ps->suffix);
    emit_ptr(out, 1, "kernel", 'p', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, F, 4 * H));
    emit_ptr(out, 1, "recurrent_kernel", 'p', layer_param(pl, l, P_RECURRENT)->offset,
             dims2(d, sizeof d, H, 4 * H));
    emit_ptr(out, 1, "bias", 'p', layer_param(pl, l, P_BIAS)->offset, dims1(d, sizeof d, 4 * H));
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, T, R, F));
    block_ptr(out, 1, "x", io->in, io->in_stride, c);
    snprintf(c, sizeof c, "%s i, f, g, o", dims3(d, sizeof d, T, R, 4 * H));
    block_ptr(out, 0, "gates", io->buf[B_GATES], (size_t)T * step_gates, c);
    snprintf(c, sizeof c, "%s step 0: the initial state", dims3(d, sizeof d, T + 1, R, H));
    block_ptr(out, 0, "c", io->buf[B_C], (size_t)(T + 1) * step_state, c);
    block_ptr(out, 0, "h", io->buf[B_H], (size_t)(T + 1) * step_state, c);
    if (!l->return_sequences)
        block_ptr(out, 0, "out", io->out, step_state, dims2(d, sizeof d, R, H));

    seq_buf_printf(out, "\n    /* gates = x kernel, all %d steps at once */\n", T);
    seq_buf_printf(out, "    seq_matmul(%d, %d, %d, x, kernel, 0, gates);\n", T * R, 4 * H, F);
    seq_buf_printf(out, "    seq_zero(%zu, c);\n    seq_zero(%zu, h);\n", step_state, step_state);
    seq_buf_puts(out, "    /* step t: gates[t] += h[t] recurrent_kernel; the cell adds the bias and\n"
                      "     * writes c[t+1], h[t+1] */\n");
    for (int t = 0; t < T; t++) {
        seq_buf_printf(out, "    /* t = %d */\n", t);
        if (t > 0) /* h[0] is zero */
            seq_buf_printf(out, "    seq_matmul(%d, %d, %d, h + %zu, recurrent_kernel, 1, gates + %zu);\n",
                           R, 4 * H, H, t * step_state, t * step_gates);
        seq_buf_printf(out, "    seq_lstm_cell_forward(%d, %d, bias, gates + %zu, c + %zu, c + %zu, h + %zu);\n",
                       R, H, t * step_gates, t * step_state, (t + 1) * step_state, (t + 1) * step_state);
    }
    if (!l->return_sequences)
        seq_buf_printf(out, "    seq_copy(%zu, h + %zu, out);\n", step_state, T * step_state);
    seq_buf_puts(out, "}\n");

    seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a)\n{\n"
                        "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n",
                   l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

static void lstm_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = l->in.steps, R = ps->rows, F = l->in.features, H = l->units, N = ps->blocks;
    size_t step_gates = (size_t)R * 4 * H, step_state = (size_t)R * H;
    char d[64], c[96];

    seq_buf_printf(out, "\n/* block blk, all %d steps back, and its share of the weight gradients */\n"
                        "static void %s_backward_block(const real *p, real *a, int blk)\n{\n",
                   T, l->name);
    emit_ptr(out, 1, "kernel", 'p', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, F, 4 * H));
    emit_ptr(out, 1, "recurrent_kernel", 'p', layer_param(pl, l, P_RECURRENT)->offset,
             dims2(d, sizeof d, H, 4 * H));
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, T, R, F));
    block_ptr(out, 1, "x", io->in, io->in_stride, c);
    block_ptr(out, 1, "gates", io->buf[B_GATES], (size_t)T * step_gates, dims3(d, sizeof d, T, R, 4 * H));
    block_ptr(out, 1, "c", io->buf[B_C], (size_t)(T + 1) * step_state, dims3(d, sizeof d, T + 1, R, H));
    block_ptr(out, 1, "h", io->buf[B_H], (size_t)(T + 1) * step_state, dims3(d, sizeof d, T + 1, R, H));
    if (l->return_sequences) {
        snprintf(c, sizeof c, "%s d out; gathers the recurrent gradient", dims3(d, sizeof d, T, R, H));
        block_ptr(out, 0, "dh", io->dout, io->dout_stride, c);
    } else {
        snprintf(c, sizeof c, "%s d out, then the gradient reaching h[t]", dims2(d, sizeof d, R, H));
        block_ptr(out, 0, "dh", io->dout, step_state, c);
    }
    block_ptr(out, 0, "dc", io->buf[B_DC], step_state, dims2(d, sizeof d, R, H));
    block_ptr(out, 0, "dgates", io->buf[B_DGATES], (size_t)T * step_gates, dims3(d, sizeof d, T, R, 4 * H));
    snprintf(c, sizeof c, "%s each row's sum of dgates", dims2(d, sizeof d, R, 4 * H));
    block_ptr(out, 0, "dbias_rows", io->buf[B_DBIAS], step_gates, c);
    snprintf(c, sizeof c, "%s d input", dims3(d, sizeof d, T, R, F));
    block_ptr(out, 0, "dx", io->din, io->din_stride, c);
    block_ptr(out, 0, "d_kernel", io->buf[B_PKERNEL], (size_t)F * 4 * H, dims2(d, sizeof d, F, 4 * H));
    block_ptr(out, 0, "d_recurrent_kernel", io->buf[B_PRECURRENT], (size_t)H * 4 * H,
              dims2(d, sizeof d, H, 4 * H));
    block_ptr(out, 0, "d_bias", io->buf[B_PBIAS], (size_t)4 * H, dims1(d, sizeof d, 4 * H));

    seq_buf_printf(out, "\n    seq_zero(%zu, dc);\n    seq_zero(%zu, dbias_rows);\n", step_state, step_gates);
    seq_buf_puts(out, "    /* step t back: the cell, then the gradient reaching h[t] through recurrent_kernel */\n");
    for (int t = T - 1; t >= 0; t--) {
        char dh_t[48] = "dh";
        if (l->return_sequences)
            snprintf(dh_t, sizeof dh_t, "dh + %zu", t * step_state);
        seq_buf_printf(out, "    /* t = %d */\n", t);
        seq_buf_printf(out, "    seq_lstm_cell_backward(%d, %d, gates + %zu, c + %zu, c + %zu, %s, dc, dgates + %zu, dbias_rows);\n",
                       R, H, t * step_gates, t * step_state, (t + 1) * step_state, dh_t, t * step_gates);
        if (t == 0) /* h[0] is the constant initial state */
            continue;
        if (l->return_sequences)
            seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dgates + %zu, recurrent_kernel, 1, dh + %zu);\n",
                           R, H, 4 * H, t * step_gates, (t - 1) * step_state);
        else
            seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dgates + %zu, recurrent_kernel, 0, dh);\n",
                           R, H, 4 * H, t * step_gates);
    }
    seq_buf_printf(out, "\n    /* this block's weight gradients, all %d steps at once */\n", T);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, x, dgates, 0, d_kernel);\n", F, 4 * H, T * R);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, h, dgates, 0, d_recurrent_kernel);\n", H, 4 * H, T * R);
    seq_buf_printf(out, "    seq_colsum(%d, %d, dbias_rows, d_bias);\n", R, 4 * H);
    seq_buf_puts(out, "    /* the gradient reaching the input */\n");
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, dgates, kernel, 0, dx);\n}\n", T * R, F, 4 * H);

    seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n", l->name);
    emit_ptr(out, 0, "d_kernel", 'g', layer_param(pl, l, P_KERNEL)->offset, dims2(d, sizeof d, F, 4 * H));
    emit_ptr(out, 0, "d_recurrent_kernel", 'g', layer_param(pl, l, P_RECURRENT)->offset,
             dims2(d, sizeof d, H, 4 * H));
    emit_ptr(out, 0, "d_bias", 'g', layer_param(pl, l, P_BIAS)->offset, dims1(d, sizeof d, 4 * H));
    snprintf(c, sizeof c, "[%d, %d, %d] the blocks' shares", N, F, 4 * H);
    emit_ptr(out, 1, "d_kernel_blocks", 'a', io->buf[B_PKERNEL], c);
    snprintf(c, sizeof c, "[%d, %d, %d]", N, H, 4 * H);
    emit_ptr(out, 1, "d_recurrent_kernel_blocks", 'a', io->buf[B_PRECURRENT], c);
    emit_ptr(out, 1, "d_bias_blocks", 'a', io->buf[B_PBIAS], dims2(d, sizeof d, N, 4 * H));
    seq_buf_printf(out, "\n    seq_parallel_blocks(%d, %s_backward_block, p, a);\n", N, l->name);
    seq_buf_printf(out, "    seq_sum_blocks(%d, %d, d_kernel_blocks, d_kernel);\n", N, F * 4 * H);
    seq_buf_printf(out, "    seq_sum_blocks(%d, %d, d_recurrent_kernel_blocks, d_recurrent_kernel);\n", N,
                   H * 4 * H);
    seq_buf_printf(out, "    seq_sum_blocks(%d, %d, d_bias_blocks, d_bias);\n}\n", N, 4 * H);
}

const layer_emitter emit_lstm = {
    .params = lstm_params,
    .acts = lstm_acts,
    .grads = lstm_grads,
    .forward = lstm_forward,
    .backward = lstm_backward,
};
