/* pool.h: the runtime's own worker threads, for work OpenBLAS cannot split:
 * the rows of a recurrence. A batch's rows are independent, so each thread
 * runs all time steps of its block of rows with no synchronization between
 * steps. */
#ifndef SEQ_POOL_H
#define SEQ_POOL_H

#include <stddef.h>

/* Sets the number of threads (the caller counts as one); idempotent. */
void seq_pool_init(int threads);
int seq_pool_size(void);

/* Calls FN(CTX, part, n) for part = 0 .. n-1, part 0 on the calling thread,
 * and returns when all have returned. n = the pool's size. */
void seq_pool_run(void (*fn)(void *ctx, int part, int n), void *ctx);

/* Part PART of N of the range [0, COUNT): slices of whole 16-element lines
 * (64-byte lines of floats), the last one shorter, some empty at the end. */
void seq_pool_slice(size_t count, int part, int n, size_t *begin, size_t *end);

/* True on a pool thread, or on the caller while seq_pool_run runs. */
int seq_pool_busy(void);

#endif
