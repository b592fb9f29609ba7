/* build.h: `seqcc build SPEC -o BINARY`: the emitted C compiled and linked
 * with the installed runtime, no CMake. */
#ifndef SEQC_BUILD_H
#define SEQC_BUILD_H

#include "emit.h"
#include "output.h"

typedef struct build_options {
    const char *spec;    /* the spec's path (its folder is where data.path starts) */
    const char *output;  /* the binary, or with LIBRARY the static library (NAME.h beside it) */
    int library;         /* a library of the model (its C API) instead of a binary */
    int verbose;         /* print each command before running it */
} build_options;

/* Compiles FILES (emit_model's) into O->output. Returns 0, or 1 after
 * printing what failed; nothing is left at O->output on failure. */
int build_model(const build_options *o, out_file files[EMIT_FILES]);

/* `seqcc export SPEC --checkpoint CKPT -o DIR`: the model binary built in a
 * temporary folder runs its export (runtime/cli/export.h) and is removed. */
typedef struct export_options {
    const char *spec, *checkpoint, *out_dir;
    int int8, no_tokenizer, verbose;
} export_options;

/* Returns the binary's exit status, or 1 after printing what failed. */
int export_model(const export_options *o, out_file files[EMIT_FILES]);

#endif
