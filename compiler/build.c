/* build.c: `seqcc build`: a spec straight to a model binary (or library)
 * with the system's C compiler and the installed runtime, no CMake.
 *
 * The runtime is found beside seqcc itself: PREFIX/bin/seqcc finds its
 * headers and libraries at the places `cmake --install` put them
 * (build_config.h), or under $SEQCC_PREFIX. The C compiler is $CC, else the
 * one seqcc was built with. Everything is compiled in a temporary folder
 * and moved into place at the end, so a failed build leaves no output. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_config.h"

typedef struct argv_list {
    char **items;
    int n, cap;
} argv_list;

static void arg(argv_list *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? 2 * a->cap : 32;
        a->items = seq_xrealloc(a->items, (size_t)a->cap * sizeof *a->items);
    }
    a->items[a->n++] = seq_xstrdup(s);
    a->items[a->n] = NULL;
}

/* Appends the words of S (separated by spaces; no quoting). */
static void args_split(argv_list *a, const char *s)
{
    while (*s) {
        size_t n = strcspn(s, " ");
        if (n) {
            char *w = seq_xstrndup(s, n);
            arg(a, w);
            free(w);
        }
        s += n + (s[n] == ' ');
    }
}

static void args_free(argv_list *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->items[i]);
    free(a->items);
    memset(a, 0, sizeof *a);
}

/* Starts A (no shell); prints it first with VERBOSE. Returns its pid, or -1. */
static pid_t spawn(argv_list *a, int verbose)
{
    if (verbose) {
        for (int i = 0; i < a->n; i++)
            fprintf(stderr, "%s%s", i ? " " : "", a->items[i]);
        fputc('\n', stderr);
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "seqcc: cannot run %s: %s\n", a->items[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execvp(a->items[0], a->items);
        fprintf(stderr, "seqcc: cannot run %s: %s\n", a->items[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Waits for PID, the run of PROGRAM. Returns 0 if it exited 0. */
static int reap(pid_t pid, const char *program, int verbose)
{
    int status;
    if (pid < 0)
        return -1;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return -1;
        fprintf(stderr, "seqcc: %s failed%s\n", program, verbose ? "" : " (-v shows the commands)");
        return -1;
    }
    return 0;
}

/* Runs A and waits for it. Returns 0 if it exited 0. */
static int run(argv_list *a, int verbose)
{
    return reap(spawn(a, verbose), a->items[0], verbose);
}

/* The absolute, resolved form of folder DIR (which must exist). */
static char *real_dir(const char *dir)
{
    char *r = realpath(dir, NULL);
    if (!r)
        seq_die("seqcc: %s: %s", dir, strerror(errno));
    return r;
}

/* TO relative to FROM, both absolute and resolved: "../specs". */
static char *relative_path(const char *from, const char *to)
{
    size_t common = 0;
    for (size_t i = 0;; i++) { /* the longest common prefix of whole components */
        char a = from[i], b = to[i];
        if ((a == '/' || !a) && (b == '/' || !b))
            common = i;
        if (!a || !b || a != b)
            break;
    }
    seq_buf rel = {0};
    for (const char *p = from + common; *p; p++)
        if (*p == '/')
            seq_buf_puts(&rel, rel.len ? "/.." : "..");
    const char *rest = to + common;
    while (*rest == '/')
        rest++;
    if (*rest)
        seq_buf_printf(&rel, "%s%s", rel.len ? "/" : "", rest);
    if (!rel.len)
        seq_buf_puts(&rel, ".");
    return rel.data;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where the runtime is installed: $SEQCC_PREFIX, else the folder above
 * the one holding this seqcc. */
static char *runtime_prefix(void)
{
    const char *env = getenv("SEQCC_PREFIX");
    if (env && *env)
        return seq_xstrdup(env);
    char *bin = seq_exe_dir();
    if (!bin)
        return seq_xstrdup(SEQCC_INSTALL_PREFIX_FALLBACK);
    char *prefix = seq_path_join(bin, SEQCC_BIN_TO_PREFIX);
    char *resolved = realpath(prefix, NULL);
    free(bin);
    if (!resolved)
        return prefix;
    free(prefix);
    return resolved;
}

/* The command compiling SRC into OBJ with the model flags (and EXTRA). */
static void compile_args(argv_list *a, const char *cc, const char *include, const char *src,
                         const char *obj, const char *extra)
{
    args_split(a, cc);
    args_split(a, SEQCC_MODEL_CFLAGS);
    arg(a, "-I");
    arg(a, include);
    if (extra)
        arg(a, extra);
    arg(a, "-c");
    arg(a, src);
    arg(a, "-o");
    arg(a, obj);
}

/* Compiles SRC into OBJ with the model flags (and EXTRA, if any). */
static int compile(const char *cc, const char *include, const char *src, const char *obj,
                   const char *extra, int verbose)
{
    argv_list a = {0};
    compile_args(&a, cc, include, src, obj, extra);
    int rc = run(&a, verbose);
    args_free(&a);
    return rc;
}

/* One `seqcc build`: where the runtime is, and the temporary files. */
typedef struct build_job {
    const build_options *o;
    out_file *files;                 /* NAME.h, NAME.c, NAME_info.c, NAME_main.c */
    const char *cc;
    char *prefix, *include, *libdir; /* the installed runtime */
    char *out_dir;                   /* the output's folder */
    char *tmp;                       /* the temporary folder, once made */
    char *src[4], *obj[4];           /* f32 and f64 passes, tables, main() */
    char *staged;                    /* the output, beside it until it is complete */
} build_job;

/* Finds the runtime and the output folder, and makes the temporary folder
 * with the emitted files in it. */
static int prepare(build_job *j)
{
    j->prefix = runtime_prefix();
    j->include = seq_path_join(j->prefix, SEQCC_INCLUDEDIR_REL);
    j->libdir = seq_path_join(j->prefix, SEQCC_LIBDIR_REL);
    j->out_dir = seq_path_dir(j->o->output);
    char *seqrt = seq_path_join(j->libdir, "libseqrt.a");
    int found = is_file(seqrt);
    if (!found)
        fprintf(stderr, "seqcc: no runtime at %s (seqcc build needs an installed seqcc: "
                        "cmake --install BUILD --prefix P, then P/bin/seqcc; or set SEQCC_PREFIX)\n",
                seqrt);
    free(seqrt);
    if (!found)
        return -1;
    struct stat st;
    if (stat(j->out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "seqcc: %s: no such folder for %s\n", j->out_dir, j->o->output);
        return -1;
    }
    const char *base = getenv("TMPDIR");
    char *tmp = seq_path_join(base && *base ? base : "/tmp", "seqcc-build-XXXXXX");
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "seqcc: cannot create a temporary folder %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    j->tmp = tmp;
    if (output_write(tmp, j->files) != 0)
        return -1;
    static const char *const objs[] = {"f32.o", "f64.o", "info.o", "main.o"};
    for (int i = 0; i < 4; i++) {
        j->src[i] = seq_path_join(tmp, j->files[i == 0 ? 1 : i].name);
        j->obj[i] = seq_path_join(tmp, objs[i]);
    }
    seq_buf staged = {0}; /* beside the output, so that rename() moves it into place */
    seq_buf_printf(&staged, "%s.seqcc-tmp.%ld", j->o->output, (long)getpid());
    j->staged = staged.data;
    return 0;
}

/* The passes in float and in double, and the tables: three compilers at
 * once (a long spec's passes take most of the time, one core each). */
static int compile_passes(build_job *j)
{
    static const char *const precision[] = {NULL, "-DSEQ_REAL_DOUBLE", NULL};
    argv_list a[3] = {{0}};
    pid_t pid[3];
    for (int i = 0; i < 3; i++) {
        compile_args(&a[i], j->cc, j->include, j->src[i], j->obj[i], precision[i]);
        pid[i] = spawn(&a[i], j->o->verbose);
    }
    int rc = 0;
    for (int i = 0; i < 3; i++) { /* every child is waited for, failed or not */
        rc |= reap(pid[i], a[i].items[0], j->o->verbose);
        args_free(&a[i]);
    }
    return rc;
}

/* A static library of the model (no main). */
static int archive(build_job *j)
{
    const char *ar = getenv("AR") && *getenv("AR") ? getenv("AR") : "ar";
    argv_list a = {0};
    arg(&a, ar);
    arg(&a, "rcs");
    arg(&a, j->staged);
    for (int i = 0; i < 3; i++)
        arg(&a, j->obj[i]);
    int rc = run(&a, j->o->verbose);
    args_free(&a);
    return rc;
}

/* The binary: main() compiled to find the spec's data relative to the
 * binary's own folder, then linked with the runtime. */
static int link_binary(build_job *j)
{
    char *spec_dir = seq_path_dir(j->o->spec), *spec_real = real_dir(spec_dir);
    char *out_real = real_dir(j->out_dir), *rel = relative_path(out_real, spec_real);
    seq_buf define = {0};
    seq_buf_printf(&define, "-DSEQ_SPEC_DIR=\"%s\"", rel);
    free(spec_dir);
    free(spec_real);
    free(out_real);
    free(rel);
    int rc = compile(j->cc, j->include, j->src[3], j->obj[3], define.data, j->o->verbose);
    seq_buf_free(&define);
    if (rc != 0)
        return rc;
    argv_list a = {0};
    args_split(&a, j->cc);
    for (int i = 3; i >= 0; i--)
        arg(&a, j->obj[i]);
    arg(&a, "-o");
    arg(&a, j->staged);
    arg(&a, "-L");
    arg(&a, j->libdir);
    arg(&a, "-lseqrt");
    arg(&a, "-lsequtil");
    args_split(&a, SEQCC_MODEL_LIBS);
    rc = run(&a, j->o->verbose);
    args_free(&a);
    return rc;
}

/* Moves the output into place; a library's header goes beside it. */
static int finish(build_job *j)
{
    if (rename(j->staged, j->o->output) != 0) {
        fprintf(stderr, "seqcc: cannot write %s: %s\n", j->o->output, strerror(errno));
        return -1;
    }
    if (!j->o->library)
        return 0;
    seq_buf header = {0};
    seq_buf_printf(&header, "%s/%s", j->out_dir, j->files[0].name);
    seq_err err;
    int rc = seq_write_file_atomic(header.data, j->files[0].text.data, j->files[0].text.len, &err);
    if (rc)
        fprintf(stderr, "seqcc: %s\n", err.msg);
    else if (j->o->verbose)
        fprintf(stderr, "seqcc: %s and %s\n", j->o->output, header.data);
    seq_buf_free(&header);
    return rc ? -1 : 0;
}

/* Removes the temporary folder and whatever is left in it. */
static void cleanup(build_job *j)
{
    for (int i = 0; i < 4; i++) {
        if (j->obj[i])
            unlink(j->obj[i]);
        free(j->obj[i]);
        free(j->src[i]);
    }
    if (j->tmp) {
        for (int i = 0; i < EMIT_FILES; i++) {
            char *p = seq_path_join(j->tmp, j->files[i].name);
            unlink(p);
            free(p);
        }
        rmdir(j->tmp);
    }
    if (j->staged)
        unlink(j->staged);
    free(j->staged);
    free(j->tmp);
    free(j->out_dir);
    free(j->libdir);
    free(j->include);
    free(j->prefix);
}

int build_model(const build_options *o, out_file files[EMIT_FILES])
{
    build_job j = {.o = o, .files = files};
    j.cc = getenv("CC") && *getenv("CC") ? getenv("CC") : SEQCC_C_COMPILER;
    int rc = prepare(&j);
    if (rc == 0)
        rc = compile_passes(&j);
    if (rc == 0)
        rc = o->library ? archive(&j) : link_binary(&j);
    if (rc == 0)
        rc = finish(&j);
    cleanup(&j);
    return rc == 0 ? 0 : 1;
}

int export_model(const export_options *o, out_file files[EMIT_FILES])
{
    const char *base = getenv("TMPDIR");
    char *tmp = seq_path_join(base && *base ? base : "/tmp", "seqcc-export-XXXXXX");
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "seqcc: cannot create a temporary folder %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return 1;
    }
    char *binary = seq_path_join(tmp, "model");
    build_options bo = {o->spec, binary, 0, o->verbose};
    int rc = build_model(&bo, files);
    if (rc == 0) { /* the binary's export: its checks, its errors, its exit status */
        argv_list a = {0};
        arg(&a, binary);
        arg(&a, "export");
        arg(&a, "--checkpoint");
        arg(&a, o->checkpoint);
        arg(&a, "--out");
        arg(&a, o->out_dir);
        arg(&a, "--weights");
        arg(&a, o->int8 ? "int8" : "f32");
        if (o->no_tokenizer)
            arg(&a, "--no-tokenizer");
        pid_t pid = spawn(&a, o->verbose);
        int status = 1;
        rc = pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ? 1 : WEXITSTATUS(status);
        args_free(&a);
    }
    unlink(binary);
    rmdir(tmp);
    free(binary);
    free(tmp);
    return rc;
}
