/* main.c: the seqcc command line: parse -> check -> emit. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "build.h"
#include "diag.h"
#include "emit.h"
#include "import.h"
#include "node.h"
#include "output.h"
#include "spec.h"
#include "summary.h"
#include "version.h"

enum { EXIT_STALE = 1, EXIT_BAD_SPEC = 2 };

static const char usage[] =
    "usage: seqcc SPEC.yaml -o DIR [--check]\n"
    "       seqcc build SPEC.yaml -o BINARY [--lib] [-v]\n"
    "       seqcc summary SPEC.yaml\n"
    "       seqcc export SPEC.yaml --checkpoint CKPT -o DIR [--weights f32|int8] [--no-tokenizer]\n"
    "       seqcc import MODEL.onnx -o DIR [--name NAME]\n"
    "       seqcc --version | --help\n"
    "\n"
    "Compiles a sequence-model spec into C: DIR/NAME.h (the model's C API),\n"
    "DIR/NAME.c (the forward and backward passes), DIR/NAME_info.c (the spec's\n"
    "tables) and DIR/NAME_main.c (the binary's main()), to be linked with the\n"
    "runtime, libseqrt, into the model binary.\n"
    "\n"
    "  -o DIR     where to write the files (created if needed; unchanged files\n"
    "             are not touched)\n"
    "  --check    write nothing; exit 1 with a diff if DIR is not what seqcc\n"
    "             would write now\n"
    "  build      compile the spec straight into the model binary BINARY with the\n"
    "             C compiler ($CC, else the one seqcc was built with) and the\n"
    "             installed runtime; no CMake needed\n"
    "  --lib      build: a static library of the model instead (its C API; link it\n"
    "             with the runtime: pkg-config --libs seqcc), NAME.h beside it\n"
    "  -v         build: print the commands it runs\n"
    "  summary    print the Keras-style layer table with parameter counts\n"
    "  export     a checkpoint as freestanding C, DIR/NAME_infer.h and\n"
    "             DIR/NAME_infer.c, as the model binary's export writes them\n"
    "  import     a PyTorch model exported to ONNX as a spec and its weights,\n"
    "             DIR/NAME.yaml and DIR/NAME.safetensors\n"
    "\n"
    "Options take -o DIR or -o=DIR (--check, --lib, -v: no value); COMMAND --help\n"
    "shows a command's own.\n"
    "\n"
    "Exit status: 0 success, 1 DIR is stale (--check), an I/O error or a failed\n"
    "build, 2 a bad spec or bad usage. Errors in a spec are reported as\n"
    "FILE:LINE:COL: error.\n";

static const char build_usage[] =
    "usage: seqcc build SPEC.yaml -o BINARY [--lib] [-v]\n"
    "\n"
    "Compiles the spec straight into the model binary BINARY with the C compiler\n"
    "($CC, else the one seqcc was built with) and the installed runtime; no CMake\n"
    "needed.\n"
    "\n"
    "  -o BINARY  the binary (or with --lib, the library) to write\n"
    "  --lib      a static library of the model instead (its C API; link it\n"
    "             with the runtime: pkg-config --libs seqcc), NAME.h beside it\n"
    "  -v         print the commands it runs\n";

static const char export_usage[] =
    "usage: seqcc export SPEC.yaml --checkpoint CKPT -o DIR [--weights f32|int8]\n"
    "                   [--no-tokenizer] [-v]\n"
    "\n"
    "Writes CKPT's model as freestanding C: DIR/NAME_infer.h and DIR/NAME_infer.c\n"
    "(no allocation, no runtime; the weights as static const data), as the model\n"
    "binary's `NAME export` does (seqcc builds it for the purpose, as seqcc build).\n"
    "\n"
    "  --weights int8   each matrix as int8 with a float scale per column\n"
    "  --no-tokenizer   ids in: no vocabulary and no NAME_infer_text\n"
    "  -v               print the commands it runs\n";

static const char import_usage[] =
    "usage: seqcc import MODEL.onnx -o DIR [--name NAME]\n"
    "\n"
    "Reads an ONNX file that PyTorch's torch.onnx.export wrote for a model of\n"
    "nn.Embedding, nn.LSTM, nn.GRU, nn.RNN (tanh), nn.Conv1d, nn.MaxPool1d,\n"
    "nn.Linear and nn.Dropout, ReLU/tanh/sigmoid/softmax, the last step or the\n"
    "mean or maximum over time, and writes DIR/NAME.yaml (the layers; a data\n"
    "section to fill in) and DIR/NAME.safetensors (the weights in seqcc's\n"
    "layout: the model binary's --checkpoint for predict --ids, export and\n"
    "export-onnx, and train --init-weights). What seqcc cannot represent is an\n"
    "error naming the node; nothing is written then.\n"
    "\n"
    "  -o DIR, --out DIR  where to write the two files (created if needed)\n"
    "  --name NAME        the model's name (default: MODEL without .onnx)\n";

static const char summary_usage[] =
    "usage: seqcc summary SPEC.yaml\n"
    "\n"
    "Prints the Keras-style layer table with parameter counts.\n";

/* The options; a command takes those of its mask (--help and --version: all).
 * getopt_long_only returns 256 + OPT_* (1, '?' and ':' are its own). */
enum { OPT_OUT, OPT_CHECK, OPT_LIB, OPT_VERBOSE, OPT_HELP, OPT_VERSION, OPT_CHECKPOINT,
       OPT_WEIGHTS, OPT_NO_TOKENIZER, OPT_NAME, OPT_COUNT };
#define VAL(o) (256 + (o))
static const struct option longs[] = {
    {"o", required_argument, NULL, VAL(OPT_OUT)},       {"check", no_argument, NULL, VAL(OPT_CHECK)},
    {"lib", no_argument, NULL, VAL(OPT_LIB)},           {"v", no_argument, NULL, VAL(OPT_VERBOSE)},
    {"help", no_argument, NULL, VAL(OPT_HELP)},         {"h", no_argument, NULL, VAL(OPT_HELP)},
    {"version", no_argument, NULL, VAL(OPT_VERSION)},
    {"checkpoint", required_argument, NULL, VAL(OPT_CHECKPOINT)},
    {"weights", required_argument, NULL, VAL(OPT_WEIGHTS)},
    {"no-tokenizer", no_argument, NULL, VAL(OPT_NO_TOKENIZER)},
    {"out", required_argument, NULL, VAL(OPT_OUT)},
    {"name", required_argument, NULL, VAL(OPT_NAME)},
    {NULL, 0, NULL, 0},
};
static const char *const option_names[OPT_COUNT] = {"-o", "--check", "--lib", "-v", "--help",
                                                     "--version", "--checkpoint", "--weights",
                                                     "--no-tokenizer", "--name"};

typedef enum { CMD_COMPILE, CMD_BUILD, CMD_SUMMARY, CMD_EXPORT, CMD_IMPORT } command_kind;
static const struct {
    const char *name, *usage; /* NAME NULL: seqcc SPEC -o DIR */
    unsigned takes;
} commands[] = {
    {NULL, usage, 1u << OPT_OUT | 1u << OPT_CHECK},
    {"build", build_usage, 1u << OPT_OUT | 1u << OPT_LIB | 1u << OPT_VERBOSE},
    {"summary", summary_usage, 0},
    {"export", export_usage,
     1u << OPT_OUT | 1u << OPT_CHECKPOINT | 1u << OPT_WEIGHTS | 1u << OPT_NO_TOKENIZER |
         1u << OPT_VERBOSE},
    {"import", import_usage, 1u << OPT_OUT | 1u << OPT_NAME},
};

typedef struct cli {
    command_kind cmd;
    const char *spec_path, *out_dir, *checkpoint, *weights, *name;
    int check, library, verbose, no_tokenizer;
} cli;

/* Reads, parses and checks the spec; NULL after reporting errors. */
static int load_spec(const char *path, spec *s, char hash[65], char **text)
{
    seq_err err;
    size_t len;
    diag_init(path);
    if (seq_read_file(path, text, &len, &err) != 0) {
        fprintf(stderr, "%s: error: cannot read the spec (%s)\n", path, err.msg);
        return -1;
    }
    seq_sha256_hex(*text, len, hash);
    node *root = node_parse(*text, len);
    if (!root)
        return -1;
    if (spec_read(s, root, path) != 0 || spec_check(s) != 0)
        return -1;
    return 0;
}

/* Parses the command line into C with getopt_long_only (so -o DIR and
 * -o=DIR, --check and -check); returns -1 to exit 0 (--help, --version done),
 * EXIT_BAD_SPEC on bad usage (reported), else 0. */
static int parse(int argc, char **argv, cli *c)
{
    memset(c, 0, sizeof *c);
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "build") == 0)
        c->cmd = CMD_BUILD, first = 2;
    else if (argc > 1 && strcmp(argv[1], "summary") == 0)
        c->cmd = CMD_SUMMARY, first = 2;
    else if (argc > 1 && strcmp(argv[1], "export") == 0)
        c->cmd = CMD_EXPORT, first = 2;
    else if (argc > 1 && strcmp(argv[1], "import") == 0)
        c->cmd = CMD_IMPORT, first = 2;
    const char *name = commands[c->cmd].name, *use = commands[c->cmd].usage;
    opterr = 0;
    optind = 1;
    /* argv[first - 1] is getopt's argv[0]; "-" returns operands in order */
    int n = argc - first + 1;
    for (int v; (v = getopt_long_only(n, argv + first - 1, "-:", longs, NULL)) != -1;) {
        const char *arg = argv[first - 1 + optind - 1];
        int o = v - 256;
        if (o == OPT_HELP || o == OPT_VERSION) {
            if (o == OPT_HELP)
                fputs(use, stdout);
            else
                printf("seqcc %s\n", SEQCC_VERSION);
            return -1;
        } else if (v == ':') {
            fprintf(stderr, "seqcc: %s needs a value\n%s", arg, use);
            return EXIT_BAD_SPEC;
        } else if (v == '?') {
            fprintf(stderr, "seqcc: unknown option '%s'\n%s", arg, use);
            return EXIT_BAD_SPEC;
        } else if (v == 1 && c->spec_path) {
            fprintf(stderr, "seqcc: one spec at a time ('%s' and '%s')\n", c->spec_path, optarg);
            return EXIT_BAD_SPEC;
        } else if (v == 1) {
            c->spec_path = optarg;
        } else if (!(commands[c->cmd].takes & 1u << o)) {
            fprintf(stderr, "seqcc: %s does not take %s (see seqcc %s%s--help)\n",
                    name ? name : "seqcc SPEC -o DIR", option_names[o], name ? name : "",
                    name ? " " : "");
            return EXIT_BAD_SPEC;
        } else {
            c->out_dir = o == OPT_OUT ? optarg : c->out_dir;
            c->check |= o == OPT_CHECK;
            c->library |= o == OPT_LIB;
            c->verbose |= o == OPT_VERBOSE;
            c->checkpoint = o == OPT_CHECKPOINT ? optarg : c->checkpoint;
            c->weights = o == OPT_WEIGHTS ? optarg : c->weights;
            c->no_tokenizer |= o == OPT_NO_TOKENIZER;
            c->name = o == OPT_NAME ? optarg : c->name;
        }
    }
    if (optind + first - 1 < argc && !c->spec_path) /* after "--" */
        c->spec_path = argv[optind++ + first - 1];
    if (optind + first - 1 < argc || !c->spec_path || (c->cmd != CMD_SUMMARY && !c->out_dir) ||
        (c->cmd == CMD_EXPORT && !c->checkpoint)) {
        fputs(use, stderr);
        return EXIT_BAD_SPEC;
    }
    if (c->weights && strcmp(c->weights, "f32") != 0 && strcmp(c->weights, "int8") != 0) {
        fprintf(stderr, "seqcc: --weights is f32 or int8, not '%s'\n", c->weights);
        return EXIT_BAD_SPEC;
    }
    return 0;
}

static int command(int argc, char **argv)
{
    cli c;
    int rc = parse(argc, argv, &c);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    const char *spec_path = c.spec_path, *out_dir = c.out_dir;
    if (c.cmd == CMD_IMPORT)
        return import_onnx(spec_path, out_dir, c.name);
    spec s;
    memset(&s, 0, sizeof s);
    char hash[65], *text = NULL;
    int status = 0;
    out_file files[EMIT_FILES];
    memset(files, 0, sizeof files);
    /* the code is generated for summary too: a spec over the generator's
     * limits is as bad there */
    if (load_spec(spec_path, &s, hash, &text) != 0 || emit_model(&s, hash, files) != 0) {
        status = EXIT_BAD_SPEC;
    } else if (c.cmd == CMD_SUMMARY) {
        seq_buf table = {0};
        summary_write(&s, &table);
        fputs(table.data, stdout);
        seq_buf_free(&table);
    } else if (c.cmd == CMD_EXPORT) {
        export_options eo = {spec_path, c.checkpoint, out_dir,
                             c.weights && strcmp(c.weights, "int8") == 0, c.no_tokenizer, c.verbose};
        status = export_model(&eo, files);
    } else {
        build_options bo = {spec_path, out_dir, c.library, c.verbose};
        status = c.cmd == CMD_BUILD ? build_model(&bo, files)
                 : c.check          ? output_check(out_dir, files)
                                    : output_write(out_dir, files);
        if (c.check && status)
            fprintf(stderr, "seqcc: %s is stale; regenerate it with: seqcc %s -o %s\n", out_dir,
                    spec_path, out_dir);
    }
    for (int i = 0; i < EMIT_FILES; i++)
        seq_buf_free(&files[i].text);
    spec_free(&s);
    node_free_all();
    free(text);
    return status;
}

/* A failed write to stdout (the summary, --help, --version) is an I/O error. */
int main(int argc, char **argv)
{
    seq_guard_std_fds();
    int status = command(argc, argv);
    seq_err err;
    if (seq_close_stdout(&err) != 0 && status == 0) {
        fprintf(stderr, "seqcc: %s\n", err.msg);
        status = 1;
    }
    return status;
}
