/* commands.c: eval, grads, bench, sample and export (predict is predict.c). */
#include "train/run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "base/utf8.h"
#include "dist/dist.h"
#include "onnx/onnx.h"
#include "store/safetensors.h"
#include "train/init.h"
#include "export.h"

static int need_checkpoint(const seq_options *o, const char *cmd)
{
    if (o->checkpoint)
        return 0;
    fprintf(stderr, "error: %s needs --checkpoint FILE (a train run writes "
                    "runs/NAME/checkpoint.safetensors)\n", cmd);
    return -1;
}

/* Warns when FILE, the test part, is the data the checkpoint was trained on. */
static void warn_if_trained_on(const run *r, const seq_options *o, const char *file)
{
    seq_fingerprint fp;
    seq_err ignored;
    if (!r->trained_on.path[0] || seq_data_fingerprint(r->info, file, &fp, &ignored) != 0)
        return; /* an unreadable file is reported when it is loaded */
    if (strcmp(fp.sha256, r->trained_on.sha256) == 0)
        fprintf(stderr, "warning: %s was trained on this file (%s): the figure is not a test "
                        "figure\n", o->checkpoint, file);
}

/* The data the checkpoint was trained on, for the splits cut from it.
 * --data says which; without it, the spec's data (DATA_ROOT) if the
 * checkpoint was trained on it, else the file or folder it records, if
 * that is still there unchanged; else DATA_ROOT, with a warning naming
 * both. */
static const char *training_data(const run *r, const seq_options *o, const char *data_root)
{
    const seq_fingerprint *was = &r->trained_on;
    seq_fingerprint now;
    seq_err ignored;
    if (o->data || !was->path[0] ||
        (seq_data_fingerprint(r->info, data_root, &now, &ignored) == 0 &&
         strcmp(now.sha256, was->sha256) == 0))
        return data_root;
    if (seq_data_fingerprint(r->info, was->path, &now, &ignored) == 0 &&
        strcmp(now.sha256, was->sha256) == 0) {
        fprintf(stderr, "note: %s was trained on %s, not on the spec's data %s: using %s "
                        "(--data chooses)\n", o->checkpoint, was->path, data_root, was->path);
        return was->path;
    }
    fprintf(stderr, "warning: %s was trained on %s (sha256 %.16s), which is gone or has "
                    "changed, not on the spec's data %s: using %s, whose test part may hold "
                    "training examples\n", o->checkpoint, was->path, was->sha256, data_root,
            data_root);
    return data_root;
}

/* The split --split names (default test). The test part of a CSV model
 * (text classification or series) is a whole file when there is one:
 * --test-data, eval's (or grads') --data, the spec's test_path; else,
 * as every other split, a part of the training data. */
static int load_split(run *r, const seq_options *o, const char *data_root, seq_data *data,
                      seq_split *split, seq_err *err)
{
    const char *name = o->split ? o->split : "test";
    if (seq_data_has(r->info, SEQ_DATA_CLASSES) && !r->vocab)
        return seq_fail(err, "%s is a weights file, without the vocabulary that maps the data's "
                        "words to ids: train from it first (train --init-weights %s)",
                        o->checkpoint, o->checkpoint);
    if (seq_split_parse(name, split) != 0)
        return seq_fail(err, "unknown split '%s' (expected train, val or test)", name);
    if (*split == SEQ_VAL && r->info->data.validation_split <= 0)
        return seq_fail(err, "the spec has no validation split");
    const char *test_file = NULL;
    if (*split == SEQ_TEST && r->info->data.format == SEQ_FORMAT_CSV)
        test_file = o->test_data ? o->test_data : o->data ? data_root : o->test_root;
    int rc;
    if (test_file) {
        warn_if_trained_on(r, o, test_file);
        char *text = NULL, **names = NULL;
        int n = r->info->n_features ? 0 : run_class_list(r, &text, &names);
        rc = seq_data_load_test_file(r->info, test_file, o->limit, r->vocab, r->chars,
                                     r->n_chars, names, n, &r->scale, data, err);
        free(names);
        free(text);
        data_root = test_file;
    } else {
        data_root = training_data(r, o, data_root);
        rc = run_data_load(r, data_root, o->limit, 1u << *split, data, err);
    }
    if (rc != 0)
        return -1;
    if (take_classes(r, data, data_root, err) != 0) {
        seq_data_free(data);
        return -1;
    }
    return 0;
}

int cmd_eval(run *r, const seq_options *o, const char *data_root)
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
    char shown[128];
    printf("%s: %zu examples, %s (%.1f s)\n", seq_split_name(split), s.n,
           print_score(r, s, ", ", shown, sizeof shown), seconds);
    seq_data_free(&data);
    return SEQ_EXIT_OK;
}

int cmd_grads(run *r, const seq_options *o, const char *data_root)
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
    if (data.split[split].n == 0) {
        fprintf(stderr, "error: %s: the %s split is empty\n", data_root, seq_split_name(split));
        seq_data_free(&data);
        return SEQ_EXIT_FAIL;
    }
    int n = run_fill(r, &data.split[split], NULL, 0);
    seq_batch in = run_batch(r, n);
    real loss = r->m->forward(r->params, r->acts, &in, 0, NULL);
    r->m->backward(r->params, r->grads, r->acts, &in);

    seq_st st;
    seq_st_init(&st);
    seq_st_set_meta(&st, "model", info->name);
    seq_st_set_meta(&st, "spec_sha256", info->spec_sha256);
    seq_st_set_meta(&st, "split", seq_split_name(split));
    seq_st_set_meta(&st, "precision", SEQ_PRECISION);
    seq_st_set_meta(&st, "loss", "mean over the first n_valid rows; dropout off");
    int64_t ids_shape[2] = {info->batch, info->seq_len}, batch_shape[1] = {info->batch};
    int64_t targets_shape[2] = {info->batch, positions(r)};
    int32_t n_valid = n;
    seq_st_add(&st, "loss", SEQ_DTYPE, 0, NULL, &loss);
    int64_t inputs_shape[3] = {info->batch, info->seq_len, info->n_features};
    if (info->n_features)
        seq_st_add(&st, "batch/inputs", SEQ_F32, 3, inputs_shape, r->inputs);
    else
        seq_st_add(&st, "batch/ids", SEQ_I32, 2, ids_shape, r->ids);
    seq_st_add(&st, "batch/lengths", SEQ_I32, 1, batch_shape, r->lengths);
    seq_st_add(&st, "batch/targets", SEQ_F32, seq_data_has(info, SEQ_DATA_STREAM) ? 2 : 1,
               targets_shape, r->targets);
    seq_st_add(&st, "batch/n_valid", SEQ_I32, 0, NULL, &n_valid);
    int64_t chars_shape[3] = {info->batch, info->seq_len, info->word_len};
    if (r->char_ids)
        seq_st_add(&st, "batch/chars", SEQ_I32, 3, chars_shape, r->char_ids);
    for (int i = 0; i < info->n_tensors; i++)
        st_add_tensor(&st, "grad/", &info->tensors[i], r->grads);
    int rc = seq_dist_rank() == 0 ? seq_st_write(&st, o->out, &err) : 0; /* rank 0 writes */
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

/* ---- bench --------------------------------------------------------------------- */

static int draw(const real *p, int k, double temperature, int top_k, seq_rng *rng);

/* The peak resident memory of this process in MB: VmHWM of /proc/self/status,
 * the high-water mark of its own address space, where there is one. Linux's
 * ru_maxrss, the fallback, also counts what the parent had resident when it
 * started this program (a benchmark script's Python, say). */
static double peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        long kb = -1;
        while (kb < 0 && fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld kB", &kb) != 1)
                kb = -1;
        fclose(f);
        if (kb >= 0)
            return (double)kb / 1024.0;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* Times training steps on random data, then batch-1 predictions: a whole
 * example of a classifier or series model, or one step of `sample` for a
 * char-lm (a character in, the states carried, the next one drawn from the
 * output at temperature 1 and fed back). */
int cmd_bench(run *r, const seq_options *o)
{
    const seq_model_info *info = r->info;
    int B = info->batch, T = info->seq_len;
    seq_init_params(info, r->seed, r->params);
    seq_rng data;
    seq_rng_seed(&data, 7);
    for (int i = 0; i < B * T; i++)
        r->ids[i] = info->n_features ? 0 : (int32_t)seq_rng_below(&data, (uint64_t)info->data.vocab_size);
    for (int i = 0; r->inputs && i < B * T * info->n_features; i++)
        r->inputs[i] = (float)seq_rng_normal(&data);
    int classes = info->n_outputs == 1 ? 2 : info->n_outputs;
    for (int i = 0; i < B * positions(r); i++)
        r->targets[i] = info->n_features ? (float)seq_rng_normal(&data)
                                         : (float)seq_rng_below(&data, (uint64_t)classes);
    for (int i = 0; i < B; i++)
        r->lengths[i] = T;
    size_t W = (size_t)info->word_len;
    for (size_t i = 0; r->char_ids && i < (size_t)B * T * W; i++)
        r->char_ids[i] = (int32_t)seq_rng_below(&data, (uint64_t)info->data.char_vocab_size);
    long correct, steps = o->steps > 0 ? o->steps : 100;
    double loss;
    seq_err err;
    int rc = 0;
    for (int i = 0; i < 5 && rc == 0; i++) /* warm up */
        rc = train_step(r, B, &loss, &correct, &err);
    double t0 = seq_now();
    seq_dist_totals before = seq_dist_done(); /* over MPI: the blocks' results shared */
    for (long i = 0; i < steps && rc == 0; i++)
        rc = train_step(r, B, &loss, &correct, &err);
    seq_dist_totals after = seq_dist_done();
    if (rc != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return SEQ_EXIT_FAIL;
    }
    double train_s = (seq_now() - t0) / (double)steps;

    real *acts = alloc_reals(r->m->n_acts_predict);
    size_t X = (size_t)T * (size_t)info->n_features;
    int stream = seq_data_has(info, SEQ_DATA_STREAM);
    int32_t length = stream ? 1 : T, next = 0; /* a stream: the character drawn */
    seq_rng pick;
    seq_rng_seed(&pick, 11);
    for (long i = 0; i < 20 + steps * 10; i++) { /* 20 to warm up, then timed */
        if (i == 20)
            t0 = seq_now();
        size_t b = (size_t)(i % B);
        seq_batch one = {stream ? &next : r->ids + b * T, &length, NULL, 1,
                         r->inputs ? r->inputs + b * X : NULL,
                         r->char_ids ? r->char_ids + b * T * W : NULL};
        r->m->predict(r->params, acts, &one);
        if (stream)
            next = draw(acts + r->m->output_predict, info->n_outputs, 1.0, 0, &pick);
    }
    long reps = steps * 10;
    double predict_s = (seq_now() - t0) / (double)reps;
    free(acts);

    printf("{\"model\": \"%s\", \"precision\": \"%s\", \"threads\": %d, \"ranks\": %d, "
           "\"batch\": %d, \"seq_len\": %d, \"train_step_ms\": %.4f, \"examples_per_second\": %.1f, "
           "\"exchange_ms\": %.4f, \"exchanged_bytes\": %.0f, \"exchanges\": %ld, "
           "\"predict_ms\": %.5f, \"predict_kind\": \"%s\", \"max_rss_mb\": %.1f}\n",
           info->name, SEQ_PRECISION, o->threads, seq_dist_ranks(), B, T, 1e3 * train_s,
           B / train_s, 1e3 * (after.seconds - before.seconds) / (double)steps,
           (after.bytes - before.bytes) / (double)steps,
           (after.collectives - before.collectives) / steps, 1e3 * predict_s,
           stream ? "sampled_char" : "example", peak_rss_mb());
    return SEQ_EXIT_OK;
}

/* ---- sample ------------------------------------------------------------------ */

/* The most likely id of P[0..k) (ties: the lowest). */
static int most_likely(const real *p, int k)
{
    int best = 0;
    for (int c = 1; c < k; c++)
        if (p[c] > p[best])
            best = c;
    return best;
}

/* Draws an id from the probabilities P[0..k) sharpened or flattened by
 * TEMPERATURE (p^(1/temperature)) among the TOP_K most likely (0: all).
 * The weights are (p/max p)^(1/temperature), computed from logarithms: near
 * 0 they still hold the most likely id (weight 1); at 0 that id is taken. */
static int draw(const real *p, int k, double temperature, int top_k, seq_rng *rng)
{
    int best = most_likely(p, k);
    if (temperature == 0 || !(p[best] > 0))
        return best;
    double *w = seq_xmalloc((size_t)k * sizeof *w), total = 0;
    double log_max = log((double)p[best]);
    for (int c = 0; c < k; c++)
        w[c] = p[c] > 0 ? exp((log((double)p[c]) - log_max) / temperature) : 0;
    if (top_k > 0 && top_k < k) { /* zero all but the TOP_K largest (ties: lower ids first) */
        for (int c = 0; c < k; c++) {
            int above = 0;
            for (int d = 0; d < k; d++)
                above += w[d] > w[c] || (w[d] == w[c] && d < c);
            if (above >= top_k)
                w[c] = -1;
        }
        for (int c = 0; c < k; c++)
            w[c] = w[c] < 0 ? 0 : w[c];
    }
    for (int c = 0; c < k; c++)
        total += w[c];
    double u = seq_rng_uniform(rng) * total;
    int id = k - 1;
    for (int c = 0; c < k; c++) {
        if (u < w[c]) {
            id = c;
            break;
        }
        u -= w[c];
    }
    free(w);
    return id;
}

int cmd_sample(run *r, const seq_options *o)
{
    const seq_model_info *info = r->info;
    seq_err err;
    if (!seq_data_has(info, SEQ_DATA_STREAM)) {
        fprintf(stderr, "error: sample is for character language models (data kind char-lm); "
                        "use predict\n");
        return SEQ_EXIT_USAGE;
    }
    if (need_checkpoint(o, "sample") != 0)
        return SEQ_EXIT_USAGE;
    if (load_checkpoint(r, o->checkpoint, 0, &err) != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return SEQ_EXIT_FAIL;
    }
    const char *prime = o->prime && *o->prime ? o->prime : "\n";
    size_t bad_line;
    if (!seq_utf8_valid(prime, strlen(prime), &bad_line)) {
        fprintf(stderr, "error: --prime is not valid UTF-8\n");
        return SEQ_EXIT_USAGE;
    }
    seq_rng rng;
    seq_rng_seed(&rng, r->seed);
    real *acts = alloc_reals(r->m->n_acts_predict); /* zero: the states start at zero */
    const real *p = acts + r->m->output_predict;
    int32_t id = 0, length = 1;
    seq_batch one = {&id, &length, NULL, 1, NULL, NULL};
    if (!o->probs)
        fputs(o->prime ? o->prime : "", stdout);
    for (size_t i = 0, len = strlen(prime); i < len;) { /* read the prime */
        id = seq_char_id(r->chars, r->n_chars, seq_utf8_next(prime, len, &i));
        r->m->predict(r->params, acts, &one);
    }
    if (o->probs) { /* the next character's distribution, by id, instead of a draw */
        for (int c = 0; c < info->n_outputs; c++)
            printf("%s%.9g", c ? " " : "", (double)p[c]);
        putchar('\n');
        free(acts);
        return SEQ_EXIT_OK;
    }
    for (long i = 0; i < o->length; i++) {
        id = draw(p, info->n_outputs, o->temperature, o->top_k, &rng);
        if (id >= 1 && id <= r->n_chars) {
            char u[SEQ_UTF8_MAX];
            fwrite(u, 1, seq_utf8_encode((uint32_t)r->chars[id - 1], u), stdout);
        }
        r->m->predict(r->params, acts, &one);
    }
    fputc('\n', stdout);
    free(acts);
    return SEQ_EXIT_OK;
}

/* ---- export ------------------------------------------------------------------ */

/* --checkpoint's parameters as floats (malloc'd), for the exports; NULL
 * after saying why not. */
static float *checkpoint_floats(run *r, const seq_options *o)
{
    seq_err err;
    if (load_checkpoint(r, o->checkpoint, 0, &err) != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return NULL;
    }
    size_t n = r->info->n_params;
    float *params = seq_xmalloc((n ? n : 1) * sizeof *params);
    for (size_t i = 0; i < n; i++)
        params[i] = (float)r->params[i];
    return params;
}

int cmd_export(run *r, const seq_options *o)
{
    const seq_model_info *info = r->info;
    seq_err err;
    if (need_checkpoint(o, "export") != 0)
        return SEQ_EXIT_USAGE;
    if (!o->out) {
        fprintf(stderr, "error: export needs --out DIR (it writes DIR/%s_infer.h and "
                        "DIR/%s_infer.c)\n", info->name, info->name);
        return SEQ_EXIT_USAGE;
    }
    if (o->no_tokenizer && !seq_data_has(info, SEQ_DATA_CLASSES)) {
        fprintf(stderr, "error: --no-tokenizer is for text classifiers; %s has no tokenizer\n",
                info->name);
        return SEQ_EXIT_USAGE;
    }
    float *params = checkpoint_floats(r, o);
    if (!params)
        return SEQ_EXIT_FAIL;
    if (!o->no_tokenizer && seq_data_has(info, SEQ_DATA_CLASSES) && !r->vocab) {
        fprintf(stderr, "error: %s is a weights file, with no vocabulary for the export's "
                        "tokenizer: export it with --no-tokenizer (ids in)\n", o->checkpoint);
        free(params);
        return SEQ_EXIT_FAIL;
    }
    seq_export_in in = {info, params, r->vocab, r->chars, r->n_chars, r->classes.data, &r->scale,
                        o->checkpoint, r->step};
    seq_export_options eo = {o->int8, !o->no_tokenizer};
    size_t bytes = 0;
    int rc = seq_export_write(&in, &eo, o->out, &bytes, &err);
    free(params);
    if (rc != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return SEQ_EXIT_FAIL;
    }
    printf("%s: %s/%s_infer.h and %s/%s_infer.c, %s weights (%zu bytes)\n", info->name, o->out,
           info->name, o->out, info->name, o->int8 ? "int8" : "f32", bytes);
    return SEQ_EXIT_OK;
}

/* ---- export-onnx ------------------------------------------------------------- */

int cmd_export_onnx(run *r, const seq_options *o)
{
    const seq_model_info *info = r->info;
    seq_err err;
    if (need_checkpoint(o, "export-onnx") != 0)
        return SEQ_EXIT_USAGE;
    if (!o->out) {
        fprintf(stderr, "error: export-onnx needs --out FILE (for example --out %s.onnx)\n",
                info->name);
        return SEQ_EXIT_USAGE;
    }
    float *params = checkpoint_floats(r, o);
    if (!params)
        return SEQ_EXIT_FAIL;
    int classes = seq_data_has(info, SEQ_DATA_CLASSES);
    seq_onnx_in in = {info, params, classes ? r->classes.data : NULL,
                      info->char_lm ? r->chars : NULL, r->n_chars,
                      info->n_features ? &r->scale : NULL, r->step};
    size_t bytes = 0;
    int rc = seq_onnx_write(&in, o->out, &bytes, &err);
    free(params);
    if (rc != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return SEQ_EXIT_FAIL;
    }
    printf("%s: %s, ONNX opset 13 (%zu bytes)\n", info->name, o->out, bytes);
    return SEQ_EXIT_OK;
}
