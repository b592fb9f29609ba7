/* kernels.c: the operations generated code is made of (see kernels.h).
 * Compiled twice: as float (seq_s_*) and as double (seq_d_*). Float
 * transcendentals go through vmath's SIMD paths; double ones through libm,
 * the reference for gradient checks. */
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/hot.h"
#include "base/util.h"
#include "dist/dist.h"
#include "gemm.h"
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
static void vexp(size_t n, const real *x, real *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = exp(x[i]);
}
#else
#define GEMM cblas_sgemm
#define GEMV cblas_sgemv
#define vsigmoid seq_vsigmoidf
#define vtanh seq_vtanhf
#define vexp seq_vexpf
#endif

/* Work below this many reals runs on the calling thread: a wake-up costs more. */
enum { PARALLEL_REALS = 1 << 16 };

typedef struct zero_job {
    size_t n;
    real *x;
} zero_job;

static void zero_part(void *ctx, int part, int n)
{
    const zero_job *j = ctx;
    size_t begin, end;
    seq_pool_slice(j->n, part, n, &begin, &end);
    memset(j->x + begin, 0, (end - begin) * sizeof *j->x);
}

/* Large arrays (an embedding's gradient) by the pool's threads. */
void seq_zero(size_t n, real *x)
{
    zero_job j = {n, x};
    if (n >= 16 * PARALLEL_REALS)
        seq_pool_run(zero_part, &j);
    else
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

/* GEMMs run on the calling thread (the runtime parallelizes over blocks of
 * the batch). Float products at AVX2 and AVX-512 run on gemm.c's tiles (the
 * same bits at both levels, and at the full width of the core: OpenBLAS
 * may be held to its AVX2 kernels by OPENBLAS_CORETYPE); others through
 * CBLAS, kept at one thread. A single output row is a matrix-vector product
 * (batch-1 prediction lives on this path): seq_vecmat's kernels where there
 * are some, else CBLAS' gemv, both much cheaper than a gemm. */
void seq_matmul(int m, int n, int k, const real *a, const real *b, real beta, real *c)
{
    if (m == 1 && seq_vecmat(n, k, a, b, beta, c))
        return;
    if (m == 1)
        GEMV(CblasRowMajor, CblasTrans, k, n, 1, b, n, a, 1, beta, c, 1);
    else if (!seq_gemm(m, n, k, a, 0, b, 0, beta, c))
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, beta, c, n);
}

void seq_matmul_at(int m, int n, int k, const real *a, const real *b, real beta, real *c)
{
    if (!seq_gemm(m, n, k, a, 1, b, 0, beta, c))
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1, a, m, b, n, beta, c, n);
}

void seq_matmul_bt(int m, int n, int k, const real *a, const real *b, real beta, real *c)
{
    if (m == 1)
        GEMV(CblasRowMajor, CblasNoTrans, n, k, 1, b, k, a, 1, beta, c, 1);
    else if (!seq_gemm(m, n, k, a, 0, b, 1, beta, c))
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
    seq_char_embedding_forward(batch, steps, 1, dim, rows, ids, table, out);
}

void seq_series_input(int batch, int steps, int dim, int rows, const float *x, real *out)
{
    for (int b = 0; b < batch; b++)
        for (int t = 0; t < steps; t++) {
            real *row = out + blocked_row(b, t, steps, rows, dim);
            const float *v = x + ((size_t)b * steps + t) * dim;
            for (int j = 0; j < dim; j++)
                row[j] = (real)v[j];
        }
}

void seq_embedding_backward(int batch, int steps, int dim, int rows, const int32_t *ids,
                            const real *dout, real *dtable)
{
    seq_char_embedding_backward(batch, steps, 1, dim, rows, ids, dout, dtable);
}

/* An embedding's rows of a batch, or columns of its table, split among the
 * pool's threads when there are enough of them to repay a wake-up: each
 * output element is written by one thread in the order one thread would. */
typedef struct embedding_job {
    int batch, steps, width, dim, rows;
    const int32_t *ids;
    const real *from; /* the table (forward), the output's gradient (backward) */
    real *to;
} embedding_job;

static void embedding_forward_part(void *ctx, int part, int n)
{
    const embedding_job *j = ctx;
    size_t D = (size_t)j->dim;
    for (int b = j->batch * part / n; b < j->batch * (part + 1) / n; b++)
        for (int t = 0; t < j->steps; t++) {
            real *o = j->to + blocked_row(b, t, j->steps, j->rows, j->width * j->dim);
            const int32_t *id = j->ids + ((size_t)b * j->steps + t) * j->width;
            for (int w = 0; w < j->width; w++)
                memcpy(o + w * D, j->from + (size_t)id[w] * D, D * sizeof *o);
        }
}

void seq_char_embedding_forward(int batch, int steps, int width, int dim, int rows,
                                const int32_t *ids, const real *table, real *out)
{
    embedding_job j = {batch, steps, width, dim, rows, ids, table, out};
    if ((size_t)batch * steps * width * dim >= PARALLEL_REALS)
        seq_pool_run(embedding_forward_part, &j);
    else
        embedding_forward_part(&j, 0, 1);
}

/* Columns [J0, J1) of every row the ids name: the sums in the ids' order. */
SEQ_HOT static void embedding_backward_columns(const embedding_job *j, size_t j0, size_t j1)
{
    size_t D = (size_t)j->dim;
    for (int b = 0; b < j->batch; b++)
        for (int t = 0; t < j->steps; t++) {
            const real *d = j->from + blocked_row(b, t, j->steps, j->rows, j->width * j->dim);
            const int32_t *id = j->ids + ((size_t)b * j->steps + t) * j->width;
            for (int w = 0; w < j->width; w++) {
                real *restrict row = j->to + (size_t)id[w] * D;
                const real *restrict dw = d + w * D;
                for (size_t c = j0; c < j1; c++)
                    row[c] += dw[c];
            }
        }
}

static void embedding_backward_part(void *ctx, int part, int n)
{
    const embedding_job *j = ctx;
    size_t j0, j1;
    seq_pool_slice((size_t)j->dim, part, n, &j0, &j1);
    if (j0 < j1)
        embedding_backward_columns(j, j0, j1);
}

void seq_char_embedding_backward(int batch, int steps, int width, int dim, int rows,
                                 const int32_t *ids, const real *dout, real *dtable)
{
    embedding_job j = {batch, steps, width, dim, rows, ids, dout, dtable};
    if (dim >= 32 && (size_t)batch * steps * width * dim >= PARALLEL_REALS)
        seq_pool_run(embedding_backward_part, &j);
    else
        embedding_backward_columns(&j, 0, (size_t)dim);
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
                                    real *restrict dgates, real *restrict dbias_rows,
                                    const int32_t *restrict lengths, int t)
{
    size_t H = (size_t)units;
    for (int b = 0; b < batch; b++) {
        const real *g = gates + 4 * H * b;
        const real *cp = c_prev + H * b, *dhb = dh + H * b;
        real *dg = dgates + 4 * H * b, *dcb = dc + H * b;
        if (lengths && t >= lengths[b]) { /* the row held its state */
            memset(dg, 0, 4 * H * sizeof *dg);
            continue;
        }
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

void seq_copy_rows(int rows, int cols, const real *src, int src_stride, real *dst, int dst_stride)
{
    for (int r = 0; r < rows; r++)
        memcpy(dst + (size_t)r * dst_stride, src + (size_t)r * src_stride, (size_t)cols * sizeof *dst);
}

/* The offset of pixel (t, r, w) of an image of WIDTH x CHANNELS per row. */
static size_t pixel(int t, int r, int w, int rows, int width, int channels)
{
    return (((size_t)t * rows + r) * width + w) * channels;
}

/* The kernel columns j of output column V that fall inside the image:
 * j0 <= j < j1, reading input columns V - pad + j. */
static void window_columns(const seq_window2d *w, int v, int *j0, int *j1)
{
    int first = v - w->pad_width;
    *j0 = first < 0 ? -first : 0;
    *j1 = w->width_in - first < w->size_width ? w->width_in - first : w->size_width;
    if (*j1 < *j0)
        *j1 = *j0;
}

/* Each (output pixel, kernel step) copies the run of size_width x channels
 * reals that its window covers in one input row, zeros outside: from that
 * row laid out once with its zeros around it (the kernel's steps' rows for
 * each output row), so the copy of a window has no edges to test. */
SEQ_HOT void seq_im2col2d(const seq_window2d *w, int rows, const real *x, real *cols)
{
    size_t C = (size_t)w->channels, run = (size_t)w->size_width * C;
    size_t padded = ((size_t)w->width_out + (size_t)w->size_width - 1) * C;
    size_t inside = (size_t)w->width_in * C, at = (size_t)w->pad_width * C;
    if (at + inside > padded) /* 'valid': the last columns no window reaches */
        inside = padded - at;
    real *lines = seq_xmalloc((size_t)w->size_steps * padded * sizeof *lines);
    real *c = cols;
    for (int t = 0; t < w->steps_out; t++)
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < w->size_steps; i++) { /* input step t - pad + i, padded */
                real *line = lines + (size_t)i * padded;
                int ti = t - w->pad_steps + i;
                memset(line, 0, padded * sizeof *line);
                if (ti >= 0 && ti < w->steps_in)
                    memcpy(line + at, x + pixel(ti, r, 0, rows, w->width_in, (int)C),
                           inside * sizeof *line);
            }
            for (int v = 0; v < w->width_out; v++)
                for (int i = 0; i < w->size_steps; i++, c += run) {
                    const real *from = lines + (size_t)i * padded + (size_t)v * C;
                    for (size_t e = 0; e < run; e++)
                        c[e] = from[e];
                }
        }
    free(lines);
}

/* The windows in the order im2col2d wrote them: each element of dx gets
 * its terms in that order (one per window and kernel step, at most). */
SEQ_HOT void seq_col2im2d(const seq_window2d *w, int rows, const real *dcols, real *dx)
{
    size_t C = (size_t)w->channels, run = (size_t)w->size_width * C;
    memset(dx, 0, (size_t)w->steps_in * rows * w->width_in * C * sizeof *dx);
    const real *d = dcols;
    for (int t = 0; t < w->steps_out; t++)
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < w->width_out; v++) {
                int j0, j1;
                window_columns(w, v, &j0, &j1);
                for (int i = 0; i < w->size_steps; i++, d += run) {
                    int ti = t - w->pad_steps + i;
                    if (ti < 0 || ti >= w->steps_in)
                        continue;
                    real *o = dx + pixel(ti, r, v - w->pad_width + j0, rows, w->width_in, (int)C);
                    const real *inside = d + (size_t)j0 * C;
                    for (size_t e = 0; e < (size_t)(j1 - j0) * C; e++)
                        o[e] += inside[e];
                }
            }
}

SEQ_HOT void seq_maxpool2d(const seq_window2d *w, int rows, const real *x, real *y)
{
    int C = w->channels;
    for (int t = 0; t < w->steps_out; t++)
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < w->width_out; v++) {
                real *restrict o = y + pixel(t, r, v, rows, w->width_out, C);
                for (int i = 0; i < w->size_steps; i++)
                    for (int j = 0; j < w->size_width; j++) {
                        const real *restrict in = x + pixel(t * w->size_steps + i, r,
                                                            v * w->size_width + j, rows,
                                                            w->width_in, C);
                        if (i == 0 && j == 0)
                            for (int k = 0; k < C; k++)
                                o[k] = in[k];
                        else
                            for (int k = 0; k < C; k++)
                                o[k] = in[k] > o[k] ? in[k] : o[k];
                    }
            }
}

/* Each window's positions in order, all channels at once: a position takes
 * dy where it holds the maximum and no earlier position did. The steps
 * and columns past the last window are zeroed apart. */
SEQ_HOT void seq_maxpool2d_backward(const seq_window2d *w, int rows, const real *x,
                                    const real *y, const real *dy, real *dx)
{
    size_t C = (size_t)w->channels, row = (size_t)w->width_in * C;
    size_t step = (size_t)rows * row; /* the same column, one step on */
    int covered_steps = w->steps_out * w->size_steps, covered_width = w->width_out * w->size_width;
    if (covered_steps < w->steps_in || covered_width < w->width_in)
        memset(dx, 0, (size_t)w->steps_in * step * sizeof *dx);
    enum { CHUNK = 64 };
    for (int t = 0; t < w->steps_out; t++)
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < w->width_out; v++) {
                size_t o = pixel(t, r, v, rows, w->width_out, (int)C);
                size_t corner = pixel(t * w->size_steps, r, v * w->size_width, rows,
                                      w->width_in, (int)C);
                for (size_t k0 = 0; k0 < C; k0 += CHUNK) {
                    size_t n = C - k0 < CHUNK ? C - k0 : CHUNK;
                    const real *restrict yo = y + o + k0, *restrict dyo = dy + o + k0;
                    int32_t open[CHUNK]; /* -1 until a position took the gradient */
                    for (size_t k = 0; k < n; k++)
                        open[k] = -1;
                    for (int i = 0; i < w->size_steps; i++)
                        for (int j = 0; j < w->size_width; j++) {
                            size_t in = corner + (size_t)i * step + (size_t)j * C + k0;
                            const real *restrict xi = x + in;
                            real *restrict di = dx + in;
                            for (size_t k = 0; k < n; k++) {
                                int32_t first = open[k] & -(int32_t)(xi[k] == yo[k]);
                                di[k] = first ? dyo[k] : 0;
                                open[k] &= ~first;
                            }
                        }
                }
            }
}

/* Over time, a sequence [steps, rows, features] is an image one pixel wide
 * with FEATURES channels: the 1-D kernels are the 2-D ones on it. */
static seq_window2d time_window(int steps_in, int steps_out, int channels, int size, int pad)
{
    seq_window2d w = {steps_in, 1, channels, steps_out, 1, size, 1, pad, 0};
    return w;
}

void seq_im2col(int steps_out, int rows, int features, int kernel, int pad, int steps_in,
                const real *x, real *cols)
{
    seq_window2d w = time_window(steps_in, steps_out, features, kernel, pad);
    seq_im2col2d(&w, rows, x, cols);
}

void seq_col2im(int steps_out, int rows, int features, int kernel, int pad, int steps_in,
                const real *dcols, real *dx)
{
    seq_window2d w = time_window(steps_in, steps_out, features, kernel, pad);
    seq_col2im2d(&w, rows, dcols, dx);
}

/* Pooling treats the rows and features of a step as one pixel's channels. */
void seq_maxpool_steps(int steps_out, int width, int pool, const real *x, real *y)
{
    seq_window2d w = time_window(steps_out * pool, steps_out, width, pool, 0);
    seq_maxpool2d(&w, 1, x, y);
}

void seq_maxpool_steps_backward(int steps_out, int width, int pool, int steps_in, const real *x,
                                const real *y, const real *dy, real *dx)
{
    seq_window2d w = time_window(steps_in, steps_out, width, pool, 0);
    seq_maxpool2d_backward(&w, 1, x, y, dy, dx);
}

SEQ_HOT void seq_gru_cell_forward(int batch, int units, const real *restrict b_in,
                                  const real *restrict b_rec, real *restrict xg,
                                  real *restrict rg, real *restrict rh,
                                  const real *restrict h_prev, real *restrict h)
{
    size_t H = (size_t)units;
    for (int b = 0; b < batch; b++) {
        real *x = xg + 3 * H * b, *g = rg + 3 * H * b, *n = x + 2 * H, *rhb = rh + H * b;
        const real *hp = h_prev + H * b;
        real *hb = h + H * b;
        for (size_t j = 0; j < 3 * H; j++)
            g[j] += b_rec[j];
        for (size_t j = 0; j < 2 * H; j++)
            x[j] += b_in[j] + g[j];
        vsigmoid(2 * H, x, x); /* z, r */
        for (size_t j = 0; j < H; j++) {
            rhb[j] = g[2 * H + j];
            n[j] += b_in[2 * H + j] + x[H + j] * rhb[j];
        }
        vtanh(H, n, n);
        for (size_t j = 0; j < H; j++)
            hb[j] = x[j] * hp[j] + (1 - x[j]) * n[j];
    }
}

SEQ_HOT void seq_gru_cell_backward(int batch, int units, const real *restrict gates,
                                   const real *restrict rh, const real *restrict h_prev,
                                   const real *dh, real *dh_prev, int accumulate,
                                   real *restrict dxg, real *restrict drg,
                                   real *restrict dbias_in_rows, real *restrict dbias_rec_rows,
                                   const int32_t *restrict lengths, int t)
{
    size_t H = (size_t)units;
    for (int b = 0; b < batch; b++) {
        const real *g = gates + 3 * H * b, *rhb = rh + H * b, *hp = h_prev + H * b;
        const real *dhb = dh + H * b;
        real *dhp = dh_prev + H * b, *dx = dxg + 3 * H * b, *dr = drg + 3 * H * b;
        real *dbi = dbias_in_rows + 3 * H * b, *dbr = dbias_rec_rows + 3 * H * b;
        if (lengths && t >= lengths[b]) { /* the row held its state: dh passes on whole */
            memset(dx, 0, 3 * H * sizeof *dx);
            memset(dr, 0, 3 * H * sizeof *dr);
            for (size_t j = 0; j < H; j++)
                dhp[j] = accumulate ? dhp[j] + dhb[j] : dhb[j];
            continue;
        }
        for (size_t j = 0; j < H; j++) {
            real z = g[j], r = g[H + j], n = g[2 * H + j], d = dhb[j];
            real dn = d * (1 - z) * (1 - n * n);
            real dz = d * (hp[j] - n) * z * (1 - z);
            real drr = dn * rhb[j] * r * (1 - r);
            dx[j] = dr[j] = dz;
            dx[H + j] = dr[H + j] = drr;
            dx[2 * H + j] = dn;
            dr[2 * H + j] = dn * r;
            dhp[j] = accumulate ? dhp[j] + d * z : d * z;
        }
        for (size_t j = 0; j < 3 * H; j++) {
            dbi[j] += dx[j];
            dbr[j] += dr[j];
        }
    }
}

SEQ_HOT void seq_rnn_cell_forward(int batch, int units, const real *restrict bias,
                                  const real *restrict g, real *restrict h)
{
    size_t H = (size_t)units;
    for (int b = 0; b < batch; b++) {
        const real *gb = g + H * b;
        real *hb = h + H * b;
        for (size_t j = 0; j < H; j++)
            hb[j] = gb[j] + bias[j];
        vtanh(H, hb, hb);
    }
}

SEQ_HOT void seq_rnn_cell_backward(int batch, int units, const real *restrict h,
                                   const real *restrict dh, real *restrict dg,
                                   real *restrict dbias_rows, const int32_t *restrict lengths,
                                   int t)
{
    size_t H = (size_t)units;
    for (int b = 0; b < batch; b++) {
        size_t o = H * b;
        if (lengths && t >= lengths[b]) { /* the row held its state */
            memset(dg + o, 0, H * sizeof *dg);
            continue;
        }
        for (size_t j = o; j < o + H; j++) {
            dg[j] = dh[j] * (1 - h[j] * h[j]);
            dbias_rows[j] += dg[j];
        }
    }
}

void seq_hold_rows(int batch, int width, int t, const int32_t *lengths, const real *prev,
                   real *next)
{
    for (int b = 0; b < batch; b++)
        if (t >= lengths[b])
            memcpy(next + (size_t)width * b, prev + (size_t)width * b, (size_t)width * sizeof *next);
}

void seq_carry_rows(int batch, int width, int t, const int32_t *lengths, const real *dh,
                    real *dh_prev, int accumulate)
{
    for (int b = 0; b < batch; b++) {
        const real *d = dh + (size_t)width * b;
        real *p = dh_prev + (size_t)width * b;
        int masked = t >= lengths[b];
        for (int j = 0; j < width; j++)
            p[j] = (accumulate ? p[j] : 0) + (masked ? d[j] : 0);
    }
}

void seq_mask_steps(int steps, int batch, int width, const int32_t *lengths, real *x)
{
    for (int t = 0; t < steps; t++)
        for (int b = 0; b < batch; b++)
            if (t >= lengths[b])
                memset(x + ((size_t)t * batch + b) * width, 0, (size_t)width * sizeof *x);
}

void seq_dropout_forward(size_t n, double rate, seq_rng *rng, const real *x, real *mask, real *y)
{
    real keep = (real)(1 / (1 - rate));
    unsigned char dropped[4096] = {0};
    for (size_t i0 = 0; i0 < n; i0 += sizeof dropped) {
        size_t len = n - i0 < sizeof dropped ? n - i0 : sizeof dropped;
        if (rate > 0) /* one draw per element; none when nothing drops */
            seq_rng_below_p(rng, rate, len, dropped);
        for (size_t i = 0; i < len; i++) {
            mask[i0 + i] = dropped[i] ? 0 : keep;
            y[i0 + i] = x[i0 + i] * mask[i0 + i];
        }
    }
}

SEQ_HOT void seq_dropout_backward(size_t n, const real *restrict mask, const real *restrict dy,
                                  real *restrict dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * mask[i];
}

typedef struct blocks_job {
    seq_block_fn fn;
    const real *p;
    real *a;
    int blocks;
} blocks_job;

/* The blocks [first, last) this process runs (dist/dist.h), their part PART of N. */
static void thread_share(int blocks, int part, int n, int *from, int *to)
{
    int first, last;
    seq_dist_blocks(blocks, &first, &last);
    *from = first + (last - first) * part / n;
    *to = first + (last - first) * (part + 1) / n;
}

static void blocks_part(void *ctx, int part, int n)
{
    const blocks_job *j = ctx;
    int from, to;
    thread_share(j->blocks, part, n, &from, &to);
    for (int blk = from; blk < to; blk++)
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

typedef struct blocks_len_job {
    seq_block_len_fn fn;
    const real *p;
    real *a;
    const int32_t *lengths;
    int blocks;
} blocks_len_job;

static void blocks_len_part(void *ctx, int part, int n)
{
    const blocks_len_job *j = ctx;
    int from, to;
    thread_share(j->blocks, part, n, &from, &to);
    for (int blk = from; blk < to; blk++)
        j->fn(j->p, j->a, j->lengths, blk);
}

void seq_parallel_blocks_len(int blocks, seq_block_len_fn fn, const real *p, real *a,
                             const int32_t *lengths)
{
    blocks_len_job j = {fn, p, a, lengths, blocks};
    if (blocks > 1)
        seq_pool_run(blocks_len_part, &j);
    else
        fn(p, a, lengths, 0);
}

void seq_share_blocks(int blocks, size_t n, size_t stride, real *base)
{
    seq_dist_share(blocks, n * sizeof *base, stride * sizeof *base, base);
}

SEQ_HOT void seq_sum_blocks(int blocks, size_t n, real *restrict parts, real *restrict sum)
{
    seq_share_blocks(blocks, n, n, parts);
    memcpy(sum, parts, n * sizeof *sum);
    for (int blk = 1; blk < blocks; blk++)
        for (size_t i = 0; i < n; i++)
            sum[i] += parts[(size_t)blk * n + i];
}

/* Compensated (Neumaier) summation: a loss is a sum of thousands of terms,
 * and the gradient check differentiates it numerically, so its rounding
 * must stay near one unit in the last place, not grow with the count. */
typedef struct exact_sum {
    double sum, carry;
} exact_sum;

static void exact_add(exact_sum *s, double x)
{
    double t = s->sum + x;
    s->carry += fabs(s->sum) >= fabs(x) ? (s->sum - t) + x : (x - t) + s->sum;
    s->sum = t;
}

static double exact_total(const exact_sum *s)
{
    return s->sum + s->carry;
}

real seq_bce_logits_loss(int batch, int n_valid, const real *z, const float *y)
{
    (void)batch;
    exact_sum sum = {0, 0};
    for (int r = 0; r < n_valid; r++) {
        double x = z[r];
        exact_add(&sum, (x > 0 ? x : 0) - x * y[r] + log1p(exp(-fabs(x))));
    }
    return n_valid > 0 ? (real)(exact_total(&sum) / n_valid) : 0;
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

real seq_mse_loss(int batch, int n_valid, const real *z, const float *y)
{
    (void)batch;
    exact_sum sum = {0, 0};
    for (int r = 0; r < n_valid; r++) {
        double e = (double)z[r] - y[r];
        exact_add(&sum, e * e);
    }
    return n_valid > 0 ? (real)(exact_total(&sum) / n_valid) : 0;
}

void seq_mse_backward(int batch, int n_valid, const real *z, const float *y, real *dz)
{
    for (int r = 0; r < batch; r++)
        dz[r] = r < n_valid ? (real)(2 * ((double)z[r] - y[r]) / n_valid) : 0;
}

void seq_softmax_rows(int rows, int cols, const real *z, real *p)
{
    for (int r = 0; r < rows; r++) {
        const real *zr = z + (size_t)r * cols;
        real *pr = p + (size_t)r * cols, max = zr[0], sum = 0;
        for (int c = 1; c < cols; c++)
            max = zr[c] > max ? zr[c] : max;
        for (int c = 0; c < cols; c++)
            pr[c] = zr[c] - max;
        vexp((size_t)cols, pr, pr);
        for (int c = 0; c < cols; c++)
            sum += pr[c];
        for (int c = 0; c < cols; c++)
            pr[c] /= sum;
    }
}

real seq_sparse_ce_loss(int batch, int n_valid, int cols, const real *z, const float *y)
{
    (void)batch;
    exact_sum total = {0, 0};
    for (int r = 0; r < n_valid; r++) {
        const real *zr = z + (size_t)r * cols;
        double max = zr[0], sum = 0;
        for (int c = 1; c < cols; c++)
            max = zr[c] > max ? zr[c] : max;
        for (int c = 0; c < cols; c++)
            sum += exp(zr[c] - max);
        exact_add(&total, max + log(sum) - zr[(int)y[r]]);
    }
    return n_valid > 0 ? (real)(exact_total(&total) / n_valid) : 0;
}

void seq_sparse_ce_backward(int batch, int n_valid, int cols, const real *p, const float *y,
                            real *dz)
{
    for (int r = 0; r < batch; r++) {
        const real *pr = p + (size_t)r * cols;
        real *d = dz + (size_t)r * cols;
        for (int c = 0; c < cols; c++)
            d[c] = r < n_valid ? (pr[c] - (c == (int)y[r])) / n_valid : 0;
    }
}

real seq_sparse_ce_steps_loss(int batch, int steps, int rows, int cols, int n_valid,
                              const real *z, const float *y)
{
    exact_sum total = {0, 0};
    for (int b = 0; b < n_valid && b < batch; b++)
        for (int t = 0; t < steps; t++) {
            const real *zr = z + blocked_row(b, t, steps, rows, cols);
            double max = zr[0], sum = 0;
            for (int c = 1; c < cols; c++)
                max = zr[c] > max ? zr[c] : max;
            for (int c = 0; c < cols; c++)
                sum += exp(zr[c] - max);
            exact_add(&total, max + log(sum) - zr[(int)y[(size_t)b * steps + t]]);
        }
    return n_valid > 0 ? (real)(exact_total(&total) / ((double)n_valid * steps)) : 0;
}

void seq_sparse_ce_steps_backward(int batch, int steps, int rows, int cols, int n_valid,
                                  const real *p, const float *y, real *dz)
{
    double scale = n_valid > 0 ? 1.0 / ((double)n_valid * steps) : 0;
    for (int b = 0; b < batch; b++)
        for (int t = 0; t < steps; t++) {
            size_t o = blocked_row(b, t, steps, rows, cols);
            int target = b < n_valid ? (int)y[(size_t)b * steps + t] : -1;
            for (int c = 0; c < cols; c++)
                dz[o + c] = b < n_valid ? (real)((p[o + c] - (c == target)) * scale) : 0;
        }
}
