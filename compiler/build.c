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

/* Runs A (no shell); prints it first with VERBOSE. Returns 0 if it exited 0. */
static int run(argv_list *a, int verbose)
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
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return -1;
        fprintf(stderr, "seqcc: %s failed%s\n", a->items[0], verbose ? "" : " (-v shows the commands)");
        return -1;
    }
    return 0;
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

/* Compiles SRC into OBJ with the model flags (and EXTRA, if any). */
static int compile(const char *cc, const char *include, const char *src, const char *obj,
                   const char *extra, int verbose)
{
    argv_list a = {0};
    args_split(&a, cc);
    args_split(&a, SEQCC_MODEL_CFLAGS);
    arg(&a, "-I");
    arg(&a, include);
    if (extra)
        arg(&a, extra);
    arg(&a, "-c");
    arg(&a, src);
    arg(&a, "-o");
    arg(&a, obj);
    int rc = run(&a, verbose);
    args_free(&a);
    return rc;
}

int build_model(const build_options *o, out_file files[EMIT_FILES])
{
    int status = 1;
    char *prefix = runtime_prefix();
    char *include = seq_path_join(prefix, SEQCC_INCLUDEDIR_REL);
    char *libdir = seq_path_join(prefix, SEQCC_LIBDIR_REL);
    char *seqrt = seq_path_join(libdir, "libseqrt.a");
    const char *cc = getenv("CC") && *getenv("CC") ? getenv("CC") : SEQCC_C_COMPILER;
    const char *ar = getenv("AR") && *getenv("AR") ? getenv("AR") : "ar";
    char *tmp = NULL, *out_dir = seq_path_dir(o->output);
    argv_list a = {0};
    char *obj[4] = {0}, *src[4] = {0}, *define = NULL, *staged = NULL;
    seq_buf header_path = {0};

    if (!is_file(seqrt)) {
        fprintf(stderr, "seqcc: no runtime at %s (seqcc build needs an installed seqcc: "
                        "cmake --install BUILD --prefix P, then P/bin/seqcc; or set SEQCC_PREFIX)\n",
                seqrt);
        goto done;
    }
    struct stat st;
    if (stat(out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "seqcc: %s: no such folder for %s\n", out_dir, o->output);
        goto done;
    }
    const char *base = getenv("TMPDIR");
    tmp = seq_path_join(base && *base ? base : "/tmp", "seqcc-build-XXXXXX");
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "seqcc: cannot create a temporary folder %s: %s\n", tmp, strerror(errno));
        free(tmp);
        tmp = NULL;
        goto done;
    }
    if (output_write(tmp, files) != 0)
        goto done;
    /* files: NAME.h, NAME.c, NAME_info.c, NAME_main.c */
    static const char *const objs[] = {"f32.o", "f64.o", "info.o", "main.o"};
    for (int i = 0; i < 4; i++) {
        src[i] = seq_path_join(tmp, files[i == 0 ? 1 : i].name);
        obj[i] = seq_path_join(tmp, objs[i]);
    }
    /* the passes in float and in double, then the tables */
    static const char *const precision[] = {NULL, "-DSEQ_REAL_DOUBLE", NULL};
    for (int i = 0; i < 3; i++)
        if (compile(cc, include, src[i], obj[i], precision[i], o->verbose) != 0)
            goto done;

    seq_buf_printf(&header_path, "%s/%s", out_dir, files[0].name);
    seq_buf sb = {0}; /* beside the output, so that rename() moves it into place */
    seq_buf_printf(&sb, "%s.seqcc-tmp.%ld", o->output, (long)getpid());
    staged = sb.data;
    if (o->library) {
        /* A static library of the model (no main), and its header beside it. */
        arg(&a, ar);
        arg(&a, "rcs");
        arg(&a, staged);
        for (int i = 0; i < 3; i++)
            arg(&a, obj[i]);
        if (run(&a, o->verbose) != 0)
            goto done;
        args_free(&a);
    } else {
        /* The binary finds the spec's data relative to its own folder. */
        char *spec_dir = seq_path_dir(o->spec), *spec_real = real_dir(spec_dir);
        char *out_real = real_dir(out_dir), *rel = relative_path(out_real, spec_real);
        seq_buf d = {0};
        seq_buf_printf(&d, "-DSEQ_SPEC_DIR=\"%s\"", rel);
        define = d.data;
        free(spec_dir);
        free(spec_real);
        free(out_real);
        free(rel);
        if (compile(cc, include, src[3], obj[3], define, o->verbose) != 0)
            goto done;
        args_split(&a, cc);
        for (int i = 3; i >= 0; i--)
            arg(&a, obj[i]);
        arg(&a, "-o");
        arg(&a, staged);
        arg(&a, "-L");
        arg(&a, libdir);
        arg(&a, "-lseqrt");
        arg(&a, "-lsequtil");
        args_split(&a, SEQCC_MODEL_LIBS);
        if (run(&a, o->verbose) != 0)
            goto done;
        args_free(&a);
    }
    if (rename(staged, o->output) != 0) {
        fprintf(stderr, "seqcc: cannot write %s: %s\n", o->output, strerror(errno));
        goto done;
    }
    if (o->library) {
        seq_err err;
        if (seq_write_file_atomic(header_path.data, files[0].text.data, files[0].text.len, &err)) {
            fprintf(stderr, "seqcc: %s\n", err.msg);
            goto done;
        }
        if (o->verbose)
            fprintf(stderr, "seqcc: %s and %s\n", o->output, header_path.data);
    }
    status = 0;
done:
    args_free(&a);
    for (int i = 0; i < 4; i++) {
        if (obj[i])
            unlink(obj[i]);
        free(obj[i]);
        free(src[i]);
    }
    if (tmp) {
        for (int i = 0; i < EMIT_FILES; i++) {
            char *p = seq_path_join(tmp, files[i].name);
            unlink(p);
            free(p);
        }
        if (staged)
            unlink(staged);
        rmdir(tmp);
    }
    free(staged);
    free(define);
    seq_buf_free(&header_path);
    free(tmp);
    free(out_dir);
    free(seqrt);
    free(libdir);
    free(include);
    free(prefix);
    return status;
}
