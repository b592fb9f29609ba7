/* adam.c: Adam/AdamW, element by element in the build's precision with the
 * step's constants computed once in double. */
#include "adam.h"

#include <math.h>

#include "base/hot.h"
#include "kernels/pool.h"

#ifdef SEQ_REAL_DOUBLE
#define SQRT sqrt
#else
#define SQRT sqrtf
#endif

/* The sum of g^2 over N gradients, in double, in CHUNKS chunks of whole
 * 16-element lines that depend only on N; each chunk sums in LANES
 * accumulators (element i in lane i % LANES), then its lanes in order, then
 * the chunks in order. Threads take chunks: the same bits whatever their
 * number. */
enum { SQUARE_CHUNKS = 64, SQUARE_LANES = 8 };

typedef struct squares_job {
    size_t n, chunk;
    const real *g;
    double sums[SQUARE_CHUNKS];
} squares_job;

SEQ_HOT static double chunk_squares(size_t n, const real *restrict g)
{
    double lane[SQUARE_LANES] = {0}, sum = 0;
    size_t i = 0;
    for (; i + SQUARE_LANES <= n; i += SQUARE_LANES)
        for (int l = 0; l < SQUARE_LANES; l++)
            lane[l] += (double)g[i + l] * g[i + l];
    for (int l = 0; i < n; i++, l++)
        lane[l] += (double)g[i] * g[i];
    for (int l = 0; l < SQUARE_LANES; l++)
        sum += lane[l];
    return sum;
}

static void squares_part(void *ctx, int part, int n)
{
    squares_job *j = ctx;
    for (int c = SQUARE_CHUNKS * part / n; c < SQUARE_CHUNKS * (part + 1) / n; c++) {
        size_t begin = (size_t)c * j->chunk, end = begin + j->chunk;
        begin = begin < j->n ? begin : j->n, end = end < j->n ? end : j->n;
        j->sums[c] = chunk_squares(end - begin, j->g + begin);
    }
}

static double sum_squares(size_t n, const real *g)
{
    squares_job j = {n, ((n + SQUARE_CHUNKS - 1) / SQUARE_CHUNKS + 15) & ~(size_t)15, g, {0}};
    if (n >= 65536)
        seq_pool_run(squares_part, &j);
    else
        squares_part(&j, 0, 1);
    double sum = 0;
    for (int c = 0; c < SQUARE_CHUNKS; c++)
        sum += j.sums[c];
    return sum;
}

double seq_grad_norm(size_t n, const real *g)
{
    return sqrt(sum_squares(n, g));
}

typedef struct adam_job {
    const seq_optim_info *o;
    long t;
    size_t n;
    real *p, *m, *v;
    const real *g;
    double grad_scale;
} adam_job;

SEQ_HOT static void adam_range(const adam_job *j, size_t begin, size_t end)
{
    const seq_optim_info *o = j->o;
    long t = j->t;
    real *restrict p = j->p, *restrict m = j->m, *restrict v = j->v;
    const real *restrict g = j->g;
    double grad_scale = j->grad_scale;
    const real b1 = (real)o->beta1, b2 = (real)o->beta2;
    const real one_b1 = (real)(1 - o->beta1), one_b2 = (real)(1 - o->beta2);
    const real step = (real)(o->lr / (1 - pow(o->beta1, (double)t)));
    const real inv_sqrt_bc2 = (real)(1 / sqrt(1 - pow(o->beta2, (double)t)));
    const real eps = (real)o->eps, scale = (real)grad_scale;
    const int adamw = o->type == SEQ_OPTIM_ADAMW;
    const real decay = (real)(adamw ? 1 - o->lr * o->weight_decay : 1);
    const real l2 = (real)(adamw ? 0 : o->weight_decay);
    for (size_t i = begin; i < end; i++) {
        real gi = g[i] * scale + l2 * p[i];
        m[i] = b1 * m[i] + one_b1 * gi;
        v[i] = b2 * v[i] + one_b2 * gi * gi;
        p[i] = p[i] * decay - step * m[i] / (SQRT(v[i]) * inv_sqrt_bc2 + eps);
    }
}

/* Threads take slices of whole 16-element lines, the last one shorter; each
 * element's update is the same whatever the split. */
static void adam_part(void *ctx, int part, int n)
{
    const adam_job *j = ctx;
    size_t begin, end;
    seq_pool_slice(j->n, part, n, &begin, &end);
    if (begin < end)
        adam_range(j, begin, end);
}

void seq_adam_step(const seq_optim_info *o, long t, size_t n, real *p, const real *g, real *m,
                   real *v, double grad_scale)
{
    adam_job j = {o, t, n, p, m, v, g, grad_scale};
    if (n >= 65536)
        seq_pool_run(adam_part, &j);
    else
        adam_range(&j, 0, n);
}

/* The next run of adjacent trainable tensors from tensor *I on: its first
 * real in *BEGIN, its size returned (0: no more). */
static size_t trainable_run(const seq_model_info *info, int *i, size_t *begin)
{
    while (*i < info->n_tensors && info->tensors[*i].frozen)
        ++*i;
    if (*i == info->n_tensors)
        return 0;
    const seq_tensor_info *t = &info->tensors[*i];
    *begin = t->offset;
    size_t end = t->offset + t->size;
    for (++*i; *i < info->n_tensors && !info->tensors[*i].frozen &&
               info->tensors[*i].offset == end; ++*i)
        end += info->tensors[*i].size;
    return end - *begin;
}

static int any_frozen(const seq_model_info *info)
{
    for (int i = 0; i < info->n_tensors; i++)
        if (info->tensors[i].frozen)
            return 1;
    return 0;
}

double seq_trainable_grad_norm(const seq_model_info *info, const real *g)
{
    if (!any_frozen(info))
        return seq_grad_norm(info->n_params, g);
    double sum = 0;
    size_t begin, n;
    for (int i = 0; (n = trainable_run(info, &i, &begin)) > 0;)
        sum += sum_squares(n, g + begin);
    return sqrt(sum);
}

void seq_adam_update(const seq_model_info *info, long t, real *p, const real *g, real *m,
                     real *v, double grad_scale)
{
    if (!any_frozen(info)) {
        seq_adam_step(&info->optim, t, info->n_params, p, g, m, v, grad_scale);
        return;
    }
    size_t begin, n;
    for (int i = 0; (n = trainable_run(info, &i, &begin)) > 0;)
        seq_adam_step(&info->optim, t, n, p + begin, g + begin, m + begin, v + begin, grad_scale);
}
