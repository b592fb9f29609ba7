/* rng.c: xoshiro256** (Blackman & Vigna) seeded through splitmix64. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void seq_rng_seed(seq_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t seq_rng_next(seq_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void seq_rng_below_p(seq_rng *r, double p, size_t n, unsigned char *hit)
{
    /* uniform = (x >> 11) * 2^-53 exactly, so uniform < p iff (x >> 11) < p * 2^53 */
    double threshold = p * 0x1.0p53;
    seq_rng local = *r;
    for (size_t i = 0; i < n; i++)
        hit[i] = (double)(seq_rng_next(&local) >> 11) < threshold;
    *r = local;
}

double seq_rng_uniform(seq_rng *r)
{
    return (double)(seq_rng_next(r) >> 11) * 0x1.0p-53;
}

double seq_rng_normal(seq_rng *r)
{
    double u1 = 1.0 - seq_rng_uniform(r); /* (0, 1] */
    double u2 = seq_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

uint64_t seq_rng_below(seq_rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = seq_rng_next(r);
    while (x >= limit);
    return x % n;
}

void seq_rng_shuffle(seq_rng *r, uint32_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)seq_rng_below(r, i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
