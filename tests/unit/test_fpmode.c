/* test_fpmode.c: flushing denormals (fpmode.h) on the calling thread and on
 * the pool's workers, and giving the previous mode back. */
#include <float.h>

#include "check.h"
#include "kernels/fpmode.h"
#include "kernels/pool.h"

/* A product whose exact value is a denormal: 0 when flushed. */
static float tiny_product(void)
{
    volatile float a = FLT_MIN, b = 0.25f;
    return a * b;
}

/* A denormal input: read as 0 when flushed (DAZ), so x + 0 == 0. */
static float denormal_sum(void)
{
    volatile float d = FLT_MIN / 4, zero = 0;
    return d + zero;
}

static float results[4][2];

static void each_part(void *ctx, int part, int n)
{
    (void)ctx, (void)n;
    results[part][0] = tiny_product();
    results[part][1] = denormal_sum();
}

int main(void)
{
#if defined(__x86_64__) || defined(__SSE2__)
    seq_pool_init(3);
    CHECK(tiny_product() == FLT_MIN / 4);
    CHECK(denormal_sum() == FLT_MIN / 4);
    unsigned before = seq_fp_mode();
    unsigned saved = seq_fp_flush_denormals();
    CHECK(saved == before);
    CHECK(tiny_product() == 0);
    CHECK(denormal_sum() == 0);
    seq_pool_run(each_part, NULL);
    for (int part = 0; part < seq_pool_size(); part++)
        CHECK_MSG(results[part][0] == 0 && results[part][1] == 0, "worker %d kept denormals",
                  part);
    seq_fp_set_mode(saved);
    CHECK(seq_fp_mode() == before);
    CHECK(tiny_product() == FLT_MIN / 4);
    seq_pool_run(each_part, NULL); /* and the workers follow the caller back */
    for (int part = 0; part < seq_pool_size(); part++)
        CHECK_MSG(results[part][0] == FLT_MIN / 4 && results[part][1] == FLT_MIN / 4,
                  "worker %d still flushes", part);
    return check_status("test_fpmode");
#else
    printf("test_fpmode: no SSE control word here; skipped\n");
    return 77;
#endif
}
