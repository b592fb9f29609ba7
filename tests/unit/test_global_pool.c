/* test_global_pool.c: global max and average pooling over time, masked and
 * not, against a plain double-precision reference: odd sizes, rows of no,
 * some and every real step (and lengths past the steps), padding steps that
 * would win the max, and ties. Built twice: as float and with SEQ_REAL_DOUBLE. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/kernels.h"
#include "base/rng.h"

#ifdef SEQ_REAL_DOUBLE
#define TOL 1e-13
#define NAME "test_global_pool_f64"
#else
#define TOL 1e-5
#define NAME "test_global_pool_f32"
#endif

static seq_rng rng;

/* The steps the reference pools for row R. */
static int ref_steps(const int32_t *len, int r, int steps)
{
    return !len ? steps : len[r] < 0 ? 0 : len[r] > steps ? steps : len[r];
}

/* x [steps, rows, features] with values in (-1, 1); padding steps (past a
 * row's length) hold 1000, which must never win a masked max. With TIES,
 * values are drawn from {-1, 0, 1} so that many steps share the maximum. */
static real *make_x(int T, int R, int F, const int32_t *len, int ties)
{
    real *x = malloc((size_t)T * R * F * sizeof *x);
    for (int t = 0; t < T; t++)
        for (int r = 0; r < R; r++)
            for (int j = 0; j < F; j++) {
                double v = ties ? (double)seq_rng_below(&rng, 3) - 1 : 2 * seq_rng_uniform(&rng) - 1;
                x[((size_t)t * R + r) * F + j] = (real)(t < ref_steps(len, r, T) ? v : 1000);
            }
    return x;
}

static void check_case(int T, int R, int F, const int32_t *len, int ties)
{
    size_t NX = (size_t)T * R * F, NY = (size_t)R * F;
    real *x = make_x(T, R, F, len, ties), *y = malloc(NY * sizeof *y);
    real *dy = malloc(NY * sizeof *dy), *dx = malloc(NX * sizeof *dx);
    for (size_t i = 0; i < NY; i++)
        dy[i] = (real)(i + 1);

    /* max: exact values; the gradient at the first maximal step only */
    seq_global_max_pool(T, R, F, len, x, y);
    seq_global_max_pool_backward(T, R, F, len, x, y, dy, dx);
    int bad_y = 0, bad_dx = 0;
    for (int r = 0; r < R; r++)
        for (int j = 0; j < F; j++) {
            int n = ref_steps(len, r, T), at = -1;
            double max = 0;
            for (int t = 0; t < n; t++) {
                double v = x[((size_t)t * R + r) * F + j];
                if (at < 0 || v > max)
                    max = v, at = t;
            }
            size_t o = (size_t)r * F + j;
            bad_y += (double)y[o] != max;
            for (int t = 0; t < T; t++)
                bad_dx += dx[((size_t)t * R + r) * F + j] != (t == at ? dy[o] : 0);
        }
    CHECK_MSG(bad_y == 0, "max T %d R %d F %d masked %d ties %d: %d wrong outputs", T, R, F,
              len != NULL, ties, bad_y);
    CHECK_MSG(bad_dx == 0, "max backward T %d R %d F %d masked %d ties %d: %d wrong", T, R, F,
              len != NULL, ties, bad_dx);

    /* avg: the mean of the real steps; dy / n spread over them */
    for (size_t i = 0; i < NX; i++)
        dx[i] = (real)NAN; /* written, not added to */
    seq_global_avg_pool(T, R, F, len, x, y);
    seq_global_avg_pool_backward(T, R, F, len, dy, dx);
    double worst = 0, worst_dx = 0;
    for (int r = 0; r < R; r++)
        for (int j = 0; j < F; j++) {
            int n = ref_steps(len, r, T);
            double sum = 0;
            for (int t = 0; t < n; t++)
                sum += x[((size_t)t * R + r) * F + j];
            size_t o = (size_t)r * F + j;
            worst = fmax(worst, fabs(y[o] - (n ? sum / n : 0)));
            for (int t = 0; t < T; t++) {
                double want = t < n ? (double)dy[o] / n : 0;
                double got = dx[((size_t)t * R + r) * F + j];
                worst_dx = isnan(got) ? INFINITY : fmax(worst_dx, fabs(got - want) / dy[o]);
            }
        }
    CHECK_MSG(worst <= TOL, "avg T %d R %d F %d masked %d: error %.3g", T, R, F, len != NULL, worst);
    CHECK_MSG(worst_dx <= TOL, "avg backward T %d R %d F %d masked %d: error %.3g", T, R, F,
              len != NULL, worst_dx);
    free(x), free(y), free(dy), free(dx);
}

/* Unmasked and masked, at odd sizes; lengths 0, 1, mid, T and past T. */
static void test_shapes(void)
{
    const int shapes[][3] = {{1, 1, 1}, {2, 1, 3}, {7, 3, 5}, {13, 4, 17}, {120, 16, 16}, {5, 5, 33}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int T = shapes[s][0], R = shapes[s][1], F = shapes[s][2];
        int32_t *len = malloc((size_t)R * sizeof *len);
        for (int r = 0; r < R; r++) {
            const int32_t pick[] = {0, 1, T / 2, T, T + 3, (int32_t)seq_rng_below(&rng, (uint64_t)T + 1)};
            len[r] = pick[r % 6];
        }
        for (int ties = 0; ties <= 1; ties++) {
            check_case(T, R, F, NULL, ties);
            check_case(T, R, F, len, ties);
        }
        free(len);
    }
}

/* The documented choices, spelled out on a hand-made block of 3 steps and 2
 * rows of 2 features: row 0 has length 2 and a tie, row 1 length 0. */
static void test_choices(void)
{
    const real x[3 * 2 * 2] = {
        4, -1, /* t 0, row 0 */ 9, 9, /* row 1 (padding) */
        4, -3, /* t 1, row 0: a tie with t 0 in feature 0 */ 9, 9,
        7, 7,  /* t 2, row 0: padding, larger */ 9, 9,
    };
    const int32_t len[2] = {2, 0};
    const real dy[4] = {10, 20, 30, 40};
    real y[4], dx[12];
    seq_global_max_pool(3, 2, 2, len, x, y);
    CHECK(y[0] == 4 && y[1] == -1 && y[2] == 0 && y[3] == 0);
    seq_global_max_pool_backward(3, 2, 2, len, x, y, dy, dx);
    const real want_max[12] = {10, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}; /* the tie: step 0 */
    CHECK(memcmp(dx, want_max, sizeof dx) == 0);
    seq_global_avg_pool(3, 2, 2, len, x, y);
    CHECK(y[0] == 4 && y[1] == -2 && y[2] == 0 && y[3] == 0);
    seq_global_avg_pool_backward(3, 2, 2, len, dy, dx);
    const real want_avg[12] = {5, 10, 0, 0, 5, 10, 0, 0, 0, 0, 0, 0};
    CHECK(memcmp(dx, want_avg, sizeof dx) == 0);
}

int main(void)
{
    seq_rng_seed(&rng, 2026);
    test_choices();
    test_shapes();
    return check_status(NAME);
}
