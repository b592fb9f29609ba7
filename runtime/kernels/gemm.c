/* gemm.c: the float products of training and prediction, and those with a
 * matrix packed once and used many times.
 *
 * A recurrent layer multiplies the same recurrent weights at every step,
 * by a block of rows of states (16 to 25 in the seed specs). A general GEMM copies (packs) both
 * operands on every call, which for 16 rows costs as much as the product;
 * here the weights are packed once per pass, in panels of SEQ_PANEL columns
 * ([panel][k][SEQ_PANEL], the last panel padded with zeros), and each step's
 * product reads its rows of A in place. Compiled as float and as double (see
 * base/real.h).
 *
 * The other products (all steps' input projection, the weight gradients,
 * the gradients of a layer's input; seq_gemm) run on the same tiles at the
 * AVX2 and AVX-512 levels: B in place where it is stored by rows, else (B^T,
 * or many rows of A to share it) copied a group of columns at a time.
 *
 * Every output element is one sum, acc = 0, acc += a[i,kk] * b[kk,j] for kk
 * = 0..k-1 in order, then C = acc (beta 0) or C + acc (beta 1). The float
 * AVX-512 and AVX2 kernels compute each term with one fused multiply-add
 * and give the same bits, whatever the tile shape; the scalar kernel
 * (double, a CPU without AVX2, or `codegen.simd: scalar`) rounds the product
 * and the sum apart. No level's result depends on the thread count: a call
 * runs on the calling thread.
 *
 * A tile is MR rows of C by U units of 16 columns, its MR x U sums held in
 * registers over all of k. AVX-512 has U = 1..4 (up to 24 of its 32 zmm
 * registers as accumulators: two FMA pipes of 4 cycles' latency keep 8 or
 * more sums in flight, and each step's loads, U of B and MR broadcasts of A,
 * are shared by MR x U multiply-adds); AVX2 has U = 1 (12 of its 16 ymm). */
#include "gemm.h"

#include <stdlib.h>
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

static void matmul_packed_scalar(int m, int n, int k, const real *a, const real *packed,
                                 real beta, real *c)
{
    for (int j0 = 0; j0 < n; j0 += SEQ_PANEL) {
        int cols = n - j0 < SEQ_PANEL ? n - j0 : SEQ_PANEL;
        for (int i0 = 0; i0 < m; i0 += 8) {
            int mr = m - i0 < 8 ? m - i0 : 8;
            tile_scalar(mr, k, a + (size_t)i0 * k, packed + (size_t)j0 * k, beta,
                        c + (size_t)i0 * n + j0, n, cols);
        }
    }
}

#if !defined(SEQ_REAL_DOUBLE) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEMM_X86 1

/* One tile's operands. A[i, kk] is a[i * lda + kk], or with A_BY_K (A
 * stored transposed) a[kk * lda + i]; B[kk, 16 q + j] is b[kk * ldb + q *
 * unit + j]; LAST has a bit for each real column of the last unit. With
 * FROM_C the sums go on from those C holds (a block of k after the first). */
typedef struct tile_args {
    int k, from_c;
    const float *a;
    size_t lda;
    const float *b;
    size_t ldb, unit;
    unsigned last;
    int b_padded; /* B's last unit holds zeros past the columns: whole loads */
    float beta;
    float *c;
    size_t ldc;
} tile_args;

/* The k loop of a tile: MR x U sums go on over all of k. MASKED loads
 * the last unit of B under LAST (B read in place, n not a multiple of 16);
 * copied and packed B are padded with zeros, and load whole. */
__attribute__((target("avx512f"), always_inline)) static inline void
tile512_sums(const int mr, const int u, const int a_by_k, const int masked, const tile_args *t,
             __m512 acc[12][4])
{
    const __mmask16 last = (__mmask16)t->last;
    const float *a = t->a, *b = t->b;
    const int k = t->k;
    const size_t lda = t->lda, ldb = t->ldb, unit = t->unit;
#pragma GCC unroll 4
    for (int kk = 0; kk < k; kk++) {
        __m512 bq[4];
#pragma GCC unroll 4
        for (int q = 0; q < u; q++)
            bq[q] = masked && q == u - 1 ? _mm512_maskz_loadu_ps(last, b + q * unit)
                                         : _mm512_loadu_ps(b + q * unit);
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            __m512 ai = _mm512_set1_ps(a_by_k ? a[i] : a[i * lda]);
#pragma GCC unroll 4
            for (int q = 0; q < u; q++)
                acc[i][q] = _mm512_fmadd_ps(ai, bq[q], acc[i][q]);
        }
        a += a_by_k ? lda : 1;
        b += ldb;
    }
}

/* MR x U sums; MR, U and A_BY_K are literals at every call, so that the
 * accumulators are registers and the loops unroll. */
__attribute__((target("avx512f"), always_inline)) static inline void
tile512(const int mr, const int u, const int a_by_k, const tile_args *t)
{
    __m512 acc[12][4];
    const __mmask16 last = (__mmask16)t->last;
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 4
        for (int q = 0; q < u; q++)
            acc[i][q] = t->from_c ? _mm512_maskz_loadu_ps(q == u - 1 ? last : 0xffff,
                                                          t->c + i * t->ldc + 16 * q)
                                  : _mm512_setzero_ps();
    if (t->b_padded)
        tile512_sums(mr, u, a_by_k, 0, t, acc);
    else
        tile512_sums(mr, u, a_by_k, 1, t, acc);
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
        float *ci = t->c + i * t->ldc;
#pragma GCC unroll 4
        for (int q = 0; q < u; q++) {
            __mmask16 keep = q == u - 1 ? last : 0xffff;
            __m512 sum = acc[i][q];
            if (t->beta != 0)
                sum = _mm512_add_ps(_mm512_maskz_loadu_ps(keep, ci + 16 * q), sum);
            _mm512_mask_storeu_ps(ci + 16 * q, keep, sum);
        }
    }
}

/* The same at AVX2, one unit (two ymm) wide. */
__attribute__((target("avx2,fma"), always_inline)) static inline void
tile256(const int mr, const int a_by_k, const tile_args *t)
{
    __m256 lo[6], hi[6];
    const float *a = t->a, *b = t->b;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int cols = __builtin_popcount(t->last);
    __m256i keep_lo = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lane);
    __m256i keep_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols - 8), lane);
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++)
        if (t->from_c) {
            lo[i] = _mm256_maskload_ps(t->c + i * t->ldc, keep_lo);
            hi[i] = _mm256_maskload_ps(t->c + i * t->ldc + 8, keep_hi);
        } else {
            lo[i] = hi[i] = _mm256_setzero_ps();
        }
    for (int kk = 0; kk < t->k; kk++) {
        __m256 b0, b1;
        if (cols == 16) {
            b0 = _mm256_loadu_ps(b);
            b1 = _mm256_loadu_ps(b + 8);
        } else {
            b0 = _mm256_maskload_ps(b, keep_lo);
            b1 = _mm256_maskload_ps(b + 8, keep_hi);
        }
#pragma GCC unroll 6
        for (int i = 0; i < mr; i++) {
            __m256 ai = _mm256_broadcast_ss(a_by_k ? a + i : a + i * t->lda);
            lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
            hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
        }
        a += a_by_k ? t->lda : 1;
        b += t->ldb;
    }
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
        float *ci = t->c + i * t->ldc;
        if (t->beta != 0) {
            lo[i] = _mm256_add_ps(_mm256_maskload_ps(ci, keep_lo), lo[i]);
            hi[i] = _mm256_add_ps(_mm256_maskload_ps(ci + 8, keep_hi), hi[i]);
        }
        _mm256_maskstore_ps(ci, keep_lo, lo[i]);
        _mm256_maskstore_ps(ci + 8, keep_hi, hi[i]);
    }
}

typedef void tile_fn(int mr, const tile_args *t);

#define TILE_CASE(n, call) \
    case n: call; break;
#define TILE_ROWS_6(call_of) \
    TILE_CASE(6, call_of(6)) TILE_CASE(5, call_of(5)) TILE_CASE(4, call_of(4)) \
    TILE_CASE(3, call_of(3)) TILE_CASE(2, call_of(2)) default: call_of(1); break;
#define TILE_ROWS_8(call_of) TILE_CASE(8, call_of(8)) TILE_CASE(7, call_of(7)) TILE_ROWS_6(call_of)
#define TILE_ROWS_12(call_of) \
    TILE_CASE(12, call_of(12)) TILE_CASE(11, call_of(11)) TILE_CASE(10, call_of(10)) \
    TILE_CASE(9, call_of(9)) TILE_ROWS_8(call_of)

/* tile512_U_K (U units, A by rows (K 0) or by k (K 1)) for MR 1..ROWS */
#define TILE512_FN(u, a_by_k, rows)                                                       \
    __attribute__((target("avx512f"))) static void tile512_##u##_##a_by_k(int mr,        \
                                                                            const tile_args *t) \
    {                                                                                     \
        switch (mr) {                                                                     \
            TILE_ROWS_##rows(TILE512_CALL_##u##_##a_by_k)                                 \
        }                                                                                 \
    }
#define TILE512_CALL_1_0(mr) tile512(mr, 1, 0, t)
#define TILE512_CALL_2_0(mr) tile512(mr, 2, 0, t)
#define TILE512_CALL_3_0(mr) tile512(mr, 3, 0, t)
#define TILE512_CALL_4_0(mr) tile512(mr, 4, 0, t)
#define TILE512_CALL_1_1(mr) tile512(mr, 1, 1, t)
#define TILE512_CALL_2_1(mr) tile512(mr, 2, 1, t)
#define TILE512_CALL_3_1(mr) tile512(mr, 3, 1, t)
#define TILE512_CALL_4_1(mr) tile512(mr, 4, 1, t)
TILE512_FN(1, 0, 12)
TILE512_FN(2, 0, 12)
TILE512_FN(3, 0, 8)
TILE512_FN(4, 0, 6)
TILE512_FN(1, 1, 12)
TILE512_FN(2, 1, 12)
TILE512_FN(3, 1, 8)
TILE512_FN(4, 1, 6)

#define TILE256_CALL_0(mr) tile256(mr, 0, t)
#define TILE256_CALL_1(mr) tile256(mr, 1, t)
__attribute__((target("avx2,fma"))) static void tile256_0(int mr, const tile_args *t)
{
    switch (mr) { TILE_ROWS_6(TILE256_CALL_0) }
}
__attribute__((target("avx2,fma"))) static void tile256_1(int mr, const tile_args *t)
{
    switch (mr) { TILE_ROWS_6(TILE256_CALL_1) }
}

/* The rows of a tile of U units: as many as 32 registers allow at AVX-512
 * (U x MR sums, U of B and one of A), 6 at AVX2. */
static const int rows512[5] = {0, 12, 12, 8, 6};
enum { ROWS256 = 6, MAX_UNITS = 4 };

static tile_fn *tile_for(seq_simd level, int units, int a_by_k)
{
    static tile_fn *const avx512[2][MAX_UNITS] = {
        {tile512_1_0, tile512_2_0, tile512_3_0, tile512_4_0},
        {tile512_1_1, tile512_2_1, tile512_3_1, tile512_4_1},
    };
    if (level == SEQ_SIMD_AVX512)
        return avx512[a_by_k][units - 1];
    return a_by_k ? tile256_1 : tile256_0;
}

static int max_rows(seq_simd level, int units)
{
    return level == SEQ_SIMD_AVX512 ? rows512[units] : ROWS256;
}

/* Cycles per k step of a tile of MR rows by U units on a core with two FMA
 * and two load pipes: the multiply-adds, the loads (U of B, MR of A) or the
 * 4-cycle latency of one sum, whichever binds. */
static int tile_cycles(int mr, int u)
{
    int fma = (mr * u + 1) / 2, loads = (mr + u + 1) / 2, cycles = fma > loads ? fma : loads;
    return cycles > 4 ? cycles : 4;
}

/* Sum over the tiles of M rows in tiles of at most ROWS, as even as they
 * come (16 rows by 6: 6, 5, 5, not 6, 6, 4: a short tile has too few sums to
 * hide the latency). */
static int rows_cycles(int m, int rows, int u)
{
    int tiles = (m + rows - 1) / rows, total = 0;
    for (int t = 0, i0 = 0; t < tiles; t++) {
        int mr = (m - i0) / (tiles - t);
        total += tile_cycles(mr, u);
        i0 += mr;
    }
    return total;
}

/* The units per group of columns for C [m, n]: the widest AVX-512 tile
 * that does not cost more cycles (the groups of PANELS units as even as
 * they come); AVX2's tile is one unit wide. */
static int group_units(seq_simd level, int m, int n)
{
    /* a recurrent layer asks for its shape at every step: the last answer kept */
    static _Thread_local int last_m, last_n, last_units;
    int panels = (n + 15) / 16, best = 1;
    if (level != SEQ_SIMD_AVX512)
        return 1;
    if (last_units && m == last_m && n == last_n)
        return last_units;
    long best_cost = 0;
    for (int u = 1; u <= MAX_UNITS && u <= panels; u++) {
        int groups = (panels + u - 1) / u;
        long cost = 0;
        for (int g = 0, p0 = 0; g < groups; g++) {
            int units = (panels - p0) / (groups - g);
            cost += rows_cycles(m, rows512[units], units);
            p0 += units;
        }
        if (u == 1 || cost <= best_cost)
            best = u, best_cost = cost;
    }
    last_m = m, last_n = n, last_units = best;
    return best;
}

/* Where each group's B comes from. */
typedef enum { B_PANELS, B_ROWS, B_COPY, B_COPY_T } b_layout;

/* Copies rows k0 .. k0 + kb - 1 and columns j0 .. j0 + cols - 1 of B (b
 * [k, n], or b [n, k] holding B^T) into dst [kb, 16 * units], zeros past
 * the columns. */
static void copy_group(b_layout layout, int k, int n, const float *b, int k0, int kb, int j0,
                       int cols, int units, float *dst)
{
    size_t width = (size_t)16 * units;
    for (int kk = 0; kk < kb; kk++) {
        float *row = dst + kk * width;
        if (layout == B_COPY_T)
            for (int j = 0; j < cols; j++)
                row[j] = b[(size_t)(j0 + j) * k + k0 + kk];
        else
            memcpy(row, b + (size_t)(k0 + kk) * n + j0, (size_t)cols * sizeof *row);
        memset(row + cols, 0, (width - cols) * sizeof *row);
    }
}

/* Rows of B per block of k where the sums may wait in C (beta 0): a
 * block of A's columns and of B's group then stay in the core's L2 while
 * every tile of rows reads them (the weight gradients' k is the batch
 * block's steps x rows, thousands). The sums go on from C in the same
 * order: the same bits as one pass. */
enum { K_BLOCK = 256 };

static int k_block(int k, float beta, b_layout layout)
{
    return beta == 0 && layout != B_PANELS && k > 2 * K_BLOCK ? K_BLOCK : k;
}

/* C [m, n] = A B + beta C at LEVEL, by blocks of k, groups of columns and
 * tiles of rows. */
static void gemm_tiles(seq_simd level, int m, int n, int k, const float *a, size_t lda,
                       int a_by_k, b_layout layout, const float *b, float *copy, float beta,
                       float *c)
{
    int panels = (n + 15) / 16, units = group_units(level, m, n);
    int groups = (panels + units - 1) / units, kc = k_block(k, beta, layout);
    tile_args t = {.lda = lda, .beta = beta, .ldc = (size_t)n};
    for (int k0 = 0; k0 < k; k0 += kc) {
        int kb = k - k0 < kc ? k - k0 : kc;
        const float *ak = a + (a_by_k ? (size_t)k0 * lda : (size_t)k0);
        t.k = kb, t.from_c = k0 > 0;
        for (int g = 0, p0 = 0; g < groups; g++) {
            int u = (panels - p0) / (groups - g), j0 = 16 * p0;
            int cols = n - j0 < 16 * u ? n - j0 : 16 * u;
            tile_fn *tile = tile_for(level, u, a_by_k);
            t.last = (1u << (cols - 16 * (u - 1))) - 1;
            t.b_padded = layout != B_ROWS || cols == 16 * u;
            switch (layout) {
            case B_PANELS:
                t.b = b + (size_t)j0 * k + (size_t)k0 * 16, t.ldb = 16, t.unit = (size_t)16 * k;
                break;
            case B_ROWS: t.b = b + (size_t)k0 * n + j0, t.ldb = (size_t)n, t.unit = 16; break;
            default:
                copy_group(layout, k, n, b, k0, kb, j0, cols, u, copy);
                t.b = copy, t.ldb = (size_t)16 * u, t.unit = 16;
                break;
            }
            int rows = max_rows(level, u), tiles = (m + rows - 1) / rows;
            for (int r = 0, i0 = 0; r < tiles; r++) {
                int mr = (m - i0) / (tiles - r);
                t.a = ak + (a_by_k ? (size_t)i0 : (size_t)i0 * lda);
                t.c = c + (size_t)i0 * n + j0;
                tile(mr, &t);
                i0 += mr;
            }
            p0 += u;
        }
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

static int vector_level(seq_simd level)
{
    return level == SEQ_SIMD_AVX512 || level == SEQ_SIMD_AVX2;
}
#endif

void seq_matmul_packed(int m, int n, int k, const real *a, const real *packed, real beta, real *c)
{
#ifdef GEMM_X86
    seq_simd level = seq_simd_current();
    if (vector_level(level)) {
        gemm_tiles(level, m, n, k, a, (size_t)k, 0, B_PANELS, packed, NULL, beta, c);
        return;
    }
#endif
    matmul_packed_scalar(m, n, k, a, packed, beta, c);
}

int seq_gemm(int m, int n, int k, const real *a, int a_transposed, const real *b,
             int b_transposed, real beta, real *c)
{
#ifdef GEMM_X86
    seq_simd level = seq_simd_current();
    if (!vector_level(level) || m <= 0 || n <= 0 || k <= 0)
        return 0;
    /* B by rows in place, unless it is stored transposed, or enough tiles
     * of rows share each group of columns to repay a copy that is read by
     * units (a row of B is n apart: a power of two of them alias in L1) */
    int rows = max_rows(level, group_units(level, m, n));
    size_t copy_floats = (size_t)k_block(k, beta, B_COPY) * 16 * MAX_UNITS;
    b_layout layout = b_transposed ? B_COPY_T : m >= 4 * rows && copy_floats <= (1u << 20) ? B_COPY : B_ROWS;
    float *copy = NULL;
    if (layout != B_ROWS && !(copy = malloc(copy_floats * sizeof *copy))) {
        if (b_transposed)
            return 0;
        layout = B_ROWS;
    }
    gemm_tiles(level, m, n, k, a, a_transposed ? (size_t)m : (size_t)k, a_transposed, layout, b,
               copy, beta, c);
    free(copy);
    return 1;
#else
    (void)m, (void)n, (void)k, (void)a, (void)a_transposed, (void)b, (void)b_transposed;
    (void)beta, (void)c;
    return 0;
#endif
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
