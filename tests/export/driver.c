/* driver.c: a host program over a model's freestanding export
 * (NAME_infer.h), for the tests (lua/export): the export's answers in the
 * binary's terms. Compiled with -DSEQ_MODEL=NAME, -DSEQ_MODEL_UPPER=NAME in
 * capitals and one of -DSEQ_TEXT, -DSEQ_WINDOW or -DSEQ_CHAR_LM (with
 * runtime/base/rng.c and runtime/base/utf8.c: the binary's generator and UTF-8).
 *
 *   driver text        each stdin line a text: its probabilities, tab-separated
 *   driver ids         each line space-separated ids (a char-CNN model: ids,
 *                      then ';', then each token's word_len char ids)
 *   driver eval        each line LABEL<TAB>TEXT: accuracy and mean loss
 *   driver window      each line a window's numbers: the forecast
 *   driver sample PRIME LENGTH TEMPERATURE TOP_K SEED
 *                      the text `NAME sample` writes with those options
 *   driver nll         the mean loss (nats) of predicting each next character
 *                      of stdin's text, from the states of the ones before
 *   driver bench N     milliseconds a prediction takes (the median of 5 runs
 *                      of N calls on ids or values from a fixed generator; a
 *                      char-lm: one step), as JSON: bench/bench_export.py
 * A line the export refuses prints "status N". */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STR_(a) #a
#define STR(a) STR_(a)
#define API(f) CAT(SEQ_MODEL, _infer_##f)
#define K(c) CAT(SEQ_MODEL_UPPER, _INFER_##c)

#include STR(CAT(SEQ_MODEL, _infer.h))

enum { MAX_LINE = 1 << 22 };

#ifndef SEQ_CHAR_LM
static float workspace[(K(WORKSPACE_BYTES) + 3) / 4];
#endif

#ifndef SEQ_CHAR_LM
static char *read_line(FILE *f, char *buf, size_t *len)
{
    if (!fgets(buf, MAX_LINE, f))
        return NULL;
    *len = strlen(buf);
    while (*len && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
        buf[--*len] = '\0';
    return buf;
}
#endif

#ifdef SEQ_TEXT
static void print_probs(int s, const float *p)
{
    if (s != K(OK)) {
        printf("status %d\n", s);
        return;
    }
    for (int c = 0; c < K(N_PROBS); c++)
        printf("%s%.9g", c ? "\t" : "", (double)p[c]);
    putchar('\n');
}

static int ids_line(char *line, float *probs)
{
    static int32_t ids[1 << 16];
#ifdef SEQ_IDS_CHARS
    static int32_t chars[1 << 20];
    char *semi = strchr(line, ';');
    size_t nc = 0;
    if (semi)
        for (char *p = semi + 1, *end; nc < sizeof chars / sizeof *chars; p = end) {
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            chars[nc++] = (int32_t)v;
        }
    if (semi)
        *semi = '\0';
#endif
    size_t n = 0;
    for (char *p = line, *end; n < sizeof ids / sizeof *ids; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        ids[n++] = (int32_t)v;
    }
#ifdef SEQ_IDS_CHARS
    return API(ids_chars)(ids, chars, n, workspace, probs);
#else
    return API(ids)(ids, n, workspace, probs);
#endif
}
#endif

#ifdef SEQ_CHAR_LM
#include "base/rng.h"
#include "base/utf8.h"

/* commands.c's draw, as `sample` picks the next character. */
static int draw(const float *p, int k, double temperature, int top_k, seq_rng *rng)
{
    int best = 0;
    for (int c = 1; c < k; c++)
        if (p[c] > p[best])
            best = c;
    if (temperature == 0 || !(p[best] > 0))
        return best;
    double w[K(N_PROBS)], total = 0, log_max = log((double)p[best]);
    for (int c = 0; c < k; c++)
        w[c] = p[c] > 0 ? exp((log((double)p[c]) - log_max) / temperature) : 0;
    if (top_k > 0 && top_k < k) {
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
    for (int c = 0; c < k; c++) {
        if (u < w[c])
            return c;
        u -= w[c];
    }
    return k - 1;
}

static int sample(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: driver sample PRIME LENGTH TEMPERATURE TOP_K SEED\n");
        return 2;
    }
    const char *prime = *argv[2] ? argv[2] : "\n";
    long length = atol(argv[3]);
    double temperature = atof(argv[4]);
    int top_k = atoi(argv[5]);
    static CAT(SEQ_MODEL, _infer_state) state;
    float probs[K(N_PROBS)];
    seq_rng rng;
    seq_rng_seed(&rng, strtoull(argv[6], NULL, 10));
    API(reset)(&state);
    fputs(argv[2], stdout);
    for (size_t i = 0, len = strlen(prime); i < len;)
        API(step)(&state, API(char_id)((uint32_t)seq_utf8_next(prime, len, &i)), probs);
    for (long i = 0; i < length; i++) {
        int id = draw(probs, K(N_PROBS), temperature, top_k, &rng);
        char u[SEQ_UTF8_MAX];
        if (API(char)(id))
            fwrite(u, 1, seq_utf8_encode(API(char)(id), u), stdout);
        API(step)(&state, id, probs);
    }
    putchar('\n');
    return 0;
}
#endif

#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One prediction on pseudo-random input K (a char-lm: a step). */
static float predict_once(unsigned k)
{
    static float out[64];
#if defined(SEQ_CHAR_LM)
    static CAT(SEQ_MODEL, _infer_state) state;
    API(step)(&state, (int32_t)(k % K(N_IDS)), out);
#elif defined(SEQ_WINDOW)
    static float v[K(SEQ_LEN) * K(N_FEATURES)];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        v[i] = (float)((k * 2654435761u + i * 40503u) % 1000) / 100.0f;
    API(window)(v, sizeof v / sizeof *v, workspace, out);
#else
    static int32_t ids[K(SEQ_LEN)];
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        ids[i] = (int32_t)((k * 2654435761u + i * 40503u) % K(VOCAB_SIZE));
#ifdef SEQ_IDS_CHARS
    static int32_t chars[K(SEQ_LEN) * K(WORD_LEN)];
    for (size_t i = 0; i < sizeof chars / sizeof *chars; i++)
        chars[i] = (int32_t)((k + i * 7u) % K(N_CHAR_IDS));
    API(ids_chars)(ids, chars, K(SEQ_LEN), workspace, out);
#else
    API(ids)(ids, K(SEQ_LEN), workspace, out);
#endif
#endif
    return out[0];
}

static int bench(long n)
{
    double runs[5], sink = 0;
    for (long i = 0; i < 20; i++) /* warm up */
        sink += predict_once((unsigned)i);
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        for (long i = 0; i < n; i++)
            sink += predict_once((unsigned)i);
        runs[r] = 1e3 * (now() - t0) / (double)n;
    }
    qsort(runs, 5, sizeof *runs, by_value);
    printf("{\"predict_ms\": %.5f, \"min_ms\": %.5f, \"max_ms\": %.5f, \"sink\": %g}\n", runs[2],
           runs[0], runs[4], sink);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "bench") == 0)
        return bench(argc > 2 ? atol(argv[2]) : 100);
#ifdef SEQ_CHAR_LM
    if (strcmp(mode, "sample") == 0)
        return sample(argc, argv);
    if (strcmp(mode, "nll") == 0) {
        static CAT(SEQ_MODEL, _infer_state) state;
        static unsigned char text[1 << 24];
        float probs[K(N_PROBS)];
        size_t len = fread(text, 1, sizeof text, stdin), i = 0;
        double loss = 0;
        long n = 0;
        API(reset)(&state);
        const char *t = (const char *)text;
        int32_t id = API(char_id)((uint32_t)seq_utf8_next(t, len, &i));
        while (i < len) {
            API(step)(&state, id, probs);
            id = API(char_id)((uint32_t)seq_utf8_next(t, len, &i));
            loss -= log(probs[id] > 1e-7f ? (double)probs[id] : 1e-7);
            n++;
        }
        printf("characters %ld loss %.6f\n", n, n ? loss / (double)n : 0);
        return 0;
    }
#else
    static char line[MAX_LINE];
    size_t len;
#endif
#ifdef SEQ_TEXT
    float probs[K(N_PROBS)];
    if (strcmp(mode, "text") == 0 || strcmp(mode, "ids") == 0) {
        while (read_line(stdin, line, &len))
            print_probs(mode[0] == 't' ? API(text)(line, len, workspace, probs)
                                       : ids_line(line, probs), probs);
        return 0;
    }
    if (strcmp(mode, "eval") == 0) {
        long n = 0, correct = 0;
        double loss = 0;
        while (read_line(stdin, line, &len)) {
            char *tab = strchr(line, '\t');
            if (!tab)
                continue;
            *tab = '\0';
            if (API(text)(tab + 1, strlen(tab + 1), workspace, probs) != K(OK))
                return 1;
            int best = 0, label = -1;
            for (int c = 0; c < K(N_PROBS); c++) {
                best = probs[c] > probs[best] ? c : best;
                if (strcmp(API(class_name)(c), line) == 0)
                    label = c;
            }
            if (label < 0)
                return 1;
            n++;
            correct += best == label;
            loss -= log(probs[label] > 1e-7f ? (double)probs[label] : 1e-7);
        }
        printf("examples %ld accuracy %.6f loss %.6f\n", n, n ? (double)correct / (double)n : 0,
               n ? loss / (double)n : 0);
        return 0;
    }
#endif
#ifdef SEQ_WINDOW
    if (strcmp(mode, "window") == 0) {
        static float values[1 << 20];
        while (read_line(stdin, line, &len)) {
            size_t n = 0;
            for (char *p = line, *end; n < sizeof values / sizeof *values; p = end) {
                p += strspn(p, ", \t");
                double v = strtod(p, &end);
                if (end == p)
                    break;
                values[n++] = (float)v;
            }
            float y;
            int s = API(window)(values, n, workspace, &y);
            if (s != K(OK))
                printf("status %d\n", s);
            else
                printf("%.9g\n", (double)y);
        }
        return 0;
    }
#endif
    fprintf(stderr, "driver: unknown mode '%s'\n", mode);
    return 2;
}
