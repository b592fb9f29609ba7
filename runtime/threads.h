/* threads.h: how many OpenBLAS threads each GEMM gets. Small GEMMs (the
 * per-step recurrence, batch-1 prediction) run on one thread, where waking
 * others costs more than it saves; large ones (all steps at once) on all. The
 * choice depends only on the shape and the configured count, so a run with
 * the same thread count does the same arithmetic in the same order. */
#ifndef SEQ_THREADS_H
#define SEQ_THREADS_H

/* Sets the thread count large GEMMs use (>= 1). */
void seq_threads_set(int n);
int seq_threads_get(void);

/* Called before a GEMM of m x n x k multiply-adds. */
void seq_threads_for_gemm(long m, long n, long k);

#endif
