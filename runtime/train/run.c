/* run.c: a run's arenas and batch, its classes, evaluation and one
 * training step: what every command of the model binary uses. */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "dist/dist.h"
#include "adam.h"

void run_init(run *r, const seq_model *m, const seq_options *o)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->info = m->info;
    size_t n = r->info->n_params;
    r->params = alloc_reals(n);
    r->grads = alloc_reals(n);
    r->adam_m = alloc_reals(n);
    r->adam_v = alloc_reals(n);
    r->acts = alloc_reals(m->n_acts);
    r->ids = seq_xcalloc((size_t)r->info->batch * r->info->seq_len, sizeof *r->ids);
    r->lengths = seq_xcalloc((size_t)r->info->batch, sizeof *r->lengths);
    /* a class per example, or a next character per step */
    r->targets = seq_xcalloc((size_t)r->info->batch * (size_t)positions(r), sizeof *r->targets);
    if (r->info->n_features)
        r->inputs = seq_xcalloc((size_t)r->info->batch * (size_t)r->info->seq_len *
                                (size_t)r->info->n_features, sizeof *r->inputs);
    if (r->info->word_len)
        r->char_ids = seq_xcalloc((size_t)r->info->batch * r->info->seq_len * r->info->word_len,
                                  sizeof *r->char_ids);
    r->seed = o->seed >= 0 ? (uint64_t)o->seed : r->info->seed;
    seq_rng_seed(&r->rng, r->seed ^ SEQ_TRAIN_STREAM);
    r->best_val = -INFINITY;
    const char *nonfinite = getenv("SEQCC_TEST_NONFINITE");
    if (!nonfinite || sscanf(nonfinite, "%7s %ld", r->test_nonfinite, &r->test_nonfinite_step) != 2)
        r->test_nonfinite_step = -1;
}

void run_free(run *r)
{
    free(r->params);
    free(r->grads);
    free(r->adam_m);
    free(r->adam_v);
    free(r->acts);
    free(r->ids);
    free(r->lengths);
    free(r->targets);
    free(r->inputs);
    free(r->char_ids);
    if (r->vocab)
        seq_vocab_free(r->vocab);
    free(r->chars);
    seq_buf_free(&r->classes);
}

double run_val_score(const run *r, score v)
{
    return seq_data_has(r->info, SEQ_DATA_CLASSES) ? v.accuracy : -v.loss;
}

int run_fill(run *r, const seq_examples *ex, const uint32_t *order, size_t first)
{
    int B = r->info->batch;
    if (r->char_ids)
        seq_batch_chars(ex, order, first, B, r->char_ids);
    return seq_batch_fill(ex, order, first, B, r->ids, r->lengths, r->targets, r->inputs);
}

seq_batch run_batch(const run *r, int n_valid)
{
    seq_batch in = {r->ids, r->lengths, r->targets, n_valid, r->inputs, r->char_ids};
    return in;
}

const char *print_score(const run *r, score s, const char *sep, char *buf, size_t n)
{
    if (r->info->n_features)
        snprintf(buf, n, "loss %.4f%srmse %.4f (naive forecast %.4f)", s.loss, sep, s.rmse,
                 s.baseline_rmse);
    else
        snprintf(buf, n, "loss %.4f%saccuracy %.4f", s.loss, sep, s.accuracy);
    return buf;
}

int positions(const run *r)
{
    return seq_data_has(r->info, SEQ_DATA_STREAM) ? r->info->seq_len : 1;
}

void reset_state(run *r)
{
    memset(r->acts, 0, r->m->n_state * sizeof *r->acts);
}

/* The I-th class name (0-based) of "a\nb\nc". */
const char *class_name(const run *r, int i, char *buf, size_t n)
{
    const char *s = r->classes.data ? r->classes.data : "";
    for (; i > 0 && (s = strchr(s, '\n')); i--)
        s++;
    size_t len = s ? strcspn(s, "\n") : 0;
    snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), s ? s : "");
    return buf;
}

int run_class_list(const run *r, char **text, char ***names)
{
    *text = seq_xstrdup(r->classes.data ? r->classes.data : "");
    int n = 1;
    for (const char *c = *text; *c; c++)
        n += *c == '\n';
    *names = seq_xmalloc((size_t)n * sizeof **names);
    char *at = *text;
    for (int i = 0; i < n; i++) {
        (*names)[i] = at;
        at += strcspn(at, "\n");
        if (*at)
            *at++ = '\0';
    }
    return n;
}

/* The SHA-256 of every split's examples as loaded (ids, lengths, inputs,
 * targets, each position's word row), in hex. */
static void examples_digest(const seq_data *d, char hex[65])
{
    seq_sha256 s;
    seq_sha256_init(&s);
    for (int i = 0; i < SEQ_N_SPLITS; i++) {
        const seq_examples *e = &d->split[i];
        size_t rows = e->n * (size_t)e->seq_len;
        seq_sha256_update(&s, &e->n, sizeof e->n);
        if (e->ids)
            seq_sha256_update(&s, e->ids, rows * sizeof *e->ids);
        if (e->lengths)
            seq_sha256_update(&s, e->lengths, e->n * sizeof *e->lengths);
        if (e->inputs)
            seq_sha256_update(&s, e->inputs, rows * (size_t)e->n_features * sizeof *e->inputs);
        if (e->targets)
            seq_sha256_update(&s, e->targets, e->n * (size_t)e->target_width * sizeof *e->targets);
        if (e->words)
            seq_sha256_update(&s, e->words, rows * sizeof *e->words);
    }
    seq_sha256_final_hex(&s, hex);
}

int run_data_load(run *r, const char *root, long limit, unsigned want, seq_data *out,
                  seq_err *err)
{
    char *text = NULL, **names = NULL;
    int n = r->classes.len && seq_data_has(r->info, SEQ_DATA_CLASSES)
            ? run_class_list(r, &text, &names) : 0;
    int rc = seq_data_load(r->info, root, limit, want, r->vocab, r->chars, r->n_chars, names, n,
                           out, err);
    free(names);
    free(text);
    if (rc == 0 && seq_dist_ranks() > 1) { /* ranks on other data would train apart, silently */
        char digest[65];
        examples_digest(out, digest);
        int other = seq_dist_differs(digest, sizeof digest);
        if (other >= 0)
            rc = seq_fail(err, "rank %d of the job read other examples from %s than rank 0: "
                          "every rank must read the same data (the same files on every "
                          "machine)", other, root);
    }
    return rc;
}

/* The model must output what the data's classes need. A char-lm's
 * characters are its classes; a char_cnn model keeps its characters too. */
int take_classes(run *r, const seq_data *d, const char *root, seq_err *err)
{
    if (r->info->n_features) {
        if (!r->scale.n_features) /* none from a checkpoint */
            r->scale = d->scale;
        return 0;
    }
    if ((seq_data_has(r->info, SEQ_DATA_STREAM) || r->info->word_len) && !r->chars) {
        r->n_chars = d->n_chars;
        r->chars = seq_xmalloc((size_t)(d->n_chars ? d->n_chars : 1) * sizeof *r->chars);
        memcpy(r->chars, d->chars, (size_t)d->n_chars * sizeof *r->chars);
    }
    if (seq_data_has(r->info, SEQ_DATA_STREAM))
        return 0;
    int want = r->info->loss == SEQ_LOSS_BCE ? 2 : r->info->n_outputs;
    if (d->n_classes != want) {
        seq_buf where = {0}; /* a CSV's: each class and its first line */
        for (int c = 0; d->class_lines && c < d->n_classes && c < 10; c++)
            seq_buf_printf(&where, "%s%.40s from line %zu", c ? ", " : " (", d->class_names[c],
                           d->class_lines[c]);
        if (where.data && d->n_classes > 10)
            seq_buf_puts(&where, ", ...");
        char units[48];
        snprintf(units, sizeof units, "has %d units", r->info->n_outputs);
        seq_fail(err, "%s: the data has %d classes%s%s, but the model's last layer %s", root,
                 d->n_classes, where.data ? where.data : "", where.data ? ")" : "",
                 r->info->loss == SEQ_LOSS_BCE ? "gives one probability (2 classes)" : units);
        seq_buf_free(&where);
        return -1;
    }
    if (!r->classes.len)
        for (int c = 0; c < d->n_classes; c++)
            seq_buf_printf(&r->classes, "%s%s", c ? "\n" : "", d->class_names[c]);
    return 0;
}

/* ---- evaluation ---------------------------------------------------------- */

/* The predicted class of an output row: the probability of class 1 against
 * 0.5 for one output, else the most probable class. */
int predicted(const real *out, int n_outputs)
{
    if (n_outputs == 1)
        return out[0] >= (real)0.5;
    int best = 0;
    for (int c = 1; c < n_outputs; c++)
        best = out[c] > out[best] ? c : best;
    return best;
}

long count_correct(const run *r, int n)
{
    if (r->info->loss == SEQ_LOSS_MSE)
        return 0;
    const real *out = r->acts + r->m->output;
    int k = r->info->n_outputs, T = positions(r), R = r->m->rows;
    long correct = 0;
    for (int b = 0; b < n; b++)
        for (int t = 0; t < T; t++) { /* sequence outputs are blocked: [blocks, T, rows, k] */
            size_t row = T == 1 ? (size_t)b : ((size_t)(b / R) * T + t) * R + (size_t)(b % R);
            correct += predicted(out + row * k, k) == (int)r->targets[(size_t)b * T + t];
        }
    return correct;
}

/* Every example of EX in order, the last partial batch included. A stateful
 * model reads EX as streams from a zero state, and the training state is
 * put back afterwards. */
score evaluate(run *r, const seq_examples *ex)
{
    int B = r->info->batch;
    double loss_sum = 0;
    long correct = 0;
    real *saved = NULL;
    if (r->m->n_state) {
        saved = alloc_reals(r->m->n_state);
        memcpy(saved, r->acts, r->m->n_state * sizeof *saved);
        reset_state(r);
    }
    for (size_t first = 0; first < ex->n; first += (size_t)B) {
        int n = run_fill(r, ex, NULL, first);
        seq_batch in = run_batch(r, n);
        loss_sum += (double)r->m->forward(r->params, r->acts, &in, 0, NULL) * n;
        correct += count_correct(r, n);
    }
    if (saved) {
        memcpy(r->acts, saved, r->m->n_state * sizeof *saved);
        free(saved);
    }
    double predictions = (double)ex->n * positions(r);
    score s = {ex->n ? loss_sum / (double)ex->n : 0, ex->n ? (double)correct / predictions : 0,
               ex->n, NAN, NAN};
    if (r->info->n_features) { /* in the data's units; the naive forecast repeats the target */
        size_t T = (size_t)ex->seq_len, F = (size_t)ex->n_features, k = (size_t)r->scale.target;
        double naive = 0, unit = r->scale.std[k];
        for (size_t i = 0; i < ex->n; i++) {
            double e = ex->inputs[(i * T + T - 1) * F + k] - (double)ex->targets[i];
            naive += e * e;
        }
        s.accuracy = NAN;
        s.rmse = sqrt(s.loss) * unit;
        s.baseline_rmse = ex->n ? sqrt(naive / (double)ex->n) * unit : 0;
    }
    return s;
}

/* SEQCC_TEST_NONFINITE="loss N", "grad N" or "param N" (tests only): step
 * N's loss, first gradient or (after the update) first parameter is NaN, as
 * a diverging run's would be; read once, by run_init. */
static int test_nonfinite(const run *r, long step, const char *what)
{
    return r->test_nonfinite_step == step && strcmp(r->test_nonfinite, what) == 0;
}

/* One optimizer step on the batch in r->ids / r->targets; none, and an
 * error naming the step, when the loss or the gradient norm is not finite. */
int train_step(run *r, int n_valid, double *loss, long *correct, seq_err *err)
{
    const seq_model_info *info = r->info;
    seq_batch in = run_batch(r, n_valid);
    *loss = r->m->forward(r->params, r->acts, &in, 1, &r->rng);
    *correct = count_correct(r, n_valid);
    r->m->backward(r->params, r->grads, r->acts, &in);
    if (test_nonfinite(r, r->step + 1, "loss"))
        *loss = NAN;
    if (test_nonfinite(r, r->step + 1, "grad"))
        r->grads[0] = (real)NAN;
    double norm = seq_trainable_grad_norm(info, r->grads), scale = 1;
    if (!isfinite(*loss) || !isfinite(norm))
        return seq_fail(err, "training diverged at step %ld (epoch %d): the %s is %g; nothing of "
                        "this step is applied or saved", r->step + 1, r->epoch + 1,
                        isfinite(*loss) ? "gradient norm" : "loss", isfinite(*loss) ? norm : *loss);
    if (info->optim.clipnorm > 0 && norm > info->optim.clipnorm)
        scale = info->optim.clipnorm / (norm + 1e-6);
    r->step++;
    seq_adam_update(info, r->step, r->params, r->grads, r->adam_m, r->adam_v, scale);
    if (test_nonfinite(r, r->step, "param"))
        r->params[0] = (real)NAN;
    return 0;
}
