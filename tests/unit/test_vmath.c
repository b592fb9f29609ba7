/* test_vmath.c: vector paths bit-identical to the scalar reference; the
 * reference within its stated ulp bounds of double libm; level selection. */
#include "check.h"
#include "base/util.h"
#include "kernels/vmath.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NFUNC 3
#define CHUNK 4096
#define SWEEP_STRIDE 251 /* odd: the sweep visits every residue of the low bits */

typedef void (*vec_fn)(size_t, const float *, float *);
typedef float (*ref_fn)(float);

static const char *const func_name[NFUNC] = {"exp", "sigmoid", "tanh"};
static const vec_fn vec_func[NFUNC] = {seq_vexpf, seq_vsigmoidf, seq_vtanhf};
static const ref_fn ref_func[NFUNC] = {seq_expf_ref, seq_sigmoidf_ref, seq_tanhf_ref};
/* The bounds stated in vmath.c, in ulp of the correctly rounded result. */
static const int64_t max_ulp[NFUNC] = {1, 2, 2};

static double sigmoid_double(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static double (*const double_func[NFUNC])(double) = {exp, sigmoid_double, tanh};

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

/* Position of F on the line of floats, so that neighbours differ by 1. */
static int64_t float_rank(float f)
{
    uint32_t u = float_bits(f);
    return u < 0x80000000u ? (int64_t)u : (int64_t)0x80000000u - (int64_t)u;
}

static int64_t ulp_distance(float a, float b)
{
    int64_t d = float_rank(a) - float_rank(b);
    return d < 0 ? -d : d;
}

static uint32_t lcg_next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static int nlevels;
static seq_simd levels[4]; /* the vector levels this CPU supports */

/* Runs function F at LEVEL on x[0..n) and checks every output's bits
 * against the reference; returns the number of mismatches. */
static long compare_level(int f, seq_simd level, const float *x, const float *ref, size_t n,
                          float *y)
{
    long bad = 0;
    CHECK(seq_simd_select(level) == 0);
    vec_func[f](n, x, y);
    for (size_t i = 0; i < n; i++) {
        if (float_bits(y[i]) == float_bits(ref[i]))
            continue;
        if (bad++ == 0)
            fprintf(stderr, "%s %s: x = %a (0x%08x): got %a, reference %a\n", func_name[f],
                    seq_simd_name(level), x[i], float_bits(x[i]), y[i], ref[i]);
    }
    return bad;
}

/* Every SWEEP_STRIDE-th bit pattern over the whole float range: vectors
 * equal to the reference, reference within max_ulp of double libm. */
static void test_sweep(void)
{
    float *x = seq_xmalloc(CHUNK * sizeof *x);
    float *ref = seq_xmalloc(CHUNK * sizeof *ref);
    float *y = seq_xmalloc(CHUNK * sizeof *y);
    long mismatches[NFUNC] = {0}, over_bound[NFUNC] = {0};
    int64_t worst[NFUNC] = {0};
    float worst_x[NFUNC] = {0};
    for (uint64_t b = 0; b < 0x100000000ull;) {
        size_t n = 0;
        for (; n < CHUNK && b < 0x100000000ull; b += SWEEP_STRIDE)
            x[n++] = bits_float((uint32_t)b);
        for (int f = 0; f < NFUNC; f++) {
            for (size_t i = 0; i < n; i++) {
                ref[i] = ref_func[f](x[i]);
                if (isnan(x[i])) {
                    if (!isnan(ref[i]))
                        over_bound[f]++;
                    continue;
                }
                int64_t d = ulp_distance(ref[i], (float)double_func[f](x[i]));
                if (d > worst[f]) {
                    worst[f] = d;
                    worst_x[f] = x[i];
                }
                over_bound[f] += d > max_ulp[f];
            }
            for (int l = 0; l < nlevels; l++)
                mismatches[f] += compare_level(f, levels[l], x, ref, n, y);
        }
    }
    for (int f = 0; f < NFUNC; f++) {
        CHECK_MSG(mismatches[f] == 0, "%s: %ld vector results differ from the reference",
                  func_name[f], mismatches[f]);
        CHECK_MSG(over_bound[f] == 0, "%s: %ld results beyond %lld ulp (worst %lld at x = %a)",
                  func_name[f], over_bound[f], (long long)max_ulp[f], (long long)worst[f],
                  worst_x[f]);
    }
    free(x);
    free(ref);
    free(y);
}

/* Edge inputs and their neighbours: all levels agree bit for bit. */
static const uint32_t special_bits[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, /* +-0, +-inf */
    0x7fc00000, 0xffc00000, 0x7f800001, 0x7fc12345, /* NaNs, signalling, payload */
    0x00000001, 0x80000001, 0x007fffff, 0x807fffff, /* subnormals */
    0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, /* +-FLT_MIN, +-FLT_MAX */
    0x42b17217, 0x42b17218,                         /* last finite exp, first inf */
};
static const float special_near[] = {
    88.37626f,  /* n = 127 -> 128 */
    -87.33655f, /* exp result goes subnormal */
    -103.2789f, /* exp = smallest subnormal */
    -103.9721f, /* exp underflows to 0 */
    -110.0f, 89.0f, 0.5625f, -0.5625f, 9.5f, -9.5f, 9.01f, 0.3465736f, -0.3465736f,
    1.0f, -1.0f, 100.0f, -100.0f, 20.0f, -20.0f, 0x1p-12f, -0x1p-12f,
};

static size_t special_values(float *out)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof special_bits / sizeof *special_bits; i++)
        out[n++] = bits_float(special_bits[i]);
    for (size_t i = 0; i < sizeof special_near / sizeof *special_near; i++) {
        uint32_t u = float_bits(special_near[i]);
        for (uint32_t k = 0; k <= 4; k++)
            out[n++] = bits_float(u + k - 2);
    }
    return n;
}

static int is_neg_zero(float v)
{
    return v == 0.0f && signbit(v);
}

static void test_special(void)
{
    float x[256], ref[256], y[256];
    size_t n = special_values(x);
    for (int f = 0; f < NFUNC; f++) {
        for (size_t i = 0; i < n; i++)
            ref[i] = ref_func[f](x[i]);
        for (int l = 0; l < nlevels; l++)
            CHECK_MSG(compare_level(f, levels[l], x, ref, n, y) == 0, "%s special values",
                      func_name[f]);
    }
    float nan = bits_float(0x7fc00000), inf = INFINITY;
    float exp_last = bits_float(0x42b17217), exp_first_inf = bits_float(0x42b17218);
    CHECK(seq_expf_ref(0.0f) == 1.0f && seq_expf_ref(-0.0f) == 1.0f);
    CHECK(seq_expf_ref(inf) == inf);
    CHECK(seq_expf_ref(-inf) == 0.0f && !signbit(seq_expf_ref(-inf)));
    CHECK(isnan(seq_expf_ref(nan)));
    CHECK(seq_expf_ref(exp_last) <= FLT_MAX && seq_expf_ref(exp_last) > 3.4e38f);
    CHECK(seq_expf_ref(exp_first_inf) == inf);
    CHECK(seq_expf_ref(-103.2789f) == bits_float(1)); /* smallest subnormal */
    CHECK(seq_expf_ref(-104.0f) == 0.0f);
    CHECK(seq_expf_ref(1.0f) == (float)exp(1.0));
    CHECK(seq_sigmoidf_ref(0.0f) == 0.5f && seq_sigmoidf_ref(-0.0f) == 0.5f);
    CHECK(seq_sigmoidf_ref(inf) == 1.0f && seq_sigmoidf_ref(100.0f) == 1.0f);
    CHECK(seq_sigmoidf_ref(-inf) == 0.0f);
    float s100 = seq_sigmoidf_ref(-100.0f);
    CHECK(s100 > 0.0f && s100 < 1e-43f);
    CHECK(isnan(seq_sigmoidf_ref(nan)));
    CHECK(seq_tanhf_ref(0.0f) == 0.0f && !signbit(seq_tanhf_ref(0.0f)));
    CHECK(is_neg_zero(seq_tanhf_ref(-0.0f)));
    CHECK(seq_tanhf_ref(inf) == 1.0f && seq_tanhf_ref(-inf) == -1.0f);
    CHECK(seq_tanhf_ref(20.0f) == 1.0f && seq_tanhf_ref(-9.5f) == -1.0f);
    CHECK(seq_tanhf_ref(bits_float(0x80000001)) == bits_float(0x80000001));
    CHECK(isnan(seq_tanhf_ref(nan)));
    /* through the vector paths too: -0 keeps its sign, NaN stays NaN */
    for (int l = 0; l < nlevels; l++) {
        float in[3] = {-0.0f, nan, -inf}, out[3];
        CHECK(seq_simd_select(levels[l]) == 0);
        seq_vtanhf(3, in, out);
        CHECK(is_neg_zero(out[0]) && isnan(out[1]) && out[2] == -1.0f);
        seq_vsigmoidf(3, in, out);
        CHECK(out[0] == 0.5f && isnan(out[1]) && out[2] == 0.0f);
        seq_vexpf(3, in, out);
        CHECK(out[0] == 1.0f && isnan(out[1]) && out[2] == 0.0f);
    }
}

/* Every length 0..70 at a few misalignments, out of place and in place:
 * the first n outputs match the reference and nothing past them is written. */
static void test_lengths(void)
{
    enum { MAXN = 70, PAD = 32, LEN = MAXN + 2 * PAD };
    const float sentinel = -1234.5f;
    float x[LEN], ref[LEN], y[LEN], special[256];
    uint32_t seed = 12345;
    size_t nspecial = special_values(special);
    for (size_t i = 0; i < LEN; i++) { /* a quarter special, the rest in [-30, 30] */
        if (lcg_next(&seed) >> 30 == 0)
            x[i] = special[lcg_next(&seed) % nspecial];
        else
            x[i] = ((float)(lcg_next(&seed) >> 8) * 0x1p-24f - 0.5f) * 60.0f;
    }
    for (int f = 0; f < NFUNC; f++) {
        for (size_t i = 0; i < LEN; i++)
            ref[i] = ref_func[f](x[i]);
        for (int l = 0; l < nlevels; l++) {
            CHECK(seq_simd_select(levels[l]) == 0);
            long bad = 0;
            for (size_t n = 0; n <= MAXN; n++) {
                for (size_t off = 1; off <= 3; off++) {
                    for (size_t i = 0; i < LEN; i++)
                        y[i] = sentinel;
                    vec_func[f](n, x + off, y + off);
                    for (size_t i = 0; i < LEN; i++) {
                        int inside = i >= off && i < off + n;
                        float want = inside ? ref[i] : sentinel;
                        bad += float_bits(y[i]) != float_bits(want);
                    }
                    memcpy(y, x, sizeof y);
                    vec_func[f](n, y + off, y + off);
                    for (size_t i = 0; i < LEN; i++) {
                        int inside = i >= off && i < off + n;
                        bad += float_bits(y[i]) != float_bits(inside ? ref[i] : x[i]);
                    }
                }
            }
            CHECK_MSG(bad == 0, "%s %s: %ld wrong outputs over lengths 0..%d", func_name[f],
                      seq_simd_name(levels[l]), bad, MAXN);
        }
    }
}

static void test_select(void)
{
    seq_simd best = seq_simd_detect();
    CHECK(best >= SEQ_SIMD_SCALAR && best <= SEQ_SIMD_AVX512);
    for (int l = SEQ_SIMD_SCALAR; l <= SEQ_SIMD_AVX512; l++) {
        int want = l <= (int)best ? 0 : -1;
        CHECK_MSG(seq_simd_select((seq_simd)l) == want, "select %s", seq_simd_name((seq_simd)l));
        if (want == 0)
            CHECK(seq_simd_current() == (seq_simd)l);
    }
    CHECK(seq_simd_select(SEQ_SIMD_SCALAR) == 0);
    CHECK(seq_simd_select((seq_simd)42) == -1);
    CHECK(seq_simd_select((seq_simd)-1) == -1);
    CHECK(seq_simd_current() == SEQ_SIMD_SCALAR); /* a refused select changes nothing */
    CHECK(seq_simd_select(SEQ_SIMD_AUTO) == 0);
    CHECK(seq_simd_current() == best);
    CHECK_STR(seq_simd_name(SEQ_SIMD_AUTO), "auto");
    CHECK_STR(seq_simd_name(SEQ_SIMD_SCALAR), "scalar");
    CHECK_STR(seq_simd_name(SEQ_SIMD_AVX2), "avx2");
    CHECK_STR(seq_simd_name(SEQ_SIMD_AVX512), "avx512");
    CHECK_STR(seq_simd_name((seq_simd)42), "unknown");
}

/* For information only: ns per element on 4096 floats in [-8, 8]. */
static void print_timing(void)
{
    enum { N = 4096 };
    static float x[N], y[N];
    uint32_t seed = 7;
    for (size_t i = 0; i < N; i++)
        x[i] = ((float)(lcg_next(&seed) >> 8) * 0x1p-24f - 0.5f) * 16.0f;
    printf("test_vmath: ns/element, n = %d:", N);
    for (int f = 0; f < NFUNC; f++) {
        printf(" %s", func_name[f]);
        for (int l = SEQ_SIMD_SCALAR; l <= (int)seq_simd_detect(); l++) {
            seq_simd_select((seq_simd)l);
            int reps = l == SEQ_SIMD_SCALAR ? 3 : 50;
            double best = 1e30;
            for (int trial = 0; trial < 5; trial++) {
                double t0 = seq_now();
                for (int r = 0; r < reps; r++)
                    vec_func[f](N, x, y);
                double t = (seq_now() - t0) / reps / N * 1e9;
                best = t < best ? t : best;
            }
            printf(" %s %.3f", seq_simd_name((seq_simd)l), best);
        }
        fputs(f + 1 < NFUNC ? ";" : "\n", stdout);
    }
}

int main(void)
{
    /* before any select: the first use picks the best level */
    CHECK(seq_simd_current() == seq_simd_detect());
    for (int l = SEQ_SIMD_SCALAR; l <= (int)seq_simd_detect(); l++)
        levels[nlevels++] = (seq_simd)l;
    test_select();
    test_special();
    test_lengths();
    test_sweep();
    print_timing();
    seq_simd_select(SEQ_SIMD_AUTO);
    return check_status("test_vmath");
}
