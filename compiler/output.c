/* output.c: the emitted files written atomically, or diffed against a
 * folder for the CI staleness check. */
#include "output.h"

#include "change.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int same_contents(const char *path, const seq_buf *text)
{
    char *old;
    size_t len;
    if (seq_read_file(path, &old, &len, NULL) != 0)
        return 0;
    int same = len == text->len && memcmp(old, text->data, len) == 0;
    free(old);
    return same;
}

int output_write(const char *dir, out_file files[EMIT_FILES])
{
    seq_err err;
    if (seq_mkdirs(dir, &err) != 0) {
        fprintf(stderr, "seqcc: %s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < EMIT_FILES; i++) {
        char *path = seq_path_join(dir, files[i].name);
        int rc = 0;
        if (!same_contents(path, &files[i].text))
            rc = seq_write_file_atomic(path, files[i].text.data, files[i].text.len, &err);
        free(path);
        if (rc != 0) {
            fprintf(stderr, "seqcc: %s\n", err.msg);
            return 1;
        }
    }
    return 0;
}

/* Runs diff -u OLD NEW with readable labels; returns its exit status. */
static int run_diff(const char *old_path, const char *old_label, const char *new_path,
                    const char *new_label)
{
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        execlp("diff", "diff", "-u", "--label", old_label, "--label", new_label, old_path,
               new_path, (char *)NULL);
        fprintf(stderr, "seqcc: cannot run diff: %s\n", strerror(errno));
        _exit(2);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return 2;
    return WEXITSTATUS(status);
}

static void remove_files(const char *dir, out_file files[EMIT_FILES])
{
    for (int i = 0; i < EMIT_FILES; i++) {
        char *path = seq_path_join(dir, files[i].name);
        unlink(path);
        free(path);
    }
    rmdir(dir);
}

/* What changed, in the model's terms, before the line diffs; nothing when
 * DIR is up to date. */
static void print_changes(const char *dir, out_file files[EMIT_FILES])
{
    char *old_text[EMIT_FILES];
    for (int i = 0; i < EMIT_FILES; i++) {
        char *path = seq_path_join(dir, files[i].name);
        size_t len;
        if (seq_read_file(path, &old_text[i], &len, NULL) != 0)
            old_text[i] = NULL;
        free(path);
    }
    seq_buf summary = {0};
    change_summary((const char *const *)old_text, files, EMIT_FILES, &summary);
    if (summary.len)
        printf("seqcc: what changed in %s:\n%s\n", dir, summary.data);
    seq_buf_free(&summary);
    for (int i = 0; i < EMIT_FILES; i++)
        free(old_text[i]);
}

int output_check(const char *dir, out_file files[EMIT_FILES])
{
    const char *base = getenv("TMPDIR");
    char *tmp = seq_path_join(base && *base ? base : "/tmp", "seqcc-check-XXXXXX");
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "seqcc: cannot create a temporary folder %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return 1;
    }
    int stale = 0;
    if (output_write(tmp, files) != 0) {
        stale = 1;
        goto done;
    }
    print_changes(dir, files);
    for (int i = 0; i < EMIT_FILES; i++) {
        char *committed = seq_path_join(dir, files[i].name);
        if (access(committed, F_OK) != 0) {
            fprintf(stderr, "seqcc: %s is missing\n", committed);
            stale = 1;
        } else if (!same_contents(committed, &files[i].text)) {
            char *fresh = seq_path_join(tmp, files[i].name);
            seq_buf label = {0};
            seq_buf_printf(&label, "%s (what seqcc emits now)", committed);
            fflush(stdout);
            run_diff(committed, committed, fresh, label.data);
            seq_buf_free(&label);
            free(fresh);
            stale = 1;
        }
        free(committed);
    }
done:
    remove_files(tmp, files);
    free(tmp);
    return stale;
}
