/* test_gemm.c: products with a packed B (gemm.c) against a reference in
 * higher precision, at every SIMD level the CPU has, on every shape a seed
 * spec's recurrent layers use and on odd ones (tails of rows, of panel
 * columns, k of 1); packing of B and of B^T; the AVX2 and AVX-512 kernels
 * agreeing bit for bit; one row times B in place (seq_vecmat) giving the
 * packed product's bits; the general product (seq_gemm) with A and B each
 * as stored or transposed, giving the packed product's bits too. Built as
 * float and as double (test_gemm_f64). */
#include <stdint.h>

#include "check.h"

#ifdef SEQ_REAL_DOUBLE
typedef long double wide; /* the reference's precision */
#define EPSILON 0x1p-52
#else
typedef double wide;
#define EPSILON 0x1p-23
#endif
#include "kernels/gemm.h"
#include "kernels/vmath.h"

static uint32_t lcg_next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* A value in [-1, 1), now and then an exact zero or a large one. */
static real draw(uint32_t *s)
{
    uint32_t r = lcg_next(s);
    if (r % 97 == 0)
        return 0.0f;
    real v = (real)(r >> 8) / 8388608 - 1;
    return r % 89 == 0 ? 64 * v : v;
}

/* The shapes (m, n, k) of seq_matmul_packed in generated/ (grep), and odd ones. */
static const int shapes[][3] = {
    {16, 1024, 256}, {16, 128, 32}, {16, 128, 512}, {16, 192, 64}, {16, 256, 1024},
    {16, 256, 64},   {16, 32, 128}, {16, 512, 128}, {16, 64, 192},  {16, 64, 256},
    {20, 128, 512},  {20, 512, 128},
    {1, 1, 1},   {1, 16, 7},  {2, 17, 3},  {3, 15, 33}, {5, 31, 1},   {7, 33, 16},
    {11, 47, 9}, {12, 16, 5}, {13, 8, 64}, {25, 100, 40}, {50, 400, 100}, {6, 3, 300},
};

static int nlevels;
static seq_simd levels[4];

/* C = A B + beta C in real at LEVEL, B packed from b (transposed: b holds
 * B^T), against the same sum in wide; returns the worst error in units of
 * the bound (k + 1) * epsilon * (sum |a||b| + |C|). */
static double check_level(seq_simd level, int m, int n, int k, int transposed, int beta,
                          const real *a, const real *b, const real *c0, real *c)
{
    real *packed = malloc(seq_packed_size(k, n) * sizeof *packed);
    if (transposed)
        seq_pack_bt(k, n, b, packed);
    else
        seq_pack_b(k, n, b, packed);
    memcpy(c, c0, (size_t)m * n * sizeof *c);
    CHECK(seq_simd_select(level) == 0);
    seq_matmul_packed(m, n, k, a, packed, (real)beta, c);
    double worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            wide sum = 0, mag = 0;
            for (int kk = 0; kk < k; kk++) {
                wide term = (wide)a[(size_t)i * k + kk] *
                            (transposed ? b[(size_t)j * k + kk] : b[(size_t)kk * n + j]);
                sum += term;
                mag += term < 0 ? -term : term;
            }
            wide want = sum + (beta ? c0[(size_t)i * n + j] : 0);
            wide bound = (k + 1) * EPSILON * (mag + (want < 0 ? -want : want)) + 1e-300;
            wide diff = c[(size_t)i * n + j] - want;
            double err = (double)((diff < 0 ? -diff : diff) / bound);
            worst = err > worst ? err : worst;
        }
    free(packed);
    return worst;
}

static void test_shapes(void)
{
    uint32_t s = 12345;
    int checked = 0;
    for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
        int m = shapes[sh][0], n = shapes[sh][1], k = shapes[sh][2];
        real *a = malloc((size_t)m * k * sizeof *a), *b = malloc((size_t)k * n * sizeof *b);
        real *c0 = malloc((size_t)m * n * sizeof *c0), *c = malloc((size_t)m * n * sizeof *c);
        real *first = malloc((size_t)m * n * sizeof *first);
        for (int i = 0; i < m * k; i++)
            a[i] = draw(&s);
        for (int i = 0; i < k * n; i++)
            b[i] = draw(&s);
        for (int i = 0; i < m * n; i++)
            c0[i] = draw(&s);
        for (int transposed = 0; transposed < 2; transposed++)
            for (int beta = 0; beta < 2; beta++) {
                int vector_levels = 0;
                for (int l = 0; l < nlevels; l++) {
                    double worst = check_level(levels[l], m, n, k, transposed, beta, a, b, c0, c);
                    CHECK_MSG(worst <= 1, "%s m %d n %d k %d%s beta %d: error %.3g of the bound",
                              seq_simd_name(levels[l]), m, n, k, transposed ? " (b^T)" : "", beta,
                              worst);
                    checked++;
                    if (levels[l] == SEQ_SIMD_SCALAR)
                        continue;
                    /* the FMA kernels: the same sums in the same order, the same bits */
                    if (vector_levels++ == 0)
                        memcpy(first, c, (size_t)m * n * sizeof *c);
                    else
                        CHECK_MSG(memcmp(first, c, (size_t)m * n * sizeof *c) == 0,
                                  "%s differs from the other vector level: m %d n %d k %d",
                                  seq_simd_name(levels[l]), m, n, k);
                }
            }
        free(a), free(b), free(c0), free(c), free(first);
    }
    CHECK(checked >= (int)(sizeof shapes / sizeof shapes[0]) * 4);
}

/* The layout: panel p holds columns 16p..16p+15 for k = 0.., then zeros. */
static void test_packing(void)
{
    int k = 3, n = 18;
    real b[3 * 18], bt[18 * 3], packed[3 * 32], packed_t[3 * 32];
    for (int kk = 0; kk < k; kk++)
        for (int j = 0; j < n; j++)
            b[kk * n + j] = bt[j * k + kk] = 100 * kk + j + 1;
    CHECK(seq_packed_size(k, n) == 3 * 32);
    CHECK(seq_packed_size(256, 1024) == 256 * 1024);
    seq_pack_b(k, n, b, packed);
    seq_pack_bt(k, n, bt, packed_t);
    CHECK(memcmp(packed, packed_t, sizeof packed) == 0);
    CHECK(packed[0] == 1 && packed[15] == 16 && packed[16] == 101);
    CHECK(packed[48] == 17 && packed[49] == 18 && packed[50] == 0 && packed[63] == 0);
    CHECK(packed[64] == 117 && packed[95] == 0);
}

/* seq_vecmat, where the level has it: the bits of seq_matmul_packed with
 * one row (the same sums in the same order). */
static void test_vecmat(void)
{
    static const int ns[] = {1, 15, 16, 17, 66, 127, 129, 256, 1024}, ks[] = {1, 7, 64, 256};
    uint32_t s = 99;
    int ran = 0;
    for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
            int n = ns[ni], k = ks[ki];
            real *a = malloc((size_t)k * sizeof *a), *b = malloc((size_t)k * n * sizeof *b);
            real *c = malloc((size_t)(n + 1) * sizeof *c), *want = malloc((size_t)n * sizeof *want);
            real *packed = malloc(seq_packed_size(k, n) * sizeof *packed);
            for (int i = 0; i < k; i++)
                a[i] = draw(&s);
            for (int i = 0; i < k * n; i++)
                b[i] = draw(&s);
            seq_pack_b(k, n, b, packed);
            for (int l = 0; l < nlevels; l++)
                for (int beta = 0; beta < 2; beta++) {
                    CHECK(seq_simd_select(levels[l]) == 0);
                    for (int j = 0; j < n; j++)
                        c[j] = want[j] = draw(&s);
                    c[n] = 42; /* past the end: untouched */
                    seq_matmul_packed(1, n, k, a, packed, (real)beta, want);
                    if (!seq_vecmat(n, k, a, b, (real)beta, c))
                        continue;
                    ran++;
                    CHECK_MSG(memcmp(c, want, (size_t)n * sizeof *c) == 0 && c[n] == 42,
                              "%s: n %d k %d beta %d", seq_simd_name(levels[l]), n, k, beta);
                }
            free(a), free(b), free(c), free(want), free(packed);
        }
#if !defined(SEQ_REAL_DOUBLE) && defined(__x86_64__)
    CHECK(ran > 0 || seq_simd_detect() == SEQ_SIMD_SCALAR);
#else
    CHECK(ran == 0); /* double: the caller's gemv */
#endif
}

/* seq_gemm, where the level has it: A [m,k] or A^T [k,m], B [k,n] or B^T
 * [n,k], beta 0 or 1; the bits of seq_matmul_packed (the same sums in the
 * same order) and an untouched element past the end of C. Shapes from the
 * seed specs' input projections and weight gradients, and odd ones. */
static void test_general(void)
{
    static const int gshapes[][3] = {
        {1, 16, 8},     {2, 17, 3},    {7, 33, 16},    {13, 100, 1},   {25, 47, 40},
        {50, 400, 100}, {97, 65, 129}, {200, 48, 31},  {400, 256, 64}, {64, 512, 400},
        {256, 1024, 16}, {3000, 20, 7}, {5, 3, 300},   {128, 130, 260},
        {20, 70, 1300}, {64, 48, 3000}, /* k in blocks (beta 0), a short last one */
    };
    uint32_t s = 4242;
    int ran = 0;
    for (size_t sh = 0; sh < sizeof gshapes / sizeof gshapes[0]; sh++) {
        int m = gshapes[sh][0], n = gshapes[sh][1], k = gshapes[sh][2];
        size_t mk = (size_t)m * k, kn = (size_t)k * n, mn = (size_t)m * n;
        real *a = malloc(mk * sizeof *a), *at = malloc(mk * sizeof *at);
        real *b = malloc(kn * sizeof *b), *bt = malloc(kn * sizeof *bt);
        real *c0 = malloc(mn * sizeof *c0), *c = malloc((mn + 1) * sizeof *c);
        real *want = malloc(mn * sizeof *want), *first = malloc(mn * sizeof *first);
        real *packed = malloc(seq_packed_size(k, n) * sizeof *packed);
        for (int i = 0; i < m; i++)
            for (int kk = 0; kk < k; kk++)
                a[(size_t)i * k + kk] = at[(size_t)kk * m + i] = draw(&s);
        for (int kk = 0; kk < k; kk++)
            for (int j = 0; j < n; j++)
                b[(size_t)kk * n + j] = bt[(size_t)j * k + kk] = draw(&s);
        for (size_t i = 0; i < mn; i++)
            c0[i] = draw(&s);
        seq_pack_b(k, n, b, packed);
        for (int beta = 0; beta < 2; beta++) {
            int vector_levels = 0;
            for (int l = 0; l < nlevels; l++) {
                CHECK(seq_simd_select(levels[l]) == 0);
                memcpy(want, c0, mn * sizeof *want);
                seq_matmul_packed(m, n, k, a, packed, (real)beta, want);
                for (int form = 0; form < 4; form++) {
                    int a_t = form & 1, b_t = form >> 1;
                    memcpy(c, c0, mn * sizeof *c);
                    c[mn] = 42;
                    if (!seq_gemm(m, n, k, a_t ? at : a, a_t, b_t ? bt : b, b_t, (real)beta, c))
                        continue;
                    ran++;
                    CHECK_MSG(memcmp(c, want, mn * sizeof *c) == 0 && c[mn] == 42,
                              "%s: m %d n %d k %d%s%s beta %d: not the packed product's bits",
                              seq_simd_name(levels[l]), m, n, k, a_t ? " (a^T)" : "",
                              b_t ? " (b^T)" : "", beta);
                }
                if (levels[l] == SEQ_SIMD_SCALAR)
                    continue;
                if (vector_levels++ == 0)
                    memcpy(first, want, mn * sizeof *want);
                else
                    CHECK_MSG(memcmp(first, want, mn * sizeof *want) == 0,
                              "%s differs from the other vector level: m %d n %d k %d",
                              seq_simd_name(levels[l]), m, n, k);
            }
        }
        free(a), free(at), free(b), free(bt), free(c0), free(c), free(want), free(first);
        free(packed);
    }
#if !defined(SEQ_REAL_DOUBLE) && defined(__x86_64__)
    CHECK(ran > 0 || seq_simd_detect() == SEQ_SIMD_SCALAR);
#else
    CHECK(ran == 0); /* double: the caller's CBLAS */
#endif
}

int main(void)
{
    seq_simd all[] = {SEQ_SIMD_SCALAR, SEQ_SIMD_AVX2, SEQ_SIMD_AVX512};
    for (size_t l = 0; l < sizeof all / sizeof all[0]; l++)
        if (seq_simd_select(all[l]) == 0)
            levels[nlevels++] = all[l];
    printf("levels:");
    for (int l = 0; l < nlevels; l++)
        printf(" %s", seq_simd_name(levels[l]));
    printf("\n");
    test_packing();
    test_shapes();
    test_vecmat();
    test_general();
    seq_simd_select(SEQ_SIMD_AUTO);
    return check_status("test_gemm");
}
