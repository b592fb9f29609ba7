/* bad_spec.c: one case of the bad-spec corpus (tests/bad_specs), run by
 * CTest as bad_spec/NAME without a shell: `bad_spec SEQCC CASE` runs
 * `SEQCC CASE -o TMP/out` and `SEQCC summary CASE`. Each must exit 2 with
 * CASE:LINE:COL: error: and the words the case's first line promises
 * ("# expect: LINE:COL: TEXT"); neither writes a byte of output, and both
 * give the same first line. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BS_MAX_TEXT 65536

typedef struct {
    char prefix[4096]; /* CASE:LINE:COL: error: */
    char words[1024];  /* what the message must contain */
} bs_expect;

typedef struct {
    int code; /* exit status, 128 + signal when killed */
    char out[BS_MAX_TEXT];
    char err[BS_MAX_TEXT];
} bs_result;

static int bs_failures;

static void bs_fail(const char *path, const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s\n%s\n", path, what, detail ? detail : "");
    bs_failures++;
}

/* Reads the "# expect: LINE:COL: TEXT" first line of PATH into E. */
static int bs_expectation(const char *path, bs_expect *e)
{
    FILE *f = fopen(path, "rb");
    char first[1200] = "";
    int line, col, at = 0;
    if (!f) {
        perror(path);
        return -1;
    }
    if (!fgets(first, sizeof first, f))
        first[0] = '\0';
    fclose(f);
    first[strcspn(first, "\n")] = '\0';
    if (sscanf(first, "# expect: %d:%d: %n", &line, &col, &at) != 2 || at == 0 ||
        first[at] == '\0') {
        fprintf(stderr, "%s: the first line must be '# expect: LINE:COL: TEXT', not '%s'\n",
                path, first);
        return -1;
    }
    snprintf(e->prefix, sizeof e->prefix, "%s:%d:%d: error: ", path, line, col);
    snprintf(e->words, sizeof e->words, "%s", first + at);
    return 0;
}

/* Reads at most BS_MAX_TEXT - 1 bytes of PATH into BUF, then removes it. */
static void bs_slurp(const char *path, char *buf)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (f) {
        n = fread(buf, 1, BS_MAX_TEXT - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    unlink(path);
}

/* Runs ARGV with stdin from /dev/null, stdout and stderr into files of DIR. */
static int bs_run(char *const argv[], const char *dir, bs_result *r)
{
    char out[4200], err[4200];
    int status;
    pid_t pid;
    snprintf(out, sizeof out, "%s/stdout", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    bs_slurp(out, r->out);
    bs_slurp(err, r->err);
    return 0;
}

/* Checks that R is the rejection E promises; copies its first line to FIRST. */
static void bs_check_rejected(const bs_result *r, const bs_expect *e, const char *what,
                              char *first, size_t size)
{
    size_t len = strcspn(r->err, "\n");
    snprintf(first, size, "%.*s", (int)len, r->err);
    if (r->code != 2) {
        char why[64];
        snprintf(why, sizeof why, "should exit 2, exited %d:", r->code);
        bs_fail(what, why, r->err);
    } else if (strncmp(first, e->prefix, strlen(e->prefix)) != 0) {
        bs_fail(what, "wrong position or format, expected the prefix:", e->prefix);
        fprintf(stderr, "got: %s\n", first);
    } else if (!strstr(first + strlen(e->prefix), e->words)) {
        bs_fail(what, "the message lacks the expected words:", e->words);
        fprintf(stderr, "got: %s\n", first);
    }
}

int main(int argc, char **argv)
{
    static bs_result r;
    static char first_compile[BS_MAX_TEXT], first_summary[BS_MAX_TEXT];
    char dir[] = "/tmp/seqcc-bad-spec-XXXXXX", out[4200];
    struct stat st;
    bs_expect e;
    if (argc != 3) {
        fprintf(stderr, "usage: bad_spec SEQCC CASE.yaml\n");
        return 2;
    }
    if (bs_expectation(argv[2], &e) != 0 || !mkdtemp(dir))
        return 1;
    snprintf(out, sizeof out, "%s/out", dir);

    char *compile[] = { argv[1], argv[2], "-o", out, NULL };
    if (bs_run(compile, dir, &r) != 0)
        return perror("fork"), 1;
    bs_check_rejected(&r, &e, "seqcc CASE -o OUT", first_compile, sizeof first_compile);
    if (stat(out, &st) == 0)
        bs_fail("seqcc CASE -o OUT", "created the output folder for a bad spec:", out);

    char *summary[] = { argv[1], "summary", argv[2], NULL };
    if (bs_run(summary, dir, &r) != 0)
        return perror("fork"), 1;
    bs_check_rejected(&r, &e, "seqcc summary CASE", first_summary, sizeof first_summary);
    if (r.out[0] != '\0')
        bs_fail("seqcc summary CASE", "printed on stdout for a bad spec:", r.out);
    if (strcmp(first_compile, first_summary) != 0)
        bs_fail("seqcc summary CASE", "says otherwise than seqcc CASE -o OUT:", first_summary);

    if (rmdir(dir) != 0) /* what a bad spec wrote stays to be seen */
        fprintf(stderr, "left %s\n", dir);
    return bs_failures ? 1 : 0;
}
