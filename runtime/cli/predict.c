/* predict.c: the model binary's predict command, a filter over the C API
 * (seqcc.h): one answer per input line, written as soon as the line is read. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/utf8.h"
#include "data/csv.h"
#include "data/dataset.h"
#include "cli.h"

/* A series line: seq_len x n_features numbers (oldest row first, each row's
 * values in the spec's column order), separated by commas or white space,
 * into VALUES; -1 after naming the line's fault. */
static int parse_window(const seq_model_info *info, const char *input, long lineno,
                        const char *line, double *values)
{
    int T = info->seq_len, F = info->n_features, want = T * F, got = 0;
    const char *p = line;
    for (;; got++) {
        p += strspn(p, ", \t");
        if (!*p)
            break;
        double v;
        size_t n = seq_decimal(p, &v);
        if (n == 0 || !isfinite(v) || (p[n] && !strchr(", \t", p[n]))) {
            fprintf(stderr, "error: %s:%ld: value %d is not a number (expected %d numbers: "
                            "%d rows of %d, decimal, such as 1.5 or -2e3)\n", input, lineno,
                    got + 1, want, T, F);
            return -1;
        }
        if (fabs(v) > FLT_MAX) {
            fprintf(stderr, "error: %s:%ld: value %d, %.*s, is too large for a float (at most "
                            "%.3g in magnitude)\n", input, lineno, got + 1, (int)n, p,
                    (double)FLT_MAX);
            return -1;
        }
        if (got < want)
            values[got] = v;
        p += n;
    }
    if (got != want) {
        fprintf(stderr, "error: %s:%ld: %d numbers; expected %d (%d rows of %d values)\n", input,
                lineno, got, want, T, F);
        return -1;
    }
    return 0;
}

/* A line of token ids (space-separated decimal) into IDS (room for LEN / 2 +
 * 1) but the padding id 0, their count into *N; -1 after naming the fault. */
static int parse_ids(const char *input, long lineno, const char *line, int32_t *ids, size_t *n)
{
    *n = 0;
    for (const char *p = line + strspn(line, " \t"); *p; p += strspn(p, " \t")) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || (*end && !strchr(" \t", *end)) || errno || v < 0 || v > INT32_MAX) {
            fprintf(stderr, "error: %s:%ld: id %zu, '%.*s', is not a token id (a whole number "
                            "from 0)\n", input, lineno, *n + 1, (int)strcspn(p, " \t"), p);
            return -1;
        }
        if (v != 0) /* the padding id: encode prints it, the model pads again */
            ids[(*n)++] = (int32_t)v;
        p = end;
    }
    return 0;
}

/* One answer: a class's "probability<TAB>label" (with --probs, then
 * "<TAB>name=probability" for every class), or a series' forecast; -1 after
 * saying so when it could not be written (the reader is gone). */
static int answer(const seqcc_model *m, const seqcc_prediction *p, int probs)
{
    if (seqcc_n_features(m)) {
        printf("%.6g\n", p->value);
    } else {
        printf("%.6f\t%s", p->probability, p->name);
        for (int c = 0; probs && c < p->n_probs; c++)
            printf("\t%s=%.6f", seqcc_class_name(m, c), p->probs[c]);
        putchar('\n');
    }
    seq_err err; /* a line's answer before the next line arrives, also on a pipe */
    if (seq_flush_stdout(&err) == 0)
        return 0;
    fprintf(stderr, "error: %s\n", err.msg);
    return -1;
}

/* encode's answer: M's ids, space-separated, then a char_cnn's char ids
 * after a tab; -1 after saying so when it could not be written. */
static int encoded(const seqcc_model *m)
{
    const seq_model_info *info = m->info;
    size_t T = (size_t)info->seq_len, chars = T * (size_t)info->word_len;
    for (size_t t = 0; t < T; t++)
        printf("%s%d", t ? " " : "", (int)m->ids[t]);
    for (size_t c = 0; c < chars; c++)
        printf("%s%d", c ? " " : "\t", (int)m->ids[T + c]);
    putchar('\n');
    seq_err err;
    if (seq_flush_stdout(&err) == 0)
        return 0;
    fprintf(stderr, "error: %s\n", err.msg);
    return -1;
}

/* Answers line LINENO of INPUT (LINE, LEN bytes, its line break cut off);
 * VALUES holds a series window; IDS (non-NULL: predict --ids) the line's
 * token ids. ENCODE: the line's ids instead of a prediction. SEQ_EXIT_FAIL,
 * the line named, stops the reading. */
static int predict_line(seqcc_model *m, const char *input, long lineno, const char *line,
                        size_t len, double *values, int32_t *ids, int probs, int encode)
{
    const seq_model_info *info = m->info;
    size_t bad_line;
    if (!seq_utf8_valid(line, len, &bad_line)) {
        fprintf(stderr, "error: %s:%ld: invalid UTF-8\n", input, lineno);
        return SEQ_EXIT_FAIL;
    }
    if (line[strspn(line, " \t\n\v\f\r")] == '\0') {
        fprintf(stderr, "error: %s:%ld: empty line (each line is one %s)\n", input, lineno,
                info->n_features ? "window of values" : "text");
        return SEQ_EXIT_FAIL;
    }
    if (info->n_features && parse_window(info, input, lineno, line, values) != 0)
        return SEQ_EXIT_FAIL; /* named */
    seqcc_prediction p;
    seqcc_error err;
    int32_t length;
    if (ids) {
        size_t n;
        if (parse_ids(input, lineno, line, ids, &n) != 0)
            return SEQ_EXIT_FAIL;
        if (seqcc_predict_ids(m, ids, n, &p, &err) != SEQCC_OK) {
            fprintf(stderr, "error: %s:%ld: %s\n", input, lineno, err.message);
            return SEQ_EXIT_FAIL;
        }
        return answer(m, &p, probs) == 0 ? SEQ_EXIT_OK : SEQ_EXIT_FAIL;
    }
    if (encode) {
        if (seq_api_encode(m, line, len, &length, &err) != SEQCC_OK) {
            fprintf(stderr, "error: %s:%ld: %s\n", input, lineno, err.message);
            return SEQ_EXIT_FAIL;
        }
        return encoded(m) == 0 ? SEQ_EXIT_OK : SEQ_EXIT_FAIL;
    }
    int s = info->n_features
                ? seqcc_predict_window(m, values,
                                       (size_t)info->seq_len * (size_t)info->n_features, &p, &err)
                : seqcc_predict_text(m, line, len, &p, &err);
    if (s != SEQCC_OK) {
        fprintf(stderr, "error: %s:%ld: %s\n", input, lineno, err.message);
        return SEQ_EXIT_FAIL;
    }
    return answer(m, &p, probs) == 0 ? SEQ_EXIT_OK : SEQ_EXIT_FAIL; /* else stop reading */
}

int seq_cmd_predict(const seqcc_model_def *def, const seq_options *o)
{
    const seq_model_info *info = def->info;
    const char *cmd = o->cmd == SEQ_CMD_ENCODE ? "encode" : "predict";
    if (seq_data_has(info, SEQ_DATA_STREAM)) {
        fprintf(stderr, "error: a character language model continues text: use sample%s\n",
                o->cmd == SEQ_CMD_ENCODE ? " (its ids are its characters' places in the ONNX "
                                           "file's seqcc.chars, from 1)" : "");
        return SEQ_EXIT_USAGE;
    }
    if (o->cmd == SEQ_CMD_ENCODE && info->n_features) {
        fprintf(stderr, "error: a series model reads values as they are: nothing to encode\n");
        return SEQ_EXIT_USAGE;
    }
    if (!o->checkpoint) {
        fprintf(stderr, "error: %s needs --checkpoint FILE (a train run writes "
                        "runs/NAME/checkpoint.safetensors)\n", cmd);
        return SEQ_EXIT_USAGE;
    }
    if (o->ids && (info->n_features || info->word_len)) {
        fprintf(stderr, "error: --ids is for text classifiers%s; give %s its %s\n",
                info->word_len ? " without characters (a char_cnn reads each word's)" : "",
                info->name, info->n_features ? "windows of values" : "texts");
        return SEQ_EXIT_USAGE;
    }
    if (o->probs && info->n_features) {
        fprintf(stderr, "error: --probs is for classifiers; a series model prints its forecast\n");
        return SEQ_EXIT_USAGE;
    }
    seqcc_model *m;
    seqcc_error err;
    if (seqcc_open(def, o->checkpoint, &m, &err) != SEQCC_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        return SEQ_EXIT_FAIL;
    }
    if (o->probs && seqcc_n_classes(m) > SEQCC_MAX_PROBS) {
        fprintf(stderr, "error: --probs shows at most %d classes; %s has %d\n", SEQCC_MAX_PROBS,
                info->name, seqcc_n_classes(m));
        seqcc_close(m);
        return SEQ_EXIT_FAIL;
    }
    int from_stdin = !o->input || strcmp(o->input, "-") == 0;
    const char *input = from_stdin ? "<stdin>" : o->input;
    FILE *in = from_stdin ? stdin : fopen(input, "r");
    if (!in) {
        fprintf(stderr, "error: %s: cannot open\n", input);
        seqcc_close(m);
        return SEQ_EXIT_FAIL;
    }
    double *values = info->n_features
                         ? seq_xmalloc((size_t)info->seq_len * (size_t)info->n_features *
                                       sizeof *values)
                         : NULL;
    char *line = NULL;
    size_t cap = 0, ids_cap = 0;
    int32_t *ids = NULL;
    ssize_t len;
    int status = SEQ_EXIT_OK;
    for (long lineno = 1; status == SEQ_EXIT_OK && (len = getline(&line, &cap, in)) >= 0;
         lineno++) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (o->ids && (size_t)len / 2 + 1 > ids_cap) {
            ids_cap = (size_t)len / 2 + 1;
            free(ids);
            ids = seq_xmalloc(ids_cap * sizeof *ids);
        }
        status = predict_line(m, input, lineno, line, (size_t)len, values, o->ids ? ids : NULL,
                              o->probs, o->cmd == SEQ_CMD_ENCODE);
    }
    if (status == SEQ_EXIT_OK && ferror(in)) {
        fprintf(stderr, "error: %s: cannot read: %s\n", input, strerror(errno));
        status = SEQ_EXIT_FAIL;
    }
    free(line);
    free(ids);
    free(values);
    if (in != stdin)
        fclose(in);
    seqcc_close(m);
    return status;
}
