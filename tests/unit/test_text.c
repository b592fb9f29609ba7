/* test_text.c: aclImdb loading (order, labels, limit, errors, invalid UTF-8)
 * and the NUL check, on small folders built in a temp dir. */
#include "check.h"
#include "data/textset.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp_root[] = "/tmp/test_text.XXXXXX";

static char *path_of(const char *rel)
{
    return seq_path_join(tmp_root, rel);
}

static void make_dir(const char *rel)
{
    char *p = path_of(rel);
    seq_err err;
    CHECK_MSG(seq_mkdirs(p, &err) == 0, "%s", err.msg);
    free(p);
}

static void write_file(const char *rel, const char *data, size_t len)
{
    char *p = path_of(rel);
    FILE *f = fopen(p, "wb");
    CHECK_MSG(f != NULL, "cannot create %s", p);
    if (f) {
        CHECK(fwrite(data, 1, len, f) == len);
        fclose(f);
    }
    free(p);
}

static void write_text(const char *rel, const char *text)
{
    write_file(rel, text, strlen(text));
}

/* How many file descriptors are open: it grows if a load leaks one. */
static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 4096; fd++)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* Loads tmp_root/REL expecting failure; checks the message names NAMES_REL
 * (under tmp_root) and contains WANT. */
static void check_load_fails(const char *rel, size_t limit, const char *names_rel,
                             const char *want)
{
    char *root = path_of(rel), *named = path_of(names_rel);
    seq_textset t;
    seq_err err = {{0}};
    int fd_before = open_fds();
    CHECK_MSG(seq_imdb_load(root, "train", limit, &t, &err) != 0, "%s loaded", rel);
    CHECK(open_fds() == fd_before);
    CHECK_MSG(strstr(err.msg, named) != NULL, "\"%s\" does not name %s", err.msg, named);
    CHECK_MSG(strstr(err.msg, want) != NULL, "\"%s\" lacks \"%s\"", err.msg, want);
    CHECK(t.n == 0 && t.texts == NULL && t.class_names == NULL);
    seq_textset_free(&t);
    free(root);
    free(named);
}

static void test_load_order(void)
{
    make_dir("ok/train/neg");
    make_dir("ok/train/pos");
    make_dir("ok/test/neg");
    /* Numeric order 1, 2, 10, 100 differs from byte order 1, 10, 100, 2. */
    write_text("ok/train/neg/10_2.txt", "neg ten");
    write_text("ok/train/neg/2_1.txt", "neg two");
    write_text("ok/train/neg/100_4.txt", "neg hundred");
    write_text("ok/train/neg/1_3.txt", "neg one<br /><br />line\nline 2");
    write_text("ok/train/pos/9_7.txt", "pos nine \xc3\xa9\xe2\x80\x99\xf0\x9f\x8e\xac");
    write_text("ok/train/pos/11_8.txt", "pos eleven");
    write_text("ok/train/pos/0100_10.txt", "pos hundred");
    /* Names that are not reviews, including broken files, are ignored. */
    write_text("ok/train/neg/notes.txt", "");
    write_text("ok/train/neg/3_1.txt.bak", "");
    write_text("ok/train/neg/x_1.txt", "\xff");
    write_text("ok/train/neg/5_.txt", "");
    write_text("ok/train/neg/_5.txt", "");
    write_text("ok/train/neg/.7_1.txt", "");
    write_text("ok/train/urls_neg.txt", "http://example.invalid/\n");
    make_dir("ok/train/pos/12_3.d");

    char *root = path_of("ok");
    seq_textset t;
    seq_err err = {{0}};
    int rc = seq_imdb_load(root, "train", 0, &t, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    static const char *const want[] = {
        "neg one<br /><br />line\nline 2", "neg two", "neg ten", "neg hundred",
        "pos nine \xc3\xa9\xe2\x80\x99\xf0\x9f\x8e\xac", "pos eleven", "pos hundred"};
    static const int32_t labels[] = {0, 0, 0, 0, 1, 1, 1};
    CHECK(t.n == 7);
    for (size_t i = 0; rc == 0 && i < t.n && i < 7; i++) {
        CHECK_STR(t.texts[i], want[i]);
        CHECK(t.lens[i] == strlen(want[i]));
        CHECK(t.labels[i] == labels[i]);
    }
    CHECK(t.n_classes == 2);
    if (t.class_names) {
        CHECK_STR(t.class_names[0], "neg");
        CHECK_STR(t.class_names[1], "pos");
    }
    seq_textset_free(&t);
    CHECK(t.n == 0 && t.texts == NULL && t.n_classes == 0);
    seq_textset_free(&t); /* freeing twice is harmless */

    /* LIMIT keeps the first reviews of each class in sorted order. */
    rc = seq_imdb_load(root, "train", 2, &t, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    static const char *const limited[] = {"neg one<br /><br />line\nline 2", "neg two",
                                          "pos nine \xc3\xa9\xe2\x80\x99\xf0\x9f\x8e\xac",
                                          "pos eleven"};
    CHECK(t.n == 4);
    for (size_t i = 0; rc == 0 && i < t.n && i < 4; i++) {
        CHECK_STR(t.texts[i], limited[i]);
        CHECK(t.labels[i] == (i < 2 ? 0 : 1));
    }
    seq_textset_free(&t);

    /* A limit above the class size keeps all. */
    rc = seq_imdb_load(root, "train", 1000, &t, &err);
    CHECK(rc == 0 && t.n == 7);
    seq_textset_free(&t);
    free(root);
}

/* More reviews than are read ahead at once. */
static void test_load_many(void)
{
    enum { N = 150 };
    make_dir("many/train/neg");
    make_dir("many/train/pos");
    char name[64], text[64];
    for (int id = N; id >= 1; id--) {
        snprintf(name, sizeof name, "many/train/neg/%d_%d.txt", id, id % 5);
        snprintf(text, sizeof text, "review %d", id);
        write_text(name, text);
    }
    write_text("many/train/pos/7_7.txt", "the only positive");
    char *root = path_of("many");
    seq_textset t;
    seq_err err = {{0}};
    int fd_before = open_fds();
    int rc = seq_imdb_load(root, "train", 0, &t, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    CHECK(open_fds() == fd_before);
    CHECK(t.n == N + 1);
    int in_order = 1;
    for (size_t i = 0; rc == 0 && i < N; i++) {
        snprintf(text, sizeof text, "review %zu", i + 1);
        in_order &= strcmp(t.texts[i], text) == 0 && t.labels[i] == 0;
    }
    CHECK(in_order);
    if (rc == 0)
        CHECK_STR(t.texts[N], "the only positive");
    seq_textset_free(&t);
    free(root);

    /* A failure in the middle leaves no file open. */
    write_text("many/train/neg/70_1.txt", "");
    check_load_fails("many", 0, "many/train/neg/70_1.txt", "empty review");
    check_load_fails("many", 100, "many/train/neg/70_1.txt", "empty review");
    root = path_of("many");
    CHECK(seq_imdb_load(root, "train", 69, &t, &err) == 0 && t.n == 70);
    seq_textset_free(&t);
    free(root);
}

static void test_load_errors(void)
{
    seq_textset zero = {0};
    seq_textset_free(&zero);

    check_load_fails("missing", 0, "missing", "expected the aclImdb layout");
    /* The split has no pos folder (created above: ok/test has only neg). */
    char *root = path_of("ok");
    seq_textset t;
    seq_err err = {{0}};
    CHECK(seq_imdb_load(root, "test", 0, &t, &err) != 0);
    CHECK_MSG(strstr(err.msg, "/ok/test/neg: no reviews") != NULL, "%s", err.msg);
    CHECK(seq_imdb_load(root, "valid", 0, &t, &err) != 0);
    CHECK_MSG(strstr(err.msg, "/ok/valid: ") && strstr(err.msg, "aclImdb layout"), "%s",
              err.msg);
    free(root);

    make_dir("nopos/train/neg");
    write_text("nopos/train/neg/1_1.txt", "fine");
    check_load_fails("nopos", 0, "nopos/train/pos", "expected the aclImdb layout");

    make_dir("filepos/train/neg");
    write_text("filepos/train/neg/1_1.txt", "fine");
    write_text("filepos/train/pos", "not a folder");
    check_load_fails("filepos", 0, "filepos/train/pos", "not a folder");

    make_dir("noreviews/train/neg");
    make_dir("noreviews/train/pos");
    write_text("noreviews/train/neg/1_1.txt", "fine");
    write_text("noreviews/train/pos/readme.txt", "not a review");
    check_load_fails("noreviews", 0, "noreviews/train/pos", "no reviews");

    make_dir("empty/train/neg");
    make_dir("empty/train/pos");
    write_text("empty/train/neg/1_1.txt", "fine");
    write_text("empty/train/pos/4_9.txt", "");
    write_text("empty/train/pos/3_9.txt", "fine");
    check_load_fails("empty", 0, "empty/train/pos/4_9.txt", "empty review");
    /* ... unless LIMIT stops before the bad file. */
    root = path_of("empty");
    CHECK(seq_imdb_load(root, "train", 1, &t, &err) == 0 && t.n == 2);
    seq_textset_free(&t);
    free(root);

    make_dir("badutf/train/neg");
    make_dir("badutf/train/pos");
    write_text("badutf/train/neg/1_1.txt", "fine");
    write_text("badutf/train/pos/2_9.txt", "line one\nline two \xc3\xa9\nline \xc3( three\n");
    check_load_fails("badutf", 0, "badutf/train/pos/2_9.txt:3: invalid UTF-8",
                     "invalid UTF-8");

    make_dir("nul/train/neg");
    make_dir("nul/train/pos");
    write_text("nul/train/neg/1_1.txt", "fine");
    write_file("nul/train/pos/2_9.txt", "one\ntwo\nthr\0ee\n", 15);
    check_load_fails("nul", 0, "nul/train/pos/2_9.txt:3: NUL byte at offset 11", "NUL byte");

    make_dir("unreadable/train/neg/1_1.txt");
    make_dir("unreadable/train/pos");
    write_text("unreadable/train/pos/1_1.txt", "fine");
    check_load_fails("unreadable", 0, "unreadable/train/neg/1_1.txt", "read");
}

static void test_nul(void)
{
    size_t offset = 99, line = 99;
    CHECK(!seq_text_has_nul("abc\ndef", 7, &offset, &line) && offset == 99 && line == 99);
    CHECK(seq_text_has_nul("a\nb\n\0c\0", 7, &offset, &line) && offset == 4 && line == 3);
    CHECK(seq_text_has_nul("\0", 1, &offset, &line) && offset == 0 && line == 1);
    CHECK(!seq_text_has_nul("abc\0", 3, &offset, &line)); /* only LEN bytes */
}

int main(void)
{
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 1;
    }
    test_nul();
    test_load_order();
    test_load_many();
    test_load_errors();
    check_remove_tree(tmp_root);
    return check_status("test_text");
}
