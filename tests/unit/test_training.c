/* test_training.c: initializers (Keras' definitions), the Adam/AdamW step
 * and clipping (PyTorch's formulas), and batching with padding rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/adam.h"
#include "check.h"
#include "data/dataset.h"
#include "train/init.h"
#include "kernels/kernels.h"
#include "kernels/pool.h"

/* The double builds (the headers declare the float ones here). */
void seq_d_init_params(const seq_model_info *info, uint64_t seed, double *params);
void seq_d_adam_step(const seq_optim_info *o, long t, size_t n, double *p, const double *g,
                     double *m, double *v, double grad_scale);
double seq_d_grad_norm(size_t n, const double *g);

static void test_init(void)
{
    seq_tensor_info t[] = {
        {.name = "l/kernel", .offset = 0, .size = 32 * 256, .rank = 2, .shape = {32, 256},
         .init = SEQ_INIT_GLOROT_UNIFORM, .scale = 1, .fan_in = 32, .fan_out = 256},
        {.name = "l/recurrent", .offset = 8192, .size = 64 * 256, .rank = 2, .shape = {64, 256},
         .init = SEQ_INIT_ORTHOGONAL, .scale = 1},
        {.name = "l/bias", .offset = 24576, .size = 256, .rank = 1, .shape = {256},
         .init = SEQ_INIT_ZEROS, .forget_units = 64},
        {.name = "e/table", .offset = 24832, .size = 1000, .rank = 2, .shape = {100, 10},
         .init = SEQ_INIT_UNIFORM, .scale = 0.05},
        {.name = "d/tall", .offset = 25832, .size = 300, .rank = 2, .shape = {30, 10},
         .init = SEQ_INIT_ORTHOGONAL, .scale = 2},
    };
    seq_model_info info = {.name = "m", .n_params = 26132, .n_tensors = 5, .tensors = t};
    float *p = calloc(info.n_params, sizeof *p), *q = calloc(info.n_params, sizeof *q);
    seq_s_init_params(&info, 1, p);
    seq_s_init_params(&info, 1, q);
    CHECK(memcmp(p, q, info.n_params * sizeof *p) == 0);
    seq_s_init_params(&info, 2, q);
    CHECK(memcmp(p, q, 8192 * sizeof *p) != 0);

    /* glorot_uniform: within +-sqrt(6 / (fan_in + fan_out)), variance limit^2 / 3 */
    double limit = sqrt(6.0 / (32 + 256)), sum2 = 0;
    for (int i = 0; i < 8192; i++) {
        CHECK(fabs(p[i]) <= limit);
        sum2 += p[i] * p[i];
    }
    CHECK_NEAR(sum2 / 8192, limit * limit / 3, 0.05 * limit * limit / 3);

    /* orthogonal [64, 256]: orthonormal rows; [30, 10] scaled by 2: columns of norm 2 */
    double worst = 0;
    for (int a = 0; a < 64; a++)
        for (int b = 0; b < 64; b++) {
            double dot = 0;
            for (int k = 0; k < 256; k++)
                dot += (double)p[8192 + a * 256 + k] * p[8192 + b * 256 + k];
            worst = fmax(worst, fabs(dot - (a == b)));
        }
    CHECK_MSG(worst < 1e-5, "rows not orthonormal: %g", worst);
    worst = 0;
    for (int a = 0; a < 10; a++)
        for (int b = 0; b < 10; b++) {
            double dot = 0;
            for (int k = 0; k < 30; k++)
                dot += (double)p[25832 + k * 10 + a] * p[25832 + k * 10 + b];
            worst = fmax(worst, fabs(dot - 4 * (a == b)));
        }
    CHECK_MSG(worst < 1e-5, "columns not orthogonal with norm 2: %g", worst);

    /* LSTM bias: zeros but the forget gate's [64, 128) at 1 */
    for (int i = 0; i < 256; i++)
        CHECK(p[24576 + i] == (i >= 64 && i < 128 ? 1.0f : 0.0f));
    /* uniform +-0.05 */
    for (int i = 0; i < 1000; i++)
        CHECK(fabs(p[24832 + i]) <= 0.05f);

    /* the double build starts from the same values */
    double *d = calloc(info.n_params, sizeof *d);
    seq_d_init_params(&info, 1, d);
    for (size_t i = 0; i < info.n_params; i++)
        CHECK(fabs(d[i] - p[i]) <= 1e-6 * fmax(1, fabs(d[i])));
    free(p), free(q), free(d);
}

static void test_adam(void)
{
    seq_optim_info o = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8};
    double p[3] = {1, -2, 0.5}, g[3] = {0.1, -0.3, 0}, m[3] = {0}, v[3] = {0};
    double pw[3], mw[3] = {0}, vw[3] = {0};
    memcpy(pw, p, sizeof p);
    for (long t = 1; t <= 3; t++) {
        seq_d_adam_step(&o, t, 3, p, g, m, v, 1);
        for (int i = 0; i < 3; i++) { /* torch.optim.Adam, written out */
            mw[i] = 0.9 * mw[i] + 0.1 * g[i];
            vw[i] = 0.99 * vw[i] + 0.01 * g[i] * g[i];
            double denom = sqrt(vw[i]) / sqrt(1 - pow(0.99, t)) + 1e-8;
            pw[i] -= 0.01 / (1 - pow(0.9, t)) * mw[i] / denom;
        }
    }
    for (int i = 0; i < 3; i++) {
        CHECK_NEAR(p[i], pw[i], 1e-12);
        CHECK_NEAR(m[i], mw[i], 1e-15);
    }
    /* AdamW decays the weights by lr * weight_decay first; Adam adds the L2
     * term to the gradient */
    seq_optim_info aw = o;
    aw.type = SEQ_OPTIM_ADAMW;
    aw.weight_decay = 0.1;
    double q[1] = {2}, zero[1] = {0}, qm[1] = {0}, qv[1] = {0};
    seq_d_adam_step(&aw, 1, 1, q, zero, qm, qv, 1);
    CHECK_NEAR(q[0], 2 * (1 - 0.01 * 0.1), 1e-15);
    seq_optim_info l2 = o;
    l2.weight_decay = 0.1;
    q[0] = 2, qm[0] = 0, qv[0] = 0;
    seq_d_adam_step(&l2, 1, 1, q, zero, qm, qv, 1);
    CHECK_NEAR(qm[0], 0.1 * 0.2, 1e-15); /* gradient 0 + 0.1 * 2 */
    /* gradient scaling (clipping) scales the step's input */
    double r[1] = {0}, rg[1] = {4}, rm[1] = {0}, rv[1] = {0};
    seq_d_adam_step(&o, 1, 1, r, rg, rm, rv, 0.25);
    CHECK_NEAR(rm[0], 0.1 * 1.0, 1e-15);
    double norm_in[4] = {3, 0, 4, 0};
    CHECK_NEAR(seq_d_grad_norm(4, norm_in), 5, 1e-15);
}

/* The sum of squares in long double, for the norm's accuracy. */
static double norm_reference(size_t n, const float *g)
{
    long double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (long double)g[i] * g[i];
    return (double)sqrtl(sum);
}

/* An embedding's gradient as one thread sums it, in the ids' order:
 * out rows blocked as [batch / rows][steps][rows][dim]. */
static void embedding_backward_reference(int batch, int steps, int dim, int rows,
                                         const int32_t *ids, const float *dout, float *dtable)
{
    for (int b = 0; b < batch; b++)
        for (int t = 0; t < steps; t++) {
            const float *d = dout + (((size_t)(b / rows) * steps + t) * rows + b % rows) * dim;
            float *row = dtable + (size_t)ids[b * steps + t] * dim;
            for (int j = 0; j < dim; j++)
                row[j] += d[j];
        }
}

/* What the pool's threads split gives what one thread gives, bit for bit:
 * the Adam update (every element updated), the gradient norm (fixed chunks,
 * within 1e-12 of a long double sum), an embedding's rows forward and its
 * table's columns backward (dim 48: slices of 32 and 16), zeroing. Sizes
 * around multiples of 2 x 16 (the slices are whole 16-element lines). */
static void test_threads(void)
{
    enum { CASES = 5, BATCH = 40, STEPS = 50, DIM = 48, ROWS = 10, VOCAB = 100 };
    const size_t sizes[CASES] = {1000, 65536, 65537, 65551, 349057};
    const size_t table = (size_t)VOCAB * DIM, out = (size_t)BATCH * STEPS * DIM;
    seq_optim_info o = {.lr = 0.001, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-7};
    float *want[CASES], *got[CASES];
    double norms[2][CASES];
    float *embedded[2], *dtable[2], *zeroed[2];
    int32_t ids[BATCH * STEPS];
    for (int i = 0; i < BATCH * STEPS; i++)
        ids[i] = (int32_t)((i * 7919) % VOCAB);
    float *weights = malloc(table * sizeof *weights), *dout = malloc(out * sizeof *dout);
    for (size_t i = 0; i < table; i++)
        weights[i] = (float)(i % 97) * 0.01f;
    for (size_t i = 0; i < out; i++)
        dout[i] = (float)((double)(i * 104729 % 1000) - 499.5) * 1e-3f;
    for (int pass = 0; pass < 2; pass++) {
        seq_pool_init(pass ? 2 : 1); /* the pool only grows: one thread first */
        for (int c = 0; c < CASES; c++) {
            size_t n = sizes[c];
            float *p = calloc(n, sizeof *p), *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
            float *g = malloc(n * sizeof *g);
            for (size_t i = 0; i < n; i++)
                g[i] = (float)((double)(i * 7919 % 1000) - 500.5) * 1e-5f;
            seq_s_adam_step(&o, 1, n, p, g, m, v, 1);
            norms[pass][c] = seq_s_grad_norm(n, g);
            CHECK_NEAR(norms[pass][c] / norm_reference(n, g), 1, 1e-12);
            (pass ? got : want)[c] = p;
            free(m), free(v), free(g);
        }
        embedded[pass] = malloc(out * sizeof(float));
        seq_s_embedding_forward(BATCH, STEPS, DIM, ROWS, ids, weights, embedded[pass]);
        dtable[pass] = calloc(table, sizeof(float));
        seq_s_embedding_backward(BATCH, STEPS, DIM, ROWS, ids, dout, dtable[pass]);
        zeroed[pass] = malloc((1u << 21) * sizeof(float));
        memset(zeroed[pass], 0xff, (1u << 21) * sizeof(float));
        seq_s_zero((1u << 21) - 3, zeroed[pass]);
    }
    for (int c = 0; c < CASES; c++) {
        size_t n = sizes[c], left_out = 0;
        for (size_t i = 0; i < n; i++)
            left_out += want[c][i] == 0 || got[c][i] == 0;
        CHECK_MSG(left_out == 0, "n = %zu: %zu elements not updated", n, left_out);
        CHECK_MSG(memcmp(want[c], got[c], n * sizeof(float)) == 0, "n = %zu: 2 threads differ", n);
        CHECK_MSG(norms[0][c] == norms[1][c], "n = %zu: the norm differs with 2 threads", n);
        free(want[c]), free(got[c]);
    }
    float *reference = calloc(table, sizeof *reference);
    embedding_backward_reference(BATCH, STEPS, DIM, ROWS, ids, dout, reference);
    CHECK(memcmp(dtable[0], reference, table * sizeof *reference) == 0);
    CHECK(memcmp(dtable[1], reference, table * sizeof *reference) == 0);
    CHECK(memcmp(embedded[0], embedded[1], out * sizeof(float)) == 0);
    int b = 33, t = 7; /* row (33, 7) holds the table's row of its id */
    CHECK(memcmp(embedded[1] + (((size_t)(b / ROWS) * STEPS + t) * ROWS + b % ROWS) * DIM,
                 weights + (size_t)ids[b * STEPS + t] * DIM, DIM * sizeof(float)) == 0);
    size_t nonzero = 0;
    for (size_t i = 0; i < (1u << 21) - 3; i++)
        nonzero += zeroed[1][i] != 0;
    CHECK(nonzero == 0 && zeroed[1][(1u << 21) - 3] != 0);
    for (int pass = 0; pass < 2; pass++)
        free(embedded[pass]), free(dtable[pass]), free(zeroed[pass]);
    free(reference), free(weights), free(dout);
}

static void test_batches(void)
{
    int32_t ids[5 * 3];
    float targets[5];
    for (int i = 0; i < 15; i++)
        ids[i] = i + 1;
    int32_t lengths[5] = {3, 1, 2, 3, 2};
    for (int i = 0; i < 5; i++)
        targets[i] = (float)(i % 2);
    seq_examples ex = {.n = 5, .seq_len = 3, .target_width = 1, .ids = ids, .lengths = lengths,
                       .targets = targets};
    int32_t bids[4 * 3], blen[4];
    float bt[4];
    uint32_t order[5] = {4, 2, 0, 1, 3};
    CHECK(seq_batch_fill(&ex, order, 0, 4, bids, blen, bt, NULL) == 4);
    CHECK(blen[0] == 2 && blen[1] == 2 && blen[2] == 3 && blen[3] == 1);
    CHECK(bids[0] == 13 && bids[3] == 7 && bids[6] == 1 && bids[9] == 4);
    CHECK(bt[0] == 0 && bt[3] == 1);
    /* the last batch: one real row, three padding rows of id 0, target 0 */
    memset(bids, 0x7f, sizeof bids);
    CHECK(seq_batch_fill(&ex, order, 4, 4, bids, blen, bt, NULL) == 1);
    CHECK(blen[0] == 3 && blen[1] == 0 && blen[3] == 0);
    CHECK(bids[0] == 10 && bids[2] == 12);
    for (int i = 3; i < 12; i++)
        CHECK(bids[i] == 0);
    CHECK(bt[1] == 0 && bt[3] == 0);
    /* in order without ORDER */
    CHECK(seq_batch_fill(&ex, NULL, 2, 4, bids, blen, bt, NULL) == 3);
    CHECK(bids[0] == 7 && bids[6] == 13);
}

/* A char-lm row has a target per step: the batch copies all of them. */
static void test_batches_per_step(void)
{
    int32_t ids[3 * 2], lengths[3] = {2, 2, 2};
    float targets[3 * 2];
    for (int i = 0; i < 6; i++)
        ids[i] = i + 1, targets[i] = (float)(i + 2);
    seq_examples ex = {.n = 3, .seq_len = 2, .target_width = 2, .ids = ids, .lengths = lengths,
                       .targets = targets};
    uint32_t order[3] = {2, 0, 1};
    int32_t bids[2 * 2], blen[2];
    float bt[2 * 2];
    CHECK(seq_batch_fill(&ex, order, 0, 2, bids, blen, bt, NULL) == 2);
    CHECK(bt[0] == 6 && bt[1] == 7 && bt[2] == 2 && bt[3] == 3);
    CHECK(seq_batch_fill(&ex, order, 2, 2, bids, blen, bt, NULL) == 1);
    CHECK(bt[0] == 4 && bt[1] == 5 && bt[2] == 0 && bt[3] == 0 && blen[1] == 0);
}

/* A series row is a window of values: the batch copies them, padding rows
 * are zero, and there are no ids to touch. */
static void test_batches_of_windows(void)
{
    float inputs[3 * 2 * 2], targets[3] = {1, 2, 3};
    int32_t lengths[3] = {2, 2, 2};
    for (int i = 0; i < 12; i++)
        inputs[i] = (float)i;
    seq_examples ex = {.n = 3, .seq_len = 2, .target_width = 1, .n_features = 2,
                       .inputs = inputs, .lengths = lengths, .targets = targets};
    float bx[2 * 2 * 2], bt[2];
    int32_t blen[2];
    uint32_t order[3] = {2, 0, 1};
    CHECK(seq_batch_fill(&ex, order, 0, 2, NULL, blen, bt, bx) == 2);
    CHECK(bx[0] == 8 && bx[3] == 11 && bx[4] == 0 && bx[7] == 3 && bt[0] == 3 && bt[1] == 1);
    CHECK(seq_batch_fill(&ex, order, 2, 2, NULL, blen, bt, bx) == 1);
    CHECK(bx[0] == 4 && bx[4] == 0 && bx[7] == 0 && bt[1] == 0 && blen[1] == 0);
}

int main(void)
{
    test_init();
    test_adam();
    test_threads();
    test_batches();
    test_batches_per_step();
    test_batches_of_windows();
    return check_status("test_training");
}
