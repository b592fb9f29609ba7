/* kernels.c: the operations generated code is made of (see kernels.h).
 * Compiled twice: as float (seq_s_*) and as double (seq_d_*). Float
 * transcendentals go through vmath's SIMD paths; double ones through libm,
 * the reference for gradient checks. */
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "hot.h"
#include "pool.h"
#include "vmath.h"

#ifdef SEQ_REAL_DOUBLE
#define GEMM cblas_dgemm
#define GEMV cblas_dgemv
static void vsigmoid(size_t n, const real *x, real *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = 1.0 / (1.0 + exp(-x[i]));
}
static void vtanh(size_t n, const real *x, real *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanh(x[i]);
}
#else
#define GEMM cblas_sgemm
#define GEMV cblas_sgemv
#define vsigmoid seq_vsigmoidf
#define vtanh seq_vtanhf
#endif

void seq_zero(size_t n, real *x)
{
    memset(x, 0, n * sizeof *x);
}

void seq_copy(size_t n, const real *x, real *y)
{
    memcpy(y, x, n * sizeof *y);
}

void seq_fill_rows(int rows, int cols, const real *v, real *y)
{
    for (int r = 0; r < rows; r++)
        memcpy(y + (size_t)r * cols, v, (size_t)cols * sizeof *v);
}

SEQ_HOT void seq_colsum(int rows, int cols, const real *restrict x, real *restrict s)
{
    memcpy(s, x, (size_t)cols * sizeof *s);
    for (int r = 1; r < rows; r++) {
        const real *row = x + (size_t)r * cols;
        for (int c = 0; c < cols; c++)
            s[c] += row[c];
    }
}

/* GEMMs run on the calling thread (OpenBLAS is kept at one thread; the
 * runtime parallelizes over blocks of the batch instead). A single output
 * row is a matrix-vector product, where CBLAS' gemv is much cheaper than
 * gemm (batch-1 prediction lives on this path). */
void seq_matmul(int m, int n, int k, const real *a, const real *b, real beta, real *c)
{
    if (m == 1)
        GEMV(CblasRowMajor, CblasTrans, k, n, 1, b, n, a, 1, beta, c, 1);
    else
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, beta, c, n);
}

void seq_matmul_at(int m, int n, int k, const real *a, const real *b, real beta, real *c)
{
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1, a, m, b, n, beta, c, n);
}

void seq_matmul_bt(int m, int n, int k, const real *a, const real *b, real beta, real *c)
{
    if (m == 1)
        GEMV(CblasRowMajor, CblasNoTrans, n, k, 1, b, k, a, 1, beta, c, 1);
    else
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, a, k, b, k, beta, c, n);
}

SEQ_HOT void seq_relu(size_t n, const real *x, real *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
}

SEQ_HOT void seq_relu_backward(size_t n, const real *y, const real *dy, real *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = y[i] > 0 ? dy[i] : 0;
}

void seq_tanh(size_t n, const real *x, real *y)
{
    vtanh(n, x, y);
}

SEQ_HOT void seq_tanh_backward(size_t n, const real *y, const real *dy, real *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1 - y[i] * y[i]);
}

void seq_sigmoid(size_t n, const real *x, real *y)
{
    vsigmoid(n, x, y);
}

SEQ_HOT void seq_sigmoid_backward(size_t n, const real *y, const real *dy, real *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * y[i] * (1 - y[i]);
}

/* Where row b of step t of a blocked sequence starts. */
static size_t blocked_row(int b, int t, int steps, int rows, int dim)
{
    return (((size_t)(b / rows) * steps + t) * rows + b % rows) * dim;
}

void seq_embedding_forward(int batch, int steps, int dim, int rows, const int32_t *ids,
                           const real *table, real *out)
{
    for (int b = 0; b < batch; b++)
        for (int t = 0; t < steps; t++)
            memcpy(out + blocked_row(b, t, steps, rows, dim),
                   table + (size_t)ids[(size_t)b * steps + t] * dim, (size_t)dim * sizeof *out);
}

SEQ_HOT void seq_embedding_backward(int batch, int steps, int dim, int rows,
                                    const int32_t *restrict ids, const real *restrict dout,
                                    real *restrict dtable)
{
    for (int b = 0; b < batch; b++) {
        for (int t = 0; t < steps; t++) {
            real *row = dtable + (size_t)ids[(size_t)b * steps + t] * dim;
            const real *d = dout + blocked_row(b, t, steps, rows, dim);
            for (int j = 0; j < dim; j++)
                row[j] += d[j];
        }
    }
}

SEQ_HOT void seq_lstm_cell_forward(int batch, int units, const real *restrict bias,
                                   real *restrict gates, const real *restrict c_prev,
                                   real *restrict c, real *restrict h)
{
    size_t H = (size_t)units;
    for (int b = 0; b < batch; b++) {
        real *g = gates + 4 * H * b;
        const real *cp = c_prev + H * b;
        real *cb = c + H * b, *hb = h + H * b;
        for (size_t j = 0; j < 4 * H; j++)
            g[j] += bias[j];
        vsigmoid(2 * H, g, g);       /* i, f */
        vtanh(H, g + 2 * H, g + 2 * H); /* g */
        vsigmoid(H, g + 3 * H, g + 3 * H); /* o */
        for (size_t j = 0; j < H; j++)
            cb[j] = g[H + j] * cp[j] + g[j] * g[2 * H + j];
        vtanh(H, cb, hb);
        for (size_t j = 0; j < H; j++)
            hb[j] *= g[3 * H + j];
    }
}

SEQ_HOT void seq_lstm_cell_backward(int batch, int units, const real *restrict gates,
                                    const real *restrict c_prev, const real *restrict c,
                                    const real *restrict dh, real *restrict dc,
                                    real *restrict dgates, real *restrict dbias_rows)
{
    size_t H = (size_t)units;
    for (int b = 0; b < batch; b++) {
        const real *g = gates + 4 * H * b;
        const real *cp = c_prev + H * b, *dhb = dh + H * b;
        real *dg = dgates + 4 * H * b, *dcb = dc + H * b;
        vtanh(H, c + H * b, dg + 3 * H); /* tanh(c), parked in the o slot */
        for (size_t j = 0; j < H; j++) {
            real i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
            real tc = dg[3 * H + j];
            real dct = dcb[j] + dhb[j] * o * (1 - tc * tc);
            dg[j] = dct * gg * i * (1 - i);
            dg[H + j] = dct * cp[j] * f * (1 - f);
            dg[2 * H + j] = dct * i * (1 - gg * gg);
            dg[3 * H + j] = dhb[j] * tc * o * (1 - o);
            dcb[j] = dct * f;
        }
        real *db = dbias_rows + 4 * H * b;
        for (size_t j = 0; j < 4 * H; j++)
            db[j] += dg[j];
    }
}

typedef struct blocks_job {
    seq_block_fn fn;
    const real *p;
    real *a;
    int blocks;
} blocks_job;

static void blocks_part(void *ctx, int part, int n)
{
    const blocks_job *j = ctx;
    for (int blk = j->blocks * part / n; blk < j->blocks * (part + 1) / n; blk++)
        j->fn(j->p, j->a, blk);
}

void seq_parallel_blocks(int blocks, seq_block_fn fn, const real *p, real *a)
{
    blocks_job j = {fn, p, a, blocks};
    if (blocks > 1)
        seq_pool_run(blocks_part, &j);
    else
        fn(p, a, 0);
}

SEQ_HOT void seq_sum_blocks(int blocks, size_t n, const real *restrict parts, real *restrict sum)
{
    memcpy(sum, parts, n * sizeof *sum);
    for (int blk = 1; blk < blocks; blk++)
        for (size_t i = 0; i < n; i++)
            sum[i] += parts[(size_t)blk * n + i];
}

real seq_bce_logits_loss(int batch, int n_valid, const real *z, const float *y)
{
    (void)batch;
    double sum = 0;
    for (int r = 0; r < n_valid; r++) {
        double x = z[r];
        sum += (x > 0 ? x : 0) - x * y[r] + log1p(exp(-fabs(x)));
    }
    return n_valid > 0 ? (real)(sum / n_valid) : 0;
}

void seq_bce_logits_backward(int batch, int n_valid, const real *z, const float *y, real *dz)
{
    for (int r = 0; r < batch; r++) {
        if (r < n_valid) {
            double p = 1.0 / (1.0 + exp(-(double)z[r]));
            dz[r] = (real)((p - y[r]) / n_valid);
        } else {
            dz[r] = 0;
        }
    }
}
