/* gradcheck.c: analytic gradients against finite differences, in f64. */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A stateful model's states at the start of the checked batch: every
 * forward starts from them (a forward leaves the next batch's states). */
static real *initial_state;

/* The loss at the current parameters, with the same dropout draws and the
 * same carried states each time. */
static double loss_at(run *r, const seq_batch *in, const seq_rng *rng0)
{
    seq_rng rng = *rng0;
    memcpy(r->acts, initial_state, r->m->n_state * sizeof *r->acts);
    return r->m->forward(r->params, r->acts, in, 1, &rng);
}

/* d loss / d x by the fourth-order central difference with step H. */
static double numeric_grad(run *r, const seq_batch *in, const seq_rng *rng0, real *x, double h)
{
    real x0 = *x;
    double f[4];
    const double k[4] = {-2, -1, 1, 2};
    for (int i = 0; i < 4; i++) {
        *x = (real)(x0 + k[i] * h);
        f[i] = loss_at(r, in, rng0);
    }
    *x = x0;
    return (8 * (f[2] - f[1]) - (f[3] - f[0])) / (12 * h);
}

/* |a - n| relative to the larger of the two, or to FLOOR: entries far
 * smaller than their tensor's largest gradient are judged against that
 * scale, as finite differences cannot resolve them (the loss itself carries
 * rounding of ~1e-16 of its size). */
static double rel_error(double a, double n, double floor)
{
    double scale = fmax(fmax(fabs(a), fabs(n)), floor);
    return scale > 0 ? fabs(a - n) / scale : 0;
}

/* Entries this much smaller than their tensor's largest gradient are judged
 * against it (see rel_error). */
#define GRADCHECK_FLOOR 1e-4

/* The gradient check's parameter point: random values of unit scale, biases
 * included, so every path carries signal (Keras' starting point has zero
 * biases and tiny embeddings, whose gradients drown in rounding). */
static void gradcheck_params(run *r, seq_rng *rng)
{
    const seq_model_info *info = r->info;
    for (int i = 0; i < info->n_tensors; i++) {
        const seq_tensor_info *t = &info->tensors[i];
        int lookup = t->init == SEQ_INIT_UNIFORM || t->init == SEQ_INIT_NORMAL ||
                     t->init == SEQ_INIT_FILE; /* an embedding: pre-trained vectors */
        double limit = t->rank == 1 ? 0.5 : lookup ? 1 : sqrt(3.0 / t->shape[0]);
        for (size_t k = 0; k < t->size; k++)
            r->params[t->offset + k] = (real)(limit * (2 * seq_rng_uniform(rng) - 1));
    }
}

/* Finite differences tried in turn until one agrees: fourth-order central
 * differences with step h (relative to max(1, |x|)), or with Richardson
 * extrapolation from h and h/2 (sixth order), which allows a large step for
 * a tiny gradient drowned in rounding at small steps; then second-order
 * one-sided differences, for a point near a kink (a ReLU's zero, a max
 * pool's change of maximum): a large convolution has so many of them that
 * one is often within 1e-6 of the point on one side, never on both. A step
 * that crosses a kink or drowns in rounding gives a wrong difference; a
 * wrong analytic gradient agrees with none of them. */
enum fd_kind { CENTRAL, RICHARDSON, FORWARD, BACKWARD };
static const struct {
    double h;
    enum fd_kind kind;
} fd_steps[] = {{1e-4, CENTRAL},  {1e-3, CENTRAL}, {1e-2, RICHARDSON}, {3e-3, RICHARDSON},
                {1e-5, CENTRAL},  {1e-6, CENTRAL}, {1e-5, FORWARD},    {1e-5, BACKWARD},
                {1e-6, FORWARD}, {1e-6, BACKWARD}};

/* d loss / d x from the side SIGN (+1 right, -1 left), to second order:
 * (-3 f(x) + 4 f(x + sh) - f(x + 2sh)) / 2sh. */
static double one_sided_grad(run *r, const seq_batch *in, const seq_rng *rng0, real *x, double h,
                             int sign)
{
    real x0 = *x;
    double f[3];
    for (int i = 0; i < 3; i++) {
        *x = (real)(x0 + sign * i * h);
        f[i] = loss_at(r, in, rng0);
    }
    *x = x0;
    return (-3 * f[0] + 4 * f[1] - f[2]) / (2 * sign * h);
}

static double fd_estimate(run *r, const seq_batch *in, const seq_rng *rng0, real *x, int k)
{
    double h = fd_steps[k].h * fmax(1, fabs((double)*x));
    switch (fd_steps[k].kind) {
    case FORWARD: return one_sided_grad(r, in, rng0, x, h, 1);
    case BACKWARD: return one_sided_grad(r, in, rng0, x, h, -1);
    case RICHARDSON:
        return (16 * numeric_grad(r, in, rng0, x, h / 2) - numeric_grad(r, in, rng0, x, h)) / 15;
    case CENTRAL: break;
    }
    return numeric_grad(r, in, rng0, x, h);
}

/* Checks SAMPLES entries of every tensor on one batch whose last PADDING
 * rows are padding; returns the number of tensors over the tolerance. */
static int gradcheck_batch(run *r, const seq_options *o, int padding, seq_rng *pick)
{
    const seq_model_info *info = r->info;
    int B = info->batch, T = info->seq_len;
    /* ids from a small range so embedding rows collect several uses */
    int range = info->data.vocab_size < 50 ? info->data.vocab_size : 50;
    for (int i = 0; i < B * T && !info->n_features; i++)
        r->ids[i] = (int32_t)seq_rng_below(pick, (uint64_t)range);
    for (int i = 0; i < B * T * info->n_features; i++) /* a series: scaled values */
        r->inputs[i] = (float)seq_rng_normal(pick);
    int classes = info->n_outputs == 1 ? 2 : info->n_outputs;
    for (int i = 0; i < B * positions(r); i++)
        r->targets[i] = info->n_features ? (float)seq_rng_normal(pick)
                                         : (float)seq_rng_below(pick, (uint64_t)classes);
    for (int i = 0; i < B; i++) /* for masked layers; char-lm and series rows are full */
        r->lengths[i] = !seq_data_has(info, SEQ_DATA_CLASSES)
                            ? T : 1 + (int32_t)seq_rng_below(pick, (uint64_t)T);
    int char_range = info->data.char_vocab_size < 12 ? info->data.char_vocab_size : 12;
    for (size_t i = 0; r->char_ids && i < (size_t)B * T * info->word_len; i++)
        r->char_ids[i] = (int32_t)seq_rng_below(pick, (uint64_t)char_range);
    for (size_t i = 0; i < r->m->n_state; i++) /* carried states, as after an earlier batch */
        initial_state[i] = (real)(seq_rng_uniform(pick) - 0.5);
    seq_batch in = run_batch(r, B - padding);
    seq_rng rng0 = r->rng;
    double loss = loss_at(r, &in, &rng0);
    r->m->backward(r->params, r->grads, r->acts, &in);
    printf("batch of %d rows, %d of them padding: loss %.12f\n", B, padding, loss);

    int failures = 0;
    for (int ti = 0; ti < info->n_tensors; ti++) {
        const seq_tensor_info *t = &info->tensors[ti];
        /* an embedding table: the rows of the ids the batch draws from */
        int used = t->rank != 2 ? 0 : t->shape[0] == info->data.vocab_size ? range
                 : info->word_len && t->shape[0] == info->data.char_vocab_size ? char_range : 0;
        double worst = 0, worst_a = 0, worst_n = 0, largest = 0;
        size_t worst_i = 0;
        for (size_t i = 0; i < t->size; i++)
            largest = fmax(largest, fabs((double)r->grads[t->offset + i]));
        double floor = GRADCHECK_FLOOR * largest;
        for (int s = 0; s < o->samples; s++) {
            size_t i;
            if (s == 0)
                i = 0;
            else if (s == 1)
                i = t->size - 1;
            else if (used && s % 4 != 3) /* mostly rows the batch uses */
                i = (size_t)seq_rng_below(pick, (uint64_t)used) * (size_t)t->shape[1] +
                    seq_rng_below(pick, (uint64_t)t->shape[1]);
            else
                i = (size_t)seq_rng_below(pick, t->size);
            real *x = r->params + t->offset + i;
            double a = r->grads[t->offset + i], n = 0, rel = INFINITY;
            for (int k = 0; k < (int)(sizeof fd_steps / sizeof *fd_steps) && rel >= o->tolerance; k++) {
                double nk = fd_estimate(r, &in, &rng0, x, k);
                if (rel_error(a, nk, floor) < rel)
                    rel = rel_error(a, nk, floor), n = nk;
            }
            if (rel >= worst) {
                worst = rel;
                worst_a = a;
                worst_n = n;
                worst_i = i;
            }
        }
        int ok = worst < o->tolerance;
        failures += !ok;
        printf("  %-28s max rel error %.2e at [%zu] (analytic %+.9e, numeric %+.9e)%s\n",
               t->name, worst, worst_i, worst_a, worst_n, ok ? "" : "  FAIL");
    }
    return failures;
}

int cmd_gradcheck(run *r, const seq_options *o)
{
    const seq_model_info *info = r->info;
    seq_rng pick;
    seq_rng_seed(&pick, r->seed ^ 0x4752414443484bULL);
    gradcheck_params(r, &pick);
    initial_state = alloc_reals(r->m->n_state);
    printf("%s: gradient check in %s: %d entries of each tensor, central differences "
           "(one-sided beside a kink), relative error |a - n| / max(|a|, |n|, %g max|tensor's gradient|) "
           "below %.1e\n",
           info->name, SEQ_PRECISION, o->samples, GRADCHECK_FLOOR, o->tolerance);
    int failures = gradcheck_batch(r, o, 0, &pick);
    if (info->batch > 1)
        failures += gradcheck_batch(r, o, info->batch > 3 ? 3 : 1, &pick);
    free(initial_state);
    initial_state = NULL;
    if (failures) {
        printf("gradcheck FAILED: %d tensor(s) over %.1e\n", failures, o->tolerance);
        return SEQ_EXIT_CHECK;
    }
    printf("gradcheck passed\n");
    return SEQ_EXIT_OK;
}

