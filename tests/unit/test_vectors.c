/* test_vectors.c: pre-trained word vectors (the GloVe / word2vec text
 * format, vectors.h), the embedding rows they fill (seq_init_files), and
 * Adam leaving a frozen tensor alone (seq_adam_update). The vectors files
 * are written here, in a temporary folder. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/adam.h"
#include "check.h"
#include "train/init.h"
#include "data/vectors.h"

static char dir[] = "/tmp/test_vectors.XXXXXX";

/* A vocabulary of 6 ids: 0 padding, 1 unknown, the 2, cat 3, sat 4; 5 unused. */
static seq_vocab *small_vocab(void)
{
    seq_err err;
    const char *words = "the\ncat\nsat";
    seq_vocab *v = seq_vocab_load(words, strlen(words), 6, &err);
    CHECK_MSG(v != NULL, "%s", err.msg);
    return v;
}

/* What a scan passed on: "word@line:v1,v2,...;" per vector. */
static int collect(const char *word, const double *values, long line, void *ctx, seq_err *err)
{
    seq_buf *b = ctx;
    (void)err;
    seq_buf_printf(b, "%s@%ld:", word, line);
    for (int k = 0; k < 3 && values; k++)
        seq_buf_printf(b, "%s%g", k ? "," : "", values[k]);
    seq_buf_puts(b, ";");
    return 0;
}

/* Scans TEXT (as the file NAME) at width 3: what it passed on, or NULL and
 * the message. */
static char *scan_text(const char *name, const char *text, long *n, seq_err *err)
{
    char *path = check_write_file(dir, name, text);
    seq_buf b = {0};
    int rc = seq_vectors_scan(path, 3, collect, &b, n, err);
    seq_buf_puts(&b, "");
    free(path);
    if (rc == 0)
        return b.data;
    seq_buf_free(&b);
    return NULL;
}

/* FILE fails with a message that holds WANT (the file's name and line). */
static void expect_error(const char *name, const char *text, const char *want)
{
    seq_err err = {{0}};
    long n;
    char *got = scan_text(name, text, &n, &err);
    CHECK_MSG(got == NULL, "%s: accepted", name);
    CHECK_MSG(strstr(err.msg, want) != NULL, "%s: \"%s\" lacks \"%s\"", name, err.msg, want);
    free(got);
}

static void test_glove(void)
{
    seq_err err;
    long n;
    const char *text = "cat 0.5 -1.25 3\n"
                       "\n"                     /* blank lines are skipped */
                       "the\t1e-3 2E2 -0 \r\n"  /* tabs, trailing blanks, CRLF */
                       "caf\xc3\xa9 1 2 3\n"     /* UTF-8 */
                       "cat 9 9 9";             /* a duplicate, passed on; no final newline */
    char *got = scan_text("glove.txt", text, &n, &err);
    CHECK_MSG(got != NULL, "%s", err.msg);
    CHECK_STR(got, "cat@1:0.5,-1.25,3;the@3:0.001,200,-0;caf\xc3\xa9@4:1,2,3;cat@5:9,9,9;");
    CHECK(n == 4);
    free(got);
    long m;
    char *path = check_write_file(dir, "check_only.txt", text);
    CHECK(seq_vectors_scan(path, 3, NULL, NULL, &m, &err) == 0 && m == 4);
    free(path);
}

static void test_word2vec_header(void)
{
    seq_err err;
    long n;
    char *got = scan_text("w2v.txt", "2 3\nsat 1 2 3\nzebra 3 4 5\n", &n, &err);
    CHECK_MSG(got != NULL, "%s", err.msg);
    CHECK_STR(got, "sat@2:1,2,3;zebra@3:3,4,5;");
    free(got);
    expect_error("w2v_dim.txt", "2 2\nsat 1 2 3\nzebra 3 4 5\n", "w2v_dim.txt:1: the header");
    expect_error("w2v_count.txt", "3 3\nsat 1 2 3\nzebra 3 4 5\n",
                 "w2v_count.txt: the header declares 3 vectors, but the file holds 2");
    expect_error("w2v_late.txt", "sat 1 2 3\n2 3\n", "w2v_late.txt:2: \"2\" has 1 value,");
}

static void test_errors(void)
{
    expect_error("wide.txt", "cat 1 2 3\nthe 1 2 3 4\n",
                 "wide.txt:2: \"the\" has 4 values, but the embedding's output_dim is 3");
    expect_error("narrow.txt", "cat 1 2 3\n\nthe 1\n", "narrow.txt:3: \"the\" has 1 value,");
    expect_error("word.txt", "cat\n", "word.txt:1: \"cat\" has 0 values");
    expect_error("nan.txt", "cat 1 x2 3\n", "nan.txt:1: value 2 of \"cat\" is not a finite number: \"x2\"");
    expect_error("inf.txt", "dog 1 2 inf\n", "inf.txt:1: value 3 of \"dog\"");
    expect_error("big.txt", "dog 1 2 1e999\n", "big.txt:1: value 3");
    expect_error("comma.txt", "dog 1,5 2 3\n", "comma.txt:1: value 1");
    expect_error("utf8.txt", "cat 1 2 3\nd\xc3\x28g 1 2 3\n", "utf8.txt:2: invalid UTF-8");
    expect_error("empty.txt", "", "empty.txt: no word vectors");
    expect_error("blank.txt", "\n  \n", "blank.txt: no word vectors");
    expect_error("header_only.txt", "0 3\n", "header_only.txt: no word vectors");

    char *path = check_write_file(dir, "nul.txt", "cat 1 2 3\nthe 1 2 3\n");
    FILE *f = fopen(path, "r+b");
    CHECK(f && fseek(f, 12, SEEK_SET) == 0 && fputc('\0', f) == 0 && fclose(f) == 0);
    seq_err err;
    long n;
    CHECK(seq_vectors_scan(path, 3, NULL, NULL, &n, &err) != 0);
    CHECK_MSG(strstr(err.msg, "nul.txt:2: NUL byte") != NULL, "%s", err.msg);
    free(path);
    path = check_write_file(dir, "missing", "");
    unlink(path);
    CHECK(seq_vectors_scan(path, 3, NULL, NULL, &n, &err) != 0);
    CHECK_MSG(strstr(err.msg, "missing: cannot open") != NULL, "%s", err.msg);
    free(path);
    CHECK(seq_vectors_scan(dir, 3, NULL, NULL, &n, &err) != 0); /* a folder */
    CHECK_MSG(strstr(err.msg, dir) != NULL && strstr(err.msg, "cannot"), "%s", err.msg);
}

/* An embedding of 6 x 3 from a file, after a dense kernel: the words' rows
 * hold their vectors, every other row (and the other tensor) the draws of
 * a plain uniform initializer. */
static void test_init_files(void)
{
    seq_tensor_info t[] = {
        {.name = "d/kernel", .offset = 0, .size = 4, .rank = 2, .shape = {2, 2},
         .init = SEQ_INIT_GLOROT_UNIFORM, .scale = 1, .fan_in = 2, .fan_out = 2},
        {.name = "e/embeddings", .offset = 4, .size = 18, .rank = 2, .shape = {6, 3},
         .init = SEQ_INIT_FILE, .scale = 0.05, .path = "vec.txt", .frozen = 1},
    };
    seq_model_info info = {.name = "m", .n_params = 22, .n_tensors = 2, .tensors = t};
    float p[22], q[22];
    seq_s_init_params(&info, 7, p);
    t[1].init = SEQ_INIT_UNIFORM;
    seq_s_init_params(&info, 7, q);
    CHECK(memcmp(p, q, sizeof p) == 0); /* FILE draws as UNIFORM first */
    t[1].init = SEQ_INIT_FILE;

    free(check_write_file(dir, "vec.txt", "sat 1 2 3\nthe -1 -2 -3\nmoon 7 7 7\n"
                                          "the 5 5 5\n<pad> 4 4 4\n<oov> 4 4 4\n"));
    seq_vocab *v = small_vocab();
    seq_err err;
    CHECK(seq_s_init_files(&info, dir, v, p, &err) == 0);
    const float the[3] = {-1, -2, -3}, sat[3] = {1, 2, 3}; /* the first "the" */
    CHECK(memcmp(p + 4 + 2 * 3, the, sizeof the) == 0);
    CHECK(memcmp(p + 4 + 4 * 3, sat, sizeof sat) == 0);
    for (int i = 0; i < 22; i++) /* padding, unknown, cat, id 5, the kernel */
        if (!(i >= 10 && i < 13) && !(i >= 16 && i < 19))
            CHECK_MSG(p[i] == q[i], "param %d changed", i);

    t[1].path = "bad.txt"; /* relative to the spec's folder; its line in the message */
    free(check_write_file(dir, "bad.txt", "sat 1 2 3\nthe 1 2\n"));
    CHECK(seq_s_init_files(&info, dir, v, p, &err) != 0);
    CHECK_MSG(strstr(err.msg, "/bad.txt:2: \"the\" has 2 values") != NULL, "%s", err.msg);
    CHECK(seq_s_init_files(&info, dir, NULL, p, &err) != 0); /* no vocabulary: no rows */
    seq_vocab_free(v);
}

/* Adam with a frozen tensor between two trainable ones: its parameters and
 * moments stay bit for bit, with weight decay and clipping on; the others
 * move exactly as Adam on them alone, clipped by their own global norm. */
static void test_adam_frozen(void)
{
    enum { N = 30 };
    seq_tensor_info t[] = {
        {.name = "a", .offset = 0, .size = 10},
        {.name = "frozen", .offset = 10, .size = 12, .frozen = 1},
        {.name = "b", .offset = 22, .size = 8},
    };
    seq_model_info info = {.name = "m", .n_params = N, .n_tensors = 3, .tensors = t,
                           .optim = {.type = SEQ_OPTIM_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999,
                                     .eps = 1e-7, .weight_decay = 0.1, .clipnorm = 0.5}};
    float p[N], g[N], m[N] = {0}, v[N] = {0}, p0[N];
    float ref_p[N], ref_m[N] = {0}, ref_v[N] = {0};
    for (int i = 0; i < N; i++)
        p[i] = p0[i] = ref_p[i] = (float)sin(i + 1);
    for (long step = 1; step <= 5; step++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)cos(3 * i + step) * (i >= 10 && i < 22 ? 100 : 1);
        double norm = seq_s_trainable_grad_norm(&info, g);
        double want = sqrt(pow(seq_s_grad_norm(10, g), 2) + pow(seq_s_grad_norm(8, g + 22), 2));
        CHECK_NEAR(norm, want, 1e-12);
        double scale = norm > 0.5 ? 0.5 / (norm + 1e-6) : 1;
        seq_s_adam_update(&info, step, p, g, m, v, scale);
        seq_s_adam_step(&info.optim, step, 10, ref_p, g, ref_m, ref_v, scale);
        seq_s_adam_step(&info.optim, step, 8, ref_p + 22, g + 22, ref_m + 22, ref_v + 22, scale);
    }
    CHECK(memcmp(p + 10, p0 + 10, 12 * sizeof *p) == 0);
    for (int i = 10; i < 22; i++)
        CHECK(m[i] == 0 && v[i] == 0);
    CHECK(memcmp(p, ref_p, 10 * sizeof *p) == 0 && memcmp(p + 22, ref_p + 22, 8 * sizeof *p) == 0);
    CHECK(memcmp(p, p0, 10 * sizeof *p) != 0);

    /* nothing frozen: the model's update is seq_adam_step over everything */
    t[1].frozen = 0;
    float q[N], qm[N] = {0}, qv[N] = {0};
    memcpy(p, p0, sizeof p), memcpy(q, p0, sizeof q), memset(m, 0, sizeof m), memset(v, 0, sizeof v);
    CHECK(seq_s_trainable_grad_norm(&info, g) == seq_s_grad_norm(N, g));
    seq_s_adam_update(&info, 1, p, g, m, v, 0.25);
    seq_s_adam_step(&info.optim, 1, N, q, g, qm, qv, 0.25);
    CHECK(memcmp(p, q, sizeof p) == 0);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_glove();
    test_word2vec_header();
    test_errors();
    test_init_files();
    test_adam_frozen();
    check_remove_tree(dir);
    return check_status("test_vectors");
}
