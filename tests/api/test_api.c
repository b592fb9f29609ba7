/* test_api.c: the C API (seqcc.h) from a user's side: it includes only the
 * public headers and links the generated test models. api_spec.lua runs it
 * with checkpoints the model binaries wrote:
 *
 *   test_api predict MODEL CKPT [--probs]   answers each stdin line as the
 *       binary's predict does (same format), then checks that
 *       NAME_predict_texts gives the same bits for all the lines at once,
 *       and a fresh handle for the lines backwards
 *   test_api threads CKPT_MASKED CKPT_CLASSES   four threads, each with its
 *       own handle (two per model), predict the stdin lines 20 times and must
 *       give the single-thread bits
 *   test_api errors CKPT_MASKED CKPT_CLASSES CKPT_SERIES CKPT_CHARWORD
 *       error codes and messages: NULL, foreign and wrong-model handles,
 *       kinds, inputs, files
 *   test_api open MODEL CKPT...   opens each checkpoint and prints a line
 *       per file: the status name, a tab, the message; the handle, if any,
 *       is closed (checkpoint_spec.lua's damaged checkpoints) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tiny_charword.h"
#include "tiny_classes.h"
#include "tiny_masked.h"
#include "tiny_series.h"

typedef struct model_fns {
    const char *name;
    int (*open)(const char *, seqcc_model **, seqcc_error *);
    int (*text)(seqcc_model *, const char *, size_t, seqcc_prediction *, seqcc_error *);
    int (*texts)(seqcc_model *, const char *const *, size_t, seqcc_prediction *, seqcc_error *);
    int (*window)(seqcc_model *, const double *, size_t, seqcc_prediction *, seqcc_error *);
    int (*close)(seqcc_model *);
} model_fns;

static const model_fns models[] = {
    {"tiny_masked", tiny_masked_open, tiny_masked_predict_text, tiny_masked_predict_texts, NULL,
     tiny_masked_close},
    {"tiny_charword", tiny_charword_open, tiny_charword_predict_text,
     tiny_charword_predict_texts, NULL, tiny_charword_close},
    {"tiny_classes", tiny_classes_open, tiny_classes_predict_text, tiny_classes_predict_texts,
     NULL, tiny_classes_close},
    {"tiny_series", tiny_series_open, NULL, NULL, tiny_series_predict_window, tiny_series_close},
};

static const model_fns *find_model(const char *name)
{
    for (size_t i = 0; i < sizeof models / sizeof *models; i++)
        if (strcmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}

/* stdin's lines, without their line breaks. */
typedef struct lines {
    char **line;
    size_t n;
} lines;

static lines read_lines(void)
{
    lines l = {NULL, 0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        l.line = realloc(l.line, (l.n + 1) * sizeof *l.line);
        l.line[l.n++] = strdup(line);
    }
    free(line);
    return l;
}

static void free_lines(lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->line[i]);
    free(l->line);
}

static int same_bits(const seqcc_prediction *a, const seqcc_prediction *b)
{
    return a->label == b->label && a->n_probs == b->n_probs &&
           memcmp(&a->probability, &b->probability, sizeof a->probability) == 0 &&
           memcmp(&a->value, &b->value, sizeof a->value) == 0 &&
           memcmp(a->probs, b->probs, (size_t)a->n_probs * sizeof *a->probs) == 0 &&
           strcmp(a->name, b->name) == 0;
}

static void print_prediction(const seqcc_model *m, const seqcc_prediction *p, int probs)
{
    if (seqcc_n_features(m)) {
        printf("%.6g\n", p->value);
        return;
    }
    printf("%.6f\t%s", p->probability, p->name);
    for (int c = 0; probs && c < p->n_probs; c++)
        printf("\t%s=%.6f", seqcc_class_name(m, c), p->probs[c]);
    putchar('\n');
}

static int cmd_predict(const char *name, const char *ckpt, int probs)
{
    const model_fns *f = find_model(name);
    if (!f) {
        fprintf(stderr, "error: no model %s here\n", name);
        return 2;
    }
    seqcc_model *m;
    seqcc_error err;
    if (f->open(ckpt, &m, &err) != SEQCC_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        return 1;
    }
    lines l = read_lines();
    seqcc_prediction *one = calloc(l.n ? l.n : 1, sizeof *one);
    int status = 0;
    for (size_t i = 0; i < l.n && !status; i++) {
        int s;
        if (f->window) {
            double v[1024];
            size_t n = 0;
            char *p = l.line[i], *end;
            for (p += strspn(p, ", \t"); *p && n < 1024; p += strspn(p, ", \t")) {
                v[n++] = strtod(p, &end);
                p = end == p ? p + 1 : end;
            }
            s = f->window(m, v, n, &one[i], &err);
        } else {
            s = f->text(m, l.line[i], strlen(l.line[i]), &one[i], &err);
        }
        if (s != SEQCC_OK) {
            fprintf(stderr, "error: line %zu: %s (%s)\n", i + 1, err.message,
                    seqcc_status_name(s));
            status = 1;
        } else {
            print_prediction(m, &one[i], probs);
        }
    }
    if (!status && f->texts && l.n) { /* many at once: the same bits */
        seqcc_prediction *many = calloc(l.n, sizeof *many);
        CHECK(f->texts(m, (const char *const *)l.line, l.n, many, &err) == SEQCC_OK);
        for (size_t i = 0; i < l.n; i++)
            CHECK_MSG(same_bits(&one[i], &many[i]), "line %zu", i + 1);
        /* a fresh handle, the lines backwards: no answer depends on the ones before */
        seqcc_model *fresh;
        CHECK(f->open(ckpt, &fresh, &err) == SEQCC_OK);
        for (size_t i = l.n; i-- > 0;) {
            CHECK(f->text(fresh, l.line[i], strlen(l.line[i]), &many[i], &err) == SEQCC_OK);
            CHECK_MSG(memcmp(&one[i].probability, &many[i].probability, sizeof(double)) == 0 &&
                      memcmp(one[i].probs, many[i].probs, sizeof one[i].probs) == 0,
                      "line %zu backwards", i + 1);
        }
        CHECK(f->close(fresh) == SEQCC_OK);
        free(many);
    }
    free(one);
    free_lines(&l);
    CHECK(f->close(m) == SEQCC_OK);
    return status ? status : check_failures ? 1 : 0;
}

/* ---- threads ---------------------------------------------------------------------- */

typedef struct worker {
    const model_fns *f;
    const char *ckpt;
    const lines *l;
    const seqcc_prediction *want; /* [l->n] */
    int mismatches, failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    seqcc_model *m;
    seqcc_error err;
    if (w->f->open(w->ckpt, &m, &err) != SEQCC_OK) {
        w->failures++;
        return NULL;
    }
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < w->l->n; i++) {
            seqcc_prediction p;
            if (w->f->text(m, w->l->line[i], strlen(w->l->line[i]), &p, &err) != SEQCC_OK)
                w->failures++;
            else if (!same_bits(&p, &w->want[i]))
                w->mismatches++;
        }
    w->f->close(m);
    return NULL;
}

static int cmd_threads(const char *ckpt_masked, const char *ckpt_classes)
{
    lines l = read_lines();
    const model_fns *f[2] = {find_model("tiny_masked"), find_model("tiny_classes")};
    const char *ckpt[2] = {ckpt_masked, ckpt_classes};
    seqcc_prediction *want[2];
    seqcc_model *ref[2]; /* one thread first; open until the end, for the names */
    for (int k = 0; k < 2; k++) {
        seqcc_error err;
        want[k] = calloc(l.n ? l.n : 1, sizeof *want[k]);
        CHECK_MSG(f[k]->open(ckpt[k], &ref[k], &err) == SEQCC_OK, "%s", err.message);
        if (check_failures)
            return 1;
        CHECK(f[k]->texts(ref[k], (const char *const *)l.line, l.n, want[k], &err) == SEQCC_OK);
    }
    worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){f[i / 2], ckpt[i / 2], &l, want[i / 2], 0, 0};
        CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_MSG(w[i].failures == 0 && w[i].mismatches == 0,
                  "thread %d (%s): %d failures, %d answers differ", i, f[i / 2]->name,
                  w[i].failures, w[i].mismatches);
    }
    printf("4 threads x 20 rounds x %zu texts: the same bits as one thread\n", l.n);
    for (int k = 0; k < 2; k++) {
        f[k]->close(ref[k]);
        free(want[k]);
    }
    free_lines(&l);
    return check_failures ? 1 : 0;
}

/* ---- errors ----------------------------------------------------------------------- */

#define CHECK_CODE(call, want, part)                                                    \
    do {                                                                                \
        seqcc_error e_ = {-1, "unset"};                                                 \
        int s_ = (call);                                                                \
        CHECK_MSG(s_ == (want), "%s gave %s (%s)", #call, seqcc_status_name(s_), e_.message); \
        CHECK_MSG(e_.code == s_, "%s: err.code %d", #call, e_.code);                    \
        CHECK_MSG(strstr(e_.message, (part)) != NULL, "%s: \"%s\" lacks \"%s\"", #call, \
                  e_.message, (part));                                                  \
    } while (0)
#define E (&e_)

static int cmd_errors(const char *ck_masked, const char *ck_classes, const char *ck_series,
                      const char *ck_charword)
{
    seqcc_model *masked = NULL, *classes = NULL, *series = NULL, *charword = NULL, *m = NULL;
    seqcc_prediction p, q;
    seqcc_error err;

    /* opening */
    CHECK_CODE(tiny_masked_open(NULL, &m, E), SEQCC_ERR_ARGUMENT, "checkpoint path is NULL");
    CHECK_CODE(tiny_masked_open(ck_masked, NULL, E), SEQCC_ERR_ARGUMENT, "out is NULL");
    CHECK_CODE(seqcc_open(NULL, ck_masked, &m, E), SEQCC_ERR_ARGUMENT, "definition is NULL");
    CHECK_CODE(tiny_masked_open("/nonexistent/x.safetensors", &m, E), SEQCC_ERR_IO,
               "/nonexistent/x.safetensors: cannot open");
    CHECK(m == NULL);
    CHECK_CODE(tiny_classes_open(ck_masked, &m, E), SEQCC_ERR_CHECKPOINT,
               "a checkpoint of model \"tiny_masked\", not \"tiny_classes\"");
    CHECK_CODE(tiny_masked_open("/dev/null", &m, E), SEQCC_ERR_CHECKPOINT, "/dev/null");
    CHECK(m == NULL);
    CHECK_CODE(tiny_masked_open(ck_masked, &masked, E), SEQCC_OK, "");
    CHECK_CODE(tiny_classes_open(ck_classes, &classes, E), SEQCC_OK, "");
    CHECK_CODE(tiny_series_open(ck_series, &series, E), SEQCC_OK, "");
    CHECK_CODE(tiny_charword_open(ck_charword, &charword, E), SEQCC_OK, "");
    if (!masked || !classes || !series || !charword)
        return 1;

    /* NULL, foreign and wrong-model handles */
    CHECK_CODE(tiny_masked_predict_text(NULL, "a", 1, &p, E), SEQCC_ERR_ARGUMENT, "NULL");
    CHECK_CODE(seqcc_predict_text(NULL, "a", 1, &p, E), SEQCC_ERR_ARGUMENT, "NULL");
    CHECK_CODE(tiny_classes_predict_text(masked, "a", 1, &p, E), SEQCC_ERR_ARGUMENT,
               "a handle of model \"tiny_masked\" used as one of model \"tiny_classes\"");
    CHECK_CODE(tiny_series_predict_window(classes, NULL, 0, &p, E), SEQCC_ERR_ARGUMENT,
               "\"tiny_classes\" used as one of model \"tiny_series\"");
    CHECK(tiny_classes_close(masked) == SEQCC_ERR_ARGUMENT); /* and it stays open */
    CHECK(tiny_masked_predict_text(masked, "a", 1, &p, NULL) == SEQCC_OK);
    static uint64_t junk[128]; /* memory that is not a handle */
    seqcc_model *fake = (seqcc_model *)(void *)junk;
    CHECK_CODE(seqcc_predict_text(fake, "a", 1, &p, E), SEQCC_ERR_ARGUMENT, "not a model handle");
    CHECK_CODE(tiny_masked_predict_texts(fake, NULL, 0, &p, E), SEQCC_ERR_ARGUMENT,
               "not a model handle");
    CHECK(seqcc_close(fake) == SEQCC_ERR_ARGUMENT);
    CHECK(seqcc_close(NULL) == SEQCC_OK && tiny_masked_close(NULL) == SEQCC_OK);
    CHECK(seqcc_model_name(fake) == NULL && seqcc_n_classes(NULL) == -1);
    CHECK(seqcc_check(masked, &tiny_masked_def, NULL) == SEQCC_OK);
    CHECK(seqcc_check(masked, &tiny_series_def, NULL) == SEQCC_ERR_ARGUMENT);

    /* arguments and inputs */
    CHECK_CODE(tiny_masked_predict_text(masked, NULL, 0, &p, E), SEQCC_ERR_ARGUMENT, "input is NULL");
    CHECK_CODE(tiny_masked_predict_text(masked, "a", 1, NULL, E), SEQCC_ERR_ARGUMENT, "out is NULL");
    CHECK_CODE(tiny_masked_predict_text(masked, "bad \xff byte", 10, &p, E), SEQCC_ERR_INPUT,
               "invalid UTF-8");
    CHECK_CODE(tiny_masked_predict_text(masked, " \t ", 3, &p, E), SEQCC_ERR_INPUT, "empty text");
    CHECK_CODE(tiny_masked_predict_text(masked, "", 0, &p, E), SEQCC_ERR_INPUT, "empty text");
    const char *texts[] = {"a fine film", "a poor one", "", "never reached"};
    seqcc_prediction many[4];
    CHECK_CODE(tiny_masked_predict_texts(masked, texts, 4, many, E), SEQCC_ERR_INPUT,
               "text 2: empty text");
    CHECK_CODE(tiny_masked_predict_text(masked, texts[1], strlen(texts[1]), &q, E), SEQCC_OK, "");
    CHECK(same_bits(&many[1], &q)); /* the texts before the bad one are answered */
    int32_t ids[3] = {1, 1, 99};
    CHECK_CODE(tiny_masked_predict_ids(masked, ids, 3, &p, E), SEQCC_ERR_INPUT,
               "id 2 is 99; ids go from 0 to 29");
    CHECK_CODE(tiny_masked_predict_ids(masked, ids, 0, &p, E), SEQCC_ERR_INPUT, "no ids");
    /* two unknown words are ids 1, 1: the same bits either way */
    CHECK_CODE(tiny_masked_predict_ids(masked, ids, 2, &p, E), SEQCC_OK, "");
    CHECK_CODE(tiny_masked_predict_text(masked, "zzxq qqzx", 9, &q, E), SEQCC_OK, "");
    CHECK(same_bits(&p, &q));
    CHECK_CODE(tiny_classes_predict_ids(classes, ids, 2, &p, E), SEQCC_OK, "");
    CHECK_CODE(tiny_classes_predict_text(classes, "zzxq, QQZX!", 11, &q, E), SEQCC_OK, "");
    CHECK(same_bits(&p, &q));

    /* kinds */
    double window[5] = {0.1, 0.2, 0.3, 0.4, 0.5};
    CHECK_CODE(seqcc_predict_window(masked, window, 5, &p, E), SEQCC_ERR_KIND,
               "tiny_masked is a text classifier");
    CHECK_CODE(seqcc_predict_text(series, "a", 1, &p, E), SEQCC_ERR_KIND,
               "tiny_series is a series model");
    CHECK_CODE(seqcc_predict_ids(charword, ids, 2, &p, E), SEQCC_ERR_KIND, "characters");
    CHECK_CODE(tiny_series_predict_window(series, window, 4, &p, E), SEQCC_ERR_INPUT,
               "4 values; expected 5 (5 rows of 1)");
    window[2] = strtod("nan", NULL);
    CHECK_CODE(tiny_series_predict_window(series, window, 5, &p, E), SEQCC_ERR_INPUT,
               "value 3 is not a finite number");
    window[2] = 0.3;
    CHECK_CODE(tiny_series_predict_window(series, window, 5, &p, E), SEQCC_OK, "");
    CHECK(p.label == -1 && p.n_probs == 0 && strcmp(p.name, "") == 0);

    /* what the handles say */
    CHECK_STR(seqcc_model_name(masked), "tiny_masked");
    CHECK(seqcc_n_classes(masked) == 2 && seqcc_n_classes(classes) == 3 &&
          seqcc_n_classes(series) == 0);
    CHECK_STR(seqcc_class_name(masked, 0), "neg");
    CHECK_STR(seqcc_class_name(masked, 1), "pos");
    CHECK(seqcc_class_name(masked, 2) == NULL && seqcc_class_name(masked, -1) == NULL);
    CHECK(seqcc_seq_len(masked) == TINY_MASKED_SEQ_LEN && seqcc_n_features(series) == 1 &&
          seqcc_n_features(masked) == 0);
    CHECK_CODE(tiny_masked_predict_text(masked, "a fine film", 11, &p, E), SEQCC_OK, "");
    CHECK(p.n_probs == 2 && p.probs[1] == p.probability && p.label == (p.probability >= 0.5));
    CHECK(p.probs[0] == 1 - p.probability && p.name == seqcc_class_name(masked, p.label));
    CHECK_CODE(tiny_classes_predict_text(classes, "a fine film", 11, &p, E), SEQCC_OK, "");
    CHECK(p.n_probs == 3 && p.probs[p.label] == p.probability);
    CHECK(p.probs[p.label] >= p.probs[0] && p.probs[p.label] >= p.probs[1] &&
          p.probs[p.label] >= p.probs[2]);
    CHECK_NEAR(p.probs[0] + p.probs[1] + p.probs[2], 1, 1e-6);
    CHECK_STR(seqcc_status_name(SEQCC_ERR_KIND), "SEQCC_ERR_KIND");
    CHECK_STR(seqcc_status_name(SEQCC_OK), "SEQCC_OK");
    CHECK_STR(seqcc_status_name(42), "SEQCC_UNKNOWN");
    err.code = -1;
    CHECK(tiny_masked_predict_text(masked, "a fine film", 11, &p, &err) == SEQCC_OK &&
          err.code == SEQCC_OK && err.message[0] == '\0');

    CHECK(tiny_masked_close(masked) == SEQCC_OK && tiny_classes_close(classes) == SEQCC_OK &&
          tiny_series_close(series) == SEQCC_OK && tiny_charword_close(charword) == SEQCC_OK);
    if (!check_failures)
        printf("errors: ok\n");
    return check_failures ? 1 : 0;
}

static int cmd_open(const char *model, char **paths, int n)
{
    const model_fns *fns = find_model(model);
    if (!fns)
        return 2;
    for (int i = 0; i < n; i++) {
        seqcc_model *m = NULL;
        seqcc_error err = {0, ""};
        int status = fns->open(paths[i], &m, &err);
        printf("%s\t%s\n", seqcc_status_name(status), err.message);
        fns->close(m);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "predict") == 0)
        return cmd_predict(argv[2], argv[3], argc > 4 && strcmp(argv[4], "--probs") == 0);
    if (argc == 4 && strcmp(argv[1], "threads") == 0)
        return cmd_threads(argv[2], argv[3]);
    if (argc == 6 && strcmp(argv[1], "errors") == 0)
        return cmd_errors(argv[2], argv[3], argv[4], argv[5]);
    if (argc >= 3 && strcmp(argv[1], "open") == 0)
        return cmd_open(argv[2], argv + 3, argc - 3);
    fprintf(stderr, "usage: test_api predict MODEL CKPT [--probs] | threads CKPT_MASKED "
                    "CKPT_CLASSES | errors CKPT_MASKED CKPT_CLASSES CKPT_SERIES CKPT_CHARWORD | "
                    "open MODEL CKPT...\n");
    return 2;
}
