/* main.c: the seqcc command line: parse -> check -> emit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "diag.h"
#include "emit.h"
#include "node.h"
#include "output.h"
#include "sha256.h"
#include "spec.h"
#include "summary.h"
#include "version.h"

enum { EXIT_STALE = 1, EXIT_BAD_SPEC = 2 };

static const char usage[] =
    "usage: seqcc SPEC.yaml -o DIR [--check]\n"
    "       seqcc build SPEC.yaml -o BINARY [--lib] [-v]\n"
    "       seqcc summary SPEC.yaml\n"
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
    "\n"
    "Exit status: 0 success, 1 DIR is stale (--check), an I/O error or a failed\n"
    "build, 2 a bad spec or bad usage. Errors in a spec are reported as\n"
    "FILE:LINE:COL: error.\n";

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

static int command(int argc, char **argv)
{
    const char *spec_path = NULL, *out_dir = NULL;
    int check = 0, summary = 0, build = 0, library = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("seqcc %s\n", SEQCC_VERSION);
            return 0;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            out_dir = argv[++i];
        } else if (strcmp(a, "--check") == 0) {
            check = 1;
        } else if (strcmp(a, "summary") == 0 && i == 1) {
            summary = 1;
        } else if (strcmp(a, "build") == 0 && i == 1) {
            build = 1;
        } else if (strcmp(a, "--lib") == 0 && build) {
            library = 1;
        } else if (strcmp(a, "-v") == 0 && build) {
            verbose = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "seqcc: unknown option '%s'\n%s", a, usage);
            return EXIT_BAD_SPEC;
        } else if (!spec_path) {
            spec_path = a;
        } else {
            fprintf(stderr, "seqcc: one spec at a time ('%s' and '%s')\n", spec_path, a);
            return EXIT_BAD_SPEC;
        }
    }
    if (!spec_path || (!summary && !out_dir) || (summary && (out_dir || check)) ||
        (build && check)) {
        fputs(usage, stderr);
        return EXIT_BAD_SPEC;
    }

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
    } else if (summary) {
        seq_buf table = {0};
        summary_write(&s, &table);
        fputs(table.data, stdout);
        seq_buf_free(&table);
    } else {
        build_options bo = {spec_path, out_dir, library, verbose};
        status = build   ? build_model(&bo, files)
                 : check ? output_check(out_dir, files)
                         : output_write(out_dir, files);
        if (check && status)
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
