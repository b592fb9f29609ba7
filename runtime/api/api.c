/* api.c: the C API (seqcc.h) over the generated passes: handles, checks,
 * the inputs made into a batch of one, and the outputs into a prediction. */
#include "api.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "data/dataset.h"

const char *seqcc_status_name(int status)
{
    switch (status) {
    case SEQCC_OK: return "SEQCC_OK";
    case SEQCC_ERR_ARGUMENT: return "SEQCC_ERR_ARGUMENT";
    case SEQCC_ERR_IO: return "SEQCC_ERR_IO";
    case SEQCC_ERR_CHECKPOINT: return "SEQCC_ERR_CHECKPOINT";
    case SEQCC_ERR_INPUT: return "SEQCC_ERR_INPUT";
    case SEQCC_ERR_KIND: return "SEQCC_ERR_KIND";
    }
    return "SEQCC_UNKNOWN";
}

/* Fills ERR (if any) and returns CODE. */
SEQ_PRINTF(3, 4) static int fail(seqcc_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int ok(seqcc_error *err)
{
    if (err) {
        err->code = SEQCC_OK;
        err->message[0] = '\0';
    }
    return SEQCC_OK;
}

static int is_handle(const seqcc_model *m)
{
    return m && m->magic == SEQ_API_MAGIC;
}

/* SEQCC_OK, or SEQCC_ERR_ARGUMENT for a NULL or bad handle. */
static int check_handle(const seqcc_model *m, seqcc_error *err)
{
    if (!m)
        return fail(err, SEQCC_ERR_ARGUMENT, "the model handle is NULL");
    if (!is_handle(m))
        return fail(err, SEQCC_ERR_ARGUMENT, "not a model handle (a closed one, or another object)");
    return SEQCC_OK;
}

int seqcc_check(const seqcc_model *m, const seqcc_model_def *def, seqcc_error *err)
{
    int s = check_handle(m, err);
    if (s != SEQCC_OK)
        return s;
    if (!def)
        return fail(err, SEQCC_ERR_ARGUMENT, "the model definition is NULL");
    if (m->info != def->info)
        return fail(err, SEQCC_ERR_ARGUMENT,
                    "a handle of model \"%s\" used as one of model \"%s\"", m->info->name,
                    def->info->name);
    return ok(err);
}

static void free_handle(seqcc_model *h)
{
    free(h->params);
    free(h->acts);
    if (h->vocab)
        seq_vocab_free(h->vocab);
    free(h->chars);
    if (h->class_names)
        for (int c = 0; c < h->n_classes; c++)
            free(h->class_names[c]);
    free(h->class_names);
    free(h->ids);
    free(h->window);
    free(h->outputs);
    free(h->text);
    h->magic = 0;
    free(h);
}

int seqcc_close(seqcc_model *m)
{
    if (!m)
        return SEQCC_OK;
    if (!is_handle(m))
        return SEQCC_ERR_ARGUMENT;
    free_handle(m);
    return SEQCC_OK;
}

/* The class names, one per line of LIST; names the checkpoint lacks are "". */
static void split_classes(seqcc_model *h, const char *list)
{
    h->class_names = seq_xcalloc((size_t)(h->n_classes ? h->n_classes : 1), sizeof *h->class_names);
    const char *s = list;
    for (int c = 0; c < h->n_classes; c++) {
        size_t len = s ? strcspn(s, "\n") : 0;
        h->class_names[c] = seq_xstrndup(s ? s : "", len);
        s = s && s[len] == '\n' ? s + len + 1 : NULL;
    }
}

int seqcc_open(const seqcc_model_def *def, const char *checkpoint, seqcc_model **out,
               seqcc_error *err)
{
    if (out)
        *out = NULL;
    if (!def || !checkpoint || !out)
        return fail(err, SEQCC_ERR_ARGUMENT, "seqcc_open: %s is NULL",
                    !def ? "the model definition" : !checkpoint ? "the checkpoint path" : "out");
    const seq_model_info *info = def->info;
    if (seq_data_has(info, SEQ_DATA_STREAM))
        return fail(err, SEQCC_ERR_KIND, "%s is a character language model: the C API predicts "
                    "a text's class or a series' next value", info->name);
    FILE *f = fopen(checkpoint, "rb");
    if (!f)
        return fail(err, SEQCC_ERR_IO, "%s: cannot open (%s)", checkpoint, strerror(errno));
    fclose(f);
    seqcc_model *h = seq_xcalloc(1, sizeof *h);
    h->info = info;
    if (info->f64)
        h->f64 = def->f64;
    else
        h->f32 = def->f32;
    char *classes = NULL;
    seq_err e;
    if ((info->f64 ? seq_d_api_load(h, checkpoint, &classes, &e)
                   : seq_s_api_load(h, checkpoint, &classes, &e)) != 0) {
        free_handle(h);
        return fail(err, SEQCC_ERR_CHECKPOINT, "%s", e.msg);
    }
    size_t T = (size_t)info->seq_len;
    if (info->n_features) {
        h->window = seq_xmalloc(T * (size_t)info->n_features * sizeof *h->window);
    } else {
        h->n_classes = info->loss == SEQ_LOSS_BCE ? 2 : info->n_outputs;
        h->ids = seq_xmalloc((T + T * (size_t)info->word_len) * sizeof *h->ids);
    }
    split_classes(h, classes);
    free(classes);
    h->outputs = seq_xmalloc((size_t)info->n_outputs * sizeof *h->outputs);
    h->magic = SEQ_API_MAGIC;
    *out = h;
    return ok(err);
}

/* Runs H on ONE and turns its outputs into *OUT. */
static int predict_one(seqcc_model *h, const seq_batch *one, seqcc_prediction *out,
                       seqcc_error *err)
{
    const seq_model_info *info = h->info;
    if (info->f64)
        seq_d_api_predict(h, one, h->outputs);
    else
        seq_s_api_predict(h, one, h->outputs);
    const double *y = h->outputs;
    memset(out, 0, sizeof *out);
    if (info->n_features) {
        out->label = -1;
        out->name = "";
        out->value = seq_series_unscale(&h->scale, y[0]);
        return ok(err);
    }
    int k = info->n_outputs, c = 0;
    if (k == 1) { /* the probability of class 1 */
        c = y[0] >= 0.5;
        out->probability = y[0];
        out->probs[0] = 1 - y[0];
        out->probs[1] = y[0];
    } else {
        for (int j = 1; j < k; j++)
            c = y[j] > y[c] ? j : c;
        out->probability = y[c];
        for (int j = 0; j < k && j < SEQCC_MAX_PROBS; j++)
            out->probs[j] = y[j];
    }
    out->n_probs = h->n_classes < SEQCC_MAX_PROBS ? h->n_classes : SEQCC_MAX_PROBS;
    out->label = c;
    out->name = h->class_names[c];
    return ok(err);
}

/* SEQCC_OK if M is a handle and OUT is there, and M's model is a text
 * classifier (IDS: one without characters) or a series model (WINDOW). */
static int check_call(const seqcc_model *m, const void *in, const seqcc_prediction *out,
                      const char *fn, int window, int ids, seqcc_error *err)
{
    int s = check_handle(m, err);
    if (s != SEQCC_OK)
        return s;
    if (!in || !out)
        return fail(err, SEQCC_ERR_ARGUMENT, "%s: %s is NULL", fn, !in ? "the input" : "out");
    const seq_model_info *info = m->info;
    if (window && !info->n_features)
        return fail(err, SEQCC_ERR_KIND, "%s: %s is a text classifier, not a series model", fn,
                    info->name);
    if (!window && info->n_features)
        return fail(err, SEQCC_ERR_KIND, "%s: %s is a series model: use seqcc_predict_window",
                    fn, info->name);
    if (ids && info->word_len)
        return fail(err, SEQCC_ERR_KIND, "%s: %s also reads each word's characters: give it "
                    "the text", fn, info->name);
    return SEQCC_OK;
}

int seq_api_encode(seqcc_model *m, const char *text, size_t len, int32_t *length,
                   seqcc_error *err)
{
    if (!m->vocab)
        return fail(err, SEQCC_ERR_KIND, "%s's parameters are a weights file, with no "
                    "vocabulary: give it token ids (seqcc_predict_ids, predict --ids)",
                    m->info->name);
    size_t bad_line;
    if (!seq_utf8_valid(text, len, &bad_line))
        return fail(err, SEQCC_ERR_INPUT, "invalid UTF-8");
    size_t blank = 0;
    while (blank < len && text[blank] && strchr(" \t\n\v\f\r", text[blank]))
        blank++;
    if (blank == len)
        return fail(err, SEQCC_ERR_INPUT, "empty text");
    if (len + 1 > m->text_cap) { /* the tokenizer takes a writable copy */
        free(m->text);
        m->text_cap = len + 1;
        m->text = seq_xmalloc(m->text_cap);
    }
    memcpy(m->text, text, len);
    m->text[len] = '\0';
    const seq_model_info *info = m->info;
    size_t T = (size_t)info->seq_len;
    int32_t *chars = info->word_len ? m->ids + T : NULL;
    seq_data words = {.vocab = m->vocab, .chars = m->chars, .n_chars = m->n_chars};
    *length = seq_encode_text(info, &words, m->text, len, m->ids, chars);
    return SEQCC_OK;
}

int seqcc_predict_text(seqcc_model *m, const char *text, size_t len, seqcc_prediction *out,
                       seqcc_error *err)
{
    int s = check_call(m, text, out, "seqcc_predict_text", 0, 0, err);
    int32_t n;
    if (s != SEQCC_OK || (s = seq_api_encode(m, text, len, &n, err)) != SEQCC_OK)
        return s;
    int32_t *chars = m->info->word_len ? m->ids + m->info->seq_len : NULL;
    seq_batch one = {m->ids, &n, NULL, 1, NULL, chars};
    return predict_one(m, &one, out, err);
}

int seqcc_predict_texts(seqcc_model *m, const char *const *texts, size_t n,
                        seqcc_prediction *out, seqcc_error *err)
{
    int s = check_call(m, texts, out, "seqcc_predict_texts", 0, 0, err);
    for (size_t i = 0; s == SEQCC_OK && i < n; i++) {
        if (!texts[i])
            return fail(err, SEQCC_ERR_ARGUMENT, "seqcc_predict_texts: text %zu is NULL", i);
        s = seqcc_predict_text(m, texts[i], strlen(texts[i]), &out[i], err);
        if (s != SEQCC_OK && err) {
            char message[sizeof err->message];
            memcpy(message, err->message, sizeof message);
            fail(err, s, "text %zu: %s", i, message);
        }
    }
    return s;
}

int seqcc_predict_ids(seqcc_model *m, const int32_t *ids, size_t n, seqcc_prediction *out,
                      seqcc_error *err)
{
    int s = check_call(m, ids, out, "seqcc_predict_ids", 0, 1, err);
    if (s != SEQCC_OK)
        return s;
    const seq_model_info *info = m->info;
    if (n == 0)
        return fail(err, SEQCC_ERR_INPUT, "no ids");
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= info->data.vocab_size)
            return fail(err, SEQCC_ERR_INPUT, "id %zu is %d; ids go from 0 to %d", i, (int)ids[i],
                        info->data.vocab_size - 1);
    /* as the tokenizer cuts and pads (seq_tok_encode) */
    size_t T = (size_t)info->seq_len, keep = n < T ? n : T;
    const int32_t *from = info->data.truncation == SEQ_PAD_PRE ? ids + (n - keep) : ids;
    size_t at = info->data.padding == SEQ_PAD_PRE ? T - keep : 0;
    memset(m->ids, 0, T * sizeof *m->ids);
    memcpy(m->ids + at, from, keep * sizeof *m->ids);
    int32_t length = (int32_t)keep;
    seq_batch one = {m->ids, &length, NULL, 1, NULL, NULL};
    return predict_one(m, &one, out, err);
}

int seqcc_predict_window(seqcc_model *m, const double *values, size_t n, seqcc_prediction *out,
                         seqcc_error *err)
{
    int s = check_call(m, values, out, "seqcc_predict_window", 1, 0, err);
    if (s != SEQCC_OK)
        return s;
    const seq_model_info *info = m->info;
    const seq_series_scale *sc = &m->scale;
    int T = info->seq_len, F = info->n_features;
    if (n != (size_t)T * (size_t)F)
        return fail(err, SEQCC_ERR_INPUT, "%zu values; expected %d (%d rows of %d)", n, T * F, T,
                    F);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i]))
            return fail(err, SEQCC_ERR_INPUT, "value %zu is not a finite number", i + 1);
        m->window[i] = (float)((values[i] - sc->mean[i % (size_t)F]) / sc->std[i % (size_t)F]);
        if (!isfinite(m->window[i]))
            return fail(err, SEQCC_ERR_INPUT, "value %zu, %g, is out of range: scaled by the "
                        "training data's mean and deviation it overflows a float", i + 1,
                        values[i]);
    }
    int32_t length = T;
    seq_batch one = {NULL, &length, NULL, 1, m->window, NULL};
    return predict_one(m, &one, out, err);
}

const char *seqcc_model_name(const seqcc_model *m)
{
    return is_handle(m) ? m->info->name : NULL;
}

int seqcc_n_classes(const seqcc_model *m)
{
    return is_handle(m) ? m->n_classes : -1;
}

const char *seqcc_class_name(const seqcc_model *m, int i)
{
    return is_handle(m) && i >= 0 && i < m->n_classes ? m->class_names[i] : NULL;
}

int seqcc_seq_len(const seqcc_model *m)
{
    return is_handle(m) ? m->info->seq_len : -1;
}

int seqcc_n_features(const seqcc_model *m)
{
    return is_handle(m) ? m->info->n_features : -1;
}
