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
#include "kernels/gemm.h" /* SEQ_PANEL */
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
    B_PACKED,   /* the recurrent kernel packed for the steps' products (rows > 1) */
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

/* N columns rounded up to whole panels of the packed layout (gemm.h). */
static long panels(long n)
{
    return (n + SEQ_PANEL - 1) / SEQ_PANEL * SEQ_PANEL;
}

/* The steps' recurrent products use the recurrent kernel packed once per
 * pass (seq_matmul_packed) where a block has rows to share it; a single
 * row (the prediction pass) is a matrix-vector product, which reads the
 * kernel as it is (seq_matmul: seq_vecmat or CBLAS' gemv). */
static int packs_kernel(const pass *ps)
{
    return ps->rows > 1;
}

static void recurrent_acts(pass *ps, const layer *l)
{
    layer_io *io = &ps->io[l->index];
    io->by_blocks = 1;
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
        if (packs_kernel(ps)) { /* U [H, G*H] packed forward, U^T [G*H, H] backward */
            long k = H, n = panels(G * H);
            if ((long)G * H * panels(H) > k * n)
                k = (long)G * H, n = panels(H);
            *dbuf(io, dir, B_PACKED) =
                pass_add(ps, l, tensor(l, dir, "recurrent_kernel_packed", name, sizeof name), k, n, 0);
        }
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

/* A layer of more than CHUNK_OVER steps writes its steps in functions of
 * STEPS_PER_FUNCTION steps, which the block's function calls in order:
 * still every step written out, but no function so long that the C
 * compiler's time grows faster than the code (its passes are superlinear in
 * a function's size). The calls, and so the results, are the same. */
enum { CHUNK_OVER = 256, STEPS_PER_FUNCTION = 64 };

/* The pointers a piece of a direction's code uses (a function of steps
 * needs neither the kernel nor the weight gradients; the block around them
 * needs no cell's weights). */
enum {
    W_KERNEL = 1 << 0, W_REC = 1 << 1, W_BIAS = 1 << 2, W_GATES = 1 << 3, W_RG = 1 << 4,
    W_RH = 1 << 5, W_C = 1 << 6, W_H = 1 << 7, W_DH = 1 << 8, W_DG = 1 << 9, W_DRG = 1 << 10,
    W_DC = 1 << 11, W_DB = 1 << 12, W_DBR = 1 << 13, W_PK = 1 << 14, W_PR = 1 << 15,
    W_PB = 1 << 16, W_ALL = (1 << 17) - 1,
    W_FORWARD_STEPS = W_REC | W_BIAS | W_GATES | W_RG | W_RH | W_C | W_H,
    W_FORWARD_AROUND = W_KERNEL | W_GATES | W_C | W_H,
    W_BACKWARD_STEPS = W_REC | W_GATES | W_RH | W_C | W_DH | W_DG | W_DRG | W_DC | W_DB | W_DBR,
    W_BACKWARD_AROUND = W_KERNEL | W_H | W_DG | W_DRG | W_DC | W_DB | W_DBR | W_PK | W_PR | W_PB
};


/* One direction's code in one pass: its sizes and the names of its
 * locals ("h", or "f_h" / "b_h" in a bidirectional layer). */
typedef struct direction {
    const layer *l;
    const pass *ps;
    const layer_io *io;
    int dir;                 /* 1: the backward direction of a bidirectional layer */
    cell cell;
    int T, R, F, H, G;
    size_t SG, SH, SG3;      /* a step's gates, state and GRU recurrent product */
    int carried;             /* the state carries over from the previous batch */
    int packed;              /* rec is the recurrent kernel packed (packs_kernel) */
    int chunked;             /* steps in functions of STEPS_PER_FUNCTION (CHUNK_OVER) */
    char kernel[32], rec[32], bias[32], gates[32], h[32], c[32], rg[32], rh[32];
    char dh[32], dg[32], drg[32], dc[32], db[32], dbr[32], pk[40], pr[40], pb[40];
} direction;

/* What a chunked direction's step functions (STEPS) or its block around
 * them use beyond the masks: h in a GRU's or SimpleRNN's backward steps; d
 * out in the block where it is copied or masked first. */
static unsigned backward_want(const direction *d, int steps)
{
    if (steps)
        return W_BACKWARD_STEPS | (d->cell != CELL_LSTM ? W_H : 0);
    int dh_first = d->l->dirs == 2 || (d->l->masked && d->l->return_sequences);
    return W_BACKWARD_AROUND | (dh_first ? W_DH : 0);
}

static void direction_init(direction *d, const pass *ps, const layer *l, int dir)
{
    memset(d, 0, sizeof *d);
    d->l = l;
    d->ps = ps;
    d->io = &ps->io[l->index];
    d->dir = dir;
    d->cell = cell_of(l);
    d->T = steps_in(ps, l), d->R = ps->rows, d->F = l->in.features, d->H = l->units;
    d->G = gates_of(l);
    d->SG = (size_t)d->R * d->G * d->H, d->SH = (size_t)d->R * d->H;
    d->SG3 = (size_t)d->R * 3 * d->H;
    d->carried = d->io->stateful;
    d->packed = packs_kernel(ps);
    d->chunked = d->T > CHUNK_OVER;
    struct { char *buf; size_t n; const char *what; } names[] = {
        {d->kernel, sizeof d->kernel, "kernel"},
        {d->rec, sizeof d->rec, d->packed ? "recurrent_packed" : "recurrent_kernel"},
        {d->bias, sizeof d->bias, "bias"}, {d->gates, sizeof d->gates, "gates"},
        {d->h, sizeof d->h, "h"}, {d->c, sizeof d->c, "c"}, {d->rg, sizeof d->rg, "rg"},
        {d->rh, sizeof d->rh, "rh"}, {d->dh, sizeof d->dh, "dh"}, {d->dg, sizeof d->dg, "dgates"},
        {d->drg, sizeof d->drg, "drg"}, {d->dc, sizeof d->dc, "dc"},
        {d->db, sizeof d->db, "dbias_rows"}, {d->dbr, sizeof d->dbr, "dbias_rec_rows"},
        {d->pk, sizeof d->pk, "d_kernel"}, {d->pr, sizeof d->pr, "d_recurrent_kernel"},
        {d->pb, sizeof d->pb, "d_bias"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        local(l, dir, names[i].what, names[i].buf, names[i].n);
}

/* The recurrent kernel the steps multiply by: the packed copy (U, or U^T
 * in the BACKWARD pass) where the pass has one, else the parameter. */
static void recurrent_ptr(seq_buf *out, const plan *pl, const direction *d, int backward)
{
    char dims[64];
    if (d->packed)
        emit_ptr(out, 1, d->rec, 'a', dget(d->io, d->dir, B_PACKED),
                 backward ? "recurrent_kernel transposed, packed (seq_pack_bt)"
                          : "recurrent_kernel, packed (seq_pack_b)");
    else
        emit_param(out, d->ps, d->rec, dir_param(pl, d->l, d->dir, P_RECURRENT),
                 dims2(dims, sizeof dims, d->H, d->G * d->H));
}

/* The forward direction's pointers: weights, gates and states (those in WANT). */
static void forward_pointers(seq_buf *out, const plan *pl, const direction *d, unsigned want)
{
    const layer *l = d->l;
    int T = d->T, R = d->R, H = d->H, G = d->G;
    char dims[64], c[128];
    if (want & W_KERNEL)
        emit_param(out, d->ps, d->kernel, dir_param(pl, l, d->dir, P_KERNEL),
                 dims2(dims, sizeof dims, d->F, G * H));
    if (want & W_REC)
        recurrent_ptr(out, pl, d, 0);
    if (want & W_BIAS)
        emit_param(out, d->ps, d->bias, dir_param(pl, l, d->dir, P_BIAS),
                 d->cell == CELL_GRU ? dims2(dims, sizeof dims, 2, G * H)
                                     : dims1(dims, sizeof dims, G * H));
    snprintf(c, sizeof c, "%s%s", dims3(dims, sizeof dims, T, R, G * H),
             d->cell == CELL_LSTM ? " i, f, g, o" : d->cell == CELL_GRU ? " z, r, h" : "");
    if (want & W_GATES)
        emit_block_ptr(out, 0, d->gates, dget(d->io, d->dir, B_GATES), (size_t)T * d->SG, c);
    if (d->cell == CELL_GRU && (want & W_RG))
        emit_block_ptr(out, 0, d->rg, dget(d->io, d->dir, B_RG), (size_t)T * d->SG3,
                       dims3(dims, sizeof dims, T, R, 3 * H));
    if (d->cell == CELL_GRU && (want & W_RH))
        emit_block_ptr(out, 0, d->rh, dget(d->io, d->dir, B_RH), (size_t)T * d->SH,
                       dims3(dims, sizeof dims, T, R, H));
    snprintf(c, sizeof c, "%s the initial state at %d", dims3(dims, sizeof dims, T + 1, R, H),
             d->dir ? T : 0);
    if (d->cell == CELL_LSTM && (want & W_C))
        emit_block_ptr(out, 0, d->c, dget(d->io, d->dir, B_C), (size_t)(T + 1) * d->SH, c);
    if (want & W_H)
        emit_block_ptr(out, 0, d->h, dget(d->io, d->dir, B_H), (size_t)(T + 1) * d->SH, c);
}

/* x kernel for all steps, then the initial state: zeros, or the state the
 * previous batch left (stateful). */
static void forward_start(seq_buf *out, const direction *d)
{
    seq_buf_printf(out, "\n    seq_matmul(%d, %d, %d, x, %s, 0, %s);  /* x kernel, all steps */\n",
                   d->T * d->R, d->G * d->H, d->F, d->kernel, d->gates);
    char init[16] = "";
    if (d->dir)
        snprintf(init, sizeof init, " + %zu", (size_t)d->T * d->SH);
    if (d->carried) {
        seq_buf_printf(out, "    seq_copy(%zu, a + %zu + %zu * blk, %s);  /* the carried state */\n",
                       d->SH, d->io->state[0][0], d->SH, d->h);
        if (d->cell == CELL_LSTM)
            seq_buf_printf(out, "    seq_copy(%zu, a + %zu + %zu * blk, %s);\n", d->SH,
                           d->io->state[0][1], d->SH, d->c);
    } else {
        if (d->cell == CELL_LSTM)
            seq_buf_printf(out, "    seq_zero(%zu, %s%s);\n", d->SH, d->c, init);
        seq_buf_printf(out, "    seq_zero(%zu, %s%s);\n", d->SH, d->h, init);
    }
}

/* A step's recurrent product, C = A U + BETA C (backward, TRANSPOSED: A U^T),
 * against the packed kernel where the pass has one. */
static void step_product(seq_buf *out, const direction *d, int transposed, int m, int n, int k,
                         const char *a, size_t a_at, int beta, const char *c)
{
    seq_buf_printf(out, "    seq_matmul%s(%d, %d, %d, %s + %zu, %s, %d, %s);\n",
                   d->packed ? "_packed" : transposed ? "_bt" : "", m, n, k, a, a_at, d->rec,
                   beta, c);
}

/* "NAME + AT" */
static const char *at(char *buf, size_t n, const char *name, size_t offset)
{
    snprintf(buf, n, "%s + %zu", name, offset);
    return buf;
}

/* Step S (time t): the recurrent product, the cell, and under masking the
 * rows past their length keeping their state. */
static void forward_step(seq_buf *out, const direction *d, int s)
{
    int T = d->T, R = d->R, H = d->H, G = d->G;
    size_t SG = d->SG, SH = d->SH, SG3 = d->SG3;
    const char *h = d->h, *c = d->c, *gates = d->gates;
    int t = step_time(T, d->dir, s), prev = d->dir ? t + 1 : t, next = d->dir ? t : t + 1;
    int product = s > 0 || d->carried; /* a zero initial state needs no product */
    char c_t[64];
    seq_buf_printf(out, "    /* t = %d */\n", t);
    switch (d->cell) {
    case CELL_LSTM:
        if (product)
            step_product(out, d, 0, R, G * H, H, h, prev * SH, 1, at(c_t, sizeof c_t, gates, t * SG));
        seq_buf_printf(out, "    seq_lstm_cell_forward(%d, %d, %s, %s + %zu, %s + %zu, %s + %zu, %s + %zu);\n",
                       R, H, d->bias, gates, t * SG, c, prev * SH, c, next * SH, h, next * SH);
        break;
    case CELL_GRU:
        if (product)
            step_product(out, d, 0, R, 3 * H, H, h, prev * SH, 0, at(c_t, sizeof c_t, d->rg, t * SG3));
        else
            seq_buf_printf(out, "    seq_zero(%zu, %s + %zu);\n", SG3, d->rg, t * SG3);
        seq_buf_printf(out, "    seq_gru_cell_forward(%d, %d, %s, %s + %d, %s + %zu, %s + %zu, %s + %zu, %s + %zu, %s + %zu);\n",
                       R, H, d->bias, d->bias, 3 * H, gates, t * SG, d->rg, t * SG3, d->rh, t * SH, h,
                       prev * SH, h, next * SH);
        break;
    default:
        if (product)
            step_product(out, d, 0, R, H, H, h, prev * SH, 1, at(c_t, sizeof c_t, gates, t * SG));
        seq_buf_printf(out, "    seq_rnn_cell_forward(%d, %d, %s, %s + %zu, %s + %zu);\n", R, H, d->bias,
                       gates, t * SG, h, next * SH);
        break;
    }
    if (d->l->masked) { /* rows past their length keep their state */
        if (d->cell == CELL_LSTM)
            seq_buf_printf(out, "    seq_hold_rows(%d, %d, %d, len, %s + %zu, %s + %zu);\n", R, H, t, c,
                           prev * SH, c, next * SH);
        seq_buf_printf(out, "    seq_hold_rows(%d, %d, %d, len, %s + %zu, %s + %zu);\n", R, H, t, h,
                       prev * SH, h, next * SH);
    }
}

/* After the last step: the state the next batch starts from (stateful),
 * and the layer's output from the states. */
static void forward_end(seq_buf *out, const direction *d)
{
    const layer *l = d->l;
    int T = d->T, R = d->R, H = d->H, dir = d->dir;
    size_t SH = d->SH;
    if (d->carried) {
        seq_buf_printf(out, "    seq_copy(%zu, %s + %zu, a + %zu + %zu * blk);\n", SH, d->h,
                       (size_t)T * SH, d->io->state[0][0], SH);
        if (d->cell == CELL_LSTM)
            seq_buf_printf(out, "    seq_copy(%zu, %s + %zu, a + %zu + %zu * blk);\n", SH, d->c,
                           (size_t)T * SH, d->io->state[0][1], SH);
    }
    if (l->dirs == 2) { /* this direction's half of the concatenated output */
        if (l->return_sequences)
            seq_buf_printf(out, "    seq_copy_rows(%d, %d, %s + %zu, %d, out + %d, %d);\n", T * R, H, d->h,
                           dir ? 0 : SH, H, dir * H, 2 * H);
        else
            seq_buf_printf(out, "    seq_copy_rows(%d, %d, %s + %zu, %d, out + %d, %d);\n", R, H, d->h,
                           dir ? 0 : (size_t)T * SH, H, dir * H, 2 * H);
    } else if (!l->return_sequences) {
        seq_buf_printf(out, "    seq_copy(%zu, %s + %zu, out);\n", SH, d->h, (size_t)T * SH);
    } else if (l->masked) { /* the outputs: zeros past each row's length */
        seq_buf_printf(out, "    seq_copy(%zu, %s + %zu, out);\n", (size_t)T * SH, d->h, SH);
        seq_buf_printf(out, "    seq_mask_steps(%d, %d, %d, len, out);\n", T, R, H);
    }
}

static void backward_pointers(seq_buf *out, const plan *pl, const direction *d, unsigned want);
static void backward_step(seq_buf *out, const direction *d, int s);

/* The function of steps FIRST.. of direction D in pass PS (WHAT: its
 * suffix, or "backward"): "lstm_forward_steps_64", "bidirectional_backward_f_steps_0". */
static const char *steps_function(const direction *d, const char *what, int first, char *buf,
                                  size_t n)
{
    char steps[16];
    local(d->l, d->dir, "steps", steps, sizeof steps);
    snprintf(buf, n, "%s_%s_%s_%d", d->l->name, what, steps, first);
    return buf;
}

/* Whether a function of steps reads parameters: the forward's read the
 * bias; the backward's only the recurrent kernel, unless it is packed. */
static int steps_read_params(const direction *d, int backward)
{
    return !backward || !d->packed;
}

/* The functions of STEPS_PER_FUNCTION steps of a chunked layer (CHUNK_OVER),
 * each direction's, forward or BACKWARD, before the block's function. */
static void step_functions(seq_buf *out, const plan *pl, const pass *ps, const layer *l,
                           int backward)
{
    const char *what = backward ? "backward" : ps->suffix;
    char name[160];
    for (int dir = 0; dir < l->dirs; dir++) {
        direction d;
        direction_init(&d, ps, l, dir);
        for (int first = 0; first < d.T; first += STEPS_PER_FUNCTION) {
            int last = first + STEPS_PER_FUNCTION < d.T ? first + STEPS_PER_FUNCTION : d.T;
            seq_buf_printf(out, "\n/* block blk, steps %d to %d%s%s */\n"
                                "static void %s(%sreal *a, %sint blk)\n{\n", first,
                           last - 1, backward ? " back" : "",
                           l->dirs == 2 ? dir ? ", backward direction" : ", forward direction" : "",
                           steps_function(&d, what, first, name, sizeof name),
                           steps_read_params(&d, backward) ? "const real *p, " : "",
                           l->masked ? "const int32_t *len, " : "");
            if (backward) {
                backward_pointers(out, pl, &d, backward_want(&d, 1));
                for (int s = last - 1; s >= first; s--)
                    backward_step(out, &d, s);
            } else {
                forward_pointers(out, pl, &d, W_FORWARD_STEPS);
                for (int s = first; s < last; s++)
                    forward_step(out, &d, s);
            }
            seq_buf_puts(out, "}\n");
        }
    }
}

/* The calls of a chunked direction's step functions, in the order of its steps. */
static void call_step_functions(seq_buf *out, const pass *ps, const direction *d, int backward)
{
    const char *what = backward ? "backward" : ps->suffix;
    const char *len = d->l->masked ? "len, " : "";
    int chunks = (d->T + STEPS_PER_FUNCTION - 1) / STEPS_PER_FUNCTION;
    char name[160];
    for (int k = 0; k < chunks; k++) {
        int first = (backward ? chunks - 1 - k : k) * STEPS_PER_FUNCTION;
        seq_buf_printf(out, "    %s(%sa, %sblk);\n", steps_function(d, what, first, name, sizeof name),
                       steps_read_params(d, backward) ? "p, " : "", len);
    }
}

static void forward_direction(seq_buf *out, const plan *pl, const pass *ps, const layer *l, int dir)
{
    direction d;
    direction_init(&d, ps, l, dir);
    if (l->dirs == 2)
        seq_buf_printf(out, "\n    /* the %s direction */\n", dir ? "backward (time T-1 down to 0)" : "forward");
    else
        seq_buf_puts(out, "\n");
    forward_pointers(out, pl, &d, d.chunked ? W_FORWARD_AROUND : W_ALL);
    forward_start(out, &d);
    if (d.chunked)
        call_step_functions(out, ps, &d, 0);
    else
        for (int s = 0; s < d.T; s++)
            forward_step(out, &d, s);
    forward_end(out, &d);
}

/* Before the blocks: each direction's recurrent kernel U packed for the
 * steps' products (U^T for the BACKWARD pass), once for all blocks. */
static void pack_kernels(seq_buf *out, const plan *pl, const pass *ps, const layer *l, int backward)
{
    if (!packs_kernel(ps))
        return;
    int H = l->units, G = gates_of(l);
    for (int dir = 0; dir < l->dirs; dir++) {
        const char *which = l->dirs == 1 ? "" : dir ? ", backward direction" : ", forward direction";
        size_t from = dir_param(pl, l, dir, P_RECURRENT)->offset, to = dget(&ps->io[l->index], dir, B_PACKED);
        if (backward)
            seq_buf_printf(out, "    seq_pack_bt(%d, %d, p + %zu, a + %zu);  /* recurrent_kernel^T%s */\n",
                           G * H, H, from, to, which);
        else
            seq_buf_printf(out, "    seq_pack_b(%d, %d, p + %zu, a + %zu);  /* recurrent_kernel%s */\n", H,
                           G * H, from, to, which);
    }
}

static void recurrent_forward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features, H = l->units, D = l->dirs;
    char d[64], c[128];

    if (T > CHUNK_OVER)
        step_functions(out, pl, ps, l, 0);
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
        seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a, const int32_t *lengths)\n{\n",
                       l->name, ps->suffix);
    else
        seq_buf_printf(out, "\nstatic void %s_%s(const real *p, real *a)\n{\n", l->name, ps->suffix);
    pack_kernels(out, pl, ps, l, 0);
    if (l->masked)
        seq_buf_printf(out, "    seq_parallel_blocks_len(%d, %s_%s_block, p, a, lengths);\n}\n",
                       ps->blocks, l->name, ps->suffix);
    else
        seq_buf_printf(out, "    seq_parallel_blocks(%d, %s_%s_block, p, a);\n}\n", ps->blocks,
                       l->name, ps->suffix);
}

/* The backward direction's pointers: weights, the forward's gates and
 * states, the gradients and the block's weight-gradient shares (those in
 * WANT). */
static void backward_pointers(seq_buf *out, const plan *pl, const direction *d, unsigned want)
{
    const layer *l = d->l;
    const layer_io *io = d->io;
    int T = d->T, R = d->R, F = d->F, H = d->H, G = d->G, dir = d->dir, rs = l->return_sequences;
    size_t SG = d->SG, SH = d->SH, SG3 = d->SG3;
    char dims[64], c[128];
    if (want & W_KERNEL)
        emit_param(out, d->ps, d->kernel, dir_param(pl, l, dir, P_KERNEL), dims2(dims, sizeof dims, F, G * H));
    if (want & W_REC)
        recurrent_ptr(out, pl, d, 1);
    if (d->cell != CELL_RNN && (want & W_GATES)) /* a SimpleRNN's backward needs only h */
        emit_block_ptr(out, 1, d->gates, dget(io, dir, B_GATES), (size_t)T * SG, dims3(dims, sizeof dims, T, R, G * H));
    if (d->cell == CELL_GRU && (want & W_RH))
        emit_block_ptr(out, 1, d->rh, dget(io, dir, B_RH), (size_t)T * SH, dims3(dims, sizeof dims, T, R, H));
    if (d->cell == CELL_LSTM && (want & W_C))
        emit_block_ptr(out, 1, d->c, dget(io, dir, B_C), (size_t)(T + 1) * SH, dims3(dims, sizeof dims, T + 1, R, H));
    if (want & W_H)
        emit_block_ptr(out, 1, d->h, dget(io, dir, B_H), (size_t)(T + 1) * SH, dims3(dims, sizeof dims, T + 1, R, H));
    if (rs)
        snprintf(c, sizeof c, "%s d out; gathers the recurrent gradient", dims3(dims, sizeof dims, T, R, H));
    else
        snprintf(c, sizeof c, "%s d out, then the gradient reaching h[t]", dims2(dims, sizeof dims, R, H));
    if ((want & W_DH) && l->dirs == 2)
        emit_block_ptr(out, 0, d->dh, dget(io, dir, B_DH), rs ? (size_t)T * SH : SH, c);
    else if (want & W_DH)
        emit_block_ptr(out, 0, d->dh, io->dout, rs ? io->dout_stride : SH, c);
    if (want & W_DG)
        emit_block_ptr(out, 0, d->dg, dget(io, dir, B_DGATES), (size_t)T * SG, dims3(dims, sizeof dims, T, R, G * H));
    if (d->cell == CELL_GRU && (want & W_DRG))
        emit_block_ptr(out, 0, d->drg, dget(io, dir, B_DRG), (size_t)T * SG3, dims3(dims, sizeof dims, T, R, 3 * H));
    if (d->cell == CELL_LSTM && (want & W_DC))
        emit_block_ptr(out, 0, d->dc, dget(io, dir, B_DC), SH, dims2(dims, sizeof dims, R, H));
    if (want & W_DB)
        emit_block_ptr(out, 0, d->db, dget(io, dir, B_DBIAS), SG, dims2(dims, sizeof dims, R, G * H));
    if (d->cell == CELL_GRU && (want & W_DBR))
        emit_block_ptr(out, 0, d->dbr, dget(io, dir, B_DBIAS_REC), SG3, dims2(dims, sizeof dims, R, 3 * H));
    if (want & W_PK)
        emit_block_ptr(out, 0, d->pk, dget(io, dir, B_PKERNEL), (size_t)F * G * H, dims2(dims, sizeof dims, F, G * H));
    if (want & W_PR)
        emit_block_ptr(out, 0, d->pr, dget(io, dir, B_PRECURRENT), (size_t)H * G * H, dims2(dims, sizeof dims, H, G * H));
    int nbias = d->cell == CELL_GRU ? 2 : 1;
    if (want & W_PB)
        emit_block_ptr(out, 0, d->pb, dget(io, dir, B_PBIAS), (size_t)nbias * G * H,
                  nbias == 2 ? dims2(dims, sizeof dims, 2, G * H) : dims1(dims, sizeof dims, G * H));
}

/* Before the last step: this direction's half of d out, masked steps'
 * gradients zeroed, and the running sums cleared. */
static void backward_start(seq_buf *out, const direction *d)
{
    const layer *l = d->l;
    int T = d->T, R = d->R, H = d->H, rs = l->return_sequences;
    seq_buf_puts(out, "\n");
    if (l->dirs == 2) { /* this direction's half of d out */
        if (rs)
            seq_buf_printf(out, "    seq_copy_rows(%d, %d, dout + %d, %d, %s, %d);\n", T * R, H, d->dir * H,
                           2 * H, d->dh, H);
        else
            seq_buf_printf(out, "    seq_copy_rows(%d, %d, dout + %d, %d, %s, %d);\n", R, H, d->dir * H,
                           2 * H, d->dh, H);
    }
    if (l->masked && rs) /* outputs past a row's length are constant zeros */
        seq_buf_printf(out, "    seq_mask_steps(%d, %d, %d, len, %s);\n", T, R, H, d->dh);
    if (d->cell == CELL_LSTM)
        seq_buf_printf(out, "    seq_zero(%zu, %s);\n", d->SH, d->dc);
    seq_buf_printf(out, "    seq_zero(%zu, %s);\n", d->SG, d->db);
    if (d->cell == CELL_GRU)
        seq_buf_printf(out, "    seq_zero(%zu, %s);\n", d->SG3, d->dbr);
}

/* Step S (time t), backward: the cell's backward, then the gradient
 * reaching the previous state through the recurrent kernel. */
static void backward_step(seq_buf *out, const direction *d, int s)
{
    const layer *l = d->l;
    int T = d->T, R = d->R, H = d->H, G = d->G, rs = l->return_sequences;
    size_t SG = d->SG, SH = d->SH, SG3 = d->SG3;
    int t = step_time(T, d->dir, s), prev = d->dir ? t + 1 : t, next = d->dir ? t : t + 1;
    int first = s == 0; /* the step that read the initial state */
    char dh_t[48], dh_prev[48];
    if (rs) {
        snprintf(dh_t, sizeof dh_t, "%s + %zu", d->dh, t * SH);
        snprintf(dh_prev, sizeof dh_prev, "%s + %zu", d->dh, (size_t)(d->dir ? t + 1 : t - 1) * SH);
    } else {
        snprintf(dh_t, sizeof dh_t, "%s", d->dh);
        snprintf(dh_prev, sizeof dh_prev, "%s", d->dh);
    }
    const char *len = l->masked ? "len" : "NULL";
    /* a masked row passes dh on: the recurrent GEMM then adds */
    int beta = rs || l->masked;
    seq_buf_printf(out, "    /* t = %d */\n", t);
    switch (d->cell) {
    case CELL_LSTM:
        seq_buf_printf(out, "    seq_lstm_cell_backward(%d, %d, %s + %zu, %s + %zu, %s + %zu, %s, %s, %s + %zu, %s, %s, %d);\n",
                       R, H, d->gates, t * SG, d->c, prev * SH, d->c, next * SH, dh_t, d->dc, d->dg,
                       t * SG, d->db, len, t);
        if (!first && l->masked)
            seq_buf_printf(out, "    seq_carry_rows(%d, %d, %d, len, %s, %s, %d);\n", R, H, t, dh_t, dh_prev, rs);
        if (!first)
            step_product(out, d, 1, R, H, G * H, d->dg, t * SG, beta, dh_prev);
        break;
    case CELL_GRU:
        seq_buf_printf(out, "    seq_gru_cell_backward(%d, %d, %s + %zu, %s + %zu, %s + %zu, %s, %s, %d, %s + %zu, %s + %zu, %s, %s, %s, %d);\n",
                       R, H, d->gates, t * SG, d->rh, t * SH, d->h, prev * SH, dh_t,
                       first ? dh_t : dh_prev, rs && !first, d->dg, t * SG, d->drg, t * SG3, d->db,
                       d->dbr, len, t);
        if (!first)
            step_product(out, d, 1, R, H, 3 * H, d->drg, t * SG3, 1, dh_prev);
        break;
    default:
        seq_buf_printf(out, "    seq_rnn_cell_backward(%d, %d, %s + %zu, %s, %s + %zu, %s, %s, %d);\n", R, H,
                       d->h, next * SH, dh_t, d->dg, t * SG, d->db, len, t);
        if (!first && l->masked)
            seq_buf_printf(out, "    seq_carry_rows(%d, %d, %d, len, %s, %s, %d);\n", R, H, t, dh_t, dh_prev, rs);
        if (!first)
            step_product(out, d, 1, R, H, H, d->dg, t * SG, beta, dh_prev);
        break;
    }
}

/* After the first step: the weight gradients over all steps at once, and
 * the gradient reaching x. */
static void backward_end(seq_buf *out, const direction *d)
{
    int T = d->T, R = d->R, F = d->F, H = d->H, G = d->G;
    /* the state before step t: index t forward, t+1 backward */
    seq_buf_printf(out, "    /* this direction's weight gradients, all %d steps at once */\n", T);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, x, %s, 0, %s);\n", F, G * H, T * R, d->dg, d->pk);
    seq_buf_printf(out, "    seq_matmul_at(%d, %d, %d, %s + %zu, %s, 0, %s);\n", H, G * H, T * R, d->h,
                   d->dir ? d->SH : 0, d->cell == CELL_GRU ? d->drg : d->dg, d->pr);
    seq_buf_printf(out, "    seq_colsum(%d, %d, %s, %s);\n", R, G * H, d->db, d->pb);
    if (d->cell == CELL_GRU)
        seq_buf_printf(out, "    seq_colsum(%d, %d, %s, %s + %d);\n", R, 3 * H, d->dbr, d->pb, 3 * H);
    seq_buf_printf(out, "    seq_matmul_bt(%d, %d, %d, %s, %s, %d, dx);  /* the gradient reaching x */\n",
                   T * R, F, G * H, d->dg, d->kernel, d->dir);
}

static void backward_direction(seq_buf *out, const plan *pl, const pass *ps, const layer *l, int dir)
{
    direction d;
    direction_init(&d, ps, l, dir);
    if (l->dirs == 2)
        seq_buf_printf(out, "\n    /* the %s direction */\n", dir ? "backward" : "forward");
    else
        seq_buf_puts(out, "\n");
    backward_pointers(out, pl, &d, d.chunked ? backward_want(&d, 0) : W_ALL);
    backward_start(out, &d);
    if (d.chunked)
        call_step_functions(out, ps, &d, 1);
    else
        for (int s = d.T - 1; s >= 0; s--)
            backward_step(out, &d, s);
    backward_end(out, &d);
}

static void recurrent_backward(seq_buf *out, const plan *pl, const pass *ps, const layer *l)
{
    const layer_io *io = &ps->io[l->index];
    int T = steps_in(ps, l), R = ps->rows, F = l->in.features, H = l->units, N = ps->blocks;
    int G = gates_of(l), D = l->dirs;
    char d[64], c[128];

    if (T > CHUNK_OVER)
        step_functions(out, pl, ps, l, 1);
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
        seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a, const int32_t *lengths)\n{\n",
                       l->name);
    else
        seq_buf_printf(out, "\nstatic void %s_backward(const real *p, real *g, real *a)\n{\n", l->name);
    pack_kernels(out, pl, ps, l, 1);
    if (l->masked)
        seq_buf_printf(out, "    seq_parallel_blocks_len(%d, %s_backward_block, p, a, lengths);\n", N,
                       l->name);
    else
        seq_buf_printf(out, "    seq_parallel_blocks(%d, %s_backward_block, p, a);\n", N, l->name);
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

/* The ONNX operator: X [T, N, F] -> Y [T, D, N, H] and Y_h [D, N, H] (Y_c
 * [D, N, H]); W [D, G*H, F], R [D, G*H, H] and B [D, 2*G*H] hold Keras'
 * kernels transposed, an LSTM's gates from Keras' i, f, c, o into ONNX's
 * i, o, f, c (a GRU's z, r, h are alike; its reset_after is ONNX's
 * linear_before_reset), the recurrent bias zero but a GRU's. Masked: each
 * example's length as sequence_lens. In a char-lm the states are inputs
 * and outputs (L/h_in, L/c_in; L/h_out, L/c_out). */
static void recurrent_onnx(onnx_graph *g, const layer *l)
{
    static const char *const ops[] = {[CELL_LSTM] = "LSTM", [CELL_GRU] = "GRU", [CELL_RNN] = "RNN"};
    cell c = cell_of(l);
    int F = l->in.features, H = l->units, G = gates_of(l), D = l->dirs;
    const char *order = c == CELL_LSTM ? ":gates=0,3,1,2" : "";
    if (l->masked && l->return_sequences) {
        onnx_unsupported(g, "layer %d '%s': a masked layer returning sequences", l->index + 1,
                         l->name);
        return;
    }
    char w[96], r[96], b[96], dims[48];
    seq_buf kernels = {0}, recurrents = {0}, biases = {0};
    for (int dir = 0; dir < D; dir++) {
        const char *sep = dir ? " " : "";
        seq_buf_printf(&kernels, "%s%s%s:perm=1,0", sep, dir_param(g->pl, l, dir, P_KERNEL)->name,
                       order);
        seq_buf_printf(&recurrents, "%s%s%s:perm=1,0", sep,
                       dir_param(g->pl, l, dir, P_RECURRENT)->name, order);
        const char *bias = dir_param(g->pl, l, dir, P_BIAS)->name;
        if (c == CELL_GRU)
            seq_buf_printf(&biases, "%s%s:row=0 %s:row=1", sep, bias, bias);
        else
            seq_buf_printf(&biases, "%s%s%s zeros:%d", sep, bias, order, G * H);
    }
    onnx_name(w, sizeof w, l, "W");
    onnx_name(r, sizeof r, l, "R");
    onnx_name(b, sizeof b, l, "B");
    snprintf(dims, sizeof dims, "%d,%d,%d", D, G * H, F);
    onnx_weight(g, w, dims, "%s", kernels.data);
    snprintf(dims, sizeof dims, "%d,%d,%d", D, G * H, H);
    onnx_weight(g, r, dims, "%s", recurrents.data);
    snprintf(dims, sizeof dims, "%d,%d", D, 2 * G * H);
    onnx_weight(g, b, dims, "%s", biases.data);
    seq_buf_free(&kernels);
    seq_buf_free(&recurrents);
    seq_buf_free(&biases);

    char h_in[96] = "", c_in[96] = "", h_out[96] = "", c_out[96] = "", y[96] = "", y_h[96] = "";
    if (g->s->char_lm) {
        onnx_name(h_in, sizeof h_in, l, "h_in");
        onnx_name(h_out, sizeof h_out, l, "h_out");
        seq_buf_printf(g->out, "input %s float %d,batch,%d\n", h_in, D, H);
        seq_buf_printf(g->out, "output %s float %d,batch,%d\n", h_out, D, H);
        if (c == CELL_LSTM) {
            onnx_name(c_in, sizeof c_in, l, "c_in");
            onnx_name(c_out, sizeof c_out, l, "c_out");
            seq_buf_printf(g->out, "input %s float %d,batch,%d\n", c_in, D, H);
            seq_buf_printf(g->out, "output %s float %d,batch,%d\n", c_out, D, H);
        }
        snprintf(y_h, sizeof y_h, "%s", h_out);
    } else {
        onnx_name(y_h, sizeof y_h, l, "Y_h");
    }
    if (l->return_sequences)
        onnx_name(y, sizeof y, l, "Y");
    char inputs[600], outputs[300];
    snprintf(inputs, sizeof inputs, "%s,%s,%s,%s,%s,%s%s%s", g->x, w, r, b,
             l->masked ? onnx_lengths(g) : "", h_in, c == CELL_LSTM ? "," : "", c_in);
    snprintf(outputs, sizeof outputs, "%s,%s%s%s", y, y_h, c_out[0] ? "," : "", c_out);
    onnx_node(g, ops[c], inputs, outputs, "hidden_size=i:%d direction=s:%s%s", H,
              D == 2 ? "bidirectional" : "forward", c == CELL_GRU ? " linear_before_reset=i:1" : "");

    /* Keras' output: the last states [N, D*H], or every step's [T, N, D*H] */
    char axes[64], shape[64];
    snprintf(g->x, sizeof g->x, "%s", l->return_sequences ? y : y_h);
    if (D == 1) {
        onnx_ints(g, l->return_sequences ? "1" : "0", axes, sizeof axes);
        onnx_then(g, l, "Squeeze", axes, "out", "");
    } else {
        onnx_ints(g, l->return_sequences ? "0,0,-1" : "0,-1", shape, sizeof shape);
        onnx_then(g, l, "Transpose", NULL, "directions_last", "perm=is:%s",
                  l->return_sequences ? "0,2,1,3" : "1,0,2");
        onnx_then(g, l, "Reshape", shape, "out", "");
    }
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
        .onnx = recurrent_onnx,                                                            \
    };

RECURRENT(lstm, "LSTM", 2)
RECURRENT(gru, "GRU", 1)
RECURRENT(rnn, "SimpleRNN", 1)
