/* cli.c: the model binary's command line: options, help, and the choice of
 * precision (the spec's for everything but gradcheck, which runs in f64). */
#include "cli.h"

#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "pool.h"
#include "util.h"
#include "vmath.h"

/* The two builds of the driver (driver.c compiled as float and as double). */
int seq_s_run(const seq_s_model *m, const seq_options *o, const char *data_root);
int seq_d_run(const seq_d_model *m, const seq_options *o, const char *data_root);

static const char *const commands[] = {"train", "eval", "predict", "grads", "gradcheck", "bench",
                                       "sample"};

static void usage(FILE *f, const seq_model_info *info)
{
    fprintf(f,
            "usage: %s COMMAND [options]\n"
            "\n"
            "The %s model, compiled by seqcc %s from %s.\n"
            "\n"
            "commands:\n"
            "  train       train on the spec's data; writes OUT/checkpoint.safetensors (every\n"
            "              epoch), OUT/best.safetensors (best validation accuracy; for a\n"
            "              char-lm or a series, lowest validation loss), OUT/metrics.jsonl,\n"
            "              OUT/curve.svg; refuses an OUT that holds a run (see --resume, --force)\n"
            "  eval        loss and accuracy (a series: RMSE beside the naive forecast's) of\n"
            "              --checkpoint on a split (default test) of the data it was trained on;\n"
            "              with --data FILE (a CSV), on all of FILE\n"
            "  predict     probability and label (as the data spells it) for each line of\n"
            "              FILE (default stdin), written as soon as the line is read; a\n"
            "              series: the forecast for each line of seq_len rows of values;\n"
            "              an empty line is an error\n"
            "  summary     the layer table with parameter counts\n"
            "  grads       loss and gradients of --checkpoint on the first batch of --split,\n"
            "              with the batch, as safetensors in --out\n"
            "  gradcheck   analytic gradients against finite differences, in f64\n"
            "  bench       time training steps and batch-1 predictions on random data\n"
            "  sample      a char-lm's text: --prime TEXT, --length N, --temperature X, --top-k K\n"
            "\n"
            "options:\n"
            "  --data PATH         the data folder or file (default: %s, from the spec's\n"
            "                      folder); eval: a labelled file, all of it the test part\n"
            "                      (an aclImdb folder: its test part)\n"
            "  --test-data FILE    the test part's own labelled file (default: the spec's\n"
            "                      test_path, if any)\n"
            "  --out PATH          train: the run folder (default runs/%s); grads: the file\n"
            "  --checkpoint FILE   the checkpoint to evaluate, predict with or differentiate\n"
            "  --split NAME        train, val or test\n"
            "  --resume            train: continue from OUT/checkpoint.safetensors\n"
            "  --force             train: start a fresh run in an OUT that holds one,\n"
            "                      overwriting its checkpoints and metrics\n"
            "  --probs             predict: every class's probability too, as NAME=P after the label\n"
            "  --epochs N          train: this many epochs in all (default %d)\n"
            "  --max-steps N       train: stop after N optimizer steps in all\n"
            "  --checkpoint-every N  train: also save the checkpoint every N steps\n"
            "  --limit N           use the first N examples of each class (a char-lm: characters;\n"
            "                      a series: rows)\n"
            "  --threads N         worker threads (default: $SEQCC_THREADS, else all cores);\n"
            "                      results are the same bits for any thread count\n"
            "  --seed N            instead of the spec's seed (%llu)\n"
            "  --samples N         gradcheck: entries per tensor (default 24)\n"
            "  --tolerance X       gradcheck: largest relative error (default 1e-6)\n"
            "  --steps N           bench: training steps to time (default 100)\n"
            "  --prime TEXT        sample: the text to continue (default a line break)\n"
            "  --length N          sample: characters to generate (default 500)\n"
            "  --temperature X     sample: below 1 more conservative, above 1 more varied, 0 always\n"
            "                      the most likely character (default 1)\n"
            "  --top-k K           sample: draw among the K most likely characters (default all)\n"
            "  --version, --help\n"
            "\n"
            "exit status: 0 success, 1 failure (data, files), 2 usage, 3 gradcheck failed\n",
            info->name, info->name, info->seqcc_version, info->spec_file, info->data.path,
            info->name, info->train.epochs, (unsigned long long)info->seed);
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "error: %s needs an integer from %ld to %ld, got '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int default_threads(void)
{
    const char *env = getenv("SEQCC_THREADS");
    long n;
    if (env && *env && parse_long("SEQCC_THREADS", env, 1, 1024, &n) == 0)
        return (int)n;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (int)cpus : 1;
}

/* A path of the spec's (data.path, data.test_path) from the spec's folder,
 * which SPEC_DIR gives relative to the binary's own folder (so that the binary holds no absolute
 * path of the tree it was built in, and runs from any working folder). */
static char *default_data(const char *spec_dir, const char *spec_path)
{
    char self[4096];
    ssize_t n = spec_dir[0] == '/' ? -1 : readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return seq_path_join(spec_dir, spec_path);
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    char *dir = seq_path_join(self, spec_dir), *path = seq_path_join(dir, spec_path);
    free(dir);
    return path;
}

/* Parses argv into O; returns -1 on a usage error (already reported). */
static int parse(int argc, char **argv, seq_options *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
#define VALUE()                                                   \
    do {                                                          \
        if (!v) {                                                 \
            fprintf(stderr, "error: %s needs a value\n", a);      \
            return -1;                                            \
        }                                                         \
        i++;                                                      \
    } while (0)
        if (strcmp(a, "--data") == 0) {
            VALUE();
            o->data = v;
        } else if (strcmp(a, "--out") == 0) {
            VALUE();
            o->out = v;
        } else if (strcmp(a, "--checkpoint") == 0) {
            VALUE();
            o->checkpoint = v;
        } else if (strcmp(a, "--split") == 0) {
            VALUE();
            o->split = v;
        } else if (strcmp(a, "--test-data") == 0) {
            VALUE();
            o->test_data = v;
        } else if (strcmp(a, "--resume") == 0) {
            o->resume = 1;
        } else if (strcmp(a, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(a, "--probs") == 0) {
            o->probs = 1;
        } else if (strcmp(a, "--epochs") == 0) {
            VALUE();
            if (parse_long(a, v, 1, 100000, &n) != 0)
                return -1;
            o->epochs = (int)n;
        } else if (strcmp(a, "--max-steps") == 0) {
            VALUE();
            if (parse_long(a, v, 1, 1000000000L, &o->max_steps) != 0)
                return -1;
        } else if (strcmp(a, "--checkpoint-every") == 0) {
            VALUE();
            if (parse_long(a, v, 1, 1000000000L, &o->checkpoint_every) != 0)
                return -1;
        } else if (strcmp(a, "--limit") == 0) {
            VALUE();
            if (parse_long(a, v, 1, 1000000000L, &o->limit) != 0)
                return -1;
        } else if (strcmp(a, "--threads") == 0) {
            VALUE();
            if (parse_long(a, v, 1, 1024, &n) != 0)
                return -1;
            o->threads = (int)n;
        } else if (strcmp(a, "--seed") == 0) {
            VALUE();
            if (parse_long(a, v, 0, 0x7fffffffffffffffL, &o->seed) != 0)
                return -1;
        } else if (strcmp(a, "--samples") == 0) {
            VALUE();
            if (parse_long(a, v, 2, 100000, &n) != 0)
                return -1;
            o->samples = (int)n;
        } else if (strcmp(a, "--tolerance") == 0) {
            VALUE();
            char *end;
            o->tolerance = strtod(v, &end);
            if (end == v || *end || !(o->tolerance > 0)) {
                fprintf(stderr, "error: --tolerance needs a positive number, got '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--prime") == 0) {
            VALUE();
            o->prime = v;
        } else if (strcmp(a, "--length") == 0) {
            VALUE();
            if (parse_long(a, v, 1, 100000000L, &o->length) != 0)
                return -1;
        } else if (strcmp(a, "--temperature") == 0) {
            VALUE();
            char *end;
            o->temperature = strtod(v, &end);
            if (end == v || *end || !(o->temperature >= 0) || o->temperature > 100) {
                fprintf(stderr, "error: --temperature needs a number from 0 (always the most "
                                "likely character) to 100, got '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--top-k") == 0) {
            VALUE();
            if (parse_long(a, v, 1, 1000000, &n) != 0)
                return -1;
            o->top_k = (int)n;
        } else if (strcmp(a, "--steps") == 0) {
            VALUE();
            if (parse_long(a, v, 1, 1000000, &o->steps) != 0)
                return -1;
        } else if (o->cmd == SEQ_CMD_PREDICT && !o->input && (a[0] != '-' || a[1] == '\0')) {
            o->input = a;
        } else {
            fprintf(stderr, "error: unknown option '%s' for %s (see --help)\n", a,
                    commands[o->cmd]);
            return -1;
        }
#undef VALUE
    }
    return 0;
}

static int main_command(int argc, char **argv, const seq_model_info *info,
                        const seq_s_model *f32, const seq_d_model *f64, const char *spec_dir)
{
    if (argc < 2) {
        usage(stderr, info);
        return SEQ_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout, info);
        return SEQ_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("%s (seqcc %s, spec %s sha256 %.16s)\n", info->name, info->seqcc_version,
               info->spec_file, info->spec_sha256);
        return SEQ_EXIT_OK;
    }
    if (strcmp(cmd, "summary") == 0) {
        if (argc > 2) {
            fprintf(stderr, "error: summary takes no options\n");
            return SEQ_EXIT_USAGE;
        }
        fputs(info->summary, stdout);
        return SEQ_EXIT_OK;
    }
    seq_options o;
    memset(&o, 0, sizeof o);
    o.seed = -1;
    o.samples = 24;
    o.tolerance = 1e-6;
    o.length = 500;
    o.temperature = 1;
    int found = 0;
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(cmd, commands[i]) == 0)
            o.cmd = (seq_command)i, found = 1;
    if (!found) {
        fprintf(stderr, "error: unknown command '%s' (expected train, eval, predict, summary, "
                        "grads, gradcheck, bench or sample; see --help)\n", cmd);
        return SEQ_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, info);
            return SEQ_EXIT_OK;
        }
    if (parse(argc, argv, &o) != 0)
        return SEQ_EXIT_USAGE;
    if (o.test_data && strcmp(info->data.format, "csv") != 0) {
        fprintf(stderr, "error: --test-data is for a model of CSV data (format csv); %s reads "
                        "format %s\n", info->name, info->data.format);
        return SEQ_EXIT_USAGE;
    }
    if (o.resume && o.force) {
        fprintf(stderr, "error: --resume continues the run in --out and --force starts it "
                        "afresh: give one of them\n");
        return SEQ_EXIT_USAGE;
    }

    if (!o.threads)
        o.threads = default_threads();
    openblas_set_num_threads(1); /* parallel work is split by seq_pool */
    seq_pool_init(o.threads);
    static const char *const levels[] = {"auto", "scalar", "avx2", "avx512"};
    for (int l = 0; l < 4; l++) {
        if (strcmp(info->simd, levels[l]) == 0 && seq_simd_select((seq_simd)l) != 0) {
            fprintf(stderr, "error: the spec asks for simd %s, which this CPU lacks\n", info->simd);
            return SEQ_EXIT_FAIL;
        }
    }

    /* data.path and data.test_path are both relative to the spec's folder */
    char *data_root = o.data ? seq_xstrdup(o.data) : default_data(spec_dir, info->data.path);
    char *test_root = o.test_data ? seq_xstrdup(o.test_data)
                      : info->data.test_path ? default_data(spec_dir, info->data.test_path)
                                             : NULL;
    o.test_root = test_root;
    int status;
    seqcc_model_def def = {info, f32, f64};
    if (o.cmd == SEQ_CMD_PREDICT)
        status = seq_cmd_predict(&def, &o);
    else if (o.cmd == SEQ_CMD_GRADCHECK || info->f64)
        status = seq_d_run(f64, &o, data_root);
    else
        status = seq_s_run(f32, &o, data_root);
    if (status == SEQ_EXIT_FAIL && !o.data && strcmp(info->data.format, "sine") != 0 &&
        access(data_root, F_OK) != 0)
        fprintf(stderr, "note: %s is the spec's data.path (%s) from the spec's folder, and it "
                        "is not there; give the data with --data PATH\n", data_root,
                info->data.path);
    free(data_root);
    free(test_root);
    return status;
}

/* Every command's output to stdout is checked: a failed write is an error
 * (exit 1) even when the command did all else. */
int seq_main(int argc, char **argv, const seq_model_info *info, const seq_s_model *f32,
             const seq_d_model *f64, const char *spec_dir)
{
    seq_guard_std_fds();
    int status = main_command(argc, argv, info, f32, f64, spec_dir);
    seq_err err;
    if (seq_close_stdout(&err) != 0 && status == SEQ_EXIT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        status = SEQ_EXIT_FAIL;
    }
    return status;
}
