/* checkpoint.c: a run saved and restored as safetensors: parameters, Adam's
 * moments, the vocabulary and classes, and where training stands (step,
 * epoch, RNG state), so that a resumed run ends with the same bytes. */
#include "run.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "dist/dist.h"
#include "store/safetensors.h"

#define CHECKPOINT_FORMAT "seqcc-checkpoint/1"
/* A weights file (`seqcc import` writes one): the parameters by tensor name,
 * with the model's name and the checksum, nothing of a run. */
#define WEIGHTS_FORMAT "seqcc-weights/1"

void st_add_tensor(seq_st *st, const char *prefix, const seq_tensor_info *t, const real *arena)
{
    char name[160];
    int64_t shape[4];
    for (int d = 0; d < t->rank; d++)
        shape[d] = t->shape[d];
    snprintf(name, sizeof name, "%s%s", prefix, t->name);
    seq_st_add(st, name, SEQ_DTYPE, t->rank, shape, arena + t->offset);
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

/* The index of the first non-finite value of X[0..n), or -1. */
static long first_nonfinite(const real *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite((double)x[i]))
            return (long)i;
    return -1;
}

/* Fails naming the first tensor of ARENA (PREFIX + name) with a non-finite value. */
static int check_finite(const seq_model_info *info, const char *path, const char *prefix,
                        const real *arena, seq_err *err)
{
    for (int i = 0; i < info->n_tensors; i++) {
        const seq_tensor_info *t = &info->tensors[i];
        long at = first_nonfinite(arena + t->offset, t->size);
        if (at >= 0)
            return seq_fail(err, "%s: tensor \"%s%s\" holds a non-finite value (%g at index %ld)",
                            path, prefix, t->name, (double)arena[t->offset + (size_t)at], at);
    }
    return 0;
}

/* A run that holds no value a checkpoint must not hold. */
static int check_savable(const run *r, const char *path, seq_err *err)
{
    seq_err why;
    if (check_finite(r->info, path, "", r->params, &why) ||
        check_finite(r->info, path, "optimizer/m/", r->adam_m, &why) ||
        check_finite(r->info, path, "optimizer/v/", r->adam_v, &why) ||
        (r->m->n_state && first_nonfinite(r->acts, r->m->n_state) >= 0 &&
         seq_fail(&why, "%s: the carried state holds a non-finite value", path)) ||
        (!isfinite(r->epoch_loss) && seq_fail(&why, "%s: the epoch's loss is %g", path,
                                              r->epoch_loss)) ||
        (isnan(r->best_val) || r->best_val == INFINITY ? seq_fail(&why, "%s: the best score is %g",
                                                                path, r->best_val) : 0))
        return seq_fail(err, "not saved at step %ld: %s", r->step, why.msg);
    return 0;
}

/* Writes ST to PATH with its checksum (CHECKSUM_KEY, set last). */
/* Parameters, optimizer state, vocabulary and where training stands. Refuses
 * (without writing) a run with a non-finite parameter, moment or state. */
int save_checkpoint(const run *r, const char *path, seq_err *err)
{
    const seq_model_info *info = r->info;
    if (r->m->share_states) /* each block's state, from the rank that ran it (dist/dist.h) */
        r->m->share_states(r->acts);
    if (check_savable(r, path, err) != 0)
        return -1;
    if (seq_dist_rank() != 0) /* rank 0 alone writes */
        return 0;
    seq_st st;
    seq_st_init(&st);
    seq_st_set_meta(&st, "format", CHECKPOINT_FORMAT);
    seq_st_set_meta(&st, "model", info->name);
    seq_st_set_meta(&st, "spec_sha256", info->spec_sha256);
    seq_st_set_meta(&st, "seqcc_version", info->seqcc_version);
    seq_st_set_meta(&st, "precision", SEQ_PRECISION);
    set_meta_long(&st, "seed", (long long)r->seed);
    set_meta_long(&st, "step", r->step);
    set_meta_long(&st, "epoch", r->epoch);
    set_meta_long(&st, "epoch_step", r->epoch_step);
    set_meta_double(&st, "epoch_loss", r->epoch_loss);
    set_meta_long(&st, "epoch_correct", r->epoch_correct);
    set_meta_long(&st, "epoch_seen", r->epoch_seen);
    set_meta_double(&st, "best_val_score", r->best_val);
    char rng[80];
    snprintf(rng, sizeof rng, "%016llx %016llx %016llx %016llx",
             (unsigned long long)r->rng.s[0], (unsigned long long)r->rng.s[1],
             (unsigned long long)r->rng.s[2], (unsigned long long)r->rng.s[3]);
    seq_st_set_meta(&st, "rng", rng);
    if (r->trained_on.path[0]) { /* what eval compares the data it is given with */
        seq_st_set_meta(&st, "data_path", r->trained_on.path);
        set_meta_long(&st, "data_size", (long long)r->trained_on.size);
        seq_st_set_meta(&st, "data_sha256", r->trained_on.sha256);
    }

    for (int i = 0; i < info->n_tensors; i++)
        st_add_tensor(&st, "", &info->tensors[i], r->params);
    for (int i = 0; i < info->n_tensors; i++)
        st_add_tensor(&st, "optimizer/m/", &info->tensors[i], r->adam_m);
    for (int i = 0; i < info->n_tensors; i++)
        st_add_tensor(&st, "optimizer/v/", &info->tensors[i], r->adam_v);
    seq_buf vocab = {0};
    double scale[2 * SEQ_SERIES_MAX_FEATURES];
    int64_t n_chars = r->n_chars;
    if (info->n_features) { /* a series' scale: means, then standard deviations */
        int F = r->scale.n_features;
        int64_t shape[2] = {2, F};
        memcpy(scale, r->scale.mean, (size_t)F * sizeof *scale);
        memcpy(scale + F, r->scale.std, (size_t)F * sizeof *scale);
        seq_st_add(&st, "data/series_scale", SEQ_F64, 2, shape, scale);
        set_meta_long(&st, "series_target", r->scale.target);
    }
    if (seq_data_has(info, SEQ_DATA_STREAM) || info->word_len) /* the characters, by id (data/chars.h) */
        seq_st_add(&st, "tokenizer/chars", SEQ_I32, 1, &n_chars, r->chars ? (void *)r->chars : "");
    if (seq_data_has(info, SEQ_DATA_CLASSES)) {
        seq_vocab_save(r->vocab, &vocab);
        int64_t len = (int64_t)vocab.len;
        seq_st_add(&st, "tokenizer/vocab", SEQ_U8, 1, &len, vocab.data ? vocab.data : "");
        int64_t classes_len = (int64_t)r->classes.len;
        seq_st_add(&st, "data/classes", SEQ_U8, 1, &classes_len,
                   r->classes.data ? r->classes.data : "");
    }
    if (r->m->n_state) { /* the carried states, for a bit-identical resume */
        int64_t n_state = (int64_t)r->m->n_state;
        seq_st_add(&st, "state", SEQ_DTYPE, 1, &n_state, r->acts);
    }
    int rc = seq_st_write_checksummed(&st, path, err);
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
    long bad = first_nonfinite(dst, t->size);
    if (bad >= 0)
        return seq_fail(err, "%s: tensor \"%s\" holds a non-finite value (%g at index %ld)", path,
                        name, (double)dst[bad], bad);
    for (size_t i = 0; strcmp(prefix, "optimizer/v/") == 0 && i < t->size; i++)
        if (dst[i] < 0) /* a second moment is a mean of squares */
            return seq_fail(err, "%s: tensor \"%s\" holds a negative value (%g at index %zu)",
                            path, name, (double)dst[i], i);
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

static int load_vocab(run *r, const seq_st *st, const char *path, seq_err *err)
{
    const seq_st_tensor *v = seq_st_find(st, "tokenizer/vocab");
    if (!v || v->dtype != SEQ_U8)
        return seq_fail(err, "%s: no U8 tensor \"tokenizer/vocab\"", path);
    const seq_st_tensor *classes = seq_st_find(st, "data/classes");
    if (!classes || classes->dtype != SEQ_U8)
        return seq_fail(err, "%s: no U8 tensor \"data/classes\"", path);
    seq_buf_add(&r->classes, classes->data, classes->nbytes);
    seq_err verr;
    r->vocab = seq_vocab_load(v->data, v->nbytes, r->info->data.vocab_size, &verr);
    if (!r->vocab)
        return seq_fail(err, "%s: tokenizer/vocab: %s", path, verr.msg);
    return 0;
}

/* The characters: at most vocab_size - 1 of a char-lm's, char_vocab_size - 2
 * of a char_cnn's. */
static int load_chars(run *r, const seq_st *st, const char *path, seq_err *err)
{
    const seq_data_info *d = &r->info->data;
    int most = seq_data_has(r->info, SEQ_DATA_STREAM) ? d->vocab_size - 1 : d->char_vocab_size - 2;
    const seq_st_tensor *c = seq_st_find(st, "tokenizer/chars");
    if (!c || c->dtype != SEQ_I32 || c->rank != 1 || c->shape[0] > most)
        return seq_fail(err, "%s: no I32 tensor \"tokenizer/chars\" of at most %d characters",
                        path, most);
    r->n_chars = (int)c->shape[0];
    r->chars = seq_xmalloc((size_t)(r->n_chars ? r->n_chars : 1) * sizeof *r->chars);
    memcpy(r->chars, c->data, (size_t)r->n_chars * sizeof *r->chars);
    return 0;
}

static int load_scale(run *r, const seq_st *st, const char *path, seq_err *err)
{
    const seq_st_tensor *t = seq_st_find(st, "data/series_scale");
    int F = r->info->n_features;
    long target = -1;
    if (!t || t->dtype != SEQ_F64 || t->rank != 2 || t->shape[0] != 2 || t->shape[1] != F)
        return seq_fail(err, "%s: no F64 tensor \"data/series_scale\" [2, %d]", path, F);
    if (meta_long(st, path, "series_target", &target, err) != 0)
        return -1;
    if (target < 0 || target >= F)
        return seq_fail(err, "%s: metadata \"series_target\" is %ld; expected 0 to %d", path,
                        target, F - 1);
    memset(&r->scale, 0, sizeof r->scale);
    r->scale.n_features = F;
    r->scale.target = (int)target;
    memcpy(r->scale.mean, t->data, (size_t)F * sizeof(double));
    memcpy(r->scale.std, (const char *)t->data + (size_t)F * sizeof(double), (size_t)F * sizeof(double));
    for (int f = 0; f < F; f++)
        if (!(r->scale.std[f] > 0) || !isfinite(r->scale.mean[f]))
            return seq_fail(err, "%s: data/series_scale: feature %d has mean %g and std %g",
                            path, f, r->scale.mean[f], r->scale.std[f]);
    return 0;
}

/* The training data's fingerprint, when the checkpoint has one (older ones do not). */
static void load_fingerprint(run *r, const seq_st *st)
{
    const char *path = seq_st_get_meta(st, "data_path");
    const char *size = seq_st_get_meta(st, "data_size");
    const char *hash = seq_st_get_meta(st, "data_sha256");
    memset(&r->trained_on, 0, sizeof r->trained_on);
    if (!path || !size || !hash || strlen(path) >= sizeof r->trained_on.path ||
        strlen(hash) != 64)
        return;
    memcpy(r->trained_on.path, path, strlen(path) + 1);
    memcpy(r->trained_on.sha256, hash, 65);
    r->trained_on.size = strtoull(size, NULL, 10);
}

/* The carried states, if the checkpoint has them, are finite. */
static int check_state(const seq_st *st, const char *path, seq_err *err)
{
    const seq_st_tensor *t = seq_st_find(st, "state");
    size_t size = t ? seq_dtype_size(t->dtype) : 0;
    for (size_t at = 0; t && (t->dtype == SEQ_F32 || t->dtype == SEQ_F64) && at < t->nbytes;
         at += size) {
        float f;
        double d;
        if (size == 4)
            memcpy(&f, (const char *)t->data + at, 4);
        else
            memcpy(&d, (const char *)t->data + at, 8);
        if (!isfinite(size == 4 ? (double)f : d))
            return seq_fail(err, "%s: tensor \"state\" holds a non-finite value (at index %zu)",
                            path, at / size);
    }
    return 0;
}

/* Adam's moments: into the run's arenas with RESUME, else checked (they
 * must be sound whatever the command) and dropped. */
static int load_moments(run *r, const seq_st *st, const char *path, int resume, seq_err *err)
{
    const seq_model_info *info = r->info;
    real *scratch = resume ? NULL : alloc_reals(info->n_params);
    real *m = resume ? r->adam_m : scratch, *v = resume ? r->adam_v : scratch;
    int rc = 0;
    for (int i = 0; i < info->n_tensors && rc == 0; i++)
        rc = load_tensor(st, path, "optimizer/m/", &info->tensors[i], m, err) != 0 ||
             load_tensor(st, path, "optimizer/v/", &info->tensors[i], v, err) != 0 ? -1 : 0;
    free(scratch);
    return rc;
}

/* Where training stood, as a checkpoint's metadata says. */
typedef struct progress {
    long seed, step, epoch, epoch_step, correct, seen;
    double loss, best;
    uint64_t rng[4];
} progress;

/* "%016llx %016llx %016llx %016llx", exactly. */
static int parse_rng(const char *s, uint64_t rng[4])
{
    for (int i = 0; i < 4; i++, s += 17) {
        if (strspn(s, "0123456789abcdef") != 16 || s[16] != (i < 3 ? ' ' : '\0'))
            return -1;
        rng[i] = strtoull(s, NULL, 16);
    }
    return rng[0] | rng[1] | rng[2] | rng[3] ? 0 : -1; /* xoshiro's state is never all zero */
}

static int out_of_range(const char *path, const char *key, const char *what, seq_err *err)
{
    return seq_fail(err, "%s: metadata \"%s\" is out of range (%s)", path, key, what);
}

/* Reads and checks where training stood: counts that training can reach,
 * each within what the ones before it allow. */
static int load_progress(const run *r, const seq_st *st, const char *path, progress *p,
                         seq_err *err)
{
    if (meta_long(st, path, "seed", &p->seed, err) || meta_long(st, path, "step", &p->step, err) ||
        meta_long(st, path, "epoch", &p->epoch, err) ||
        meta_long(st, path, "epoch_step", &p->epoch_step, err) ||
        meta_long(st, path, "epoch_correct", &p->correct, err) ||
        meta_long(st, path, "epoch_seen", &p->seen, err) ||
        meta_double(st, path, "epoch_loss", &p->loss, err) ||
        meta_double(st, path, "best_val_score", &p->best, err))
        return -1;
    const char *rng = seq_st_get_meta(st, "rng");
    if (!rng || parse_rng(rng, p->rng) != 0)
        return seq_fail(err, "%s: metadata \"rng\" is missing or malformed (four 16-digit hex "
                        "numbers, not all zero)", path);
    long batch = r->info->batch, most_steps = LONG_MAX / (batch * positions(r));
    int by_loss = !seq_data_has(r->info, SEQ_DATA_CLASSES);
    if (p->step < 0 || p->step > most_steps)
        return out_of_range(path, "step", "0 or more", err);
    if (p->epoch < 0 || p->epoch > p->step || p->epoch >= INT_MAX)
        return out_of_range(path, "epoch", "0 to step: each epoch has a step at least", err);
    if (p->epoch_step < 0 || p->epoch_step > p->step)
        return out_of_range(path, "epoch_step", "0 to step", err);
    if (p->seen < 0 || p->seen > p->epoch_step * batch)
        return out_of_range(path, "epoch_seen", "0 to epoch_step times the batch", err);
    if (p->correct < 0 || p->correct > p->seen * positions(r))
        return out_of_range(path, "epoch_correct", "0 to the predictions of epoch_seen", err);
    if (!isfinite(p->loss))
        return out_of_range(path, "epoch_loss", "a finite sum of losses", err);
    if (isnan(p->best) || p->best == INFINITY ||
        (isfinite(p->best) && (by_loss ? p->best > 0 : p->best < 0 || p->best > 1)))
        return out_of_range(path, "best_val_score", by_loss ? "-inf, or minus a loss"
                                                            : "-inf, or an accuracy 0 to 1", err);
    return 0;
}

/* Checks the checksum ST's file records: the SHA-256 of its bytes with
 * the recorded digits zeroed (write_checksummed). */
/* Loads parameters and vocabulary; with RESUME also the optimizer state and
 * where training stood. */
/* A weights file's parameters (its format and checksum checked): a text
 * classifier's, with the classes named by their index and no vocabulary
 * (predict --ids, export, export-onnx; train --init-weights). */
/* ST's parameters into R (its model's name and checksum checked first). */
static int load_params(run *r, const seq_st *st, const char *path, seq_err *err)
{
    const seq_model_info *info = r->info;
    const char *model = seq_st_get_meta(st, "model");
    if (!model || strcmp(model, info->name) != 0)
        return seq_fail(err, "%s: the weights of model \"%s\", not \"%s\"", path,
                        model ? model : "?", info->name);
    if (seq_st_verify_checksum(st, path, err) != 0)
        return -1;
    for (int i = 0; i < info->n_tensors; i++)
        if (load_tensor(st, path, "", &info->tensors[i], r->params, err) != 0)
            return -1;
    return 0;
}

static int load_weights(run *r, const seq_st *st, const char *path, seq_err *err)
{
    const seq_model_info *info = r->info;
    if (load_params(r, st, path, err) != 0)
        return -1;
    if (!seq_data_has(info, SEQ_DATA_CLASSES) || info->word_len)
        return seq_fail(err, "%s: a weights file has no vocabulary, characters or scale: %s "
                        "needs a checkpoint (train it with --init-weights %s)", path, info->name,
                        path);
    int classes = info->loss == SEQ_LOSS_BCE ? 2 : info->n_outputs;
    r->classes.len = 0;
    for (int c = 0; c < classes; c++)
        seq_buf_printf(&r->classes, "%s%d", c ? "\n" : "", c);
    return 0;
}

int load_init_weights(run *r, const char *path, seq_err *err)
{
    seq_st st;
    if (seq_st_read(&st, path, err) != 0)
        return -1;
    const char *format = seq_st_get_meta(&st, "format");
    int rc = -1;
    if (!format || (strcmp(format, WEIGHTS_FORMAT) != 0 && strcmp(format, CHECKPOINT_FORMAT) != 0))
        seq_fail(err, "%s: neither weights nor a checkpoint of seqcc (metadata format is %s)",
                 path, format ? format : "missing");
    else
        rc = load_params(r, &st, path, err);
    seq_st_free(&st);
    return rc;
}

int load_checkpoint(run *r, const char *path, int resume, seq_err *err)
{
    const seq_model_info *info = r->info;
    seq_st st;
    if (seq_st_read(&st, path, err) != 0)
        return -1;
    int rc = -1;
    const char *format = seq_st_get_meta(&st, "format");
    const char *model = seq_st_get_meta(&st, "model");
    const char *hash = seq_st_get_meta(&st, "spec_sha256");
    if (format && strcmp(format, WEIGHTS_FORMAT) == 0 && !resume) {
        rc = load_weights(r, &st, path, err);
        goto done;
    }
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
    if (seq_st_verify_checksum(&st, path, err) != 0)
        goto done;
    if (!hash || strcmp(hash, info->spec_sha256) != 0)
        fprintf(stderr, "warning: %s was written from another version of %s "
                        "(spec sha256 %.16s, this binary %.16s)\n",
                path, info->spec_file, hash ? hash : "?", info->spec_sha256);
    for (int i = 0; i < info->n_tensors; i++)
        if (load_tensor(&st, path, "", &info->tensors[i], r->params, err) != 0)
            goto done;
    load_fingerprint(r, &st);
    int chars = seq_data_has(info, SEQ_DATA_STREAM) || info->word_len;
    if ((seq_data_has(info, SEQ_DATA_VALUES) && load_scale(r, &st, path, err) != 0) ||
        (seq_data_has(info, SEQ_DATA_CLASSES) && load_vocab(r, &st, path, err) != 0) ||
        (chars && load_chars(r, &st, path, err) != 0))
        goto done;
    if (check_state(&st, path, err) != 0)
        goto done;
    if (resume && r->m->n_state) {
        const seq_st_tensor *state = seq_st_find(&st, "state");
        if (!state || state->dtype != SEQ_DTYPE || state->nbytes != r->m->n_state * sizeof(real)) {
            seq_fail(err, "%s: no %s tensor \"state\" of %zu values", path, seq_dtype_name(SEQ_DTYPE),
                     r->m->n_state);
            goto done;
        }
        memcpy(r->acts, state->data, state->nbytes);
    }
    if (load_moments(r, &st, path, resume, err) != 0)
        goto done;
    progress p;
    if (load_progress(r, &st, path, &p, err) != 0)
        goto done;
    r->step = p.step; /* named by the exports */
    if (resume) {
        memcpy(r->rng.s, p.rng, sizeof p.rng);
        r->seed = (uint64_t)p.seed;
        r->epoch = (int)p.epoch;
        r->epoch_step = p.epoch_step;
        r->epoch_correct = p.correct;
        r->epoch_seen = p.seen;
        r->epoch_loss = p.loss;
        r->best_val = p.best;
    }
    rc = 0;
done:
    seq_st_free(&st);
    return rc;
}

