/* pool.c: a fixed set of worker threads woken by a generation counter. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/util.h"
#include "fpmode.h"

enum { MAX_THREADS = 64 };

static int size = 1;
static pthread_t workers[MAX_THREADS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;
static unsigned long generation;
static int pending;
static void (*job)(void *ctx, int part, int n);
static void *job_ctx;
static unsigned job_fp_mode; /* the caller's floating-point mode, for the workers (fpmode.h) */
static atomic_int running; /* read by GEMM calls on any thread */

static void *worker(void *arg)
{
    int part = (int)(long)arg;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (generation == seen)
            pthread_cond_wait(&wake, &lock);
        seen = generation;
        void (*fn)(void *, int, int) = job;
        void *ctx = job_ctx;
        int n = size;
        unsigned mode = job_fp_mode;
        pthread_mutex_unlock(&lock);
        seq_fp_set_mode(mode);
        fn(ctx, part, n);
        pthread_mutex_lock(&lock);
        if (--pending == 0)
            pthread_cond_signal(&done);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

void seq_pool_init(int threads)
{
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    for (; size < threads; size++) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&workers[size], &attr, worker, (void *)(long)size) != 0)
            seq_die("cannot start a worker thread");
        pthread_attr_destroy(&attr);
    }
}

int seq_pool_size(void)
{
    return size;
}

void seq_pool_slice(size_t count, int part, int n, size_t *begin, size_t *end)
{
    size_t per = ((count + (size_t)n - 1) / (size_t)n + 15) & ~(size_t)15;
    *begin = per * (size_t)part < count ? per * (size_t)part : count;
    *end = *begin + per < count ? *begin + per : count;
}

int seq_pool_busy(void)
{
    return running;
}

void seq_pool_run(void (*fn)(void *ctx, int part, int n), void *ctx)
{
    if (size == 1 || running) {
        for (int part = 0; part < size; part++)
            fn(ctx, part, size);
        return;
    }
    pthread_mutex_lock(&lock);
    job = fn;
    job_ctx = ctx;
    job_fp_mode = seq_fp_mode();
    pending = size - 1;
    running = 1;
    generation++;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    fn(ctx, 0, size);
    pthread_mutex_lock(&lock);
    while (pending > 0)
        pthread_cond_wait(&done, &lock);
    running = 0;
    pthread_mutex_unlock(&lock);
}
