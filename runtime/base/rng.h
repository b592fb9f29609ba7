/* rng.h: the one random number generator (xoshiro256**, seeded by
 * splitmix64). Its whole state is four words, saved in checkpoints so a
 * resumed run draws the same numbers as an uninterrupted one. */
#ifndef SEQ_RNG_H
#define SEQ_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct seq_rng {
    uint64_t s[4];
} seq_rng;

void seq_rng_seed(seq_rng *r, uint64_t seed);
uint64_t seq_rng_next(seq_rng *r);
double seq_rng_uniform(seq_rng *r);            /* [0, 1) with 53 random bits */
double seq_rng_normal(seq_rng *r);             /* standard normal (Box-Muller) */
uint64_t seq_rng_below(seq_rng *r, uint64_t n); /* uniform in [0, n), unbiased */
void seq_rng_shuffle(seq_rng *r, uint32_t *a, size_t n); /* Fisher-Yates */
/* hit[i] = (seq_rng_uniform(r) < p) for i < n: the same draws, with the
 * state in registers (dropout's masks). */
void seq_rng_below_p(seq_rng *r, double p, size_t n, unsigned char *hit);

#endif
