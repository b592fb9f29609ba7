/* peak_flops.c: the fp32 FLOP/s one core reaches with fused multiply-adds.
 *
 * A register-blocked loop of independent FMAs on ACC accumulators (enough to
 * cover the FMA latency times the FMA units; no memory traffic), once with
 * AVX2/FMA 256-bit vectors and, when the CPU has AVX-512F, once with 512-bit
 * vectors; each kernel is compiled for its own instruction set with target
 * attributes and chosen at run time, so the program builds with plain -O2.
 * It runs on the calling thread only: the figure is one core's.
 *
 *     cc -O2 bench/peak_flops.c -o peak_flops && ./peak_flops [SECONDS]
 *
 * prints one JSON line: {"avx2_fma_gflops": G, "avx512_gflops": G or null,
 * "peak_gflops": the larger, ...}. Each kernel runs for about SECONDS (0.3
 * by default) in rounds of a few milliseconds; the fastest round counts,
 * since noise on a shared machine only ever slows a round down. Exit status
 * 0, or 1 without AVX2 and FMA (then nothing is printed but the reason).
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ACC 12            /* accumulators: FMA latency 4 x 2 units = 8 in flight, and spare */
#define ROUND_ITERS 20000 /* iterations of the ACC FMAs per timed round */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Keeps the sum alive so that the loop is not optimized away. */
static volatile float sink;

/* FMA(a, b) applied to each of the ACC accumulators c0..c11, spelled out so
 * that they stay in registers (a loop over an array may not be unrolled). */
#define FMA12(fma, a, b)                                                        \
    do {                                                                       \
        c0 = fma(c0, a, b), c1 = fma(c1, a, b), c2 = fma(c2, a, b);            \
        c3 = fma(c3, a, b), c4 = fma(c4, a, b), c5 = fma(c5, a, b);            \
        c6 = fma(c6, a, b), c7 = fma(c7, a, b), c8 = fma(c8, a, b);            \
        c9 = fma(c9, a, b), c10 = fma(c10, a, b), c11 = fma(c11, a, b);        \
    } while (0)

#define ROUND_BODY(vec, set1, fma, add)                                        \
    const vec a = set1(0.999999f), b = set1(1e-7f);                            \
    vec c0 = set1(0), c1 = set1(1), c2 = set1(2), c3 = set1(3), c4 = set1(4),  \
        c5 = set1(5), c6 = set1(6), c7 = set1(7), c8 = set1(8), c9 = set1(9),  \
        c10 = set1(10), c11 = set1(11);                                        \
    for (long i = 0; i < iters; i++)                                           \
        FMA12(fma, a, b);                                                      \
    vec s = add(add(add(c0, c1), add(c2, c3)), add(add(c4, c5), add(c6, c7))); \
    s = add(s, add(add(c8, c9), add(c10, c11)))

__attribute__((target("avx2,fma"))) static void round_avx2(long iters)
{
    ROUND_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps);
    float out[8];
    _mm256_storeu_ps(out, s);
    sink = out[0] + out[7];
}

__attribute__((target("avx512f"))) static void round_avx512(long iters)
{
    ROUND_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps);
    sink = _mm512_reduce_add_ps(s);
}

/* GFLOP/s of the fastest round of ROUND over about SECONDS; LANES floats a vector. */
static double measure(void (*round)(long), int lanes, double seconds)
{
    round(ROUND_ITERS); /* warm up: the clock ramps, the wide units wake */
    double best = 1e30, start = now();
    do {
        double t0 = now();
        round(ROUND_ITERS);
        double t = now() - t0;
        if (t < best)
            best = t;
    } while (now() - start < seconds);
    double flops = 2.0 * lanes * ACC * (double)ROUND_ITERS; /* an FMA is 2 FLOPs a lane */
    return flops / best / 1e9;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 0.3;
    if (!(seconds > 0 && seconds < 60)) {
        fprintf(stderr, "usage: peak_flops [SECONDS]  (0 < SECONDS < 60, default 0.3)\n");
        return 2;
    }
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "peak_flops: this CPU has no AVX2 and FMA\n");
        return 1;
    }
    double avx2 = measure(round_avx2, 8, seconds);
    int has512 = __builtin_cpu_supports("avx512f");
    double avx512 = has512 ? measure(round_avx512, 16, seconds) : 0;
    double peak = avx512 > avx2 ? avx512 : avx2;
    printf("{\"avx2_fma_gflops\": %.2f, \"avx512_gflops\": ", avx2);
    if (has512)
        printf("%.2f", avx512);
    else
        printf("null");
    printf(", \"peak_gflops\": %.2f, \"accumulators\": %d, \"seconds_each\": %g}\n", peak, ACC,
           seconds);
    return 0;
}
