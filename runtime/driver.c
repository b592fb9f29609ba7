/* driver.c: the model binary's commands over one compiled model. Written in
 * terms of `real`: the float build trains and predicts, the double build
 * runs the gradient check. */
#include "driver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "adam.h"
#include "dataset.h"
#include "init.h"
#include "json.h"
#include "report.h"
#include "safetensors.h"
#include "text.h"
#include "util.h"

#ifdef SEQ_REAL_DOUBLE
#define DTYPE SEQ_F64
#define PRECISION "f64"
#else
#define DTYPE SEQ_F32
#define PRECISION "f32"
#endif

#define CHECKPOINT_FORMAT "seqcc-checkpoint/1"
/* Stream of the training randomness (epoch shuffles come from the seed). */
#define TRAIN_STREAM 0x545241494eULL

static real *alloc_reals(size_t n)
{
    return seq_xcalloc(n ? n : 1, sizeof(real));
}

/* ---- the state a run carries ---------------------------------------------- */

typedef struct run {
    const seq_model *m;
    const seq_model_info *info;
    real *params, *grads, *adam_m, *adam_v; /* the parameter arenas */
    real *acts;                             /* the activation arena */
    int32_t *ids, *lengths;                 /* one batch */
    float *targets;
    seq_vocab *vocab;                       /* from a checkpoint, or built by train */
    seq_buf classes;                        /* the class names, one per line */
    uint64_t seed;
    seq_rng rng;                            /* training randomness */
    long step;                              /* optimizer steps done */
    int epoch;                              /* epochs completed */
    long epoch_step;                        /* batches done in the current epoch */
    double epoch_loss;                      /* sums over the current epoch */
    long epoch_correct, epoch_seen;
    double best_val;                        /* best validation accuracy, or -1 */
} run;

static void run_init(run *r, const seq_model *m, const seq_options *o)
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
    r->targets = seq_xcalloc((size_t)r->info->batch * r->info->n_outputs, sizeof *r->targets);
    r->seed = o->seed >= 0 ? (uint64_t)o->seed : r->info->seed;
    seq_rng_seed(&r->rng, r->seed ^ TRAIN_STREAM);
    r->best_val = -1;
}

static void run_free(run *r)
{
    free(r->params);
    free(r->grads);
    free(r->adam_m);
    free(r->adam_v);
    free(r->acts);
    free(r->ids);
    free(r->lengths);
    free(r->targets);
    if (r->vocab)
        seq_vocab_free(r->vocab);
    seq_buf_free(&r->classes);
}

/* The I-th class name (0-based) of "a\nb\nc". */
static const char *class_name(const run *r, int i, char *buf, size_t n)
{
    const char *s = r->classes.data ? r->classes.data : "";
    for (; i > 0 && (s = strchr(s, '\n')); i--)
        s++;
    size_t len = s ? strcspn(s, "\n") : 0;
    snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), s ? s : "");
    return buf;
}

/* The model must output what the data's classes need. */
static int take_classes(run *r, const seq_data *d, const char *root, seq_err *err)
{
    int want = r->info->loss == SEQ_LOSS_BCE ? 2 : r->info->n_outputs;
    if (d->n_classes != want)
        return seq_fail(err, "%s: the data has %d classes, but the model's last layer %s", root,
                        d->n_classes,
                        r->info->loss == SEQ_LOSS_BCE ? "gives one probability (2 classes)"
                                                      : "has another number of units");
    if (!r->classes.len)
        for (int c = 0; c < d->n_classes; c++)
            seq_buf_printf(&r->classes, "%s%s", c ? "\n" : "", d->class_names[c]);
    return 0;
}

/* ---- checkpoints ------------------------------------------------------------ */

static void add_tensor(seq_st *st, const char *prefix, const seq_tensor_info *t, const real *arena)
{
    char name[160];
    int64_t shape[4];
    for (int d = 0; d < t->rank; d++)
        shape[d] = t->shape[d];
    snprintf(name, sizeof name, "%s%s", prefix, t->name);
    seq_st_add(st, name, DTYPE, t->rank, shape, arena + t->offset);
}

static void set_meta_long(seq_st *st, const char *key, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    seq_st_set_meta(st, key, buf);
}

static void set_meta_double(seq_st *st, const char *key, double v)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%a", v); /* exact */
    seq_st_set_meta(st, key, buf);
}

/* Parameters, optimizer state, vocabulary and where training stands. */
static int save_checkpoint(const run *r, const char *path, seq_err *err)
{
    const seq_model_info *info = r->info;
    seq_st st;
    seq_st_init(&st);
    seq_st_set_meta(&st, "format", CHECKPOINT_FORMAT);
    seq_st_set_meta(&st, "model", info->name);
    seq_st_set_meta(&st, "spec_sha256", info->spec_sha256);
    seq_st_set_meta(&st, "seqcc_version", info->seqcc_version);
    seq_st_set_meta(&st, "precision", PRECISION);
    set_meta_long(&st, "seed", (long long)r->seed);
    set_meta_long(&st, "step", r->step);
    set_meta_long(&st, "epoch", r->epoch);
    set_meta_long(&st, "epoch_step", r->epoch_step);
    set_meta_double(&st, "epoch_loss", r->epoch_loss);
    set_meta_long(&st, "epoch_correct", r->epoch_correct);
    set_meta_long(&st, "epoch_seen", r->epoch_seen);
    set_meta_double(&st, "best_val_accuracy", r->best_val);
    char rng[80];
    snprintf(rng, sizeof rng, "%016llx %016llx %016llx %016llx",
             (unsigned long long)r->rng.s[0], (unsigned long long)r->rng.s[1],
             (unsigned long long)r->rng.s[2], (unsigned long long)r->rng.s[3]);
    seq_st_set_meta(&st, "rng", rng);

    for (int i = 0; i < info->n_tensors; i++)
        add_tensor(&st, "", &info->tensors[i], r->params);
    for (int i = 0; i < info->n_tensors; i++)
        add_tensor(&st, "optimizer/m/", &info->tensors[i], r->adam_m);
    for (int i = 0; i < info->n_tensors; i++)
        add_tensor(&st, "optimizer/v/", &info->tensors[i], r->adam_v);
    seq_buf vocab = {0};
    seq_vocab_save(r->vocab, &vocab);
    int64_t len = (int64_t)vocab.len;
    seq_st_add(&st, "tokenizer/vocab", SEQ_U8, 1, &len, vocab.data ? vocab.data : "");
    int64_t classes_len = (int64_t)r->classes.len;
    seq_st_add(&st, "data/classes", SEQ_U8, 1, &classes_len, r->classes.data ? r->classes.data : "");
    int rc = seq_st_write(&st, path, err);
    seq_buf_free(&vocab);
    seq_st_free(&st);
    return rc;
}

/* Copies a checkpoint tensor into ARENA, converting F32 <-> F64. */
static int load_tensor(const seq_st *st, const char *path, const char *prefix,
                       const seq_tensor_info *t, real *arena, seq_err *err)
{
    char name[160];
    snprintf(name, sizeof name, "%s%s", prefix, t->name);
    const seq_st_tensor *x = seq_st_find(st, name);
    if (!x)
        return seq_fail(err, "%s: no tensor \"%s\" (is this a checkpoint of this model?)", path,
                        name);
    int same = x->rank == t->rank && (x->dtype == SEQ_F32 || x->dtype == SEQ_F64);
    for (int d = 0; same && d < t->rank; d++)
        same = x->shape[d] == t->shape[d];
    if (!same) {
        char want[64] = "", got[64] = "";
        for (int d = 0; d < t->rank; d++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", d ? ", " : "", t->shape[d]);
        for (int d = 0; d < x->rank; d++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? ", " : "",
                     (long long)x->shape[d]);
        return seq_fail(err, "%s: tensor \"%s\" is %s [%s]; this model needs F32 or F64 [%s]",
                        path, name, seq_dtype_name(x->dtype), got, want);
    }
    real *dst = arena + t->offset;
    const unsigned char *src = x->data;
    for (size_t i = 0; i < t->size; i++) {
        if (x->dtype == SEQ_F32) {
            float v;
            memcpy(&v, src + 4 * i, 4);
            dst[i] = (real)v;
        } else {
            double v;
            memcpy(&v, src + 8 * i, 8);
            dst[i] = (real)v;
        }
    }
    return 0;
}

static int meta_long(const seq_st *st, const char *path, const char *key, long *out, seq_err *err)
{
    const char *v = seq_st_get_meta(st, key);
    char *end;
    if (!v)
        return seq_fail(err, "%s: metadata \"%s\" is missing", path, key);
    *out = strtol(v, &end, 10);
    return *end || end == v ? seq_fail(err, "%s: metadata \"%s\" is not an integer", path, key) : 0;
}

static int meta_double(const seq_st *st, const char *path, const char *key, double *out,
                       seq_err *err)
{
    const char *v = seq_st_get_meta(st, key);
    char *end;
    if (!v)
        return seq_fail(err, "%s: metadata \"%s\" is missing", path, key);
    *out = strtod(v, &end);
    return *end || end == v ? seq_fail(err, "%s: metadata \"%s\" is not a number", path, key) : 0;
}

/* Loads parameters and vocabulary; with RESUME also the optimizer state and
 * where training stood. */
static int load_checkpoint(run *r, const char *path, int resume, seq_err *err)
{
    const seq_model_info *info = r->info;
    seq_st st;
    if (seq_st_read(&st, path, err) != 0)
        return -1;
    int rc = -1;
    const char *format = seq_st_get_meta(&st, "format");
    const char *model = seq_st_get_meta(&st, "model");
    const char *hash = seq_st_get_meta(&st, "spec_sha256");
    if (!format || strcmp(format, CHECKPOINT_FORMAT) != 0) {
        seq_fail(err, "%s: not a seqcc checkpoint (metadata format is %s%s%s, expected %s)", path,
                 format ? "\"" : "", format ? format : "missing", format ? "\"" : "",
                 CHECKPOINT_FORMAT);
        goto done;
    }
    if (!model || strcmp(model, info->name) != 0) {
        seq_fail(err, "%s: a checkpoint of model \"%s\", not \"%s\"", path, model ? model : "?",
                 info->name);
        goto done;
    }
    if (!hash || strcmp(hash, info->spec_sha256) != 0)
        fprintf(stderr, "warning: %s was written from another version of %s "
                        "(spec sha256 %.16s, this binary %.16s)\n",
                path, info->spec_file, hash ? hash : "?", info->spec_sha256);
    for (int i = 0; i < info->n_tensors; i++)
        if (load_tensor(&st, path, "", &info->tensors[i], r->params, err) != 0)
            goto done;
    const seq_st_tensor *v = seq_st_find(&st, "tokenizer/vocab");
    if (!v || v->dtype != SEQ_U8) {
        seq_fail(err, "%s: no U8 tensor \"tokenizer/vocab\"", path);
        goto done;
    }
    const seq_st_tensor *classes = seq_st_find(&st, "data/classes");
    if (!classes || classes->dtype != SEQ_U8) {
        seq_fail(err, "%s: no U8 tensor \"data/classes\"", path);
        goto done;
    }
    seq_buf_add(&r->classes, classes->data, classes->nbytes);
    seq_err verr;
    r->vocab = seq_vocab_load(v->data, v->nbytes, info->data.vocab_size, &verr);
    if (!r->vocab) {
        seq_fail(err, "%s: tokenizer/vocab: %s", path, verr.msg);
        goto done;
    }
    if (resume) {
        for (int i = 0; i < info->n_tensors; i++)
            if (load_tensor(&st, path, "optimizer/m/", &info->tensors[i], r->adam_m, err) != 0 ||
                load_tensor(&st, path, "optimizer/v/", &info->tensors[i], r->adam_v, err) != 0)
                goto done;
        long seed = 0, step = 0, epoch = 0, epoch_step = 0, correct = 0, seen = 0;
        if (meta_long(&st, path, "seed", &seed, err) || meta_long(&st, path, "step", &step, err) ||
            meta_long(&st, path, "epoch", &epoch, err) ||
            meta_long(&st, path, "epoch_step", &epoch_step, err) ||
            meta_long(&st, path, "epoch_correct", &correct, err) ||
            meta_long(&st, path, "epoch_seen", &seen, err) ||
            meta_double(&st, path, "epoch_loss", &r->epoch_loss, err) ||
            meta_double(&st, path, "best_val_accuracy", &r->best_val, err))
            goto done;
        const char *rng = seq_st_get_meta(&st, "rng");
        unsigned long long s[4];
        if (!rng || sscanf(rng, "%llx %llx %llx %llx", &s[0], &s[1], &s[2], &s[3]) != 4) {
            seq_fail(err, "%s: metadata \"rng\" is missing or malformed", path);
            goto done;
        }
        for (int i = 0; i < 4; i++)
            r->rng.s[i] = s[i];
        r->seed = (uint64_t)seed;
        r->step = step;
        r->epoch = (int)epoch;
        r->epoch_step = epoch_step;
        r->epoch_correct = correct;
        r->epoch_seen = seen;
    }
    rc = 0;
done:
    seq_st_free(&st);
    return rc;
}

/* ---- evaluation ---------------------------------------------------------- */

typedef struct score {
    double loss; /* mean over examples */
    double accuracy;
    size_t n;
} score;

/* Examples whose predicted class matches the target, among the first N rows. */
/* The predicted class of an output row: the probability of class 1 against
 * 0.5 for one output, else the most probable class. */
static int predicted(const real *out, int n_outputs)
{
    if (n_outputs == 1)
        return out[0] >= (real)0.5;
    int best = 0;
    for (int c = 1; c < n_outputs; c++)
        best = out[c] > out[best] ? c : best;
    return best;
}

static long count_correct(const run *r, int n)
{
    const real *out = r->acts + r->m->output;
    int k = r->info->n_outputs;
    long correct = 0;
    for (int i = 0; i < n; i++)
        correct += predicted(out + (size_t)i * k, k) == (int)r->targets[i];
    return correct;
}

/* Every example of EX in order, the last partial batch included. */
static score evaluate(run *r, const seq_examples *ex)
{
    int B = r->info->batch;
    double loss_sum = 0;
    long correct = 0;
    for (size_t first = 0; first < ex->n; first += (size_t)B) {
        int n = seq_batch_fill(ex, NULL, first, B, r->ids, r->lengths, r->targets);
        seq_batch in = {r->ids, r->lengths, r->targets, n};
        loss_sum += (double)r->m->forward(r->params, r->acts, &in, 0, NULL) * n;
        correct += count_correct(r, n);
    }
    score s = {ex->n ? loss_sum / (double)ex->n : 0, ex->n ? (double)correct / (double)ex->n : 0, ex->n};
    return s;
}

/* ---- training ------------------------------------------------------------- */

/* One optimizer step on the batch in r->ids / r->targets. */
static double train_step(run *r, int n_valid, long *correct)
{
    const seq_model_info *info = r->info;
    seq_batch in = {r->ids, r->lengths, r->targets, n_valid};
    double loss = r->m->forward(r->params, r->acts, &in, 1, &r->rng);
    *correct = count_correct(r, n_valid);
    r->m->backward(r->params, r->grads, r->acts, &in);
    double scale = 1;
    if (info->optim.clipnorm > 0) {
        double norm = seq_grad_norm(info->n_params, r->grads);
        if (norm > info->optim.clipnorm)
            scale = info->optim.clipnorm / (norm + 1e-6);
    }
    r->step++;
    seq_adam_step(&info->optim, r->step, info->n_params, r->params, r->grads, r->adam_m,
                  r->adam_v, scale);
    return loss;
}

/* The shuffle of epoch E depends only on the seed and E, so a resumed run
 * sees the same batches. */
static void epoch_order(const run *r, int epoch, uint32_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    if (!r->info->train.shuffle)
        return;
    seq_rng rng;
    seq_rng_seed(&rng, r->seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(epoch + 1));
    seq_rng_shuffle(&rng, order, n);
}

typedef struct history {
    double *loss, *acc, *val_loss, *val_acc;
    int n;
} history;

static void history_add(history *h, double loss, double acc, double vloss, double vacc)
{
    h->loss = seq_xrealloc(h->loss, (size_t)(h->n + 1) * sizeof(double));
    h->acc = seq_xrealloc(h->acc, (size_t)(h->n + 1) * sizeof(double));
    h->val_loss = seq_xrealloc(h->val_loss, (size_t)(h->n + 1) * sizeof(double));
    h->val_acc = seq_xrealloc(h->val_acc, (size_t)(h->n + 1) * sizeof(double));
    h->loss[h->n] = loss;
    h->acc[h->n] = acc;
    h->val_loss[h->n] = vloss;
    h->val_acc[h->n] = vacc;
    h->n++;
}

static double json_number(const seq_json *obj, const char *key)
{
    const seq_json *v = seq_json_get(obj, key);
    return v && v->kind == SEQ_JSON_NUMBER ? v->number : NAN;
}

/* On resume: keeps the lines of metrics.jsonl for the EPOCHS epochs the
 * checkpoint completed (a killed run may have logged one more) and reads
 * them back into the history the curve is drawn from. */
static int history_resume(history *h, const char *path, int epochs, seq_err *err)
{
    char *text;
    size_t len;
    if (seq_read_file(path, &text, &len, NULL) != 0)
        return 0; /* no metrics yet */
    seq_buf kept = {0};
    int rc = 0;
    char *line = text;
    for (long lineno = 1; *line && h->n < epochs; lineno++) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        seq_err jerr;
        seq_json *v = seq_json_parse(line, n, &jerr);
        if (!v) {
            rc = seq_fail(err, "%s:%ld: %s", path, lineno, jerr.msg);
            break;
        }
        const seq_json *event = seq_json_get(v, "event");
        if (event && event->kind == SEQ_JSON_STRING && strcmp(event->string, "epoch") == 0) {
            history_add(h, json_number(v, "loss"), json_number(v, "accuracy"),
                        json_number(v, "val_loss"), json_number(v, "val_accuracy"));
            seq_buf_add(&kept, line, n);
            seq_buf_puts(&kept, "\n");
        }
        seq_json_free(v);
        line += n + (nl != NULL);
    }
    if (rc == 0)
        rc = seq_write_file_atomic(path, kept.data ? kept.data : "", kept.len, err);
    seq_buf_free(&kept);
    free(text);
    return rc;
}

static void history_free(history *h)
{
    free(h->loss);
    free(h->acc);
    free(h->val_loss);
    free(h->val_acc);
}

static int write_curve(const run *r, const history *h, const char *dir, seq_err *err)
{
    char *path = seq_path_join(dir, "curve.svg");
    seq_series loss[2] = {{"loss", h->loss}, {"val_loss", h->val_loss}};
    seq_series acc[2] = {{"accuracy", h->acc}, {"val_accuracy", h->val_acc}};
    int rc = seq_svg_curve(path, r->info->name, h->n, loss, 2, acc, 2, "accuracy", err);
    free(path);
    return rc;
}

static int cmd_train(run *r, const seq_options *o, const char *data_root)
{
    const seq_model_info *info = r->info;
    seq_err err;
    char *dir = o->out ? seq_xstrdup(o->out) : seq_path_join("runs", info->name);
    char *ckpt = seq_path_join(dir, "checkpoint.safetensors");
    char *best = seq_path_join(dir, "best.safetensors");
    char *metrics = seq_path_join(dir, "metrics.jsonl");
    int status = SEQ_EXIT_FAIL;
    seq_data data;
    memset(&data, 0, sizeof data);
    history hist = {0};

    if (o->resume) {
        if (load_checkpoint(r, ckpt, 1, &err) != 0)
            goto fail;
        printf("resuming %s at epoch %d, step %ld\n", ckpt, r->epoch + 1, r->step);
        if (history_resume(&hist, metrics, r->epoch, &err) != 0)
            goto fail;
    } else {
        seq_init_params(info, r->seed, r->params);
    }
    unsigned want = 1u << SEQ_TRAIN | (info->data.validation_split > 0 ? 1u << SEQ_VAL : 0);
    double t0 = seq_now();
    if (seq_data_load(info, data_root, o->limit, want, r->vocab, &data, &err) != 0 ||
        take_classes(r, &data, data_root, &err) != 0)
        goto fail;
    if (!r->vocab) { /* the checkpoint carries the vocabulary built here */
        r->vocab = data.vocab;
        data.owns_vocab = 0;
    }
    if (seq_mkdirs(dir, &err) != 0) /* only once the data is known to be good */
        goto fail;
    if (!o->resume)
        remove(metrics); /* a fresh run's log */
    const seq_examples *train = &data.split[SEQ_TRAIN], *val = &data.split[SEQ_VAL];
    if (train->n == 0) {
        seq_fail(&err, "%s: no training examples", data_root);
        goto fail;
    }
    printf("%s: %zu training and %zu validation examples (loaded in %.1f s), "
           "%zu parameters, %d threads\n",
           info->name, train->n, val->n, seq_now() - t0, info->n_params, o->threads);

    int B = info->batch;
    int epochs = o->epochs > 0 ? o->epochs : info->train.epochs;
    long per_epoch = (long)((train->n + (size_t)B - 1) / (size_t)B);
    uint32_t *order = seq_xmalloc(train->n * sizeof *order);
    int stopped = 0;
    for (; r->epoch < epochs && !stopped; r->epoch++) {
        epoch_order(r, r->epoch, order, train->n);
        seq_progress bar;
        seq_progress_start(&bar, stdout, r->epoch + 1, epochs, per_epoch);
        double t_epoch = seq_now();
        long done_before = r->epoch_step;
        for (; r->epoch_step < per_epoch; r->epoch_step++) {
            if (o->max_steps > 0 && r->step >= o->max_steps) {
                stopped = 1;
                break;
            }
            int n = seq_batch_fill(train, order, (size_t)r->epoch_step * (size_t)B, B, r->ids,
                                   r->lengths, r->targets);
            long correct;
            double loss = train_step(r, n, &correct);
            r->epoch_loss += loss * n;
            r->epoch_correct += correct;
            r->epoch_seen += n;
            seq_progress_step(&bar, n, loss, (double)correct / n);
            long every = o->checkpoint_every ? o->checkpoint_every : info->train.checkpoint_every;
            if (every > 0 && r->step % every == 0 && r->epoch_step + 1 < per_epoch) {
                r->epoch_step++; /* saved as done */
                int rc = save_checkpoint(r, ckpt, &err);
                r->epoch_step--;
                if (rc != 0)
                    goto fail_order;
            }
        }
        seq_progress_end(&bar);
        if (stopped && r->epoch_step < per_epoch) {
            if (save_checkpoint(r, ckpt, &err) != 0)
                goto fail_order;
            printf("stopped after step %ld (--max-steps); resume with --resume\n", r->step);
            break;
        }
        double seconds = seq_now() - t_epoch;
        double rate = (double)(r->epoch_step - done_before) * B / (seconds > 0 ? seconds : 1);
        double loss = r->epoch_loss / (double)r->epoch_seen;
        double acc = (double)r->epoch_correct / (double)r->epoch_seen;
        score v = {NAN, NAN, 0};
        if (val->n)
            v = evaluate(r, val);
        if (val->n)
            printf("epoch %d/%d validation: loss %.4f accuracy %.4f (%zu examples)\n",
                   r->epoch + 1, epochs, v.loss, v.accuracy, val->n);
        seq_metric m[] = {{"epoch", r->epoch + 1}, {"step", (double)r->step},
                          {"loss", loss}, {"accuracy", acc},
                          {"val_loss", v.loss}, {"val_accuracy", v.accuracy},
                          {"seconds", seconds}, {"examples_per_second", rate}};
        if (seq_metrics_append(metrics, "epoch", m, 8, &err) != 0)
            goto fail_order;
        history_add(&hist, loss, acc, v.loss, v.accuracy);
        if (write_curve(r, &hist, dir, &err) != 0)
            goto fail_order;

        int improved = val->n && v.accuracy > r->best_val;
        if (improved)
            r->best_val = v.accuracy;
        r->epoch_step = 0;
        r->epoch_loss = 0;
        r->epoch_correct = r->epoch_seen = 0;
        r->epoch++; /* saved as completed */
        int rc = save_checkpoint(r, ckpt, &err);
        if (rc == 0 && improved)
            rc = save_checkpoint(r, best, &err);
        r->epoch--;
        if (rc != 0)
            goto fail_order;
    }
    printf("checkpoint: %s\n", ckpt);
    if (r->best_val >= 0)
        printf("best validation accuracy %.4f: %s\n", r->best_val, best);
    status = SEQ_EXIT_OK;
fail_order:
    free(order);
fail:
    if (status != SEQ_EXIT_OK)
        fprintf(stderr, "error: %s\n", err.msg);
    history_free(&hist);
    seq_data_free(&data);
    free(dir);
    free(ckpt);
    free(best);
    free(metrics);
    return status;
}

/* ---- eval, predict, grads ---------------------------------------------------- */

static int need_checkpoint(const seq_options *o, const char *cmd)
{
    if (o->checkpoint)
        return 0;
    fprintf(stderr, "error: %s needs --checkpoint FILE (a train run writes "
                    "runs/NAME/checkpoint.safetensors)\n", cmd);
    return -1;
}

static int load_split(run *r, const seq_options *o, const char *data_root, seq_data *data,
                      seq_split *split, seq_err *err)
{
    const char *name = o->split ? o->split : "test";
    if (seq_split_parse(name, split) != 0)
        return seq_fail(err, "unknown split '%s' (expected train, val or test)", name);
    if (*split == SEQ_VAL && r->info->data.validation_split <= 0)
        return seq_fail(err, "the spec has no validation split");
    if (seq_data_load(r->info, data_root, o->limit, 1u << *split, r->vocab, data, err) != 0)
        return -1;
    if (take_classes(r, data, data_root, err) != 0) {
        seq_data_free(data);
        return -1;
    }
    return 0;
}

static int cmd_eval(run *r, const seq_options *o, const char *data_root)
{
    seq_err err;
    seq_data data;
    seq_split split;
    if (need_checkpoint(o, "eval") != 0)
        return SEQ_EXIT_USAGE;
    if (load_checkpoint(r, o->checkpoint, 0, &err) != 0 ||
        load_split(r, o, data_root, &data, &split, &err) != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return SEQ_EXIT_FAIL;
    }
    double t0 = seq_now();
    score s = evaluate(r, &data.split[split]);
    double seconds = seq_now() - t0;
    printf("%s: %zu examples, loss %.4f, accuracy %.4f (%.1f s)\n", seq_split_name(split), s.n,
           s.loss, s.accuracy, seconds);
    seq_data_free(&data);
    return SEQ_EXIT_OK;
}

static int cmd_predict(run *r, const seq_options *o)
{
    seq_err err;
    if (need_checkpoint(o, "predict") != 0)
        return SEQ_EXIT_USAGE;
    if (load_checkpoint(r, o->checkpoint, 0, &err) != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return SEQ_EXIT_FAIL;
    }
    int from_stdin = !o->input || strcmp(o->input, "-") == 0;
    const char *input = from_stdin ? "<stdin>" : o->input;
    FILE *in = from_stdin ? stdin : fopen(input, "r");
    if (!in) {
        fprintf(stderr, "error: %s: cannot open\n", input);
        return SEQ_EXIT_FAIL;
    }
    const seq_model_info *info = r->info;
    seq_tok_config cfg = seq_tok_config_of(&info->data);
    real *acts = alloc_reals(r->m->n_acts_predict);
    int32_t *ids = seq_xmalloc((size_t)info->seq_len * sizeof *ids);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int status = SEQ_EXIT_OK;
    for (long lineno = 1; (len = getline(&line, &cap, in)) >= 0; lineno++) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        size_t bad_line;
        if (!seq_utf8_valid(line, (size_t)len, &bad_line)) {
            fprintf(stderr, "error: %s:%ld: invalid UTF-8\n", input, lineno);
            status = SEQ_EXIT_FAIL;
            break;
        }
        int n = seq_tok_encode(&cfg, r->vocab, line, (size_t)len, info->seq_len,
                               (seq_pad)info->data.padding, (seq_pad)info->data.truncation, ids);
        r->m->predict(r->params, acts, ids, n);
        const real *out = acts + r->m->output_predict;
        int k = info->n_outputs, c = predicted(out, k);
        char name[64];
        /* one output: the probability of class 1; else that of the class predicted */
        printf("%.6f\t%s\n", (double)out[k == 1 ? 0 : c], class_name(r, c, name, sizeof name));
    }
    free(line);
    free(ids);
    free(acts);
    if (in != stdin)
        fclose(in);
    return status;
}

static int cmd_grads(run *r, const seq_options *o, const char *data_root)
{
    const seq_model_info *info = r->info;
    seq_err err;
    seq_data data;
    seq_split split;
    if (need_checkpoint(o, "grads") != 0)
        return SEQ_EXIT_USAGE;
    if (!o->out) {
        fprintf(stderr, "error: grads needs --out FILE.safetensors\n");
        return SEQ_EXIT_USAGE;
    }
    if (load_checkpoint(r, o->checkpoint, 0, &err) != 0 ||
        load_split(r, o, data_root, &data, &split, &err) != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return SEQ_EXIT_FAIL;
    }
    int n = seq_batch_fill(&data.split[split], NULL, 0, info->batch, r->ids, r->lengths,
                           r->targets);
    seq_batch in = {r->ids, r->lengths, r->targets, n};
    real loss = r->m->forward(r->params, r->acts, &in, 0, NULL);
    r->m->backward(r->params, r->grads, r->acts, &in);

    seq_st st;
    seq_st_init(&st);
    seq_st_set_meta(&st, "model", info->name);
    seq_st_set_meta(&st, "spec_sha256", info->spec_sha256);
    seq_st_set_meta(&st, "split", seq_split_name(split));
    seq_st_set_meta(&st, "precision", PRECISION);
    seq_st_set_meta(&st, "loss", "mean over the first n_valid rows; dropout off");
    int64_t ids_shape[2] = {info->batch, info->seq_len}, batch_shape[1] = {info->batch};
    int32_t n_valid = n;
    seq_st_add(&st, "loss", DTYPE, 0, NULL, &loss);
    seq_st_add(&st, "batch/ids", SEQ_I32, 2, ids_shape, r->ids);
    seq_st_add(&st, "batch/lengths", SEQ_I32, 1, batch_shape, r->lengths);
    seq_st_add(&st, "batch/targets", SEQ_F32, 1, batch_shape, r->targets);
    seq_st_add(&st, "batch/n_valid", SEQ_I32, 0, NULL, &n_valid);
    for (int i = 0; i < info->n_tensors; i++)
        add_tensor(&st, "grad/", &info->tensors[i], r->grads);
    int rc = seq_st_write(&st, o->out, &err);
    seq_st_free(&st);
    seq_data_free(&data);
    if (rc != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return SEQ_EXIT_FAIL;
    }
    printf("%s: loss %.6f on the first %d examples of %s; gradients in %s\n", info->name,
           (double)loss, n, seq_split_name(split), o->out);
    return SEQ_EXIT_OK;
}

/* ---- gradient check ---------------------------------------------------------- */

/* The loss at the current parameters, with the same dropout draws each time. */
static double loss_at(run *r, const seq_batch *in, const seq_rng *rng0)
{
    seq_rng rng = *rng0;
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
        int lookup = t->init == SEQ_INIT_UNIFORM || t->init == SEQ_INIT_NORMAL;
        double limit = t->rank == 1 ? 0.5 : lookup ? 1 : sqrt(3.0 / t->shape[0]);
        for (size_t k = 0; k < t->size; k++)
            r->params[t->offset + k] = (real)(limit * (2 * seq_rng_uniform(rng) - 1));
    }
}

/* Finite differences tried in turn until one agrees: fourth-order central
 * differences with step h (relative to max(1, |x|)), or with Richardson
 * extrapolation from h and h/2 (sixth order), which allows a large step for
 * a tiny gradient drowned in rounding at small steps. A step that crosses a
 * ReLU kink or drowns in rounding gives a wrong difference; a wrong analytic
 * gradient agrees with none of them. */
static const struct {
    double h;
    int richardson;
} fd_steps[] = {{1e-4, 0}, {1e-3, 0}, {1e-2, 1}, {3e-3, 1}, {1e-5, 0}, {1e-6, 0}};

static double fd_estimate(run *r, const seq_batch *in, const seq_rng *rng0, real *x, int k)
{
    double h = fd_steps[k].h * fmax(1, fabs((double)*x));
    double d = numeric_grad(r, in, rng0, x, h);
    if (!fd_steps[k].richardson)
        return d;
    return (16 * numeric_grad(r, in, rng0, x, h / 2) - d) / 15;
}

/* Checks SAMPLES entries of every tensor on one batch whose last PADDING
 * rows are padding; returns the number of tensors over the tolerance. */
static int gradcheck_batch(run *r, const seq_options *o, int padding, seq_rng *pick)
{
    const seq_model_info *info = r->info;
    int B = info->batch, T = info->seq_len;
    /* ids from a small range so embedding rows collect several uses */
    int range = info->data.vocab_size < 50 ? info->data.vocab_size : 50;
    for (int i = 0; i < B * T; i++)
        r->ids[i] = (int32_t)seq_rng_below(pick, (uint64_t)range);
    int classes = info->n_outputs == 1 ? 2 : info->n_outputs;
    for (int i = 0; i < B; i++) {
        r->targets[i] = (float)seq_rng_below(pick, (uint64_t)classes);
        r->lengths[i] = 1 + (int32_t)seq_rng_below(pick, (uint64_t)T); /* for masked layers */
    }
    seq_batch in = {r->ids, r->lengths, r->targets, B - padding};
    seq_rng rng0 = r->rng;
    double loss = loss_at(r, &in, &rng0);
    r->m->backward(r->params, r->grads, r->acts, &in);
    printf("batch of %d rows, %d of them padding: loss %.12f\n", B, padding, loss);

    int failures = 0;
    for (int ti = 0; ti < info->n_tensors; ti++) {
        const seq_tensor_info *t = &info->tensors[ti];
        int lookup = t->rank == 2 && t->shape[0] == info->data.vocab_size;
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
            else if (lookup && s % 4 != 3) /* mostly rows the batch uses */
                i = (size_t)seq_rng_below(pick, (uint64_t)range) * (size_t)t->shape[1] +
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

static int cmd_gradcheck(run *r, const seq_options *o)
{
    const seq_model_info *info = r->info;
    seq_rng pick;
    seq_rng_seed(&pick, r->seed ^ 0x4752414443484bULL);
    gradcheck_params(r, &pick);
    printf("%s: gradient check in %s: %d entries of each tensor, fourth-order central "
           "differences, relative error |a - n| / max(|a|, |n|, %g max|tensor's gradient|) "
           "below %.1e\n",
           info->name, PRECISION, o->samples, GRADCHECK_FLOOR, o->tolerance);
    int failures = gradcheck_batch(r, o, 0, &pick);
    if (info->batch > 1)
        failures += gradcheck_batch(r, o, info->batch > 3 ? 3 : 1, &pick);
    if (failures) {
        printf("gradcheck FAILED: %d tensor(s) over %.1e\n", failures, o->tolerance);
        return SEQ_EXIT_CHECK;
    }
    printf("gradcheck passed\n");
    return SEQ_EXIT_OK;
}

/* ---- bench --------------------------------------------------------------------- */

static int cmd_bench(run *r, const seq_options *o)
{
    const seq_model_info *info = r->info;
    int B = info->batch, T = info->seq_len;
    seq_init_params(info, r->seed, r->params);
    seq_rng data;
    seq_rng_seed(&data, 7);
    for (int i = 0; i < B * T; i++)
        r->ids[i] = (int32_t)seq_rng_below(&data, (uint64_t)info->data.vocab_size);
    int classes = info->n_outputs == 1 ? 2 : info->n_outputs;
    for (int i = 0; i < B; i++) {
        r->targets[i] = (float)seq_rng_below(&data, (uint64_t)classes);
        r->lengths[i] = T;
    }
    long correct, steps = o->steps > 0 ? o->steps : 100;
    for (int i = 0; i < 5; i++) /* warm up */
        train_step(r, B, &correct);
    double t0 = seq_now();
    for (long i = 0; i < steps; i++)
        train_step(r, B, &correct);
    double train_s = (seq_now() - t0) / (double)steps;

    real *acts = alloc_reals(r->m->n_acts_predict);
    for (int i = 0; i < 20; i++)
        r->m->predict(r->params, acts, r->ids, T);
    long reps = steps * 10;
    t0 = seq_now();
    for (long i = 0; i < reps; i++)
        r->m->predict(r->params, acts, r->ids + (i % B) * T, T);
    double predict_s = (seq_now() - t0) / (double)reps;
    free(acts);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"model\": \"%s\", \"precision\": \"%s\", \"threads\": %d, \"batch\": %d, "
           "\"seq_len\": %d, \"train_step_ms\": %.4f, \"examples_per_second\": %.1f, "
           "\"predict_ms\": %.5f, \"max_rss_mb\": %.1f}\n",
           info->name, PRECISION, o->threads, B, T, 1e3 * train_s, B / train_s,
           1e3 * predict_s, ru.ru_maxrss / 1024.0);
    return SEQ_EXIT_OK;
}

int seq_run(const seq_model *m, const seq_options *o, const char *data_root)
{
    run r;
    run_init(&r, m, o);
    int status = SEQ_EXIT_USAGE;
    switch (o->cmd) {
    case SEQ_CMD_TRAIN: status = cmd_train(&r, o, data_root); break;
    case SEQ_CMD_EVAL: status = cmd_eval(&r, o, data_root); break;
    case SEQ_CMD_PREDICT: status = cmd_predict(&r, o); break;
    case SEQ_CMD_GRADS: status = cmd_grads(&r, o, data_root); break;
    case SEQ_CMD_GRADCHECK: status = cmd_gradcheck(&r, o); break;
    case SEQ_CMD_BENCH: status = cmd_bench(&r, o); break;
    }
    run_free(&r);
    return status;
}
