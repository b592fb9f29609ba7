/* gemm.c: products with a matrix packed once and used many times.
 *
 * A recurrent layer multiplies the same recurrent weights at every step,
 * by a block of rows of states (16 to 25 in the seed specs). A general GEMM copies (packs) both
 * operands on every call, which for 16 rows costs as much as the product;
 * here the weights are packed once per pass, in panels of SEQ_PANEL columns
 * ([panel][k][SEQ_PANEL], the last panel padded with zeros), and each step's
 * product reads its rows of A in place. Compiled as float and as double (see
 * real.h).
 *
 * Every output element is one sum, acc = 0, acc += a[i,kk] * b[kk,j] for kk
 * = 0..k-1 in order, then C = acc (beta 0) or C + acc (beta 1). The float
 * AVX-512 and AVX2 kernels compute each term with one fused multiply-add
 * and give the same bits; the scalar kernel (double, a CPU without AVX2, or
 * `codegen.simd: scalar`) rounds the product and the sum apart. No level's
 * result depends on the thread count: a call runs on the calling thread. */
#include "gemm.h"

#include <string.h>

#include "vmath.h"

size_t seq_packed_size(int k, int n)
{
    return (size_t)k * (size_t)((n + SEQ_PANEL - 1) / SEQ_PANEL * SEQ_PANEL);
}

void seq_pack_b(int k, int n, const real *b, real *packed)
{
    for (int j0 = 0; j0 < n; j0 += SEQ_PANEL) {
        int cols = n - j0 < SEQ_PANEL ? n - j0 : SEQ_PANEL;
        real *panel = packed + (size_t)j0 * k;
        for (int kk = 0; kk < k; kk++) {
            real *dst = panel + (size_t)kk * SEQ_PANEL;
            memcpy(dst, b + (size_t)kk * n + j0, (size_t)cols * sizeof *dst);
            for (int j = cols; j < SEQ_PANEL; j++)
                dst[j] = 0;
        }
    }
}

void seq_pack_bt(int k, int n, const real *b, real *packed)
{
    for (int j0 = 0; j0 < n; j0 += SEQ_PANEL) {
        real *panel = packed + (size_t)j0 * k;
        for (int j = 0; j < SEQ_PANEL; j++) {
            const real *row = b + (size_t)(j0 + j) * k; /* column j0 + j of b^T */
            for (int kk = 0; kk < k; kk++)
                panel[(size_t)kk * SEQ_PANEL + j] = j0 + j < n ? row[kk] : 0;
        }
    }
}

/* A tile at any level: each row's sums in SEQ_PANEL accumulators. */
static void tile_scalar(int mr, int k, const real *a, const real *panel, real beta, real *c,
                        int ldc, int cols)
{
    for (int i = 0; i < mr; i++) {
        real acc[SEQ_PANEL] = {0};
        const real *ai = a + (size_t)i * k;
        for (int kk = 0; kk < k; kk++) {
            const real *bk = panel + (size_t)kk * SEQ_PANEL;
            for (int j = 0; j < SEQ_PANEL; j++)
                acc[j] += ai[kk] * bk[j];
        }
        real *ci = c + (size_t)i * ldc;
        for (int j = 0; j < cols; j++)
            ci[j] = beta != 0 ? ci[j] + acc[j] : acc[j];
    }
}

/* Computes MR rows of C (at c, rows LDC apart) against one panel, of which
 * the first COLS columns are real (the rest padding). */
typedef void tile_fn(int mr, int k, const real *a, const real *panel, real beta, real *c, int ldc,
                     int cols);

/* C by panels, each panel's rows in tiles of at most MAX_ROWS, as even as
 * they come (16 rows by 6: 6, 5, 5, not 6, 6, 4: a short tile has too few
 * accumulators to hide the FMA latency). */
static void matmul_tiles(tile_fn *tile, int max_rows, int m, int n, int k, const real *a,
                         const real *packed, real beta, real *c)
{
    int tiles = (m + max_rows - 1) / max_rows;
    for (int j0 = 0; j0 < n; j0 += SEQ_PANEL) {
        int cols = n - j0 < SEQ_PANEL ? n - j0 : SEQ_PANEL;
        const real *panel = packed + (size_t)j0 * k;
        for (int t = 0, i0 = 0; t < tiles; t++) {
            int mr = (m - i0) / (tiles - t);
            tile(mr, k, a + (size_t)i0 * k, panel, beta, c + (size_t)i0 * n + j0, n, cols);
            i0 += mr;
        }
    }
}

#if !defined(SEQ_REAL_DOUBLE) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEMM_X86 1
#define AVX2_ROWS 6    /* 2 x 6 ymm accumulators of AVX2's 16 registers */
#define AVX512_ROWS 12 /* 12 zmm accumulators of AVX-512's 32 */

/* Rows 0..MR-1 of C by one panel; MR is a literal at every call, so that
 * the accumulators are registers. */
__attribute__((target("avx2,fma"), always_inline)) static inline void
tile_avx2(const int mr, int k, const float *a, const float *panel, float beta, float *c, int ldc,
          int cols)
{
    __m256 lo[AVX2_ROWS], hi[AVX2_ROWS];
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++)
        lo[i] = hi[i] = _mm256_setzero_ps();
    for (int kk = 0; kk < k; kk++) {
        __m256 b0 = _mm256_loadu_ps(panel + (size_t)kk * SEQ_PANEL);
        __m256 b1 = _mm256_loadu_ps(panel + (size_t)kk * SEQ_PANEL + 8);
#pragma GCC unroll 6
        for (int i = 0; i < mr; i++) {
            __m256 ai = _mm256_broadcast_ss(a + (size_t)i * k + kk);
            lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
            hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
        float *ci = c + (size_t)i * ldc, tmp[SEQ_PANEL];
        if (cols == SEQ_PANEL) {
            if (beta != 0) {
                lo[i] = _mm256_add_ps(_mm256_loadu_ps(ci), lo[i]);
                hi[i] = _mm256_add_ps(_mm256_loadu_ps(ci + 8), hi[i]);
            }
            _mm256_storeu_ps(ci, lo[i]);
            _mm256_storeu_ps(ci + 8, hi[i]);
            continue;
        }
        _mm256_storeu_ps(tmp, lo[i]);
        _mm256_storeu_ps(tmp + 8, hi[i]);
        for (int j = 0; j < cols; j++)
            ci[j] = beta != 0 ? ci[j] + tmp[j] : tmp[j];
    }
}

__attribute__((target("avx2,fma"))) static void tile_avx2_rows(int mr, int k, const float *a,
                                                                const float *panel, float beta,
                                                                float *c, int ldc, int cols)
{
    switch (mr) {
    case 6: tile_avx2(6, k, a, panel, beta, c, ldc, cols); break;
    case 5: tile_avx2(5, k, a, panel, beta, c, ldc, cols); break;
    case 4: tile_avx2(4, k, a, panel, beta, c, ldc, cols); break;
    case 3: tile_avx2(3, k, a, panel, beta, c, ldc, cols); break;
    case 2: tile_avx2(2, k, a, panel, beta, c, ldc, cols); break;
    default: tile_avx2(1, k, a, panel, beta, c, ldc, cols); break;
    }
}

__attribute__((target("avx512f"), always_inline)) static inline void
tile_avx512(const int mr, int k, const float *a, const float *panel, float beta, float *c, int ldc,
            int cols)
{
    __m512 acc[AVX512_ROWS];
    __mmask16 keep = (__mmask16)((1u << cols) - 1);
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++)
        acc[i] = _mm512_setzero_ps();
    for (int kk = 0; kk < k; kk++) {
        __m512 b = _mm512_loadu_ps(panel + (size_t)kk * SEQ_PANEL);
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++)
            acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[(size_t)i * k + kk]), b, acc[i]);
    }
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
        float *ci = c + (size_t)i * ldc;
        if (beta != 0)
            acc[i] = _mm512_add_ps(_mm512_maskz_loadu_ps(keep, ci), acc[i]);
        _mm512_mask_storeu_ps(ci, keep, acc[i]);
    }
}

__attribute__((target("avx512f"))) static void tile_avx512_rows(int mr, int k, const float *a,
                                                                 const float *panel, float beta,
                                                                 float *c, int ldc, int cols)
{
    switch (mr) {
    case 12: tile_avx512(12, k, a, panel, beta, c, ldc, cols); break;
    case 11: tile_avx512(11, k, a, panel, beta, c, ldc, cols); break;
    case 10: tile_avx512(10, k, a, panel, beta, c, ldc, cols); break;
    case 9: tile_avx512(9, k, a, panel, beta, c, ldc, cols); break;
    case 8: tile_avx512(8, k, a, panel, beta, c, ldc, cols); break;
    case 7: tile_avx512(7, k, a, panel, beta, c, ldc, cols); break;
    case 6: tile_avx512(6, k, a, panel, beta, c, ldc, cols); break;
    case 5: tile_avx512(5, k, a, panel, beta, c, ldc, cols); break;
    case 4: tile_avx512(4, k, a, panel, beta, c, ldc, cols); break;
    case 3: tile_avx512(3, k, a, panel, beta, c, ldc, cols); break;
    case 2: tile_avx512(2, k, a, panel, beta, c, ldc, cols); break;
    default: tile_avx512(1, k, a, panel, beta, c, ldc, cols); break;
    }
}

/* One row times B (batch-1 prediction): C[n] = A[k] B[k, n] + beta C, B
 * read in place, VECS vectors of columns at a time in accumulators that
 * stay in registers over all of k. The same sums, in the same order, as
 * the tiles above. */
enum { AVX512_VECS = 8, AVX2_VECS = 8 };

__attribute__((target("avx512f"))) static void vecmat_avx512(int n, int k, const float *a,
                                                              const float *b, float beta, float *c)
{
    for (int j0 = 0; j0 < n; j0 += 16 * AVX512_VECS) {
        __m512 acc[AVX512_VECS];
        __mmask16 keep[AVX512_VECS];
        for (int v = 0; v < AVX512_VECS; v++) {
            int cols = n - j0 - 16 * v;
            keep[v] = cols >= 16 ? 0xffff : cols > 0 ? (__mmask16)((1u << cols) - 1) : 0;
            acc[v] = _mm512_setzero_ps();
        }
        for (int kk = 0; kk < k; kk++) {
            __m512 ak = _mm512_set1_ps(a[kk]);
            const float *row = b + (size_t)kk * n + j0;
            for (int v = 0; v < AVX512_VECS; v++)
                acc[v] = _mm512_fmadd_ps(ak, _mm512_maskz_loadu_ps(keep[v], row + 16 * v), acc[v]);
        }
        for (int v = 0; v < AVX512_VECS; v++) {
            float *cv = c + j0 + 16 * v;
            if (beta != 0)
                acc[v] = _mm512_add_ps(_mm512_maskz_loadu_ps(keep[v], cv), acc[v]);
            _mm512_mask_storeu_ps(cv, keep[v], acc[v]);
        }
    }
}

__attribute__((target("avx2,fma"))) static void vecmat_avx2(int n, int k, const float *a,
                                                             const float *b, float beta, float *c)
{
    for (int j0 = 0; j0 < n; j0 += 8 * AVX2_VECS) {
        __m256 acc[AVX2_VECS];
        __m256i keep[AVX2_VECS];
        for (int v = 0; v < AVX2_VECS; v++) {
            int cols = n - j0 - 8 * v;
            keep[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            acc[v] = _mm256_setzero_ps();
        }
        for (int kk = 0; kk < k; kk++) {
            __m256 ak = _mm256_broadcast_ss(a + kk);
            const float *row = b + (size_t)kk * n + j0;
            for (int v = 0; v < AVX2_VECS; v++)
                acc[v] = _mm256_fmadd_ps(ak, _mm256_maskload_ps(row + 8 * v, keep[v]), acc[v]);
        }
        for (int v = 0; v < AVX2_VECS; v++) {
            float *cv = c + j0 + 8 * v;
            if (beta != 0)
                acc[v] = _mm256_add_ps(_mm256_maskload_ps(cv, keep[v]), acc[v]);
            _mm256_maskstore_ps(cv, keep[v], acc[v]);
        }
    }
}
#endif

void seq_matmul_packed(int m, int n, int k, const real *a, const real *packed, real beta, real *c)
{
#ifdef GEMM_X86
    switch (seq_simd_current()) {
    case SEQ_SIMD_AVX512: matmul_tiles(tile_avx512_rows, AVX512_ROWS, m, n, k, a, packed, beta, c); return;
    case SEQ_SIMD_AVX2: matmul_tiles(tile_avx2_rows, AVX2_ROWS, m, n, k, a, packed, beta, c); return;
    default: break;
    }
#endif
    matmul_tiles(tile_scalar, 8, m, n, k, a, packed, beta, c);
}

int seq_vecmat(int n, int k, const real *a, const real *b, real beta, real *c)
{
#ifdef GEMM_X86
    switch (seq_simd_current()) {
    case SEQ_SIMD_AVX512: vecmat_avx512(n, k, a, b, beta, c); return 1;
    case SEQ_SIMD_AVX2: vecmat_avx2(n, k, a, b, beta, c); return 1;
    default: break;
    }
#endif
    (void)n, (void)k, (void)a, (void)b, (void)beta, (void)c;
    return 0;
}
