/* test_kernels.c: every kernel against a plain double-precision reference.
 * Built twice: as float (the default) and with SEQ_REAL_DOUBLE. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/kernels.h"
#include "base/rng.h"

#ifdef SEQ_REAL_DOUBLE
#define TOL 1e-12
#define NAME "test_kernels_f64"
#else
#define TOL 2e-5
#define NAME "test_kernels_f32"
#endif

static seq_rng rng;

static real *random_reals(size_t n)
{
    real *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (real)(2 * seq_rng_uniform(&rng) - 1);
    return x;
}

/* |a - b| relative to the size of the values involved */
static void check_close(const real *got, const double *want, size_t n, double scale, const char *what)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs((double)got[i] - want[i]) / scale);
    CHECK_MSG(worst <= TOL, "%s: error %.3g", what, worst);
}

static void test_gemms(void)
{
    const int shapes[][3] = {{1, 7, 5}, {3, 1, 4}, {32, 256, 64}, {5, 3, 1}, {17, 9, 33}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        real *a = random_reals((size_t)m * k), *b = random_reals((size_t)k * n);
        real *c0 = random_reals((size_t)m * n);
        real *c = malloc((size_t)m * n * sizeof *c);
        double *want = malloc((size_t)m * n * sizeof *want);
        for (int beta = 0; beta <= 1; beta++) {
            /* matmul: A [m,k] B [k,n] */
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double sum = beta ? c0[i * n + j] : 0;
                    for (int p = 0; p < k; p++)
                        sum += (double)a[i * k + p] * b[p * n + j];
                    want[i * n + j] = sum;
                }
            memcpy(c, c0, (size_t)m * n * sizeof *c);
            seq_matmul(m, n, k, a, b, (real)beta, c);
            check_close(c, want, (size_t)m * n, k, "matmul");
            /* matmul_at: A is stored [k,m]; use a as that buffer */
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double sum = beta ? c0[i * n + j] : 0;
                    for (int p = 0; p < k; p++)
                        sum += (double)a[p * m + i] * b[p * n + j];
                    want[i * n + j] = sum;
                }
            memcpy(c, c0, (size_t)m * n * sizeof *c);
            seq_matmul_at(m, n, k, a, b, (real)beta, c);
            check_close(c, want, (size_t)m * n, k, "matmul_at");
            /* matmul_bt: B is stored [n,k] */
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double sum = beta ? c0[i * n + j] : 0;
                    for (int p = 0; p < k; p++)
                        sum += (double)a[i * k + p] * b[j * k + p];
                    want[i * n + j] = sum;
                }
            memcpy(c, c0, (size_t)m * n * sizeof *c);
            seq_matmul_bt(m, n, k, a, b, (real)beta, c);
            check_close(c, want, (size_t)m * n, k, "matmul_bt");
        }
        free(a), free(b), free(c0), free(c), free(want);
    }
}

static void test_rows_and_activations(void)
{
    real v[5] = {1, 2, 3, 4, 5}, y[15], s[5];
    seq_fill_rows(3, 5, v, y);
    for (int i = 0; i < 15; i++)
        CHECK(y[i] == v[i % 5]);
    y[7] = 10;
    seq_colsum(3, 5, y, s);
    CHECK(s[0] == 3 && s[1] == 6 && s[2] == 16 && s[4] == 15);

    enum { N = 101 };
    real x[N], out[N], dy[N], dx[N];
    double want[N];
    for (int i = 0; i < N; i++) {
        x[i] = (real)(-12 + 0.24 * i);
        dy[i] = (real)(0.5 + 0.01 * i);
    }
    seq_relu(N, x, out);
    seq_relu_backward(N, out, dy, dx);
    for (int i = 0; i < N; i++) {
        CHECK(out[i] == (x[i] > 0 ? x[i] : 0));
        CHECK(dx[i] == (x[i] > 0 ? dy[i] : 0));
    }
    seq_tanh(N, x, out);
    for (int i = 0; i < N; i++)
        want[i] = tanh((double)x[i]);
    check_close(out, want, N, 1, "tanh");
    seq_tanh_backward(N, out, dy, dx);
    for (int i = 0; i < N; i++)
        want[i] = dy[i] * (1 - want[i] * want[i]);
    check_close(dx, want, N, 1, "tanh backward");
    seq_sigmoid(N, x, out);
    for (int i = 0; i < N; i++)
        want[i] = 1 / (1 + exp(-(double)x[i]));
    check_close(out, want, N, 1, "sigmoid");
    seq_sigmoid_backward(N, out, dy, dx);
    for (int i = 0; i < N; i++)
        want[i] = dy[i] * want[i] * (1 - want[i]);
    check_close(dx, want, N, 1, "sigmoid backward");
    /* in place */
    memcpy(out, x, sizeof x);
    seq_relu(N, out, out);
    CHECK(out[0] == 0 && out[N - 1] == x[N - 1]);
}

/* The blocked layout: [B / R, T, R, E]. */
static int blocked(int b, int t, int T, int R, int E)
{
    return ((b / R * T + t) * R + b % R) * E;
}

static void test_embedding(void)
{
    enum { B = 4, R = 2, T = 3, E = 5, V = 7 };
    real *table = random_reals(V * E), out[T * B * E], dout[T * B * E], dtable[V * E];
    int32_t ids[B * T] = {0, 1, 2, 3, 6, 6, 6, 0, 1, 1, 5, 4};
    seq_embedding_forward(B, T, E, R, ids, table, out);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            CHECK(memcmp(out + blocked(b, t, T, R, E), table + ids[b * T + t] * E, E * sizeof(real)) == 0);
    /* block 1's first step starts right after block 0's last */
    CHECK(memcmp(out + T * R * E, table + ids[2 * T] * E, E * sizeof(real)) == 0);
    for (int i = 0; i < T * B * E; i++)
        dout[i] = (real)(i % 11);
    memset(dtable, 0, sizeof dtable);
    seq_embedding_backward(B, T, E, R, ids, dout, dtable);
    for (int v = 0; v < V; v++)
        for (int e = 0; e < E; e++) {
            double sum = 0;
            for (int t = 0; t < T; t++)
                for (int b = 0; b < B; b++)
                    if (ids[b * T + t] == v)
                        sum += dout[blocked(b, t, T, R, E) + e];
            CHECK(dtable[v * E + e] == (real)sum);
        }
    free(table);
}

/* Words of WIDTH char ids: each char's row, the word's rows side by side. */
static void test_char_embedding(void)
{
    enum { B = 4, R = 2, T = 2, W = 3, E = 2, V = 5 };
    real *table = random_reals(V * E), out[B * T * W * E], dout[B * T * W * E], dtable[V * E];
    int32_t ids[B * T * W];
    for (int i = 0; i < B * T * W; i++)
        ids[i] = (i * 7) % V;
    seq_char_embedding_forward(B, T, W, E, R, ids, table, out);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int w = 0; w < W; w++)
                CHECK(memcmp(out + blocked(b, t, T, R, W * E) + w * E,
                             table + ids[(b * T + t) * W + w] * E, E * sizeof(real)) == 0);
    for (int i = 0; i < B * T * W * E; i++)
        dout[i] = (real)(i % 13);
    memset(dtable, 0, sizeof dtable);
    seq_char_embedding_backward(B, T, W, E, R, ids, dout, dtable);
    for (int v = 0; v < V; v++)
        for (int e = 0; e < E; e++) {
            double sum = 0;
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++)
                    for (int w = 0; w < W; w++)
                        if (ids[(b * T + t) * W + w] == v)
                            sum += dout[blocked(b, t, T, R, W * E) + w * E + e];
            CHECK(dtable[v * E + e] == (real)sum);
        }
    free(table);
}

static void test_blocks(void)
{
    real parts[3 * 4] = {1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400}, sum[4];
    seq_sum_blocks(3, 4, parts, sum);
    CHECK(sum[0] == 111 && sum[1] == 222 && sum[3] == 444);
    seq_sum_blocks(1, 4, parts, sum);
    CHECK(sum[0] == 1 && sum[3] == 4);
}

/* Conv2D through im2col2d and a GEMM against the direct sum, col2im2d as
 * im2col2d's adjoint, and MaxPooling2D with its gradient routing. */
static void test_image_windows(void)
{
    /* 5 steps x 4 columns x 2 channels, 3 rows; kernel 3 x 2, Keras 'same' */
    seq_window2d w = {.steps_in = 5, .width_in = 4, .channels = 2, .steps_out = 5,
                      .width_out = 4, .size_steps = 3, .size_width = 2, .pad_steps = 1,
                      .pad_width = 0};
    enum { R = 3, F = 3, KK = 3 * 2 * 2, NX = 5 * R * 4 * 2, NC = 5 * R * 4 * KK };
    real *x = random_reals(NX), *k = random_reals(KK * F), *cols = malloc(NC * sizeof *cols);
    real y[5 * R * 4 * F];
    double want[5 * R * 4 * F];
    seq_im2col2d(&w, R, x, cols);
    seq_matmul(5 * R * 4, F, KK, cols, k, 0, y);
    for (int t = 0; t < 5; t++)
        for (int r = 0; r < R; r++)
            for (int v = 0; v < 4; v++)
                for (int f = 0; f < F; f++) {
                    double sum = 0;
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 2; j++)
                            for (int c = 0; c < 2; c++) {
                                int ti = t - 1 + i, vi = v + j;
                                if (ti >= 0 && ti < 5 && vi < 4)
                                    sum += (double)x[((ti * R + r) * 4 + vi) * 2 + c] *
                                           k[((i * 2 + j) * 2 + c) * F + f];
                            }
                    want[((t * R + r) * 4 + v) * F + f] = sum;
                }
    check_close(y, want, 5 * R * 4 * F, 1, "conv2d by im2col2d");
    /* <im2col(x), d> = <x, col2im(d)> */
    real *d = random_reals(NC), *dx = malloc(NX * sizeof *dx);
    seq_col2im2d(&w, R, d, dx);
    double lhs = 0, rhs = 0;
    for (int i = 0; i < NC; i++)
        lhs += (double)cols[i] * d[i];
    for (int i = 0; i < NX; i++)
        rhs += (double)x[i] * dx[i];
    CHECK_NEAR(lhs, rhs, 100 * TOL);

    /* pool 2 x 3 over the same x: 2 x 1 outputs, a step and a column left over */
    seq_window2d p = {.steps_in = 5, .width_in = 4, .channels = 2, .steps_out = 2,
                      .width_out = 1, .size_steps = 2, .size_width = 3};
    real py[2 * R * 1 * 2], pdy[2 * R * 2], pdx[NX];
    seq_maxpool2d(&p, R, x, py);
    for (int i = 0; i < 2 * R * 2; i++)
        pdy[i] = (real)(i + 1);
    seq_maxpool2d_backward(&p, R, x, py, pdy, pdx);
    double routed = 0, total = 0;
    for (int t = 0; t < 2; t++)
        for (int r = 0; r < R; r++)
            for (int c = 0; c < 2; c++) {
                double max = -INFINITY;
                int at = -1;
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 3; j++) {
                        int k2 = (((t * 2 + i) * R + r) * 4 + j) * 2 + c;
                        if (x[k2] > max)
                            max = x[k2], at = k2;
                    }
                int o = (t * R + r) * 2 + c;
                CHECK(py[o] == (real)max);
                CHECK(pdx[at] == pdy[o]);
                routed += pdy[o];
            }
    for (int i = 0; i < NX; i++)
        total += pdx[i];
    CHECK(total == routed); /* nothing else, the leftover step and column included */
    free(x), free(k), free(cols), free(d), free(dx);
}

/* The edges of a window padded on both sides (pad_width 1, kernel 3 wide,
 * and a kernel wider than the image): im2col2d against its definition,
 * col2im2d as its adjoint; a tie in a pooling window goes to its first
 * position, step by step then column by column. */
static void test_window_edges(void)
{
    static const seq_window2d windows[] = {
        {.steps_in = 4, .width_in = 5, .channels = 1, .steps_out = 4, .width_out = 5,
         .size_steps = 3, .size_width = 3, .pad_steps = 1, .pad_width = 1},
        {.steps_in = 3, .width_in = 2, .channels = 3, .steps_out = 3, .width_out = 2,
         .size_steps = 1, .size_width = 5, .pad_steps = 0, .pad_width = 2},
    };
    enum { R = 2 };
    for (size_t n = 0; n < sizeof windows / sizeof windows[0]; n++) {
        const seq_window2d *w = &windows[n];
        int C = w->channels, run = w->size_steps * w->size_width * C;
        int nx = w->steps_in * R * w->width_in * C, nc = w->steps_out * R * w->width_out * run;
        real *x = random_reals(nx), *cols = malloc(nc * sizeof *cols), *d = random_reals(nc);
        real *dx = malloc(nx * sizeof *dx);
        seq_im2col2d(w, R, x, cols);
        int at = 0, wrong = 0;
        for (int t = 0; t < w->steps_out; t++)
            for (int r = 0; r < R; r++)
                for (int v = 0; v < w->width_out; v++)
                    for (int i = 0; i < w->size_steps; i++)
                        for (int j = 0; j < w->size_width; j++)
                            for (int c = 0; c < C; c++, at++) {
                                int ti = t - w->pad_steps + i, vi = v - w->pad_width + j;
                                real want = ti >= 0 && ti < w->steps_in && vi >= 0 &&
                                                    vi < w->width_in
                                                ? x[((ti * R + r) * w->width_in + vi) * C + c]
                                                : 0;
                                wrong += cols[at] != want;
                            }
        CHECK_MSG(wrong == 0 && at == nc, "window %zu: %d columns wrong", n, wrong);
        seq_col2im2d(w, R, d, dx);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < nc; i++)
            lhs += (double)cols[i] * d[i];
        for (int i = 0; i < nx; i++)
            rhs += (double)x[i] * dx[i];
        CHECK_NEAR(lhs, rhs, 100 * TOL);
        free(x), free(cols), free(d), free(dx);
    }

    /* pool 2 x 2, one row, 2 channels: channel 0 ties everywhere, channel 1
     * at the second and fourth positions */
    seq_window2d p = {.steps_in = 2, .width_in = 2, .channels = 2, .steps_out = 1,
                      .width_out = 1, .size_steps = 2, .size_width = 2};
    real x[8] = {3, 1, 3, 5, 3, 2, 3, 5}, y[2], dy[2] = {7, 9}, dx[8];
    seq_maxpool2d(&p, 1, x, y);
    seq_maxpool2d_backward(&p, 1, x, y, dy, dx);
    static const real want[8] = {7, 0, 0, 9, 0, 0, 0, 0};
    CHECK(y[0] == 3 && y[1] == 5);
    CHECK(memcmp(dx, want, sizeof want) == 0);
}

static double sigmoid(double x)
{
    return 1 / (1 + exp(-x));
}

/* One LSTM step in double: the reference for the cell and its gradients. */
static void cell_reference(int B, int H, const double *pre, const double *bias, const double *cp,
                           double *c, double *h)
{
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            const double *g = pre + b * 4 * H;
            double i = sigmoid(g[j] + bias[j]), f = sigmoid(g[H + j] + bias[H + j]),
                   gg = tanh(g[2 * H + j] + bias[2 * H + j]), o = sigmoid(g[3 * H + j] + bias[3 * H + j]);
            c[b * H + j] = f * cp[b * H + j] + i * gg;
            h[b * H + j] = o * tanh(c[b * H + j]);
        }
}

static void test_lstm_cell(void)
{
    enum { B = 3, H = 5 };
    real *pre = random_reals(B * 4 * H), *cp = random_reals(B * H), *bias = random_reals(4 * H);
    real gates[B * 4 * H], c[B * H], h[B * H];
    double dpre[B * 4 * H], dcp[B * H], wc[B * H], wh[B * H], cref[B * H], href[B * H];
    memcpy(gates, pre, sizeof gates);
    seq_lstm_cell_forward(B, H, bias, gates, cp, c, h);
    double pre_d[B * 4 * H], cp_d[B * H], bias_d[4 * H];
    for (int i = 0; i < B * 4 * H; i++)
        pre_d[i] = pre[i];
    for (int i = 0; i < B * H; i++)
        cp_d[i] = cp[i];
    for (int i = 0; i < 4 * H; i++)
        bias_d[i] = bias[i];
    cell_reference(B, H, pre_d, bias_d, cp_d, cref, href);
    check_close(c, cref, B * H, 1, "lstm cell c");
    check_close(h, href, B * H, 1, "lstm cell h");

    /* backward against finite differences of L = sum(wc c) + sum(wh h) */
    real dh[B * H], dc[B * H], dgates[B * 4 * H], dbias_rows[B * 4 * H];
    for (int i = 0; i < B * H; i++) {
        wc[i] = 2 * seq_rng_uniform(&rng) - 1;
        wh[i] = 2 * seq_rng_uniform(&rng) - 1;
        dc[i] = (real)wc[i];
        dh[i] = (real)wh[i];
    }
    for (int i = 0; i < B * 4 * H; i++)
        dbias_rows[i] = 1; /* it accumulates */
    seq_lstm_cell_backward(B, H, gates, cp, c, dh, dc, dgates, dbias_rows, NULL, 0);
    for (int i = 0; i < B * 4 * H; i++)
        CHECK(dbias_rows[i] == 1 + dgates[i]);
    const double eps = 1e-6;
    for (int k = 0; k < B * 4 * H + B * H; k++) {
        double *x = k < B * 4 * H ? &pre_d[k] : &cp_d[k - B * 4 * H], x0 = *x, L[2];
        for (int s = 0; s < 2; s++) {
            *x = x0 + (s ? eps : -eps);
            cell_reference(B, H, pre_d, bias_d, cp_d, cref, href);
            L[s] = 0;
            for (int i = 0; i < B * H; i++)
                L[s] += wc[i] * cref[i] + wh[i] * href[i];
        }
        *x = x0;
        (k < B * 4 * H ? dpre : dcp)[k < B * 4 * H ? k : k - B * 4 * H] = (L[1] - L[0]) / (2 * eps);
    }
    double scale = 1e3; /* finite differences carry ~1e-10 of their own error */
#ifndef SEQ_REAL_DOUBLE
    scale = 1;
#endif
    check_close(dgates, dpre, B * 4 * H, scale, "lstm cell d gates");
    check_close(dc, dcp, B * H, scale, "lstm cell d c_prev");
    free(pre), free(cp), free(bias);
}

/* GRU step in double: xg, rg without biases; returns h. */
static void gru_reference(int B, int H, const double *xg, const double *rg, const double *bi,
                          const double *br, const double *hp, double *h)
{
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            const double *x = xg + b * 3 * H, *g = rg + b * 3 * H;
            double z = sigmoid(x[j] + bi[j] + g[j] + br[j]);
            double r = sigmoid(x[H + j] + bi[H + j] + g[H + j] + br[H + j]);
            double n = tanh(x[2 * H + j] + bi[2 * H + j] + r * (g[2 * H + j] + br[2 * H + j]));
            h[b * H + j] = z * hp[b * H + j] + (1 - z) * n;
        }
}

static void test_gru_cell(void)
{
    enum { B = 2, H = 3, G = 3 * H };
    real *xg0 = random_reals(B * G), *rg0 = random_reals(B * G), *hp = random_reals(B * H);
    real *bias = random_reals(2 * G);
    real xg[B * G], rg[B * G], rh[B * H], h[B * H];
    memcpy(xg, xg0, sizeof xg);
    memcpy(rg, rg0, sizeof rg);
    seq_gru_cell_forward(B, H, bias, bias + G, xg, rg, rh, hp, h);
    /* everything in double: x, r, biases, h_prev, in that order */
    enum { N = 2 * B * G + 2 * G + B * H };
    double v[N], href[B * H], w[B * H], fd[N];
    for (int i = 0; i < B * G; i++)
        v[i] = xg0[i], v[B * G + i] = rg0[i];
    for (int i = 0; i < 2 * G; i++)
        v[2 * B * G + i] = bias[i];
    for (int i = 0; i < B * H; i++)
        v[2 * B * G + 2 * G + i] = hp[i];
    double *vx = v, *vr = v + B * G, *vbi = v + 2 * B * G, *vbr = vbi + G, *vh = vbi + 2 * G;
    gru_reference(B, H, vx, vr, vbi, vbr, vh, href);
    check_close(h, href, B * H, 1, "gru cell h");

    real dh[B * H], dhp[B * H], dxg[B * G], drg[B * G], dbi[B * G], dbr[B * G];
    for (int i = 0; i < B * H; i++)
        dh[i] = (real)(w[i] = 2 * seq_rng_uniform(&rng) - 1);
    memset(dbi, 0, sizeof dbi);
    memset(dbr, 0, sizeof dbr);
    seq_gru_cell_backward(B, H, xg, rh, hp, dh, dhp, 0, dxg, drg, dbi, dbr, NULL, 0);
    for (int k = 0; k < N; k++) {
        double x0 = v[k], L[2];
        for (int s = 0; s < 2; s++) {
            v[k] = x0 + (s ? 1e-6 : -1e-6);
            gru_reference(B, H, vx, vr, vbi, vbr, vh, href);
            L[s] = 0;
            for (int i = 0; i < B * H; i++)
                L[s] += w[i] * href[i];
        }
        v[k] = x0;
        fd[k] = (L[1] - L[0]) / 2e-6;
    }
    double scale = 1e3;
#ifndef SEQ_REAL_DOUBLE
    scale = 1;
#endif
    check_close(dxg, fd, B * G, scale, "gru d xg");
    check_close(drg, fd + B * G, B * G, scale, "gru d rg");
    /* bias gradients: the rows' sums; h_prev: the direct part dh z, as the
     * part through the recurrent kernel is the caller's GEMM (here rg is an
     * input, not h_prev U) */
    double sum_bi[G] = {0}, sum_br[G] = {0}, want_hp[B * H];
    for (int b = 0; b < B; b++)
        for (int j = 0; j < G; j++)
            sum_bi[j] += dbi[b * G + j], sum_br[j] += dbr[b * G + j];
    for (int j = 0; j < G; j++) {
        CHECK_NEAR(sum_bi[j], fd[2 * B * G + j], scale * TOL);
        CHECK_NEAR(sum_br[j], fd[2 * B * G + G + j], scale * TOL);
    }
    for (int i = 0; i < B * H; i++)
        want_hp[i] = fd[2 * B * G + 2 * G + i];
    check_close(dhp, want_hp, B * H, scale, "gru d h_prev (direct part)");
    /* accumulate adds to what dh_prev holds */
    real acc[B * H];
    for (int i = 0; i < B * H; i++)
        acc[i] = 1;
    seq_gru_cell_backward(B, H, xg, rh, hp, dh, acc, 1, dxg, drg, dbi, dbr, NULL, 0);
    for (int i = 0; i < B * H; i++)
        CHECK(acc[i] == 1 + dhp[i]);
    free(xg0), free(rg0), free(hp), free(bias);
}

static void test_rnn_cell_and_dropout(void)
{
    enum { B = 2, H = 4 };
    real *g = random_reals(B * H), *bias = random_reals(H), h[B * H], dh[B * H], dg[B * H];
    real db[B * H] = {0};
    double want[B * H];
    seq_rnn_cell_forward(B, H, bias, g, h);
    for (int i = 0; i < B * H; i++)
        want[i] = tanh((double)g[i] + bias[i % H]);
    check_close(h, want, B * H, 1, "rnn cell");
    for (int i = 0; i < B * H; i++)
        dh[i] = (real)(0.1 * i - 0.3);
    seq_rnn_cell_backward(B, H, h, dh, dg, db, NULL, 0);
    for (int i = 0; i < B * H; i++) {
        want[i] = dh[i] * (1 - want[i] * want[i]);
        CHECK(db[i] == dg[i]);
    }
    check_close(dg, want, B * H, 1, "rnn cell backward");

    /* dropout: about RATE zeroed, the rest scaled; the same draws give the same mask */
    enum { N = 10000 };
    real *x = random_reals(N), *y = malloc(N * sizeof *y), *mask = malloc(N * sizeof *mask);
    real *mask2 = malloc(N * sizeof *mask2), *dx = malloc(N * sizeof *dx);
    seq_rng a, b;
    seq_rng_seed(&a, 3);
    seq_rng_seed(&b, 3);
    seq_dropout_forward(N, 0.25, &a, x, mask, y);
    seq_dropout_forward(N, 0.25, &b, x, mask2, dx);
    CHECK(memcmp(mask, mask2, N * sizeof *mask) == 0);
    int zeros = 0;
    for (int i = 0; i < N; i++) {
        zeros += mask[i] == 0;
        CHECK(mask[i] == 0 || mask[i] == (real)(1 / 0.75));
        CHECK(y[i] == x[i] * mask[i]);
    }
    CHECK_MSG(zeros > 2300 && zeros < 2700, "%d of %d zeroed at rate 0.25", zeros, N);
    seq_dropout_backward(N, mask, x, dx);
    for (int i = 0; i < N; i++)
        CHECK(dx[i] == x[i] * mask[i]);
    /* evaluation: the identity, with a mask of ones for a backward after it */
    seq_dropout_forward(N, 0, NULL, x, mask, y);
    for (int i = 0; i < N; i++)
        CHECK(mask[i] == 1 && y[i] == x[i]);
    free(g), free(bias), free(x), free(y), free(mask), free(mask2), free(dx);
}

static void test_bce(void)
{
    real z[6] = {-100, -2, 0, 0.5f, 3, 100}, dz[6];
    float y[6] = {0, 1, 1, 0, 1, 1};
    double want = 0;
    for (int i = 0; i < 4; i++) /* rows 4, 5 are padding */
        want += -(y[i] * log(sigmoid(z[i])) + (1 - y[i]) * log1p(-sigmoid(z[i])));
    want /= 4;
    real loss = seq_bce_logits_loss(6, 4, z, y);
    CHECK_NEAR(loss, want, 1e-6 * want);
    seq_bce_logits_backward(6, 4, z, y, dz);
    for (int i = 0; i < 6; i++)
        CHECK_NEAR(dz[i], i < 4 ? (sigmoid(z[i]) - y[i]) / 4 : 0, 1e-7);
    /* extreme logits stay finite */
    real big[2] = {1000, -1000};
    float wrong[2] = {0, 1};
    loss = seq_bce_logits_loss(2, 2, big, wrong);
    CHECK_NEAR(loss, 1000, 1e-3);
    CHECK(seq_bce_logits_loss(2, 0, big, wrong) == 0);
}

#ifdef SEQ_REAL_DOUBLE
/* The loss sums its terms without losing the small ones to one large term:
 * the gradient check's finite differences resolve no finer than the loss. */
static void test_loss_summation(void)
{
    enum { N = 1000001 };
    real *z = malloc(N * sizeof *z);
    float *y = malloc(N * sizeof *y);
    long double small = 0; /* the reference adds the small terms first */
    for (int i = 0; i < N; i++) {
        z[i] = i == 0 ? -4 : 36.8; /* a term of 4.018, then a million of 1.05e-16 */
        y[i] = 1;
        if (i > 0)
            small += (long double)log1p(exp(-(double)z[i]));
    }
    long double want = (small + (long double)(4 + log1p(exp(-4.0)))) / N;
    double got = seq_bce_logits_loss(N, N, z, y);
    CHECK_MSG(fabs(got - (double)want) <= 4e-16 * (double)want, "relative error %.3g",
              fabs(got - (double)want) / (double)want);
    free(z), free(y);
}
#endif

int main(void)
{
    seq_rng_seed(&rng, 12345);
    test_gemms();
    test_rows_and_activations();
    test_embedding();
    test_char_embedding();
    test_blocks();
    test_image_windows();
    test_window_edges();
    test_lstm_cell();
    test_gru_cell();
    test_rnn_cell_and_dropout();
    test_bce();
#ifdef SEQ_REAL_DOUBLE
    test_loss_summation();
#endif
    return check_status(NAME);
}
