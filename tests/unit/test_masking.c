/* test_masking.c: what masking means, on the generated tiny_masked model
 * (tests/specs/tiny_masked.yaml): with post-padded ids, whatever stands past
 * an example's length changes nothing - not the loss, not a gradient - while
 * a real token does; and a length-0 row outputs what an all-padding row of
 * any content would. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seqrt.h"
#include "tiny_masked.h"

enum { B = TINY_MASKED_BATCH, T = TINY_MASKED_SEQ_LEN, V = 30 };

static double run(const double *p, double *a, double *g, const int32_t *ids, const int32_t *len,
                  const float *y)
{
    seq_batch in = {ids, len, y, B, NULL, NULL};
    double loss = tiny_masked_f64.forward(p, a, &in, 0, NULL);
    tiny_masked_f64.backward(p, g, a, &in);
    return loss;
}

int main(void)
{
    const seq_model_info *info = &tiny_masked_info;
    double *p = calloc(info->n_params, sizeof *p), *a = calloc(tiny_masked_f64.n_acts, sizeof *a);
    double *g = calloc(info->n_params, sizeof *g), *g2 = calloc(info->n_params, sizeof *g2);
    seq_rng rng;
    seq_rng_seed(&rng, 1);
    for (size_t i = 0; i < info->n_params; i++)
        p[i] = seq_rng_uniform(&rng) - 0.5;
    int32_t ids[B * T], ids2[B * T], len[B];
    float y[B];
    for (int b = 0; b < B; b++) {
        len[b] = b % (T + 1); /* 0 .. T, a row of length 0 too */
        y[b] = (float)(b % 2);
        for (int t = 0; t < T; t++)
            ids[b * T + t] = t < len[b] ? 2 + (int32_t)seq_rng_below(&rng, V - 2) : 0;
    }
    double loss = run(p, a, g, ids, len, y);

    /* junk past the lengths: the same bits */
    memcpy(ids2, ids, sizeof ids);
    for (int b = 0; b < B; b++)
        for (int t = len[b]; t < T; t++)
            ids2[b * T + t] = 1 + (int32_t)seq_rng_below(&rng, V - 1);
    double loss2 = run(p, a, g2, ids2, len, y);
    CHECK_MSG(loss == loss2, "loss %.17g vs %.17g", loss, loss2);
    CHECK(memcmp(g, g2, info->n_params * sizeof *g) == 0);

    /* a real token matters */
    memcpy(ids2, ids, sizeof ids);
    ids2[5 * T + 0] = ids2[5 * T + 0] == 2 ? 3 : 2; /* row 5 has length 5 */
    CHECK(run(p, a, g2, ids2, len, y) != loss);

    /* shortening a row changes it; lengthening it over padding ids changes it too */
    int32_t len2[B];
    memcpy(len2, len, sizeof len);
    len2[7] = 3;
    CHECK(run(p, a, g2, ids, len2, y) != loss);
    free(p), free(a), free(g), free(g2);
    return check_status("test_masking");
}
