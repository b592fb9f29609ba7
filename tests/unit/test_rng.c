/* test_rng.c: the generator is the reference xoshiro256** and its helpers
 * keep their contracts (range, unbiased bound, shuffle is a permutation). */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "base/rng.h"

int main(void)
{
    /* Reference values of xoshiro256** from the state {1, 2, 3, 4}. */
    seq_rng r = {{1, 2, 3, 4}};
    const uint64_t expect[4] = {11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL};
    for (int i = 0; i < 4; i++)
        CHECK(seq_rng_next(&r) == expect[i]);

    /* Seeding is deterministic and seeds differ. */
    seq_rng a, b, c;
    seq_rng_seed(&a, 42);
    seq_rng_seed(&b, 42);
    seq_rng_seed(&c, 43);
    uint64_t xa = seq_rng_next(&a);
    CHECK(xa == seq_rng_next(&b));
    CHECK(xa != seq_rng_next(&c));

    /* uniform in [0, 1), mean near 1/2; normal has mean 0, variance 1. */
    double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = seq_rng_uniform(&a);
        CHECK(u >= 0 && u < 1);
        sum += u;
        sum2 += u * u;
        double z = seq_rng_normal(&a);
        nsum += z;
        nsum2 += z * z;
    }
    CHECK_NEAR(sum / n, 0.5, 0.005);
    CHECK_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
    CHECK_NEAR(nsum / n, 0, 0.01);
    CHECK_NEAR(nsum2 / n, 1, 0.02);

    /* below(n) stays in range and hits every value. */
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t x = seq_rng_below(&a, 7);
        CHECK(x < 7);
        if (x < 7)
            seen[x]++;
    }
    for (int i = 0; i < 7; i++)
        CHECK_MSG(seen[i] > 800 && seen[i] < 1200, "value %d drawn %d times of 7000", i, seen[i]);
    CHECK(seq_rng_below(&a, 1) == 0);

    /* shuffle is a permutation, and a deterministic one. */
    uint32_t p[100], q[100];
    for (uint32_t i = 0; i < 100; i++)
        p[i] = q[i] = i;
    seq_rng_seed(&b, 9);
    seq_rng_seed(&c, 9);
    seq_rng_shuffle(&b, p, 100);
    seq_rng_shuffle(&c, q, 100);
    int moved = 0, count[100] = {0};
    for (int i = 0; i < 100; i++) {
        CHECK(p[i] == q[i]);
        moved += p[i] != (uint32_t)i;
        count[p[i]]++;
    }
    for (int i = 0; i < 100; i++)
        CHECK(count[i] == 1);
    CHECK(moved > 80);
    return check_status("test_rng");
}
