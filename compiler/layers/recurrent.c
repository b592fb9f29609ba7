/* layers/recurrent.c: LSTM, GRU and SimpleRNN, one direction or both
 * (bidirectional, outputs concatenated). [T, B, F] -> [B, D*H], or
 * [T, B, D*H] with return_sequences.
 *
 * The batch is processed one block of rows at a time: the block's input
 * projection for all T steps is one GEMM, the recurrence is unrolled step by
 * step (a GEMM and the fused cell), and the backward's weight gradients are
 * one GEMM each over all steps of the block; the blocks' shares are summed in
 * block order afterwards. A backward-direction pass reads time from T-1 down
 * to 0: its states are indexed by time like the forward pass's, with the
 * initial state at index T instead of 0. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "layer.h"
#include "read.h"

extern const layer_type layer_lstm, layer_gru, layer_rnn;

/* The three descriptors share this file; the code tells them apart. */
typedef enum cell { CELL_LSTM, CELL_GRU, CELL_RNN } cell;

static cell cell_of(const layer *l)
{
    return l->kind == &layer_lstm ? CELL_LSTM : l->kind == &layer_gru ? CELL_GRU : CELL_RNN;
}

/* Gates per unit, and the kernels' width. */
static int gates_of(const layer *l)
{
    return cell_of(l) == CELL_LSTM ? 4 : cell_of(l) == CELL_GRU ? 3 : 1;
}

static int recurrent_read(layer *l, node *n, const char *what)
{
    static const char *const keys[] = {"type", "name", "units", "return_sequences",
                                       "bidirectional", "masked", "kernel_initializer",
                                       "recurrent_initializer", "bias_initializer",
                                       "unit_forget_bias", NULL};
    static const char *const keys_no_forget[] = {"type", "name", "units", "return_sequences",
                                                 "bidirectional", "masked",
                                                 "kernel_initializer", "recurrent_initializer",
                                                 "bias_initializer", NULL};
    int rc = check_map(n, what, cell_of(l) == CELL_LSTM ? keys : keys_no_forget);
    l->kernel_init = (init_spec){.kind = SEQ_INIT_GLOROT_UNIFORM, .scale = 1};
    l->recurrent_init = (init_spec){.kind = SEQ_INIT_ORTHOGONAL, .scale = 1};
    l->bias_init = (init_spec){.kind = SEQ_INIT_ZEROS, .scale = 1};
    l->unit_forget_bias = cell_of(l) == CELL_LSTM;
    rc |= read_int32(n, "units", what, 1, 1, SPEC_MAX_UNITS, &l->units);
    rc |= read_bool(n, "return_sequences", &l->return_sequences);
    rc |= read_bool(n, "bidirectional", &l->bidirectional);
    rc |= read_bool(n, "masked", &l->masked);
    rc |= read_init(n, "kernel_initializer", &l->kernel_init);
    rc |= read_init(n, "recurrent_initializer", &l->recurrent_init);
    rc |= read_init(n, "bias_initializer", &l->bias_init);
    if (cell_of(l) == CELL_LSTM)
        rc |= read_bool(n, "unit_forget_bias", &l->unit_forget_bias);
    l->dirs = l->bidirectional ? 2 : 1;
    return rc;
}

/* Masking, statefulness and direction: what the layer's keys must agree with. */
static int check_options(const spec *s, const layer *l)
{
    if (check_masked(s, l) != 0)
        return -1;
    if (s->train.stateful && l->bidirectional) {
        diag_error(spec_mark(l->src, "bidirectional"),
                   "layer %d '%s': a bidirectional layer cannot carry its state to the next "
                   "batch (train.stateful); its backward pass starts at the end", l->index + 1,
                   l->name);
        return -1;
    }
    if (l->masked && l->bidirectional) {
        diag_error(spec_mark(l->src, "masked"),
                   "layer %d '%s': masked bidirectional layers are not supported yet",
                   l->index + 1, l->name);
        return -1;
    }
    return 0;
}

static int recurrent_check(spec *s, layer *l, const layer *prev)
{
    int B = s->batch;
    layer_shape in = l->in;
    int T = in.steps;
    if (!in.is_seq || in.features == 0 || in.channels)
        return mismatch(l, prev, "a sequence (None, steps, features)",
                        in.channels ? IMAGE_HINT
                        : in.is_seq ? "put an embedding first"
                        : (prev->kind->flags & LAYER_RECURRENT) ? "set return_sequences: true on it"
                        : "a dense layer outputs one vector per example; put it after "
                          "the last recurrent layer");
    if (check_options(s, l) != 0)
        return -1;
    int gates = gates_of(l);
    int64_t width = (int64_t)l->dirs * l->units;
    if (check_size(l, "units", "the gate activations", "batch x (seq_len + 1) x gates x units",
                   B, (int64_t)T + 1, (int64_t)gates * l->units) ||
        check_size(l, "units", "the kernels", "(input features + units) x gates x units",
                   in.features + l->units, (int64_t)gates * l->units, 0) ||
        check_size(l, "units", "the output", "batch x seq_len x directions x units", B, T,
                   width))
        return -1;
    l->out = l->return_sequences ? (layer_shape){1, T, (int)width, 0}
                              : (layer_shape){0, 0, (int)width, 0};
    /* Keras: one bias per gate set; a GRU (reset_after) has an input and a recurrent bias */
    int64_t biases = cell_of(l) == CELL_GRU ? 2 : 1;
    l->n_params = l->dirs * (int64_t)gates * l->units *
                  ((int64_t)in.features + l->units + biases);
    return 0;
}

static const char *recurrent_class(const layer *l)
{
    return l->bidirectional ? "Bidirectional" : l->kind->keras_class;
}

/* "64, sequences", or "LSTM(64)" inside a Bidirectional. */
static void recurrent_describe(seq_buf *out, const layer *l)
{
    if (l->bidirectional)
        seq_buf_printf(out, "%s(", l->kind->keras_class);
    seq_buf_printf(out, "%d", l->units);
    if (l->return_sequences)
        seq_buf_puts(out, ", sequences");
    if (l->bidirectional)
        seq_buf_puts(out, ")");
}

enum { P_KERNEL, P_RECURRENT, P_BIAS, P_PER_DIR };

/* Activation buffers, per direction: io->buf[dir * B_PER_DIR + ...]. */
enum {
    B_GATES,    /* x W (+ h U for LSTM, RNN), then the activated gates */
    B_H,        /* [T+1] states */
    B_C,        /* LSTM: [T+1] cell states */
    B_RG,       /* GRU: h U per step */
    B_RH,       /* GRU: the recurrent candidate part, with its bias */
    B_DH,       /* bidirectional: this direction's share of d out */
    B_DGATES,
    B_DRG,      /* GRU: d (h U + b_rec) */
    B_DC,       /* LSTM */
    B_DBIAS,    /* each row's sum of dgates */
    B_DBIAS_REC, /* GRU: each row's sum of drg */
    B_PKERNEL, B_PRECURRENT, B_PBIAS, /* the blocks' shares of the weight gradients */
    B_PER_DIR
};

static const char *cell_name(const layer *l)
{
    return cell_of(l) == CELL_LSTM ? "lstm" : cell_of(l) == CELL_GRU ? "gru" : "rnn";
}

static const char *dir_name(const layer *l, int dir)
{
    return l->dirs == 1 ? "" : dir ? "backward/" : "forward/";
}

static void recurrent_params(plan *pl, const layer *l)
{
    int F = l->in.features, H = l->units, G = gates_of(l);
    for (int dir = 0; dir < l->dirs; dir++) {
        char what[64];
        int kernel[2] = {F, G * H}, recurrent[2] = {H, G * H};
        snprintf(what, sizeof what, "%skernel", dir_name(l, dir));
        plan_param(pl, l, what, 2, kernel, l->kernel_init, F, G * H, 0);
        snprintf(what, sizeof what, "%srecurrent_kernel", dir_name(l, dir));
        plan_param(pl, l, what, 2, recurrent, l->recurrent_init, H, G * H, 0);
        snprintf(what, sizeof what, "%sbias", dir_name(l, dir));
        if (cell_of(l) == CELL_GRU) { /* Keras: [input bias; recurrent bias] */
            int bias[2] = {2, G * H};
            plan_param(pl, l, what, 2, bias, l->bias_init, 0, 0, 0);
        } else {
            int bias[1] = {G * H};
            plan_param(pl, l, what, 1, bias, l->bias_init, 0, 0,
                       cell_of(l) == CELL_LSTM && l->unit_forget_bias ? H : 0);
        }
    }
}

static const param *dir_param(const plan *pl, const layer *l, int dir, int k)
{
    return layer_param(pl, l, dir * P_PER_DIR + k);
}

static size_t *dbuf(layer_io *io, int dir, int k)
{
    return &io->buf[dir * B_PER_DIR + k];
}

static size_t dget(const layer_io *io, int dir, int k)
{
    return io->buf[dir * B_PER_DIR + k];
}

/* "gates", or "forward.gates" for one direction of a bidirectional layer */
static const char *tensor(const layer *l, int dir, const char *what, char *buf, size_t n)
{
    if (l->dirs == 1)
        snprintf(buf, n, "%s", what);
    else if (strncmp(what, "d ", 2) == 0)
        snprintf(buf, n, "d %s.%s", dir ? "backward" : "forward", what + 2);
    else
        snprintf(buf, n, "%s.%s", dir ? "backward" : "forward", what);
    return buf;
}

static void recurrent_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, H = l->units, G = gates_of(l);
    char name[64];
    for (int dir = 0; dir < l->dirs; dir++) {
        *dbuf(io, dir, B_GATES) = pass_add_seq(ps, l, tensor(l, dir, "gates", name, sizeof name), T, (long)G * H);
        if (cell_of(l) == CELL_GRU) {
            *dbuf(io, dir, B_RG) = pass_add_seq(ps, l, tensor(l, dir, "rg", name, sizeof name), T, 3L * H);
            *dbuf(io, dir, B_RH) = pass_add_seq(ps, l, tensor(l, dir, "rh", name, sizeof name), T, H);
        }
        if (cell_of(l) == CELL_LSTM)
            *dbuf(io, dir, B_C) = pass_add_seq(ps, l, tensor(l, dir, "c", name, sizeof name), T + 1L, H);
        *dbuf(io, dir, B_H) = pass_add_seq(ps, l, tensor(l, dir, "h", name, sizeof name), T + 1L, H);
    }
    if (l->dirs == 1 && l->return_sequences && !l->masked) { /* the states after steps 0 .. T-1 */
        io->out = dget(io, 0, B_H) + (size_t)R * H;
        io->out_stride = (size_t)(T + 1) * R * H;
    } else if (l->return_sequences) { /* both directions, or zeros past the lengths */
        io->out = pass_add_seq(ps, l, "out", T, (long)l->dirs * H);
        io->out_stride = (size_t)T * R * l->dirs * H;
    } else {
        io->out = pass_add(ps, l, "out", ps->batch, (long)l->dirs * H, 0);
    }
}

static void recurrent_grads(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), B = ps->batch, H = l->units, F = l->in.features, N = ps->blocks;
    int G = gates_of(l);
    char name[64];
    if (l->return_sequences) {
        io->dout = pass_add_seq(ps, l, "d out", T, (long)l->dirs * H);
        io->dout_stride = (size_t)T * ps->rows * l->dirs * H;
    } else {
        io->dout = pass_add(ps, l, "d out", B, (long)l->dirs * H, 0);
    }
    for (int dir = 0; dir < l->dirs; dir++) {
        if (l->dirs == 2)
            *dbuf(io, dir, B_DH) = l->return_sequences
                ? pass_add_seq(ps, l, tensor(l, dir, "dh", name, sizeof name), T, H)
                : pass_add(ps, l, tensor(l, dir, "dh", name, sizeof name), B, H, 0);
        *dbuf(io, dir, B_DGATES) = pass_add_seq(ps, l, tensor(l, dir, "dgates", name, sizeof name), T, (long)G * H);
        if (cell_of(l) == CELL_GRU)
            *dbuf(io, dir, B_DRG) = pass_add_seq(ps, l, tensor(l, dir, "drg", name, sizeof name), T, 3L * H);
        if (cell_of(l) == CELL_LSTM)
            *dbuf(io, dir, B_DC) = pass_add(ps, l, tensor(l, dir, "dc", name, sizeof name), B, H, 0);
        *dbuf(io, dir, B_DBIAS) = pass_add(ps, l, tensor(l, dir, "dbias_rows", name, sizeof name), B, (long)G * H, 0);
        if (cell_of(l) == CELL_GRU)
            *dbuf(io, dir, B_DBIAS_REC) =
                pass_add(ps, l, tensor(l, dir, "dbias_rec_rows", name, sizeof name), B, 3L * H, 0);
        *dbuf(io, dir, B_PKERNEL) =
            pass_add(ps, l, tensor(l, dir, "d kernel_blocks", name, sizeof name), N, F, (long)G * H);
        *dbuf(io, dir, B_PRECURRENT) =
            pass_add(ps, l, tensor(l, dir, "d recurrent_kernel_blocks", name, sizeof name), N, H, (long)G * H);
        *dbuf(io, dir, B_PBIAS) = pass_add(ps, l, tensor(l, dir, "d bias_blocks", name, sizeof name), N,
                                           (long)(cell_of(l) == CELL_GRU ? 2 : 1) * G * H, 0);
    }
}

/* The names of a direction's locals: "gates", or "f_gates" / "b_gates". */
static const char *local(const layer *l, int dir, const char *what, char *buf, size_t n)
{
    if (l->dirs == 1)
        snprintf(buf, n, "%s", what);
    else
        snprintf(buf, n, "%s_%s", dir ? "b" : "f", what);
    return buf;
}

/* The order a direction visits time: the forward pass reads state t and
 * writes state t+1; the backward pass reads t+1 and writes t. */
static int step_time(int T, int dir, int s)
{
    return dir ? T - 1 - s : s;
}

static void forward_direction(seq_buf *out, const plan *pl, const pass *ps, const layer *l, int dir)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features, H = l->units, G = gates_of(l);
    size_t SG = (size_t)R * G * H, SH = (size_t)R * H, SG3 = (size_t)R * 3 * H;
    char d[64], c[128], kernel[32], rec[32], bias[32], gates[32], hh[32], cc[32], rg[32], rh[32];
    local(l, dir, "kernel", kernel, sizeof kernel);
    local(l, dir, "recurrent_kernel", rec, sizeof rec);
    local(l, dir, "bias", bias, sizeof bias);
    local(l, dir, "gates", gates, sizeof gates);
    local(l, dir, "h", hh, sizeof hh);
    local(l, dir, "c", cc, sizeof cc);
    local(l, dir, "rg", rg, sizeof rg);
    local(l, dir, "rh", rh, sizeof rh);

    if (l->dirs == 2)
        seq_buf_printf(out, "\n    /* the %s direction */\n", dir ? "backward (time T-1 down to 0)" : "forward");
    else
        seq_buf_puts(out, "\n");
    emit_ptr(out, 1, kernel, 'p', dir_param(pl, l, dir, P_KERNEL)->offset, dims2(d, sizeof d, F, G * H));
    emit_ptr(out, 1, rec, 'p', dir_param(pl, l, dir, P_RECURRENT)->offset, dims2(d, sizeof d, H, G * H));
    emit_ptr(out, 1, bias, 'p', dir_param(pl, l, dir, P_BIAS)->offset,
             cell_of(l) == CELL_GRU ? dims2(d, sizeof d, 2, G * H) : dims1(d, sizeof d, G * H));
    snprintf(c, sizeof c, "%s%s", dims3(d, sizeof d, T, R, G * H),
             cell_of(l) == CELL_LSTM ? " i, f, g, o" : cell_of(l) == CELL_GRU ? " z, r, h" : "");
    emit_block_ptr(out, 0, gates, dget(io, dir, B_GATES), (size_t)T * SG, c);
    if (cell_of(l) == CELL_GRU) {
        emit_block_ptr(out, 0, rg, dget(io, dir, B_RG), (size_t)T * SG3, dims3(d, sizeof d, T, R, 3 * H));
        emit_block_ptr(out, 0, rh, dget(io, dir, B_RH), (size_t)T * SH, dims3(d, sizeof d, T, R, H));
    }
    snprintf(c, sizeof c, "%s the initial state at %d", dims3(d, sizeof d, T + 1, R, H), dir ? T : 0);
    if (cell_of(l) == CELL_LSTM)
        emit_block_ptr(out, 0, cc, dget(io, dir, B_C), (size_t)(T + 1) * SH, c);
    emit_block_ptr(out, 0, hh, dget(io, dir, B_H), (size_t)(T + 1) * SH, c);

    seq_buf_printf(out, "\n    seq_matmul(%d, %d, %d, x, %s, 0, %s);  /* x kernel, all steps */\n", T * R,
                   G * H, F, kernel, gates);
    char init[16] = "";
    if (dir)
        snprintf(init, sizeof init, " + %zu", (size_t)T * SH);
    int carried = io->stateful;
    if (carried) { /* stateful: the state left by the previous batch */
        seq_buf_printf(out, "    seq_copy(%zu, a + %zu + %zu * blk, %s);  /* the carried state */\n", SH,
                       io->state[0][0], SH, hh);
        if (cell_of(l) == CELL_LSTM)
            seq_buf_printf(out, "    seq_copy(%zu, a + %zu + %zu * blk, %s);\n", SH, io->state[0][1], SH, cc);
    } else {
        if (cell_of(l) == CELL_LSTM)
            seq_buf_printf(out, "    seq_zero(%zu, %s%s);\n", SH, cc, init);
        seq_buf_printf(out, "    seq_zero(%zu, %s%s);\n", SH, hh, init);
    }
    for (int s = 0; s < T; s++) {
        int t = step_time(T, dir, s), prev = dir ? t + 1 : t, next = dir ? t : t + 1;
        seq_buf_printf(out, "    /* t = %d */\n", t);
        switch (cell_of(l)) {
        case CELL_LSTM:
            if (s > 0 || carried) /* a zero initial state needs no product */
                seq_buf_printf(out, "    seq_matmul(%d, %d, %d, %s + %zu, %s, 1, %s + %zu);\n", R, G * H, H, hh,
                               prev * SH, rec, gates, t * SG);
            seq_buf_printf(out, "    seq_lstm_cell_forward(%d, %d, %s, %s + %zu, %s + %zu, %s + %zu, %s + %zu);\n",
                           R, H, bias, gates, t * SG, cc, prev * SH, cc, next * SH, hh, next * SH);
            break;
        case CELL_GRU:
            if (s > 0 || carried)
                seq_buf_printf(out, "    seq_matmul(%d, %d, %d, %s + %zu, %s, 0, %s + %zu);\n", R, 3 * H, H, hh,
                               prev * SH, rec, rg, t * SG3);
            else
                seq_buf_printf(out, "    seq_zero(%zu, %s + %zu);\n", SG3, rg, t * SG3);
            seq_buf_printf(out, "    seq_gru_cell_forward(%d, %d, %s, %s + %d, %s + %zu, %s + %zu, %s + %zu, %s + %zu, %s + %zu);\n",
                           R, H, bias, bias, 3 * H, gates, t * SG, rg, t * SG3, rh, t * SH, hh, prev * SH,
                           hh, next * SH);
            break;
        default:
            if (s > 0 || carried)
                seq_buf_printf(out, "    seq_matmul(%d, %d, %d, %s + %zu, %s, 1, %s + %zu);\n", R, H, H, hh,
                               prev * SH, rec, gates, t * SG);
            seq_buf_printf(out, "    seq_rnn_cell_forward(%d, %d, %s, %s + %zu, %s + %zu);\n", R, H, bias,
                           gates, t * SG, hh, next * SH);
            break;
        }
        if (l->masked) { /* rows past their length keep their state */
            if (cell_of(l) == CELL_LSTM)
                seq_buf_printf(out, "    seq_hold_rows(%d, %d, %d, len, %s + %zu, %s + %zu);\n", R, H, t, cc,
                               prev * SH, cc, next * SH);
            seq_buf_printf(out, "    seq_hold_rows(%d, %d, %d, len, %s + %zu, %s + %zu);\n", R, H, t, hh,
                           prev * SH, hh, next * SH);
        }
    }
    if (carried) { /* the state the next batch starts from */
        seq_buf_printf(out, "    seq_copy(%zu, %s + %zu, a + %zu + %zu * blk);\n", SH, hh, (size_t)T * SH,
                       io->state[0][0], SH);
        if (cell_of(l) == CELL_LSTM)
            seq_buf_printf(out, "    seq_copy(%zu, %s + %zu, a + %zu + %zu * blk);\n", SH, cc, (size_t)T * SH,
                           io->state[0][1], SH);
    }
    if (l->dirs == 2) { /* this direction's half of the concatenated output */
        if (l->return_sequences)
            seq_buf_printf(out, "    seq_copy_rows(%d, %d, %s + %zu, %d, out + %d, %d);\n", T * R, H, hh,
                           dir ? 0 : SH, H, dir * H, 2 * H);
        else
            seq_buf_printf(out, "    seq_copy_rows(%d, %d, %s + %zu, %d, out + %d, %d);\n", R, H, hh,
                           dir ? 0 : (size_t)T * SH, H, dir * H, 2 * H);
    } else if (!l->return_sequences) {
        seq_buf_printf(out, "    seq_copy(%zu, %s + %zu, out);\n", SH, hh, (size_t)T * SH);
    } else if (l->masked) { /* the outputs: zeros past each row's length */
        seq_buf_printf(out, "    seq_copy(%zu, %s + %zu, out);\n", (size_t)T * SH, hh, SH);
        seq_buf_printf(out, "    seq_mask_steps(%d, %d, %d, len, out);\n", T, R, H);
    }
}

static void recurrent_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features, H = l->units, D = l->dirs;
    char d[64], c[128];

    seq_buf_printf(out, "\n/* block blk: rows %d*blk .. %d*blk+%d of the batch, all %d steps */\n"
                        "static void %s_%s_block(const real *p, real *a, %sint blk)\n{\n",
                   R, R, R - 1, T, l->name, ps->suffix, l->masked ? "const int32_t *lengths, " : "");
    if (l->masked)
        seq_buf_printf(out, "    const int32_t *len = lengths + %d * blk;%*s/* [%d] the rows' lengths */\n",
                       R, 6, "", R);
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, T, R, F));
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, c);
    if ((D == 2 || l->masked) && l->return_sequences)
        emit_block_ptr(out, 0, "out", io->out, io->out_stride, dims3(d, sizeof d, T, R, D * H));
    else if (!l->return_sequences)
        emit_block_ptr(out, 0, "out", io->out, (size_t)R * D * H, dims2(d, sizeof d, R, D * H));
    for (int dir = 0; dir < D; dir++)
        forward_direction(out, pl, ps, l, dir);
    seq_buf_puts(out, "}\n");

    if (l->masked)
        seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a, const int32_t *lengths)\n{\n"
                            "    seq_parallel_blocks_len(%d, %s_%s_block, p, a, lengths);\n}\n",
                       l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
    else
        seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a)\n{\n"
                            "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n",
                       l->name, ps->suffix, ps->blocks, l->name, ps->suffix);
}

static void backward_direction(seq_buf *out, const plan *pl, const pass *ps, const layer *l, int dir)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features, H = l->units, G = gates_of(l);
    int rs = l->return_sequences;
    size_t SG = (size_t)R * G * H, SH = (size_t)R * H, SG3 = (size_t)R * 3 * H;
    char d[64], c[128], kernel[32], rec[32], gates[32], hh[32], cc[32], rh[32], dh[32], dg[32],
        drg[32], dc[32], db[32], dbr[32], pk[40], pr[40], pb[40];
    local(l, dir, "kernel", kernel, sizeof kernel);
    local(l, dir, "recurrent_kernel", rec, sizeof rec);
    local(l, dir, "gates", gates, sizeof gates);
    local(l, dir, "h", hh, sizeof hh);
    local(l, dir, "c", cc, sizeof cc);
    local(l, dir, "rh", rh, sizeof rh);
    local(l, dir, "dh", dh, sizeof dh);
    local(l, dir, "dgates", dg, sizeof dg);
    local(l, dir, "drg", drg, sizeof drg);
    local(l, dir, "dc", dc, sizeof dc);
    local(l, dir, "dbias_rows", db, sizeof db);
    local(l, dir, "dbias_rec_rows", dbr, sizeof dbr);
    local(l, dir, "d_kernel", pk, sizeof pk);
    local(l, dir, "d_recurrent_kernel", pr, sizeof pr);
    local(l, dir, "d_bias", pb, sizeof pb);

    if (l->dirs == 2)
        seq_buf_printf(out, "\n    /* the %s direction */\n", dir ? "backward" : "forward");
    else
        seq_buf_puts(out, "\n");
    emit_ptr(out, 1, kernel, 'p', dir_param(pl, l, dir, P_KERNEL)->offset, dims2(d, sizeof d, F, G * H));
    emit_ptr(out, 1, rec, 'p', dir_param(pl, l, dir, P_RECURRENT)->offset, dims2(d, sizeof d, H, G * H));
    if (cell_of(l) != CELL_RNN) /* a SimpleRNN's backward needs only h */
        emit_block_ptr(out, 1, gates, dget(io, dir, B_GATES), (size_t)T * SG, dims3(d, sizeof d, T, R, G * H));
    if (cell_of(l) == CELL_GRU)
        emit_block_ptr(out, 1, rh, dget(io, dir, B_RH), (size_t)T * SH, dims3(d, sizeof d, T, R, H));
    if (cell_of(l) == CELL_LSTM)
        emit_block_ptr(out, 1, cc, dget(io, dir, B_C), (size_t)(T + 1) * SH, dims3(d, sizeof d, T + 1, R, H));
    emit_block_ptr(out, 1, hh, dget(io, dir, B_H), (size_t)(T + 1) * SH, dims3(d, sizeof d, T + 1, R, H));
    if (rs)
        snprintf(c, sizeof c, "%s d out; gathers the recurrent gradient", dims3(d, sizeof d, T, R, H));
    else
        snprintf(c, sizeof c, "%s d out, then the gradient reaching h[t]", dims2(d, sizeof d, R, H));
    if (l->dirs == 2)
        emit_block_ptr(out, 0, dh, dget(io, dir, B_DH), rs ? (size_t)T * SH : SH, c);
    else
        emit_block_ptr(out, 0, dh, io->dout, rs ? io->dout_stride : SH, c);
    emit_block_ptr(out, 0, dg, dget(io, dir, B_DGATES), (size_t)T * SG, dims3(d, sizeof d, T, R, G * H));
    if (cell_of(l) == CELL_GRU)
        emit_block_ptr(out, 0, drg, dget(io, dir, B_DRG), (size_t)T * SG3, dims3(d, sizeof d, T, R, 3 * H));
    if (cell_of(l) == CELL_LSTM)
        emit_block_ptr(out, 0, dc, dget(io, dir, B_DC), SH, dims2(d, sizeof d, R, H));
    emit_block_ptr(out, 0, db, dget(io, dir, B_DBIAS), SG, dims2(d, sizeof d, R, G * H));
    if (cell_of(l) == CELL_GRU)
        emit_block_ptr(out, 0, dbr, dget(io, dir, B_DBIAS_REC), SG3, dims2(d, sizeof d, R, 3 * H));
    emit_block_ptr(out, 0, pk, dget(io, dir, B_PKERNEL), (size_t)F * G * H, dims2(d, sizeof d, F, G * H));
    emit_block_ptr(out, 0, pr, dget(io, dir, B_PRECURRENT), (size_t)H * G * H, dims2(d, sizeof d, H, G * H));
    int nbias = cell_of(l) == CELL_GRU ? 2 : 1;
    emit_block_ptr(out, 0, pb, dget(io, dir, B_PBIAS), (size_t)nbias * G * H,
              nbias == 2 ? dims2(d, sizeof d, 2, G * H) : dims1(d, sizeof d, G * H));

    seq_buf_puts(out, "\n");
    if (l->dirs == 2) { /* this direction's half of d out */
        if (rs)
            seq_buf_printf(out, "    seq_copy_rows(%d, %d, dout + %d, %d, %s, %d);\n", T * R, H, dir * H,
                           2 * H, dh, H);
        else
            seq_buf_printf(out, "    seq_copy_rows(%d, %d, dout + %d, %d, %s, %d);\n", R, H, dir * H, 2 * H,
                           dh, H);
    }
    if (l->masked && rs) /* outputs past a row's length are constant zeros */
        seq_buf_printf(out, "    seq_mask_steps(%d, %d, %d, len, %s);\n", T, R, H, dh);
    if (cell_of(l) == CELL_LSTM)
        seq_buf_printf(out, "    seq_zero(%zu, %s);\n", SH, dc);
    seq_buf_printf(out, "    seq_zero(%zu, %s);\n", SG, db);
    if (cell_of(l) == CELL_GRU)
        seq_buf_printf(out, "    seq_zero(%zu, %s);\n", SG3, dbr);
    for (int s = T - 1; s >= 0; s--) {
        int t = step_time(T, dir, s), prev = dir ? t + 1 : t, next = dir ? t : t + 1;
        int first = s == 0; /* the step that read the initial state */
        char dh_t[48], dh_prev[48];
        if (rs) {
            snprintf(dh_t, sizeof dh_t, "%s + %zu", dh, t * SH);
            snprintf(dh_prev, sizeof dh_prev, "%s + %zu", dh, (size_t)(dir ? t + 1 : t - 1) * SH);
        } else {
            snprintf(dh_t, sizeof dh_t, "%s", dh);
            snprintf(dh_prev, sizeof dh_prev, "%s", dh);
        }
        const char *len = l->masked ? "len" : "NULL";
        /* a masked row passes dh on: the recurrent GEMM then adds */
        int beta = rs || l->masked;
        seq_buf_printf(out, "    /* t = %d */\n", t);
        switch (cell_of(l)) {
        case CELL_LSTM:
            seq_buf_printf(out, "    seq_lstm_cell_backward(%d, %d, %s + %zu, %s + %zu, %s + %zu, %s, %s, %s + %zu, %s, %s, %d);\n",
                           R, H, gates, t * SG, cc, prev * SH, cc, next * SH, dh_t, dc, dg, t * SG, db, len, t);
            if (!first && l->masked)
                seq_buf_printf(out, "    seq_carry_rows(%d, %d, %d, len, %s, %s, %d);\n", R, H, t, dh_t, dh_prev, rs);
            if (!first)
                seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, %s + %zu, %s, %d, %s);\n", R, H, G * H, dg,
                               t * SG, rec, beta, dh_prev);
            break;
        case CELL_GRU:
            seq_buf_printf(out, "    seq_gru_cell_backward(%d, %d, %s + %zu, %s + %zu, %s + %zu, %s, %s, %d, %s + %zu, %s + %zu, %s, %s, %s, %d);\n",
                           R, H, gates, t * SG, rh, t * SH, hh, prev * SH, dh_t, first ? dh_t : dh_prev,
                           rs && !first, dg, t * SG, drg, t * SG3, db, dbr, len, t);
            if (!first)
                seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, %s + %zu, %s, 1, %s);\n", R, H, 3 * H, drg,
                               t * SG3, rec, dh_prev);
            break;
        default:
            seq_buf_printf(out, "    seq_rnn_cell_backward(%d, %d, %s + %zu, %s, %s + %zu, %s, %s, %d);\n", R, H,
                           hh, next * SH, dh_t, dg, t * SG, db, len, t);
            if (!first && l->masked)
                seq_buf_printf(out, "    seq_carry_rows(%d, %d, %d, len, %s, %s, %d);\n", R, H, t, dh_t, dh_prev, rs);
            if (!first)
                seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, %s + %zu, %s, %d, %s);\n", R, H, H, dg, t * SG,
                               rec, beta, dh_prev);
            break;
        }
    }
    /* the state before step t: index t forward, t+1 backward */
    seq_buf_printf(out, "    /* this direction's weight gradients, all %d steps at once */\n", T);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, x, %s, 0, %s);\n", F, G * H, T * R, dg, pk);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, %s + %zu, %s, 0, %s);\n", H, G * H, T * R, hh,
                   dir ? SH : 0, cell_of(l) == CELL_GRU ? drg : dg, pr);
    seq_buf_printf(out, "    seq_colsum(%d, %d, %s, %s);\n", R, G * H, db, pb);
    if (cell_of(l) == CELL_GRU)
        seq_buf_printf(out, "    seq_colsum(%d, %d, %s, %s + %d);\n", R, 3 * H, dbr, pb, 3 * H);
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, %s, %s, %d, dx);  /* the gradient reaching x */\n",
                   T * R, F, G * H, dg, kernel, dir);
}

static void recurrent_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features, H = l->units, N = ps->blocks;
    int G = gates_of(l), D = l->dirs;
    char d[64], c[128];

    seq_buf_printf(out, "\n/* block blk, all %d steps back, and its share of the weight gradients */\n"
                        "static void %s_backward_block(const real *p, real *a, %sint blk)\n{\n",
                   T, l->name, l->masked ? "const int32_t *lengths, " : "");
    if (l->masked)
        seq_buf_printf(out, "    const int32_t *len = lengths + %d * blk;%*s/* [%d] the rows' lengths */\n",
                       R, 6, "", R);
    snprintf(c, sizeof c, "%s input", dims3(d, sizeof d, T, R, F));
    emit_block_ptr(out, 1, "x", io->in, io->in_stride, c);
    snprintf(c, sizeof c, "%s d input", dims3(d, sizeof d, T, R, F));
    emit_block_ptr(out, 0, "dx", io->din, io->din_stride, c);
    if (D == 2)
        emit_block_ptr(out, 1, "dout", io->dout, l->return_sequences ? io->dout_stride : (size_t)R * 2 * H,
                  l->return_sequences ? dims3(d, sizeof d, T, R, 2 * H) : dims2(d, sizeof d, R, 2 * H));
    for (int dir = 0; dir < D; dir++)
        backward_direction(out, pl, ps, l, dir);
    seq_buf_puts(out, "}\n");

    if (l->masked)
        seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a, const int32_t *lengths)\n{\n"
                            "    seq_parallel_blocks_len(%d, %s_backward_block, p, a, lengths);\n",
                       l->name, N, l->name);
    else
        seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n"
                            "    seq_parallel_blocks(%d, %s_backward_block, p, a);\n",
                       l->name, N, l->name);
    seq_buf_puts(out, "    /* the blocks' shares, summed in block order */\n");
    for (int dir = 0; dir < D; dir++) {
        const char *pfx = D == 1 ? "" : dir ? "backward " : "forward ";
        size_t sizes[3] = {(size_t)F * G * H, (size_t)H * G * H, (size_t)(cell_of(l) == CELL_GRU ? 2 : 1) * G * H};
        const int bufs[3] = {B_PKERNEL, B_PRECURRENT, B_PBIAS};
        for (int k = 0; k < 3; k++)
            seq_buf_printf(out, "    seq_sum_blocks(%d, %zu, a + %zu, g + %zu);  /* %s%s */\n", N, sizes[k],
                           dget(io, dir, bufs[k]), dir_param(pl, l, dir, k)->offset, pfx,
                           k == 0 ? "kernel" : k == 1 ? "recurrent_kernel" : "bias");
    }
    seq_buf_puts(out, "}\n");
    (void)cell_name;
}

#define RECURRENT(name, cls, n_states)                                                    \
    const layer_type layer_##name = {                                                      \
        .type = #name,                                                                     \
        .keras_class = cls,                                                                \
        .class_of = recurrent_class,                                                       \
        .flags = LAYER_RECURRENT,                                                          \
        .states = n_states,                                                                \
        .read = recurrent_read,                                                            \
        .check = recurrent_check,                                                          \
        .describe = recurrent_describe,                                                    \
        .params = recurrent_params,                                                        \
        .acts = recurrent_acts,                                                            \
        .grads = recurrent_grads,                                                          \
        .forward = recurrent_forward,                                                      \
        .backward = recurrent_backward,                                                    \
    };

RECURRENT(lstm, "LSTM", 2)
RECURRENT(gru, "GRU", 1)
RECURRENT(rnn, "SimpleRNN", 1)
