/* train.c: the train command: epochs of shuffled batches, validation,
 * checkpoints (periodic, last and best), metrics and the training curve. */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dist/dist.h"
#include "store/json.h"
#include "store/safetensors.h"
#include "init.h"
#include "plot.h"
#include "report.h"

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
 * them back into the history the curve is drawn from; with none kept, no
 * file, as before the first epoch's end. */
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
                        json_number(v, "val_loss"),
                        json_number(v, seq_json_get(v, "val_rmse") ? "val_rmse" : "val_accuracy"));
            seq_buf_add(&kept, line, n);
            seq_buf_puts(&kept, "\n");
        }
        seq_json_free(v);
        line += n + (nl != NULL);
    }
    if (rc == 0 && kept.len)
        rc = seq_write_file_atomic(path, kept.data, kept.len, err);
    else if (rc == 0 && remove(path) != 0)
        rc = seq_fail(err, "%s: cannot remove: %s", path, strerror(errno));
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

/* The second panel: accuracy, or a regression's validation RMSE. */
static int write_curve(const run *r, const history *h, const char *dir, seq_err *err)
{
    char *path = seq_path_join(dir, "curve.svg");
    int regression = r->info->n_features > 0;
    seq_plot_series loss[2] = {{"loss", h->loss}, {"val_loss", h->val_loss}};
    seq_plot_series acc[2] = {{"accuracy", h->acc}, {"val_accuracy", h->val_acc}};
    seq_plot_series rmse[1] = {{"val_rmse", h->val_acc}};
    int rc = regression ? seq_plot_curve(path, r->info->name, h->n, loss, 2, rmse, 1, "rmse", err)
                        : seq_plot_curve(path, r->info->name, h->n, loss, 2, acc, 2, "accuracy", err);
    free(path);
    return rc;
}

/* The files of a run folder; train writes no others. */
typedef struct run_files {
    char *dir, *ckpt, *best, *metrics, *curve;
} run_files;

/* Whether the checkpoint ends the epoch that set its best score (by the
 * score metrics.jsonl logged, to its 9 digits). */
static int ends_best_epoch(const run *r, const history *h)
{
    if (r->epoch_step != 0 || h->n == 0 || h->n != r->epoch)
        return 0;
    double last = seq_data_has(r->info, SEQ_DATA_CLASSES) ? h->val_acc[h->n - 1]
                                                           : -h->val_loss[h->n - 1];
    return fabs(last - r->best_val) <= 1e-8 * fabs(r->best_val) + 1e-12;
}

/* A kill between the checkpoint that ends an improving epoch and the best
 * file's write leaves best.safetensors a best behind (or missing): it does
 * not hold the best score the checkpoint records. That checkpoint is then
 * the best model, and its bytes become best.safetensors. */
static int repair_best(const run *r, const history *h, const run_files *f, seq_err *err)
{
    if (!isfinite(r->best_val))
        return 0; /* no best yet */
    seq_st st;
    seq_err ignored;
    int current = 0;
    if (seq_st_read(&st, f->best, &ignored) == 0) {
        const char *v = seq_st_get_meta(&st, "best_val_score");
        current = v && strtod(v, NULL) == r->best_val;
        seq_st_free(&st);
    }
    if (current)
        return 0;
    if (!ends_best_epoch(r, h)) { /* only a deleted or damaged file gets here */
        fprintf(stderr, "warning: %s is not the best model %s records; it is written again at "
                        "the next better validation score\n", f->best, f->ckpt);
        return 0;
    }
    char *bytes;
    size_t len;
    if (seq_read_file(f->ckpt, &bytes, &len, err) != 0)
        return -1;
    int rc = seq_write_file_atomic(f->best, bytes, len, err);
    free(bytes);
    return rc;
}

/* Brings the run folder to a state an uninterrupted run passes through,
 * whatever instant a kill came at: no temporaries; a fresh run (or --force)
 * with none of an old run's files; a resumed one with the metrics lines,
 * curve and best file of the epochs its checkpoint completed. */
static int prepare_run(const run *r, const run_files *f, int resume, history *hist, seq_err *err)
{
    char *const paths[] = {f->ckpt, f->best, f->metrics, f->curve};
    for (int i = 0; i < 4; i++) {
        if (seq_remove_temporaries(paths[i], err) != 0)
            return -1;
        if (!resume && remove(paths[i]) != 0 && errno != ENOENT)
            return seq_fail(err, "%s: cannot remove: %s", paths[i], strerror(errno));
    }
    if (!resume)
        return 0;
    if (history_resume(hist, f->metrics, r->epoch, err) != 0 || repair_best(r, hist, f, err) != 0)
        return -1;
    if (hist->n > 0)
        return write_curve(r, hist, f->dir, err);
    if (remove(f->curve) != 0 && errno != ENOENT)
        return seq_fail(err, "%s: cannot remove: %s", f->curve, strerror(errno));
    return 0;
}

/* A run folder holds a run when it has a checkpoint: train refuses to
 * overwrite it without --resume or --force. Returns the file found, or NULL. */
static const char *held_run(const char *ckpt, const char *best)
{
    if (access(ckpt, F_OK) == 0)
        return ckpt;
    return access(best, F_OK) == 0 ? best : NULL;
}

/* Everything before the first step: refuses a folder that holds a run,
 * loads the checkpoint (--resume) or initializes the parameters, loads and
 * fingerprints the data, then prepares the run folder. */
static int begin_run(run *r, const seq_options *o, const char *data_root, const run_files *f,
                     seq_data *data, history *hist, seq_err *err)
{
    const seq_model_info *info = r->info;
    const char *held = o->resume || o->force ? NULL : held_run(f->ckpt, f->best);
    if (held) /* before anything is read or written */
        return seq_fail(err, "%s already holds a run (%s): continue it with --resume, or start a "
                        "fresh run there with --force (which overwrites its checkpoints and "
                        "metrics), or give another --out", f->dir, held);
    if (o->resume) {
        if (load_checkpoint(r, f->ckpt, 1, err) != 0)
            return -1;
        printf("resuming %s at epoch %d, step %ld\n", f->ckpt, r->epoch + 1, r->step);
    } else {
        seq_init_params(info, r->seed, r->params);
    }
    unsigned want = 1u << SEQ_TRAIN | (info->data.validation_split > 0 ? 1u << SEQ_VAL : 0);
    double t0 = seq_now();
    if (run_data_load(r, data_root, o->limit, want, data, err) != 0 ||
        take_classes(r, data, data_root, err) != 0)
        return -1;
    if (!r->vocab) { /* the checkpoint carries the vocabulary built here */
        r->vocab = data->vocab;
        data->owns_vocab = 0;
    }
    if (!o->resume && /* pre-trained rows need the vocabulary; a resumed run has its own */
        seq_init_files(info, o->spec_root, r->vocab, r->params, err) != 0)
        return -1;
    if (o->init_weights && load_init_weights(r, o->init_weights, err) != 0)
        return -1;
    seq_fingerprint begun = r->trained_on; /* a resumed run's, from its checkpoint */
    if (seq_data_fingerprint(info, data_root, &r->trained_on, err) != 0)
        return -1;
    if (o->resume && begun.path[0] && strcmp(begun.sha256, r->trained_on.sha256) != 0)
        fprintf(stderr, "warning: %s began on %s (sha256 %.16s); it continues on %s, other data "
                        "(sha256 %.16s)\n", f->ckpt, begun.path, begun.sha256, r->trained_on.path,
                r->trained_on.sha256);
    if (seq_dist_rank() == 0 && /* rank 0 alone writes (dist/dist.h) */
        (seq_mkdirs(f->dir, err) != 0 || /* only once the data is known to be good */
         prepare_run(r, f, o->resume, hist, err) != 0))
        return -1;
    const seq_examples *train = &data->split[SEQ_TRAIN], *val = &data->split[SEQ_VAL];
    if (train->n == 0)
        return seq_fail(err, "%s: no training examples", data_root);
    printf("%s: %zu training and %zu validation examples (loaded in %.1f s), "
           "%zu parameters, %d threads\n",
           info->name, train->n, val->n, seq_now() - t0, info->n_params, o->threads);
    return 0;
}

/* The steps of the current epoch from r->epoch_step on, in ORDER, with the
 * periodic checkpoints; *STOPPED when --max-steps ends the run first. */
static int train_steps(run *r, const seq_options *o, const seq_examples *train,
                       const uint32_t *order, long per_epoch, const char *ckpt,
                       seq_progress *bar, int *stopped, seq_err *err)
{
    const seq_model_info *info = r->info;
    for (; r->epoch_step < per_epoch; r->epoch_step++) {
        if (o->max_steps > 0 && r->step >= o->max_steps) {
            *stopped = 1;
            return 0;
        }
        int n = run_fill(r, train, order, (size_t)r->epoch_step * (size_t)info->batch);
        long correct;
        double loss;
        if (train_step(r, n, &loss, &correct, err) != 0)
            return -1;
        r->epoch_loss += loss * n;
        r->epoch_correct += correct;
        r->epoch_seen += n;
        seq_progress_step(bar, n, loss, info->n_features ? NAN
                                         : (double)correct / ((double)n * positions(r)));
        long every = o->checkpoint_every ? o->checkpoint_every : info->train.checkpoint_every;
        if (every > 0 && r->step % every == 0 && r->epoch_step + 1 < per_epoch) {
            r->epoch_step++; /* saved as done */
            int rc = save_checkpoint(r, ckpt, err);
            r->epoch_step--;
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

/* The end of an epoch of STEPS steps in SECONDS: validation, its metrics
 * line and the curve, then the checkpoint that commits the epoch (and the
 * best file when the score improved). */
static int finish_epoch(run *r, const seq_examples *val, const run_files *f, history *hist,
                        int epochs, double seconds, long steps, seq_err *err)
{
    const seq_model_info *info = r->info;
    double rate = (double)steps * info->batch / (seconds > 0 ? seconds : 1);
    double loss = r->epoch_loss / (double)r->epoch_seen;
    double acc = info->n_features ? NAN
                 : (double)r->epoch_correct / ((double)r->epoch_seen * positions(r));
    score v = {NAN, NAN, 0, NAN, NAN};
    char shown[128];
    if (val->n)
        v = evaluate(r, val);
    if (val->n)
        printf("epoch %d/%d validation: %s (%zu examples)\n", r->epoch + 1, epochs,
               print_score(r, v, " ", shown, sizeof shown), val->n);
    seq_metric m[] = {{"epoch", r->epoch + 1}, {"step", (double)r->step},
                      {"loss", loss}, {"accuracy", acc},
                      {"val_loss", v.loss}, {"val_accuracy", v.accuracy},
                      {"seconds", seconds}, {"examples_per_second", rate},
                      {"val_rmse", v.rmse}, {"val_naive_rmse", v.baseline_rmse}};
    history_add(hist, loss, acc, v.loss, info->n_features ? v.rmse : v.accuracy);
    if (seq_dist_rank() == 0 &&
        (seq_metrics_append(f->metrics, "epoch", m, info->n_features ? 10 : 8, err) != 0 ||
         write_curve(r, hist, f->dir, err) != 0))
        return -1;

    int improved = val->n && run_val_score(r, v) > r->best_val;
    if (improved)
        r->best_val = run_val_score(r, v);
    r->epoch_step = 0;
    r->epoch_loss = 0;
    r->epoch_correct = r->epoch_seen = 0;
    r->epoch++; /* saved as completed */
    /* the checkpoint commits the epoch; a kill before the best file's
     * write is repaired by the next --resume (repair_best) */
    int rc = save_checkpoint(r, f->ckpt, err);
    if (rc == 0 && improved)
        rc = save_checkpoint(r, f->best, err);
    if (rc == 0) /* a log that cannot be written stops the run, its epoch saved */
        rc = seq_flush_stdout(err);
    r->epoch--;
    return rc;
}

int cmd_train(run *r, const seq_options *o, const char *data_root)
{
    const seq_model_info *info = r->info;
    seq_err err;
    char *dir = o->out ? seq_xstrdup(o->out) : seq_path_join("runs", info->name);
    run_files f = {dir, seq_path_join(dir, "checkpoint.safetensors"),
                   seq_path_join(dir, "best.safetensors"), seq_path_join(dir, "metrics.jsonl"),
                   seq_path_join(dir, "curve.svg")};
    int status = SEQ_EXIT_FAIL;
    seq_data data;
    memset(&data, 0, sizeof data);
    history hist = {0};
    uint32_t *order = NULL;
    if (begin_run(r, o, data_root, &f, &data, &hist, &err) != 0)
        goto fail;

    const seq_examples *train = &data.split[SEQ_TRAIN], *val = &data.split[SEQ_VAL];
    int B = info->batch;
    int epochs = o->epochs > 0 ? o->epochs : info->train.epochs;
    long per_epoch = (long)((train->n + (size_t)B - 1) / (size_t)B);
    if (r->epoch_step >= per_epoch) { /* a resumed run's place is in this data's epoch */
        seq_fail(&err, "%s stands at batch %ld of an epoch, but the data has %ld batches an epoch",
                 f.ckpt, r->epoch_step + 1, per_epoch);
        goto fail;
    }
    order = seq_xmalloc(train->n * sizeof *order);
    int stopped = 0;
    for (; r->epoch < epochs && !stopped; r->epoch++) {
        epoch_order(r, r->epoch, order, train->n);
        if (r->epoch_step == 0) /* streams start over each epoch; a resume keeps its state */
            reset_state(r);
        seq_progress bar;
        seq_progress_start(&bar, stdout, r->epoch + 1, epochs, per_epoch);
        double t_epoch = seq_now();
        long done_before = r->epoch_step;
        if (train_steps(r, o, train, order, per_epoch, f.ckpt, &bar, &stopped, &err) != 0)
            goto fail;
        seq_progress_end(&bar);
        if (stopped && r->epoch_step < per_epoch) {
            if (save_checkpoint(r, f.ckpt, &err) != 0)
                goto fail;
            printf("stopped after step %ld (--max-steps); resume with --resume\n", r->step);
            break;
        }
        if (finish_epoch(r, val, &f, &hist, epochs, seq_now() - t_epoch,
                         r->epoch_step - done_before, &err) != 0)
            goto fail;
    }
    printf("checkpoint: %s\n", f.ckpt);
    if (isfinite(r->best_val))
        printf("best validation %s %.4f: %s\n",
               seq_data_has(r->info, SEQ_DATA_CLASSES) ? "accuracy" : "loss",
               fabs(r->best_val), f.best);
    status = SEQ_EXIT_OK;
fail:
    if (status != SEQ_EXIT_OK)
        fprintf(stderr, "error: %s\n", err.msg);
    free(order);
    history_free(&hist);
    seq_data_free(&data);
    free(f.dir);
    free(f.ckpt);
    free(f.best);
    free(f.metrics);
    free(f.curve);
    return status;
}
