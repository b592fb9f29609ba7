/* api_latency.c: batch-1 prediction time through the C API (seqcc.h), to
 * set beside `imdb_lstm bench`'s predict_ms (which times the pass alone on
 * random ids). Built as build/tests/api_latency (tests/CMakeLists.txt):
 *
 *   build/tests/api_latency CHECKPOINT [REPS]
 *
 * prints the mean milliseconds per call of imdb_lstm_predict_text on a
 * 150-word review (tokenizing included) and of imdb_lstm_predict_ids on 120
 * ids (the pass and the copy of the ids), after 100 calls to warm up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imdb_lstm.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: api_latency CHECKPOINT [REPS]\n");
        return 2;
    }
    long reps = argc > 2 ? atol(argv[2]) : 2000;
    seqcc_model *m;
    seqcc_error err;
    if (imdb_lstm_open(argv[1], &m, &err) != SEQCC_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        return 1;
    }
    static const char *const words[] = {"the", "film", "was", "a", "wonderful", "story", "and",
                                        "acting", "but", "plot", "dull", "moving", "great", "of",
                                        "it", "I"};
    char text[2048] = "";
    for (int i = 0; i < 150; i++) {
        strcat(text, words[(i * 7) % 16]);
        strcat(text, i % 13 == 12 ? ". " : " ");
    }
    int32_t ids[IMDB_LSTM_SEQ_LEN];
    for (int i = 0; i < IMDB_LSTM_SEQ_LEN; i++)
        ids[i] = 2 + (i * 37) % 5000;
    seqcc_prediction p;
    size_t len = strlen(text);
    double t_text = 0, t_ids = 0;
    for (int pass = 0; pass < 2; pass++) {
        long n = pass ? reps : 100; /* the first pass warms up */
        double t0 = now();
        for (long i = 0; i < n; i++)
            if (imdb_lstm_predict_text(m, text, len, &p, &err) != SEQCC_OK)
                return 1;
        double t1 = now();
        for (long i = 0; i < n; i++)
            if (imdb_lstm_predict_ids(m, ids, IMDB_LSTM_SEQ_LEN, &p, &err) != SEQCC_OK)
                return 1;
        t_text = (t1 - t0) / (double)n;
        t_ids = (now() - t1) / (double)n;
    }
    printf("{\"model\": \"imdb_lstm\", \"reps\": %ld, \"predict_text_ms\": %.5f, "
           "\"predict_ids_ms\": %.5f}\n", reps, 1e3 * t_text, 1e3 * t_ids);
    imdb_lstm_close(m);
    return 0;
}
