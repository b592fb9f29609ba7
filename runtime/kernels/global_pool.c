/* global_pool.c: global max and average pooling over time (Keras'
 * GlobalMaxPooling1D, GlobalAveragePooling1D), masked or not; see kernels.h.
 * Compiled twice: as float (seq_s_*) and as double (seq_d_*). */
#include "kernels.h"

#include <string.h>

/* The steps row R pools: its length within [0, STEPS], or every step. */
static int real_steps(const int32_t *lengths, int r, int steps)
{
    if (!lengths)
        return steps;
    return lengths[r] < 0 ? 0 : lengths[r] > steps ? steps : (int)lengths[r];
}

void seq_global_max_pool(int steps, int rows, int features, const int32_t *lengths,
                         const real *x, real *y)
{
    size_t F = (size_t)features, stride = (size_t)rows * F;
    for (int r = 0; r < rows; r++) {
        real *yr = y + F * r;
        const real *xr = x + F * r;
        int n = real_steps(lengths, r, steps);
        if (n == 0) {
            memset(yr, 0, F * sizeof *yr);
            continue;
        }
        memcpy(yr, xr, F * sizeof *yr);
        for (int t = 1; t < n; t++) {
            const real *xt = xr + stride * t;
            for (size_t j = 0; j < F; j++)
                yr[j] = xt[j] > yr[j] ? xt[j] : yr[j]; /* a tie keeps the earlier step */
        }
    }
}

void seq_global_max_pool_backward(int steps, int rows, int features, const int32_t *lengths,
                                  const real *x, const real *y, const real *dy, real *dx)
{
    size_t F = (size_t)features, stride = (size_t)rows * F;
    memset(dx, 0, stride * (size_t)steps * sizeof *dx);
    for (int r = 0; r < rows; r++) {
        int n = real_steps(lengths, r, steps);
        for (size_t j = 0; j < F; j++) {
            size_t o = F * r + j;
            for (int t = 0; t < n; t++)
                if (x[stride * t + o] == y[o]) { /* the first maximum takes the gradient */
                    dx[stride * t + o] = dy[o];
                    break;
                }
        }
    }
}

void seq_global_avg_pool(int steps, int rows, int features, const int32_t *lengths,
                         const real *x, real *y)
{
    size_t F = (size_t)features, stride = (size_t)rows * F;
    memset(y, 0, stride * sizeof *y);
    for (int r = 0; r < rows; r++) {
        real *yr = y + F * r;
        int n = real_steps(lengths, r, steps);
        for (int t = 0; t < n; t++) /* summed in step order */
            for (size_t j = 0; j < F; j++)
                yr[j] += x[stride * t + F * r + j];
        for (size_t j = 0; n && j < F; j++)
            yr[j] /= (real)n;
    }
}

void seq_global_avg_pool_backward(int steps, int rows, int features, const int32_t *lengths,
                                  const real *dy, real *dx)
{
    size_t F = (size_t)features, stride = (size_t)rows * F;
    for (int r = 0; r < rows; r++) {
        const real *dyr = dy + F * r;
        int n = real_steps(lengths, r, steps);
        for (int t = 0; t < steps; t++) {
            real *dxt = dx + stride * t + F * r;
            for (size_t j = 0; j < F; j++)
                dxt[j] = t < n ? dyr[j] / (real)n : 0;
        }
    }
}
