/* vmath.c: expf, sigmoid and tanh over float arrays: scalar, AVX2, AVX-512.
 *
 * exp(x): n = round(x log2 e), r = x - n ln2 (ln2 split hi/lo, |r| <= ln2/2),
 * exp(r) by a degree-6 minimax polynomial (Horner, FMA), times 2^n from the
 * exponent bits. Where 2^n is no normal float (n < -126: subnormal results;
 * n = 128: just below FLT_MAX) it is applied as two normal factors, so the
 * product is still rounded once (AVX-512's scalef does this itself).
 * x > ln(FLT_MAX) gives +inf; below about -103.97 the result is 0.
 * sigmoid(x) = e/(1+e) for x < 0, 1/(1+e) otherwise, with e = exp(-|x|), so
 * neither side loses relative accuracy or overflows.
 * tanh(|x|) = |x| + |x|^3 q(x^2) (degree-4 minimax q) below 0.5625, where
 * tanh < 0.51 and 1 - 2/(e+1) would cancel; above, 1 - 2/(exp(2|x|)+1) with
 * |x| clamped to 9.5 (tanh rounds to 1 from 9.01 on). The sign is copied
 * back, so tanh(-0) = -0. NaN propagates (quieted) through all three.
 *
 * The vector code does the same operations as the scalar reference, with an
 * FMA wherever the reference calls fmaf() and nothing fused elsewhere, so it
 * gives the same bits. Build in ISO C mode (-std=c11: no FP contraction by
 * GCC across statements); test_vmath checks the bits.
 *
 * Max error, measured on all 2^32 inputs against double libm (exp, 1/(1+exp(-x)),
 * tanh) rounded to float, subnormal results included: exp 1 ulp, sigmoid 2 ulp,
 * tanh 2 ulp (0.97, 2.40 and 1.54 ulp from the unrounded value). */
#include "vmath.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define VMATH_X86 1
#include <immintrin.h>
#else
#define VMATH_X86 0
#endif

#define LOG2E 0x1.715476p+0f
#define LN2_HI 0x1.62e430p-1f
#define LN2_LO -0x1.05c610p-29f
#define ROUND_MAGIC 0x1.8p23f /* x + MAGIC rounds x to an integer in the low bits */
#define ONE_BITS 0x3f800000u

/* Clamping keeps n in [-159, 128]: past either end the result is already
 * 0 or inf, and the float-to-int conversions stay defined. */
#define EXP_LO -110.0f
#define EXP_HI 89.0f

/* exp(r) = 1 + r + r^2 (E2 + E3 r + ... + E6 r^4) on |r| <= ln2/2 */
#define E2 0x1.000000p-1f
#define E3 0x1.5554dcp-3f
#define E4 0x1.55551ap-5f
#define E5 0x1.120ba2p-7f
#define E6 0x1.6d113cp-10f

/* tanh(a) = a + a^3 (T0 + T1 s + ... + T4 s^4), s = a^2, a < TANH_SMALL */
#define TANH_SMALL 0.5625f
#define TANH_BIG 9.5f
#define T0 -0x1.555554p-2f
#define T1 0x1.110fb4p-3f
#define T2 -0x1.b9902cp-5f
#define T3 0x1.5c60f8p-6f
#define T4 -0x1.aba8f0p-8f

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* exp(x) for x in [EXP_LO, EXP_HI]. */
static float exp_core(float x)
{
    float t = fmaf(x, LOG2E, ROUND_MAGIC);
    float n = t - ROUND_MAGIC;
    float r = fmaf(n, -LN2_HI, x);
    r = fmaf(n, -LN2_LO, r);
    float p = fmaf(E6, r, E5);
    p = fmaf(p, r, E4);
    p = fmaf(p, r, E3);
    p = fmaf(p, r, E2);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    if (n >= -126.0f && n <= 127.0f)
        return p * bits_float((float_bits(t) << 23) + ONE_BITS);
    /* 2^n = 2^(n-k) 2^k with both factors normal: one rounding, at the end */
    int pos = n > 0.0f;
    int32_t m = (int32_t)(n - (pos ? 64.0f : -64.0f));
    float scale = bits_float((uint32_t)(m + 127) << 23);
    return p * scale * (pos ? 0x1p64f : 0x1p-64f);
}

float seq_expf_ref(float x)
{
    if (isnan(x))
        return x + x;
    x = x < EXP_HI ? x : EXP_HI;
    x = x > EXP_LO ? x : EXP_LO;
    return exp_core(x);
}

float seq_sigmoidf_ref(float x)
{
    if (isnan(x))
        return x + x;
    float v = -fabsf(x);
    float e = exp_core(v > EXP_LO ? v : EXP_LO);
    return (x < 0.0f ? e : 1.0f) / (1.0f + e);
}

float seq_tanhf_ref(float x)
{
    if (isnan(x))
        return x + x;
    float a = fabsf(x), y;
    if (a < TANH_SMALL) {
        float s = a * a;
        float q = fmaf(T4, s, T3);
        q = fmaf(q, s, T2);
        q = fmaf(q, s, T1);
        q = fmaf(q, s, T0);
        y = fmaf(a * s, q, a);
    } else {
        float e = exp_core(2.0f * (a < TANH_BIG ? a : TANH_BIG));
        y = 1.0f - 2.0f / (e + 1.0f);
    }
    return copysignf(y, x); /* y >= +0 here, so this only ORs in x's sign */
}

static void exp_scalar(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = seq_expf_ref(x[i]);
}

static void sigmoid_scalar(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = seq_sigmoidf_ref(x[i]);
}

static void tanh_scalar(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = seq_tanhf_ref(x[i]);
}

#if VMATH_X86

/* ---- AVX2 + FMA: 8 lanes, masked loads and stores for the tail ---- */

#define AVX2 __attribute__((target("avx2,fma")))

/* exp(x) = p 2^n for x in [EXP_LO, EXP_HI]: returns p, and t holding n in
 * its low bits. */
AVX2 static inline __m256 exp_poly_avx2(__m256 x, __m256 *t)
{
    const __m256 magic = _mm256_set1_ps(ROUND_MAGIC);
    *t = _mm256_fmadd_ps(x, _mm256_set1_ps(LOG2E), magic);
    __m256 n = _mm256_sub_ps(*t, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(E6), r, _mm256_set1_ps(E5));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(E4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(E3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(E2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    return _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
}

/* p 2^n for n in [-126, 127] */
AVX2 static inline __m256 exp_scale_avx2(__m256 p, __m256 t)
{
    __m256i e = _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(t), 23),
                                 _mm256_set1_epi32((int)ONE_BITS));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

AVX2 static inline __m256 exp_core_avx2(__m256 x)
{
    __m256 t, p = exp_poly_avx2(x, &t);
    __m256 n = _mm256_sub_ps(t, _mm256_set1_ps(ROUND_MAGIC));
    __m256 out = _mm256_or_ps(_mm256_cmp_ps(n, _mm256_set1_ps(-126.0f), _CMP_LT_OQ),
                              _mm256_cmp_ps(n, _mm256_set1_ps(127.0f), _CMP_GT_OQ));
    if (!_mm256_movemask_ps(out))
        return exp_scale_avx2(p, t);
    __m256 pos = _mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_GT_OQ);
    __m256 k = _mm256_blendv_ps(_mm256_set1_ps(-64.0f), _mm256_set1_ps(64.0f), pos);
    __m256i m = _mm256_cvtps_epi32(_mm256_sub_ps(n, k));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(m, _mm256_set1_epi32(127)), 23);
    __m256 big = _mm256_blendv_ps(_mm256_set1_ps(0x1p-64f), _mm256_set1_ps(0x1p64f), pos);
    return _mm256_mul_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(e)), big);
}

AVX2 static inline __m256 nan_fix_avx2(__m256 x, __m256 y)
{
    return _mm256_blendv_ps(y, _mm256_add_ps(x, x), _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

AVX2 static inline __m256 exp_avx2_lanes(__m256 x)
{
    __m256 c = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LO)), _mm256_set1_ps(EXP_HI));
    return nan_fix_avx2(x, exp_core_avx2(c));
}

AVX2 static inline __m256 sigmoid_avx2_lanes(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 v = _mm256_or_ps(x, _mm256_set1_ps(-0.0f));
    __m256 e = exp_core_avx2(_mm256_max_ps(v, _mm256_set1_ps(EXP_LO)));
    __m256 num = _mm256_blendv_ps(one, e, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    return nan_fix_avx2(x, _mm256_div_ps(num, _mm256_add_ps(one, e)));
}

AVX2 static inline __m256 tanh_avx2_lanes(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 s = _mm256_mul_ps(a, a);
    __m256 q = _mm256_fmadd_ps(_mm256_set1_ps(T4), s, _mm256_set1_ps(T3));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(T2));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(T1));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(T0));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(a, s), q, a);
    __m256 c = _mm256_min_ps(a, _mm256_set1_ps(TANH_BIG));
    __m256 t, p = exp_poly_avx2(_mm256_mul_ps(_mm256_set1_ps(2.0f), c), &t);
    __m256 e = exp_scale_avx2(p, t); /* 2|x| <= 19: n in range */
    __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    __m256 is_small = _mm256_cmp_ps(a, _mm256_set1_ps(TANH_SMALL), _CMP_LT_OQ);
    __m256 y = _mm256_blendv_ps(big, small, is_small);
    return nan_fix_avx2(x, _mm256_or_ps(y, _mm256_and_ps(x, sign)));
}

/* The maskload/maskstore mask selecting lanes below REM. */
AVX2 static inline __m256i tail_mask_avx2(size_t rem)
{
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), lane);
}

#define AVX2_LOOP(name, lanes)                                           \
    AVX2 static void name(size_t n, const float *x, float *y)            \
    {                                                                    \
        size_t i = 0;                                                    \
        for (; i + 8 <= n; i += 8)                                       \
            _mm256_storeu_ps(y + i, lanes(_mm256_loadu_ps(x + i)));      \
        if (i < n) {                                                     \
            __m256i mask = tail_mask_avx2(n - i);                        \
            __m256 v = lanes(_mm256_maskload_ps(x + i, mask));           \
            _mm256_maskstore_ps(y + i, mask, v);                         \
        }                                                                \
    }

AVX2_LOOP(exp_avx2, exp_avx2_lanes)
AVX2_LOOP(sigmoid_avx2, sigmoid_avx2_lanes)
AVX2_LOOP(tanh_avx2, tanh_avx2_lanes)

/* ---- AVX-512F: 16 lanes, masked tail ---- */

#define AVX512 __attribute__((target("avx512f")))

/* scalef rounds p 2^n once for any n, as the scalar two-step scaling does. */
AVX512 static inline __m512 exp_core_avx512(__m512 x)
{
    const __m512 magic = _mm512_set1_ps(ROUND_MAGIC);
    __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(LOG2E), magic), magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(E6), r, _mm512_set1_ps(E5));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(E4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(E3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(E2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

AVX512 static inline __m512 nan_fix_avx512(__m512 x, __m512 y)
{
    return _mm512_mask_add_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x, x);
}

AVX512 static inline __m512 exp_avx512_lanes(__m512 x)
{
    __m512 c = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(EXP_LO)), _mm512_set1_ps(EXP_HI));
    return nan_fix_avx512(x, exp_core_avx512(c));
}

AVX512 static inline __m512 sigmoid_avx512_lanes(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    __m512 v = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), sign));
    __m512 e = exp_core_avx512(_mm512_max_ps(v, _mm512_set1_ps(EXP_LO)));
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 num = _mm512_mask_blend_ps(neg, one, e);
    return nan_fix_avx512(x, _mm512_div_ps(num, _mm512_add_ps(one, e)));
}

AVX512 static inline __m512 tanh_avx512_lanes(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign, _mm512_castps_si512(x)));
    __m512 s = _mm512_mul_ps(a, a);
    __m512 q = _mm512_fmadd_ps(_mm512_set1_ps(T4), s, _mm512_set1_ps(T3));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(T2));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(T1));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(T0));
    __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(a, s), q, a);
    __m512 c = _mm512_min_ps(a, _mm512_set1_ps(TANH_BIG));
    __m512 e = exp_core_avx512(_mm512_mul_ps(_mm512_set1_ps(2.0f), c));
    __m512 big = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
    __mmask16 is_small = _mm512_cmp_ps_mask(a, _mm512_set1_ps(TANH_SMALL), _CMP_LT_OQ);
    __m512 y = _mm512_mask_blend_ps(is_small, big, small);
    __m512i yi = _mm512_ternarylogic_epi32(_mm512_castps_si512(y), _mm512_castps_si512(x), sign,
                                           0xf8); /* y | (x & sign) */
    return nan_fix_avx512(x, _mm512_castsi512_ps(yi));
}

#define AVX512_LOOP(name, lanes)                                         \
    AVX512 static void name(size_t n, const float *x, float *y)          \
    {                                                                    \
        size_t i = 0;                                                    \
        for (; i + 16 <= n; i += 16)                                     \
            _mm512_storeu_ps(y + i, lanes(_mm512_loadu_ps(x + i)));      \
        if (i < n) {                                                     \
            __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);           \
            __m512 v = lanes(_mm512_maskz_loadu_ps(mask, x + i));        \
            _mm512_mask_storeu_ps(y + i, mask, v);                       \
        }                                                                \
    }

AVX512_LOOP(exp_avx512, exp_avx512_lanes)
AVX512_LOOP(sigmoid_avx512, sigmoid_avx512_lanes)
AVX512_LOOP(tanh_avx512, tanh_avx512_lanes)

#endif /* VMATH_X86 */

/* ---- dispatch ---- */

/* SEQ_SIMD_AUTO until the first select; atomic so that threads racing on
 * the first call agree (relaxed: the level is the only shared state). */
static atomic_int current_level = SEQ_SIMD_AUTO;

static int cpu_supports(seq_simd level)
{
    switch (level) {
    case SEQ_SIMD_SCALAR: return 1;
#if VMATH_X86
    case SEQ_SIMD_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SEQ_SIMD_AVX512: return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

seq_simd seq_simd_detect(void)
{
    if (cpu_supports(SEQ_SIMD_AVX512))
        return SEQ_SIMD_AVX512;
    return cpu_supports(SEQ_SIMD_AVX2) ? SEQ_SIMD_AVX2 : SEQ_SIMD_SCALAR;
}

int seq_simd_select(seq_simd level)
{
    if (level == SEQ_SIMD_AUTO)
        level = seq_simd_detect();
    if (!cpu_supports(level))
        return -1;
    atomic_store_explicit(&current_level, (int)level, memory_order_relaxed);
    return 0;
}

seq_simd seq_simd_current(void)
{
    int level = atomic_load_explicit(&current_level, memory_order_relaxed);
    if (level == SEQ_SIMD_AUTO) {
        seq_simd_select(SEQ_SIMD_AUTO);
        level = atomic_load_explicit(&current_level, memory_order_relaxed);
    }
    return (seq_simd)level;
}

const char *seq_simd_name(seq_simd level)
{
    return seq_kind_name(seq_simd_words(), (int)level);
}

#if VMATH_X86
#define DISPATCH(fn, n, x, y)                                     \
    switch (seq_simd_current()) {                                 \
    case SEQ_SIMD_AVX512: fn##_avx512(n, x, y); break;            \
    case SEQ_SIMD_AVX2: fn##_avx2(n, x, y); break;                \
    default: fn##_scalar(n, x, y); break;                         \
    }
#else
#define DISPATCH(fn, n, x, y) fn##_scalar(n, x, y)
#endif

void seq_vexpf(size_t n, const float *x, float *y)
{
    DISPATCH(exp, n, x, y);
}

void seq_vsigmoidf(size_t n, const float *x, float *y)
{
    DISPATCH(sigmoid, n, x, y);
}

void seq_vtanhf(size_t n, const float *x, float *y)
{
    DISPATCH(tanh, n, x, y);
}
