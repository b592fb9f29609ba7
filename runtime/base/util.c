/* util.c: errors, checked allocation, growable buffers, whole-file I/O. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int seq_fail(seq_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void seq_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void *seq_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        seq_die("out of memory (allocating %zu bytes)", n);
    return p;
}

void *seq_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        seq_die("out of memory (allocating %zu x %zu bytes)", count, size);
    return p;
}

void *seq_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        seq_die("out of memory (allocating %zu bytes)", n);
    return q;
}

char *seq_xstrndup(const char *s, size_t n)
{
    char *p = seq_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *seq_xstrdup(const char *s)
{
    return seq_xstrndup(s, strlen(s));
}

void seq_buf_reserve(seq_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = seq_xrealloc(b->data, cap);
    b->cap = cap;
}

void seq_buf_add(seq_buf *b, const void *data, size_t n)
{
    seq_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void seq_buf_puts(seq_buf *b, const char *s)
{
    seq_buf_add(b, s, strlen(s));
}

void seq_buf_vprintf(seq_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    seq_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void seq_buf_printf(seq_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    seq_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void seq_buf_free(seq_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void seq_buf_cstring(seq_buf *b, const char *s, size_t len)
{
    seq_buf_puts(b, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '?')
            seq_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            seq_buf_puts(b, "\\n");
        else if (c < 0x20 || c >= 0x7f)
            seq_buf_printf(b, "\\%03o", c);
        else
            seq_buf_add(b, &s[i], 1);
    }
    seq_buf_puts(b, "\"");
}

int seq_read_file(const char *path, char **data, size_t *len, seq_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return seq_fail(err, "%s: cannot open: %s", path, strerror(errno));
    seq_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        seq_buf_add(&b, chunk, n);
    int failed = ferror(f), saved = errno;
    fclose(f);
    if (failed) {
        seq_buf_free(&b);
        return seq_fail(err, "%s: cannot read: %s", path, strerror(saved));
    }
    if (!b.data)
        seq_buf_reserve(&b, 0), b.data[0] = '\0';
    *data = b.data;
    *len = b.len;
    return 0;
}

static int fsync_parent(const char *path)
{
    char *dir = seq_path_dir(path);
    int fd = open(dir, O_RDONLY);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* TEST ONLY, not a user setting: SEQCC_TEST_KILL_AT=STAGE[@N] makes the
 * process SIGKILL itself the Nth time (default the first) it passes STAGE,
 * so the suite can crash train at every step of its writes
 * (tests/lua/crash_spec.lua). */
void seq_test_stage(const char *stage, const char *path)
{
    static int passed;
    const char *want = getenv("SEQCC_TEST_KILL_AT");
    if (!want || !*want)
        return;
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path;
    char name[256];
    snprintf(name, sizeof name, "%s%s%s", stage, base ? ":" : "", base ? base : "");
    const char *at = strchr(want, '@');
    size_t n = at ? (size_t)(at - want) : strlen(want);
    if (n != strlen(name) || strncmp(want, name, n) != 0)
        return;
    if (++passed >= (at ? atoi(at + 1) : 1))
        raise(SIGKILL);
}

/* Writes all of DATA to FD; -1 with errno set. */
static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int seq_write_fd(int fd, const void *data, size_t len, const char *path)
{
    /* one write, but in two halves for the test stage "partial" (a kill mid-write) */
    const char *test = getenv("SEQCC_TEST_KILL_AT");
    size_t half = test && *test ? len / 2 : len;
    if (write_all(fd, data, half) != 0)
        return -1;
    seq_test_stage("partial", path);
    return write_all(fd, (const char *)data + half, len - half);
}

int seq_write_file_atomic(const char *path, const void *data, size_t len, seq_err *err)
{
    seq_buf tmp = {0};
    seq_buf_printf(&tmp, "%s" SEQ_TMP_INFIX "%ld", path, (long)getpid());
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        seq_fail(err, "%s: cannot create: %s", tmp.data, strerror(errno));
        seq_buf_free(&tmp);
        return -1;
    }
    if (seq_write_fd(fd, data, len, path) != 0) {
        seq_fail(err, "%s: write failed: %s", tmp.data, strerror(errno));
        goto fail;
    }
    if (fsync(fd) != 0) {
        seq_fail(err, "%s: fsync failed: %s", tmp.data, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        seq_fail(err, "%s: close failed: %s", tmp.data, strerror(errno));
        goto fail;
    }
    fd = -1;
    seq_test_stage("written", path);
    if (rename(tmp.data, path) != 0) {
        seq_fail(err, "%s: cannot rename into place: %s", path, strerror(errno));
        goto fail;
    }
    fsync_parent(path);
    seq_test_stage("renamed", path);
    seq_buf_free(&tmp);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp.data);
    seq_buf_free(&tmp);
    return -1;
}

/* NAME is PREFIX followed by one or more digits only. */
static int is_tmp_of(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || !name[n])
        return 0;
    return name[n + strspn(name + n, "0123456789")] == '\0';
}

int seq_remove_temporaries(const char *path, seq_err *err)
{
    char *dir = seq_path_dir(path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    seq_buf prefix = {0}, victim = {0};
    seq_buf_printf(&prefix, "%s" SEQ_TMP_INFIX, base);
    DIR *d = opendir(dir);
    int rc = d ? 0 : seq_fail(err, "%s: cannot list: %s", dir, strerror(errno));
    for (struct dirent *e; d && rc == 0 && (e = readdir(d)) != NULL;) {
        if (!is_tmp_of(e->d_name, prefix.data))
            continue;
        victim.len = 0;
        seq_buf_printf(&victim, "%s/%s", dir, e->d_name);
        if (unlink(victim.data) != 0 && errno != ENOENT)
            rc = seq_fail(err, "%s: cannot remove: %s", victim.data, strerror(errno));
    }
    if (d)
        closedir(d);
    seq_buf_free(&prefix);
    seq_buf_free(&victim);
    free(dir);
    return rc;
}

int seq_mkdirs(const char *path, seq_err *err)
{
    char *p = seq_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            seq_fail(err, "%s: cannot create folder: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = seq_fail(err, "%s: cannot create folder: %s", p, strerror(errno));
    struct stat st;
    if (rc == 0 && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = seq_fail(err, "%s: not a folder", p);
    free(p);
    return rc;
}

char *seq_path_join(const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir || !dir[0])
        return seq_xstrdup(rel);
    seq_buf b = {0};
    seq_buf_puts(&b, dir);
    if (b.data[b.len - 1] != '/')
        seq_buf_puts(&b, "/");
    seq_buf_puts(&b, rel);
    return b.data;
}

char *seq_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return seq_xstrdup(".");
    return seq_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

char *seq_exe_dir(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    return seq_path_dir(self);
}

double seq_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void seq_guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (got >= 0 && got != fd) { /* a lower one was closed too and took it */
            dup2(got, fd);
            close(got);
        }
    }
}

int seq_flush_stdout(seq_err *err)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    return seq_fail(err, "cannot write to stdout: %s", strerror(errno ? errno : EIO));
}

int seq_close_stdout(seq_err *err)
{
    if (seq_flush_stdout(err) != 0) {
        fclose(stdout);
        return -1;
    }
    errno = 0;
    if (fclose(stdout) != 0)
        return seq_fail(err, "cannot write to stdout: %s", strerror(errno ? errno : EIO));
    return 0;
}
