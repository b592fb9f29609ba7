/* test_export_kernels.c: the freestanding kernels of compiler/export/kernels.c
 * as exports get them, against the runtime's: the tokenizer (ids, lengths,
 * padding and truncation, spelling) on tricky text, and the int8 product
 * against the float one on the dequantized weights. Compiled once per
 * weights mode (SEQ_EXPORT_INT8 0 and 1). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "data/tokenizer.h"

/* export.h's (its model.h would clash with the kernels' own seq_batch) */
float seq_q8_scale(const float *w, size_t rows, size_t cols, size_t c);
int seq_q8_value(float w, float scale);

/* The tables an export's text kernels read (export.c writes them). */
enum { VOCAB_WORDS = 5 };
static const unsigned char vocab_bytes[] = {'a', 'd', 'o', 'n', '\'', 't', 'f', 'i', 'l', 'm',
                                            'g', 'o', 'o', 'd', 0xc3, 0xa9, 't', 0xc3, 0xa9};
static const uint32_t vocab_start[] = {0, 1, 6, 10, 14, 19}; /* a don't film good été */
static const int32_t vocab_id[] = {4, 2, 3, 5, 6};
enum { N_CHARS = 3 };
static const uint32_t chars_table[] = {'o', 'd', 0xe9};

#define SEQ_EXPORT_TEST
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../../compiler/export/kernels.c"

static seq_vocab *runtime_vocab(void)
{
    const char *words = "don't\nfilm\na\ngood\n\xc3\xa9t\xc3\xa9"; /* ids 2 .. 6 */
    seq_err err;
    return seq_vocab_load(words, strlen(words), 7, &err);
}

/* The export's encoding of TEXT against seq_tok_encode's, for each
 * padding and truncation. */
static void same_ids(const seq_vocab *v, const char *text, int punct, int strip_html)
{
    static const seq_punct puncts[] = {SEQ_PUNCT_SPLIT, SEQ_PUNCT_STRIP, SEQ_PUNCT_KEEP};
    seq_tok_config cfg = {1, strip_html, puncts[punct], 7};
    for (int pad = 0; pad < 2; pad++)
        for (int trunc = 0; trunc < 2; trunc++) {
            int32_t want[4], got[4], spelled[4 * 3];
            int n = seq_tok_encode(&cfg, v, text, strlen(text), 4, pad ? SEQ_PAD_POST : SEQ_PAD_PRE,
                                   trunc ? SEQ_PAD_POST : SEQ_PAD_PRE, want);
            seq_tok_ring r = {got, spelled, 4, 3, 0, !trunc, 1};
            seq_tok_scan(&r, (const unsigned char *)text, strlen(text), strip_html, punct);
            CHECK(seq_tok_finish(&r, !pad) == n);
            CHECK(memcmp(want, got, sizeof want) == 0);
        }
}

static void test_tokenizer(void)
{
    seq_vocab *v = runtime_vocab();
    CHECK(v != NULL);
    const char *texts[] = {"A good film", "DON'T 'don't' film!!", "good<br />film<b>a",
                           "a < b > good", "\xc3\xa9t\xc3\xa9 GOOD, good; film.", "", "   ",
                           "a b c d e f good film", "don't-don't'", "<!-- x -->film"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        for (int punct = 0; punct < 3; punct++)
            for (int html = 0; html < 2; html++)
                same_ids(v, texts[i], punct, html);
    seq_vocab_free(v);

    int32_t row[3];
    seq_tok_spell((const unsigned char *)"Od\xc3\xa9x", 5, 1, 3, row); /* o d é, x cut */
    CHECK(row[0] == 2 && row[1] == 3 && row[2] == 4);
    seq_tok_spell((const unsigned char *)"x", 1, 1, 3, row); /* unknown, then padding */
    CHECK(row[0] == 1 && row[1] == 0 && row[2] == 0);
    CHECK(seq_utf8_valid((const unsigned char *)"caf\xc3\xa9", 5));
    CHECK(!seq_utf8_valid((const unsigned char *)"caf\xc3", 4));
    CHECK(!seq_utf8_valid((const unsigned char *)"\xed\xa0\x80", 3)); /* a surrogate */
    CHECK(!seq_utf8_valid((const unsigned char *)"\xc0\xaf", 2));     /* overlong */
}

static void test_matmul(void)
{
    enum { M = 3, N = 70, K = 5 }; /* more columns than one pass of 64 */
    float a[M * K], w[K * N], want[M * N], got[M * N];
    for (int i = 0; i < M * K; i++)
        a[i] = (float)sin(i + 1.0);
    for (int i = 0; i < K * N; i++)
        w[i] = (float)cos(3.0 * i) * (i % N == 7 ? 0 : 1); /* column 7 all zeros */
#if SEQ_EXPORT_INT8
    int8_t q[K * N];
    float scale[N], deq[K * N];
    for (int c = 0; c < N; c++)
        scale[c] = seq_q8_scale(w, K, N, (size_t)c);
    CHECK(scale[7] == 1.0f);
    for (int i = 0; i < K * N; i++) {
        q[i] = (int8_t)seq_q8_value(w[i], scale[i % N]);
        deq[i] = q[i] * scale[i % N];
        CHECK(fabsf(deq[i] - w[i]) <= 0.5f * scale[i % N] * 1.0001f);
    }
    seq_q8 b = {q, scale};
    for (int i = 0; i < M * N; i++)
        got[i] = 1;
    seq_matmul(M, N, K, a, b, 1, got); /* accumulates */
    const float *ref = deq;
#else
    for (int i = 0; i < M * N; i++)
        got[i] = 1;
    seq_matmul(M, N, K, a, w, 1, got);
    const float *ref = w;
#endif
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 1;
            for (int k = 0; k < K; k++)
                s += (double)a[i * K + k] * ref[k * N + j];
            want[i * N + j] = (float)s;
        }
    for (int i = 0; i < M * N; i++)
        CHECK(fabsf(want[i] - got[i]) <= 1e-5f);
}

int main(void)
{
    test_tokenizer();
    test_matmul();
    return check_status("test_export_kernels");
}
