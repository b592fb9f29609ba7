/* threads.c: per-GEMM OpenBLAS thread counts (see threads.h). */
#include "threads.h"

#include <cblas.h>

#include "pool.h"

/* Multiply-adds below which a GEMM stays on one thread. */
#define SINGLE_THREAD_BELOW (2L * 1024 * 1024)

static int configured = 1; /* for large GEMMs */
static int current = 0;    /* what OpenBLAS was last told; 0 = not yet */

void seq_threads_set(int n)
{
    configured = n > 0 ? n : 1;
    current = 0;
}

int seq_threads_get(void)
{
    return configured;
}

void seq_threads_for_gemm(long m, long n, long k)
{
    if (seq_pool_busy()) /* inside a row-parallel region: set to 1 on entry */
        return;
    int want = m * n * k < SINGLE_THREAD_BELOW ? 1 : configured;
    if (want != current) {
        openblas_set_num_threads(want);
        current = want;
    }
}
