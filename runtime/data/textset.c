/* textset.c: loads the aclImdb folder layout into memory, one review per entry. */
#include "textset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/utf8.h"
#include "csv.h"

/* Review files kept open with their reads requested ahead of use: reviews
 * are small, so on a cold cache the time goes to disk latency, which
 * overlapping requests hide (3 s -> about 1 s for the IMDB train split). */
#define READ_AHEAD 64

/* Length of the run of ASCII digits at S. */
static size_t digit_run(const char *s)
{
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

/* "<digits>_<digits>.txt" exactly. */
static int is_review_name(const char *name)
{
    size_t id = digit_run(name);
    if (id == 0 || name[id] != '_')
        return 0;
    const char *rest = name + id + 1;
    size_t rating = digit_run(rest);
    return rating > 0 && strcmp(rest + rating, ".txt") == 0;
}

/* Compares two digit strings by value without parsing them, so ids of any
 * length sort correctly. */
static int cmp_digits(const char *a, size_t na, const char *b, size_t nb)
{
    while (na > 1 && *a == '0')
        a++, na--;
    while (nb > 1 && *b == '0')
        b++, nb--;
    if (na != nb)
        return na < nb ? -1 : 1;
    return memcmp(a, b, na);
}

/* Orders by id, then rating, then name, so equal values still sort stably. */
static int cmp_review_names(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    size_t na = digit_run(a), nb = digit_run(b);
    int c = cmp_digits(a, na, b, nb);
    if (c == 0)
        c = cmp_digits(a + na + 1, digit_run(a + na + 1), b + nb + 1, digit_run(b + nb + 1));
    return c ? c : strcmp(a, b);
}

/* Fails unless PATH is a folder; LAYOUT says what was expected. */
static int check_folder(const char *path, const char *layout, seq_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return seq_fail(err, "%s: %s (expected the aclImdb layout: %s)", path,
                        strerror(errno), layout);
    if (!S_ISDIR(st.st_mode))
        return seq_fail(err, "%s: not a folder (expected the aclImdb layout: %s)", path,
                        layout);
    return 0;
}

typedef struct name_list {
    char **names;
    size_t n, cap;
} name_list;

static void name_list_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
}

/* The review file names in the open folder D (DIR), sorted by numeric id. */
static int list_reviews(DIR *d, const char *dir, name_list *out, seq_err *err)
{
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_review_name(e->d_name))
            continue;
        if (out->n == out->cap) {
            out->cap = out->cap ? 2 * out->cap : 1024;
            out->names = seq_xrealloc(out->names, out->cap * sizeof *out->names);
        }
        out->names[out->n++] = seq_xstrdup(e->d_name);
    }
    if (out->n == 0)
        return seq_fail(err, "%s: no reviews (expected files named <id>_<rating>.txt)", dir);
    qsort(out->names, out->n, sizeof *out->names, cmp_review_names);
    return 0;
}

/* Reads the open file FD (PATH) whole into a NUL-terminated buffer. */
static int read_whole(int fd, const char *path, char **data, size_t *len, seq_err *err)
{
    struct stat st;
    /* Room for the file and one more byte, so the read that sees EOF needs no growth. */
    size_t cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 4096;
    char *buf = seq_xmalloc(cap);
    size_t n = 0;
    for (;;) {
        if (n + 1 == cap)
            buf = seq_xrealloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r == 0)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return seq_fail(err, "%s: cannot read: %s", path, strerror(e));
        }
        n += (size_t)r;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* A review file opened ahead of its turn, its read already requested. */
typedef struct review_file {
    int fd;
    int open_errno;
} review_file;

static review_file open_ahead(int dir_fd, const char *name)
{
    review_file f = {openat(dir_fd, name, O_RDONLY), 0};
    if (f.fd < 0)
        f.open_errno = errno;
    else
        posix_fadvise(f.fd, 0, 0, POSIX_FADV_WILLNEED);
    return f;
}

/* Reads, checks and appends to T the review DIR/NAME, opened as F (closed here). */
static int add_review(const char *dir, const char *name, review_file f, int32_t label,
                      seq_textset *t, seq_err *err)
{
    char *path = seq_path_join(dir, name);
    char *data = NULL;
    size_t len = 0, bad_line, nul;
    int rc;
    if (f.fd < 0) {
        rc = seq_fail(err, "%s: cannot open: %s", path, strerror(f.open_errno));
    } else {
        rc = read_whole(f.fd, path, &data, &len, err);
        close(f.fd);
    }
    if (rc == 0 && len == 0)
        rc = seq_fail(err, "%s: empty review (expected UTF-8 text)", path);
    else if (rc == 0 && !seq_utf8_valid(data, len, &bad_line))
        rc = seq_fail(err, "%s:%zu: invalid UTF-8 (reviews must be UTF-8 text)", path,
                      bad_line);
    else if (rc == 0 && seq_text_has_nul(data, len, &nul, &bad_line))
        rc = seq_fail(err, "%s:%zu: NUL byte at offset %zu (reviews must be text)", path,
                      bad_line, nul);
    if (rc == 0) {
        t->texts[t->n] = data;
        t->lens[t->n] = len;
        t->labels[t->n] = label;
        t->n++;
    } else {
        free(data);
    }
    free(path);
    return rc;
}

/* Appends the first LIMIT (0 = all) reviews of folder DIR with LABEL to T. */
static int load_class(const char *dir, int32_t label, size_t limit, seq_textset *t,
                      seq_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return seq_fail(err, "%s: cannot open folder: %s", dir, strerror(errno));
    name_list names = {0};
    int rc = list_reviews(d, dir, &names, err);
    size_t keep = rc != 0 ? 0 : limit > 0 && limit < names.n ? limit : names.n;
    t->texts = seq_xrealloc(t->texts, (t->n + keep) * sizeof *t->texts);
    t->lens = seq_xrealloc(t->lens, (t->n + keep) * sizeof *t->lens);
    t->labels = seq_xrealloc(t->labels, (t->n + keep) * sizeof *t->labels);
    review_file ring[READ_AHEAD];
    size_t opened = 0, i = 0;
    for (; rc == 0 && i < keep; i++) {
        for (; opened < keep && opened < i + READ_AHEAD; opened++)
            ring[opened % READ_AHEAD] = open_ahead(dirfd(d), names.names[opened]);
        rc = add_review(dir, names.names[i], ring[i % READ_AHEAD], label, t, err);
    }
    for (; i < opened; i++)
        if (ring[i % READ_AHEAD].fd >= 0)
            close(ring[i % READ_AHEAD].fd);
    closedir(d);
    name_list_free(&names);
    return rc;
}

int seq_imdb_load(const char *root, const char *split, size_t limit,
                  seq_textset *out, seq_err *err)
{
    static const char *const classes[] = {"neg", "pos"};
    memset(out, 0, sizeof *out);
    char *split_dir = seq_path_join(root, split);
    seq_buf layout = {0};
    seq_buf_printf(&layout, "%s/{neg,pos}/<id>_<rating>.txt", split_dir);
    int rc = check_folder(root, layout.data, err);
    if (rc == 0)
        rc = check_folder(split_dir, layout.data, err);
    for (int c = 0; c < 2 && rc == 0; c++) {
        char *dir = seq_path_join(split_dir, classes[c]);
        rc = check_folder(dir, layout.data, err);
        if (rc == 0)
            rc = load_class(dir, c, limit, out, err);
        free(dir);
    }
    seq_buf_free(&layout);
    free(split_dir);
    if (rc != 0) {
        seq_textset_free(out);
        return -1;
    }
    out->n_classes = 2;
    out->class_names = seq_xmalloc(2 * sizeof *out->class_names);
    for (int c = 0; c < 2; c++)
        out->class_names[c] = seq_xstrdup(classes[c]);
    return 0;
}

void seq_textset_free(seq_textset *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->texts[i]);
    for (int c = 0; c < t->n_classes; c++)
        free(t->class_names[c]);
    free(t->texts);
    free(t->lens);
    free(t->labels);
    free(t->class_names);
    free(t->class_lines);
    memset(t, 0, sizeof *t);
}

int seq_text_has_nul(const char *s, size_t len, size_t *offset, size_t *line)
{
    const char *nul = memchr(s, '\0', len);
    if (!nul)
        return 0;
    *offset = (size_t)(nul - s);
    *line = 1;
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(nul - p))) != NULL; p++)
        ++*line;
    return 1;
}

static int cmp_labels(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index of LABEL among CLASSES[0..n), or -1. */
static int class_index(char *const *classes, int n, const char *label)
{
    for (int c = 0; c < n; c++)
        if (strcmp(classes[c], label) == 0)
            return c;
    return -1;
}

int seq_csv_textset_as(const char *path, const seq_csv_dialect *d, const char *text_column,
                       const char *label_column, char *const *fixed, int n_fixed,
                       seq_textset *out, size_t *n_empty, seq_err *err)
{
    memset(out, 0, sizeof *out);
    if (n_empty)
        *n_empty = 0;
    seq_csv csv;
    if (seq_csv_read_as(path, d, &csv, err) != 0)
        return -1;
    int text_col = seq_csv_require_column(&csv, path, text_column, err);
    int label_col = text_col < 0 ? -1 : seq_csv_require_column(&csv, path, label_column, err);
    size_t n = csv.n_rows;
    int rc = label_col < 0 ? -1 : 0;
    if (rc == 0 && n == 0)
        rc = seq_fail(err, "%s: no rows (expected a header row, then one row per text)", path);
    /* The classes: the labels sorted, then deduplicated in place. */
    const char **classes = seq_xmalloc((n ? n : 1) * sizeof *classes);
    for (size_t r = 0; r < n && rc == 0; r++) {
        classes[r] = seq_csv_cell(&csv, r, label_col);
        if (classes[r][0] == '\0')
            rc = seq_fail(err, "%s:%zu: empty label in column \"%s\" (every row needs a class)",
                          path, csv.lines[r], label_column);
        else if (fixed && class_index(fixed, n_fixed, classes[r]) < 0)
            rc = seq_fail(err, "%s:%zu: label \"%.80s\" is not one of the model's %d classes",
                          path, csv.lines[r], classes[r], n_fixed);
    }
    size_t n_classes = 0;
    if (rc == 0 && fixed) {
        n_classes = (size_t)n_fixed;
        for (size_t c = 0; c < n_classes; c++)
            classes[c] = fixed[c];
    } else if (rc == 0) {
        qsort(classes, n, sizeof *classes, cmp_labels);
        for (size_t r = 0; r < n; r++)
            if (n_classes == 0 || strcmp(classes[r], classes[n_classes - 1]) != 0)
                classes[n_classes++] = classes[r];
    }
    if (rc == 0) {
        out->n_classes = (int)n_classes;
        out->class_names = seq_xmalloc(n_classes * sizeof *out->class_names);
        for (size_t c = 0; c < n_classes; c++)
            out->class_names[c] = seq_xstrdup(classes[c]);
        out->texts = seq_xmalloc(n * sizeof *out->texts);
        out->lens = seq_xmalloc(n * sizeof *out->lens);
        out->labels = seq_xmalloc(n * sizeof *out->labels);
        out->class_lines = seq_xcalloc(n_classes ? n_classes : 1, sizeof *out->class_lines);
    }
    for (size_t r = 0; r < n && rc == 0; r++) {
        const char *label = seq_csv_cell(&csv, r, label_col);
        const char *text = seq_csv_cell(&csv, r, text_col);
        out->lens[r] = strlen(text);
        out->texts[r] = seq_xstrndup(text, out->lens[r]);
        out->labels[r] = fixed ? class_index(out->class_names, (int)n_classes, label)
                               : (int32_t)((const char **)bsearch(&label, classes, n_classes,
                                                                  sizeof *classes, cmp_labels) -
                                           classes);
        if (!out->class_lines[out->labels[r]])
            out->class_lines[out->labels[r]] = csv.lines[r];
        out->n = r + 1;
        if (n_empty && out->lens[r] == 0)
            (*n_empty)++;
    }
    free(classes);
    seq_csv_free(&csv);
    return rc;
}

int seq_csv_textset(const char *path, const char *text_column, const char *label_column,
                    seq_textset *out, size_t *n_empty, seq_err *err)
{
    return seq_csv_textset_as(path, NULL, text_column, label_column, NULL, 0, out, n_empty, err);
}
