/* onednn_rnn.c: oneDNN's recurrent training primitives, the peer that
 * bench/bench_models.py sets beside seqcc's training step.
 *
 * Times the forward (forward_training) and backward (with weight gradients)
 * of a stack of recurrent layers in f32 through oneDNN's C API (2.x, dnnl.h):
 * each layer its own primitive (oneDNN's multi-layer primitive wants equal
 * input and hidden sizes), forward from the first layer to the last, then
 * backward from the last to the first, each layer's diff_src_layer being the
 * diff_dst_layer of the layer below. The top layer's diff_dst_layer is
 * random, and for a layer that returns its last state only (":last", Keras'
 * return_sequences false) nonzero only where that state is: step T-1 of the
 * forward direction, step 0 of the backward one. The cells:
 *
 *   lstm  dnnl_vanilla_lstm, gates i, f, c~, o (Keras' i, f, g, o)
 *   gru   dnnl_lbr_gru, "linear before reset": Keras' GRU with
 *         reset_after=True, which is seqcc's (runtime/kernels/kernels.h,
 *         seq_gru_cell_forward: n = tanh(x W_h + b_in + r (h U_h + b_rec)),
 *         h = z h_prev + (1 - z) n); gates u, r, o (Keras' z, r, h) and a
 *         fourth bias, u', the recurrent bias of o
 *   rnn   dnnl_vanilla_rnn with tanh
 *
 * A step is: for each layer the reorders of the weights into the layouts the
 * forward and backward primitives chose (none when they are the plain
 * ldigo), the forward; then for each layer, top first, the zeroing of the
 * weight gradients (oneDNN adds to them), the backward and the reorder of the
 * gradients back to ldigo if it chose another layout. Primitives, memories,
 * workspaces and scratchpads are made once, before the timed steps; a step's
 * time is its executes and the stream wait.
 *
 * oneDNN 2.6.3 computes a wrong diff_weights_iter for a unidirectional LSTM
 * (and, --check finds, a unidirectional vanilla RNN; not lbr_gru) when the
 * initial states (src_iter, src_iter_c) are left NULL, i.e. zero by default:
 * this program always passes explicit zero initial states and explicit zero
 * diff_dst_iter and diff_dst_iter_c, for every cell kind
 * (--null-initial-states leaves them out, to see the bug).
 *
 *   cc -O2 -std=c11 bench/onednn_rnn.c -ldnnl -lm -o onednn_rnn
 *   onednn_rnn --batch 32 --seq 120 --layer lstm:32:64:1:last
 *   onednn_rnn --batch 32 --seq 120 --layer lstm:32:64:2 --layer lstm:128:64:2:last
 *   onednn_rnn --check
 *
 * --layer CELL:F:H:D[:last] is one layer, in order: F input features, H
 * units, D 1 or 2 directions (2: bidirectional_concat, so the next layer's F
 * is 2H). --steps S timed steps (default 10) after --warmup W (default 3);
 * --threads N sets OpenMP's thread count (omp_set_num_threads of the libgomp
 * that libdnnl loads; else OMP_NUM_THREADS decides). Prints one JSON line:
 * {"ms": median step, "min", "max", "mean", "gflops": of the median,
 * "threads", ...};
 * the FLOPs are bench_models.py's: 3 x the forward's 2 B T D (F + H) G H per
 * layer (G gates: 4, 3, 1).
 *
 * --check runs small stacks (batch 3, 5 steps, F 4, H 3, two layers; each
 * cell, one direction and two, with and without :last on top) and compares
 * oneDNN's dst_layer and, for loss = sum(dst_layer_top * R) with R the top
 * gradient above, its diff_weights_layer, diff_weights_iter, diff_bias (each
 * layer) and diff_src_layer (bottom) with a double-precision forward of the
 * same equations in oneDNN's layouts and central differences of its loss.
 * Exit status 0 and a summary line when every entry is within 1e-4 of its
 * tensor's largest magnitude; 1 and what differs otherwise; 2 on a usage or
 * oneDNN error.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT, clock_gettime */
#include <dlfcn.h>
#include <dnnl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if DNNL_VERSION_MAJOR != 2
#error "onednn_rnn.c is written for oneDNN 2.x's C API (op descriptors, dnnl_*_desc_init)"
#endif

#define MAX_LAYERS 16
#define CHECK_TOLERANCE 1e-4 /* of a tensor's largest reference magnitude */
#define CHECK_EPS 1e-6       /* central differences, in double */

typedef enum { CELL_LSTM, CELL_GRU, CELL_RNN } cell_kind;
static const char *const cell_names[] = {"lstm", "gru", "rnn"};
static const int cell_gates[] = {4, 3, 1};

typedef struct {
    cell_kind cell;
    int features, units, dirs;
    int last; /* returns its last state only: the top gradient is zero elsewhere */
} layer_shape;

/* oneDNN's bias has a fourth gate for lbr_gru: u', the recurrent bias of o. */
static int bias_gates(cell_kind cell)
{
    return cell == CELL_GRU ? 4 : cell_gates[cell];
}

static void fail_dnnl(dnnl_status_t status, const char *call, int line)
{
    fprintf(stderr, "onednn_rnn: %s failed with status %d (line %d)\n", call, (int)status, line);
    exit(2);
}
#define DNNL(call)                                                                            \
    do {                                                                                      \
        dnnl_status_t status_ = (call);                                                       \
        if (status_ != dnnl_success)                                                          \
            fail_dnnl(status_, #call, __LINE__);                                              \
    } while (0)

/* ---- OpenMP, through the libgomp that libdnnl loads (no -fopenmp needed) ---- */

static void set_threads(int threads)
{
    void (*omp_set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (omp_set) {
        omp_set(threads);
        return;
    }
    char value[16];
    snprintf(value, sizeof value, "%d", threads);
    setenv("OMP_NUM_THREADS", value, 1); /* a runtime that reads it later */
    fprintf(stderr, "onednn_rnn: no omp_set_num_threads in the process; set OMP_NUM_THREADS\n");
}

/* The thread count oneDNN will use: OpenMP's, or REQUESTED without OpenMP. */
static int threads_in_use(int requested)
{
    int (*omp_max)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    return omp_max ? omp_max() : requested > 0 ? requested : 1;
}

/* ---- random numbers (splitmix64) ---------------------------------------------------- */

static uint64_t rng_state;

static double uniform(double lo, double hi)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) * 0x1p-53;
}

/* ---- the stack of layers ------------------------------------------------------------ */

/* A reorder between two memories, executed each step. */
typedef struct {
    dnnl_primitive_t primitive; /* NULL: none needed */
    dnnl_exec_arg_t args[2];
} reorder;

enum { MAX_ARGS = 24, MAX_OWNED = 32 };

typedef struct {
    layer_shape shape;
    dnnl_primitive_t forward, backward;
    dnnl_exec_arg_t forward_args[MAX_ARGS], backward_args[MAX_ARGS];
    int forward_nargs, backward_nargs;
    reorder weights_to_forward[2], weights_to_backward[2], gradients_to_plain[2];
    /* the plain (ldigo, ldgo, tnc) memories: the parameters, their gradients and
     * the layer's data; src_layer and diff_src_layer are the layer below's
     * dst_layer and diff_dst_layer */
    dnnl_memory_t weights_layer, weights_iter, bias;
    dnnl_memory_t diff_weights_layer, diff_weights_iter, diff_bias;
    dnnl_memory_t src_layer, dst_layer, diff_src_layer, diff_dst_layer;
    dnnl_memory_t backward_gradients[3]; /* what the backward adds to: zeroed each step */
    dnnl_memory_t owned[MAX_OWNED];
    int n_owned;
} layer;

typedef struct {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    int batch, seq, n_layers;
    layer layers[MAX_LAYERS];
} stack;

static float *data_of(dnnl_memory_t memory)
{
    void *p;
    DNNL(dnnl_memory_get_data_handle(memory, &p));
    return p;
}

static size_t bytes_of(dnnl_memory_t memory)
{
    const dnnl_memory_desc_t *md;
    DNNL(dnnl_memory_get_memory_desc(memory, &md));
    return dnnl_memory_desc_get_size(md);
}

/* (the header's dims are a dnnl_dims_t, DNNL_MAX_NDIMS long: so are the callers') */
static dnnl_memory_desc_t make_md(int ndims, const dnnl_dims_t dims, dnnl_format_tag_t tag)
{
    dnnl_memory_desc_t md;
    DNNL(dnnl_memory_desc_init_by_tag(&md, ndims, dims, dnnl_f32, tag));
    return md;
}

/* A zeroed memory of MD that L owns. */
static dnnl_memory_t new_memory(const stack *s, layer *l, const dnnl_memory_desc_t *md)
{
    dnnl_memory_t m;
    DNNL(dnnl_memory_create(&m, md, s->engine, DNNL_MEMORY_ALLOCATE));
    memset(data_of(m), 0, dnnl_memory_desc_get_size(md));
    if (l->n_owned == MAX_OWNED) {
        fprintf(stderr, "onednn_rnn: more than %d memories in a layer\n", MAX_OWNED);
        exit(2);
    }
    l->owned[l->n_owned++] = m;
    return m;
}

static const dnnl_memory_desc_t *arg_md(const_dnnl_primitive_desc_t pd, int arg)
{
    return dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
}

/* The memory PD takes as ARG: PLAIN itself when PD chose its layout, else a
 * new one in PD's and, in *CONVERT, the reorder from PLAIN to it (INTO_PD)
 * or from it to PLAIN. */
static dnnl_memory_t memory_for(const stack *s, layer *l, const_dnnl_primitive_desc_t pd,
                                int arg, dnnl_memory_t plain, int into_pd, reorder *convert)
{
    const dnnl_memory_desc_t *want = arg_md(pd, arg), *have;
    DNNL(dnnl_memory_get_memory_desc(plain, &have));
    convert->primitive = NULL;
    if (dnnl_memory_desc_equal(want, have))
        return plain;
    dnnl_memory_t own = new_memory(s, l, want);
    dnnl_memory_t from = into_pd ? plain : own, to = into_pd ? own : plain;
    const dnnl_memory_desc_t *from_md = into_pd ? have : want, *to_md = into_pd ? want : have;
    dnnl_primitive_desc_t reorder_pd;
    DNNL(dnnl_reorder_primitive_desc_create(&reorder_pd, from_md, s->engine, to_md, s->engine,
                                            NULL));
    DNNL(dnnl_primitive_create(&convert->primitive, reorder_pd));
    DNNL(dnnl_primitive_desc_destroy(reorder_pd));
    convert->args[0] = (dnnl_exec_arg_t){DNNL_ARG_FROM, from};
    convert->args[1] = (dnnl_exec_arg_t){DNNL_ARG_TO, to};
    return own;
}

/* The memory descriptors of one side of a layer (the data, or its gradients). */
typedef struct {
    dnnl_memory_desc_t src_layer, src_iter, src_iter_c, weights_layer, weights_iter, bias,
        dst_layer, dst_iter, dst_iter_c;
} layer_mds;

/* DATA's descriptors for layer shape X; the weights' layout is left to oneDNN
 * (format any) and the rest plain. */
static layer_mds shape_mds(const layer_shape *x, int batch, int seq)
{
    int D = x->dirs, H = x->units, G = cell_gates[x->cell];
    dnnl_dims_t src = {seq, batch, x->features}, dst = {seq, batch, D * H};
    dnnl_dims_t state = {1, D, batch, H}, bias = {1, D, bias_gates(x->cell), H};
    dnnl_dims_t w_layer = {1, D, x->features, G, H}, w_iter = {1, D, H, G, H};
    layer_mds m = {
        .src_layer = make_md(3, src, dnnl_tnc),
        .src_iter = make_md(4, state, dnnl_ldnc),
        .src_iter_c = make_md(4, state, dnnl_ldnc),
        .weights_layer = make_md(5, w_layer, dnnl_format_tag_any),
        .weights_iter = make_md(5, w_iter, dnnl_format_tag_any),
        .bias = make_md(4, bias, dnnl_ldgo),
        .dst_layer = make_md(3, dst, dnnl_tnc),
        .dst_iter = make_md(4, state, dnnl_ldnc),
        .dst_iter_c = make_md(4, state, dnnl_ldnc),
    };
    return m;
}

/* The forward (DIFF NULL) or backward op descriptor of layer shape X.
 * NULL_STATES leaves out the initial and final states (oneDNN's zeros). */
static dnnl_rnn_desc_t rnn_desc(const layer_shape *x, const layer_mds *m, const layer_mds *diff,
                                int null_states)
{
    dnnl_rnn_desc_t d;
    dnnl_rnn_direction_t dir =
        x->dirs == 2 ? dnnl_bidirectional_concat : dnnl_unidirectional_left2right;
    const dnnl_memory_desc_t *si = null_states ? NULL : &m->src_iter;
    const dnnl_memory_desc_t *sic = null_states ? NULL : &m->src_iter_c;
    const dnnl_memory_desc_t *di = null_states ? NULL : &m->dst_iter;
    const dnnl_memory_desc_t *dic = null_states ? NULL : &m->dst_iter_c;
    if (!diff) {
        switch (x->cell) {
        case CELL_LSTM:
            DNNL(dnnl_lstm_forward_desc_init(&d, dnnl_forward_training, dir, &m->src_layer, si,
                                             sic, &m->weights_layer, &m->weights_iter, &m->bias,
                                             &m->dst_layer, di, dic, 0));
            break;
        case CELL_GRU:
            DNNL(dnnl_lbr_gru_forward_desc_init(&d, dnnl_forward_training, dir, &m->src_layer,
                                                si, &m->weights_layer, &m->weights_iter,
                                                &m->bias, &m->dst_layer, di, 0));
            break;
        case CELL_RNN:
            DNNL(dnnl_vanilla_rnn_forward_desc_init(
                &d, dnnl_forward_training, dnnl_eltwise_tanh, dir, &m->src_layer, si,
                &m->weights_layer, &m->weights_iter, &m->bias, &m->dst_layer, di, 0, 0.f, 0.f));
            break;
        }
        return d;
    }
    const dnnl_memory_desc_t *dsi = null_states ? NULL : &diff->src_iter;
    const dnnl_memory_desc_t *dsic = null_states ? NULL : &diff->src_iter_c;
    const dnnl_memory_desc_t *ddi = null_states ? NULL : &diff->dst_iter;
    const dnnl_memory_desc_t *ddic = null_states ? NULL : &diff->dst_iter_c;
    switch (x->cell) {
    case CELL_LSTM:
        DNNL(dnnl_lstm_backward_desc_init(
            &d, dnnl_backward, dir, &m->src_layer, si, sic, &m->weights_layer, &m->weights_iter,
            &m->bias, &m->dst_layer, di, dic, &diff->src_layer, dsi, dsic, &diff->weights_layer,
            &diff->weights_iter, &diff->bias, &diff->dst_layer, ddi, ddic, 0));
        break;
    case CELL_GRU:
        DNNL(dnnl_lbr_gru_backward_desc_init(
            &d, dnnl_backward, dir, &m->src_layer, si, &m->weights_layer, &m->weights_iter,
            &m->bias, &m->dst_layer, di, &diff->src_layer, dsi, &diff->weights_layer,
            &diff->weights_iter, &diff->bias, &diff->dst_layer, ddi, 0));
        break;
    case CELL_RNN:
        DNNL(dnnl_vanilla_rnn_backward_desc_init(
            &d, dnnl_backward, dnnl_eltwise_tanh, dir, &m->src_layer, si, &m->weights_layer,
            &m->weights_iter, &m->bias, &m->dst_layer, di, &diff->src_layer, dsi,
            &diff->weights_layer, &diff->weights_iter, &diff->bias, &diff->dst_layer, ddi, 0,
            0.f, 0.f));
        break;
    }
    return d;
}

static void add_arg(dnnl_exec_arg_t *args, int *nargs, int arg, dnnl_memory_t memory)
{
    if (*nargs == MAX_ARGS) {
        fprintf(stderr, "onednn_rnn: more than %d arguments\n", MAX_ARGS);
        exit(2);
    }
    args[(*nargs)++] = (dnnl_exec_arg_t){arg, memory};
}

/* ARG of PD, a zeroed memory of its own in L (the states' gradients: zero in,
 * and what comes out unused); skipped when PD does not take it. */
static void add_own_arg(const stack *s, layer *l, const_dnnl_primitive_desc_t pd,
                        dnnl_exec_arg_t *args, int *nargs, int arg)
{
    const dnnl_memory_desc_t *md = arg_md(pd, arg);
    if (md && md->ndims > 0)
        add_arg(args, nargs, arg, new_memory(s, l, md));
}

/* A user-managed scratchpad of PD's size, in ATTR's mode. */
static void add_scratchpad(const stack *s, layer *l, const_dnnl_primitive_desc_t pd,
                           dnnl_exec_arg_t *args, int *nargs)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (md && dnnl_memory_desc_get_size(md) > 0)
        add_arg(args, nargs, DNNL_ARG_SCRATCHPAD, new_memory(s, l, md));
}

static const int state_args[4] = {DNNL_ARG_SRC_ITER, DNNL_ARG_SRC_ITER_C, DNNL_ARG_DST_ITER,
                                  DNNL_ARG_DST_ITER_C};

/* The arguments L's forward and backward (PD) both take: the layer's input and
 * output, its parameters (the weights in PD's layouts, through TO_PD), the
 * WORKSPACE and the STATES that are not NULL (of state_args). */
static void add_shared_args(const stack *s, layer *l, const_dnnl_primitive_desc_t pd,
                            dnnl_exec_arg_t *args, int *nargs, reorder to_pd[2],
                            dnnl_memory_t workspace, const dnnl_memory_t states[4])
{
    add_arg(args, nargs, DNNL_ARG_SRC_LAYER, l->src_layer);
    add_arg(args, nargs, DNNL_ARG_WEIGHTS_LAYER,
            memory_for(s, l, pd, DNNL_ARG_WEIGHTS_LAYER, l->weights_layer, 1, &to_pd[0]));
    add_arg(args, nargs, DNNL_ARG_WEIGHTS_ITER,
            memory_for(s, l, pd, DNNL_ARG_WEIGHTS_ITER, l->weights_iter, 1, &to_pd[1]));
    add_arg(args, nargs, DNNL_ARG_BIAS, l->bias);
    add_arg(args, nargs, DNNL_ARG_DST_LAYER, l->dst_layer);
    add_arg(args, nargs, DNNL_ARG_WORKSPACE, workspace);
    for (int k = 0; k < 4; k++)
        if (states[k])
            add_arg(args, nargs, state_args[k], states[k]);
}

/* Layer I of S: its primitives and memories; S's layer I-1 is made. */
static void make_layer(stack *s, int i, int null_states)
{
    layer *l = &s->layers[i];
    const layer_shape *x = &l->shape;
    int lstm = x->cell == CELL_LSTM;
    layer_mds m = shape_mds(x, s->batch, s->seq), diff = m;

    dnnl_primitive_attr_t attr;
    DNNL(dnnl_primitive_attr_create(&attr));
    DNNL(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    dnnl_rnn_desc_t fd = rnn_desc(x, &m, NULL, null_states);
    dnnl_primitive_desc_t fwd_pd, bwd_pd;
    DNNL(dnnl_primitive_desc_create(&fwd_pd, &fd, attr, s->engine, NULL));
    dnnl_rnn_desc_t bd = rnn_desc(x, &m, &diff, null_states);
    DNNL(dnnl_primitive_desc_create(&bwd_pd, &bd, attr, s->engine, fwd_pd));
    DNNL(dnnl_primitive_attr_destroy(attr));

    /* the plain memories */
    int D = x->dirs, H = x->units, G = cell_gates[x->cell];
    dnnl_dims_t w_layer = {1, D, x->features, G, H}, w_iter = {1, D, H, G, H};
    dnnl_memory_desc_t wl_md = make_md(5, w_layer, dnnl_ldigo), wi_md = make_md(5, w_iter,
                                                                                dnnl_ldigo);
    l->weights_layer = new_memory(s, l, &wl_md);
    l->weights_iter = new_memory(s, l, &wi_md);
    l->bias = new_memory(s, l, &m.bias);
    l->diff_weights_layer = new_memory(s, l, &wl_md);
    l->diff_weights_iter = new_memory(s, l, &wi_md);
    l->diff_bias = new_memory(s, l, &m.bias);
    if (i == 0) {
        l->src_layer = new_memory(s, l, &m.src_layer);
        l->diff_src_layer = new_memory(s, l, &m.src_layer);
    } else {
        l->src_layer = s->layers[i - 1].dst_layer;
        l->diff_src_layer = s->layers[i - 1].diff_dst_layer;
    }
    l->dst_layer = new_memory(s, l, &m.dst_layer);
    l->diff_dst_layer = new_memory(s, l, &m.dst_layer);
    const dnnl_memory_desc_t *ws_md = dnnl_primitive_desc_query_md(fwd_pd,
                                                                   dnnl_query_workspace_md, 0);
    dnnl_memory_t workspace = new_memory(s, l, ws_md);

    /* the initial and final states (zeros; the cell states an LSTM's only) */
    dnnl_memory_t states[4] = {NULL, NULL, NULL, NULL};
    for (int k = 0; k < 4 && !null_states; k++)
        if (lstm || state_args[k] == DNNL_ARG_SRC_ITER || state_args[k] == DNNL_ARG_DST_ITER)
            states[k] = new_memory(s, l, arg_md(fwd_pd, state_args[k]));

    add_shared_args(s, l, fwd_pd, l->forward_args, &l->forward_nargs, l->weights_to_forward,
                    workspace, states);
    add_scratchpad(s, l, fwd_pd, l->forward_args, &l->forward_nargs);

    /* the backward's: the forward's, and the gradients */
    dnnl_exec_arg_t *ba = l->backward_args;
    int *bn = &l->backward_nargs;
    add_shared_args(s, l, bwd_pd, ba, bn, l->weights_to_backward, workspace, states);
    add_arg(ba, bn, DNNL_ARG_DIFF_SRC_LAYER, l->diff_src_layer);
    add_arg(ba, bn, DNNL_ARG_DIFF_DST_LAYER, l->diff_dst_layer);
    l->backward_gradients[0] = memory_for(s, l, bwd_pd, DNNL_ARG_DIFF_WEIGHTS_LAYER,
                                          l->diff_weights_layer, 0, &l->gradients_to_plain[0]);
    l->backward_gradients[1] = memory_for(s, l, bwd_pd, DNNL_ARG_DIFF_WEIGHTS_ITER,
                                          l->diff_weights_iter, 0, &l->gradients_to_plain[1]);
    l->backward_gradients[2] = l->diff_bias;
    add_arg(ba, bn, DNNL_ARG_DIFF_WEIGHTS_LAYER, l->backward_gradients[0]);
    add_arg(ba, bn, DNNL_ARG_DIFF_WEIGHTS_ITER, l->backward_gradients[1]);
    add_arg(ba, bn, DNNL_ARG_DIFF_BIAS, l->diff_bias);
    if (!null_states) {
        add_own_arg(s, l, bwd_pd, ba, bn, DNNL_ARG_DIFF_SRC_ITER);
        add_own_arg(s, l, bwd_pd, ba, bn, DNNL_ARG_DIFF_DST_ITER);
        if (lstm) {
            add_own_arg(s, l, bwd_pd, ba, bn, DNNL_ARG_DIFF_SRC_ITER_C);
            add_own_arg(s, l, bwd_pd, ba, bn, DNNL_ARG_DIFF_DST_ITER_C);
        }
    }
    add_scratchpad(s, l, bwd_pd, ba, bn);

    DNNL(dnnl_primitive_create(&l->forward, fwd_pd));
    DNNL(dnnl_primitive_create(&l->backward, bwd_pd));
    DNNL(dnnl_primitive_desc_destroy(fwd_pd));
    DNNL(dnnl_primitive_desc_destroy(bwd_pd));
}

static void fill_uniform(dnnl_memory_t memory, double scale)
{
    float *p = data_of(memory);
    size_t n = bytes_of(memory) / sizeof(float);
    for (size_t k = 0; k < n; k++)
        p[k] = (float)uniform(-scale, scale);
}

/* The top gradient: random in [-1, 1), for a :last layer only where its
 * output state is (step T-1 forward, step 0 backward). */
static void fill_top_gradient(stack *s)
{
    layer *top = &s->layers[s->n_layers - 1];
    int H = top->shape.units, width = top->shape.dirs * H, T = s->seq, N = s->batch;
    float *g = data_of(top->diff_dst_layer);
    for (int t = 0; t < T; t++)
        for (int n = 0; n < N; n++)
            for (int c = 0; c < width; c++) {
                int kept = !top->shape.last || t == (c < H ? T - 1 : 0);
                double v = uniform(-1, 1);
                g[((size_t)t * N + n) * width + c] = kept ? (float)v : 0.f;
            }
}

/* A stack of SHAPES over BATCH x SEQ, its parameters and input random. */
static stack *make_stack(const layer_shape *shapes, int n_layers, int batch, int seq,
                         double weight_scale, int null_states)
{
    stack *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "onednn_rnn: out of memory\n");
        exit(2);
    }
    s->batch = batch, s->seq = seq, s->n_layers = n_layers;
    DNNL(dnnl_engine_create(&s->engine, dnnl_cpu, 0));
    DNNL(dnnl_stream_create(&s->stream, s->engine, dnnl_stream_default_flags));
    for (int i = 0; i < n_layers; i++) {
        s->layers[i].shape = shapes[i];
        make_layer(s, i, null_states);
        fill_uniform(s->layers[i].weights_layer, weight_scale);
        fill_uniform(s->layers[i].weights_iter, weight_scale);
        fill_uniform(s->layers[i].bias, weight_scale);
    }
    fill_uniform(s->layers[0].src_layer, 1.0);
    fill_top_gradient(s);
    return s;
}

static void destroy_stack(stack *s)
{
    for (int i = 0; i < s->n_layers; i++) {
        layer *l = &s->layers[i];
        reorder *reorders[] = {&l->weights_to_forward[0], &l->weights_to_forward[1],
                               &l->weights_to_backward[0], &l->weights_to_backward[1],
                               &l->gradients_to_plain[0], &l->gradients_to_plain[1]};
        for (size_t k = 0; k < sizeof reorders / sizeof *reorders; k++)
            if (reorders[k]->primitive)
                DNNL(dnnl_primitive_destroy(reorders[k]->primitive));
        DNNL(dnnl_primitive_destroy(l->forward));
        DNNL(dnnl_primitive_destroy(l->backward));
        for (int k = 0; k < l->n_owned; k++)
            DNNL(dnnl_memory_destroy(l->owned[k]));
    }
    DNNL(dnnl_stream_destroy(s->stream));
    DNNL(dnnl_engine_destroy(s->engine));
    free(s);
}

static void run_reorders(stack *s, reorder *r, int n)
{
    for (int k = 0; k < n; k++)
        if (r[k].primitive)
            DNNL(dnnl_primitive_execute(r[k].primitive, s->stream, 2, r[k].args));
}

/* One training step of the recurrent layers: forward up, backward down. */
static void run_step(stack *s)
{
    for (int i = 0; i < s->n_layers; i++) {
        layer *l = &s->layers[i];
        run_reorders(s, l->weights_to_forward, 2);
        DNNL(dnnl_primitive_execute(l->forward, s->stream, l->forward_nargs, l->forward_args));
    }
    for (int i = s->n_layers - 1; i >= 0; i--) {
        layer *l = &s->layers[i];
        run_reorders(s, l->weights_to_backward, 2);
        for (int k = 0; k < 3; k++)
            memset(data_of(l->backward_gradients[k]), 0, bytes_of(l->backward_gradients[k]));
        DNNL(dnnl_primitive_execute(l->backward, s->stream, l->backward_nargs,
                                    l->backward_args));
        run_reorders(s, l->gradients_to_plain, 2);
    }
    DNNL(dnnl_stream_wait(s->stream));
}

/* bench_models.py's count: 3 x the forward's products. */
static double step_flops(const layer_shape *shapes, int n_layers, int batch, int seq)
{
    double total = 0;
    for (int i = 0; i < n_layers; i++) {
        const layer_shape *x = &shapes[i];
        total += 2.0 * batch * seq * x->dirs * (x->features + x->units) * cell_gates[x->cell] *
                 x->units;
    }
    return 3 * total;
}

/* ---- --check: a double-precision reference ------------------------------------------ */

static double sigmoid(double v)
{
    return 1 / (1 + exp(-v));
}

/* One layer's parameters in double, in oneDNN's plain layouts: weights
 * [D][F or H][G][H] (ldigo), bias [D][G'][H] (ldgo). */
typedef struct {
    layer_shape shape;
    double *weights_layer, *weights_iter, *bias;
} reference_layer;

/* Y [T][N][D*H] of layer L for X [T][N][F], as oneDNN defines the cells. */
static void reference_layer_forward(const reference_layer *l, int T, int N, const double *x,
                                    double *y)
{
    int F = l->shape.features, H = l->shape.units, D = l->shape.dirs;
    int G = cell_gates[l->shape.cell], GB = bias_gates(l->shape.cell);
    double h[N][H], c[N][H], from_x[G][H], from_h[G][H];
    for (int d = 0; d < D; d++) {
        const double *wl = l->weights_layer + (size_t)d * F * G * H;
        const double *wi = l->weights_iter + (size_t)d * H * G * H;
        const double *b = l->bias + (size_t)d * GB * H;
        memset(h, 0, sizeof h);
        memset(c, 0, sizeof c);
        for (int step = 0; step < T; step++) {
            int t = d ? T - 1 - step : step;
            for (int n = 0; n < N; n++) {
                const double *xt = x + ((size_t)t * N + n) * F;
                for (int g = 0; g < G; g++)
                    for (int o = 0; o < H; o++) {
                        double ax = 0, ah = 0;
                        for (int i = 0; i < F; i++)
                            ax += xt[i] * wl[(i * G + g) * H + o];
                        for (int j = 0; j < H; j++)
                            ah += h[n][j] * wi[(j * G + g) * H + o];
                        from_x[g][o] = ax, from_h[g][o] = ah;
                    }
                for (int o = 0; o < H; o++) {
                    double pre[4];
                    for (int g = 0; g < G; g++)
                        pre[g] = from_x[g][o] + from_h[g][o] + b[g * H + o];
                    switch (l->shape.cell) {
                    case CELL_LSTM: /* i, f, c~, o */
                        c[n][o] = sigmoid(pre[1]) * c[n][o] + sigmoid(pre[0]) * tanh(pre[2]);
                        h[n][o] = sigmoid(pre[3]) * tanh(c[n][o]);
                        break;
                    case CELL_GRU: { /* u, r, o; bias u, r, o, u' */
                        double u = sigmoid(pre[0]), r = sigmoid(pre[1]);
                        double cand = tanh(from_x[2][o] + b[2 * H + o] +
                                           r * (from_h[2][o] + b[3 * H + o]));
                        h[n][o] = u * h[n][o] + (1 - u) * cand;
                        break;
                    }
                    case CELL_RNN:
                        h[n][o] = tanh(pre[0]);
                        break;
                    }
                }
                for (int o = 0; o < H; o++)
                    y[((size_t)t * N + n) * D * H + d * H + o] = h[n][o];
            }
        }
    }
}

/* The check's stack in double: the layers, the input and the top gradient R. */
typedef struct {
    int n_layers, T, N;
    reference_layer layers[2];
    double *src, *top_gradient;
} reference_stack;

/* loss = sum(dst_layer_top * R); the top's dst_layer in TOP_DST if not NULL. */
static double reference_loss(const reference_stack *r, double *top_dst)
{
    const double *x = r->src;
    double *bufs[2] = {NULL, NULL};
    for (int i = 0; i < r->n_layers; i++) {
        const layer_shape *sh = &r->layers[i].shape;
        bufs[i] = malloc(sizeof(double) * r->T * r->N * sh->dirs * sh->units);
        reference_layer_forward(&r->layers[i], r->T, r->N, x, bufs[i]);
        x = bufs[i];
    }
    const layer_shape *top = &r->layers[r->n_layers - 1].shape;
    size_t n = (size_t)r->T * r->N * top->dirs * top->units;
    double loss = 0;
    for (size_t k = 0; k < n; k++)
        loss += x[k] * r->top_gradient[k];
    if (top_dst)
        memcpy(top_dst, x, n * sizeof *x);
    for (int i = 0; i < r->n_layers; i++)
        free(bufs[i]);
    return loss;
}

static double *to_double(dnnl_memory_t memory, size_t *n)
{
    const float *p = data_of(memory);
    *n = bytes_of(memory) / sizeof(float);
    double *d = malloc(*n * sizeof *d);
    for (size_t k = 0; k < *n; k++)
        d[k] = p[k];
    return d;
}

/* Compares oneDNN's GOT[N] with WANT[N]; prints the worst entry on a mismatch.
 * Returns the worst error as a share of WANT's largest magnitude. */
static double compare(const char *what, const float *got, const double *want, size_t n,
                      int *failures)
{
    double scale = 0, worst = 0;
    size_t worst_at = 0;
    for (size_t k = 0; k < n; k++)
        scale = fmax(scale, fabs(want[k]));
    scale = fmax(scale, 1e-6);
    for (size_t k = 0; k < n; k++) {
        double err = fabs(got[k] - want[k]) / scale;
        if (err > worst)
            worst = err, worst_at = k;
    }
    if (worst > CHECK_TOLERANCE) {
        (*failures)++;
        fprintf(stderr,
                "onednn_rnn --check: MISMATCH in %s: entry %zu of %zu is %.6g in oneDNN, %.6g "
                "in the reference: %.2g of the tensor's largest magnitude %.3g (bound %g)\n",
                what, worst_at, n, got[worst_at], want[worst_at], worst, scale, CHECK_TOLERANCE);
    }
    return worst;
}

/* The central differences of R's loss in each entry of P[N]. */
static double *numeric_gradient(reference_stack *r, double *p, size_t n)
{
    double *g = malloc(n * sizeof *g);
    for (size_t k = 0; k < n; k++) {
        double saved = p[k];
        p[k] = saved + CHECK_EPS;
        double up = reference_loss(r, NULL);
        p[k] = saved - CHECK_EPS;
        double down = reference_loss(r, NULL);
        p[k] = saved;
        g[k] = (up - down) / (2 * CHECK_EPS);
    }
    return g;
}

/* One case: SHAPES (two layers) through oneDNN and the reference. Returns the
 * worst error; counts the mismatching tensors in *FAILURES. */
static double check_case(const layer_shape *shapes, int null_states, int *failures)
{
    enum { N = 3, T = 5, LAYERS = 2 };
    stack *s = make_stack(shapes, LAYERS, N, T, 0.5, null_states);
    run_step(s);

    reference_stack r = {.n_layers = LAYERS, .T = T, .N = N};
    size_t n_src, n_top;
    r.src = to_double(s->layers[0].src_layer, &n_src);
    r.top_gradient = to_double(s->layers[LAYERS - 1].diff_dst_layer, &n_top);
    size_t sizes[LAYERS][3];
    for (int i = 0; i < LAYERS; i++) {
        layer *l = &s->layers[i];
        r.layers[i].shape = l->shape;
        r.layers[i].weights_layer = to_double(l->weights_layer, &sizes[i][0]);
        r.layers[i].weights_iter = to_double(l->weights_iter, &sizes[i][1]);
        r.layers[i].bias = to_double(l->bias, &sizes[i][2]);
    }

    char label[160], what[200];
    snprintf(label, sizeof label, "%s, %d direction%s%s", cell_names[shapes[0].cell],
             shapes[0].dirs, shapes[0].dirs > 1 ? "s" : "", shapes[LAYERS - 1].last ?
             ", last state on top" : ", sequences on top");
    double worst = 0, *dst = malloc(n_top * sizeof *dst);
    reference_loss(&r, dst);
    snprintf(what, sizeof what, "%s: dst_layer of layer %d", label, LAYERS);
    worst = fmax(worst, compare(what, data_of(s->layers[LAYERS - 1].dst_layer), dst, n_top,
                                failures));
    free(dst);

    static const char *const names[3] = {"diff_weights_layer", "diff_weights_iter", "diff_bias"};
    for (int i = 0; i < LAYERS; i++) {
        layer *l = &s->layers[i];
        double *params[3] = {r.layers[i].weights_layer, r.layers[i].weights_iter,
                             r.layers[i].bias};
        dnnl_memory_t grads[3] = {l->diff_weights_layer, l->diff_weights_iter, l->diff_bias};
        for (int k = 0; k < 3; k++) {
            double *want = numeric_gradient(&r, params[k], sizes[i][k]);
            snprintf(what, sizeof what, "%s: %s of layer %d", label, names[k], i + 1);
            worst = fmax(worst, compare(what, data_of(grads[k]), want, sizes[i][k], failures));
            free(want);
        }
    }
    double *want = numeric_gradient(&r, r.src, n_src);
    snprintf(what, sizeof what, "%s: diff_src_layer of layer 1", label);
    worst = fmax(worst, compare(what, data_of(s->layers[0].diff_src_layer), want, n_src,
                                failures));
    free(want);

    for (int i = 0; i < LAYERS; i++) {
        free(r.layers[i].weights_layer);
        free(r.layers[i].weights_iter);
        free(r.layers[i].bias);
    }
    free(r.src);
    free(r.top_gradient);
    destroy_stack(s);
    return worst;
}

static int run_check(int null_states)
{
    int failures = 0, cases = 0;
    double worst = 0;
    for (int cell = CELL_LSTM; cell <= CELL_RNN; cell++)
        for (int dirs = 1; dirs <= 2; dirs++)
            for (int last = 0; last <= 1; last++) {
                layer_shape shapes[2] = {{(cell_kind)cell, 4, 3, dirs, 0},
                                         {(cell_kind)cell, 3 * dirs, 3, dirs, last}};
                rng_state = 1000u + 10u * (unsigned)cases;
                worst = fmax(worst, check_case(shapes, null_states, &failures));
                cases++;
            }
    if (failures) {
        fprintf(stderr, "onednn_rnn --check: FAILED: %d tensor%s of %d cases differ from the "
                        "double-precision reference%s\n",
                failures, failures > 1 ? "s" : "", cases,
                null_states ? " (initial states left NULL)" : "");
        return 1;
    }
    printf("onednn_rnn --check: oneDNN %d.%d.%d, %d cases (lstm, lbr_gru, vanilla_rnn; 1 and 2 "
           "directions; 2 layers; top sequences or last state): dst_layer, diff_weights_layer, "
           "diff_weights_iter, diff_bias and diff_src_layer agree with a double-precision "
           "reference, worst %.2g of a tensor's largest magnitude (bound %g)\n",
           (int)dnnl_version()->major, (int)dnnl_version()->minor, (int)dnnl_version()->patch,
           cases, worst, CHECK_TOLERANCE);
    return 0;
}

/* ---- timing ------------------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_bench(const layer_shape *shapes, int n_layers, int batch, int seq, int steps,
                     int warmup, int threads)
{
    rng_state = 7;
    stack *s = make_stack(shapes, n_layers, batch, seq, 0.1, 0);
    for (int k = 0; k < warmup; k++)
        run_step(s);
    double *ms = malloc((size_t)steps * sizeof *ms), total = 0;
    for (int k = 0; k < steps; k++) {
        double t0 = now();
        run_step(s);
        ms[k] = 1e3 * (now() - t0);
        total += ms[k];
    }
    qsort(ms, (size_t)steps, sizeof *ms, by_value);
    double median = steps % 2 ? ms[steps / 2] : 0.5 * (ms[steps / 2 - 1] + ms[steps / 2]);
    double flops = step_flops(shapes, n_layers, batch, seq);
    printf("{\"ms\": %.4f, \"min\": %.4f, \"max\": %.4f, \"mean\": %.4f, \"gflops\": %.2f, "
           "\"threads\": %d, \"steps\": %d, \"step_gflop\": %.4f, \"layers\": %d, "
           "\"onednn\": \"%d.%d.%d\"}\n",
           median, ms[0], ms[steps - 1], total / steps, flops / 1e9 / (median / 1e3), threads,
           steps, flops / 1e9, n_layers, (int)dnnl_version()->major, (int)dnnl_version()->minor,
           (int)dnnl_version()->patch);
    free(ms);
    destroy_stack(s);
    return 0;
}

/* ---- the command line --------------------------------------------------------------- */

static void usage(const char *why)
{
    if (why)
        fprintf(stderr, "onednn_rnn: %s\n", why);
    fprintf(stderr,
            "usage: onednn_rnn --batch B --seq T --layer CELL:F:H:D[:last] [--layer ...]\n"
            "                  [--steps S] [--warmup W] [--threads N]\n"
            "       onednn_rnn --check [--null-initial-states] [--threads N]\n"
            "CELL lstm, gru (lbr_gru) or rnn (tanh); F input features, H units, D 1 or 2\n"
            "directions; :last when the layer returns its last state only.\n");
    exit(2);
}

static int positive(const char *text, const char *what)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < 1 || v > 1000000) {
        char why[160];
        snprintf(why, sizeof why, "%s: expected a positive number, got '%s'", what, text);
        usage(why);
    }
    return (int)v;
}

/* "CELL:F:H:D[:last]" */
static layer_shape parse_layer(const char *text)
{
    char buf[128], why[200];
    snprintf(why, sizeof why, "--layer %s: expected CELL:F:H:D[:last], CELL lstm, gru or rnn",
             text);
    if (strlen(text) >= sizeof buf)
        usage(why);
    strcpy(buf, text);
    char *fields[6];
    int n = 0;
    for (char *p = strtok(buf, ":"); p && n < 6; p = strtok(NULL, ":"))
        fields[n++] = p;
    if (n != 4 && !(n == 5 && strcmp(fields[4], "last") == 0))
        usage(why);
    layer_shape x = {.last = n == 5};
    int known = 0;
    for (int c = CELL_LSTM; c <= CELL_RNN; c++)
        if (strcmp(fields[0], cell_names[c]) == 0)
            x.cell = (cell_kind)c, known = 1;
    if (!known)
        usage(why);
    x.features = positive(fields[1], "--layer F");
    x.units = positive(fields[2], "--layer H");
    x.dirs = positive(fields[3], "--layer D");
    if (x.dirs > 2)
        usage(why);
    return x;
}

int main(int argc, char **argv)
{
    layer_shape shapes[MAX_LAYERS];
    int n_layers = 0, batch = 0, seq = 0, steps = 10, warmup = 3, threads = 0;
    int check = 0, null_states = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--check") == 0)
            check = 1;
        else if (strcmp(a, "--null-initial-states") == 0)
            null_states = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            usage(NULL);
        else if (!has_value)
            usage("unknown option or missing value");
        else if (strcmp(a, "--batch") == 0)
            batch = positive(argv[++i], a);
        else if (strcmp(a, "--seq") == 0)
            seq = positive(argv[++i], a);
        else if (strcmp(a, "--steps") == 0)
            steps = positive(argv[++i], a);
        else if (strcmp(a, "--warmup") == 0)
            warmup = atoi(argv[++i]);
        else if (strcmp(a, "--threads") == 0)
            threads = positive(argv[++i], a);
        else if (strcmp(a, "--layer") == 0) {
            if (n_layers == MAX_LAYERS)
                usage("too many layers");
            shapes[n_layers++] = parse_layer(argv[++i]);
        } else
            usage("unknown option");
    }
    if (threads)
        set_threads(threads); /* before the first primitive */
    if (check)
        return run_check(null_states);
    if (!n_layers || !batch || !seq)
        usage("--batch, --seq and at least one --layer are needed");
    for (int i = 1; i < n_layers; i++)
        if (shapes[i].features != shapes[i - 1].dirs * shapes[i - 1].units) {
            char why[160];
            snprintf(why, sizeof why, "layer %d has %d input features; layer %d gives %d", i + 1,
                     shapes[i].features, i, shapes[i - 1].dirs * shapes[i - 1].units);
            usage(why);
        }
    return run_bench(shapes, n_layers, batch, seq, steps, warmup < 0 ? 0 : warmup,
                     threads_in_use(threads));
}
