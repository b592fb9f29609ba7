/* cli.c: the model binary's command line: options, help, and the choice of
 * precision (the spec's for everything but gradcheck, which runs in f64). */
#include "cli.h"

#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "base/util.h"
#include "dist/dist.h"
#include "kernels/pool.h"
#include "kernels/vmath.h"

/* The two builds of the driver (driver.c compiled as float and as double). */
int seq_s_run(const seq_s_model *m, const seq_options *o, const char *data_root);
int seq_d_run(const seq_d_model *m, const seq_options *o, const char *data_root);

/* Every option of every command; a command takes those of its mask. HELP
 * may hold one %s, the option's default from the spec (option_default). */
enum {
    OPT_DATA, OPT_TEST_DATA, OPT_OUT, OPT_CHECKPOINT, OPT_SPLIT, OPT_RESUME, OPT_FORCE,
    OPT_PROBS, OPT_EPOCHS, OPT_MAX_STEPS, OPT_CHECKPOINT_EVERY, OPT_LIMIT, OPT_THREADS,
    OPT_SEED, OPT_SAMPLES, OPT_TOLERANCE, OPT_STEPS, OPT_PRIME, OPT_LENGTH, OPT_TEMPERATURE,
    OPT_TOP_K, OPT_WEIGHTS, OPT_NO_TOKENIZER, OPT_IDS, OPT_INIT_WEIGHTS, OPT_COUNT
};

typedef struct cli_option {
    const char *name, *arg, *help; /* ARG NULL: a flag */
} cli_option;

static const cli_option options[OPT_COUNT] = {
    {"data", "PATH", "the data folder or file (default: %s, from the spec's\n"
                     "folder); eval: a labelled file, all of it the test part\n"
                     "(an aclImdb folder: its test part)"},
    {"test-data", "FILE", "the test part's own labelled file (default: the spec's\n"
                          "test_path, if any)"},
    {"out", "PATH", "train: the run folder (default runs/%s); grads: the file;\n"
                    "export: the folder; export-onnx: the file"},
    {"checkpoint", "FILE", "the checkpoint to evaluate, predict with or differentiate"},
    {"split", "NAME", "train, val or test"},
    {"resume", NULL, "train: continue from OUT/checkpoint.safetensors"},
    {"force", NULL, "train: start a fresh run in an OUT that holds one,\n"
                    "overwriting its checkpoints and metrics"},
    {"probs", NULL, "predict: every class's probability too, as NAME=P after the label;\n"
                    "sample: the next character's probabilities after the prime, by id\n"
                    "(0 unknown, then the characters), instead of a text"},
    {"epochs", "N", "train: this many epochs in all (default %s)"},
    {"max-steps", "N", "train: stop after N optimizer steps in all"},
    {"checkpoint-every", "N", "train: also save the checkpoint every N steps"},
    {"limit", "N", "use the first N examples of each class (a char-lm: characters;\n"
                   "a series: rows)"},
    {"threads", "N", "worker threads (default: $SEQCC_THREADS, else all cores);\n"
                     "results are the same bits for any thread count"},
    {"seed", "N", "instead of the spec's seed (%s)"},
    {"samples", "N", "gradcheck: entries per tensor (default 24)"},
    {"tolerance", "X", "gradcheck: largest relative error (default 1e-6)"},
    {"steps", "N", "bench: training steps to time (default 100)"},
    {"prime", "TEXT", "sample: the text to continue (default a line break)"},
    {"length", "N", "sample: characters to generate (default 500)"},
    {"temperature", "X", "sample: below 1 more conservative, above 1 more varied, 0 always\n"
                         "the most likely character (default 1)"},
    {"top-k", "K", "sample: draw among the K most likely characters (default all)"},
    {"weights", "f32|int8", "export: the weights as floats (default), or each matrix as int8\n"
                            "with a float scale per column"},
    {"no-tokenizer", NULL, "export: leave out the vocabulary and NAME_infer_text (ids in)"},
    {"ids", NULL, "predict: each line is a text's token ids, space-separated, as encode\n"
                  "prints them (0 is padding and left out, 1 out of vocabulary), cut\n"
                  "and padded as the spec says, instead of its text"},
    {"init-weights", "FILE", "train: start from FILE's parameters (seqcc import's weights, or a\n"
                             "checkpoint of this model) instead of the initializers"},
};

#define OPT(o) (1u << (o))
#define CMD_SUMMARY ((seq_command)(SEQ_CMD_ENCODE + 1)) /* no seq_command: no run */

typedef struct cli_command {
    const char *name, *args, *help; /* ARGS: the operands after the options */
    unsigned takes;                 /* OPT() of each option it takes */
} cli_command;

/* In seq_command's order, then summary. */
static const cli_command commands[] = {
    {"train", "", "train on the spec's data; writes OUT/checkpoint.safetensors (every\n"
                  "epoch), OUT/best.safetensors (best validation accuracy; for a\n"
                  "char-lm or a series, lowest validation loss), OUT/metrics.jsonl,\n"
                  "OUT/curve.svg; refuses an OUT that holds a run (see --resume, --force)",
     OPT(OPT_DATA) | OPT(OPT_OUT) | OPT(OPT_RESUME) | OPT(OPT_FORCE) | OPT(OPT_EPOCHS) |
         OPT(OPT_MAX_STEPS) | OPT(OPT_CHECKPOINT_EVERY) | OPT(OPT_LIMIT) | OPT(OPT_THREADS) |
         OPT(OPT_SEED) | OPT(OPT_INIT_WEIGHTS)},
    {"eval", "", "loss and accuracy (a series: RMSE beside the naive forecast's) of\n"
                 "--checkpoint on a split (default test) of the data it was trained on;\n"
                 "with --data FILE (a CSV), on all of FILE",
     OPT(OPT_DATA) | OPT(OPT_TEST_DATA) | OPT(OPT_CHECKPOINT) | OPT(OPT_SPLIT) | OPT(OPT_LIMIT) |
         OPT(OPT_THREADS)},
    {"predict", " [FILE]", "probability and label (as the data spells it) for each line of\n"
                           "FILE (default stdin), written as soon as the line is read; a\n"
                           "series: the forecast for each line of seq_len rows of values;\n"
                           "an empty line is an error",
     OPT(OPT_CHECKPOINT) | OPT(OPT_PROBS) | OPT(OPT_IDS) | OPT(OPT_THREADS)},
    {"grads", "", "loss and gradients of --checkpoint on the first batch of --split,\n"
                  "with the batch, as safetensors in --out",
     OPT(OPT_DATA) | OPT(OPT_TEST_DATA) | OPT(OPT_CHECKPOINT) | OPT(OPT_SPLIT) | OPT(OPT_OUT) |
         OPT(OPT_LIMIT) | OPT(OPT_THREADS)},
    {"gradcheck", "", "analytic gradients against finite differences, in f64",
     OPT(OPT_SAMPLES) | OPT(OPT_TOLERANCE) | OPT(OPT_SEED) | OPT(OPT_THREADS)},
    {"bench", "", "time training steps and batch-1 predictions on random data",
     OPT(OPT_STEPS) | OPT(OPT_SEED) | OPT(OPT_THREADS)},
    {"sample", "", "a char-lm's text: --prime TEXT, --length N, --temperature X, --top-k K",
     OPT(OPT_CHECKPOINT) | OPT(OPT_PRIME) | OPT(OPT_LENGTH) | OPT(OPT_TEMPERATURE) |
         OPT(OPT_TOP_K) | OPT(OPT_SEED) | OPT(OPT_THREADS) | OPT(OPT_PROBS)},
    {"export", "", "--checkpoint as freestanding C: OUT/NAME_infer.h and OUT/NAME_infer.c\n"
                   "(no allocation, no runtime; the weights as static const data)",
     OPT(OPT_CHECKPOINT) | OPT(OPT_OUT) | OPT(OPT_WEIGHTS) | OPT(OPT_NO_TOKENIZER)},
    {"export-onnx", "", "--checkpoint's prediction graph as the ONNX file OUT (opset 13;\n"
                        "token ids in, probabilities out; for ONNX Runtime and other tools)",
     OPT(OPT_CHECKPOINT) | OPT(OPT_OUT)},
    {"encode", " [FILE]", "each line of FILE (default stdin) as the model reads it: its\n"
                          "seq_len token ids, padded and cut as the spec says (the ONNX\n"
                          "graph's ids), then for a char_cnn a tab and each word's\n"
                          "word_len char ids",
     OPT(OPT_CHECKPOINT)},
    {"summary", "", "the layer table with parameter counts", 0},
};
enum { N_COMMANDS = (int)(sizeof commands / sizeof *commands) };

/* Writes TEXT's lines, the first after what is already on the line, the
 * others indented by INDENT. */
static void indented(FILE *f, const char *text, int indent)
{
    for (const char *nl; (nl = strchr(text, '\n')); text = nl + 1)
        fprintf(f, "%.*s\n%*s", (int)(nl - text), text, indent, "");
    fprintf(f, "%s\n", text);
}

/* The value an option's help shows as its default (its %s). */
static const char *option_default(int opt, const seq_model_info *info, char *buf, size_t size)
{
    if (opt == OPT_DATA || opt == OPT_OUT)
        return opt == OPT_DATA ? info->data.path : info->name;
    if (opt == OPT_EPOCHS)
        snprintf(buf, size, "%d", info->train.epochs);
    else
        snprintf(buf, size, "%llu", (unsigned long long)info->seed);
    return buf;
}

static void option_usage(FILE *f, int opt, const seq_model_info *info)
{
    const cli_option *o = &options[opt];
    char head[64], text[1024], value[32];
    snprintf(head, sizeof head, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    fprintf(f, "  %-20s%s", head, strlen(head) >= 20 ? "  " : "");
    const char *at = strstr(o->help, "%s");
    if (at)
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - o->help), o->help,
                 option_default(opt, info, value, sizeof value), at + 2);
    else
        snprintf(text, sizeof text, "%s", o->help);
    indented(f, text, 22);
}

static void usage(FILE *f, const seq_model_info *info)
{
    fprintf(f,
            "usage: %s COMMAND [options]\n"
            "\n"
            "The %s model, compiled by seqcc %s from %s.\n"
            "\n"
            "commands (COMMAND --help: the command's options):\n",
            info->name, info->name, info->seqcc_version, info->spec_file);
    for (int c = 0; c < N_COMMANDS; c++) {
        fprintf(f, "  %-12s", commands[c].name);
        indented(f, commands[c].help, 14);
    }
    fputs("\noptions (--key value or --key=value):\n", f);
    for (int o = 0; o < OPT_COUNT; o++)
        option_usage(f, o, info);
    fputs("  --version, --help\n"
          "\n"
          "exit status: 0 success, 1 failure (data, files), 2 usage, 3 gradcheck failed\n", f);
}

/* COMMAND --help: its use and only the options it takes. */
static void command_usage(FILE *f, int cmd, const seq_model_info *info)
{
    const cli_command *c = &commands[cmd];
    fprintf(f, "usage: %s %s%s%s\n\n", info->name, c->name, c->takes ? " [options]" : "", c->args);
    indented(f, c->help, 0);
    if (c->takes)
        fputs("\noptions (--key value or --key=value):\n", f);
    for (int o = 0; o < OPT_COUNT; o++)
        if (c->takes & OPT(o))
            option_usage(f, o, info);
    fputs(c->takes ? "  --help\n" : "\noptions: --help\n", f);
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
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE"); /* ranks on this machine */
    if (seq_dist_ranks() > 1 && local && atol(local) > 1)
        cpus /= atol(local);
    return cpus > 0 ? (int)cpus : 1;
}

/* The spec's folder, which SPEC_DIR gives relative to the binary's own
 * folder (so that the binary holds no absolute path of the tree it was built
 * in, and runs from any working folder). */
static char *spec_folder(const char *spec_dir)
{
    char *exe = spec_dir[0] == '/' ? NULL : seq_exe_dir();
    char *dir = seq_path_join(exe, spec_dir);
    free(exe);
    return dir;
}

/* A path of the spec's (data.path, data.test_path) from the spec's folder. */
static char *default_data(const char *spec_dir, const char *spec_path)
{
    char *dir = spec_folder(spec_dir), *path = seq_path_join(dir, spec_path);
    free(dir);
    return path;
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    long n;
    if (parse_long(opt, s, lo, hi, &n) != 0)
        return -1;
    *out = (int)n;
    return 0;
}

/* Sets option OPT (an OPT_ index) to VALUE (NULL for a flag); -1 on a bad
 * value (reported). */
static int set_option(int opt, const char *v, seq_options *o)
{
    char name[40], *end;
    snprintf(name, sizeof name, "--%s", options[opt].name);
    switch (opt) {
    case OPT_DATA: o->data = v; return 0;
    case OPT_TEST_DATA: o->test_data = v; return 0;
    case OPT_OUT: o->out = v; return 0;
    case OPT_CHECKPOINT: o->checkpoint = v; return 0;
    case OPT_SPLIT: o->split = v; return 0;
    case OPT_PRIME: o->prime = v; return 0;
    case OPT_RESUME: o->resume = 1; return 0;
    case OPT_FORCE: o->force = 1; return 0;
    case OPT_PROBS: o->probs = 1; return 0;
    case OPT_NO_TOKENIZER: o->no_tokenizer = 1; return 0;
    case OPT_IDS: o->ids = 1; return 0;
    case OPT_INIT_WEIGHTS: o->init_weights = v; return 0;
    case OPT_WEIGHTS:
        if (strcmp(v, "f32") == 0 || strcmp(v, "int8") == 0) {
            o->int8 = strcmp(v, "int8") == 0;
            return 0;
        }
        fprintf(stderr, "error: --weights is f32 or int8, not '%s'\n", v);
        return -1;
    case OPT_MAX_STEPS: return parse_long(name, v, 1, 1000000000L, &o->max_steps);
    case OPT_CHECKPOINT_EVERY: return parse_long(name, v, 1, 1000000000L, &o->checkpoint_every);
    case OPT_LIMIT: return parse_long(name, v, 1, 1000000000L, &o->limit);
    case OPT_SEED: return parse_long(name, v, 0, 0x7fffffffffffffffL, &o->seed);
    case OPT_STEPS: return parse_long(name, v, 1, 1000000, &o->steps);
    case OPT_LENGTH: return parse_long(name, v, 1, 100000000L, &o->length);
    case OPT_EPOCHS: return parse_int(name, v, 1, 100000, &o->epochs);
    case OPT_THREADS: return parse_int(name, v, 1, 1024, &o->threads);
    case OPT_SAMPLES: return parse_int(name, v, 2, 100000, &o->samples);
    case OPT_TOP_K: return parse_int(name, v, 1, 1000000, &o->top_k);
    case OPT_TOLERANCE:
        o->tolerance = strtod(v, &end);
        if (end == v || *end || !(o->tolerance > 0)) {
            fprintf(stderr, "error: --tolerance needs a positive number, got '%s'\n", v);
            return -1;
        }
        return 0;
    case OPT_TEMPERATURE:
        o->temperature = strtod(v, &end);
        if (end == v || *end || !(o->temperature >= 0) || o->temperature > 100) {
            fprintf(stderr, "error: --temperature needs a number from 0 (always the most "
                            "likely character) to 100, got '%s'\n", v);
            return -1;
        }
        return 0;
    }
    return -1;
}

/* Reports ARG, an option CMD does not take: one of another command (KNOWN)
 * or an unknown one. */
static void not_taken(int cmd, int known, const char *arg)
{
    const char *name = commands[cmd].name;
    if (!commands[cmd].takes)
        fprintf(stderr, "error: %s takes no options (see %s --help)\n", name, name);
    else if (known)
        fprintf(stderr, "error: %s does not take %s (see %s --help)\n", name, arg, name);
    else
        fprintf(stderr, "error: unknown option '%s' for %s (see %s --help)\n", arg, name, name);
}

/* An operand (a word that is no option): predict's FILE, once. */
static int operand(const char *a, int cmd, seq_options *o)
{
    int reads = cmd == SEQ_CMD_PREDICT || cmd == SEQ_CMD_ENCODE;
    if (reads && !o->input) {
        o->input = a;
        return 0;
    }
    if (reads)
        fprintf(stderr, "error: %s reads one FILE ('%s' and '%s')\n", commands[cmd].name,
                o->input, a);
    else
        not_taken(cmd, 0, a);
    return -1;
}

/* Reports getopt_long's refusal of ARG (C: '?' or ':'; BAD: the option it
 * found, if any). */
static void refused(const char *arg, int c, int bad, int cmd)
{
    char flag[3] = {'-', (char)optopt, '\0'}, name[40];
    snprintf(name, sizeof name, "--%s", bad >= 0 ? options[bad].name : "");
    if (bad >= 0 && !(commands[cmd].takes & OPT(bad)))
        not_taken(cmd, 1, name);
    else if (bad >= 0 && c == ':')
        fprintf(stderr, "error: --%s needs a value\n", options[bad].name);
    else if (bad >= 0)
        fprintf(stderr, "error: --%s takes no value\n", options[bad].name);
    else
        not_taken(cmd, 0, optopt > 0 && optopt < 256 ? flag : arg);
}

/* Parses the options of command CMD, argv[2...], into O with getopt_long
 * (--key value, --key=value); an option CMD does not take is a usage error.
 * Returns -1 on a usage error (already reported). */
static int parse(int argc, char **argv, int cmd, seq_options *o)
{
    struct option longs[OPT_COUNT + 1];
    for (int i = 0; i < OPT_COUNT; i++)
        longs[i] = (struct option){options[i].name, options[i].arg ? required_argument : no_argument,
                                   NULL, 256 + i};
    memset(&longs[OPT_COUNT], 0, sizeof longs[OPT_COUNT]);
    opterr = 0;
    optind = 1;
    /* argv[1], the command, is getopt's argv[0]; "-" returns operands in order */
    for (int c; (c = getopt_long(argc - 1, argv + 1, "-:", longs, NULL)) != -1;) {
        int opt = c - 256;
        if (c == 1) {
            if (operand(optarg, cmd, o) != 0)
                return -1;
        } else if (c == '?' || c == ':') {
            refused(argv[optind], c, optopt >= 256 ? optopt - 256 : -1, cmd);
            return -1;
        } else if (!(commands[cmd].takes & OPT(opt))) {
            char name[40];
            snprintf(name, sizeof name, "--%s", options[opt].name);
            not_taken(cmd, 1, name);
            return -1;
        } else if (set_option(opt, optarg, o) != 0) {
            return -1;
        }
    }
    for (int i = optind + 1; i < argc; i++) /* the operands after "--" */
        if (operand(argv[i], cmd, o) != 0)
            return -1;
    return 0;
}

/* Runs command O->cmd with the threads and the SIMD level set up. */
static int run_command(const seq_model_info *info, const seq_s_model *f32,
                       const seq_d_model *f64, const char *spec_dir, seq_options *o)
{
    if (!o->threads)
        o->threads = default_threads();
    openblas_set_num_threads(1); /* parallel work is split by seq_pool */
    seq_pool_init(o->threads);
    if (seq_simd_select(info->simd) != 0) {
        fprintf(stderr, "error: the spec asks for simd %s, which this CPU lacks\n",
                seq_simd_name(info->simd));
        return SEQ_EXIT_FAIL;
    }

    /* data.path and data.test_path are both relative to the spec's folder */
    char *data_root = o->data ? seq_xstrdup(o->data) : default_data(spec_dir, info->data.path);
    char *test_root = o->test_data ? seq_xstrdup(o->test_data)
                      : info->data.test_path ? default_data(spec_dir, info->data.test_path)
                                             : NULL;
    o->test_root = test_root;
    char *spec_root = spec_folder(spec_dir);
    o->spec_root = spec_root;
    int status;
    seqcc_model_def def = {info, f32, f64};
    if (seq_dist_rank() != 0 && (o->cmd == SEQ_CMD_PREDICT || o->cmd == SEQ_CMD_SAMPLE ||
                                 o->cmd == SEQ_CMD_ENCODE))
        status = SEQ_EXIT_OK; /* in a job, rank 0 alone predicts, encodes and samples */
    else if (o->cmd == SEQ_CMD_PREDICT || o->cmd == SEQ_CMD_ENCODE)
        status = seq_cmd_predict(&def, o);
    else if (o->cmd == SEQ_CMD_GRADCHECK || info->f64)
        status = seq_d_run(f64, o, data_root);
    else
        status = seq_s_run(f32, o, data_root);
    if (status == SEQ_EXIT_FAIL && !o->data && info->data.format != SEQ_FORMAT_SINE &&
        access(data_root, F_OK) != 0)
        fprintf(stderr, "note: %s is the spec's data.path (%s) from the spec's folder, and it "
                        "is not there; give the data with --data PATH\n", data_root,
                info->data.path);
    free(data_root);
    free(test_root);
    free(spec_root);
    return status;
}

/* Options that do not go together, or not with this model: a usage error. */
static int options_conflict(const seq_model_info *info, const seq_options *o)
{
    if (o->test_data && info->data.format != SEQ_FORMAT_CSV) {
        fprintf(stderr, "error: --test-data is for a model of CSV data (format csv); %s reads "
                        "format %s\n", info->name,
                seq_kind_name(seq_data_format_words(), info->data.format));
        return 1;
    }
    if (o->resume && o->init_weights) {
        fprintf(stderr, "error: --resume continues from the run's own checkpoint; "
                        "--init-weights starts a new run from FILE: give one of them\n");
        return 1;
    }
    if (o->resume && o->force) {
        fprintf(stderr, "error: --resume continues the run in --out and --force starts it "
                        "afresh: give one of them\n");
        return 1;
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
    int c = 0;
    while (c < N_COMMANDS && strcmp(cmd, commands[c].name) != 0)
        c++;
    if (c == N_COMMANDS) {
        fprintf(stderr, "error: unknown command '%s' (expected train, eval, predict, summary, "
                        "grads, gradcheck, bench, sample or export; see --help)\n", cmd);
        return SEQ_EXIT_USAGE;
    }
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            command_usage(stdout, c, info);
            return SEQ_EXIT_OK;
        }
    seq_options o;
    memset(&o, 0, sizeof o);
    o.cmd = (seq_command)c;
    o.seed = -1;
    o.samples = 24;
    o.tolerance = 1e-6;
    o.length = 500;
    o.temperature = 1;
    if (parse(argc, argv, c, &o) != 0)
        return SEQ_EXIT_USAGE;
    if (o.cmd == CMD_SUMMARY) {
        fputs(info->summary, stdout);
        return SEQ_EXIT_OK;
    }
    if (options_conflict(info, &o))
        return SEQ_EXIT_USAGE;
    return run_command(info, f32, f64, spec_dir, &o);
}

/* Every command's output to stdout is checked: a failed write is an error
 * (exit 1) even when the command did all else. */
int seq_main(int argc, char **argv, const seq_model_info *info, const seq_s_model *f32,
             const seq_d_model *f64, const char *spec_dir)
{
    seq_guard_std_fds();
    if (seq_dist_init(&argc, &argv) != 0)
        return SEQ_EXIT_FAIL;
    int status = main_command(argc, argv, info, f32, f64, spec_dir);
    seq_err err;
    if (seq_close_stdout(&err) != 0 && status == SEQ_EXIT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        status = SEQ_EXIT_FAIL;
    }
    if (status == SEQ_EXIT_OK)
        seq_dist_finish();
    else
        seq_dist_abort(status);
    return status;
}
